"""Read-only queries of the jury: what the operations share and what the pages show.

Nothing here changes state. List pages load everything in a constant number of
statements, whatever the number of candidacies (``raiseload("*")`` makes a forgotten
relationship fail).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import BindParameter, Select, and_, bindparam, case, select
from sqlalchemy.orm import defer, joinedload, load_only, raiseload, selectinload

from juries.models import (
    Assessment,
    Ballot,
    ConflictDeclaration,
    ConsensusState,
    Jury,
    JuryDecision,
    JuryMembership,
    PendingConsensus,
    PitchAppointment,
)
from juries.rules import (
    Bloc,
    Method,
    RoundReadiness,
    admitted_after_round_2,
    jury_is_complete,
    missing_blocs,
    passes_threshold,
    round_readiness,
)
from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import AWAITED_ROUND, ROUND_ENTRY_STATE, CandidacyState, Criterion
from matching.core import signals
from matching.core.dates import format_brussels
from matching.core.db import db
from workareas.models import PitchSession, PitchSlot, Procedure, WorkArea
from workareas.rules import ProcedureState


def jury_of(procedure: Procedure) -> Jury | None:
    return db.session.scalar(select(Jury).where(Jury.procedure_id == procedure.id))


def conflicted_user_ids(candidacy: Candidacy) -> set[int]:
    return set(db.session.scalars(select(ConflictDeclaration.user_id)
                                  .where(ConflictDeclaration.candidacy_id == candidacy.id)))


def eligible_members(candidacy: Candidacy) -> list[JuryMembership]:
    """The jury's matchmakers without a conflict of interest for this candidacy."""
    jury = jury_of(candidacy.procedure)
    if jury is None:
        return []
    conflicted = conflicted_user_ids(candidacy)
    return [m for m in jury.members if m.user_id not in conflicted]


def decision_for(candidacy: Candidacy, round_no: int, criterion: Criterion) -> JuryDecision | None:
    return db.session.scalar(select(JuryDecision).where(
        JuryDecision.candidacy_id == candidacy.id, JuryDecision.round == round_no,
        JuryDecision.criterion == criterion))


def pitch_done(appointment: PitchAppointment | BoardPitch | None) -> bool:
    """The pitch's moment is behind us: held, or recorded as a no-show (issue 13); the
    jury may then give its final score (R-PITCH-1)."""
    return appointment is not None and (appointment.held_at is not None
                                        or appointment.no_show_at is not None)


def pending_consensus_for(candidacy: Candidacy, round_no: int,
                          criterion: Criterion) -> PendingConsensus | None:
    """The consensus on this criterion that awaits confirmation (issue 13), if any."""
    return db.session.scalar(select(PendingConsensus).where(
        PendingConsensus.candidacy_id == candidacy.id, PendingConsensus.round == round_no,
        PendingConsensus.criterion == criterion,
        PendingConsensus.state == ConsensusState.PENDING))


def consensus_to_confirm(user_id: int) -> list[PendingConsensus]:
    """Consensus awaiting confirmation that this matchmaker may confirm: on a jury they sit
    on, for a candidacy they have no conflict for, recorded by another organisation."""
    rows = db.session.execute(
        select(PendingConsensus, JuryMembership.bloc)
        .join(Candidacy, PendingConsensus.candidacy_id == Candidacy.id)
        .join(Jury, Jury.procedure_id == Candidacy.procedure_id)
        .join(JuryMembership, (JuryMembership.jury_id == Jury.id)
              & (JuryMembership.user_id == user_id))
        .where(PendingConsensus.state == ConsensusState.PENDING,
               PendingConsensus.recorded_by_id != user_id,
               ~select(ConflictDeclaration.id).where(
                   ConflictDeclaration.user_id == user_id,
                   ConflictDeclaration.candidacy_id == Candidacy.id).exists())
        .options(joinedload(PendingConsensus.candidacy).joinedload(Candidacy.organisation),
                 joinedload(PendingConsensus.recorded_by))
        .order_by(PendingConsensus.recorded_at, PendingConsensus.id)).all()
    return [p for p, bloc in rows if bloc != p.recorded_bloc]


def pitch_of(candidacy: Candidacy) -> PitchAppointment | None:
    return db.session.scalar(select(PitchAppointment)
                             .where(PitchAppointment.candidacy_id == candidacy.id))


def individual_scores(candidacy: Candidacy, round_no: int, criterion: Criterion) -> dict[int, int]:
    return {a.user_id: a.score for a in db.session.scalars(select(Assessment).where(
        Assessment.candidacy_id == candidacy.id, Assessment.round == round_no,
        Assessment.criterion == criterion))}


@dataclass(frozen=True)
class Spread:
    """The individual scores of the jury on one criterion, once they may be seen."""

    scores: dict[int, int]  # user id → score
    missing: list[int]  # eligible matchmakers who have not scored yet

    @property
    def agreed(self) -> bool:
        return not self.missing and len(set(self.scores.values())) == 1


