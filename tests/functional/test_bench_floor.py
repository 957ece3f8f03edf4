"""The floor of a signed-in request (``benchmarks/floor.py``, issue 17): the probe routes
``make bench`` serves must each do what the README's floor table says they add, or the table
measures something else. Served here by an application of their own on the suite's database
(a blueprint cannot be added to the suite's application once it has served a request).
Nothing here is timed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from matching.accounts.rules import Role
from tests.support import QueryCounter, login


@pytest.fixture
def probed(app, db):
    """An application with the probe routes, on the suite's database, and its engine."""
    from benchmarks.floor import with_probes
    from matching.app import create_app

    config = {key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "WTF_CSRF_ENABLED", "MATCHING_ENV",
        "RATE_LIMIT_SCALE", "SESSION_IDLE_MINUTES", "SESSION_LIFETIME_HOURS")}
    probe_app = with_probes(create_app(config))
    with probe_app.app_context():
        engine = db.engine
    yield probe_app, engine
    engine.dispose()


def get(client, engine, path):
    with QueryCounter(SimpleNamespace(engine=engine)) as counter:
        response = client.get(path)
    return response, counter.statements


def test_each_probe_adds_its_layer_and_only_it(probed, world):
    probe_app, engine = probed
    client = probe_app.test_client()

    # signed out: no probe past the cookie answers, and none reads the database but the
    # account's check (which finds no session)
    response, sent = get(client, engine, "/floor/cookie")
    assert (response.status_code, response.get_data(as_text=True), sent) == (
        200, "no session", [])
    assert get(client, engine, "/floor/statement")[0].status_code == 403
    response, _ = get(client, engine, "/floor/account")
    assert response.status_code == 302 and "/aanmelden" in response.headers["Location"]

    user = world.user("floor", Role.OBSERVER)
    world.db.session.commit()
    login(client, world.db, user)

    # the cookie: read and its signature checked, nothing sent to the database
    response, sent = get(client, engine, "/floor/cookie")
    assert (response.get_data(as_text=True), sent) == ("signed in", [])
    # + one statement through the database session, and only that one
    response, sent = get(client, engine, "/floor/statement")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "1")
    assert [s.strip() for s in sent] == ["SELECT 1"]
    # + the account as every signed-in page loads it: the session checked in the database
    response, sent = get(client, engine, "/floor/account")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "signed in")
    assert len(sent) == 1 and "SELECT 1" not in sent[0]
    account_statement = sent[0]
    # + the layout around an empty page: the header with the sign-out form, no more reads
    response, sent = get(client, engine, "/floor/layout")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'action="/afmelden"' in page
    assert sent == [account_statement]

    # signed out: the same cookie no longer passes the account's check
    cookie = client.get_cookie("session")
    client.post("/afmelden")
    client.set_cookie("session", cookie.value)
    response, _ = get(client, engine, "/floor/account")
    assert response.status_code == 302


def test_the_report_puts_each_probe_against_ping_of_the_same_run():
    from benchmarks.floor import PROBES, report_lines

    floors = [{"backend": "sqlite", "probes": {
        "ping": {"rps": 4000.0, "ratio_to_ping": 1.0, "us_per_request": 250},
        "cookie": {"rps": 3000.0, "ratio_to_ping": 0.75, "us_per_request": 333},
        "statement": {"skipped": "answers 500"}}}]
    lines = report_lines(floors)
    assert lines[0].startswith("| probe | what it adds | sqlite req/s | × /ping |")
    rows = {line.split(" | ")[0].strip("| `"): line for line in lines[2:]}
    assert set(rows) == {path for _, path, _, _ in PROBES}
    assert "| 4000 | 1.00 | 250 |" in rows["/ping"]
    assert "| 3000 | 0.75 | 333 |" in rows["/floor/cookie"]
    assert "answers 500" in rows["/floor/statement"]
    assert "| – |" in rows["/floor/layout"]
    assert report_lines([]) == []
