"""The scale data's letters: a few dozen real, sealed PDFs, reused."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from appeals.notifications import COMPLAINTS_DESK
from juries.rules import SCALE, THRESHOLD, Method
from matching.candidacies.rules import (
    APPEAL_WINDOW_DAYS,
    CRITERION_LABELS,
    Criterion,
    appeal_deadline,
)
from matching.core.dates import brussels_date
from matching.demo import texts
from matching.letters.content import (
    Contact,
    CriterionResult,
    LetterContent,
    LetterKind,
    PanelPosition,
    PitchMoment,
    Recipient,
    Sender,
)
from matching.letters.render import render, render_pdf
from matching.letters.seal import current_seal, seal_pdf
from matching.scale.data import POSITION_TEXTS, email
from matching.scale.plan import POSITIONS, REVERSED


@dataclass(frozen=True)
class Sample:
    html: str
    text: str
    content_sha256: str
    pdf: bytes
    sha256: str
    ics: bytes | None
    sealed_at: datetime
    seal_fingerprint: str


class LetterSamples:
    """Real letters rendered once through :mod:`matching.letters` and reused across rows.

    Rendering and sealing one letter takes tens of milliseconds (ReportLab, pyHanko), far
    too slow for tens of thousands of rows, so each kind (and for a decision each pair of
    scores, so the scores and motivations in a letter are the row's own) is rendered and
    sealed once, now: its HTML, text, sealed PDF and SHA-256 are shared by every row of
    that kind. The sample is addressed to a "Voorbeeldorganisatie (schaalproef)", so nobody
    mistakes it for a real letter.
    """

    def __init__(self, today: datetime):
        self.today = today
        self.cache: dict[tuple, Sample] = {}

    def get(self, kind: LetterKind, key: tuple = ()) -> Sample:
        if (kind, key) not in self.cache:
            _, html, text_, ics = render(self.content(kind, key), "nl")
            reference = f"SCHAALPROEF/{kind.value}"
            now = self.today  # the story's today: nothing in the data happens after it
            seal = current_seal()
            pdf = seal_pdf(render_pdf(html, reference=reference, version=1, locale="nl",
                                      created_at=now), seal, at=now,
                           reason=f"Brief {reference} (schaalproef)", location="Vlaanderen")
            self.cache[(kind, key)] = Sample(
                html, text_, hashlib.sha256(html.encode("utf-8")).hexdigest(), pdf,
                hashlib.sha256(pdf).hexdigest(), ics, now, seal.fingerprint)
        return self.cache[(kind, key)]

    def content(self, kind: LetterKind, key: tuple) -> LetterContent:
        now = self.today
        contact = Contact("Coördinatie werkingsgebied", "Gemeente Voorbeeld",
                          email("coordinator.voorbeeld"), "09 000 00 00")
        # LetterContent's arguments every sample shares
        base: dict[str, Any] = dict(
            kind=kind, reference=f"SCHAALPROEF/{kind.value}", letter_date=brussels_date(now),
            sender=Sender("Werkingsgebied (schaalproef)", ("Gemeente Voorbeeld",), (contact,)),
            recipient=Recipient("Voorbeeldorganisatie (schaalproef) vzw", "0000.000.097",
                                email("applicant.voorbeeld")),
            candidacy_reference="KAND-SCHAALPROEF", procedure_title="Matching (schaalproef)")
        if kind in (LetterKind.APPEAL_RECEIPT, LetterKind.APPEAL_OUTCOME):
            outcome = key[0] if key else None
            panel = tuple(PanelPosition(p.value, POSITION_TEXTS[p][0])
                          for p in (POSITIONS.get(outcome, ()) if outcome is not None else ()))
            return LetterContent(**base, round=1, appeal_filed_at=now, appeal_outcome=outcome,
                                 panel=panel, complaints_desk=COMPLAINTS_DESK)
        if kind == LetterKind.INADMISSIBLE:
            return LetterContent(**base, round=0,
                                 inadmissible_reason=next(iter(texts.INADMISSIBLE.values())),
                                 appeal_deadline=appeal_deadline(now),
                                 appeal_how="https://lokalepartnerschappen.example/kandidaturen/"
                                            "schaalproef/weerwoord",
                                 appeal_window_days=APPEAL_WINDOW_DAYS)
        round_no = 1 if kind in (LetterKind.ROUND1_SELECTED, LetterKind.ROUND1_NOT_SELECTED) else 2
        results = tuple(CriterionResult(c.value, CRITERION_LABELS[c], s, SCALE[s],
                                        motivation(c, s, round_no), Method.CONSENSUS.value)
                        for c, s in zip(Criterion, key, strict=True))
        not_selected = kind in (LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED)
        start = now + timedelta(days=14)
        pitch = (PitchMoment(start, start + timedelta(minutes=45), "Gemeentehuis Voorbeeld")
                 if kind == LetterKind.ROUND1_SELECTED else None)
        # a pitch invitation under the threshold follows a reversed appeal (issue 12): it
        # says so, with the panel's motivation
        reversed_ = kind == LetterKind.ROUND1_SELECTED and any(s < THRESHOLD for s in key)
        reversal: dict[str, Any] = dict(appeal_outcome="reversed", panel=tuple(
            PanelPosition(p.value, POSITION_TEXTS[p][0]) for p in POSITIONS[REVERSED])) \
            if reversed_ else {}
        return LetterContent(**base, round=round_no, results=results, threshold=THRESHOLD,
                             pitch=pitch, **reversal,
                             appeal_deadline=appeal_deadline(now) if not_selected else None,
                             appeal_how=("https://lokalepartnerschappen.example/kandidaturen/"
                                         "schaalproef/weerwoord") if not_selected else "",
                             appeal_window_days=APPEAL_WINDOW_DAYS if not_selected else None)


def motivation(criterion: Criterion, score: int, round_no: int, ballot: bool = False) -> str:
    text_ = texts.MOTIVATIONS[criterion][score]
    text_ = f"Na het matchingsgesprek: {text_}" if round_no == 2 else text_
    return texts.BALLOT_MOTIVATION.format(motivation=text_) if ballot else text_
