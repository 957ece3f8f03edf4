"""Read-only queries of the observer's pages: the overview, a procedure's whole record, its
audit trail."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from appeals.models import Appeal, PanelMember
from appeals.rules import OPEN_APPEAL_STATES, AppealState
from juries.emergency.models import EmergencyOutcome, EmergencyProcedure, EmergencyState
from juries.models import (
    Assessment,
    Ballot,
    ConflictDeclaration,
    Jury,
    JuryDecision,
    JuryMembership,
    PitchAppointment,
    Vote,
)
from matching.accounts.models import Organisation, User
from matching.accounts.rules import Role
from matching.audit.models import AuditEvent, Transition
from matching.audit.queries import _key
from matching.candidacies.models import Attachment, Candidacy, DecisionNotice, Letter, LetterPdf
from matching.candidacies.rules import CandidacyState, Criterion, appeal_deadline
from matching.core import signals
from matching.core.db import db
from matching.oversight.evaluation import CandidacyFact, EmergencyFact, ProcedureFact
from matching.oversight.kept_conditions import OVERVIEW_TTL
from workareas.models import AddendumVersion, Municipality, Procedure, WorkArea
from workareas.rules import ProcedureState


@dataclass(frozen=True)
class OverviewProcedure:
    id: int
    sequence: int
    title: str
    state: ProcedureState


@dataclass
class OverviewArea:
    """What the observer's overview shows of a work area (issue 17: columns, not objects)."""

    id: int
    name: str
    province: str
    municipalities: list[str] = field(default_factory=list)  # their names
    procedures: list[OverviewProcedure] = field(default_factory=list)


#: Seconds the overview may show a procedure's counts (candidacies per state, open appeals)
#: while its record is unchanged, as its conditions (``OVERVIEW_TTL``): a change made outside
#: the operations (e.g. the retention run deleting a draft) shows after at most this long.
FIGURES_TTL = OVERVIEW_TTL

#: Per database and procedure: its audit mark when counted, when (monotonic), its
#: candidacies per state and its open appeals.
_figures_cache: dict[tuple[str, int],
                     tuple[int | None, float, dict[CandidacyState, int], int]] = {}


def _count_figures(procedure_ids: list[int] | None
                   ) -> tuple[dict[int, dict[CandidacyState, int]], dict[int, int]]:
    """The candidacies per state and the open appeals of the given procedures (every
    procedure when None): two statements."""
    counts: dict[int, dict[CandidacyState, int]] = defaultdict(dict)
    q = (select(Candidacy.procedure_id, Candidacy.state, func.count(Candidacy.id))
         .group_by(Candidacy.procedure_id, Candidacy.state))
    if procedure_ids is not None:
        q = q.where(Candidacy.procedure_id.in_(procedure_ids))
    for procedure_id, state, n in db.session.execute(q):
        counts[procedure_id][state] = n
    # Driven by the open appeals (a few), each finding its procedure by the candidacy's key:
    # the join let SQLite scan every candidacy (47 ms at 10x data, 0.3 ms this way).
    procedure_of = (select(Candidacy.procedure_id).where(Candidacy.id == Appeal.candidacy_id)
                    .correlate(Appeal).scalar_subquery().label("procedure_id"))
    q = (select(procedure_of, func.count(Appeal.id))
         .where(Appeal.state.in_(OPEN_APPEAL_STATES)).group_by(procedure_of))
    if procedure_ids is not None:
        q = q.where(procedure_of.in_(procedure_ids))
    open_appeals = {procedure_id: n for procedure_id, n in db.session.execute(q)}
    return counts, open_appeals


def overview_figures(marks: Mapping[int, int | None]
                     ) -> tuple[dict[int, dict[CandidacyState, int]], dict[int, int]]:
    """Per procedure of ``marks`` (its latest audit event, see
    :func:`matching.oversight.kept_conditions.procedure_marks`) its candidacies per state and
    its open appeals.

    Issue 17: counting them is a pass over every candidacy (a GROUP BY: 1.5 ms at 1x data,
    ten times that at 10x), so they are counted again only for the procedures whose mark
    moved (every operation on a candidacy or an appeal appends an event naming its
    procedure) or whose count is older than :data:`FIGURES_TTL`: none, while nothing
    changes."""
    key, clock = _key(), time.monotonic()

    def fresh(pid: int) -> bool:
        cached = _figures_cache.get((key, pid))
        return (cached is not None and cached[0] == marks[pid]
                and clock - cached[1] < FIGURES_TTL)

    stale = [pid for pid in marks if not fresh(pid)]
    if stale:
        counts, open_appeals = _count_figures(None if len(stale) == len(marks) else stale)
        for pid in stale:
            _figures_cache[(key, pid)] = (marks[pid], clock, dict(counts.get(pid, {})),
                                          open_appeals.get(pid, 0))
    counts_out: dict[int, dict[CandidacyState, int]] = {}
    open_out: dict[int, int] = {}
    for pid in marks:
        _, _, per_state, open_n = _figures_cache[(key, pid)]
        if per_state:
            counts_out[pid] = per_state
        if open_n:
            open_out[pid] = open_n
    return counts_out, open_out


