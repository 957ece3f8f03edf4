"""The public pages' validator kept in each worker's memory on PostgreSQL (issue 17): the
early 304 (:mod:`workareas.revalidation`) then answers without a round trip to the
database, and reads it again only when PostgreSQL says that what it reads may have changed.

How no change is missed:

* Migration ``0114_notify`` puts triggers on everything the validator statements read
  (:mod:`workareas.conditional`: ``procedure``, ``addendum_version``, the events of
  procedures, work areas and the retention run in ``audit_event``); each sends
  ``NOTIFY public_validator`` at the commit of a transaction that wrote there.
* One listener thread per process, on a connection of its own (autocommit), runs
  ``LISTEN public_validator`` and then checks that those triggers exist and are enabled;
  only then is the memory used (*live*). A value is kept only if it was read while live,
  and no notification (nor loss of the listener) came between the start of its read and
  its storing: the reader takes the generation before it reads, and the value is stored
  only if the generation is still the same (every notification, every loss and every
  reconnection moves it on and empties the memory). Since the ``LISTEN`` was in force
  before the read's snapshot, every commit after that snapshot sends a notification the
  listener receives.
* Any error of the listener's connection (the server restarted, the backend terminated)
  empties the memory and turns it off: every answer reads the database again, as without
  this module, until the listener has reconnected (after 0.5 s, doubling up to 30 s) and
  LISTENs again. A ``recheck`` notification (the migration's downgrade) does the same,
  and without the triggers the memory stays off.
* A connection can also die silently (a firewall forgetting an idle connection): no error,
  and no notification either. So the listener makes a round trip every 2 s (``SELECT 1``;
  the server sends the notifications committed before it ahead of its answer, and the
  listener handles them before anything else), and the memory is trusted only for 6 s
  after the start of the last round trip that succeeded (its *lease*): a listener that no
  longer hears the server turns the memory off within 6 s, however it fails.
* While anything the server sent waits for the listener (in its socket: the listener may
  not have the GIL yet; or being read by it), no answer comes from memory: every lookup
  polls the listener's socket (``poll(0)``, about a microsecond). A notification that has
  reached this machine is therefore never answered around.
* A commit in this process that wrote those tables empties the memory of this process
  itself, synchronously, right after the commit and before the connection goes back to
  the pool (:func:`track_commits`): the request that published a version, and every
  request after it in this process, never gets the old 304. In another process the old
  validator may still answer until the notification has reached its socket: PostgreSQL
  sends it when the listening backend gets the CPU after the commit (0.04-0.5 ms measured
  on a quiet machine; stale 304s were seen up to about 34 ms after the commit returned on
  the overloaded 2-core test machine).
* The thread is started lazily by the first lookup of the process (after gunicorn's fork;
  a fork empties the child's memory and forgets the parent's thread), and stopped when the
  engine is disposed (:func:`track_commits`); the next lookup starts it again.

Writes made with ``session_replication_role = replica`` (which only a superuser may set)
do not fire the triggers: another process does not learn of them.
"""

from __future__ import annotations

import logging
import os
import re
import select
import threading
import weakref
from collections.abc import Callable, Mapping
from time import monotonic
from typing import Any

from sqlalchemy import event
from sqlalchemy.sql.dml import Insert, UpdateBase
from sqlalchemy.sql.elements import TextClause

log = logging.getLogger(__name__)

CHANNEL = "public_validator"
#: The payload telling listeners to check the triggers again (migration 0114's downgrade).
RECHECK = "recheck"
#: The triggers of migration 0114 (name, table) that must exist and be enabled.
TRIGGERS = (("public_validator_procedure", "procedure"),
            ("public_validator_addendum_version", "addendum_version"),
            ("public_validator_audit_event", "audit_event"),
            ("public_validator_audit_event_changed", "audit_event"))
#: The tables the validator statements read, and the audit objects among the events.
TABLES = frozenset(table for _name, table in TRIGGERS)
AUDITED = frozenset({"procedure", "work_area", "retention"})

