"""What one decision letter costs, in its two steps, and how many a worker makes a second.

Run: ``make bench-letters`` (or ``.venv/bin/python -m benchmarks.letters``).

1. *Recorded* in the deciding transaction: the HTML (the template) and the text (the HTML
   parsed with lxml): what closing a round pays per candidacy.
2. *Made by the mail worker* after the commit: the PDF laid out with ReportLab's Platypus
   (DejaVu fonts, subset), then sealed (PAdES, pyHanko, the development seal).

The baseline, measured in the same run, is a one-paragraph Platypus PDF: the ratio shows
what our letter costs beyond ReportLab's own start-up per document. Every letter has its
own motivations (no cache sees the same paragraph twice); the batch writes other letters
than the ones timed one by one. Times are wall-clock and the process's CPU time: "per
core" is the CPU figure (single-threaded), which other work on the machine disturbs less.

Before issue 15 (own tokenizer and line breaking on ReportLab's canvas, Helvetica, WinAnsi,
everything in the deciding transaction): 2.86 ms a letter, 347 letters/s on one core.
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
from matching.letters.render import render, render_pdf
from matching.letters.seal import current_seal, seal_pdf

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
                      (Contact("Els Vermeulen", "Stad Kortrijk", "els@kortrijk.example"),),
                      "Stad Kortrijk – Dienst Werk\nGrote Markt 54\n8500 Kortrijk",
                      "Pieter-Jan Vandenbroucke", "Algemeen directeur, Stad Kortrijk"),
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


def recorded(i: int) -> str:
    """What the deciding transaction records: subject, HTML, text (returns the HTML)."""
    return render(sample(i), "nl")[1]


def made(html: str, i: int) -> bytes:
    """What the mail worker makes: the PDF, sealed."""
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC) + timedelta(minutes=i)
    pdf = render_pdf(html, reference=f"KAND-001-1-{i:05d}/R1", version=1, locale="nl",
                     created_at=now, verify_url="https://matching.example.be/brieven/echtheid",
                     online_url=f"https://matching.example.be/brieven/{i}")
    return seal_pdf(pdf, current_seal(), at=now, reason="Brief", location="Vlaanderen")


def unsealed(html: str, i: int) -> bytes:
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC) + timedelta(minutes=i)
    return render_pdf(html, reference=f"KAND-001-1-{i:05d}/R1", version=1, locale="nl",
                      created_at=now)


def timed(fn, numbers) -> tuple[float, float]:
    """The median wall-clock and CPU seconds of ``fn(i)`` for each of ``numbers``."""
    wall, cpu = [], []
    for i in numbers:
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(i)
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return statistics.median(wall), statistics.median(cpu)


def measure(single: int, batch: int) -> dict:
    """The figures (see the module's docstring), in an application on an empty SQLite."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        html = recorded(0)
        made(html, 0)  # warm up templates, fonts and pyHanko
        baseline, _ = timed(lambda i: baseline_pdf(), range(single))
        htmls = {i: recorded(i) for i in range(1, 2 * single + 1)}
        record, record_cpu = timed(recorded, range(1, single + 1))
        layout, layout_cpu = timed(lambda i: unsealed(htmls[i], i), range(1, single + 1))
        worker, worker_cpu = timed(lambda i: made(htmls[i], i), range(single + 1, 2 * single + 1))
        first = 2 * single + 1
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(first, first + batch):
            made(recorded(i), i)
        seconds, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    return {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}",
        "baseline_pdf_median_ms": round(baseline * 1000, 2),
        "recorded_median_ms": round(record * 1000, 2),
        "recorded_median_cpu_ms": round(record_cpu * 1000, 2),
        "pdf_median_ms": round(layout * 1000, 2),
        "pdf_median_cpu_ms": round(layout_cpu * 1000, 2),
        "pdf_and_seal_median_ms": round(worker * 1000, 2),
        "pdf_and_seal_median_cpu_ms": round(worker_cpu * 1000, 2),
        "seal_median_cpu_ms": round((worker_cpu - layout_cpu) * 1000, 2),
        "pdf_to_baseline_ratio": round(layout / baseline, 1),
        "batch_size": batch,
        "batch_seconds": round(seconds, 2),
        "batch_cpu_seconds": round(cpu, 2),
        # a letter from the decision to its sealed PDF, on one core
        "letters_per_second_one_core": round(batch / cpu, 1),
        "letters_per_second_wall": round(batch / seconds, 1),
        "round_of_200_seconds_one_worker": round(200 * seconds / batch, 1),
        "measured_on": date.today().isoformat(),
    }


def bench_figures(single: int, batch: int) -> dict:
    """The letter figures of ``make bench`` (:mod:`benchmarks.bench`)."""
    return measure(single, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--single", type=int, default=30, help="letters timed one by one")
    parser.add_argument("--batch", type=int, default=200,
                        help="letters in the batch (a round of 200 candidacies)")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()

    os.environ.setdefault("MATCHING_INSTANCE_PATH", tempfile.mkdtemp())
    figures = measure(args.single, args.batch)
    print("| figure | value |\n|---|---|")
    for key, value in figures.items():
        print(f"| {key} | {value} |")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=2)


if __name__ == "__main__":
    main()
