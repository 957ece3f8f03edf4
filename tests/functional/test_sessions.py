"""Sign-in and sessions as an attacker would try them (issue 11): a forged Host header,
open redirects, a cookie replayed after logout, reset or deactivation, timeouts, the second
factor, rate limits (per address, per address and account, in Redis when configured) and
registration and reset that do not reveal which addresses exist."""

from __future__ import annotations

import os
import re
import statistics
import time
from datetime import timedelta
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select, update

from matching.accounts import operations as account_ops
from matching.accounts import sign_in_operations as sign_in_ops
from matching.accounts.models import AccountSession, RecoveryCode, User
from matching.audit.models import AuditEvent
from matching.mail.models import OutboxMessage
from tests.support import (
    TEST_PASSWORD,
    TEST_TOTP_SECRET,
    QueryCounter,
    kbo,
    login,
    prepare_sign_in,
    totp_code,
)

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def cookie(client) -> str:
    return client.get_cookie("session").value


def signed_in(client) -> bool:
    return client.get("/mijn-account").status_code == 200


# --- hosts and links ------------------------------------------------------------------------

def test_a_request_naming_another_host_is_refused_and_queues_nothing(world, db, client):
    db.session.commit()
    response = client.post("/wachtwoord-vergeten", data={"email": "admin@wse.example"},
                           headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert count(db, OutboxMessage) == 0
    assert client.get("/", headers={"Host": "evil.example:5000"}).status_code == 400
    # the configured names are answered, and the link in the mail starts with BASE_URL
    response = client.post("/wachtwoord-vergeten", data={"email": "admin@wse.example"},
                           headers={"Host": "127.0.0.1:5000"})
    assert response.status_code == 200
    body = db.session.scalar(select(OutboxMessage.body_text))
    assert "http://127.0.0.1:5000/wachtwoord-herstellen/" in body


# --- redirects --------------------------------------------------------------------------------

ATTACKS = ["/%09/evil.example/x", "/\t/evil.example/x", "\\\\evil.example", "/\\evil.example",
           "//evil.example", "///evil.example", "https://evil.example", "http:evil.example",
           "/x%0aSet-Cookie:a=b", "/x%0d%0aLocation:%20//evil", "/%2F/evil.example",
           "/%5Cevil.example", "/%252F%252Fevil.example", "javascript:alert(1)",
           " //evil.example", "/\u2028/evil.example"]


@pytest.mark.parametrize("target", ATTACKS)
def test_sign_in_never_redirects_to_another_site(world, db, client, target):
    user = world.applicant(world.organisation("Vzw Open"))
    prepare_sign_in(db, user)
    response = client.post("/aanmelden", query_string={"next": target},
                           data={"email": user.email, "password": TEST_PASSWORD})
    if response.status_code == 400:
        # a control character in the address is refused before anything happens
        # (matching.core.web.refuse_control_characters_in_query): nobody was signed in
        assert any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in unquote(target))
        assert client.get("/mijn-account").status_code == 302
        return
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ATTACKS)
def test_the_language_switch_never_redirects_to_another_site(client, db, target):
    response = client.post("/taal", data={"lang": "en", "next": target})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_a_path_of_this_site_is_kept(world, db, client):
    user = world.applicant(world.organisation("Vzw Pad"))
    prepare_sign_in(db, user)
    response = client.post("/aanmelden", query_string={"next": "/mijn-kandidaturen?x=%C3%A9"},
                           data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"] == "/mijn-kandidaturen?x=%C3%A9"
    # also after the second factor
    login(client, db, world.admin)
    client.post("/afmelden")
    prepare_sign_in(db, world.admin)
    client.post("/aanmelden", query_string={"next": "/beheer/accounts"},
                data={"email": world.admin.email, "password": TEST_PASSWORD})
    response = client.post("/aanmelden/code", data={"code": totp_code(client.application)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/beheer/accounts"


# --- server-side sessions ------------------------------------------------------------------

def replay(app, value: str):
    replayed = app.test_client()
    replayed.set_cookie("session", value)
    return replayed


def test_a_cookie_replayed_after_logout_is_refused(app, world, db, client):
    login(client, db, world.admin)
    kept = cookie(client)
    assert signed_in(replay(app, kept))
    client.post("/afmelden")
    assert not signed_in(client)
    assert replay(app, kept).get("/mijn-account").status_code == 302
    ended = db.session.scalars(select(AccountSession.end_reason)).all()
    assert "logout" in ended


def test_a_password_reset_ends_every_session_of_the_account(app, world, db, client):
    login(client, db, world.admin)
    other = app.test_client()
    login(other, db, world.admin)
    kept = cookie(client)
    token = account_ops.reset_token(world.admin)
    response = app.test_client().post(f"/wachtwoord-herstellen/{token}",
                                      data={"password": "een heel nieuw wachtwoord",
                                            "confirm": "een heel nieuw wachtwoord"})
    assert response.status_code == 302
    assert not signed_in(client) and not signed_in(other)
    assert not signed_in(replay(app, kept))


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, world, db, client):
    login(client, db, world.admin)
    other = app.test_client()
    login(other, db, world.admin)
    kept = cookie(other)
    wrong = client.post("/mijn-account/wachtwoord", data={
        "current": "fout", "password": "een heel nieuw wachtwoord",
        "confirm": "een heel nieuw wachtwoord"})
    assert wrong.status_code == 422 and signed_in(other)  # refused: nothing ended
    response = client.post("/mijn-account/wachtwoord", data={
        "current": TEST_PASSWORD, "password": "een heel nieuw wachtwoord",
        "confirm": "een heel nieuw wachtwoord"})
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(other) and not signed_in(replay(app, kept))


def test_a_deactivated_account_is_signed_out_everywhere(app, world, db, client):
    login(client, db, world.admin)
    kept = cookie(client)
    user = db.session.get(User, world.admin.id)
    user.active = False
    ended = sign_in_ops.end_sessions(user.id, now=world.clock.now, reason="deactivated")
    db.session.commit()
    assert ended == 1
    assert not signed_in(replay(app, kept))


def test_an_inactive_account_is_refused_even_with_a_live_session(app, world, db, client):
    login(client, db, world.admin)
    db.session.expire_all()
    db.session.get(User, world.admin.id).active = False
    db.session.commit()
    assert not signed_in(client)


def test_the_session_id_and_the_csrf_token_change_at_sign_in(app, world, db, client,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    prepare_sign_in(db, world.admin)
    page = client.get("/aanmelden").get_data(as_text=True)
    before = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    with client.session_transaction() as session:
        raw_before = session["csrf_token"]
    client.post("/aanmelden", data={"email": world.admin.email, "password": TEST_PASSWORD,
                                    "csrf_token": before})
    with client.session_transaction() as session:
        pending_sid = session["sid"]
        assert session.get("csrf_token") != raw_before
    page = client.get("/aanmelden/code").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/aanmelden/code", data={"code": totp_code(app),
                                                    "csrf_token": token})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert session["sid"] != pending_sid
    assert signed_in(client)
    # the token of before the sign-in no longer works
    assert client.post("/afmelden", data={"csrf_token": before}).status_code == 400


def test_a_session_ends_after_idle_time_and_at_its_lifetime(app, world, db, client,
                                                            monkeypatch, pages_at_world_time):
    monkeypatch.setitem(app.config, "SESSION_IDLE_MINUTES", 30)
    monkeypatch.setitem(app.config, "SESSION_LIFETIME_HOURS", 12)
    login(client, db, world.admin)
    world.clock.advance(minutes=29)
    assert signed_in(client)
    world.clock.advance(minutes=29)  # 29 minutes after the last request: still on
    assert signed_in(client)
    world.clock.advance(minutes=30)
    assert not signed_in(client)
    assert db.session.scalar(select(AccountSession.end_reason).where(
        AccountSession.end_reason == "idle")) == "idle"

    login(client, db, world.admin)
    for _ in range(12 * 3 - 1):  # a request every 20 minutes keeps it alive…
        world.clock.advance(minutes=20)
        assert signed_in(client)
    world.clock.advance(minutes=20)  # …for 12 hours at most
    assert not signed_in(client)


def test_a_signed_in_page_costs_one_statement_for_the_session(world, db, client):
    """The session row, its account and the account's role grants (which the menu reads)
    come in one statement (issue 17; 2 before: the grants were loaded on first use)."""
    login(client, db, world.admin)
    client.get("/mijn-account")
    with QueryCounter(db) as counter:
        response = client.get("/mijn-account")
    assert response.status_code == 200
    assert counter.count == 1, counter.statements
    [statement] = counter.statements
    assert "account_session" in statement and "role_grant" in statement
    assert 'href="/beheer' in response.get_data(as_text=True)  # the admin's menu: the grants


# --- the second factor -------------------------------------------------------------------

def password_step(client, user):
    return client.post("/aanmelden", data={"email": user.email, "password": TEST_PASSWORD})


def test_enrolment_is_forced_at_the_first_sign_in_of_a_role_that_needs_it(world, db, client):
    user = world.coordinator
    user.set_password(TEST_PASSWORD)
    db.session.commit()
    assert password_step(client, user).headers["Location"] == "/aanmelden/code"
    page = client.get("/aanmelden/code").get_data(as_text=True)
    assert "<svg" in page and "Tweestapsverificatie instellen" in page
    assert not signed_in(client)  # nothing before the second factor
    db.session.expire_all()
    user = db.session.get(User, user.id)
    secret = user.totp_secret
    assert secret and user.totp_confirmed_at is None  # kept on the server, not yet counting
    assert " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in page
    wrong = client.post("/aanmelden/code", data={"code": "000000"})
    assert wrong.status_code == 422 and not signed_in(client)
    enrolment_code = totp_code(client.application, secret)
    response = client.post("/aanmelden/code", data={"code": enrolment_code})
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f-]+)</code></li>", response.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert signed_in(client)
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed

    # a recovery code works once; a time code only once
    client.post("/afmelden")
    password_step(client, user)
    assert client.post("/aanmelden/code", data={"code": codes[0]}).status_code == 302
    client.post("/afmelden")
    password_step(client, user)
    assert client.post("/aanmelden/code", data={"code": codes[0]}).status_code == 422
    assert client.post("/aanmelden/code",
                       data={"code": enrolment_code}).status_code == 422  # used already
    code = totp_code(client.application, secret)
    db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()  # as if 30 seconds had passed
    assert client.post("/aanmelden/code", data={"code": code}).status_code == 302
    client.post("/afmelden")
    password_step(client, user)
    assert client.post("/aanmelden/code", data={"code": code}).status_code == 422


