"""How long one decision letter takes to write (HTML + PDF + text), and a batch of 1,000.

Run: ``make bench-letters`` (or ``.venv/bin/python -m benchmarks.letters``).
The baseline, measured in the same run, is a one-paragraph ReportLab PDF: the ratio
shows what our letter costs beyond ReportLab's own start-up per document. Every letter
has its own motivations (no cache sees the same paragraph twice); the batch writes other
letters than the ones timed one by one.

Times are given as wall-clock time and as the process's CPU time: "per core" is the CPU
figure (the benchmark is single-threaded), which other work on the machine disturbs less.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from matching.app import create_app
from matching.candidacies.rules import APPEAL_WINDOW_DAYS, appeal_deadline
from matching.letters.content import (
    Contact,
    CriterionResult,
    LetterContent,
    LetterKind,
    Recipient,
    Sender,
)
from matching.letters.render import render

_SENTENCES = (
    "De kandidatuur beschrijft concrete activiteiten voor de doelgroep, maar de lokale "
    "verankering blijft beperkt tot één gemeente van het werkingsgebied.",
    "De organisatie heeft ervaring met trajectbegeleiding van anderstalige nieuwkomers en "
    "toont dat met cijfers over de voorbije drie jaar.",
    "Over de samenwerking met het OCMW en VDAB zegt de kandidatuur weinig; de jury mist een "
    "voorbeeld van gedeelde casusbesprekingen.",
    "De voorgestelde aanpak sluit aan bij regio-uitdaging 2 (jongeren zonder diploma), met "
    "een realistische planning en een duidelijke rolverdeling.",
    "De financiële onderbouwing is summier: de kandidatuur noemt geen cofinanciering en "
    "geen inzet van eigen personeel.",
    "Het netwerk van de organisatie in de sociale economie is een meerwaarde voor de "
    "doorstroom naar werk, al blijft de bijdrage aan welzijnsnoden vaag.",
    "De kandidatuur verwijst naar de ‘proeftuin’ van 2024 maar zegt niet welke lessen de "
    "organisatie daaruit trok.",
)


def motivation(i: int, criterion: int) -> str:
    """A different motivation for every letter (so that no cache makes the figure look
    better than a real round would): three of the sentences above, and the file number."""
    n = len(_SENTENCES)
    picked = [_SENTENCES[(i * 3 + criterion * 5 + k * (1 + i % 3)) % n] for k in range(3)]
    return f"Dossier {i:05d}-{criterion}: " + " ".join(picked)


def sample(i: int) -> LetterContent:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC) + timedelta(minutes=i)
    return LetterContent(
        kind=LetterKind.ROUND1_NOT_SELECTED, reference=f"KAND-001-1-{i:05d}/R1",
        letter_date=now.date(),
        sender=Sender("Regio Kortrijk", ("Stad Kortrijk", "OCMW Harelbeke"),
                      (Contact("Els Vermeulen", "Stad Kortrijk", "els@kortrijk.example"),)),
        recipient=Recipient(f"Organisatie {i} vzw", "0200.000.439", f"info{i}@example.be"),
        candidacy_reference=f"KAND-001-1-{i:05d}", procedure_title="Matching 2026", round=1,
        results=(CriterionResult("crucial_contribution", "Cruciale bijdrage", 2,
                                 "Organisatie voldoet op enkele criteria", motivation(i, 1),
                                 "consensus"),
                 CriterionResult("fit_for_partnership", "Fit for partnership", 3,
                                 "Organisatie voldoet op de meeste criteria", motivation(i, 2),
                                 "ballot")),
        appeal_deadline=appeal_deadline(now), appeal_how="els@kortrijk.example",
        appeal_window_days=APPEAL_WINDOW_DAYS)


def baseline_pdf() -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, invariant=1).build(
        [Paragraph("Beslissing", getSampleStyleSheet()["Normal"])])
    return buffer.getvalue()


def timed(fn, repeat: int) -> list[float]:
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return times


def timed_cpu(fn, numbers) -> list[float]:
    times = []
    for i in numbers:
        start = time.process_time()
        fn(i)
        times.append(time.process_time() - start)
    return times


def bench_figures(single: int, batch: int) -> dict:
    """The letter figures of ``make bench`` (:mod:`benchmarks.bench`): the median of
    ``single`` letters one by one, against the baseline PDF, and a batch of ``batch``."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        render(sample(0), "nl")
        base = statistics.median(timed(lambda i: baseline_pdf(), single))
        one = statistics.median(timed(lambda i: render(sample(i), "nl"), single))
        start = time.perf_counter()
        for i in range(batch):
            render(sample(i), "nl")
        seconds = time.perf_counter() - start
    return {"letter_median_ms": round(one * 1000, 1),
            "baseline_pdf_median_ms": round(base * 1000, 1),
            "batch": batch, "batch_seconds": round(seconds, 1),
            "letters_per_second": round(batch / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--single", type=int, default=50, help="letters timed one by one")
    parser.add_argument("--batch", type=int, default=1000, help="letters in the batch")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()

    os.environ.setdefault("MATCHING_INSTANCE_PATH", tempfile.mkdtemp())

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        render(sample(0), "nl")  # warm up templates and fonts
        base = statistics.median(timed(lambda i: baseline_pdf(), args.single))
        single = statistics.median(timed(lambda i: render(sample(i + 1), "nl"), args.single))
        single_cpu = statistics.median(timed_cpu(lambda i: render(sample(i + 1), "nl"),
                                                 range(args.single, 2 * args.single)))
        first = 2 * args.single + 1
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(first, first + args.batch):
            render(sample(i), "nl")
        batch = time.perf_counter() - start
        batch_cpu = time.process_time() - start_cpu
    figures = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "baseline_pdf_median_ms": round(base * 1000, 2),
        "letter_median_ms": round(single * 1000, 2),
        "letter_median_cpu_ms": round(single_cpu * 1000, 2),
        "letter_to_baseline_ratio": round(single / base, 1),
        "batch_size": args.batch,
        "batch_seconds": round(batch, 2),
        "batch_cpu_seconds": round(batch_cpu, 2),
        "letters_per_second_one_core": round(args.batch / batch_cpu, 1),
        "letters_per_second_wall": round(args.batch / batch, 1),
        "measured_on": date.today().isoformat(),
    }
    print("| figure | value |\n|---|---|")
    for key, value in figures.items():
        print(f"| {key} | {value} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=2)


if __name__ == "__main__":
    main()
