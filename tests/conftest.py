"""Fixtures shared by the integration and functional tests.

Every database-backed test runs on SQLite and, when ``TEST_DATABASE_URL`` is set, on
PostgreSQL too. The schema comes from the Alembic migrations, so the tests also prove
that the migrations build what the models describe.
"""

from __future__ import annotations

import os

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    """One application per database backend, its schema built by the migrations."""
    from flask_migrate import upgrade

    from matching.app import create_app
    from matching.app.config import normalise_database_url

    if request.param == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    else:
        url = normalise_database_url(TEST_DATABASE_URL)
        _reset_postgres(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url,
                      "WTF_CSRF_ENABLED": False, "MATCHING_ENV": "testing",
                      # the suite signs in hundreds of times from one address; the tests
                      # of the rate limits set the scale back to 1 (test_sessions.py)
                      "RATE_LIMIT_SCALE": 1000,
                      # tests move the world's clock by days while signed in; the tests of
                      # the session lifetimes set these back (test_sessions.py)
                      "SESSION_IDLE_MINUTES": 10 ** 8, "SESSION_LIFETIME_HOURS": 10 ** 7})
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from matching.core.db import db
        db.engine.dispose()


@pytest.fixture
def backend(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+")[0]


@pytest.fixture
def db(app):
    """The database in an app context; every table is emptied after the test."""
    from matching.core.db import db as _db
    from tests.helpers import bypass_append_only_trigger

    with app.app_context():
        yield _db
        # what a worker keeps between views, keyed on the audit chain's head: the next
        # test's database has the same name and may have the same head
        from matching.oversight.kept_conditions import forget

        forget()
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            # The audit trail is append-only (a trigger refuses DELETE); the test
            # database is emptied as superuser with ordinary triggers switched off.
            bypass_append_only_trigger(conn)
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())


class FreshContextClient(FlaskClient):
    """Each request runs in its own application context, as in production: its own
    database session (it sees only what the test committed) and its own ``g``."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(db):
    from tests.support import World

    return World(db)


@pytest.fixture
def pages_at_world_time(app, world, monkeypatch):
    """The pages read the test world's clock (``app.config["CLOCK"]``, read by
    ``matching.core.web.utcnow``); the session-wide app gets the real clock back after."""
    monkeypatch.setitem(app.config, "CLOCK", lambda: world.clock.now)
    return world.clock


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free port of 127.0.0.1; ``smtp.messages`` holds
    what it accepted, ``smtp.controller`` stops it (a test may take it down)."""
    from tests.helpers import Inbox, start_smtp, stop_smtp

    inbox = Inbox()
    start_smtp(inbox)
    yield inbox
    stop_smtp(inbox)


@pytest.fixture
def mail_config(app, smtp):
    """The application's configuration with the outbox delivering to ``smtp``."""
    return dict(app.config, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port,
                MAIL_SENDER="matching@test.example")
