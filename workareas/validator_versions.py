"""The public pages' validator kept per connection on SQLite (issue 17): the early 304
(:mod:`workareas.revalidation`) reads it again only when the database file has changed.

SQLite has no notifications as PostgreSQL has (:mod:`workareas.validator_cache`); instead
each connection answers ``PRAGMA data_version``, a number that changes whenever another
connection (of this process, of another worker, of ``flask`` on the command line) has
committed to the file since this connection last asked, and does not read any table
(https://www.sqlite.org/pragma.html#pragma_data_version). The number is local to its
connection, so what is kept is kept per connection: a connection of the layer's own
(:func:`own_connection`), which only reads, outside any transaction (each statement sees
the latest commit), and is used by one thread at a time.

How no change is missed: the number is asked first, then (if it differs from the one the
kept value was read under) the statement is read and kept with the number asked before it.
A commit between the two makes the next question's number differ, so the value is read
again; a commit after them does too. Only an in-memory database (one connection, nothing
to compare with) is left to the pool's reading (:func:`file_database`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: At most this many pages kept per connection (the list, the feed and each addendum);
#: beyond it the memory starts again (a crawler asking for ever other addenda).
KEPT_PAGES = 4096


def file_database(engine: Any) -> bool:
    """Whether ``engine`` is SQLite on a file (not ``:memory:`` nor a shared-memory URI)."""
    url = engine.url
    database = url.database or ""
    return (engine.dialect.name == "sqlite" and database not in ("", ":memory:")
            and "mode=memory" not in database and url.query.get("mode") != "memory")


def own_connection(engine: Any) -> Any:
    """A DBAPI connection made by the engine (its URL, arguments and connect hooks),
    detached from its pool, outside any transaction."""
    proxied = engine.raw_connection()
    try:
        proxied.detach()
        connection = proxied.dbapi_connection
        connection.rollback()  # the pool's liveness check may have begun a transaction
    except Exception:
        proxied.close()
        raise
    return connection


class VersionedReads:
    """One connection of the layer's own and what was read on it, by page, with the
    ``data_version`` each was read under."""

    def __init__(self, connection: Any):
        self.connection = connection
        self._kept: dict[int | None, tuple[int, Any]] = {}

    def state(self, key: int | None, read: Callable[[Any], Any]) -> Any:
        """The state of page ``key`` (None: the list and the feed): kept, or ``read`` on
        this connection when another connection has committed since it was kept. A page
        that is not public (``read`` answers None) is not kept."""
        cursor = self.connection.cursor()
        try:
            cursor.execute("PRAGMA data_version")
            version = cursor.fetchone()[0]
        finally:
            cursor.close()
        kept = self._kept.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
        state = read(self.connection)
        if state is not None:
            if len(self._kept) >= KEPT_PAGES:
                self._kept.clear()
            self._kept[key] = (version, state)
        return state

    def close(self) -> None:
        self._kept.clear()
        self.connection.close()
