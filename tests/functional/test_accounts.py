"""Self-registration, e-mail confirmation and password reset."""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from matching.accounts.models import Organisation, User
from matching.accounts.rules import OrganisationKind, Role
from matching.mail.models import OutboxMessage
from tests.helpers import count_rows
from tests.support import kbo, snapshot

GOOD = {"organisation_name": "Buurtwerk De Brug", "enterprise_number": kbo(901),
        "legal_form": "vzw", "name": "Els Janssens", "email": "Els@Debrug.be",
        "password": "een lang wachtwoord", "confirm": "een lang wachtwoord",
        "kind": "NONPROFIT", "seat_nis_code": "44021"}


def last_link(db, path: str) -> str:
    """The path of the link in the latest e-mail: it starts with the configured address of
    the site (BASE_URL), whatever Host the request named."""
    body = db.session.scalars(select(OutboxMessage.body_text)
                              .order_by(OutboxMessage.id.desc())).first()
    base = re.escape(current_app.config["BASE_URL"])
    return re.search(rf"{base}(/{path}/\S+)", body).group(1)


def test_registration_creates_an_inactive_applicant_and_queues_a_confirmation(db, client):
    response = client.post("/registreren", data=GOOD)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "els@debrug.be"))
    organisation = db.session.scalar(select(Organisation))
    assert not user.active and organisation.kind == OrganisationKind.NONPROFIT
    assert organisation.seat_nis_code == "44021"  # Gent
    assert user.has_role(Role.APPLICANT, organisation_id=organisation.id)
    message = db.session.scalar(select(OutboxMessage))
    assert message.to_addresses == "els@debrug.be" and "/bevestigen/" in message.body_text
    # an inactive account cannot log in yet
    login = client.post("/aanmelden", data={"email": "els@debrug.be",
                                            "password": GOOD["password"]})
    assert login.status_code == 422


def test_a_wrong_enterprise_number_is_shown_next_to_the_field_and_creates_nothing(db, client):
    before = snapshot(db)
    response = client.post("/registreren", data=dict(GOOD, enterprise_number="0123456780"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="enterprise_number-error"' in html and "ongeldig" in html
    assert 'href="#enterprise_number"' in html  # the error summary links to the field
    assert 'aria-invalid="true"' in html
    assert snapshot(db) == before


def test_a_short_password_or_a_mismatch_is_refused(db, client):
    response = client.post("/registreren", data=dict(GOOD, password="kort", confirm="kort"))
    assert response.status_code == 422 and "minstens 12 tekens" in response.get_data(as_text=True)
    response = client.post("/registreren", data=dict(GOOD, confirm="iets heel anders"))
    assert response.status_code == 422 and 'id="confirm-error"' in response.get_data(as_text=True)
    assert count_rows(db, User) == 0 and count_rows(db, Organisation) == 0


def test_the_confirmation_link_works_once_and_only_untampered(db, client):
    client.post("/registreren", data=GOOD)
    path = last_link(db, "bevestigen")
    page = client.get(path)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    db.session.expire_all()
    assert not db.session.scalar(select(User)).active  # GET changes nothing
    assert client.get(path[:-3] + "abc").status_code == 404
    assert client.post(path[:-3] + "abc").status_code == 422
    db.session.expire_all()
    assert not db.session.scalar(select(User)).active
    assert client.post(path).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(User)).active
    again = client.post(path)
    assert again.status_code == 422 and "al bevestigd" in again.get_data(as_text=True)
    assert client.get(path).status_code == 404
    login = client.post("/aanmelden", data={"email": "els@debrug.be",
                                            "password": GOOD["password"]})
    assert login.status_code == 302


def test_password_reset_says_the_same_and_its_link_works_once(world, db, client):
    db.session.commit()
    unknown = client.post("/wachtwoord-vergeten", data={"email": "niemand@example.be"})
    assert count_rows(db, OutboxMessage) == 0
    known = client.post("/wachtwoord-vergeten", data={"email": "admin@wse.example"})
    assert count_rows(db, OutboxMessage) == 1
    assert unknown.status_code == known.status_code == 200

    def without_values(response) -> str:
        return re.sub(r'value="[^"]*"', "", response.get_data(as_text=True))

    assert without_values(unknown) == without_values(known)
    path = last_link(db, "wachtwoord-herstellen")
    assert client.get(path[:-3] + "xyz").status_code == 404
    assert client.get(path).status_code == 200
    short = client.post(path, data={"password": "kort", "confirm": "kort"})
    assert short.status_code == 422
    new = "een nieuw lang wachtwoord"
    assert client.post(path, data={"password": new, "confirm": new}).status_code == 302
    assert client.post(path, data={"password": new + "!", "confirm": new + "!"}).status_code == 404
    assert client.post("/aanmelden", data={"email": "admin@wse.example",
                                           "password": new}).status_code == 302


def test_links_in_e_mails_never_follow_the_requests_host(world, db, client):
    """A client that names another Host (``evil.example``) still gets links to this site:
    a reset link that pointed elsewhere would hand a valid token to that host."""
    db.session.commit()
    response = client.post("/wachtwoord-vergeten", data={"email": "admin@wse.example"},
                           base_url="http://evil.example")
    assert response.status_code == 400  # a host not configured is not answered at all
    assert db.session.scalars(select(OutboxMessage.body_text)).all() == []
    # a configured name other than BASE_URL's still gets links to BASE_URL
    response = client.post("/wachtwoord-vergeten", data={"email": "admin@wse.example"},
                           base_url="http://localhost:8080")
    assert response.status_code == 200
    body = db.session.scalars(select(OutboxMessage.body_text)).one()
    assert "localhost" not in body
    assert current_app.config["BASE_URL"] + "/wachtwoord-herstellen/" in body


def test_registration_asks_for_the_kind_and_the_seat(db, client):
    """Issue 11: R-CAND-2 follows from the kind and the seat, so both are asked."""
    page = client.get("/registreren").get_data(as_text=True)
    assert 'value="MUNICIPALITY"' in page and 'value="VDAB"' not in page
    assert '<option value="73111">Tongeren-Borgloon</option>' in page
    before = snapshot(db)
    for data, field in [(dict(GOOD, kind=""), "kind"), (dict(GOOD, kind="VDAB"), "kind"),
                        (dict(GOOD, seat_nis_code=""), "seat_nis_code"),
                        (dict(GOOD, seat_nis_code="21004"), "seat_nis_code")]:  # Brussel
        response = client.post("/registreren", data=data)
        assert response.status_code == 422, data
        assert f'id="{field}-error"' in response.get_data(as_text=True), data
    db.session.rollback()
    assert snapshot(db) == before
    response = client.post("/registreren", data=dict(GOOD, kind="MUNICIPALITY",
                                                     seat_nis_code="41034"))
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation))
    assert (organisation.kind, organisation.seat_nis_code) == (OrganisationKind.MUNICIPALITY,
                                                               "41034")
