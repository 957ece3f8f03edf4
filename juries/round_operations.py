"""Operations of the rounds: start round 1, close a round (every candidacy passes or not on
the threshold and gets its letter), plan and hold the pitches (R-PITCH-1). Each function
checks the rules, changes the objects, records the transition and audit event, and never
commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from juries import notifications as jury_letters
from juries.models import PitchAppointment
from juries.page_queries import BoardPitch
from juries.queries import jury_of, pitch_of, round_board_rows
from juries.rules import (
    PitchOutcome,
    admitted_after_round_2,
    check_jury_composition,
    check_pitch_note,
    check_pitch_outcome,
    passes_threshold,
)
from matching.accounts.models import User
from matching.accounts.rules import require_applicant, require_coordinator
from matching.audit.recording import audit, lock_for_change, transition
from matching.candidacies import notifications as candidacy_letters
from matching.candidacies import queries as candidacy_queries
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import (
    ROUND_ENTRY_STATE,
    CandidacyStep,
    Criterion,
    check_round,
    next_candidacy_state,
)
from matching.core.dates import to_utc
from matching.core.db import db, get_required
from matching.core.errors import N_, DomainError, allowed
from matching.core.operation import operation
from matching.letters import content as letter_content
from matching.letters.content import LetterKind
from workareas.models import PitchSlot, Procedure
from workareas.rules import ProcedureStep, check_pick_open, next_procedure_state


@operation
def start_round_1(procedure: Procedure, *, actor: User, now: datetime) -> None:
    """Start the paper round; the jury must satisfy R-JURY-1."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    new_state = next_procedure_state(procedure.state, ProcedureStep.START_ROUND_1)
    jury = jury_of(procedure)
    if jury is None:
        raise DomainError(N_("Stel eerst de jury samen."), rule="R-JURY-1")
    check_jury_composition([m.bloc for m in jury.members])
    transition(procedure, ProcedureStep.START_ROUND_1, new_state, actor=actor, now=now,
               procedure_id=procedure.id)
    jury_letters.round_started_mails(procedure, jury.members, now=now)


