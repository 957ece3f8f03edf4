"""What the task list and the reminders read: plain rows, a constant number of statements."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import url_for
from sqlalchemy import func, select

from appeals.models import Appeal
from appeals.queries import panel_assignments
from appeals.rules import OPEN_APPEAL_STATES, AppealState
from juries.emergency import operations as emergency_ops
from juries.emergency.queries import partner_rows
from juries.emergency.rules import EMERGENCY_BLOCS
from juries.models import (
    Assessment,
    Ballot,
    BallotState,
    ConflictDeclaration,
    Jury,
    JuryDecision,
    JuryMembership,
    PitchAppointment,
    Vote,
)
from juries.operations import check_round_open
from juries.page_queries import broken_juries
from juries.queries import consensus_to_confirm, jury_with_members
from juries.rules import jury_is_complete
from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy, Letter
from matching.candidacies.queries import (
    appeal_deadline_of,
    organisation_ids,
    substantive_versions,
)
from matching.candidacies.rules import (
    AWAITED_ROUND,
    CRITERION_LABELS,
    ROUND_ENTRY_STATE,
    CandidacyState,
    Criterion,
    answers_outdated,
    appeal_round,
)
from matching.core.dates import start_of_brussels_day, to_utc
from matching.core.db import db, get_required
from matching.core.errors import N_, allowed
from matching.oversight.models import Observation
from matching.tasks.rules import ProcedureFacts, Task, coordinator_steps, ordered
from workareas.models import PitchSession, PitchSlot, Procedure, WorkArea
from workareas.rules import ProcedureState

#: Procedure states in which a jury scores (round 2 also after the others were decided:
#: a candidacy reversed on appeal).
SCORING_STATES = (ProcedureState.ROUND_1, ProcedureState.ROUND_2, ProcedureState.DECIDED)


def missing_scores(user_id: int | None = None) -> dict[tuple[int, int, int], list[Candidacy]]:
    """``(user id, procedure id, round) → candidacies`` for which that jury member's own
    score is missing on a criterion the jury has not decided yet, among the candidacies the
    jury can score now (the same check as the scoring page: round open, pitch held)."""
    seats = select(JuryMembership.user_id, Jury.procedure_id).join(
        Jury, Jury.id == JuryMembership.jury_id).join(
        Procedure, Procedure.id == Jury.procedure_id).where(Procedure.state.in_(SCORING_STATES))
    if user_id is not None:
        seats = seats.where(JuryMembership.user_id == user_id)
    members: dict[int, list[int]] = defaultdict(list)
    for uid, procedure_id in db.session.execute(seats).tuples():
        members[procedure_id].append(uid)
    if not members:
        return {}
    rows = db.session.execute(select(Candidacy.id, Candidacy.procedure_id, Candidacy.state).where(
        Candidacy.procedure_id.in_(list(members)),
        Candidacy.state.in_(list(ROUND_ENTRY_STATE.values())))).tuples().all()
    ids = [r[0] for r in rows]
    own = set(db.session.execute(select(Assessment.user_id, Assessment.candidacy_id,
                                        Assessment.round, Assessment.criterion)
                                 .where(Assessment.candidacy_id.in_(ids))).tuples())
    decided = set(db.session.execute(select(JuryDecision.candidacy_id, JuryDecision.round,
                                            JuryDecision.criterion)
                                     .where(JuryDecision.candidacy_id.in_(ids))).tuples())
    conflicts = set(db.session.execute(select(ConflictDeclaration.user_id,
                                              ConflictDeclaration.candidacy_id)
                                       .where(ConflictDeclaration.candidacy_id.in_(ids))).tuples())
    result: dict[tuple[int, int, int], list[Candidacy]] = defaultdict(list)
    scorable: dict[int, bool] = {}
    for candidacy_id, procedure_id, state in rows:
        round_no = AWAITED_ROUND[state]
        open_criteria = [c for c in Criterion if (candidacy_id, round_no, c) not in decided]
        for uid in members[procedure_id]:
            if (uid, candidacy_id) in conflicts:
                continue
            if not any((uid, candidacy_id, round_no, c) not in own for c in open_criteria):
                continue
            if candidacy_id not in scorable:
                candidacy = get_required(Candidacy, candidacy_id)
                scorable[candidacy_id] = allowed(check_round_open, candidacy, round_no)
            if scorable[candidacy_id]:
                result[(uid, procedure_id, round_no)].append(
                    get_required(Candidacy, candidacy_id))
    return dict(result)


# --- the task list of one person -----------------------------------------------------------

@dataclass
class TaskGroup:
    """The tasks of one of a person's roles (a Dutch msgid as heading)."""

    heading: str
    tasks: list[Task] = field(default_factory=list)


