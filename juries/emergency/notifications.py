"""The e-mails and letters of the emergency procedure: its start, told to the partnership
and to Europa WSE (R-STEP4-1: "Lokale besturen en VDAB moeten naar het partnerschap en
Europa WSE motiveren waarom ze deze noodprocedure opstarten"), and the outcome letter to
each partner."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from juries.emergency.rules import EMERGENCY_BLOCS
from juries.queries import jury_of
from matching.accounts.models import RoleGrant, User
from matching.accounts.notifications import notify
from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy
from matching.candidacies.notifications import base_content
from matching.core.db import db
from matching.core.errors import N_
from matching.core.web import external_url
from matching.letters.content import LetterContent, LetterKind, RankedPartner


def emergency_outcome(emergency, candidacy: Candidacy, now: datetime) -> LetterContent:
    partners = {o.candidacy_id: RankedPartner(o.candidacy.organisation.name, o.crucial_contribution,
                                              o.fit_for_partnership, o.selected, o.rank)
                for o in emergency.outcomes}
    ranked = [(p.rank, p) for p in partners.values() if p.rank is not None]
    ranking = tuple(p for _, p in sorted(ranked, key=lambda pair: pair[0]))
    return base_content(LetterKind.EMERGENCY_OUTCOME, candidacy, now,
                 f"{candidacy.reference}/NOOD{emergency.id}",
                 emergency_motivation=emergency.motivation, ranking=ranking,
                 ranking_motivation=emergency.ranking_motivation or "",
                 own_result=partners[candidacy.id])


def observers() -> list[User]:
    """Europa WSE: every active account with the observer role (the role is not bound to a
    work area: Europa WSE oversees every procedure)."""
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.OBSERVER, User.active.is_(True),
               User.deactivated_at.is_(None)).order_by(User.id)).unique())


def applicants_of(organisation_id: int) -> list[User]:
    """The contact persons of an organisation: its active applicant accounts."""
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.APPLICANT, RoleGrant.organisation_id == organisation_id,
               User.active.is_(True), User.deactivated_at.is_(None)).order_by(User.id)).unique())


def step4_deciders(procedure) -> list[User]:
    """The jury members who decide in the emergency procedure (VDAB, local government)."""
    jury = jury_of(procedure)
    return [m.user for m in jury.members if m.bloc in EMERGENCY_BLOCS] if jury else []


def started_mails(emergency, partners: list[Candidacy], *, actor: User, now: datetime) -> int:
    """The start, with its motivation: to each partner's contact persons (a link to their
    candidacy), to Europa WSE (a link to the procedure's page) and to the other members of
    VDAB and the local government (a link to the emergency procedure's page). Each in the
    language the person uses the site in. Returns the number of e-mails queued."""
    procedure = emergency.procedure
    subject = N_("Noodprocedure gestart – %(title)s")
    params = {"title": procedure.title}
    key = f"emergency-start.{emergency.id}"
    count = 0
    for candidacy in partners:
        count += len(notify(applicants_of(candidacy.organisation_id), subject,
                            "emergency_started", now=now, key=f"{key}.c{candidacy.id}",
                            link=external_url("applicant.candidacy", candidacy_id=candidacy.id),
                            subject_params=params, emergency=emergency, procedure=procedure,
                            audience="partner", organisation=candidacy.organisation.name))
    count += len(notify(observers(), subject, "emergency_started", now=now, key=f"{key}.obs",
                        link=external_url("observer.procedure", procedure_id=procedure.id),
                        subject_params=params, emergency=emergency, procedure=procedure,
                        audience="observer", organisation=""))
    count += len(notify([u for u in step4_deciders(procedure) if u.id != actor.id], subject,
                        "emergency_started", now=now, key=f"{key}.jury",
                        link=external_url("emergency.overview", procedure_id=procedure.id),
                        subject_params=params, emergency=emergency, procedure=procedure,
                        audience="jury", organisation=""))
    return count