def observer_overview(marks: Mapping[int, int | None]
                      ) -> tuple[list[OverviewArea], dict[int, dict[CandidacyState, int]],
                                 dict[int, int]]:
    """Every work area with its procedures, the candidacies per state and the open appeals
    per procedure (``marks``: every procedure's audit mark, see :func:`overview_figures`):
    a constant number of statements, however many procedures there are, each returning
    only the columns the overview shows."""
    areas = {area_id: OverviewArea(area_id, name, province)
             for area_id, name, province in db.session.execute(
                 select(WorkArea.id, WorkArea.name, WorkArea.province)
                 .order_by(WorkArea.name))}
    for area_id, name in db.session.execute(
            select(Municipality.work_area_id, Municipality.name)
            .order_by(Municipality.work_area_id, Municipality.name)):
        areas[area_id].municipalities.append(name)
    for area_id, pid, sequence, title, state in db.session.execute(
            select(Procedure.work_area_id, Procedure.id, Procedure.sequence, Procedure.title,
                   Procedure.state).order_by(Procedure.work_area_id, Procedure.sequence)):
        areas[area_id].procedures.append(OverviewProcedure(pid, sequence, title, state))
    counts, open_appeals = overview_figures(marks)
    return list(areas.values()), counts, open_appeals


def procedure_record(procedure_id: int, *, with_trail: bool = True) -> dict | None:
    """Every record of one procedure, for the observer's read-only file.

    ``with_trail=False`` (the final report) skips the individual assessments and the
    audit events, and gives only the number of events (``event_count``)."""
    procedure = db.session.scalar(
        select(Procedure).where(Procedure.id == procedure_id)
        .options(selectinload(Procedure.work_area).selectinload(WorkArea.municipalities),
                 selectinload(Procedure.work_area).selectinload(WorkArea.involved_governments),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.needs),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.challenges),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.contacts),
                 selectinload(Procedure.pitch_slots)))
    if procedure is None:
        return None
    jury = db.session.scalar(select(Jury).where(Jury.procedure_id == procedure.id).options(
        selectinload(Jury.members).selectinload(JuryMembership.user)))
    candidacies = db.session.scalars(
        select(Candidacy).where(Candidacy.procedure_id == procedure.id)
        .options(selectinload(Candidacy.organisation), selectinload(Candidacy.attachments),
                 selectinload(Candidacy.contributions), selectinload(Candidacy.notices))
        .order_by(Candidacy.id)).all()
    ids = [c.id for c in candidacies]
    decisions: dict[int, list[JuryDecision]] = defaultdict(list)
    for d in db.session.scalars(select(JuryDecision).where(JuryDecision.candidacy_id.in_(ids))
                                .order_by(JuryDecision.round, JuryDecision.criterion)):
        decisions[d.candidacy_id].append(d)
    assessments: dict[int, list[Assessment]] = defaultdict(list)
    if with_trail:
        for a in db.session.scalars(select(Assessment).where(Assessment.candidacy_id.in_(ids))
                                    .options(selectinload(Assessment.user))
                                    .order_by(Assessment.round, Assessment.criterion,
                                              Assessment.id)):
            assessments[a.candidacy_id].append(a)
    ballots: dict[int, list[Ballot]] = defaultdict(list)
    for b in db.session.scalars(select(Ballot).where(Ballot.candidacy_id.in_(ids))
                                .options(selectinload(Ballot.votes)).order_by(Ballot.id)):
        ballots[b.candidacy_id].append(b)
    conflicts = db.session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.candidacy_id.in_(ids))
        .options(selectinload(ConflictDeclaration.user)).order_by(ConflictDeclaration.id)).all()
    pitches = {p.candidacy_id: p for p in db.session.scalars(
        select(PitchAppointment).where(PitchAppointment.candidacy_id.in_(ids))
        .options(selectinload(PitchAppointment.slot)))}
    appeals = db.session.scalars(
        select(Appeal).where(Appeal.candidacy_id.in_(ids))
        .options(selectinload(Appeal.references), selectinload(Appeal.candidacy)
                 .selectinload(Candidacy.organisation),
                 selectinload(Appeal.panel).selectinload(PanelMember.user))
        .order_by(Appeal.id)).all()
    letters = db.session.execute(
        select(Letter.id, Letter.reference, Letter.kind, Letter.version,
               LetterPdf.sha256.label("pdf_sha256"), LetterPdf.sealed_at, Letter.created_at,
               Letter.candidacy_id, Letter.round)
        .outerjoin(LetterPdf, LetterPdf.letter_id == Letter.id)
        .where(Letter.procedure_id == procedure.id).order_by(Letter.id)).all()
    appeal_ids = [a.id for a in appeals]
    transitions = db.session.scalars(
        select(Transition).where(
            ((Transition.object_type == "procedure") & (Transition.object_id == procedure.id))
            | ((Transition.object_type == "candidacy") & Transition.object_id.in_(ids))
            | ((Transition.object_type == "appeal") & Transition.object_id.in_(appeal_ids)))
        .order_by(Transition.at, Transition.id)).all()
    if with_trail:
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.procedure_id == procedure.id).order_by(AuditEvent.id)).all()
        event_count = len(events)
    else:
        events, event_count = [], db.session.execute(select(func.count(AuditEvent.id)).where(
            AuditEvent.procedure_id == procedure.id)).scalar_one()
    actor_ids = {e.actor_id for e in events if e.actor_id} | \
        {t.actor_id for t in transitions if t.actor_id}
    actor_names = {uid: name for uid, name in db.session.execute(
        select(User.id, User.name).where(User.id.in_(actor_ids)))}
    names = {c.id: c.organisation.name for c in candidacies}
    return dict(procedure=procedure, jury=jury, candidacies=candidacies, decisions=decisions,
                assessments=assessments, ballots=ballots, conflicts=conflicts, pitches=pitches,
                appeals=appeals, letters=letters, transitions=transitions, events=events,
                event_count=event_count, actor_names=actor_names, candidacy_names=names)