def tasks_for(user: User, now: datetime) -> list[TaskGroup]:
    """What waits for ``user``, per role they hold, with one link each (empty groups left
    out). Read-only; a handful of statements per procedure the person works on."""
    groups = [
        TaskGroup(N_("Als coördinator"), coordinator_tasks(user, now)),
        TaskGroup(N_("Als matchmaker in een jury"),
                  ordered(matchmaker_tasks(user, now) + emergency_tasks(user))),
        TaskGroup(N_("Als matchmaker voor weerwoorden"), appeal_matchmaker_tasks(user)),
        TaskGroup(N_("Voor uw organisatie"), applicant_tasks(user, now)),
        TaskGroup(N_("Als waarnemer van Europa WSE"), observer_tasks(user, now)),
        TaskGroup(N_("Als beheerder"), administrator_tasks(user)),
    ]
    return [g for g in groups if g.tasks]


COORDINATOR_PAGES = {
    "addendum": lambda p: url_for("coordinator.addendum", procedure_id=p),
    "jury": lambda p: url_for("rounds.jury", procedure_id=p),
    "round1": lambda p: url_for("rounds.board", procedure_id=p, round_no=1),
    "round2": lambda p: url_for("rounds.board", procedure_id=p, round_no=2),
    "pitches": lambda p: url_for("rounds.pitch_planning_page", procedure_id=p),
    "appeals": lambda p: url_for("appeal_panels.appeals", procedure_id=p),
    "conditions": lambda p: url_for("conditions.conditions", procedure_id=p),
}


def procedure_facts(procedure: Procedure, now: datetime) -> ProcedureFacts:
    """The facts of :func:`matching.tasks.rules.coordinator_steps` for one procedure."""
    jury = jury_with_members(procedure)
    state = procedure.state
    round_no = {ProcedureState.ROUND_1: 1, ProcedureState.ROUND_2: 2,
                ProcedureState.DECIDED: 2}.get(state)
    undecided = ready = 0
    if round_no is not None:
        counts = _readiness(procedure.id, round_no)
        undecided, ready = counts
    pitches = db.session.execute(
        select(Candidacy.id, PitchAppointment.held_at, PitchSlot.starts_at,
               PitchAppointment.no_show_at)
        .outerjoin(PitchAppointment, PitchAppointment.candidacy_id == Candidacy.id)
        .outerjoin(PitchSlot, PitchSlot.id == PitchAppointment.slot_id)
        .where(Candidacy.procedure_id == procedure.id,
               Candidacy.state == CandidacyState.SELECTED_FOR_PITCH)).tuples().all()
    to_plan = sum(1 for _, held, starts, _ in pitches if starts is None)
    # a pitch recorded as a no-show (issue 13) is not waiting to be recorded
    to_record = sum(1 for _, held, starts, no_show in pitches
                    if starts is not None and held is None and no_show is None
                    and to_utc(starts) <= to_utc(now))
    filed = db.session.scalar(select(func.count(Appeal.id)).join(Candidacy).where(
        Candidacy.procedure_id == procedure.id, Appeal.state == AppealState.FILED)) or 0
    open_observations = db.session.scalar(select(func.count(Observation.id)).where(
        Observation.procedure_id == procedure.id, Observation.answer.is_(None))) or 0
    deadline = procedure.candidacy_deadline
    return ProcedureFacts(
        state=state.value, has_jury=jury is not None and bool(jury.members),
        jury_complete=jury is not None and jury_is_complete([m.bloc for m in jury.members]),
        candidacy_deadline=to_utc(deadline) if deadline else None,
        undecided=undecided, to_plan=to_plan, pitches_to_record=to_record,
        appeals_without_panel=filed, observations_open=open_observations,
        broken_for=tuple(b.organisation for b in broken_juries(procedure)),
        ready_to_close=ready > 0 and undecided == 0)


