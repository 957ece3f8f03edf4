"""The administrator's pages: organisations, accounts, invitations and their acceptance."""

import re
from datetime import UTC

from sqlalchemy import select

from matching.accounts.models import Organisation, User
from matching.accounts.rules import Role
from matching.mail.models import OutboxMessage
from tests.support import QueryCounter, kbo, login, snapshot


def org_data(**kw):
    data = {"name": "Werkwinkel vzw", "enterprise_number": kbo(500), "legal_form": "vzw",
            "kind": "OTHER", "email": ""}
    data.update(kw)
    return data


def test_register_an_organisation_and_list_it(world, db, client):
    login(client, db, world.admin)
    assert "Organisaties" in client.get("/beheer/organisaties").get_data(as_text=True)
    r = client.post("/beheer/organisaties", data=org_data())
    assert r.status_code == 302
    assert "Werkwinkel vzw" in client.get("/beheer/organisaties").get_data(as_text=True)
    kind = db.session.scalar(select(Organisation.kind)
                             .where(Organisation.name == "Werkwinkel vzw"))
    assert kind.value == "OTHER"


def test_a_bad_enterprise_number_is_refused_next_to_the_field(world, db, client):
    login(client, db, world.admin)
    before = snapshot(db)
    r = client.post("/beheer/organisaties", data=org_data(enterprise_number="0123456789"))
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and 'id="enterprise_number-error"' in page
    assert 'href="#enterprise_number"' in page
    r = client.post("/beheer/organisaties", data=org_data(kind="SOMETHING"))
    assert r.status_code == 422
    db.session.rollback()
    assert snapshot(db) == before


def test_accounts_list_shows_roles(world, db, client):
    login(client, db, world.admin)
    page = client.get("/beheer/accounts").get_data(as_text=True)
    assert "vdab1@example.be" in page and "Matchmaker voor weerwoorden" in page
    assert "Coördinator van een werkingsgebied (Regio Aalst)" in page


def test_the_accounts_list_issues_the_same_number_of_statements_for_5_and_200(world, db, client):
    login(client, db, world.admin)
    def count():
        with QueryCounter(db) as counter:
            assert client.get("/beheer/accounts").status_code == 200
        return counter.count
    small = count()
    from datetime import datetime

    from matching.accounts.models import RoleGrant
    now = datetime.now(UTC)
    db.session.add_all([User(email=f"u{i}@example.be", name=f"U{i}", created_at=now,
                             grants=[RoleGrant(role=Role.MATCHMAKER, granted_at=now)])
                        for i in range(200)])
    db.session.commit()
    assert count() == small


def invite(client, **kw):
    data = {"email": "nieuw@example.be", "name": "Nieuwe Matchmaker", "role": "matchmaker",
            "work_area_id": "", "organisation_id": ""}
    data.update(kw)
    return client.post("/beheer/uitnodigingen", data=data)


def test_invite_a_person_who_sets_a_password_once(world, db, client):
    login(client, db, world.admin)
    assert client.get("/beheer/uitnodigingen").status_code == 200
    r = invite(client)
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "nieuw@example.be"))
    assert not user.active and user.password_hash is None and user.has_role(Role.MATCHMAKER)
    mail = db.session.scalar(select(OutboxMessage)
                             .where(OutboxMessage.to_addresses == "nieuw@example.be"))
    link = re.search(r"http://[^\s]+/uitnodiging/(\S+)", mail.body_text)
    token = link.group(1)
    client.post("/afmelden")
    r = client.get(f"/uitnodiging/{token}")
    assert r.status_code == 200 and "kies uw wachtwoord" in r.get_data(as_text=True)
    r = client.post(f"/uitnodiging/{token}", data={"password": "kort", "confirm": "kort"})
    assert r.status_code == 422 and "minstens 12 tekens" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash is None
    r = client.post(f"/uitnodiging/{token}",
                    data={"password": "een lang wachtwoord", "confirm": "een lang wachtwoord"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).active
    assert client.get(f"/uitnodiging/{token}").status_code == 404  # only once
    assert client.post("/aanmelden", data={"email": "nieuw@example.be",
                                           "password": "een lang wachtwoord"}).status_code == 302
    assert client.get("/uitnodiging/vervalst-token").status_code == 404


def test_invite_a_coordinator_and_an_applicant_with_their_scope(world, db, client):
    login(client, db, world.admin)
    assert invite(client, email="c@example.be", role="coordinator",
                  work_area_id=str(world.area.id)).status_code == 302
    assert invite(client, email="a@example.be", role="applicant",
                  organisation_id=str(world.city.id)).status_code == 302
    c = db.session.scalar(select(User).where(User.email == "c@example.be"))
    a = db.session.scalar(select(User).where(User.email == "a@example.be"))
    assert c.has_role(Role.COORDINATOR, work_area_id=world.area.id)
    assert a.has_role(Role.APPLICANT, organisation_id=world.city.id)


def test_bad_invitations_are_refused_and_save_nothing(world, db, client):
    login(client, db, world.admin)
    before = snapshot(db)
    r = invite(client, email="vdab1@example.be")  # already a matchmaker (issue 11)
    assert r.status_code == 422 and "heeft deze rol al" in r.get_data(as_text=True)
    r = invite(client, role="coordinator")  # without a work area
    assert r.status_code == 422 and "precies één werkingsgebied" in r.get_data(as_text=True)
    r = invite(client, role="")
    assert r.status_code == 422
    db.session.rollback()
    assert snapshot(db) == before


def test_only_administrators_reach_the_pages(world, db, client):
    assert client.get("/beheer/accounts").status_code == 302
    for user in (world.coordinator, world.mm["vdab1"]):
        login(client, db, user)
        assert client.get("/beheer/organisaties").status_code == 404
        assert client.get("/beheer/accounts").status_code == 404
        assert client.post("/beheer/organisaties", data=org_data()).status_code == 404
    assert invite(client).status_code == 404  # a matchmaker invites nobody
    assert db.session.scalar(select(User).where(User.email == "nieuw@example.be")) is None


def test_a_coordinator_invites_matchmakers_and_coordinators_of_their_own_area(world, db,
                                                                            client):
    login(client, db, world.coordinator)
    assert client.get("/beheer/uitnodigingen").status_code == 200
    area = str(world.area.id)
    assert invite(client, email="mm@example.be", work_area_id=area).status_code == 302
    assert invite(client, email="wm@example.be", role="appeal_matchmaker",
                  work_area_id=area).status_code == 302
    assert invite(client, email="co@example.be", role="coordinator",
                  work_area_id=area).status_code == 302
    invited = {u.email: u for u in db.session.scalars(select(User).where(
        User.email.in_(["mm@example.be", "wm@example.be", "co@example.be"])))}
    assert invited["mm@example.be"].has_role(Role.MATCHMAKER, work_area_id=world.area.id)
    assert invited["wm@example.be"].has_role(Role.APPEAL_MATCHMAKER, work_area_id=world.area.id)
    assert invited["co@example.be"].has_role(Role.COORDINATOR, work_area_id=world.area.id)
    login(client, db, world.mm["vdab1"])
    assert client.get("/beheer/uitnodigingen").status_code == 404
