"""The public 304 answered before Flask (issue 17, workareas.revalidation): the same answer
as the view's, and every request it must not answer left to Flask."""

from __future__ import annotations

import pytest
from flask import request_started
from sqlalchemy import text
from werkzeug.test import EnvironBuilder

from matching.accounts.rules import Role
from matching.app import web
from tests.support import login
from workareas import revalidation
from workareas.revalidation import PublicRevalidation, page_of


class FlaskSaw:
    """How many requests reached Flask inside a ``with`` block."""

    def __init__(self, app):
        self.app, self.count = app, 0

    def _started(self, sender, **extra):
        self.count += 1

    def __enter__(self):
        request_started.connect(self._started, self.app)
        return self

    def __exit__(self, *exc):
        request_started.disconnect(self._started, self.app)


def layer(app) -> PublicRevalidation:
    """A fresh layer for ``app`` (the application's own decides once, at its first
    request)."""
    return PublicRevalidation(app.wsgi_app, app, language=web.choose_language,
                              headers=web.security_headers)


@pytest.mark.parametrize("production", [False, True])
def test_the_early_304_is_the_views_304(world, db, client, app, monkeypatch, production):
    """Same status, same headers (the security headers, HSTS in production), no body; the
    view's own 304 is what Flask answers for the same request with a query string."""
    if production:
        monkeypatch.setitem(app.config, "MATCHING_ENV", "production")
    p = world.published_procedure()
    db.session.commit()
    for path in ("/addenda", "/addenda/feed.atom", f"/addenda/{p.id}"):
        tag = client.get(path).headers["ETag"]
        with FlaskSaw(app) as flask:
            early = client.get(path, headers={"If-None-Match": tag})
            late = client.get(path + "?versie=1", headers={"If-None-Match": tag})
        assert flask.count == 1, path  # only the one with a query string
        assert early.status_code == late.status_code == 304 and early.data == b""
        assert sorted(early.headers.items()) == sorted(late.headers.items()), path
        assert ("Strict-Transport-Security" in early.headers) is production


def test_only_plain_public_paths_are_answered_early():
    assert page_of("/addenda") == (True, None)
    assert page_of("/addenda/feed.atom") == (False, None)
    assert page_of("/addenda/12") == (True, 12)
    for other in ("/addenda/", "/addenda/012", "/addenda/1x", "/addenda/١", "/addendas",
                  "/addenda/12/", "/ping", "/"):
        assert page_of(other) is None, other


def test_what_the_layer_may_not_answer_goes_to_flask(world, db, client, app):
    """Signed-in, a message waiting, another method, a query string, another host, a
    tampered cookie: Flask answers each, as before this layer."""
    p = world.published_procedure()
    db.session.commit()
    path = f"/addenda/{p.id}"
    tag = client.get(path).headers["ETag"]
    with FlaskSaw(app) as flask:
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    assert flask.count == 0

    with FlaskSaw(app) as flask:
        assert client.head(path, headers={"If-None-Match": tag}).status_code == 304
        assert client.get(path + "?versie=1", headers={"If-None-Match": tag}
                          ).status_code == 304
        # a host this site does not answer for: refused by Flask, never a 304
        assert client.get(path, headers={"If-None-Match": tag, "Host": "evil.example"}
                          ).status_code == 400
    assert flask.count == 3

    # a cookie whose signature does not verify: a new session, so another validator
    cookie = client.get_cookie("session")
    bad = cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB")
    other = app.test_client()
    other.set_cookie("session", bad)
    with app.app_context(), FlaskSaw(app) as flask:
        response = other.get(path, headers={"If-None-Match": tag})
    assert response.status_code == 200 and flask.count == 1

    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Een bericht")]
    with FlaskSaw(app) as flask:
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 200
    assert flask.count == 1


def test_a_signed_in_request_with_a_validator_goes_to_flask(world, db, client, app):
    p = world.published_procedure()
    observer = world.user("Olga Observer", Role.OBSERVER)
    db.session.commit()
    tag = client.get("/addenda").headers["ETag"]
    login(client, db, observer)
    with FlaskSaw(app) as flask:
        response = client.get("/addenda", headers={"If-None-Match": tag})
    assert response.status_code == 200 and flask.count == 1
    assert response.headers["Cache-Control"] == "no-store"
    assert f"/addenda/{p.id}" in response.get_data(as_text=True)


