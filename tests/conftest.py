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
                      "WTF_CSRF_ENABLED": False, "MATCHING_ENV": "testing"})
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

    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # The audit trail is append-only (a trigger refuses DELETE); the test
                # database is emptied as superuser with ordinary triggers switched off.
                conn.execute(text("SET LOCAL session_replication_role = replica"))
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
