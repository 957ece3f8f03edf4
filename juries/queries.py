"""Read-only queries of the jury: what the operations share and what the pages show.

Nothing here changes state. List pages load everything in a constant number of
statements, whatever the number of candidacies (``raiseload("*")`` makes a forgotten
relationship fail); the jury dashboard, the round board's rows and the jury's composition
per candidacy are read as columns, in statements built once per process, in
:mod:`juries.page_queries`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
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
    RoundReadiness,
    admitted_after_round_2,
    passes_threshold,
    round_readiness,
)
from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import ROUND_ENTRY_STATE, CandidacyState, Criterion
from matching.core import signals
from matching.core.dates import format_brussels
from matching.core.db import db
from workareas.models import PitchSession, PitchSlot, Procedure

if TYPE_CHECKING:  # the round board's pitch (:func:`pitch_done` reads either)
    from juries.page_queries import BoardPitch


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
    decides on it (the round board reads the same as columns:
    :func:`juries.page_queries.round_board_lines`).

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


def free_pitch_slots(procedure: Procedure, now: datetime) -> list[PitchSlot]:
    """The procedure's pitch moments still ahead that hold no appointment yet (a moment
    already begun cannot be planned: ``_assign`` refuses it)."""
    taken = select(PitchAppointment.slot_id)
    return list(db.session.scalars(
        select(PitchSlot).where(PitchSlot.procedure_id == procedure.id,
                                PitchSlot.id.not_in(taken), PitchSlot.starts_at > now)
        .options(raiseload("*")).order_by(PitchSlot.starts_at)))


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
