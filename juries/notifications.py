"""The letters of the jury's decisions: a round's decision (with the pitch invitation) and its
preview."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select

from juries.models import JuryDecision, PitchAppointment
from juries.rules import SCALE, THRESHOLD
from matching.accounts.notifications import coordinators_of, notify
from matching.candidacies.models import Candidacy, Letter
from matching.candidacies.notifications import appeal_how, base_content, issue, recipients_of
from matching.candidacies.rules import (
    APPEAL_WINDOW_DAYS,
    CRITERION_LABELS,
    Criterion,
    appeal_deadline,
)
from matching.core import signals
from matching.core.db import db, get_required
from matching.core.errors import N_
from matching.core.web import external_url
from matching.letters.content import (
    CriterionResult,
    LetterContent,
    LetterKind,
    PanelPosition,
    PitchMoment,
    check_complete,
    decision_kind,
)
from matching.letters.ics import pitch_cancellation as cancel_ics
from matching.letters.render import render_html
from matching.mail.models import OutboxMessage
from matching.mail.outbox import queue_message
from workareas.models import PitchSlot

#: The subject of the cancellation of a pitch that moved (issue 13).
PITCH_CANCELLED_SUBJECT = N_("Pitch verplaatst: het eerdere moment vervalt – %(area)s")


def pitch_cancellation(candidacy: Candidacy, earlier: Letter, old_slot: PitchSlot, *,
                       now: datetime) -> OutboxMessage | None:
    """Issue 13: when a pitch moves, the earlier invitation is cancelled in its own e-mail
    (in the invitation's language) with a METHOD:CANCEL .ics for the same event (same UID,
    the earlier SEQUENCE); the corrected invitation follows with the next SEQUENCE."""
    if not earlier.ics:
        return None
    _, addresses = recipients_of(candidacy)
    if not addresses:
        return None
    with force_locale(earlier.locale):
        body = render_template(
            "mail/pitch_cancelled.txt", candidacy=candidacy, starts_at=old_slot.starts_at,
            ends_at=old_slot.ends_at, location=old_slot.location,
            link=external_url("applicant.candidacy", candidacy_id=candidacy.id))
        subject = gettext(PITCH_CANCELLED_SUBJECT, area=candidacy.procedure.work_area.name)
    domain = current_app.config.get("MAIL_DOMAIN", "lokalepartnerschappen.be")
    return queue_message(addresses, subject,
                         f"<{earlier.reference.replace('/', '.')}.v{earlier.version}.cancel@"
                         f"{domain}>", now=now, body=body, calendar=cancel_ics(earlier.ics))


def results_of(candidacy: Candidacy, round_no: int,
               decisions: Mapping[Criterion, JuryDecision] | None = None
               ) -> tuple[CriterionResult, ...]:
    """The round's final score per criterion with its motivation (``decisions``: already
    loaded, e.g. by the round board)."""
    if decisions is None:
        decisions = {d.criterion: d for d in db.session.scalars(select(JuryDecision).where(
            JuryDecision.candidacy_id == candidacy.id, JuryDecision.round == round_no))}
    return tuple(CriterionResult(c.value, CRITERION_LABELS[c], decisions[c].score,
                                 SCALE[decisions[c].score], decisions[c].motivation,
                                 decisions[c].method.value)
                 for c in Criterion if c in decisions)


def pitch_moment(candidacy: Candidacy) -> PitchMoment | None:
    appointment = db.session.scalar(select(PitchAppointment)
                                    .where(PitchAppointment.candidacy_id == candidacy.id))
    if appointment is None:
        return None
    slot = get_required(PitchSlot, appointment.slot_id)
    return PitchMoment(slot.starts_at, slot.ends_at, slot.location)


def _no_show(candidacy: Candidacy) -> bool:
    return db.session.scalar(select(PitchAppointment.no_show_at).where(
        PitchAppointment.candidacy_id == candidacy.id)) is not None


def round_decision(candidacy: Candidacy, round_no: int, kind: LetterKind, now: datetime,
                   decisions: Mapping[Criterion, JuryDecision] | None = None, *,
                   received_at: datetime | None = None) -> LetterContent:
    """A round's decision; a non-selection states how (the platform's appeal form) and until
    when to appeal, counted from the letter's own date, or, in the version written after a
    late receipt, from ``received_at`` (the window is never shorter than what the letter
    says, and the letter always says the deadline :func:`appeal_deadline_of` gives)."""
    not_selected = kind in (LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED)
    # The pitch invitation has its own reference: after a reversed appeal it follows the
    # non-selection letter of the same round without correcting it.
    suffix = "/PITCH" if kind == LetterKind.ROUND1_SELECTED else ""
    # A selection that follows a reversed appeal says so, with the panel's motivation
    # next to the jury's scores (which stay what they were: under the threshold).
    reversal = next((a for a in signals.ask(signals.appeal_reversal, candidacy,
                                            round_no=round_no) if a), None) \
        if kind in (LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED) else None
    return base_content(
        kind, candidacy, now, f"{candidacy.reference}/R{round_no}{suffix}", round=round_no,
        results=results_of(candidacy, round_no, decisions), threshold=THRESHOLD,
        pitch=pitch_moment(candidacy) if kind == LetterKind.ROUND1_SELECTED else None,
        pitch_no_show=kind == LetterKind.ROUND2_NOT_ADMITTED and _no_show(candidacy),
        appeal_deadline=appeal_deadline(received_at or now) if not_selected else None,
        appeal_how=appeal_how(candidacy) if not_selected else "",
        decision_received_at=received_at if not_selected else None,
        appeal_window_days=APPEAL_WINDOW_DAYS if not_selected else None,
        appeal_outcome="reversed" if reversal else None,
        panel=tuple(PanelPosition(p, m) for p, m in reversal) if reversal else ())


def preview_round_decision(candidacy: Candidacy, round_no: int, selected: bool, now: datetime,
                           locale: str = "nl") -> str:
    """The decision letter as it would be sent, before the round closes: nothing is stored.

    Refused (IncompleteLetter) while a motivation is missing, so the jury sees what is
    still to be written before it can decide.
    """
    content = check_complete(round_decision(candidacy, round_no,
                                            decision_kind(round_no, selected), now))
    return render_html(content, locale)


@signals.appeal_deadline_moved.connect
def correct_decision_letter(candidacy: Candidacy, *, round_no: int, received_at: datetime,
                            now: datetime, actor) -> bool:
    """The decision e-mail was received on a later day than the letter counted from: write
    a corrected version of the non-selection letter stating the deadline counted from the
    receipt, so that the letter, the form and the dashboard show the same instant."""
    kind = decision_kind(round_no, selected=False)
    earlier = db.session.scalar(select(Letter).where(
        Letter.candidacy_id == candidacy.id, Letter.kind == kind)
        .order_by(Letter.version.desc()).limit(1))
    if earlier is None:
        return False
    issue(round_decision(candidacy, round_no, kind, now, received_at=received_at), candidacy,
          actor=actor, now=now, supersedes=earlier,
          correction_reason="Beslissing later ontvangen: termijn voor het weerwoord vanaf de "
                            "ontvangst")
    return True


# --- notifications: it is the jury's (or the coordinator's) turn --------------------------

def round_started_mails(procedure, members, *, now: datetime) -> None:
    """Round 1 started: every jury member may score now (a link to their jury page)."""
    notify([m.user for m in members], N_("Ronde 1 is gestart: %(title)s"), "round_started",
           now=now, key=f"round1-start.{procedure.id}", link=external_url("jury.dashboard"),
           subject_params={"title": procedure.title}, procedure=procedure)


def conflict_mail(candidacy: Candidacy, member, declaration, *, breaks_jury: bool,
                  now: datetime) -> None:
    """A jury member declared a conflict: the coordinators hear of it, and whether the
    jury must be completed for that candidacy (R-JURY-1)."""
    notify(coordinators_of(candidacy.procedure.work_area_id),
           N_("Belangenconflict gemeld: %(organisation)s"), "conflict_declared", now=now,
           key=f"conflict.{candidacy.id}.{member.id}",
           link=external_url("rounds.jury", procedure_id=candidacy.procedure_id),
           subject_params={"organisation": candidacy.organisation.name},
           candidacy=candidacy, member=member, breaks_jury=breaks_jury)


def consensus_to_confirm_mails(candidacy: Candidacy, pending, recorder, confirmers, *,
                               now: datetime) -> None:
    """A member who is not the chair recorded the jury's consensus: the members of the other
    organisations may confirm it (issue 13), with a link to the scoring page."""
    notify(confirmers, N_("Consensus te bevestigen: %(organisation)s"), "consensus_to_confirm",
           now=now, key=f"consensus.{pending.id}",
           link=external_url("jury.score", candidacy_id=candidacy.id, round_no=pending.round),
           subject_params={"organisation": candidacy.organisation.name},
           candidacy=candidacy, pending=pending, recorder=recorder,
           criterion=CRITERION_LABELS[pending.criterion])