def _readiness(procedure_id: int, round_no: int) -> tuple[int, int]:
    """(not ready, ready) candidacies awaiting ``round_no``: ready means a decision on both
    criteria and, in round 2, the pitch held (the round board's readiness)."""
    rows = db.session.execute(select(Candidacy.id).where(
        Candidacy.procedure_id == procedure_id,
        Candidacy.state == ROUND_ENTRY_STATE[round_no])).scalars().all()
    if not rows:
        return 0, 0
    decided: dict[int, int] = defaultdict(int)
    for candidacy_id, in db.session.execute(select(JuryDecision.candidacy_id).where(
            JuryDecision.candidacy_id.in_(rows), JuryDecision.round == round_no)).tuples():
        decided[candidacy_id] += 1
    held = set(db.session.scalars(select(PitchAppointment.candidacy_id).where(
        PitchAppointment.candidacy_id.in_(rows), PitchAppointment.held_at.is_not(None))))
    ready = sum(1 for c in rows if decided[c] == len(Criterion)
                and (round_no == 1 or c in held))
    return len(rows) - ready, ready


def coordinator_tasks(user: User, now: datetime) -> list[Task]:
    area_ids = [g.work_area_id for g in user.grants
                if g.role == Role.COORDINATOR and g.work_area_id is not None]
    if not area_ids:
        return []
    procedures = db.session.scalars(select(Procedure).where(
        Procedure.work_area_id.in_(area_ids), Procedure.state != ProcedureState.RATIFIED)
        .order_by(Procedure.id)).all()
    tasks = []
    for procedure in procedures:
        facts = procedure_facts(procedure, now)
        for text, page, params in coordinator_steps(facts, now):
            blocker = text if page == "jury" and facts.broken_for and "names" in params else None
            due = (facts.candidacy_deadline if page == "addendum" and procedure.state
                   == ProcedureState.DRAFT else None)
            tasks.append(Task(text, params, COORDINATOR_PAGES[page](procedure.id), due=due,
                              procedure=procedure.title, blocker=blocker))
    return ordered(tasks)


