"""The jury's list pages read as columns (issue 17): the jury dashboard, the round board's
rows and the jury's composition per candidacy (R-JURY-1), each in a constant number of
statements built once per process, the procedure, user and round bound as parameters.

Building such a statement (correlated subqueries or a table joined once per criterion) cost
as much as running it, so each is built by a cached function and only executed per request.
What the operations decide on stays in :mod:`juries.queries` (the round board reads the same
rule as :func:`juries.queries.round_board_rows`, which closing the round asks). Nothing here
changes state.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, Select, and_, bindparam, case, select

from juries.models import (
    Assessment,
    ConflictDeclaration,
    ConsensusState,
    Jury,
    JuryDecision,
    JuryMembership,
    PendingConsensus,
    PitchAppointment,
)
from juries.queries import pitch_done
from juries.rules import (
    Bloc,
    Method,
    RoundReadiness,
    jury_is_complete,
    missing_blocs,
    round_readiness,
)
from matching.accounts.models import Organisation, User
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import AWAITED_ROUND, ROUND_ENTRY_STATE, CandidacyState, Criterion
from matching.core.db import db
from workareas.models import PitchSlot, Procedure, WorkArea
from workareas.rules import ProcedureState


@dataclass
class JuryRow:
    """A candidacy as the jury dashboard shows it (issue 17: its columns, not the object)."""

    id: int
    reference: str
    state: CandidacyState
    organisation_name: str
    round: int | None  # the round it awaits, None when it awaits no jury decision
    to_score: tuple[Criterion, ...] = ()  # own score still missing (in Criterion's order)
    undecided: tuple[Criterion, ...] = ()  # no jury decision yet (in Criterion's order)


@dataclass
class JuryGroup:
    """A procedure whose jury the user sits on, with their seat (issue 17: the columns the
    dashboard shows, not the objects)."""

    procedure_id: int
    title: str
    state: ProcedureState
    area_name: str
    bloc: Bloc
    affiliation: str
    rounds: dict[int | None, list[JuryRow]] = field(default_factory=dict)


@cache
def _dashboard_statements():
    """The jury dashboard's two statements, built once per process (issue 17: building
    them, four correlated subqueries, cost as much as running them): the user's seats with
    their procedures, then the candidacies of those procedures with, per criterion, whether
    the jury decided it and whether the user scored it in the round the candidacy awaits."""
    user_id: BindParameter[int] = bindparam("user_id")
    seats = (select(Procedure.id, Procedure.title, Procedure.state, WorkArea.name,
                    JuryMembership.bloc, JuryMembership.affiliation)
             .select_from(JuryMembership)
             .join(Jury, Jury.id == JuryMembership.jury_id)
             .join(Procedure, Procedure.id == Jury.procedure_id)
             .join(WorkArea, WorkArea.id == Procedure.work_area_id)
             .where(JuryMembership.user_id == user_id)
             .order_by(JuryMembership.id))
    awaited = case(*[(Candidacy.state == state, round_no)
                     for state, round_no in AWAITED_ROUND.items()], else_=None)
    decided = [select(JuryDecision.id).where(
        JuryDecision.candidacy_id == Candidacy.id, JuryDecision.round == awaited,
        JuryDecision.criterion == criterion).exists() for criterion in Criterion]
    scored = [select(Assessment.id).where(
        Assessment.user_id == user_id, Assessment.candidacy_id == Candidacy.id,
        Assessment.round == awaited, Assessment.criterion == criterion).exists()
        for criterion in Criterion]
    conflicted = select(ConflictDeclaration.candidacy_id).where(
        ConflictDeclaration.user_id == user_id)
    candidacies = (
        select(Candidacy.id, Candidacy.reference, Candidacy.state, Candidacy.procedure_id,
               Organisation.name, *decided, *scored)
        .join(Organisation, Organisation.id == Candidacy.organisation_id)
        .where(Candidacy.procedure_id.in_(bindparam("procedure_ids", expanding=True)),
               Candidacy.submitted_at.is_not(None),  # never a draft (issue 11)
               Candidacy.id.not_in(conflicted))
        .order_by(Candidacy.id))
    return seats, candidacies


def jury_dashboard(user_id: int) -> list[JuryGroup]:
    """The candidacies of the procedures whose jury the user sits on, without those they
    declared a conflict for, grouped by procedure and the round they await, with what is
    left to score and to decide in that round: two statements, whatever the number of
    candidacies (issue 17)."""
    seats, candidacies = _dashboard_statements()
    groups = {row[0]: JuryGroup(*row)
              for row in db.session.execute(seats, {"user_id": user_id}).tuples()}
    if not groups:
        return []
    criteria = tuple(Criterion)
    n = len(criteria)
    for cid, reference, state, procedure_id, organisation_name, *flags in db.session.execute(
            candidacies, {"user_id": user_id, "procedure_ids": list(groups)}).tuples():
        round_no = AWAITED_ROUND.get(state)
        row = JuryRow(cid, reference, state, organisation_name, round_no)
        if round_no is not None:
            row.undecided = tuple(cr for cr, done in zip(criteria, flags[:n], strict=True)
                                  if not done)
            row.to_score = tuple(cr for cr, done, own in zip(criteria, flags[:n], flags[n:],
                                                             strict=True)
                                 if not done and not own)
        groups[procedure_id].rounds.setdefault(round_no, []).append(row)
    return list(groups.values())


@dataclass(frozen=True, slots=True)
class BoardPitch:
    """A candidacy's pitch as the round board shows it: its moment and whether it was
    recorded (issue 17: columns, not the appointment and its slot)."""

    slot_id: int
    starts_at: datetime
    ends_at: datetime
    location: str
    held_at: datetime | None
    no_show_at: datetime | None


@dataclass(frozen=True, slots=True)
class BoardLine:
    """A row of the round board (issue 17): the columns it shows of a candidacy awaiting
    the round, its decided scores and pitch, and what is still missing (the same rule
    :func:`juries.queries.round_board_rows` gives the closing of the round)."""

    id: int
    reference: str
    organisation: str
    decisions: dict[Criterion, tuple[int, Method]]  # criterion -> (score, method)
    pitch: BoardPitch | None
    readiness: RoundReadiness


@cache
def _board_statements() -> tuple[Select, Select]:
    """The round board's two statements, built once per process (issue 17: building a
    statement with a table joined once per criterion cost more than running it); the
    procedure, round and state are bound parameters."""
    candidacy, organisation = Candidacy.__table__, Organisation.__table__
    appointment, slot = PitchAppointment.__table__, PitchSlot.__table__
    decision, pending = JuryDecision.__table__, PendingConsensus.__table__
    decided = [decision.alias(f"decided_{i}") for i, _ in enumerate(Criterion)]
    joined = (candidacy.join(organisation, organisation.c.id == candidacy.c.organisation_id)
              .outerjoin(appointment, appointment.c.candidacy_id == candidacy.c.id)
              .outerjoin(slot, slot.c.id == appointment.c.slot_id))
    for criterion, d in zip(Criterion, decided, strict=True):
        joined = joined.outerjoin(d, and_(d.c.candidacy_id == candidacy.c.id,
                                          d.c.round == bindparam("round_no"),
                                          d.c.criterion == criterion))
    in_procedure = candidacy.c.procedure_id == bindparam("procedure_id")
    rows = (select(candidacy.c.id, candidacy.c.reference, organisation.c.name,
                   appointment.c.slot_id, slot.c.starts_at, slot.c.ends_at, slot.c.location,
                   appointment.c.held_at, appointment.c.no_show_at,
                   *[column for d in decided for column in (d.c.score, d.c.method)])
            .select_from(joined)
            .where(in_procedure,
                   candidacy.c.state == bindparam("state", type_=candidacy.c.state.type))
            .order_by(candidacy.c.id))
    awaiting = (select(pending.c.candidacy_id, pending.c.criterion)
                .select_from(pending.join(candidacy, pending.c.candidacy_id == candidacy.c.id))
                .where(pending.c.round == bindparam("round_no"), in_procedure,
                       pending.c.state == ConsensusState.PENDING))
    return rows, awaiting


def round_board_lines(procedure: Procedure, round_no: int) -> list[BoardLine]:
    """What the round board shows, in two statements whatever the number of candidacies:
    per candidacy awaiting ``round_no`` its reference, organisation, pitch (with its slot)
    and decided score and method per criterion as one row, then the consensus awaiting
    confirmation. Readiness is :func:`juries.rules.round_readiness` with
    :func:`juries.queries.pitch_done`, as for :func:`juries.round_operations.close_round`."""
    statement, awaiting = _board_statements()
    params = {"procedure_id": procedure.id, "round_no": round_no,
              "state": ROUND_ENTRY_STATE[round_no]}
    rows = db.session.execute(statement, params).tuples().all()
    pending_of: dict[int, set[Criterion]] = defaultdict(set)
    for candidacy_id, criterion in db.session.execute(awaiting, params).tuples():
        pending_of[candidacy_id].add(criterion)
    offsets = [(criterion, 2 * i) for i, criterion in enumerate(Criterion)]
    # the rule asked once per distinct (decided, pitch done, awaiting) of the page's rows
    readiness_of: dict[tuple, RoundReadiness] = {}
    lines = []
    for cid, reference, organisation, slot_id, starts_at, ends_at, location, held_at, \
            no_show_at, *scores in rows:
        decisions = {criterion: (scores[i], scores[i + 1])
                     for criterion, i in offsets if scores[i] is not None}
        pitch = None if slot_id is None else BoardPitch(slot_id, starts_at, ends_at, location,
                                                        held_at, no_show_at)
        done, pending = pitch_done(pitch), pending_of.get(cid, ())
        key = (tuple(decisions), done, frozenset(pending))
        readiness = readiness_of.get(key)
        if readiness is None:
            readiness = readiness_of[key] = round_readiness(round_no, decisions, done, pending)
        lines.append(BoardLine(cid, reference, organisation, decisions, pitch, readiness))
    return lines


@cache
def _jury_statements() -> tuple[Select, Select]:
    """The members' blocs of a procedure's jury and the conflicts declared for its
    candidacies awaiting a round, built once per process (issue 17: the round board asks
    both on every request); the procedure is a bound parameter."""
    membership, jury = JuryMembership.__table__, Jury.__table__
    conflict, candidacy = ConflictDeclaration.__table__, Candidacy.__table__
    organisation, user = Organisation.__table__, User.__table__
    members = (select(membership.c.user_id, membership.c.bloc)
               .select_from(membership.join(jury, jury.c.id == membership.c.jury_id))
               .where(jury.c.procedure_id == bindparam("procedure_id")))
    conflicts = (select(conflict.c.candidacy_id, conflict.c.user_id, user.c.name,
                        organisation.c.name)
                 .select_from(conflict.join(candidacy, candidacy.c.id == conflict.c.candidacy_id)
                              .join(organisation,
                                    organisation.c.id == candidacy.c.organisation_id)
                              .join(user, user.c.id == conflict.c.user_id))
                 .where(candidacy.c.procedure_id == bindparam("procedure_id"),
                        candidacy.c.state.in_(list(ROUND_ENTRY_STATE.values())))
                 .order_by(candidacy.c.id, conflict.c.id))
    return members, conflicts


def jury_member_blocs(procedure: Procedure) -> list[tuple[int, Bloc]]:
    """(user id, bloc) of every member of the procedure's jury (none without a jury): what
    R-JURY-1 reads, without loading the members and their accounts (issue 17)."""
    return list(db.session.execute(_jury_statements()[0],
                                   {"procedure_id": procedure.id}).tuples())


def jury_blocs(procedure: Procedure) -> list[Bloc]:
    """The bloc of every member of the procedure's jury (none without a jury)."""
    return [bloc for _, bloc in jury_member_blocs(procedure)]


