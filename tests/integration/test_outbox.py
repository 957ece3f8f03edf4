"""Letters go out through the outbox to a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import delete, select

from juries import notifications as jury_letters
from juries import round_operations as round_ops
from matching.candidacies import notifications as candidacy_letters
from matching.candidacies import queries as candidacy_queries
from matching.candidacies.models import Letter, LetterPdf
from matching.candidacies.operations import send_outbox
from matching.candidacies.rules import Criterion, appeal_deadline
from matching.core.dates import BRUSSELS
from matching.letters.content import IncompleteLetter, LetterKind
from matching.mail.models import OutboxMessage, OutboxState
from matching.mail.outbox import SENDING_LEASE
from tests.helpers import attachment, message_id, pdf_text, start_smtp, stop_smtp
from tests.support import refused


@pytest.fixture
def decided(world, db):
    """Round 1 closed: one candidacy not selected (2 on crucial contribution), one selected."""
    world.published_procedure()
    world.rejected, world.selected = world.apply("De Brug vzw"), world.apply("Jobkracht vzw")
    world.start_round_1()
    # The jury's round-start notices (issue 13) are plain mails, not what these tests count.
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.body_text.is_not(None)))
    world.decide(world.rejected, 1, (2, 3))
    world.decide(world.selected, 1, (4, 3))
    world.close_round(1)
    db.session.commit()
    return world


def test_nothing_is_mailed_before_the_deciding_transaction_commits(world, db, app, mail_config,
                                                                   smtp):
    world.published_procedure()
    world.apply("Jobkracht vzw")  # queues the receipt, not committed
    db.session.flush()
    result = {}

    def worker():
        with app.app_context():
            result["counts"] = send_outbox(mail_config, clock=lambda: world.clock.now)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert result["counts"]["sent"] == 0 and smtp.messages == []
    db.session.commit()
    assert send_outbox(mail_config, clock=lambda: world.clock.now)["sent"] == 1
    assert smtp.messages[0]["Subject"].startswith("Ontvangstbevestiging van uw kandidatuur")


def test_a_non_selection_letter_carries_scores_motivations_threshold_and_deadline(
        decided, db, mail_config, smtp):
    w = decided
    counts = send_outbox(mail_config, clock=lambda: w.clock.now)
    assert counts == {"sent": 3, "retry": 0, "failed": 0}  # two receipts, one decision
    decision = next(m for m in smtp.messages if "Beslissing ronde 1" in m["Subject"])
    assert decision["To"].startswith("aanvrager")
    text = pdf_text(attachment(decision, "application/pdf"))
    for needle in ("Cruciale bijdrage", "Fit for partnership", "Motivering voor score 2 op "
                   "crucial_contribution", "Motivering voor score 3 op fit_for_partnership"):
        assert needle in text.replace("\n", " ")
    deadline = appeal_deadline(w.clock.now).astimezone(BRUSSELS)
    assert deadline.strftime("%H:%M:%S") == "23:59:59"
    assert str(deadline.day) in text and "23:59:59" in text
    assert "3" in text and "beide" in text  # the threshold: at least 3 on both criteria
    message = db.session.scalar(select(OutboxMessage).join(Letter).where(
        Letter.kind == LetterKind.ROUND1_NOT_SELECTED))
    assert message.state == OutboxState.SENT and message.message_id == message_id(decision)
    notice = w.rejected.notice(1)
    assert notice is not None and notice.received_at == message.accepted_at


def test_the_pitch_invitation_has_its_moment_and_an_ics(decided, db, mail_config, smtp):
    w = decided
    slot = w.procedure.pitch_slots[0]
    round_ops.plan_pitch(w.selected, slot, actor=w.coordinator, now=w.clock.now)
    db.session.commit()
    send_outbox(mail_config, clock=lambda: w.clock.now)
    invitation = next(m for m in smtp.messages if "uitnodiging" in m["Subject"])
    start = slot.starts_at.astimezone(BRUSSELS)
    assert start.strftime("%H:%M") in pdf_text(attachment(invitation, "application/pdf"))
    event = next(c for c in Calendar.from_ical(attachment(invitation, "text/calendar")).walk()
                 if c.name == "VEVENT")
    dtstart, dtend = event["DTSTART"].dt, event["DTEND"].dt
    assert dtstart == slot.starts_at and dtend == slot.ends_at
    assert str(dtstart.tzinfo) == "Europe/Brussels" and dtstart.hour == start.hour


def test_a_worker_killed_after_acceptance_sends_at_most_one_duplicate(decided, db, mail_config,
                                                                      smtp):
    w = decided

    class Killed(BaseException):
        pass

    def die(message):
        raise Killed()

    with pytest.raises(Killed):
        send_outbox(mail_config, clock=lambda: w.clock.now, limit=1, after_accept=die)
    db.session.rollback()
    first = message_id(smtp.messages[0])
    stuck = db.session.scalar(select(OutboxMessage).where(OutboxMessage.message_id == first))
    assert stuck.state == OutboxState.SENDING
    assert send_outbox(mail_config, clock=lambda: w.clock.now)["sent"] == 2  # the others only
    w.clock.advance(seconds=SENDING_LEASE.total_seconds() + 1)
    assert send_outbox(mail_config, clock=lambda: w.clock.now)["sent"] == 1  # the stuck one
    ids = [message_id(m) for m in smtp.messages]
    assert ids.count(first) == 2 and len(set(ids)) == 3
    assert send_outbox(mail_config, clock=lambda: w.clock.now)["sent"] == 0
    assert len(smtp.messages) == 4


def test_with_the_server_down_rows_stay_pending_and_go_out_once_it_is_back(decided, db,
                                                                           mail_config, smtp):
    w = decided
    smtp.controller.stop()
    counts = send_outbox(mail_config, clock=lambda: w.clock.now)
    assert counts == {"sent": 0, "retry": 3, "failed": 0}
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert {r.state for r in rows} == {OutboxState.PENDING}
    assert all(r.last_error and r.next_attempt_at > w.clock.now for r in rows)
    assert send_outbox(mail_config, clock=lambda: w.clock.now)["sent"] == 0  # backing off
    start_smtp(smtp, smtp.port)
    try:
        w.clock.advance(minutes=2)
        assert send_outbox(mail_config, clock=lambda: w.clock.now)["sent"] == 3
    finally:
        stop_smtp(smtp)
    assert len(smtp.messages) == 3
    assert w.rejected.notice(1).received_at == w.clock.now  # the receipt is the acceptance


def test_a_letter_without_motivation_is_refused(decided, db):
    w = decided
    content = jury_letters.round_decision(w.rejected, 1, LetterKind.ROUND1_NOT_SELECTED,
                                          w.clock.now)
    broken = type(content)(**{**content.__dict__, "results": (
        content.results[0].__class__(**{**content.results[0].__dict__, "motivation": " "}),
        content.results[1])})
    error = refused(db, candidacy_letters.issue, broken, w.rejected, actor=w.coordinator,
                    now=w.clock.now, error=IncompleteLetter)
    assert "motivering" in str(error).lower() and error.rule == "R-JURY-6"


def test_a_sent_letter_is_immutable_and_a_correction_is_a_new_version(decided, db, mail_config,
                                                                     smtp):
    w = decided
    send_outbox(mail_config, clock=lambda: w.clock.now)
    letter = candidacy_queries.latest_letter(w.rejected, LetterKind.ROUND1_NOT_SELECTED)
    first_pdf = db.session.get(LetterPdf, letter.id)
    sent = (letter.id, letter.subject, letter.html, letter.content_sha256, first_pdf.pdf,
            first_pdf.sha256)
    letter.subject = "iets anders"
    with pytest.raises(ValueError, match="immutable"):
        db.session.flush()
    db.session.rollback()
    content = jury_letters.round_decision(w.rejected, 1, LetterKind.ROUND1_NOT_SELECTED,
                                          w.clock.now)
    v2 = candidacy_letters.issue(content, w.rejected, actor=w.coordinator, now=w.clock.now,
                                 supersedes=letter, correction_reason="Tikfout in de aanhef")
    db.session.commit()
    assert (v2.version, v2.supersedes_id, v2.reference) == (2, letter.id, letter.reference)
    assert v2.content_sha256 == hashlib.sha256(v2.html.encode()).hexdigest()
    assert db.session.get(LetterPdf, v2.id) is None  # made by the worker, after the commit
    w.clock.advance(minutes=5)
    assert send_outbox(mail_config, clock=lambda: w.clock.now)["sent"] == 1
    second = db.session.get(LetterPdf, v2.id)
    assert second.sha256 == hashlib.sha256(second.pdf).hexdigest() != sent[5]
    assert second.sealed_at == w.clock.now  # newly sealed
    db.session.expire_all()  # read the first version back from the database: unchanged
    first = db.session.get(Letter, sent[0])
    stored = db.session.get(LetterPdf, sent[0])
    assert (first.id, first.subject, first.html, first.content_sha256, stored.pdf,
            stored.sha256) == sent
    assert stored.sha256 == hashlib.sha256(stored.pdf).hexdigest()
    assert hashlib.sha256(attachment(smtp.messages[-1], "application/pdf")).hexdigest() \
        == second.sha256


def test_letters_per_criterion_follow_the_decisions(decided, db):
    content = jury_letters.round_decision(decided.rejected, 1, LetterKind.ROUND1_NOT_SELECTED,
                                     decided.clock.now)
    assert [(r.criterion, r.score) for r in content.results] == [
        (Criterion.CRUCIAL_CONTRIBUTION.value, 2), (Criterion.FIT_FOR_PARTNERSHIP.value, 3)]
    assert content.appeal_deadline == appeal_deadline(decided.clock.now)
    assert content.appeal_how


def test_the_stated_deadline_is_never_shortened_by_a_late_delivery(decided, db, mail_config, smtp):
    """A letter delivered two days late: the window runs from the receipt, and never ends
    before the deadline the letter stated."""
    w = decided
    stated = candidacy_queries.latest_letter(w.rejected,
                                             LetterKind.ROUND1_NOT_SELECTED).appeal_deadline
    w.clock.advance(days=2)
    send_outbox(mail_config, clock=lambda: w.clock.now)
    assert w.rejected.notice(1).received_at == w.clock.now
    w.clock.now = stated + timedelta(days=2)
    assert w.appeal(w.rejected).round == 1


def test_a_decision_letter_can_be_previewed_before_the_round_closes(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.start_round_1()
    world.consensus(c, 1, Criterion.CRUCIAL_CONTRIBUTION, 2)
    refused(db, jury_letters.preview_round_decision, c, 1, False, world.clock.now,
            error=IncompleteLetter)
    world.consensus(c, 1, Criterion.FIT_FOR_PARTNERSHIP, 3)
    before = world.count(Letter)
    html = jury_letters.preview_round_decision(c, 1, False, world.clock.now)
    assert "Motivering voor score 2 op crucial_contribution" in html
    assert world.count(Letter) == before  # a preview stores nothing