def matchmaker_tasks(user: User, now: datetime) -> list[Task]:
    tasks = []
    procedures: dict[int, Procedure] = {}
    for (_, procedure_id, round_no), candidacies in sorted(missing_scores(user.id).items()):
        procedure = procedures.setdefault(procedure_id, get_required(Procedure, procedure_id))
        first = candidacies[0]
        tasks.append(Task(N_("Ronde %(round)s: kandidaturen die op uw score wachten: %(count)s."),
                          {"round": round_no, "count": len(candidacies)},
                          url_for("jury.score", candidacy_id=first.id, round_no=round_no),
                          procedure=procedure.title))
    # A consensus recorded by a member of another organisation awaits their confirmation.
    for pending in consensus_to_confirm(user.id):
        candidacy = pending.candidacy
        tasks.append(Task(
            N_("Bevestig de consensus over %(criterion)s van %(organisation)s (ronde "
               "%(round)s): score %(score)s, vastgelegd door %(name)s."),
            {"criterion": CRITERION_LABELS[pending.criterion],
             "organisation": candidacy.organisation.name, "round": pending.round,
             "score": pending.score, "name": pending.recorded_by.name},
            url_for("jury.score", candidacy_id=candidacy.id, round_no=pending.round),
            procedure=candidacy.procedure.title))
    # Open ballots on which the matchmaker's organisation (bloc) has not voted yet.
    seats = db.session.execute(
        select(JuryMembership.bloc, Jury.procedure_id).join(Jury)
        .where(JuryMembership.user_id == user.id)).tuples().all()
    for bloc, procedure_id in seats:
        voted = select(Vote.ballot_id).where(Vote.bloc == bloc)
        conflicted = select(ConflictDeclaration.candidacy_id).where(
            ConflictDeclaration.user_id == user.id)
        ballots = db.session.execute(
            select(Ballot.id, Ballot.round, Ballot.criterion, Candidacy.id, Organisation.name)
            .join(Candidacy, Candidacy.id == Ballot.candidacy_id)
            .join(Organisation, Organisation.id == Candidacy.organisation_id)
            .where(Candidacy.procedure_id == procedure_id, Ballot.state == BallotState.OPEN,
                   Ballot.id.not_in(voted), Candidacy.id.not_in(conflicted))
            .order_by(Ballot.id)).tuples().all()
        for _, round_no, criterion, candidacy_id, organisation in ballots:
            procedure = procedures.setdefault(procedure_id, get_required(Procedure, procedure_id))
            tasks.append(Task(
                N_("Stem voor uw organisatie over %(criterion)s van %(organisation)s "
                   "(ronde %(round)s)."),
                {"criterion": CRITERION_LABELS[criterion], "organisation": organisation,
                 "round": round_no},
                url_for("jury.score", candidacy_id=candidacy_id, round_no=round_no),
                procedure=procedure.title))
        upcoming = db.session.execute(
            select(PitchSlot.starts_at, PitchSlot.location, Organisation.name)
            .join(PitchAppointment, PitchAppointment.slot_id == PitchSlot.id)
            .join(Candidacy, Candidacy.id == PitchAppointment.candidacy_id)
            .join(Organisation, Organisation.id == Candidacy.organisation_id)
            .where(PitchSlot.procedure_id == procedure_id, PitchAppointment.held_at.is_(None),
                   PitchSlot.starts_at >= now)
            .order_by(PitchSlot.starts_at)).tuples().all()
        for starts_at, location, organisation in upcoming:
            procedure = procedures.setdefault(procedure_id, get_required(Procedure, procedure_id))
            tasks.append(Task(N_("Pitch van %(organisation)s in %(location)s."),
                              {"organisation": organisation, "location": location},
                              url_for("jury.dashboard"), due=starts_at,
                              procedure=procedure.title))
    return ordered(tasks)


def emergency_tasks(user: User) -> list[Task]:
    """Issue 12, R-STEP4-1/2: for a jury member of VDAB or the local government, an open
    emergency procedure's partners still waiting for the score of their organisation; then
    the scores on which the two do not agree; then the ranking and conclusion. Due when the
    partnership starts."""
    tasks: list[Task] = []
    seats = db.session.execute(
        select(JuryMembership.bloc, Jury.procedure_id).join(Jury)
        .where(JuryMembership.user_id == user.id,
               JuryMembership.bloc.in_(EMERGENCY_BLOCS))).tuples().all()
    for bloc, procedure_id in seats:
        procedure = get_required(Procedure, procedure_id)
        emergency = emergency_ops.open_emergency(procedure)
        if emergency is None:
            continue
        rows = partner_rows(emergency, emergency_ops.partners(procedure))
        link = url_for("emergency.overview", procedure_id=procedure_id)
        due = (start_of_brussels_day(procedure.partnership_start_date)
               if procedure.partnership_start_date else None)
        waiting = [r for r in rows if any(bloc not in c.by_bloc for c in r.criteria)]
        disagree = sum(1 for r in rows for c in r.criteria if c.status == "disagree")
        if waiting:
            tasks.append(Task(N_("Noodprocedure: %(count)s partners wachten op de score van "
                                 "uw organisatie."), {"count": len(waiting)},
                              url_for("emergency.partner", procedure_id=procedure_id,
                                      candidacy_id=waiting[0].candidacy.id),
                              due=due, procedure=procedure.title))
        if disagree:
            tasks.append(Task(N_("Noodprocedure: VDAB en het lokaal bestuur zijn het over "
                                 "%(count)s scores niet eens."), {"count": disagree}, link,
                              due=due, procedure=procedure.title))
        if rows and all(r.complete for r in rows):
            tasks.append(Task(N_("Noodprocedure: alle scores staan vast; rangschik de "
                                 "geselecteerde partners en sluit af."), {}, link, due=due,
                              procedure=procedure.title))
    return tasks


