"""The letters of the appeal: its receipt and the panel's outcome (with the complaints desk,
R-APP-4)."""

from __future__ import annotations

from datetime import datetime

from matching.accounts.notifications import coordinators_of, notify
from matching.candidacies.notifications import base_content
from matching.core.errors import N_
from matching.core.web import external_url
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


# --- notifications: the coordinators and the panel ---------------------------------------

def appeal_filed_mail(appeal, *, now: datetime) -> None:
    """An appeal was filed: the coordinators compose its panel (R-APP-3)."""
    candidacy = appeal.candidacy
    notify(coordinators_of(candidacy.procedure.work_area_id),
           N_("Weerwoord ingediend: %(organisation)s"), "appeal_filed", now=now,
           key=f"appeal-filed.{candidacy.id}.{appeal.round}",
           link=external_url("appeal_panels.appeals", procedure_id=candidacy.procedure_id),
           subject_params={"organisation": candidacy.organisation.name}, appeal=appeal)


def panel_mails(appeal, members, *, now: datetime) -> None:
    """Put on an appeal's panel: each member judges it on its page."""
    notify(members, N_("U beoordeelt een weerwoord: %(organisation)s"), "panel_assigned",
           now=now, key=f"panel.{appeal.candidacy_id}.{appeal.round}",
           link=external_url("panel.appeal", appeal_id=appeal.id),
           subject_params={"organisation": appeal.candidacy.organisation.name}, appeal=appeal)