def visible_spread(candidacy: Candidacy, round_no: int, criterion: Criterion,
                   viewer: User) -> Spread | None:
    """The spread of individual scores, or None while the viewer may not see it.

    Reading (DOMAIN.md): a matchmaker does not see the others' individual scores for a
    candidacy before entering their own (no anchoring); after that the spread is shown
    to the whole jury. Matchmakers with a conflict for the candidacy never see it.
    """
    eligible = [m.user_id for m in eligible_members(candidacy)]
    if viewer.id not in eligible:
        return None
    scores = individual_scores(candidacy, round_no, criterion)
    if viewer.id not in scores:
        return None
    return Spread(scores={u: s for u, s in scores.items() if u in eligible},
                  missing=[u for u in eligible if u not in scores])


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


def scoring_context(candidacy: Candidacy, round_no: int, user_id: int) -> dict:
    """What the scoring page shows besides the forms: the addendum, own assessments,
    decisions, ballots and the names of the jury."""
    procedure = candidacy.procedure
    version = procedure.published_version or (procedure.versions[-1] if procedure.versions
                                               else None)
    own = {a.criterion: a for a in db.session.scalars(select(Assessment).where(
        Assessment.user_id == user_id, Assessment.candidacy_id == candidacy.id,
        Assessment.round == round_no))}
    decisions = {d.criterion: d for d in db.session.scalars(select(JuryDecision).where(
        JuryDecision.candidacy_id == candidacy.id, JuryDecision.round == round_no))}
    pending = {p.criterion: p for p in db.session.scalars(select(PendingConsensus).where(
        PendingConsensus.candidacy_id == candidacy.id, PendingConsensus.round == round_no,
        PendingConsensus.state == ConsensusState.PENDING)
        .options(joinedload(PendingConsensus.recorded_by)))}
    ballots = db.session.scalars(
        select(Ballot).where(Ballot.candidacy_id == candidacy.id, Ballot.round == round_no)
        .options(selectinload(Ballot.votes)).order_by(Ballot.id)).all()
    by_criterion: dict[Criterion, list[Ballot]] = defaultdict(list)
    for b in ballots:
        by_criterion[b.criterion].append(b)
    jury = db.session.scalar(select(Jury).where(Jury.procedure_id == procedure.id)
                             .options(selectinload(Jury.members).selectinload(JuryMembership.user)))
    names = {m.user_id: m.user.name for m in jury.members} if jury else {}
    blocs = {m.user_id: m.bloc for m in jury.members} if jury else {}
    pitch = db.session.scalar(select(PitchAppointment).where(
        PitchAppointment.candidacy_id == candidacy.id))
    challenges = {c.code: c for c in version.challenges} if version else {}
    return dict(version=version, own=own, decisions=decisions, pending=pending,
                ballots=by_criterion,
                names=names, blocs=blocs, pitch=pitch, challenges=challenges)


def round_decisions(candidacy_id: int, round_no: int) -> list[JuryDecision]:
    return list(db.session.scalars(select(JuryDecision).where(
        JuryDecision.candidacy_id == candidacy_id, JuryDecision.round == round_no)
        .order_by(JuryDecision.criterion)))


@dataclass
class BoardRow:
    candidacy: Candidacy
    readiness: RoundReadiness
    decisions: dict[Criterion, JuryDecision] = field(default_factory=dict)
    pitch: PitchAppointment | None = None


def round_board_rows(procedure: Procedure, round_no: int, *,
                     lean: bool = True) -> list[BoardRow]:
    """Per candidacy awaiting ``round_no``: its decisions, pitch and what is still missing
    before the round can close, in four statements. :func:`juries.round_operations.close_round`
    decides on it (the round board reads the same as columns: :func:`round_board_lines`).

    ``lean``: a page loads only what it shows (anything else would raise); the operation
    goes on to write letters from the whole candidacy."""
    if lean:  # issue 17: the columns the board shows, not the candidacy's texts
        options = [load_only(Candidacy.id, Candidacy.reference, Candidacy.state,
                             Candidacy.procedure_id, Candidacy.organisation_id),
                   joinedload(Candidacy.organisation).load_only(Organisation.name),
                   raiseload("*")]
    else:
        options = [joinedload(Candidacy.organisation)]
    candidacies = db.session.scalars(
        select(Candidacy).where(Candidacy.procedure_id == procedure.id,
                                Candidacy.state == ROUND_ENTRY_STATE[round_no])
        .options(*options).order_by(Candidacy.id)).all()
    ids = [c.id for c in candidacies]
    decisions = db.session.scalars(
        select(JuryDecision).join(Candidacy, JuryDecision.candidacy_id == Candidacy.id)
        .where(JuryDecision.round == round_no, Candidacy.procedure_id == procedure.id,
               Candidacy.state == ROUND_ENTRY_STATE[round_no])
        .options(*([defer(JuryDecision.motivation)] if lean else []), raiseload("*"))).all()
    pitches = db.session.scalars(
        select(PitchAppointment).join(Candidacy, PitchAppointment.candidacy_id == Candidacy.id)
        .where(Candidacy.procedure_id == procedure.id,
               Candidacy.state == ROUND_ENTRY_STATE[round_no])
        .options(joinedload(PitchAppointment.slot), raiseload("*"))).all()
    pending = db.session.execute(
        select(PendingConsensus.candidacy_id, PendingConsensus.criterion)
        .join(Candidacy, PendingConsensus.candidacy_id == Candidacy.id)
        .where(PendingConsensus.round == round_no, Candidacy.procedure_id == procedure.id,
               PendingConsensus.state == ConsensusState.PENDING)).all()
    pending_of: dict[int, set[Criterion]] = defaultdict(set)
    for candidacy_id, criterion in pending:
        pending_of[candidacy_id].add(criterion)
    by_candidacy: dict[int, dict[Criterion, JuryDecision]] = {i: {} for i in ids}
    for d in decisions:
        by_candidacy.setdefault(d.candidacy_id, {})[d.criterion] = d
    pitch_of = {p.candidacy_id: p for p in pitches}
    return [BoardRow(c, round_readiness(round_no, by_candidacy[c.id],
                                        c.id in pitch_of and pitch_done(pitch_of[c.id]),
                                        pending_of[c.id]),
                     by_candidacy[c.id], pitch_of.get(c.id))
            for c in candidacies]


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
    :func:`round_board_rows` gives the closing of the round)."""

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
    :func:`pitch_done`, as for :func:`juries.round_operations.close_round`."""
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


