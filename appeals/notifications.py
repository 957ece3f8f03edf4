"""The letters of the appeal: its receipt and the panel's outcome (with the complaints desk,
R-APP-4)."""

from __future__ import annotations

from datetime import datetime

from matching.candidacies.notifications import base_content
from matching.letters.content import LetterContent, LetterKind, PanelPosition

#: R-APP-4: "het bestaande meldpunt van het Departement Werk & Sociale Economie"
COMPLAINTS_DESK = ("Meldpunt klachten Departement Werk en Sociale Economie – "
                   "https://www.vlaanderen.be/departement-werk-sociale-economie/"
                   "meldpunt-klachten-departement-werk-en-sociale-economie")


def appeal_receipt(appeal, now: datetime) -> LetterContent:
    return base_content(LetterKind.APPEAL_RECEIPT, appeal.candidacy, now,
                 f"{appeal.candidacy.reference}/W{appeal.round}", round=appeal.round,
                 appeal_filed_at=appeal.filed_at)


def appeal_outcome(appeal, now: datetime) -> LetterContent:
    return base_content(LetterKind.APPEAL_OUTCOME, appeal.candidacy, now,
                 f"{appeal.candidacy.reference}/W{appeal.round}/U", round=appeal.round,
                 appeal_filed_at=appeal.filed_at, appeal_outcome=appeal.state.value,
                 panel=tuple(PanelPosition(m.position.value, m.motivation) for m in appeal.panel),
                 complaints_desk=COMPLAINTS_DESK)