def appeal_matchmaker_tasks(user: User) -> list[Task]:
    tasks = []
    for member in panel_assignments(user.id):
        appeal = member.appeal
        if member.position is None and appeal.state == AppealState.UNDER_REVIEW:
            tasks.append(Task(N_("Beoordeel het weerwoord van %(organisation)s."),
                              {"organisation": appeal.candidacy.organisation.name},
                              url_for("panel.appeal", appeal_id=appeal.id),
                              procedure=appeal.candidacy.procedure.title))
    return tasks


def applicant_tasks(user: User, now: datetime) -> list[Task]:
    org_ids = organisation_ids(user)
    if not org_ids:
        return []
    candidacies = db.session.scalars(
        select(Candidacy).where(Candidacy.organisation_id.in_(org_ids))
        .order_by(Candidacy.id)).all()
    appealed = set(db.session.execute(select(Appeal.candidacy_id, Appeal.round).where(
        Appeal.candidacy_id.in_([c.id for c in candidacies]))).tuples())
    tasks = []
    for c in candidacies:
        procedure = c.procedure
        link = url_for("applicant.candidacy", candidacy_id=c.id)
        deadline = procedure.candidacy_deadline
        if c.state == CandidacyState.DRAFT:
            if procedure.state == ProcedureState.PUBLISHED and deadline and to_utc(
                    deadline) > to_utc(now):
                tasks.append(Task(N_("Werk de kandidatuur van %(organisation)s af en dien ze "
                                     "in."), {"organisation": c.organisation.name}, link,
                                  due=deadline, procedure=procedure.title))
            continue
        if c.correction_opened_at is not None and deadline and to_utc(deadline) < to_utc(now):
            # issue 13: the correction lapsed; said until the intake closes (and restores)
            tasks.append(Task(N_("De correctie van de kandidatuur van %(organisation)s werd niet "
                                 "opnieuw ingediend vóór de deadline: de laatst ingediende "
                                 "versie geldt."), {"organisation": c.organisation.name}, link,
                              procedure=procedure.title))
        elif c.state == CandidacyState.SUBMITTED and procedure.state == ProcedureState.PUBLISHED \
                and deadline and to_utc(deadline) >= to_utc(now):
            latest = c.latest_version
            if c.correction_opened_at is not None:
                # issue 13: the correction is resubmitted, or the last version stands
                tasks.append(Task(N_("Dien de correctie van de kandidatuur van %(organisation)s "
                                     "opnieuw in vóór de deadline; anders blijft de laatst "
                                     "ingediende versie gelden."),
                                  {"organisation": c.organisation.name}, link,
                                  due=deadline, procedure=procedure.title))
            elif answers_outdated(latest.addendum_version if latest else None,
                                  substantive_versions(procedure)):
                # issue 12: the addendum changed its needs or challenges after submission
                tasks.append(Task(N_("Het addendum kreeg nieuwe of gewijzigde noden of "
                                     "regio-uitdagingen: u kunt de kandidatuur van "
                                     "%(organisation)s aanpassen tot de deadline."),
                                  {"organisation": c.organisation.name}, link,
                                  due=deadline, procedure=procedure.title))
        round_no = appeal_round(c.state)
        if round_no is not None and (c.id, round_no) not in appealed:
            appeal_until = appeal_deadline_of(c, round_no)
            if appeal_until is not None and to_utc(appeal_until) > to_utc(now):
                tasks.append(Task(N_("Lees de beslissing over %(organisation)s; een weerwoord "
                                     "kan tot de vermelde datum."),
                                  {"organisation": c.organisation.name}, link,
                                  due=appeal_until, procedure=procedure.title))
        pitch = db.session.execute(
            select(PitchSlot.starts_at, PitchSlot.location)
            .join(PitchAppointment, PitchAppointment.slot_id == PitchSlot.id)
            .where(PitchAppointment.candidacy_id == c.id, PitchAppointment.held_at.is_(None),
                   PitchSlot.starts_at >= now)).first()
        if pitch is not None:
            tasks.append(Task(N_("Pitch van %(organisation)s in %(location)s: lees de "
                                 "uitnodiging."),
                              {"organisation": c.organisation.name, "location": pitch[1]},
                              link, due=pitch[0], procedure=procedure.title))
        elif c.state == CandidacyState.SELECTED_FOR_PITCH and not db.session.scalar(
                select(PitchAppointment.id).where(PitchAppointment.candidacy_id == c.id)):
            # Issue 13: a session open for choosing: choose a slot before its date.
            pick_until = db.session.scalar(
                select(func.min(PitchSession.pick_until))
                .join(PitchSlot, PitchSlot.session_id == PitchSession.id)
                .where(PitchSession.procedure_id == procedure.id, PitchSession.pick_until > now,
                       PitchSlot.id.not_in(select(PitchAppointment.slot_id))))
            if pick_until is not None:
                tasks.append(Task(N_("Kies het moment van de pitch van %(organisation)s."),
                                  {"organisation": c.organisation.name},
                                  url_for("jury.pick_pitch", candidacy_id=c.id), due=pick_until,
                                  procedure=procedure.title))
    recent = db.session.execute(
        select(Letter.id, Letter.subject, Letter.created_at, Procedure.title)
        .join(Candidacy, Candidacy.id == Letter.candidacy_id)
        .join(Procedure, Procedure.id == Letter.procedure_id)
        .where(Candidacy.organisation_id.in_(org_ids),
               Letter.created_at >= to_utc(now) - RECENT_LETTERS)
        .order_by(Letter.created_at.desc())).tuples().all()
    for letter_id, subject, _, title in recent:
        tasks.append(Task(N_("Nieuwe brief: %(subject)s"), {"subject": subject},
                          url_for("applicant.letter", letter_id=letter_id), procedure=title))
    return ordered(tasks)