def test_an_unconfirmed_account_is_told_so_and_can_ask_a_new_confirmation(db, client):
    """Issue 13: signing in before confirming says so (not "wrong password"), and a new
    confirmation mail can be asked for; the answer is the same for unknown addresses."""
    assert client.post("/registreren", data=GOOD).status_code == 302
    page = client.post("/aanmelden", data={"email": "els@debrug.be",
                                           "password": GOOD["password"]}).get_data(as_text=True)
    assert "Uw account is nog niet bevestigd" in page
    assert "niet juist" not in page
    assert "/bevestiging-opnieuw?email=els@debrug.be" in page
    wrong = client.post("/aanmelden", data={"email": "els@debrug.be", "password": "fout fout"})
    assert "nog niet bevestigd" not in wrong.get_data(as_text=True)  # only with the password
    before = count_rows(db, OutboxMessage)
    sent = client.post("/bevestiging-opnieuw", data={"email": "els@debrug.be"})
    assert sent.status_code == 200 and "nieuwe bevestigingsmail" in sent.get_data(as_text=True)
    assert count_rows(db, OutboxMessage) == before + 1
    link = last_link(db, "bevestigen")
    unknown = client.post("/bevestiging-opnieuw", data={"email": "niemand@example.be"})
    def said(response) -> str:
        return response.get_data(as_text=True).split("<main", 1)[1]
    assert said(unknown) == said(sent)  # the same answer for an unknown address
    assert count_rows(db, OutboxMessage) == before + 1
    assert client.post(link).status_code == 302  # the new link confirms the account
    assert db.session.scalar(select(User.active).where(User.email == "els@debrug.be"))


def test_the_sign_in_page_links_to_password_reset_and_required_fields_are_named(db, client):
    page = client.get("/aanmelden").get_data(as_text=True)
    assert 'href="/wachtwoord-vergeten"' in page
    page = client.post("/registreren", data={}).get_data(as_text=True)
    assert "Dit veld is vereist." not in page
    for label in ("Naam van de organisatie", "Ondernemingsnummer", "Uw naam", "Wachtwoord"):
        assert f"{label}: vul dit veld in." in page


def test_a_wrong_enterprise_number_and_a_short_password_are_shown_together(db, client):
    """Issue 13: every problem at once, not the enterprise number after the passwords."""
    data = dict(GOOD, enterprise_number="0123.456.789", password="kort", confirm="kort")
    page = client.post("/registreren", data=data).get_data(as_text=True)
    assert 'href="#enterprise_number"' in page and 'href="#password"' in page
    assert "minstens 12 tekens" in page