def test_an_applicant_signs_in_without_a_second_factor_and_may_add_one(world, db, client):
    user = world.applicant(world.organisation("Vzw Keuze"))
    prepare_sign_in(db, user)
    assert password_step(client, user).headers["Location"] == "/"
    assert "Tweestapsverificatie instellen" in client.get("/mijn-account").get_data(
        as_text=True)
    assert client.get("/mijn-account/tweestapsverificatie").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None  # nothing changes on GET
    client.post("/mijn-account/tweestapsverificatie", data={"start-submit": "1"})
    secret = db.session.scalar(select(User.totp_secret).where(User.id == user.id))
    response = client.post("/mijn-account/tweestapsverificatie",
                           data={"code": totp_code(client.application, secret)})
    assert response.status_code == 200 and "recovery-codes" in response.get_data(as_text=True)
    client.post("/afmelden")
    assert password_step(client, user).headers["Location"] == "/aanmelden/code"


def test_the_administrator_resets_a_second_factor_audited(app, world, db, client):
    member = world.mm["vdab1"]
    other = app.test_client()
    login(other, db, member)
    login(client, db, world.admin)
    page = client.get(f"/beheer/accounts/{member.id}/tweestapsverificatie")
    assert page.status_code == 200  # asks first
    response = client.post(f"/beheer/accounts/{member.id}/tweestapsverificatie")
    assert response.status_code == 302
    db.session.expire_all()
    member = db.session.get(User, member.id)
    assert member.totp_secret is None and member.totp_confirmed_at is None
    assert not signed_in(other)
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user.second_factor_reset"))
    assert event.actor_id == world.admin.id
    member.set_password(TEST_PASSWORD)
    db.session.commit()
    password_step(other, member)
    assert "<svg" in other.get("/aanmelden/code").get_data(as_text=True)  # enrols anew