#: Letters newer than this are shown as tasks ("read it").
RECENT_LETTERS = timedelta(days=14)


def observer_tasks(user: User, now: datetime) -> list[Task]:
    if not user.has_role(Role.OBSERVER):
        return []
    tasks = []
    open_appeals = select(Candidacy.procedure_id).join(Appeal, Appeal.candidacy_id == Candidacy.id)\
        .where(Appeal.state.in_(list(OPEN_APPEAL_STATES)))
    decided = db.session.scalars(select(Procedure).where(
        Procedure.state == ProcedureState.DECIDED, Procedure.id.not_in(open_appeals))
        .order_by(Procedure.id)).all()
    for procedure in decided:
        tasks.append(Task(N_("Beslist: controleer de zes voorwaarden en bekrachtig."), {},
                          url_for("conditions.conditions", procedure_id=procedure.id),
                          procedure=f"{procedure.work_area.name} – {procedure.title}"))
    answered = db.session.execute(
        select(Observation.procedure_id, func.count(Observation.id))
        .join(Procedure, Procedure.id == Observation.procedure_id)
        .where(Observation.answer.is_not(None), Observation.observer_id == user.id,
               Observation.answered_at >= to_utc(now) - RECENT_LETTERS,
               Procedure.state != ProcedureState.RATIFIED)
        .group_by(Observation.procedure_id)).tuples().all()
    for procedure_id, count in answered:
        procedure = get_required(Procedure, procedure_id)
        text = (N_("Uw opmerking werd beantwoord: lees het antwoord.") if count == 1 else
                N_("%(count)s van uw opmerkingen werden beantwoord: lees de antwoorden."))
        tasks.append(Task(text, {"count": count},
                          url_for("conditions.conditions", procedure_id=procedure_id),
                          procedure=f"{procedure.work_area.name} – {procedure.title}"))
    return tasks


def administrator_tasks(user: User) -> list[Task]:
    """Issue 13: a work area without a coordinator (no grant to an account that is not
    deactivated; an invitation still open counts) cannot start its procedure: the
    administrator invites one."""
    if not user.has_role(Role.ADMINISTRATOR):
        return []
    coordinated = (select(RoleGrant.work_area_id).join(User, User.id == RoleGrant.user_id)
                   .where(RoleGrant.role == Role.COORDINATOR, User.deactivated_at.is_(None)))
    areas = db.session.scalars(select(WorkArea.name).where(WorkArea.id.not_in(coordinated))
                               .order_by(WorkArea.name)).all()
    return [Task(N_("%(name)s heeft nog geen coördinator: nodig er een uit."), {"name": name},
                 url_for("admin.invite")) for name in areas]
