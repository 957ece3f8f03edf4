"""Issue 11, administration by Europa WSE: one person with several roles and work areas,
granting and revoking each role, deactivation, the accounts' filters, what a coordinator
may grant, the invitation e-mail, and ``flask create-admin``."""

from __future__ import annotations

from sqlalchemy import select

from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from matching.audit.models import AuditEvent
from matching.mail.models import OutboxMessage
from tests.support import login, snapshot


def invite(client, **kw):
    data = {"email": "nieuw@example.be", "name": "Nieuwe Persoon", "role": "matchmaker",
            "work_area_id": "", "organisation_id": ""}
    data.update(kw)
    return client.post("/beheer/uitnodigingen", data=data)


def mail_to(db, address: str) -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_addresses == address)
                              .order_by(OutboxMessage.id.desc())).first()


def test_the_invitation_names_the_role_the_work_area_and_who_invited(world, db, client):
    login(client, db, world.coordinator)
    assert invite(client, email="mm@example.be", work_area_id=str(world.area.id)).status_code \
        == 302
    body = mail_to(db, "mm@example.be").body_text
    assert "Coord nodigt u uit" in body and "als Matchmaker voor het werkingsgebied Regio " \
        "Aalst" in " ".join(body.split())
    assert "coord@example.be" in body and "/uitnodiging/" in body


def test_an_existing_account_gets_the_new_role_instead_of_a_refusal(world, db, client):
    """Before issue 11: "Er bestaat al een account met dit e-mailadres"."""
    world.mm["vdab1"].set_password("een lang wachtwoord")  # an account in use
    login(client, db, world.admin)
    r = invite(client, email="vdab1@example.be", role="coordinator",
               work_area_id=str(world.area.id))
    assert r.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "vdab1@example.be"))
    db.session.refresh(user)
    assert user.has_role(Role.MATCHMAKER)
    assert user.has_role(Role.COORDINATOR, work_area_id=world.area.id)
    body = " ".join(mail_to(db, "vdab1@example.be").body_text.split())
    assert "een nieuwe rol: Coördinator van een werkingsgebied voor het werkingsgebied " \
        "Regio Aalst" in body and "/aanmelden" in body and "/uitnodiging/" not in body
    assert "Er bestaat al een account" not in client.get("/beheer/accounts").get_data(
        as_text=True)


def test_the_coordinators_form_offers_only_their_roles_and_own_work_area(world, db, client):
    world.other_coordinator()
    db.session.commit()
    login(client, db, world.coordinator)
    page = client.get("/beheer/uitnodigingen").get_data(as_text=True)
    for offered in ('value="matchmaker"', 'value="appeal_matchmaker"', 'value="coordinator"',
                    "Regio Aalst"):
        assert offered in page
    for hidden in ('value="observer"', 'value="administrator"', 'value="applicant"',
                   "Regio Gent", "– geen –"):
        assert hidden not in page


def test_forged_invitations_of_a_coordinator_are_refused_in_dutch_and_change_nothing(
        world, db, client):
    """Attack: a coordinator POSTs roles and work areas the form does not offer."""
    _, gent = world.other_coordinator()
    db.session.commit()
    login(client, db, world.coordinator)
    own, other = str(world.area.id), str(gent.id)
    before = snapshot(db)
    forged = [dict(role="observer"), dict(role="administrator"),
              dict(role="observer", work_area_id=own),
              dict(role="coordinator", work_area_id=other),
              dict(role="matchmaker", work_area_id=other), dict(role="matchmaker"),
              dict(role="applicant", organisation_id=str(world.city.id)),
              dict(role="appeal_matchmaker", work_area_id=other)]
    for data in forged:
        r = invite(client, email="x@example.be", **data)
        page = r.get_data(as_text=True)
        assert r.status_code == 422, data
        assert "Als coördinator kunt u enkel matchmakers" in page, data
    # an existing account cannot be given an observer's role either
    r = invite(client, email="vdab1@example.be", role="observer")
    assert r.status_code == 422
    db.session.rollback()
    assert snapshot(db) == before


def test_the_administrator_grants_and_revokes_each_role_audited(world, db, client):
    user = world.mm["vdab1"]
    db.session.commit()
    login(client, db, world.admin)
    page = client.get(f"/beheer/accounts/{user.id}").get_data(as_text=True)
    assert "Matchmaker" in page and "door Beheerder" in page
    r = client.post(f"/beheer/accounts/{user.id}/rollen",
                    data={"role": "coordinator", "work_area_id": str(world.area.id)})
    assert r.status_code == 302
    r = client.post(f"/beheer/accounts/{user.id}/rollen", data={"role": "observer"})
    assert r.status_code == 302
    grants = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == user.id)).all()
    assert {g.role for g in grants} == {Role.MATCHMAKER, Role.COORDINATOR, Role.OBSERVER}
    assert all(g.granted_by_id == world.admin.id for g in grants)
    # the same grant twice is refused next to the field
    before = snapshot(db)
    r = client.post(f"/beheer/accounts/{user.id}/rollen", data={"role": "observer"})
    assert r.status_code == 422 and "heeft deze rol al" in r.get_data(as_text=True)
    r = client.post(f"/beheer/accounts/{user.id}/rollen", data={"role": "coordinator"})
    assert r.status_code == 422 and "precies één werkingsgebied" in r.get_data(as_text=True)
    db.session.rollback()
    assert snapshot(db) == before
    observer = next(g for g in grants if g.role == Role.OBSERVER)
    observer_id = observer.id
    r = client.post(f"/beheer/accounts/{user.id}/rollen/{observer_id}/intrekken")
    assert r.status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).has_role(Role.OBSERVER)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role.revoke"))
    assert event.actor_id == world.admin.id and event.object_id == observer_id
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "role.grant",
                                                      AuditEvent.object_id == observer_id))
    # revoked already: 404 (it is gone), never a 500
    assert client.post(f"/beheer/accounts/{user.id}/rollen/{observer_id}/intrekken"
                       ).status_code == 404