@dataclass(frozen=True)
class BrokenJury:
    """A candidacy still to be scored for which the jury, without the matchmakers who
    declared a conflict for it, no longer satisfies R-JURY-1."""

    candidacy_id: int
    organisation: str
    missing: list[Bloc]
    conflicted: list[str]  # the names of those who declared the conflict


def broken_juries(procedure: Procedure,
                  members: list[tuple[int, Bloc]] | None = None) -> list[BrokenJury]:
    """R-JURY-1 per candidacy still awaiting a round (the reading of DOMAIN.md: a conflict
    is always recorded; when it leaves the jury without one of the three organisations for
    that candidacy, it cannot be scored until the jury is recomposed). Two statements, one
    when the page has read ``members`` (:func:`jury_member_blocs`) already."""
    if members is None:
        members = jury_member_blocs(procedure)
    if not members:
        return []
    rows = db.session.execute(_jury_statements()[1],
                              {"procedure_id": procedure.id}).tuples().all()
    by_candidacy: dict[int, tuple[str, set[int], list[str]]] = {}
    for candidacy_id, user_id, user_name, organisation in rows:
        entry = by_candidacy.setdefault(candidacy_id, (organisation, set(), []))
        entry[1].add(user_id)
        entry[2].append(user_name)
    broken = []
    for candidacy_id, (organisation, conflicted, names) in by_candidacy.items():
        blocs = [bloc for user_id, bloc in members if user_id not in conflicted]
        if not jury_is_complete(blocs):
            broken.append(BrokenJury(candidacy_id, organisation, missing_blocs(blocs), names))
    return broken