def test_only_an_administrator_resets_a_second_factor(app, world, db, client):
    prepare_sign_in(db, world.admin)
    login(client, db, world.coordinator)
    url = f"/beheer/accounts/{world.admin.id}/tweestapsverificatie"
    assert client.get(url).status_code == 404 and client.post(url).status_code == 404
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).totp_secret == TEST_TOTP_SECRET


# --- rate limits -----------------------------------------------------------------------------

@pytest.fixture
def strict_limits(app, monkeypatch):
    """The limits as configured (the suite multiplies them by 1000), counted afresh."""
    from matching.core.limits import limiter

    monkeypatch.setitem(app.config, "RATE_LIMIT_SCALE", 1)
    limiter.reset()
    yield limiter
    limiter.reset()


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def failures(db) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "user.login_failed"))


def test_the_owner_is_not_locked_out_by_someone_elses_failures(world, db, client,
                                                               strict_limits):
    prepare_sign_in(db, world.admin)
    attacker = from_address("10.0.0.66")
    for _ in range(5):
        response = client.post("/aanmelden", data={"email": world.admin.email,
                                                   "password": "geraden"}, **attacker)
        assert response.status_code == 422
    assert failures(db) == 5
    refused = client.post("/aanmelden", data={"email": world.admin.email,
                                              "password": TEST_PASSWORD}, **attacker)
    assert refused.status_code == 429 and "Even geduld" in refused.get_data(as_text=True)
    assert failures(db) == 5  # refused before the password was looked at
    owner = client.post("/aanmelden", data={"email": world.admin.email,
                                            "password": TEST_PASSWORD},
                        **from_address("10.0.0.7"))
    assert owner.status_code == 302