POLL = 0.25  # seconds the listener waits for notifications before looking at its stop flag
PING = 2.0  # seconds between two round trips of the listener (its connection still works)
LEASE = 6.0  # seconds the memory is trusted after the start of the last round trip
RECHECK_EVERY = 30.0  # seconds between two checks of missing triggers
FIRST_DELAY, MAX_DELAY = 0.5, 30.0  # reconnection backoff
MAX_ENTRIES = 10_000  # the list and every public addendum fit many times

INSTALLED = """
SELECT count(*) FROM pg_trigger t
JOIN unnest(%s::text[], %s::text[]) AS w(name, tab)
  ON t.tgname = w.name AND t.tgrelid = to_regclass(w.tab)
WHERE t.tgenabled IN ('O', 'A')
"""


def listener_connection(engine: Any, *, prepare: bool = False) -> Any:
    """A DBAPI connection made by the engine (its URL, arguments and connect hooks), detached
    from its pool, in autocommit; with ``prepare``, every statement is prepared on the server
    at its first execution (psycopg's ``prepare_threshold``: the early 304's connections)."""
    proxied = engine.raw_connection()
    try:
        proxied.detach()
        connection = proxied.dbapi_connection
        connection.rollback()  # the pool's liveness check may have begun a transaction
        connection.autocommit = True
        if prepare:
            connection.prepare_threshold = 0
    except Exception:
        proxied.close()
        raise
    return connection


def close_quietly(connection: Any) -> None:
    """Close a connection of our own that may already be broken (nothing more to release)."""
    try:
        connection.close()
    except Exception:
        log.debug("closing an own connection of the public validator failed", exc_info=True)