def test_the_last_administrator_keeps_the_role(world, db, client):
    login(client, db, world.admin)
    grant = next(g for g in world.admin.grants if g.role == Role.ADMINISTRATOR)
    r = client.post(f"/beheer/accounts/{world.admin.id}/rollen/{grant.id}/intrekken",
                    follow_redirects=True)
    assert "laatste beheerder" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).has_role(Role.ADMINISTRATOR)


def test_a_deactivated_account_cannot_sign_in_and_its_session_stops(world, db, client, app):
    """Attack: a deactivated person keeps using the session they still have."""
    user = world.mm["vdab1"]
    theirs = app.test_client()
    login(theirs, db, user)
    assert theirs.get("/jury").status_code == 200
    login(client, db, world.admin)
    assert client.post(f"/beheer/accounts/{user.id}/deactiveren").status_code == 302
    assert theirs.get("/jury").status_code == 302  # to the login page: the session stopped
    r = theirs.post("/aanmelden", data={"email": user.email, "password": "test-wachtwoord-123"})
    assert r.status_code == 422
    page = client.get("/beheer/accounts?state=deactivated").get_data(as_text=True)
    assert "vdab1@example.be" in page and "vdab2@example.be" not in page
    # one cannot deactivate oneself; deactivating twice is refused
    r = client.post(f"/beheer/accounts/{world.admin.id}/deactiveren", follow_redirects=True)
    assert "eigen account niet deactiveren" in r.get_data(as_text=True)
    assert db.session.get(User, world.admin.id).deactivated_at is None
    assert client.post(f"/beheer/accounts/{user.id}/heractiveren").status_code == 302
    r = theirs.post("/aanmelden", data={"email": user.email, "password": "test-wachtwoord-123"})
    assert r.status_code == 302
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "user_account", AuditEvent.object_id == user.id)).all()
    assert "user.deactivate" in actions and "user.reactivate" in actions


def test_the_accounts_page_filters_by_role_work_area_and_state(world, db, client):
    _, gent = world.other_coordinator()
    db.session.commit()
    login(client, db, world.admin)
    assert invite(client, email="nieuw@example.be").status_code == 302

    def listed(query: str) -> set[str]:
        page = client.get("/beheer/accounts" + query).get_data(as_text=True)
        return {e for e in ("coord@example.be", "coord2@example.be", "vdab1@example.be",
                            "panel1@example.be", "admin@wse.example", "nieuw@example.be")
                if e in page} - {"nieuw@example.be"} | (
                    {"nieuw"} if "nieuw@example.be" in page else set())

    assert listed("") == {"coord@example.be", "coord2@example.be", "vdab1@example.be",
                          "panel1@example.be", "admin@wse.example", "nieuw"}
    assert listed("?role=coordinator") == {"coord@example.be", "coord2@example.be"}
    assert listed(f"?work_area_id={gent.id}") == {"coord2@example.be"}
    assert listed(f"?role=coordinator&work_area_id={world.area.id}") == {"coord@example.be"}
    assert listed("?role=appeal_matchmaker") == {"panel1@example.be"}
    assert listed("?state=invited") == {"nieuw"}
    assert "nieuw" not in listed("?state=active")
    assert listed("?role=matchmaker&state=invited") == {"nieuw"}
    assert listed("?role=nonsense&state=nonsense&work_area_id=x") == listed("")


def test_only_the_administrator_reaches_an_account(world, db, client):
    user = world.mm["vdab1"]
    grant = user.grants[0]
    db.session.commit()
    login(client, db, world.coordinator)
    before = snapshot(db)
    assert client.get(f"/beheer/accounts/{user.id}").status_code == 404
    for path in (f"/beheer/accounts/{user.id}/rollen",
                 f"/beheer/accounts/{user.id}/rollen/{grant.id}/intrekken",
                 f"/beheer/accounts/{user.id}/deactiveren",
                 f"/beheer/accounts/{user.id}/heractiveren"):
        assert client.post(path, data={"role": "observer"}).status_code == 404, path
    db.session.rollback()
    assert snapshot(db) == before


def test_create_admin_makes_the_first_administrator_once(app, db, runner):
    result = runner.invoke(args=["create-admin", "--email", "Eerste@WSE.example", "--name",
                                 "Eerste Beheerder"],
                           input="een lang wachtwoord\neen lang wachtwoord\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "eerste@wse.example"))
    assert user.has_role(Role.ADMINISTRATOR) and user.is_active
    assert user.check_password("een lang wachtwoord")
    before = snapshot(db)
    again = runner.invoke(args=["create-admin", "--email", "tweede@wse.example", "--name",
                                "Tweede"], input="een lang wachtwoord\neen lang wachtwoord\n")
    assert again.exit_code == 0 and "al een beheerder" in again.output
    assert snapshot(db) == before
