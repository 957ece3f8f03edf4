"""Which database refusals ``perform`` turns into a Dutch message (a lost race) and which
stay errors (a bug): by SQLSTATE on PostgreSQL, by message on SQLite."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from matching.core.web import is_race


class PgError(Exception):
    """What psycopg raises: the SQLSTATE on the exception."""

    def __init__(self, sqlstate: str):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate,race", [
    ("23505", True),  # unique violation: the guard of a double submit decided
    ("40001", True),  # serialization failure
    ("40P01", True),  # deadlock detected
    ("23503", False),  # foreign key violation: a bug
    ("23514", False),  # check violation: a bug (the rules should have refused it)
    ("42501", False),  # insufficient privilege: a misconfigured role
])
def test_postgresql_refusals(sqlstate, race):
    kind = IntegrityError if sqlstate.startswith("23") else OperationalError
    assert is_race(kind("INSERT …", {}, PgError(sqlstate))) is race


def test_sqlite_refusals():
    unique = sqlite3.IntegrityError("UNIQUE constraint failed: vote.ballot_id, vote.bloc")
    check = sqlite3.IntegrityError("CHECK constraint failed: score_range")
    assert is_race(IntegrityError("INSERT …", {}, unique))
    assert not is_race(IntegrityError("INSERT …", {}, check))
    assert not is_race(DBAPIError("SELECT …", {}, sqlite3.OperationalError("disk I/O error")))