class ValidatorCache:
    """The validators of this process, by procedure id (None: the list and the feed).
    ``connect()`` opens the listener's connection (psycopg, autocommit)."""

    def __init__(self, connect: Callable[[], Any]):
        self._connect = connect
        self._lock = threading.Lock()
        self._values: dict[int | None, Any] = {}
        self._generation = 0
        self._live = False
        self._lease = 0.0  # monotonic(): until when the memory may be trusted
        self._fd = -1  # the listener's socket
        self._pending = False  # the listener is reading what the server sent
        self._probes = threading.local()  # each thread's poll object on that socket
        self._pid: int | None = None
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None
        self.listener_pid: int | None = None  # the listener's backend (tests, logs)
        self.last_payload: str | None = None  # of the last notification received (tests)
        self.received = 0  # notifications received (tests)
        _CACHES.add(self)

    # --- the requests' side ---------------------------------------------------------------

    def lookup(self, key: int | None) -> tuple[Any, int | None]:
        """``(value, token)``: the kept value (None if none) and the token to store what the
        caller then reads from the database (None: do not store)."""
        if self._pid != os.getpid():
            self._start()
        if not self._live or monotonic() > self._lease or not self._quiet():
            return None, None
        token = self._generation  # before the value, before the caller's read
        return self._values.get(key), token

    def store(self, key: int | None, value: Any, token: int | None) -> None:
        """Keep ``value``, read after :meth:`lookup` gave ``token``, unless anything
        happened since."""
        if token is None:
            return
        with self._lock:
            if (self._live and token == self._generation and monotonic() <= self._lease
                    and (key in self._values or len(self._values) < MAX_ENTRIES)):
                self._values[key] = value

    def invalidate(self) -> None:
        with self._lock:
            self._generation += 1
            self._values.clear()

    def _quiet(self) -> bool:
        """Nothing from the server waiting for the listener: neither in its socket (the
        listener may not have been given the GIL yet) nor being read by it. A notification
        that has reached this machine is then never answered around."""
        if self._pending:
            return False
        fd, probes = self._fd, self._probes
        if getattr(probes, "fd", None) != fd:
            probe = select.poll()
            probe.register(fd, select.POLLIN)
            probes.fd, probes.probe = fd, probe
        return not probes.probe.poll(0)

    @property
    def live(self) -> bool:
        return self._live and monotonic() <= self._lease

    # --- the listener ---------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            pid = os.getpid()
            if self._pid == pid:
                return
            stop = threading.Event()
            thread = threading.Thread(target=self._listen, args=(stop,), daemon=True,
                                      name="public-validator-listener")
            self._stop, self._thread, self._pid = stop, thread, pid
            self._live = False
            self._generation += 1
            self._values.clear()
        thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop this process's listener (it closes its connection) and wait for it; the
        next lookup starts another."""
        with self._lock:
            stop, thread = self._stop, self._thread
            self._stop = self._thread = self._pid = None
            self._live = False
            self._generation += 1
            self._values.clear()
        if stop is not None:
            stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _forked(self) -> None:
        """In a forked child: the parent's thread is not here (its connection is the
        parent's: left alone, psycopg does not close it from another process)."""
        self._lock = threading.Lock()
        self._values = {}
        self._generation += 1
        self._live = self._pending = False
        self._probes = threading.local()
        self._stop = self._thread = self._pid = None

    def _turn(self, stop: threading.Event, live: bool, lease: float = 0.0) -> None:
        with self._lock:
            self._generation += 1
            self._values.clear()
            if self._stop is stop:  # still this process's listener
                self._live, self._lease = live, lease

    def _renew(self, stop: threading.Event, lease: float) -> None:
        with self._lock:
            if self._stop is stop:
                self._lease = lease

    def _listen(self, stop: threading.Event) -> None:
        failures = 0  # since it was last live
        while not stop.is_set():
            connection = None
            try:
                connection = self._connect()
                connection.execute(f"LISTEN {CHANNEL}")
                self.listener_pid = connection.info.backend_pid
                self._fd = connection.fileno()
                wait = select.poll()
                wait.register(self._fd, select.POLLIN)
                live, checked, pinged = False, -RECHECK_EVERY, monotonic()
                while not stop.is_set():
                    now = monotonic()
                    if not live and now - checked >= RECHECK_EVERY:
                        checked = pinged = now
                        if self._installed(connection):  # a round trip after the LISTEN
                            self._turn(stop, True, now + LEASE)
                            live, failures = True, 0
                        else:
                            log.warning("public validator: the triggers of migration "
                                        "0114 are missing; every 304 reads the database")
                    elif now - pinged >= PING:  # a dead connection raises here
                        self._pending = True  # notifications read with the answer
                        try:
                            connection.execute("SELECT 1")
                            pinged = now
                            # what the server sent before its answer first, then the lease
                            if self._handle(connection, stop):
                                live, checked = False, -RECHECK_EVERY
                            elif live:
                                self._renew(stop, now + LEASE)
                        finally:
                            self._pending = False
                        continue
                    if wait.poll(POLL * 1000):
                        self._pending = True  # before the socket is read
                        try:
                            if self._handle(connection, stop):
                                live, checked = False, -RECHECK_EVERY
                        finally:
                            self._pending = False
            except Exception:
                if not stop.is_set():
                    log.warning("public validator: the listener failed; every 304 reads the "
                                "database until it is back", exc_info=True)
            finally:
                self._turn(stop, False)
                if connection is not None:
                    close_quietly(connection)
            if stop.wait(min(FIRST_DELAY * 2 ** failures, MAX_DELAY)):
                break
            failures = min(failures + 1, 16)

    def _handle(self, connection: Any, stop: threading.Event) -> bool:
        """The notifications received (read without waiting): each empties the memory.
        True if one asked to check the triggers again (the memory is then off)."""
        recheck = False
        for notify in connection.notifies(timeout=0.0):
            self.invalidate()
            self.last_payload = notify.payload
            self.received += 1
            if notify.payload == RECHECK:
                self._turn(stop, False)
                recheck = True
        return recheck

    @staticmethod
    def _installed(connection: Any) -> bool:
        names, tables = [n for n, _t in TRIGGERS], [t for _n, t in TRIGGERS]
        row = connection.execute(INSTALLED, (names, tables)).fetchone()
        return row is not None and row[0] == len(TRIGGERS)