@operation
def close_round(procedure: Procedure, round_no: int, *, actor: User, now: datetime) -> int:
    """Close round 1 or 2: refused while a candidacy lacks a decided, motivated score on
    both criteria (or, in round 2, its pitch). Each candidacy then passes or not on the
    threshold of R-JURY-5. Returns the number of candidacies decided."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    check_round(round_no)
    step = {1: ProcedureStep.CLOSE_ROUND_1, 2: ProcedureStep.CLOSE_ROUND_2}[round_no]
    new_state = next_procedure_state(procedure.state, step)
    board = round_board_rows(procedure, round_no, lean=False)
    if new_state == procedure.state and not board:  # a late decision of one candidacy
        raise DomainError(N_("Er wacht geen kandidatuur op een beslissing van ronde "
                             "%(round)s."), round=round_no)
    not_ready = [row.candidacy.organisation.name for row in board if not row.readiness.ready]
    awaiting = [row.candidacy.organisation.name for row in board
                if row.readiness.awaiting_confirmation]
    if awaiting:  # a consensus awaiting confirmation is not a decision (issue 13)
        raise DomainError(N_("Ronde %(round)s kan niet sluiten: de consensus voor %(names)s "
                             "wacht nog op bevestiging door een jurylid van een andere "
                             "organisatie (en telt tot dan niet)."),
                          rule="R-JURY-4", round=round_no, names=", ".join(awaiting))
    if not_ready:
        raise DomainError(N_("Ronde %(round)s kan niet sluiten: nog geen beslissing met motivering "
                             "op beide criteria (of geen pitch) voor %(names)s."),
                          rule="R-JURY-6", round=round_no, names=", ".join(not_ready))
    pass_step, fail_step = {1: (CandidacyStep.SELECT_R1, CandidacyStep.REJECT_R1),
                            2: (CandidacyStep.ADMIT_R2, CandidacyStep.REJECT_R2)}[round_no]
    outcomes = []
    candidacy_letters.prefetch_recipients([row.candidacy for row in board])
    for row in board:
        candidacy = row.candidacy
        scores = {c: row.decisions[c].score for c in Criterion}
        selected = passes_threshold(scores) if round_no == 1 else admitted_after_round_2(
            scores, no_show=row.pitch is not None and row.pitch.no_show_at is not None)
        # The letter is composed (and refused if incomplete) before anything changes.
        # Round-1 selections get their letter with the pitch invitation (plan_pitch).
        content = None if (round_no == 1 and selected) else letter_content.check_complete(
            jury_letters.round_decision(candidacy, round_no,
                                        letter_content.decision_kind(round_no, selected), now,
                                        row.decisions))
        outcomes.append((candidacy, scores, selected, content))
    for candidacy, scores, selected, _ in outcomes:
        step_c = pass_step if selected else fail_step
        transition(candidacy, step_c, next_candidacy_state(candidacy.state, step_c), actor=actor,
                   now=now, procedure_id=procedure.id,
                   reason=", ".join(f"{c.value}={s}" for c, s in scores.items()), flush=False)
    # The decision letters, written together (their PDFs follow from the mail worker).
    candidacy_letters.issue_many([(content, candidacy) for candidacy, _, _, content in outcomes
                                  if content is not None], actor=actor, now=now)
    if new_state != procedure.state:
        transition(procedure, step, new_state, actor=actor, now=now, procedure_id=procedure.id)
    else:
        audit(f"procedure.{step.value}", procedure, actor=actor, now=now,
              procedure_id=procedure.id, decided=len(board))
    return len(board)


# --- pitches (R-PITCH-1) -----------------------------------------------------------------

@operation
def plan_pitch(candidacy: Candidacy, slot: PitchSlot, *, actor: User,
               now: datetime) -> PitchAppointment:
    """The coordinator invites a candidacy selected in round 1 to pitch in one slot (a
    pitch moment, or a slot of a pitch session), or moves its pitch to another slot: the
    earlier invitation is then cancelled (issue 13)."""
    lock_for_change(candidacy, slot)
    require_coordinator(actor, candidacy.procedure.work_area_id)
    return _assign(candidacy, slot, actor=actor, now=now, action="pitch.plan")


@operation
def pick_pitch_slot(candidacy: Candidacy, slot: PitchSlot, *, actor: User,
                    now: datetime) -> PitchAppointment:
    """Issue 13: the organisation chooses its own free slot of a session the coordinator
    opened for choosing, before that session's date (first come, first served: the slot's
    row is locked and an appointment's slot is unique, so two organisations never hold the
    same slot). Once it holds a slot, only the coordinator moves it."""
    lock_for_change(candidacy, slot)
    require_applicant(actor, candidacy.organisation_id)
    check_pick_open(slot.session.pick_until if slot.session else None, now)
    if pitch_of(candidacy) is not None:
        raise DomainError(N_("Uw pitch is al gepland; vraag de coördinator om een ander "
                             "moment."), rule="R-PITCH-1", field="slot")
    return _assign(candidacy, slot, actor=actor, now=now, action="pitch.pick")


def _assign(candidacy: Candidacy, slot: PitchSlot, *, actor: User, now: datetime,
            action: str) -> PitchAppointment:
    if candidacy.state != ROUND_ENTRY_STATE[2]:
        raise DomainError(N_("Enkel een kandidatuur geselecteerd in ronde 1 wordt uitgenodigd "
                             "voor een pitch."), rule="R-PITCH-1")
    if slot.procedure_id != candidacy.procedure_id:
        raise DomainError(N_("Dit pitch-moment hoort niet bij deze procedure."), field="slot")
    if to_utc(slot.starts_at) <= to_utc(now):
        raise DomainError(N_("Dit pitch-moment is al voorbij."), field="slot")
    appointment = pitch_of(candidacy)
    if appointment is not None and appointment.slot_id == slot.id:
        raise DomainError(N_("De pitch is al op dit moment gepland."), field="slot")
    if db.session.scalar(select(PitchAppointment.id).where(PitchAppointment.slot_id == slot.id)):
        raise DomainError(N_("Dit pitch-moment is net door een andere organisatie gekozen of "
                             "toegewezen; kies een ander vrij moment."), field="slot")
    if appointment is not None and appointment.held_at is not None:
        raise DomainError(N_("De pitch heeft al plaatsgevonden."))
    earlier = candidacy_queries.latest_letter(candidacy, LetterKind.ROUND1_SELECTED)
    old_slot = get_required(PitchSlot, appointment.slot_id) if appointment else None
    if appointment is None:
        appointment = PitchAppointment(candidacy_id=candidacy.id)
        db.session.add(appointment)
    # A new slot after a no-show: the coordinator gives the organisation another chance
    # (the no-show stays in the audit trail).
    appointment.slot_id, appointment.planned_at = slot.id, now
    appointment.no_show_at = appointment.no_show_note = None
    db.session.flush()
    audit(action, appointment, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          candidacy=candidacy.reference, starts_at=slot.starts_at,
          previous_starts_at=old_slot.starts_at if old_slot else None)
    # Issue 13: the earlier moment is cancelled in the calendar (METHOD:CANCEL, same UID).
    if earlier is not None and old_slot is not None and to_utc(old_slot.starts_at) > to_utc(now):
        jury_letters.pitch_cancellation(candidacy, earlier, old_slot, now=now)
    # R-PITCH-1 / R-DEC-1: the round-1 decision with the invitation and its .ics; a new
    # moment is a corrected version of the invitation (same UID, the next SEQUENCE).
    candidacy_letters.issue(
        jury_letters.round_decision(candidacy, 1, LetterKind.ROUND1_SELECTED, now),
        candidacy, actor=actor, now=now, supersedes=earlier,
        correction_reason="Nieuw pitch-moment" if earlier else None)
    return appointment


def pitch_outcome_open(candidacy: Candidacy, outcome: PitchOutcome, now: datetime) -> bool:
    """Whether ``outcome`` may be recorded for the candidacy's pitch now (the operation
    asks it again)."""
    return allowed(_pitch_outcome_open, candidacy, outcome, now)


def board_pitch_outcome_open(pitch: BoardPitch | None, outcome: PitchOutcome,
                             now: datetime) -> bool:
    """:func:`pitch_outcome_open` for a row of the round board, from the pitch and slot it
    read already (issue 17: no statement per row): the round board asks this before it
    offers the form; the operation asks the same rule again."""
    return allowed(_check_pitch_outcome, pitch, pitch.starts_at if pitch else None,
                   outcome, now)


def _check_pitch_outcome(appointment: PitchAppointment | BoardPitch | None,
                         starts_at: datetime | None, outcome: PitchOutcome,
                         now: datetime) -> None:
    check_pitch_outcome(outcome, planned=appointment is not None,
                        held=appointment is not None and appointment.held_at is not None,
                        no_show=appointment is not None and appointment.no_show_at is not None,
                        starts_at=to_utc(starts_at) if starts_at else None, now=to_utc(now))


def _pitch_outcome_open(candidacy: Candidacy, outcome: PitchOutcome,
                        now: datetime) -> PitchAppointment:
    appointment = pitch_of(candidacy)
    slot = get_required(PitchSlot, appointment.slot_id) if appointment else None
    _check_pitch_outcome(appointment, slot.starts_at if slot else None, outcome, now)
    assert appointment is not None  # checked: planned
    return appointment


@operation
def record_no_show(candidacy: Candidacy, note: str, *, actor: User,
                   now: datetime) -> PitchAppointment:
    """Issue 13: the pitch was not held because the organisation did not come. Recorded by
    the coordinator with a note, after the slot began; what follows is
    :func:`juries.rules.admitted_after_round_2` (not admitted, unless the coordinator gives
    a new slot)."""
    lock_for_change(candidacy)
    require_coordinator(actor, candidacy.procedure.work_area_id)
    appointment = _pitch_outcome_open(candidacy, PitchOutcome.NO_SHOW, now)
    note = check_pitch_note(PitchOutcome.NO_SHOW, note)
    appointment.no_show_at, appointment.no_show_note = now, note
    audit("pitch.no_show", appointment, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference)
    return appointment


@operation
def record_pitch_held(candidacy: Candidacy, report: str, *, actor: User,
                      now: datetime) -> PitchAppointment:
    """The pitch took place; the jury may now give the final (round-2) score."""
    lock_for_change(candidacy)
    require_coordinator(actor, candidacy.procedure.work_area_id)
    appointment = _pitch_outcome_open(candidacy, PitchOutcome.HELD, now)
    report = check_pitch_note(PitchOutcome.HELD, report)
    appointment.held_at, appointment.report = now, report
    audit("pitch.held", appointment, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          candidacy=candidacy.reference)
    return appointment