def test_one_address_trying_many_accounts_is_stopped_before_any_hash(world, db, client,
                                                                     strict_limits):
    attacker = from_address("10.0.0.99")
    statuses = [client.post("/aanmelden", data={"email": f"iemand{i}@example.be",
                                                "password": "geraden"}, **attacker).status_code
                for i in range(25)]
    assert statuses[:20] == [422] * 20 and set(statuses[20:]) == {429}
    # refused again before Flask: no session cookie, no CSRF check, the bilingual page
    again = client.post("/aanmelden", data={"email": "x@example.be", "password": "x"},
                        **attacker)
    assert again.status_code == 429 and "Set-Cookie" not in again.headers
    assert "Please wait" in again.get_data(as_text=True)
    assert client.post("/aanmelden", data={"email": "x@example.be", "password": "x"},
                       **from_address("10.0.0.100")).status_code == 422  # others go on
    started = time.perf_counter()
    client.post("/aanmelden", data={"email": "nog.iemand@example.be", "password": "geraden"},
                **attacker)
    assert time.perf_counter() - started < 0.05  # no scrypt (about 0.1 s) behind a refusal


def test_the_second_factor_is_rate_limited_per_address_and_account(world, db, client,
                                                                   strict_limits):
    prepare_sign_in(db, world.admin)
    attacker = from_address("10.0.0.5")
    client.post("/aanmelden", data={"email": world.admin.email, "password": TEST_PASSWORD},
                **attacker)
    statuses = [client.post("/aanmelden/code", data={"code": "000000"}, **attacker).status_code
                for _ in range(6)]
    assert statuses == [422] * 5 + [429]


@pytest.mark.parametrize("path", ["/wachtwoord-vergeten", "/registreren", "/bevestiging-opnieuw"])
def test_reset_and_registration_are_limited_per_address(world, db, client, strict_limits,
                                                        path):
    statuses = [client.post(path, data={"email": f"x{i}@example.be"},
                            **from_address("10.0.0.8")).status_code for i in range(6)]
    assert statuses[-1] == 429 and 429 not in statuses[:5]


