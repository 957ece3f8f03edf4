"""The scale data's letters: a few dozen real PDFs, reused."""

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
from matching.letters.render import render
from matching.scale.data import POSITION_TEXTS, email
from matching.scale.plan import POSITIONS


@dataclass(frozen=True)
class Sample:
    html: str
    text: str
    pdf: bytes
    sha256: str
    ics: bytes | None


class LetterSamples:
    """Real letters rendered once through :mod:`matching.letters` and reused across rows.

    Rendering one letter takes tens of milliseconds (ReportLab), far too slow for tens of
    thousands of rows, so each kind (and for a decision each pair of scores, so the scores
    and motivations in a letter are the row's own) is rendered once: its HTML, text, PDF
    bytes and SHA-256 are shared by every row of that kind. The sample is addressed to a
    "Voorbeeldorganisatie (schaalproef)", so nobody mistakes it for a real letter.
    """

    def __init__(self, today: datetime):
        self.today = today
        self.cache: dict[tuple, Sample] = {}

    def get(self, kind: LetterKind, key: tuple = ()) -> Sample:
        if (kind, key) not in self.cache:
            _, html, text_, pdf, ics = render(self.content(kind, key), "nl")
            digest = hashlib.sha256(pdf).hexdigest()
            self.cache[(kind, key)] = Sample(html, text_, pdf, digest, ics)
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
        round_no = 1 if kind in (LetterKind.ROUND1_SELECTED, LetterKind.ROUND1_NOT_SELECTED) else 2
        results = tuple(CriterionResult(c.value, CRITERION_LABELS[c], s, SCALE[s],
                                        motivation(c, s, round_no), Method.CONSENSUS.value)
                        for c, s in zip(Criterion, key, strict=True))
        not_selected = kind in (LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED)
        start = now + timedelta(days=14)
        pitch = (PitchMoment(start, start + timedelta(minutes=45), "Gemeentehuis Voorbeeld")
                 if kind == LetterKind.ROUND1_SELECTED else None)
        return LetterContent(**base, round=round_no, results=results, threshold=THRESHOLD,
                             pitch=pitch,
                             appeal_deadline=appeal_deadline(now) if not_selected else None,
                             appeal_how=contact.email if not_selected else "",
                             appeal_window_days=APPEAL_WINDOW_DAYS if not_selected else None)


def motivation(criterion: Criterion, score: int, round_no: int, ballot: bool = False) -> str:
    text_ = texts.MOTIVATIONS[criterion][score]
    text_ = f"Na het matchingsgesprek: {text_}" if round_no == 2 else text_
    return texts.BALLOT_MOTIVATION.format(motivation=text_) if ballot else text_
