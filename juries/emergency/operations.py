"""Operations of the emergency procedure (noodprocedure) of step 4 (R-STEP4-1/2).

VDAB and the local governments re-score every partner on both criteria; partners with
3 or 4 on both are selected; when several qualify, a motivated ranking is made.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from juries.emergency import notifications as emergency_letters
from juries.emergency.models import (
    EmergencyOutcome,
    EmergencyProcedure,
    EmergencyScore,
    EmergencyState,
)
from juries.emergency.rules import (
    EMERGENCY_BLOCS,
    check_emergency_ranking,
    check_emergency_window,
    check_observed_behaviour,
    emergency_agreed_score,
    emergency_selected,
)
from juries.models import JuryMembership
from juries.queries import jury_of
from juries.rules import check_motivation, check_score
from matching.accounts.models import User
from matching.audit.recording import audit, lock_for_change
from matching.candidacies import notifications as candidacy_letters
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import CandidacyState, Criterion
from matching.core.dates import start_of_brussels_day
from matching.core.db import db
from matching.core.errors import N_, DomainError, PermissionDenied
from matching.core.operation import operation
from workareas.models import Procedure
from workareas.rules import ProcedureState


def step4_seat(procedure: Procedure, actor: User) -> JuryMembership:
    """R-STEP4-2: only VDAB and the local government decide in the emergency procedure."""
    jury = jury_of(procedure)
    seat = next((m for m in jury.members if m.user_id == actor.id), None) if jury else None
    if seat is None or seat.bloc not in EMERGENCY_BLOCS:
        raise PermissionDenied(N_("Enkel VDAB en het lokaal bestuur beslissen in de "
                                  "noodprocedure."), rule="R-STEP4-2")
    return seat


_step4_seat = step4_seat  # the name it had before the pages asked it too


def partners(procedure: Procedure) -> list[Candidacy]:
    """The partners of step 4: the candidacies admitted after round 2."""
    return list(db.session.scalars(select(Candidacy).where(
        Candidacy.procedure_id == procedure.id,
        Candidacy.state == CandidacyState.ADMITTED_TO_STEP4).order_by(Candidacy.id)))


def open_emergency(procedure: Procedure) -> EmergencyProcedure | None:
    """The emergency procedure of ``procedure`` that is still open, if any."""
    return db.session.scalar(select(EmergencyProcedure).where(
        EmergencyProcedure.procedure_id == procedure.id,
        EmergencyProcedure.state == EmergencyState.OPEN))


def emergencies_of(procedure: Procedure) -> list[EmergencyProcedure]:
    """Every emergency procedure of ``procedure``, the first started first."""
    return list(db.session.scalars(select(EmergencyProcedure).where(
        EmergencyProcedure.procedure_id == procedure.id)
        .order_by(EmergencyProcedure.started_at, EmergencyProcedure.id)))


def check_may_start(procedure: Procedure, now: datetime) -> None:
    """R-STEP4-1: whether an emergency procedure may start now (apart from who asks).

    The page asks this same function before it offers the button; the operation asks it
    again. Refuses with the reason: not yet in step 4, no start date, outside the 8 weeks
    before the start, one already open, no partners."""
    if procedure.state not in (ProcedureState.DECIDED, ProcedureState.RATIFIED):
        raise DomainError(N_("Een noodprocedure hoort bij stap 4, na de beslissing van ronde 2."),
                          rule="R-STEP4-1")
    start_date = procedure.partnership_start_date
    if start_date is None:
        raise DomainError(N_("Het addendum vermeldt geen startdatum van het partnerschap."),
                          rule="R-STEP4-1")
    check_emergency_window(now, start_of_brussels_day(start_date))
    if open_emergency(procedure) is not None:
        raise DomainError(N_("Er loopt al een noodprocedure."), rule="R-STEP4-1")
    if not partners(procedure):
        raise DomainError(N_("Er zijn geen partners in stap 4."), rule="R-STEP4-1")


@operation
def start_emergency(procedure: Procedure, motivation: str, *, actor: User,
                    now: datetime) -> EmergencyProcedure:
    """Start the noodprocedure, motivated to the partnership and Europa WSE, within the
    8 weeks before the partnership's effective start. The partners' applicants, Europa
    WSE's observers and the other members of VDAB and the local government get an e-mail
    with the motivation and a link."""
    lock_for_change(procedure)
    step4_seat(procedure, actor)
    check_may_start(procedure, now)
    emergency = EmergencyProcedure(procedure=procedure, state=EmergencyState.OPEN,
                                   motivation=check_motivation(motivation, what="noodprocedure"),
                                   started_at=now, started_by_id=actor.id)
    db.session.add(emergency)
    db.session.flush()
    audit("emergency.start", emergency, actor=actor, now=now, procedure_id=procedure.id)
    emergency_letters.started_mails(emergency, partners(procedure), actor=actor, now=now)
    return emergency


@operation
def record_emergency_score(emergency: EmergencyProcedure, candidacy: Candidacy,
                           criterion: Criterion, score: int, motivation: str,
                           observed_behaviour: str | None = None, *, actor: User,
                           now: datetime) -> EmergencyScore:
    """A re-score by the actor's organisation (VDAB or local government); fit for
    partnership also weighs the behaviour observed in step 4, which it describes."""
    lock_for_change(emergency, candidacy)
    seat = step4_seat(emergency.procedure, actor)
    if emergency.state != EmergencyState.OPEN:
        raise DomainError(N_("Deze noodprocedure is afgesloten."))
    if candidacy.procedure_id != emergency.procedure_id or \
            candidacy.state != CandidacyState.ADMITTED_TO_STEP4:
        raise DomainError(N_("Enkel partners uit stap 4 worden opnieuw gescoord."),
                          rule="R-STEP4-1")
    check_score(score)
    motivation = check_motivation(motivation)
    behaviour = check_observed_behaviour(Criterion(criterion), observed_behaviour)
    row = next((s for s in emergency.scores if s.candidacy_id == candidacy.id
                and s.criterion == criterion and s.bloc == seat.bloc), None)
    if row is None:
        row = EmergencyScore(candidacy_id=candidacy.id, criterion=Criterion(criterion),
                             bloc=seat.bloc)
        emergency.scores.append(row)
    row.score, row.motivation, row.scored_by_id, row.scored_at = score, motivation, actor.id, now
    row.observed_behaviour = behaviour
    audit("emergency.score", row, actor=actor, now=now, procedure_id=emergency.procedure_id,
          candidacy=candidacy.reference, criterion=criterion, bloc=seat.bloc, score=score)
    return row


def agreed_scores(emergency: EmergencyProcedure,
                  candidacy: Candidacy) -> dict[Criterion, int | None]:
    return {c: emergency_agreed_score({s.bloc: s.score for s in emergency.scores
                                       if s.candidacy_id == candidacy.id and s.criterion == c})
            for c in Criterion}


@operation
def conclude_emergency(emergency: EmergencyProcedure, ranking: Sequence[Candidacy],
                       ranking_motivation: str | None, *, actor: User,
                       now: datetime) -> list[EmergencyOutcome]:
    """Select the partners with 3 or 4 on both criteria; rank them when several qualify."""
    lock_for_change(emergency)
    step4_seat(emergency.procedure, actor)
    if emergency.state != EmergencyState.OPEN:
        raise DomainError(N_("Deze noodprocedure is al afgesloten."))
    results: dict[Candidacy, dict[Criterion, int]] = {}
    for candidacy in partners(emergency.procedure):
        scores = agreed_scores(emergency, candidacy)
        agreed = {criterion: score for criterion, score in scores.items() if score is not None}
        if len(agreed) != len(scores):
            raise DomainError(N_("VDAB en het lokaal bestuur zijn het nog niet eens over de scores "
                                 "van %(name)s."), rule="R-STEP4-2",
                              name=candidacy.organisation.name)
        results[candidacy] = agreed
    selected = [c for c, s in results.items() if emergency_selected(s)]
    check_emergency_ranking([c.id for c in selected], [c.id for c in ranking], ranking_motivation)
    rank = {c.id: i for i, c in enumerate(ranking, 1)}
    emergency.outcomes = [
        EmergencyOutcome(candidacy_id=c.id, crucial_contribution=s[Criterion.CRUCIAL_CONTRIBUTION],
                         fit_for_partnership=s[Criterion.FIT_FOR_PARTNERSHIP],
                         selected=c in selected, rank=rank.get(c.id))
        for c, s in results.items()]
    emergency.ranking_motivation = (ranking_motivation or "").strip() or None
    emergency.state, emergency.concluded_at = EmergencyState.CONCLUDED, now
    audit("emergency.conclude", emergency, actor=actor, now=now,
          procedure_id=emergency.procedure_id, selected=[c.reference for c in selected])
    db.session.flush()
    for candidacy in results:  # each partner hears its own outcome and the ranking
        candidacy_letters.issue(emergency_letters.emergency_outcome(emergency, candidacy, now),
                                candidacy, actor=actor, now=now)
    return emergency.outcomes