#: Every cache of this process (emptied in a forked child).
_CACHES: weakref.WeakSet[ValidatorCache] = weakref.WeakSet()


def _after_fork() -> None:
    for cache in list(_CACHES):
        cache._forked()


os.register_at_fork(after_in_child=_after_fork)


# --- this process's own commits ----------------------------------------------------------

WRITTEN, COMMITTED = "public_validator.written", "public_validator.committed"
_FIRST_WORD = re.compile(r"\s*(\w*)")
_READS = frozenset({"select", "show", "set", "savepoint", "release", "begin", "commit",
                    "rollback", "listen", "explain", "values", "prepare", "deallocate"})
_TABLE_NAMES = re.compile(r"\b(procedure|addendum_version|audit_event)\b", re.IGNORECASE)


def writes_validated(statement: Any, multiparams: Any, params: Any) -> bool:
    """Whether ``statement`` (as ``Connection.execute`` receives it) may write what the
    validator reads. In doubt (a text statement naming one of the tables, an insert
    whose values are not plain parameters) it says yes."""
    if isinstance(statement, UpdateBase):
        name = getattr(getattr(statement, "table", None), "name", None)
        if name is None:
            return True
        if name not in TABLES:
            return False
        if name != "audit_event" or not isinstance(statement, Insert):
            return True
        if getattr(statement, "_values", None) or getattr(statement, "_multi_values", None):
            return True
        rows = [p for p in (multiparams or ()) if p] or ([params] if params else [])
        if not rows or not all(isinstance(row, Mapping) for row in rows):
            return True
        return any(row.get("object_type") in AUDITED or "object_type" not in row
                   for row in rows)
    if isinstance(statement, str | TextClause):
        sql = statement if isinstance(statement, str) else statement.text
        first = _FIRST_WORD.match(sql)
        if first is not None and first.group(1).lower() in _READS:
            return False
        return _TABLE_NAMES.search(sql) is not None
    return False


class _Engines:
    """The caches of each engine, and the engine's events registered once."""

    def __init__(self) -> None:
        self._caches: weakref.WeakKeyDictionary[Any, weakref.WeakSet[ValidatorCache]] = \
            weakref.WeakKeyDictionary()

    def add(self, engine: Any, cache: ValidatorCache) -> None:
        caches = self._caches.get(engine)
        if caches is None:
            caches = self._caches[engine] = weakref.WeakSet()
            self._listen(engine, caches)
        caches.add(cache)

    @staticmethod
    def _listen(engine: Any, caches: weakref.WeakSet[ValidatorCache]) -> None:
        def invalidate() -> None:
            for cache in list(caches):
                cache.invalidate()

        def before_execute(conn, clauseelement, multiparams, params, execution_options):
            if writes_validated(clauseelement, multiparams, params):
                conn.info[WRITTEN] = True

        def commit(conn):  # before the database's commit: remembered, acted on after it
            info = conn.info
            if info.pop(WRITTEN, False):
                info[COMMITTED] = True

        def rollback(conn):
            conn.info.pop(WRITTEN, None)

        def begin(conn):  # the same connection used again after its commit
            if conn.info.pop(COMMITTED, False):
                invalidate()

        def checkin(dbapi_connection, record):  # returned to the pool after its commit
            if record is not None:
                record.info.pop(WRITTEN, None)
                if record.info.pop(COMMITTED, False):
                    invalidate()

        def disposed(_engine):
            for cache in list(caches):
                cache.stop()

        event.listen(engine, "before_execute", before_execute)
        event.listen(engine, "commit", commit)
        event.listen(engine, "rollback", rollback)
        event.listen(engine, "begin", begin)
        event.listen(engine, "checkin", checkin)
        event.listen(engine, "engine_disposed", disposed)


_ENGINES = _Engines()


def track_commits(engine: Any, cache: ValidatorCache) -> None:
    """Empty ``cache`` right after every commit through ``engine`` that may have written
    what the validator reads (before its connection goes back to the pool, or before the
    next transaction on it), and stop its listener when the engine is disposed."""
    _ENGINES.add(engine, cache)