#: The most events one page of the trail shows (the newest first).
TRAIL_LIMIT = 1000


def _candidacy_objects(candidacy_id: int) -> dict[str, list[int] | Select[Any]]:
    """Every kind of audited object that belongs to one candidacy, as id subqueries."""
    def ids(model):
        return select(model.id).where(model.candidacy_id == candidacy_id)

    return {
        "candidacy": [candidacy_id], "assessment": ids(Assessment),
        "jury_decision": ids(JuryDecision), "ballot": ids(Ballot),
        "vote": select(Vote.id).join(Ballot, Ballot.id == Vote.ballot_id)
        .where(Ballot.candidacy_id == candidacy_id),
        "conflict_declaration": ids(ConflictDeclaration),
        "pitch_appointment": ids(PitchAppointment),
        "appeal": ids(Appeal),
        "appeal_panel_member": select(PanelMember.id)
        .join(Appeal, Appeal.id == PanelMember.appeal_id)
        .where(Appeal.candidacy_id == candidacy_id),
        "letter": ids(Letter), "attachment": ids(Attachment),
        "decision_notice": ids(DecisionNotice),
    }


def audit_trail(procedure_id: int, *, candidacy_id: int | None = None,
                actor_id: int | None = None, limit: int = TRAIL_LIMIT) -> dict:
    """The audit events of a procedure, newest first, optionally only those about one
    candidacy (the candidacy and everything recorded about it) or by one actor; with the
    choices for the filter form. A constant number of statements."""
    q = select(AuditEvent).where(AuditEvent.procedure_id == procedure_id)
    if candidacy_id is not None:
        q = q.where(or_(*(and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(sub))
                          for kind, sub in _candidacy_objects(candidacy_id).items())))
    if actor_id is not None:
        q = q.where(AuditEvent.actor_id == actor_id)
    events = db.session.scalars(q.order_by(AuditEvent.id.desc()).limit(limit)).all()
    actors = db.session.execute(
        select(User.id, User.name).where(User.id.in_(
            select(AuditEvent.actor_id).where(AuditEvent.procedure_id == procedure_id)
            .distinct())).order_by(User.name)).all()
    candidacies = db.session.execute(
        select(Candidacy.id, Candidacy.reference, Organisation.name)
        .join(Organisation, Organisation.id == Candidacy.organisation_id)
        .where(Candidacy.procedure_id == procedure_id).order_by(Organisation.name)).all()
    return dict(events=events, actors=actors, candidacies=candidacies,
                actor_names={uid: name for uid, name in actors})


@signals.attachment_readers.connect
def _observers_read_attachments(candidacy: Candidacy, *, user) -> bool:
    """Europa WSE's observers read the whole record (R-OBS-1)."""
    return bool(user.has_role(Role.OBSERVER))


# --- figures for evaluation (issue 12) ------------------------------------------------------