@pytest.mark.skipif(not TEST_REDIS_URL,
                    reason="TEST_REDIS_URL is not set: no Redis server to share the limits "
                           "(.ci/run sets it)")
def test_the_limits_count_in_redis_which_every_worker_shares(world, db, client,
                                                             strict_limits, monkeypatch):
    import redis
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    server = redis.Redis.from_url(TEST_REDIS_URL)
    server.flushdb()

    def worker():
        """What a worker process does at start: its own connection to the shared storage."""
        storage = storage_from_string(TEST_REDIS_URL)
        monkeypatch.setattr(strict_limits, "_storage", storage)
        monkeypatch.setattr(strict_limits, "_limiter", FixedWindowRateLimiter(storage))

    worker()
    attacker = from_address("10.0.0.77")
    for _ in range(5):
        client.post("/aanmelden", data={"email": world.admin.email, "password": "geraden"},
                    **attacker)
    assert server.dbsize() > 0
    worker()  # another worker, with nothing in its memory, sees the count
    assert client.post("/aanmelden", data={"email": world.admin.email, "password": "x"},
                       **attacker).status_code == 429
    server.flushdb()
    assert client.post("/aanmelden", data={"email": world.admin.email, "password": "x"},
                       **attacker).status_code == 422
    server.flushdb()


# --- registration and reset do not reveal which addresses exist ---------------------------

def registration(n: int, email: str) -> dict:
    return {"organisation_name": f"Vzw Nummer {n}", "enterprise_number": kbo(900 + n),
            "legal_form": "vzw", "name": "Iemand", "email": email,
            "password": "een lang wachtwoord", "confirm": "een lang wachtwoord",
            "kind": "NONPROFIT", "seat_nis_code": "44021"}


def test_registration_answers_the_same_for_an_existing_address(world, db, client):
    db.session.commit()
    existing = client.post("/registreren", data=registration(1, "admin@wse.example"))
    new = client.post("/registreren", data=registration(2, "nieuw@example.be"))
    assert existing.status_code == new.status_code == 302
    assert existing.headers["Location"] == new.headers["Location"]
    assert existing.get_data() == new.get_data()
    recipients = db.session.scalars(select(OutboxMessage.to_addresses)).all()
    assert sorted(recipients) == ["admin@wse.example", "nieuw@example.be"]
    body = db.session.scalar(select(OutboxMessage.body_text).where(
        OutboxMessage.to_addresses == "admin@wse.example"))
    assert "al een account" in body and "/aanmelden" in body
    assert db.session.scalar(select(func.count()).select_from(User).where(
        User.email == "admin@wse.example")) == 1


def test_registration_takes_as_long_for_an_existing_address(world, db, client):
    db.session.commit()
    existing, new = [], []
    for n in range(3):
        started = time.perf_counter()
        client.post("/registreren", data=registration(10 + n, "admin@wse.example"))
        existing.append(time.perf_counter() - started)
        started = time.perf_counter()
        client.post("/registreren", data=registration(20 + n, f"nieuw{n}@example.be"))
        new.append(time.perf_counter() - started)
    ratio = statistics.median(existing) / statistics.median(new)
    assert 0.5 < ratio < 2, (existing, new)  # without the hash it is about 0.1


def test_reset_answers_the_same_whether_the_address_exists(world, db, client):
    db.session.commit()
    known = client.post("/wachtwoord-vergeten", data={"email": "admin@wse.example"})
    unknown = client.post("/wachtwoord-vergeten", data={"email": "niemand@example.be"})
    assert known.status_code == unknown.status_code == 200
    assert known.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert db.session.scalars(select(OutboxMessage.to_addresses)).all() == ["admin@wse.example"]


def test_end_sessions_is_what_deactivation_calls(world, db):
    """The administration ends an account's sessions with this one function."""
    now = world.clock.now
    sign_in_ops.start_session(world.admin, now=now)
    sign_in_ops.start_session(world.admin, now=now, pending=True)
    db.session.flush()
    assert sign_in_ops.end_sessions(world.admin.id, now=now + timedelta(minutes=1),
                                    reason="deactivated") == 2
    assert sign_in_ops.end_sessions(world.admin.id, now=now, reason="deactivated") == 0


