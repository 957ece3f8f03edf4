"""Issue 13, the pages of pitch scheduling: the coordinator's pitch planning (a session cut
into slots, an overlap refused next to the field), the organisation choosing a free slot
(first come, first served), and a no-show recorded on the round-2 board."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from juries.models import PitchAppointment
from matching.core.dates import BRUSSELS, to_utc
from tests.support import addendum_as_objects, login
from workareas.models import PitchSession


@pytest.fixture
def round_2(world, db, pages_at_world_time):
    world.published_procedure()
    world.a, world.b = world.apply("Jobkracht vzw"), world.apply("Buurtwerk De Brug")
    world.start_round_1()
    for c in (world.a, world.b):
        world.decide(c, 1, (3, 3))
    world.close_round(1)
    db.session.commit()
    world.day = (world.procedure.candidacy_deadline + timedelta(days=20)).astimezone(BRUSSELS)
    return world


def session_form(w, **changes) -> dict:
    data = {"day": w.day.strftime("%Y-%m-%d"), "starts_at": "09:00", "ends_at": "11:00",
            "location": "Stadhuis Aalst, zaal 2", "slot_minutes": "20", "break_minutes": "10",
            "pause_after": "", "pause_minutes": "0",
            "pick_until": (w.clock.now + timedelta(days=5)).astimezone(BRUSSELS)
            .strftime("%Y-%m-%dT%H:%M")}
    data.update(changes)
    return data


def test_the_coordinator_plans_a_session_and_an_overlap_is_refused(round_2, db, client):
    w = round_2
    login(client, db, w.coordinator)
    url = f"/coordinatie/procedures/{w.procedure.id}/pitchplanning"
    page = client.get(url).get_data(as_text=True)
    assert "Nog zonder pitch-slot" in page
    assert "Jobkracht vzw" in page and "Buurtwerk De Brug" in page
    response = client.post(f"/coordinatie/procedures/{w.procedure.id}/pitchsessies",
                           data=session_form(w))
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "De pitchsessie is toegevoegd." in page
    for slot in ("09:00–09:20", "09:30–09:50", "10:00–10:20", "10:30–10:50"):
        assert slot in page
    assert "Organisaties kiezen zelf een vrij slot tot" in page
    # an overlapping session: refused with a clear message, nothing added
    response = client.post(f"/coordinatie/procedures/{w.procedure.id}/pitchsessies",
                           data=session_form(w, starts_at="10:45", ends_at="12:00", pick_until=""))
    assert response.status_code == 422
    assert "twee plaatsen tegelijk" in response.get_data(as_text=True)
    assert 'id="starts_at-error"' in response.get_data(as_text=True)  # next to the field
    # a slot that does not fit: the message next to the duration field
    response = client.post(f"/coordinatie/procedures/{w.procedure.id}/pitchsessies",
                           data=session_form(w, starts_at="14:00", ends_at="14:10", pick_until=""))
    assert response.status_code == 422
    assert "geen enkel pitch-slot" in response.get_data(as_text=True)
    assert 'id="slot_minutes-error"' in response.get_data(as_text=True)
    assert len(db.session.scalars(select(PitchSession)).all()) == 1


def _session(w, db, client):
    login(client, db, w.coordinator)
    assert client.post(f"/coordinatie/procedures/{w.procedure.id}/pitchsessies",
                       data=session_form(w)).status_code == 302
    return db.session.scalar(select(PitchSession))


def test_organisations_choose_a_free_slot_first_come_first_served(round_2, db, client):
    w = round_2
    session = _session(w, db, client)
    first = session.slots[0]
    login(client, db, w.applicant(w.a.organisation))
    url = f"/kandidaturen/{w.a.id}/pitch-kiezen"
    assert f'href="{url}"' in client.get(f"/kandidaturen/{w.a.id}").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert "Kies een vrij moment" in page and "09:00–09:20" in page
    assert client.post(url, data={"slot": str(first.id)}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Uw geplande pitch" in page and "09:00–09:20" in page
    # the other organisation no longer sees it, and taking it anyway is refused
    login(client, db, w.applicant(w.b.organisation))
    other = f"/kandidaturen/{w.b.id}/pitch-kiezen"
    page = client.get(other).get_data(as_text=True)
    assert "09:00–09:20" not in page and "09:30–09:50" in page
    response = client.post(other, data={"slot": str(first.id)})
    assert response.status_code == 422
    assert "andere organisatie" in response.get_data(as_text=True)
    # nothing chosen: said next to the field
    response = client.post(other, data={})
    assert response.status_code == 422 and "Kies een vrij moment." in response.get_data(
        as_text=True)
    # another organisation's candidacy is not found
    assert client.get(url).status_code == 404
    taken = db.session.scalars(select(PitchAppointment.candidacy_id)).all()
    assert taken == [w.a.id]


def test_a_no_show_is_recorded_on_the_round_2_board(round_2, db, client):
    w = round_2
    session = _session(w, db, client)
    slot = session.slots[0]
    board = f"/coordinatie/procedures/{w.procedure.id}/rondes/2"
    assert client.post(f"/coordinatie/kandidaturen/{w.a.id}/pitch",
                       data={f"pitch{w.a.id}-slot": str(slot.id)}).status_code == 302
    w.clock.now = slot.starts_at + timedelta(minutes=15)
    response = client.post(f"/coordinatie/kandidaturen/{w.a.id}/niet-opgedaagd",
                           data={f"noshow{w.a.id}-note": ""})
    assert response.status_code == 422 and "Noteer kort wat er gebeurde." in response.get_data(
        as_text=True)
    response = client.post(f"/coordinatie/kandidaturen/{w.a.id}/niet-opgedaagd",
                           data={f"noshow{w.a.id}-note": "Niemand kwam, geen bericht."})
    assert response.status_code == 302
    page = client.get(board).get_data(as_text=True)
    assert "Geregistreerd: de organisatie is niet opgedaagd." in page
    assert "niet opgedaagd" in page
    appointment = db.session.scalar(select(PitchAppointment))
    assert appointment.no_show_note == "Niemand kwam, geen bericht."


def test_the_board_offers_the_pitch_outcome_once_the_moment_began(round_2, db, client):
    """R-PITCH-1 (issue 13): the board asks the operations' rule (``check_pitch_outcome``)
    before it offers 'held' and 'no-show'; before the moment it says when they come, and a
    post made anyway is refused with the rule's reason."""
    w = round_2
    session = _session(w, db, client)
    slot = session.slots[0]
    board = f"/coordinatie/procedures/{w.procedure.id}/rondes/2"
    assert client.post(f"/coordinatie/kandidaturen/{w.a.id}/pitch",
                       data={f"pitch{w.a.id}-slot": str(slot.id)}).status_code == 302
    w.clock.now = slot.starts_at - timedelta(minutes=1)
    page = client.get(board).get_data(as_text=True)
    assert "Na het begin van het pitch-moment registreert u hier" in page
    assert "Pitch als gehouden registreren" not in page
    assert "Niet opgedaagd registreren" not in page
    response = client.post(f"/coordinatie/kandidaturen/{w.a.id}/pitch-gehouden",
                           data={f"held{w.a.id}-report": "De pitch verliep concreet en vlot."})
    assert response.status_code == 422
    assert "pas na het begin van het pitch-moment" in response.get_data(as_text=True)
    assert db.session.scalar(select(PitchAppointment.held_at)) is None

    w.clock.now = slot.starts_at  # the first instant of the moment
    page = client.get(board).get_data(as_text=True)
    assert "Pitch als gehouden registreren" in page and "Niet opgedaagd registreren" in page
    assert "Na het begin van het pitch-moment registreert u hier" not in page