def test_a_database_error_leaves_the_request_to_flask(world, db, client, app, monkeypatch):
    """A SQLite file: the layer's own connection failing (a disk error, the file gone):
    that request goes to Flask, which answers the same 304; the broken connection is
    closed, and the next 304 is answered before Flask again, on a new connection."""
    if db.engine.dialect.driver == "psycopg":
        pytest.skip("PostgreSQL's own connections: the next test")
    world.published_procedure()
    db.session.commit()
    tag = client.get("/addenda").headers["ETag"]
    engine = db.engine
    real = revalidation.own_sqlite_connection
    made, failed, closed = [], [], []

    class Broken:
        def __init__(self, connection):
            self._connection = connection

        def cursor(self):
            failed.append(1)
            raise engine.dialect.loaded_dbapi.OperationalError("disk I/O error")

        def close(self):
            closed.append(1)
            self._connection.close()

    def first_broken(engine):  # the layer's first connection breaks, the next works
        made.append(1)
        connection = real(engine)
        return Broken(connection) if len(made) == 1 else connection

    monkeypatch.setattr(revalidation, "own_sqlite_connection", first_broken)
    wsgi = app.wsgi_app
    while not isinstance(wsgi, PublicRevalidation):
        wsgi = wsgi.wsgi_app
    wsgi.close_idle()  # made anew from here on
    with FlaskSaw(app) as flask:
        response = client.get("/addenda", headers={"If-None-Match": tag})
        assert (response.status_code, flask.count) == (304, 1)  # Flask's, the same answer
        assert failed and closed
        response = client.get("/addenda", headers={"If-None-Match": tag})
        assert (response.status_code, flask.count) == (304, 1)  # before Flask again
    assert len(made) == 2


def test_a_lost_connection_of_the_layer_is_closed_and_replaced(world, db, client, app):
    """PostgreSQL: the layer's own connection (autocommit, statement prepared: one round trip
    per 304) lost, as when the server restarts: that request goes to Flask, which answers
    the same 304; the next one is answered before Flask again, on a new connection."""
    if db.engine.dialect.driver != "psycopg":
        pytest.skip("the layer's own connections are PostgreSQL's")
    world.published_procedure()
    db.session.commit()
    tag = client.get("/addenda").headers["ETag"]
    revalidate = {"If-None-Match": tag}
    with FlaskSaw(app) as flask:
        assert client.get("/addenda", headers=revalidate).status_code == 304
        assert flask.count == 0  # answered before Flask, on the layer's connection
        others = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
        own = set(db.session.execute(others).scalars())
        # not the listener's (tests/functional/test_public_revalidation_cache.py)
        wsgi = app.wsgi_app
        while not isinstance(wsgi, PublicRevalidation):
            wsgi = wsgi.wsgi_app
        cache = wsgi.cache
        listener = cache.listener_pid if cache is not None else None
        own.discard(listener)
        assert own  # the layer's connection stays open between requests
        for pid in own:
            db.session.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        db.session.commit()
        if cache is not None:  # the validator read above, kept: read it again now
            cache.invalidate()
        response = client.get("/addenda", headers=revalidate)
        assert (response.status_code, flask.count) == (304, 1)  # Flask's, the same answer
        response = client.get("/addenda", headers=revalidate)
        assert (response.status_code, flask.count) == (304, 1)  # before Flask again
    assert set(db.session.execute(others).scalars()) - own - {listener}  # a new connection


def test_an_unknown_request_hook_or_a_rate_limit_turns_the_layer_off(app, monkeypatch):
    """Nothing a request must pass is skipped: a hook added later, or a rate limit on these
    pages, sends them through Flask again (and says so in the log)."""
    assert layer(app)._prepare("http", "localhost") is not None  # the application as it is: on

    hooks = dict(app.before_request_funcs)
    hooks[None] = [*hooks.get(None, []), lambda: None]
    monkeypatch.setattr(app, "before_request_funcs", hooks)
    assert layer(app)._prepare("http", "localhost") is None
    monkeypatch.undo()

    after = dict(app.after_request_funcs)
    after["public"] = [lambda response: response]
    monkeypatch.setattr(app, "after_request_funcs", after)
    assert layer(app)._prepare("http", "localhost") is None
    monkeypatch.undo()

    manager = revalidation.limiter.limit_manager
    monkeypatch.setattr(revalidation.limiter, "enabled", True, raising=False)
    monkeypatch.setattr(type(manager), "resolve_limits",
                        lambda self, app, endpoint, *a, **k: ([object()], []))
    assert layer(app)._prepare("http", "localhost") is None



def test_the_layer_decides_on_the_sites_own_host(world, db, app, monkeypatch):
    """In production ``localhost`` is not a trusted host: the layer resolves the limits of
    its pages on the host of the request that passed the check, and answers there."""
    site = "https://matching.example.be"
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["matching.example.be"])
    p = world.published_procedure()
    db.session.commit()
    path = f"/addenda/{p.id}"
    client = app.test_client()
    with app.app_context():
        first = client.get(path, base_url=site)
    cookie = first.headers["Set-Cookie"].split(";", 1)[0]
    environ = EnvironBuilder(path=path, base_url=site, headers={
        "If-None-Match": first.headers["ETag"], "Cookie": cookie}).get_environ()
    statuses: list[str] = []
    fresh = layer(app)  # deciding now, at its first request, on this host
    with FlaskSaw(app) as flask:
        body = fresh(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert statuses == ["304 NOT MODIFIED"] and list(body) == [] and flask.count == 0
    assert fresh._ready not in (None, False)