def free_pitch_slots(procedure: Procedure, now: datetime) -> list[PitchSlot]:
    """The procedure's pitch moments still ahead that hold no appointment yet (a moment
    already begun cannot be planned: ``_assign`` refuses it)."""
    taken = select(PitchAppointment.slot_id)
    return list(db.session.scalars(
        select(PitchSlot).where(PitchSlot.procedure_id == procedure.id,
                                PitchSlot.id.not_in(taken), PitchSlot.starts_at > now)
        .options(raiseload("*")).order_by(PitchSlot.starts_at)))


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


def jury_with_members(procedure: Procedure) -> Jury | None:
    return db.session.scalar(select(Jury).where(Jury.procedure_id == procedure.id).options(
        selectinload(Jury.members).joinedload(JuryMembership.user)))


def would_be_selected(candidacy: Candidacy, round_no: int) -> bool:
    """Which decision letter a preview shows: the threshold on the decided scores
    (R-JURY-5); without both scores the preview is refused as incomplete anyway."""
    scores = {d.criterion: d.score for d in db.session.scalars(select(JuryDecision).where(
        JuryDecision.candidacy_id == candidacy.id, JuryDecision.round == round_no))}
    if len(scores) != len(Criterion):
        return False
    if round_no == 2:  # a no-show is not admitted (issue 13)
        return admitted_after_round_2(scores, no_show=db.session.scalar(
            select(PitchAppointment.no_show_at).where(
                PitchAppointment.candidacy_id == candidacy.id)) is not None)
    return passes_threshold(scores)


def matchmakers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.MATCHMAKER, User.deactivated_at.is_(None))
        .distinct().order_by(User.name, User.id)))  # several grants (work areas): once


@signals.attachment_readers.connect
def _jury_reads_attachments(candidacy: Candidacy, *, user) -> bool:
    """The jury of the candidacy's procedure reads its attachments once it is submitted,
    except a member who declared a conflict of interest for it (issue 11)."""
    if candidacy.state == CandidacyState.DRAFT or candidacy.submitted_at is None:
        return False
    jury = jury_of(candidacy.procedure)
    return (jury is not None and any(m.user_id == user.id for m in jury.members)
            and user.id not in conflicted_user_ids(candidacy))


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


def pickable_pitch_slots(procedure: Procedure, now: datetime) -> list[PitchSlot]:
    """Issue 13: the free slots an organisation may choose now: of a session opened for
    choosing whose date has not passed, starting in the future."""
    taken = select(PitchAppointment.slot_id)
    return list(db.session.scalars(
        select(PitchSlot).join(PitchSession, PitchSession.id == PitchSlot.session_id)
        .where(PitchSlot.procedure_id == procedure.id, PitchSlot.id.not_in(taken),
               PitchSession.pick_until > now, PitchSlot.starts_at > now)
        .options(raiseload("*")).order_by(PitchSlot.starts_at)))


def pitch_planning(procedure: Procedure) -> dict[int, PitchAppointment]:
    """The procedure's appointments by slot id, with their candidacy and organisation."""
    return {a.slot_id: a for a in db.session.scalars(
        select(PitchAppointment).join(PitchSlot, PitchSlot.id == PitchAppointment.slot_id)
        .where(PitchSlot.procedure_id == procedure.id)
        .options(joinedload(PitchAppointment.candidacy).joinedload(Candidacy.organisation)))}


def slot_label(slot: PitchSlot) -> str:
    """'02-03-2027 09:00–09:20, Stadhuis Aalst': a slot as people read it (Brussels time)."""
    return f"{format_brussels(slot.starts_at)}–{format_brussels(slot.ends_at)[-5:]}, " \
        f"{slot.location}"
