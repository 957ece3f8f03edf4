"""Conditional requests on the public pages (issue 17, workareas.conditional): ETag and
Last-Modified, 304 after one statement and no template, new validators when what the page
shows changes, never a shared copy of a session's page, nothing for a signed-in person."""

from __future__ import annotations

import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import request_started, template_rendered
from sqlalchemy import text
from werkzeug.http import http_date

from matching.accounts.rules import Role
from tests.support import ADDENDUM, QueryCounter, login
from workareas import conditional, revalidation, validator_cache
from workareas import operations as area_ops
from workareas.rules import ProcedureState
from workareas.validator_versions import VersionedReads

PAGES = ("/addenda", "/addenda/feed.atom", "addendum")
#: What the early 304 asks a SQLite file before answering (workareas.validator_versions).
VERSION = "PRAGMA data_version"


def path_of(page: str, procedure) -> str:
    return f"/addenda/{procedure.id}" if page == "addendum" else page


@contextmanager
def rendered_templates(app):
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def early_layer(app) -> revalidation.PublicRevalidation:
    """The application's layer answering 304s before Flask."""
    wsgi = app.wsgi_app
    while not isinstance(wsgi, revalidation.PublicRevalidation):
        wsgi = wsgi.wsgi_app
    return wsgi


def eventually(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def live_cache(app, db):
    """The application's cache, its listener started and LISTENing."""
    layer = early_layer(app)
    if layer.cache is None:  # the layer decides at its first request
        layer._prepare("http", "localhost")
    cache = layer.cache
    cache.lookup(None)  # starts this process's listener
    assert eventually(lambda: cache.live), "the listener did not start"
    return cache


def settle(db, cache) -> None:
    """Wait until the listener has received every notification committed so far (they
    arrive in commit order: a last one of our own marks the end)."""
    mark = f"settle-{uuid.uuid4().hex}"
    with db.engine.connect() as connection:
        connection.execute(text("SELECT pg_notify(:channel, :mark)"),
                           {"channel": validator_cache.CHANNEL, "mark": mark})
        connection.commit()
    assert eventually(lambda: cache.last_payload == mark), "the notification did not arrive"


class DriverCounter:
    """The statements of a ``with`` block as the database driver sees them (every
    connection of the engine's pool: through SQLAlchemy or on a bare cursor, as the 304
    answered before Flask reads, ``workareas.revalidation``); those that went through
    SQLAlchemy (:class:`QueryCounter`); and whether Flask saw the request at all."""

    def __init__(self, db, app, monkeypatch):
        self.sqlalchemy, self.app, self.monkeypatch = QueryCounter(db), app, monkeypatch
        self.driver: list[str] = []
        self.flask = 0

    def _started(self, sender, **extra):
        self.flask += 1

    def __enter__(self):
        engine, counted = self.sqlalchemy.engine, self.driver
        real = engine.raw_connection

        class Cursor:
            def __init__(self, cursor):
                self._cursor = cursor

            def execute(self, sql, *args):
                counted.append(sql)
                return self._cursor.execute(sql, *args)

            def __getattr__(self, name):
                return getattr(self._cursor, name)

        class Connection:
            def __init__(self, connection):
                self._connection = connection

            def cursor(self):
                return Cursor(self._connection.cursor())

            def __getattr__(self, name):
                return getattr(self._connection, name)

        self.monkeypatch.setattr(engine, "raw_connection", lambda: Connection(real()))
        # the early 304's own connections: PostgreSQL's opened again, counted; a SQLite
        # file's kept with what was read on them (workareas.validator_versions), counted
        # from now on, and new ones counted too
        own = revalidation.own_connection
        self.monkeypatch.setattr(revalidation, "own_connection",
                                 lambda engine: Connection(own(engine)))
        own_sqlite = revalidation.own_sqlite_connection
        self.monkeypatch.setattr(revalidation, "own_sqlite_connection",
                                 lambda engine: Connection(own_sqlite(engine)))
        self.layer = layer = early_layer(self.app)
        versioned = [reads for reads in layer._idle if isinstance(reads, VersionedReads)]
        for reads in versioned:
            layer._idle.remove(reads)
            reads.connection = Connection(reads.connection)
        layer.close_idle()
        layer._idle.extend(versioned)
        self.Connection = Connection
        request_started.connect(self._started, self.app)
        self.sqlalchemy.__enter__()
        return self

    def __exit__(self, *exc):
        self.sqlalchemy.__exit__(*exc)
        request_started.disconnect(self._started, self.app)
        self.monkeypatch.undo()
        layer = self.layer
        versioned = [reads for reads in layer._idle if isinstance(reads, VersionedReads)]
        for reads in versioned:  # kept, no longer counted
            layer._idle.remove(reads)
            while isinstance(reads.connection, self.Connection):
                reads.connection = reads.connection._connection
        layer.close_idle()  # no counting connection left behind
        layer._idle.extend(versioned)

    @property
    def count(self) -> int:
        return len(self.driver)

    @property
    def statements(self) -> list[str]:
        return self.driver


@pytest.mark.parametrize("page", PAGES)
def test_a_public_page_answers_with_validators_and_a_cheap_304(world, db, client, app, page,
                                                               monkeypatch):
    p = world.published_procedure()
    db.session.commit()
    path = path_of(page, p)
    first = client.get(path)
    assert first.status_code == 200
    etag, _weak = first.get_etag()
    assert etag and first.last_modified is not None
    html = page != "/addenda/feed.atom"
    # a page with the session's CSRF token is the browser's alone; the feed may be shared
    directives = {d.strip() for d in first.headers["Cache-Control"].split(",")}
    assert directives == ({"private", "no-cache"} if html else {"public", "no-cache"})
    assert {"cookie", "accept-language"} <= {v.lower() for v in first.vary}

    kept = db.engine.dialect.driver == "psycopg"
    if kept:  # the listener LISTENing, the publication's notification received
        settle(db, live_cache(app, db))
    with DriverCounter(db, app, monkeypatch) as counter, \
            rendered_templates(app) as templates:
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    # one statement on a bare cursor; on a SQLite file after asking whether the file
    # changed since the layer's connection last read (it did: the publication)
    assert counter.count == (1 if kept else 2), counter.statements
    assert kept or counter.statements[0] == VERSION
    assert templates == []
    # answered before Flask: no request hook, no ORM
    assert counter.flask == 0 and counter.sqlalchemy.count == 0

    # a client that only sends If-Modified-Since; the validator just read is kept: on
    # PostgreSQL (workareas.validator_cache) no statement at all, on a SQLite file
    # (workareas.validator_versions) only the question whether the file changed
    with DriverCounter(db, app, monkeypatch) as counter, \
            rendered_templates(app) as templates:
        since = client.get(path, headers={"If-Modified-Since": http_date(first.last_modified)})
    assert since.status_code == 304, (first.headers, since.headers)
    assert counter.statements == ([] if kept else [VERSION])
    assert templates == [] and counter.flask == 0

    # the view answers the same 304 for what it is left (here: a query string), also
    # after one statement (through the request's session) and without a template
    with DriverCounter(db, app, monkeypatch) as counter, \
            rendered_templates(app) as templates:
        late = client.get(path + "?x=1", headers={"If-None-Match": first.headers["ETag"]})
    assert late.status_code == 304 and counter.flask == 1
    assert counter.count == 1 and counter.sqlalchemy.count == 1, counter.statements
    assert templates == []
    assert sorted(late.headers.items()) == sorted(again.headers.items())

    # a validator that does not match: the whole page
    other = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200 and len(other.data) == len(first.data)


def test_a_new_version_and_a_state_change_change_the_validators(
        world, db, client):
    p = world.published_procedure()
    db.session.commit()
    pages = ["/addenda", "/addenda/feed.atom", f"/addenda/{p.id}"]
    tags = {path: client.get(path).headers["ETag"] for path in pages}

    def still(path):
        return client.get(path, headers={"If-None-Match": tags[path]}).status_code

    assert all(still(path) == 304 for path in pages)

    world.clock.advance(days=1)
    content = area_ops.version_content(p.current_version)
    content["challenges"][0]["objectives"] = "Dubbel zoveel jongeren in begeleiding"
    area_ops.publish_new_version(p, content, "Doelstelling RU1 verduidelijkt.",
                                 actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    for path in pages:
        response = client.get(path, headers={"If-None-Match": tags[path]})
        assert response.status_code == 200, path
        assert response.headers["ETag"] != tags[path]
        tags[path] = response.headers["ETag"]
    assert "Dubbel zoveel jongeren" in client.get(f"/addenda/{p.id}").get_data(as_text=True)

    # the stand on the list and the page is the stored state: a transition changes it
    world.apply("Jobkracht vzw")
    world.start_round_1()
    db.session.commit()
    assert p.state != ProcedureState.PUBLISHED
    # (the feed shares the list's validator: it is asked afresh too, harmlessly)
    for path in pages:
        response = client.get(path, headers={"If-None-Match": tags[path]})
        assert response.status_code == 200, path
        tags[path] = response.headers["ETag"]
    assert all(still(path) == 304 for path in pages)


def test_a_candidacy_elsewhere_leaves_the_list_cached(world, db, client):
    """What the public pages do not show does not invalidate them (a deadline-day
    submission, a draft saved)."""
    p = world.published_procedure()
    db.session.commit()
    tags = {path: client.get(path).headers["ETag"] for path in ("/addenda", f"/addenda/{p.id}")}
    world.apply("Jobkracht vzw")
    db.session.commit()
    for path, tag in tags.items():
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 304, path


def test_another_language_gets_another_validator(world, db, client, app):
    p = world.published_procedure()
    db.session.commit()
    for path in ("/addenda", "/addenda/feed.atom", f"/addenda/{p.id}"):
        dutch = client.get(path)
        english = client.get(path, headers={"Accept-Language": "en"})
        assert english.headers["ETag"] != dutch.headers["ETag"], path
        # the Dutch validator does not fetch the English page's 304
        response = client.get(path, headers={"Accept-Language": "en",
                                             "If-None-Match": dutch.headers["ETag"]})
        assert response.status_code == 200
    # the language chosen with the switch (kept in the session) too
    nl = client.get("/addenda").headers["ETag"]
    client.post("/taal", data={"lang": "en", "next": "/addenda"})
    response = client.get("/addenda", headers={"If-None-Match": nl})
    assert response.status_code == 200 and 'lang="en"' in response.get_data(as_text=True)


def test_another_session_or_a_later_window_gets_another_validator(world, db, client, app,
                                                                  monkeypatch):
    """The page embeds the session's CSRF token (the language switch): another visitor's
    validator never matches, and after half the token's lifetime the page is rendered
    afresh, so a copy served from the cache always holds a token valid for half an hour."""
    world.published_procedure()
    db.session.commit()
    first = client.get("/addenda")
    other = app.test_client()
    with app.app_context():
        theirs = other.get("/addenda")
    assert theirs.headers["ETag"] != first.headers["ETag"]
    assert client.get("/addenda", headers={"If-None-Match": first.headers["ETag"]}
                      ).status_code == 304
    # the feed has no session content: one validator for every reader of a language
    assert theirs.status_code == 200
    with app.app_context():
        assert other.get("/addenda/feed.atom").headers["ETag"] == client.get(
            "/addenda/feed.atom").headers["ETag"]

    now = conditional.time.time()
    monkeypatch.setattr(conditional.time, "time", lambda: now + 31 * 60)
    later = client.get("/addenda", headers={"If-None-Match": first.headers["ETag"],
                                            "If-Modified-Since": http_date(first.last_modified)})
    assert later.status_code == 200 and later.last_modified > first.last_modified
    # a token of this window is still accepted by the language switch
    assert b"csrf_token" in later.data


def test_a_signed_in_person_gets_no_validator_and_no_shared_copy(world, db, client):
    p = world.published_procedure()
    observer = world.user("Olga Observer", Role.OBSERVER)
    db.session.commit()
    anonymous = {path: client.get(path).headers["ETag"]
                 for path in ("/addenda", "/addenda/feed.atom", f"/addenda/{p.id}")}
    login(client, db, observer)
    for path, tag in anonymous.items():
        response = client.get(path, headers={"If-None-Match": tag})
        assert response.status_code == 200, path
        assert "ETag" not in response.headers and response.last_modified is None
        assert response.headers["Cache-Control"] == "no-store"
    assert "Olga Observer" in client.get("/addenda").get_data(as_text=True)


def test_a_flashed_message_is_shown_not_answered_with_304(world, db, client, app):
    world.published_procedure()
    db.session.commit()
    tag = client.get("/addenda").headers["ETag"]
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Een bericht voor u")]
    response = client.get("/addenda", headers={"If-None-Match": tag})
    assert response.status_code == 200 and "Een bericht voor u" in response.get_data(as_text=True)
    assert "ETag" not in response.headers


def test_an_unpublished_procedure_stays_404_without_rendering_its_page(world, db, client):
    draft = world.draft_procedure()
    db.session.commit()
    assert client.get(f"/addenda/{draft.id}").status_code == 404
    assert client.get(f"/addenda/{draft.id}",
                      headers={"If-None-Match": '"x"'}).status_code == 404


def test_another_procedure_published_leaves_an_addendum_page_cached(world, db, client):
    p = world.published_procedure()
    db.session.commit()
    first = client.get(f"/addenda/{p.id}")
    world.clock.advance(days=1)
    coordinator2, area2 = world.other_coordinator()
    other = area_ops.create_procedure(area2, "Matching Gent", actor=coordinator2,
                                      now=world.clock.now)
    deadline = world.deadline(weeks=7)
    area_ops.edit_draft_addendum(other, dict(ADDENDUM, candidacy_deadline=deadline),
                                 actor=coordinator2, now=world.clock.now)
    start = deadline + timedelta(days=14, hours=1)
    area_ops.add_pitch_slot(other, start, start + timedelta(minutes=45), "Stadhuis Gent",
                            actor=coordinator2, now=world.clock.now)
    area_ops.publish_addendum(other, actor=coordinator2, now=world.clock.now)
    db.session.commit()
    # the list changed, this addendum did not: neither its ETag nor its Last-Modified moved
    again = client.get(f"/addenda/{p.id}")
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.last_modified == first.last_modified
    assert client.get(f"/addenda/{p.id}", headers={"If-None-Match": first.headers["ETag"]}
                      ).status_code == 304


def test_disposing_the_engine_closes_the_early_layers_own_connections(world, db, client, app):
    """PostgreSQL: the connections the early 304 keeps between requests (its own, outside
    the pool) are closed with the engine, not left open behind it."""
    if db.engine.dialect.driver != "psycopg":
        pytest.skip("the layer's own connections are PostgreSQL's")
    world.published_procedure()
    db.session.commit()
    tag = client.get("/addenda").headers["ETag"]
    assert client.get("/addenda", headers={"If-None-Match": tag}).status_code == 304
    layer = early_layer(app)
    kept = list(layer._idle)
    assert kept and not any(connection.closed for connection in kept)
    db.engine.dispose()
    assert layer._idle == [] and all(connection.closed for connection in kept)
