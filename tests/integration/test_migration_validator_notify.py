"""Migration 0114 (issue 17): on PostgreSQL, triggers that NOTIFY the public pages'
validator caches (workareas.validator_cache); nothing on SQLite. A cache trusts its memory
only while they exist: before the migration, and after its downgrade, it stays off."""

from __future__ import annotations

import os
from functools import partial

import pytest
import sqlalchemy as sa

from tests.functional.test_public_conditional import eventually
from tests.helpers import drop_schema, schema_app
from workareas.validator_cache import TRIGGERS, ValidatorCache, listener_connection

#: On PostgreSQL the test works in a schema of its own, so the suite's schema is untouched.
SCHEMA = "migration_0114"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _app(tmp_path, backend):
    return schema_app(tmp_path, "notify.db", backend, SCHEMA)


@pytest.fixture(params=BACKENDS)
def backend(request):
    yield request.param
    if request.param == "postgresql":
        drop_schema(SCHEMA)


def _triggers(connection) -> set[str]:
    if connection.dialect.name != "postgresql":
        return set()
    return set(connection.execute(sa.text(
        "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'public_validator%' "
        "AND tgrelid::regclass::text IN ('procedure', 'addendum_version', 'audit_event')"
    )).scalars())


def test_the_triggers_come_and_go_with_the_migration_and_the_cache_follows(tmp_path,
                                                                          backend):
    from flask_migrate import downgrade, upgrade

    from matching.core.db import db

    app = _app(tmp_path, backend)
    with app.app_context():
        upgrade(revision="0113_validator")
        engine = db.engine
        cache = None
        if backend == "postgresql":
            cache = ValidatorCache(partial(listener_connection, engine))
            cache.lookup(None)
            assert eventually(lambda: cache.listener_pid is not None)
            assert not eventually(lambda: cache.live, timeout=1.0)  # no triggers: off
        upgrade()
        with engine.connect() as connection:
            expected = {name for name, _table in TRIGGERS} if backend == "postgresql" else set()
            assert _triggers(connection) == expected
        if cache is not None:  # the upgrade told the listener to check again
            assert eventually(lambda: cache.live), "the cache did not turn on"
        downgrade(revision="0113_validator")
        with engine.connect() as connection:
            assert _triggers(connection) == set()
        if cache is not None:
            assert eventually(lambda: not cache.live), "the cache stayed on"
            assert not eventually(lambda: cache.live, timeout=1.0)
            cache.stop()
        upgrade()
        db.engine.dispose()
