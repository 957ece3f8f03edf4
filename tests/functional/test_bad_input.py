"""Issue 14, bad input: every text is refused with a clear message next to its field and
changes nothing, when it holds a NUL or control character or is too long; the database
refuses what a form might miss; the public feed stays valid XML.

Each case was a failing request first: a NUL in the e-mail of the sign-in, registration or
reset form was a 500 on PostgreSQL; a change note with control characters broke the Atom
feed; an observation of 1 MB and an addendum part of 490 kB were stored.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import exc, select, text

from matching.core.errors import DomainError
from matching.oversight.models import Observation
from tests.functional.test_coordinator import LOCAL, addendum_data, local_in
from tests.support import login, snapshot
from workareas.models import AddendumVersion, Procedure

CONTROL = "Deze tekst bevat een onzichtbaar stuurteken"
TOO_LONG = "Deze tekst is te lang"

#: The e-mail field of the three anonymous forms, with a NUL or another control character.
BAD_EMAILS = ["a\x00@example.be", "\x00", "els@debrug.be\x00", "els\x1b@debrug.be",
              "els@debrug.be\n"]
ANONYMOUS_FORMS = {
    "/aanmelden": lambda email: {"email": email, "password": "een lang wachtwoord"},
    "/registreren": lambda email: {
        "organisation_name": "Buurtwerk De Brug", "enterprise_number": "0123456749",
        "legal_form": "vzw", "name": "Els Janssens", "email": email,
        "password": "een lang wachtwoord", "confirm": "een lang wachtwoord"},
    "/wachtwoord-vergeten": lambda email: {"email": email},
}


@pytest.mark.parametrize("path", list(ANONYMOUS_FORMS))
@pytest.mark.parametrize("email", BAD_EMAILS)
def test_a_control_character_in_an_anonymous_e_mail_field_is_refused_next_to_it(
        world, db, client, path, email):
    db.session.commit()
    before = snapshot(db)
    response = client.post(path, data=ANONYMOUS_FORMS[path](email))
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422), page[:300]
    assert 'id="email-error"' in page and ("stuurteken" in page or "één regel" in page)
    db.session.expire_all()
    assert snapshot(db) == before


@pytest.mark.parametrize("value", ["%00", "abc%00def", "%1b[31m"])
def test_a_control_character_in_the_address_is_a_bad_request(db, client, value):
    assert client.get(f"/brieven/echtheid?kenmerk={value}").status_code == 400
    assert client.get(f"/addenda?q={value}").status_code == 400


def test_an_observation_of_a_megabyte_or_with_control_characters_is_refused(
        world, db, client, pages_at_world_time):
    world.decided_procedure()
    login(client, db, world.observer())
    url = f"/observatie/procedures/{world.procedure.id}/opmerkingen"
    before = snapshot(db)
    for bad, message in (("Een opmerking " + "x" * 1_000_000, TOO_LONG),
                         ("Een opmerking met \x00 een NUL erin.", CONTROL),
                         ("Een opmerking met \x07 een bel en \x1b escape.", CONTROL)):
        response = client.post(url, data={"condition": "3", "text": bad})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page
        assert 'id="text-error"' in page and 'href="#text"' in page
    db.session.expire_all()
    assert snapshot(db) == before
    # a multi-line text with a tab is fine
    response = client.post(url, data={"condition": "3",
                                      "text": "Twee regels:\r\n\tde tweede ingesprongen."})
    assert response.status_code == 302
    assert db.session.scalar(select(Observation.text)).startswith("Twee regels:")


def _published(world, db, client):
    login(client, db, world.coordinator)
    client.post(f"/coordinatie/werkingsgebieden/{world.area.id}/procedures",
                data={"title": "Matching 2027"})
    procedure = db.session.scalar(select(Procedure))
    url = f"/coordinatie/procedures/{procedure.id}/addendum"
    assert client.post(url, data=addendum_data(local_in(weeks=7))).status_code == 302
    start = local_in(weeks=9)
    assert client.post(f"/coordinatie/procedures/{procedure.id}/pitchmomenten",
                       data={"starts_at": start.strftime(LOCAL),
                             "ends_at": (start + timedelta(hours=1)).strftime(LOCAL),
                             "location": "Stadhuis"}).status_code == 302
    assert client.post(f"/coordinatie/procedures/{procedure.id}/publiceren",
                       data={"bevestigd": "1"}).status_code == 302
    return procedure, url


def test_an_addendum_part_of_490_kb_or_a_control_character_is_refused(world, db, client):
    procedure, url = _published(world, db, client)
    before = snapshot(db)
    cases = [({"needs-0-description": "x" * 490_000}, "needs-0-description", TOO_LONG),
             ({"needs-0-title": "Toeleiding\nnaar werk"}, "needs-0-title", "één regel"),
             ({"challenges-0-objectives": "Meer \x0b begeleiding"}, "challenges-0-objectives",
              CONTROL),
             ({"contacts-0-name": "An \u0085Peeters"}, "contacts-0-name", CONTROL),
             ({"change_note": "Nieuw\x0c: een tweede nood."}, "change_note", CONTROL)]
    for extra, field, message in cases:
        data = addendum_data(local_in(weeks=7), **({"change_note": "Een tweede versie."} | extra))
        response = client.post(url, data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, field
        assert f'id="{field}-error"' in page and message in page, field
    db.session.expire_all()
    assert snapshot(db) == before


def test_the_atom_feed_stays_valid_xml_whatever_was_typed(world, db, client):
    procedure, url = _published(world, db, client)
    data = addendum_data(local_in(weeks=7), change_note="Nieuw:\n\t<b>een nood</b> & \x01")
    assert client.post(url, data=data).status_code == 422  # the control character
    data["change_note"] = "Nieuw:\n\t<b>een nood</b> & ]]> \"quotes\" 😀 Łódź"
    assert client.post(url, data=data).status_code == 302
    feed = client.get("/addenda/feed.atom")
    root = etree.fromstring(feed.data)  # raises on invalid XML
    assert "Łódź" in etree.tostring(root, encoding="unicode")


def test_the_database_session_refuses_what_a_form_might_miss(world, db):
    """The last line: a NUL, a control character or an over-long one-line text never
    reaches the database, whoever sets it (an operation, a script)."""
    db.session.commit()
    world.admin.name = "Beheer\x00der"
    with pytest.raises(DomainError, match="stuurteken"):
        db.session.flush()
    db.session.rollback()
    world.admin.name = "Beheerder\nnieuwe regel"
    with pytest.raises(DomainError, match="één regel"):
        db.session.flush()
    db.session.rollback()
    world.admin.name = "x" * 201  # String(200)
    with pytest.raises(DomainError, match="te lang"):
        db.session.flush()
    db.session.rollback()


def test_the_database_bounds_long_free_text_with_a_check_constraint(world, db):
    """SQLite ignores VARCHAR lengths, so the migration adds CHECK constraints: a text of
    20 001 characters is refused by the database itself (here written past the ORM)."""
    world.published_procedure()
    db.session.commit()
    version_id = db.session.scalar(select(AddendumVersion.id))
    with pytest.raises(exc.IntegrityError):
        db.session.execute(text("UPDATE addendum_version SET change_note = :v WHERE id = :id"),
                           {"v": "x" * 20_001, "id": version_id})
    db.session.rollback()
    db.session.execute(text("UPDATE addendum_version SET change_note = :v WHERE id = :id"),
                       {"v": "x" * 20_000, "id": version_id})
    db.session.rollback()