def test_the_demo_code_page_shows_the_code_of_a_demo_account_only(app, world, db, client,
                                                                   monkeypatch):
    """In the demo (development) the staff accounts share a public key (README): the code
    page says the current code, so the demo can be tried without an app; never for an
    account with its own key, and never outside development (no DEMO_TOTP_SECRET)."""
    prepare_sign_in(db, world.admin)  # the test key
    client.post("/aanmelden", data={"email": world.admin.email, "password": TEST_PASSWORD})
    assert "Dit is de demo" not in client.get("/aanmelden/code").get_data(as_text=True)
    monkeypatch.setitem(app.config, "DEMO_TOTP_SECRET", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXQ")
    assert "Dit is de demo" not in client.get("/aanmelden/code").get_data(as_text=True)
    monkeypatch.setitem(app.config, "DEMO_TOTP_SECRET", TEST_TOTP_SECRET)
    page = client.get("/aanmelden/code").get_data(as_text=True)
    assert f"De code is nu {totp_code(app)}" in page
    assert client.post("/aanmelden/code", data={"code": totp_code(app)}).status_code == 302


def test_behind_a_trusted_proxy_each_client_counts_for_itself(tmp_path):
    """PROXY_HOPS=1 (one reverse proxy): the address the proxy passes on is the client's,
    for the rate limits and the flood guard alike; without it every visitor would have the
    proxy's address (and on a deadline day one applicant's failures would stop the others).
    Only as many hops as configured are trusted: a client cannot choose its address."""
    from flask import request

    from matching.app import create_app

    def addresses(hops: int) -> list[str]:
        proxied = create_app({"TESTING": True, "MATCHING_ENV": "testing", "PROXY_HOPS": hops,
                              "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "p.db")})
        proxied.add_url_rule("/_address", "address", lambda: request.remote_addr or "")
        client = proxied.test_client()
        seen = []
        for forwarded in ("10.0.0.1", "10.0.0.2", "6.6.6.6, 10.0.0.3"):
            response = client.get("/_address", headers={"X-Forwarded-For": forwarded},
                                  environ_base={"REMOTE_ADDR": "127.0.0.1"})
            seen.append(response.get_data(as_text=True))
        return seen

    assert addresses(0) == ["127.0.0.1"] * 3
    assert addresses(1) == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]


@pytest.mark.parametrize("value", ["-1", "x", "6"])
def test_proxy_hops_must_be_a_small_whole_number(value):
    from matching.app.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="PROXY_HOPS"):
        load_config("/tmp", {"PROXY_HOPS": value, "MATCHING_ENV": "testing"})


@pytest.mark.parametrize("mode", [None, "basic", "strong"])
def test_flask_login_hashes_the_client_only_when_session_protection_is_on(app, world, db,
                                                                          client, monkeypatch,
                                                                          mode):
    """Issue 17: with session protection off (the sessions live on the server) nobody reads
    Flask-Login's SHA-512 of the client's address and browser, so it is not computed; on,
    it is, as Flask-Login does."""
    from matching.app.extensions import login_manager

    login(client, db, world.observer())
    calls = []
    monkeypatch.setattr(login_manager, "_session_identifier_generator",
                        lambda: calls.append(1) or "x")
    monkeypatch.setitem(app.config, "SESSION_PROTECTION", mode)
    response = client.get("/mijn-account")
    assert bool(calls) is (mode is not None)
    if mode is None:
        assert response.status_code == 200 and "Waarnemer" in response.get_data(as_text=True)


def test_the_csrf_secret_changes_at_sign_in_and_comes_with_the_sessions_cookie(app, world, db,
                                                                              client):
    """Issue 17: signing in makes the new session's CSRF secret at once (Flask-WTF's), so the
    pages after it do not each answer with a new cookie; it differs from the one before."""
    observer = world.observer()
    client.get("/")
    with client.session_transaction() as before:
        secret_before = before["csrf_token"]
    login(client, db, observer)
    with client.session_transaction() as after:
        secret_after = after.get("csrf_token")
    assert secret_after and secret_after != secret_before
    response = client.get("/mijn-account")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
