"""Issue 13: pitch scheduling as people plan days. A pitch session cut into slots, the
coordinator assigning or the organisation picking a free slot before a date (first come,
first served), no overlapping pitches for one jury, a moved pitch cancelling the earlier
invitation (same UID; the update with a higher SEQUENCE), and a no-show."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from juries import round_operations as round_ops
from juries.models import PitchAppointment
from matching.candidacies.models import Letter
from matching.candidacies.rules import CandidacyState
from matching.core.dates import BRUSSELS
from matching.core.errors import PermissionDenied
from matching.letters.content import LetterKind
from matching.mail.models import OutboxMessage
from tests.support import refused
from workareas import operations as area_ops
from workareas.models import PitchSession
from workareas.rules import SessionPlan


def local(day, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS)


@pytest.fixture
def selected(world, db):
    """Two candidacies selected in round 1 (A and B), one without a pitch yet; a session
    on the 20th day after the deadline, 09:00–11:00, 20-minute slots, 10 minutes between,
    open for choosing for five days."""
    world.published_procedure()
    world.a, world.b = world.apply("Jobkracht vzw"), world.apply("Buurtwerk De Brug")
    world.start_round_1()
    for c in (world.a, world.b):
        world.decide(c, 1, (3, 3))
    world.close_round(1)
    world.day = (world.procedure.candidacy_deadline + timedelta(days=20)).astimezone(BRUSSELS)
    world.session = area_ops.add_pitch_session(
        world.procedure, SessionPlan(local(world.day, 9), local(world.day, 11), 20, 10),
        "Stadhuis Aalst, zaal 2", pick_until=world.clock.now + timedelta(days=5),
        actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    return world


def test_a_session_is_cut_into_slots_of_the_procedure(selected, db):
    s = selected.session
    assert [(x.starts_at.astimezone(BRUSSELS).strftime("%H:%M"),
             x.ends_at.astimezone(BRUSSELS).strftime("%H:%M")) for x in s.slots] == [
        ("09:00", "09:20"), ("09:30", "09:50"), ("10:00", "10:20"), ("10:30", "10:50")]
    assert all(x.procedure_id == selected.procedure.id and x.location == "Stadhuis Aalst, zaal 2"
               for x in s.slots)
    assert len(selected.procedure.pitch_slots) == 4 + 4  # the four moments of the addendum


def test_overlapping_pitches_of_one_jury_are_refused(selected, db):
    w = selected
    refused(db, area_ops.add_pitch_session, w.procedure,
            SessionPlan(local(w.day, 10, 50), local(w.day, 12), 20), "Elders",
            actor=w.coordinator, now=w.clock.now, match="twee plaatsen tegelijk")
    moment = w.procedure.pitch_slots[0]  # a pitch moment of the addendum, 45 minutes
    refused(db, area_ops.add_pitch_slot, w.procedure, moment.starts_at + timedelta(minutes=44),
            moment.ends_at + timedelta(hours=1), "Elders", actor=w.coordinator, now=w.clock.now,
            match="overlapt")
    # touching is allowed: the afternoon starts when the morning ends
    area_ops.add_pitch_session(w.procedure, SessionPlan(local(w.day, 11), local(w.day, 12), 30),
                               "https://meet.example.org/pitch", actor=w.coordinator,
                               now=w.clock.now)


def test_a_pitch_moment_before_the_deadline_says_so(selected, db):
    w = selected
    before = w.procedure.candidacy_deadline - timedelta(hours=2)
    w.clock.now = before - timedelta(days=1)
    error = refused(db, area_ops.add_pitch_slot, w.procedure, before,
                    before + timedelta(minutes=30), "Stadhuis", actor=w.coordinator,
                    now=w.clock.now)
    assert "vóór de deadline" in error.message and "ligt na de deadline" not in error.message


def test_a_session_without_room_for_one_slot_or_a_pick_date_after_its_start_is_refused(
        selected, db):
    w = selected
    refused(db, area_ops.add_pitch_session, w.procedure,
            SessionPlan(local(w.day, 14), local(w.day, 14, 15), 20), "Stadhuis",
            actor=w.coordinator, now=w.clock.now, match="geen enkel pitch-slot")
    refused(db, area_ops.add_pitch_session, w.procedure,
            SessionPlan(local(w.day, 14), local(w.day, 16), 20), "Stadhuis",
            pick_until=local(w.day, 14, 1), actor=w.coordinator, now=w.clock.now,
            match="tussen nu en het begin")


def test_organisations_pick_free_slots_first_come_first_served(selected, db):
    w = selected
    first, second = w.session.slots[:2]
    a_user, b_user = w.applicant(w.a.organisation), w.applicant(w.b.organisation)
    round_ops.pick_pitch_slot(w.a, first, actor=a_user, now=w.clock.now)
    db.session.commit()
    refused(db, round_ops.pick_pitch_slot, w.b, first, actor=b_user, now=w.clock.now,
            match="andere organisatie")
    refused(db, round_ops.pick_pitch_slot, w.a, second, actor=a_user, now=w.clock.now,
            match="vraag de coördinator")
    refused(db, round_ops.pick_pitch_slot, w.b, second, actor=a_user, now=w.clock.now,
            error=PermissionDenied)
    round_ops.pick_pitch_slot(w.b, second, actor=b_user, now=w.clock.now)
    db.session.commit()
    taken = dict(db.session.execute(select(PitchAppointment.candidacy_id,
                                           PitchAppointment.slot_id)).tuples().all())
    assert taken == {w.a.id: first.id, w.b.id: second.id}
    # the invitation names the slot itself
    letter = db.session.scalar(select(Letter).where(Letter.candidacy_id == w.a.id,
                                                    Letter.kind == LetterKind.ROUND1_SELECTED))
    event = Calendar.from_ical(letter.ics).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == first.starts_at
    assert event.decoded("DTEND") == first.ends_at


def test_picking_closes_at_its_date_and_needs_a_session_opened_for_it(selected, db):
    w = selected
    a_user = w.applicant(w.a.organisation)
    refused(db, round_ops.pick_pitch_slot, w.a, w.session.slots[0], actor=a_user,
            now=w.session.pick_until, match="Kiezen kon tot")
    moment = w.procedure.pitch_slots[0]  # a pitch moment without a session
    refused(db, round_ops.pick_pitch_slot, w.a, moment, actor=a_user, now=w.clock.now,
            match="wijst de coördinator")


def _event(ics: bytes):
    calendar = Calendar.from_ical(ics)
    return str(calendar["METHOD"]), calendar.walk("VEVENT")[0]


def test_rescheduling_sends_an_update_and_a_cancellation_of_the_same_event(selected, db):
    w = selected
    old, new = w.session.slots[0], w.session.slots[3]
    round_ops.plan_pitch(w.a, old, actor=w.coordinator, now=w.clock.now)
    db.session.commit()
    first = db.session.scalar(select(Letter).where(Letter.candidacy_id == w.a.id,
                                                   Letter.kind == LetterKind.ROUND1_SELECTED))
    method, invited = _event(first.ics)
    assert method == "REQUEST"
    w.clock.advance(hours=1)
    round_ops.plan_pitch(w.a, new, actor=w.coordinator, now=w.clock.now)
    db.session.commit()
    letters = db.session.scalars(select(Letter).where(
        Letter.candidacy_id == w.a.id, Letter.kind == LetterKind.ROUND1_SELECTED)
        .order_by(Letter.version)).all()
    assert [x.version for x in letters] == [1, 2]
    method, updated = _event(letters[1].ics)
    assert method == "REQUEST" and updated["UID"] == invited["UID"]
    assert int(updated["SEQUENCE"]) > int(invited["SEQUENCE"])
    assert updated.decoded("DTSTART") == new.starts_at
    cancellations = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.calendar.is_not(None))).all()
    assert len(cancellations) == 1
    method, cancelled = _event(cancellations[0].calendar)
    assert method == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["UID"] == invited["UID"]
    assert int(invited["SEQUENCE"]) <= int(cancelled["SEQUENCE"]) < int(updated["SEQUENCE"])
    assert cancelled.decoded("DTSTART") == old.starts_at  # the old moment is what is cancelled
    assert "verplaatst" in cancellations[0].subject
    assert "09:00" in cancellations[0].body_text
    # the old slot is free again, the new one taken
    assert db.session.scalar(select(PitchAppointment.slot_id).where(
        PitchAppointment.candidacy_id == w.a.id)) == new.id
    refused(db, round_ops.plan_pitch, w.a, new, actor=w.coordinator, now=w.clock.now,
            match="al op dit moment")


def test_a_no_show_is_recorded_and_is_not_admitted_in_round_2(selected, db):
    w = selected
    a_slot, b_slot = w.session.slots[0], w.session.slots[1]
    round_ops.plan_pitch(w.a, a_slot, actor=w.coordinator, now=w.clock.now)
    round_ops.plan_pitch(w.b, b_slot, actor=w.coordinator, now=w.clock.now)
    db.session.commit()
    refused(db, round_ops.record_no_show, w.a, "Niemand kwam opdagen.", actor=w.coordinator,
            now=a_slot.starts_at - timedelta(minutes=1), match="pas na het begin")
    w.clock.now = b_slot.ends_at + timedelta(minutes=5)
    refused(db, round_ops.record_no_show, w.a, "kort", actor=w.coordinator, now=w.clock.now,
            match="minstens 10 tekens")
    refused(db, round_ops.record_no_show, w.a, "Niemand kwam opdagen, geen bericht.",
            actor=w.applicant(w.a.organisation), now=w.clock.now, error=PermissionDenied)
    appointment = round_ops.record_no_show(w.a, "Niemand kwam opdagen, geen bericht.",
                                           actor=w.coordinator, now=w.clock.now)
    assert appointment.no_show_at == w.clock.now and appointment.held_at is None
    round_ops.record_pitch_held(w.b, "De pitch verliep vlot en concreet.", actor=w.coordinator,
                                now=w.clock.now)
    db.session.commit()
    refused(db, round_ops.record_pitch_held, w.a, "Toch gehouden volgens iemand.",
            actor=w.coordinator, now=w.clock.now, match="niet opgedaagd")
    refused(db, round_ops.record_no_show, w.a, "Nogmaals niet gekomen.", actor=w.coordinator,
            now=w.clock.now, match="al geregistreerd")
    # the jury gives its final score (the moment passed); the no-show is not admitted
    for c in (w.a, w.b):
        w.decide(c, 2, (3, 3))
    w.close_round(2)
    db.session.commit()
    assert w.a.state == CandidacyState.NOT_SELECTED_R2
    assert w.b.state == CandidacyState.ADMITTED_TO_STEP4
    # the letter says why, next to the scores (which alone would pass)
    letter = db.session.scalar(select(Letter).where(
        Letter.candidacy_id == w.a.id, Letter.kind == LetterKind.ROUND2_NOT_ADMITTED))
    assert "niet gekomen naar het matchingsgesprek" in letter.text
    assert "haalt niet op beide criteria" not in letter.text


def test_a_new_slot_after_a_no_show_clears_it(selected, db):
    w = selected
    round_ops.plan_pitch(w.a, w.session.slots[0], actor=w.coordinator, now=w.clock.now)
    w.clock.now = w.session.slots[0].ends_at
    round_ops.record_no_show(w.a, "Trein afgeschaft, verwittigd.", actor=w.coordinator,
                             now=w.clock.now)
    later = w.procedure.pitch_slots[-1]
    appointment = round_ops.plan_pitch(w.a, later, actor=w.coordinator, now=w.clock.now)
    assert appointment.no_show_at is None and appointment.slot_id == later.id
    # the earlier moment lies in the past: nothing to cancel in a calendar
    assert not db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.calendar.is_not(None))).all()


def test_sessions_belong_to_the_procedure(selected, db):
    assert db.session.scalars(select(PitchSession)).all() == [selected.session]


def test_a_pitch_session_added_while_candidacies_are_open_is_a_new_addendum_version(world, db):
    """Issue 12: pitch moments are part of the addendum's versions. In the draft they are
    simply added; after publication, while the intake is open, a new visible version."""
    p = world.draft_procedure()
    day = (p.candidacy_deadline + timedelta(days=30)).astimezone(BRUSSELS)
    area_ops.add_pitch_session(p, SessionPlan(local(day, 9), local(day, 10), 20), "Stadhuis",
                               actor=world.coordinator, now=world.clock.now)
    assert [v.number for v in p.versions] == [1]
    area_ops.publish_addendum(p, actor=world.coordinator, now=world.clock.now)
    world.clock.advance(days=1)
    area_ops.add_pitch_session(p, SessionPlan(local(day, 14), local(day, 15), 20), "Stadhuis",
                               actor=world.coordinator, now=world.clock.now)
    assert [v.number for v in p.versions] == [1, 2]
    latest = p.versions[-1]
    assert latest.published_at == world.clock.now
    assert "Pitch-moment toegevoegd" in latest.change_note and "14:00 tot 15:00" in \
        latest.change_note
    assert latest.candidacy_deadline == p.versions[0].candidacy_deadline
    assert [n.title for n in latest.needs] == [n.title for n in p.versions[0].needs]