def test_the_task_lists_say_plan_the_pitches_and_choose_your_slot(round_2, db, client):
    w = round_2
    login(client, db, w.coordinator)
    home = client.get("/").get_data(as_text=True)
    assert "Geselecteerde kandidaturen zonder pitch-moment: 2." in home
    _session(w, db, client)
    login(client, db, w.applicant(w.a.organisation))
    home = client.get("/").get_data(as_text=True)
    assert "Kies het moment van de pitch van Jobkracht vzw." in home
    assert f'href="/kandidaturen/{w.a.id}/pitch-kiezen"' in home
    slot = db.session.scalar(select(PitchSession)).slots[0]
    client.post(f"/kandidaturen/{w.a.id}/pitch-kiezen", data={"slot": str(slot.id)})
    home = client.get("/").get_data(as_text=True)
    assert "Kies het moment van de pitch" not in home
    assert "Pitch van Jobkracht vzw in Stadhuis Aalst, zaal 2: lees de uitnodiging." in home
    login(client, db, w.coordinator)
    assert "Geselecteerde kandidaturen zonder pitch-moment: 1." in client.get("/").get_data(
        as_text=True)


def test_the_public_addendum_shows_the_pitch_day_not_every_slot(round_2, db, client):
    w = round_2
    _session(w, db, client)
    client.post("/afmelden")
    page = client.get(f"/addenda/{w.procedure.id}").get_data(as_text=True)
    day = w.day.strftime("%d-%m-%Y")
    assert f"{day} 09:00 – 11:00, Stadhuis Aalst, zaal 2 (pitches van 20 minuten)" in page
    assert "09:30" not in page  # the slots are the organisations', not the public's
    served, from_objects = addendum_as_objects(client, w.procedure.id)  # issue 17: as columns
    assert served == from_objects


def test_the_round_board_offers_only_slots_still_ahead(round_2, db, client):
    """A slot already begun cannot be planned (the operation refuses it), so the round-2
    board does not offer it either."""
    from juries.queries import slot_label
    from workareas.models import PitchSlot

    w = round_2
    session = _session(w, db, client)
    slots = sorted(db.session.scalars(select(PitchSlot).where(
        PitchSlot.session_id == session.id)), key=lambda s: s.starts_at)
    first, second = slot_label(slots[0]), slot_label(slots[1])
    board = f"/coordinatie/procedures/{w.procedure.id}/rondes/2"
    page = client.get(board).get_data(as_text=True)
    assert first in page and second in page
    w.clock.now = to_utc(slots[0].starts_at) + timedelta(minutes=1)
    page = client.get(board).get_data(as_text=True)
    assert first not in page
    assert second in page
