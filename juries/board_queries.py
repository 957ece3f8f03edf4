"""Read-only queries of the coordinator's round board and letters page.

Each loads everything its page needs in a constant number of statements, whatever
the number of candidacies (``raiseload("*")`` makes a forgotten relationship fail).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only, raiseload, selectinload

from juries.models import Jury, JuryDecision, JuryMembership, PitchAppointment
from juries.rules import Criterion, RoundReadiness, passes_threshold, round_readiness
from matching.extensions import db
from matching.letters.models import Letter
from matching.models.candidacies import Candidacy
from matching.models.organisations import Organisation
from matching.outbox import OutboxMessage, OutboxState
from matching.statemachine import ROUND_ENTRY_STATE
from workareas.models import PitchSlot, Procedure


@dataclass
class BoardRow:
    candidacy: Candidacy
    readiness: RoundReadiness
    decisions: dict[Criterion, JuryDecision] = field(default_factory=dict)
    pitch: PitchAppointment | None = None


def round_board_rows(procedure: Procedure, round_no: int) -> list[BoardRow]:
    """Per candidacy awaiting ``round_no``: its decisions, pitch and what is missing
    (the same readiness as :func:`juries.operations.round_board`, in three statements)."""
    candidacies = db.session.scalars(
        select(Candidacy).where(Candidacy.procedure_id == procedure.id,
                                Candidacy.state == ROUND_ENTRY_STATE[round_no])
        .options(joinedload(Candidacy.organisation), raiseload("*"))
        .order_by(Candidacy.id)).all()
    ids = [c.id for c in candidacies]
    decisions = db.session.scalars(
        select(JuryDecision).join(Candidacy, JuryDecision.candidacy_id == Candidacy.id)
        .where(JuryDecision.round == round_no, Candidacy.procedure_id == procedure.id,
               Candidacy.state == ROUND_ENTRY_STATE[round_no])
        .options(raiseload("*"))).all()
    pitches = db.session.scalars(
        select(PitchAppointment).join(Candidacy, PitchAppointment.candidacy_id == Candidacy.id)
        .where(Candidacy.procedure_id == procedure.id,
               Candidacy.state == ROUND_ENTRY_STATE[round_no])
        .options(joinedload(PitchAppointment.slot), raiseload("*"))).all()
    by_candidacy: dict[int, dict[Criterion, JuryDecision]] = {i: {} for i in ids}
    for d in decisions:
        by_candidacy.setdefault(d.candidacy_id, {})[d.criterion] = d
    pitch_of = {p.candidacy_id: p for p in pitches}
    return [BoardRow(c, round_readiness(round_no, by_candidacy[c.id],
                                        c.id in pitch_of and pitch_of[c.id].held_at is not None),
                     by_candidacy[c.id], pitch_of.get(c.id))
            for c in candidacies]


def free_pitch_slots(procedure: Procedure) -> list[PitchSlot]:
    """The procedure's pitch moments that hold no appointment yet."""
    taken = select(PitchAppointment.slot_id)
    return list(db.session.scalars(
        select(PitchSlot).where(PitchSlot.procedure_id == procedure.id,
                                PitchSlot.id.not_in(taken))
        .options(raiseload("*")).order_by(PitchSlot.starts_at)))


def jury_with_members(procedure: Procedure) -> Jury | None:
    return db.session.scalar(select(Jury).where(Jury.procedure_id == procedure.id).options(
        selectinload(Jury.members).joinedload(JuryMembership.user)))


def would_be_selected(candidacy: Candidacy, round_no: int) -> bool:
    """Which decision letter a preview shows: the threshold on the decided scores
    (R-JURY-5); without both scores the preview is refused as incomplete anyway."""
    scores = {d.criterion: d.score for d in db.session.scalars(select(JuryDecision).where(
        JuryDecision.candidacy_id == candidacy.id, JuryDecision.round == round_no))}
    return len(scores) == len(Criterion) and passes_threshold(scores)


LETTER_COLUMNS = (Letter.id, Letter.kind, Letter.reference, Letter.version, Letter.recipients,
                  Letter.created_at, Letter.round, Letter.candidacy_id, Letter.subject)


def procedure_letters(procedure: Procedure) -> list[tuple[Letter, OutboxMessage | None, str | None]]:
    """The procedure's letters (without their bytes) with their e-mail in the outbox and
    the organisation they go to, in one statement."""
    rows = db.session.execute(
        select(Letter, OutboxMessage, Organisation.name)
        .outerjoin(OutboxMessage, OutboxMessage.letter_id == Letter.id)
        .outerjoin(Candidacy, Candidacy.id == Letter.candidacy_id)
        .outerjoin(Organisation, Organisation.id == Candidacy.organisation_id)
        .where(Letter.procedure_id == procedure.id)
        .options(load_only(*LETTER_COLUMNS), raiseload("*"),
                 load_only(OutboxMessage.id, OutboxMessage.state, OutboxMessage.attempts,
                           OutboxMessage.last_error, OutboxMessage.accepted_at,
                           OutboxMessage.next_attempt_at))
        .order_by(Letter.created_at.desc(), Letter.id.desc())).all()
    return [(letter, message, name) for letter, message, name in rows]


def outbox_counts(procedure: Procedure) -> dict[OutboxState, int]:
    counts = Counter({state: 0 for state in OutboxState})
    for state, n in db.session.execute(
            select(OutboxMessage.state, func.count(OutboxMessage.id))
            .join(Letter, Letter.id == OutboxMessage.letter_id)
            .where(Letter.procedure_id == procedure.id).group_by(OutboxMessage.state)):
        counts[OutboxState(state)] = n
    return dict(counts)