def evaluation_facts() -> tuple[list[ProcedureFact], list[CandidacyFact], list[EmergencyFact]]:
    """The facts :func:`matching.oversight.evaluation.evaluate` needs, of every published
    procedure: ten statements, however many procedures and candidacies there are."""
    rows = db.session.execute(
        select(Procedure.id, Procedure.work_area_id, WorkArea.name, Procedure.title,
               Procedure.sequence, Procedure.state, Procedure.published_at,
               Procedure.ratified_at)
        .join(WorkArea, WorkArea.id == Procedure.work_area_id)
        .where(Procedure.published_at.is_not(None))
        .order_by(WorkArea.name, Procedure.sequence)).tuples().all()
    published = select(Procedure.id).where(Procedure.published_at.is_not(None))
    deadlines: dict[int, tuple[int, Any]] = {}
    for pid, number, deadline in db.session.execute(
            select(AddendumVersion.procedure_id, AddendumVersion.number,
                   AddendumVersion.candidacy_deadline)
            .where(AddendumVersion.published_at.is_not(None),
                   AddendumVersion.procedure_id.in_(published))):
        if pid not in deadlines or number > deadlines[pid][0]:
            deadlines[pid] = (number, deadline)
    closed = {(pid, step): at for pid, step, at in db.session.execute(
        select(Transition.object_id, Transition.step, func.min(Transition.at))
        .where(Transition.object_type == "procedure",
               Transition.step.in_(("close_round_1", "close_round_2")))
        .group_by(Transition.object_id, Transition.step))}
    window_end: dict[int, Any] = dict(db.session.execute(
        select(Letter.procedure_id, func.max(Letter.appeal_deadline))
        .where(Letter.appeal_deadline.is_not(None)).group_by(Letter.procedure_id)).tuples().all())
    for pid, received in db.session.execute(
            select(Candidacy.procedure_id, func.max(DecisionNotice.received_at))
            .join(DecisionNotice, DecisionNotice.candidacy_id == Candidacy.id)
            .where(DecisionNotice.selected.is_(False)).group_by(Candidacy.procedure_id)):
        legal = appeal_deadline(received)
        window_end[pid] = max(window_end.get(pid) or legal, legal)
    procedures = [
        ProcedureFact(id=pid, work_area_id=area_id, work_area=area, title=title,
                      sequence=sequence, state=state, published_at=published_at,
                      deadline=deadlines.get(pid, (0, None))[1],
                      round_1_decided_at=closed.get((pid, "close_round_1")),
                      round_2_decided_at=closed.get((pid, "close_round_2")),
                      appeal_window_end=window_end.get(pid), ratified_at=ratified_at)
        for pid, area_id, area, title, sequence, state, published_at, ratified_at in rows]

    submitted = select(Candidacy.id).where(Candidacy.submitted_at.is_not(None),
                                           Candidacy.procedure_id.in_(published))
    scores: dict[int, dict[tuple[int, Criterion], int]] = defaultdict(dict)
    for cid, round_no, criterion, score in db.session.execute(
            select(JuryDecision.candidacy_id, JuryDecision.round, JuryDecision.criterion,
                   JuryDecision.score).where(JuryDecision.candidacy_id.in_(submitted))):
        scores[cid][(round_no, criterion)] = score
    appeal_states: dict[int, list[AppealState]] = defaultdict(list)
    for cid, state in db.session.execute(
            select(Appeal.candidacy_id, Appeal.state).where(Appeal.candidacy_id.in_(submitted))
            .order_by(Appeal.round)):
        appeal_states[cid].append(state)
    candidacies = [
        CandidacyFact(procedure_id=pid, state=state, scores=scores.get(cid, {}),
                      appeals=tuple(appeal_states.get(cid, ())))
        for cid, pid, state in db.session.execute(
            select(Candidacy.id, Candidacy.procedure_id, Candidacy.state)
            .where(Candidacy.id.in_(submitted)).order_by(Candidacy.id))]

    outcomes = {eid: (partners, selected or 0) for eid, partners, selected in db.session.execute(
        select(EmergencyOutcome.emergency_id, func.count(EmergencyOutcome.id),
               func.sum(case((EmergencyOutcome.selected, 1), else_=0)))
        .group_by(EmergencyOutcome.emergency_id))}
    emergencies = [
        EmergencyFact(procedure_id=pid, concluded=state == EmergencyState.CONCLUDED,
                      partners=outcomes.get(eid, (0, 0))[0],
                      selected=int(outcomes.get(eid, (0, 0))[1]))
        for eid, pid, state in db.session.execute(
            select(EmergencyProcedure.id, EmergencyProcedure.procedure_id,
                   EmergencyProcedure.state)
            .where(EmergencyProcedure.procedure_id.in_(published))
            .order_by(EmergencyProcedure.id))]
    return procedures, candidacies, emergencies
