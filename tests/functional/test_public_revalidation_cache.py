"""The public pages' validator kept in memory on PostgreSQL (issue 17,
workareas.validator_cache): a cached 304 reads nothing, and every change of what the
validator reads, committed anywhere, is noticed (LISTEN/NOTIFY, migration 0114); a lost
listener sends every answer to the database until it is back."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from sqlalchemy import create_engine, delete, insert, select, text, update

from matching.audit.models import AuditEvent
from tests.functional.test_public_conditional import (
    DriverCounter,
    early_layer,
    eventually,
    live_cache,
    settle,
)
from workareas import validator_cache
from workareas.models import Procedure
from workareas.validator_cache import writes_validated


def postgres_only(db):
    if db.engine.dialect.driver != "psycopg":
        pytest.skip("the validator is kept in memory on PostgreSQL only")


#: A change of what the public pages show (the procedure's publication instant).
SHIFT = text("UPDATE procedure SET published_at = published_at + interval '1 second' "
             "WHERE id = :p")


@pytest.fixture
def other(app):
    """A connection of another process's engine: its commits reach this process only by
    NOTIFY (this process's own engine empties the cache after its commits itself)."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


def statements(db, app, monkeypatch, client, path, tag) -> tuple[int, int]:
    """The status of a revalidation of ``path`` and, for a 304, the statements it cost
    (for a 200: None, the page's own statements counted too)."""
    with DriverCounter(db, app, monkeypatch) as counter:
        response = client.get(path, headers={"If-None-Match": tag})
    if response.status_code != 304:
        return response.status_code, None
    assert counter.flask == 0
    return response.status_code, counter.count


def test_a_cached_304_reads_nothing(world, db, client, app, monkeypatch):
    """PostgreSQL: the first 304 reads the validator, the next ones are answered from memory
    (no statement at all). A SQLite file: the first reads it, the next ones only ask whether
    the file changed (``PRAGMA data_version``, no table read:
    tests/functional/test_public_revalidation_sqlite.py)."""
    p = world.published_procedure()
    db.session.commit()
    for path in ("/addenda", "/addenda/feed.atom", f"/addenda/{p.id}"):
        tag = client.get(path).headers["ETag"]
        if db.engine.dialect.driver != "psycopg":
            assert early_layer(app).cache is None
            shared = path == "/addenda/feed.atom"  # the list's validator, kept
            assert statements(db, app, monkeypatch, client, path, tag) == (304, 1 if shared
                                                                           else 2)
            assert statements(db, app, monkeypatch, client, path, tag) == (304, 1)
            assert statements(db, app, monkeypatch, client, path, tag) == (304, 1)
            continue
        settle(db, live_cache(app, db))
        first = statements(db, app, monkeypatch, client, path, tag)
        assert first == (304, 1) or path == "/addenda/feed.atom"  # the list's, kept
        assert statements(db, app, monkeypatch, client, path, tag) == (304, 0)
        assert statements(db, app, monkeypatch, client, path, tag) == (304, 0)


@pytest.mark.parametrize("change", ["procedure", "version", "work_area_event",
                                    "candidacy_event"])
def test_a_change_committed_elsewhere_empties_the_cache(world, db, client, app, monkeypatch,
                                                        other, change):
    """A change another process commits reaches this one by NOTIFY within a bounded wait:
    the next 304 reads the database again and finds the change. An event the public pages
    do not show (a candidacy's) leaves the memory as it is (the trigger's WHEN)."""
    postgres_only(db)
    p = world.published_procedure()
    db.session.commit()
    cache = live_cache(app, db)
    settle(db, cache)
    tags = {path: client.get(path).headers["ETag"] for path in ("/addenda", f"/addenda/{p.id}")}
    for path, tag in tags.items():
        statements(db, app, monkeypatch, client, path, tag)  # read, kept
        assert statements(db, app, monkeypatch, client, path, tag) == (304, 0)

    received = cache.received
    with other.begin() as connection:
        if change == "procedure":
            connection.execute(SHIFT, {"p": p.id})
        elif change == "version":
            connection.execute(text(
                "UPDATE addendum_version SET published_at = published_at + interval '1 second'"
                " WHERE procedure_id = :p AND published_at IS NOT NULL"), {"p": p.id})
        else:
            kind = "work_area" if change == "work_area_event" else "candidacy"
            connection.execute(insert(AuditEvent).values(
                id=select(AuditEvent.id + 1000).order_by(AuditEvent.id.desc()).limit(1)
                .scalar_subquery(),
                at=world.clock.now, action="test", object_type=kind,
                object_id=p.work_area_id, summary="{}", prev_hash=uuid.uuid4().hex,
                hash=uuid.uuid4().hex))
    if change == "candidacy_event":
        settle(db, cache)  # every earlier notification arrived: only the settling one
        assert cache.received == received + 1
        return
    assert eventually(lambda: cache._values == {}), "no notification arrived"
    for path, tag in tags.items():
        assert statements(db, app, monkeypatch, client, path, tag) == (200, None), path


def test_a_value_read_while_a_notification_arrives_is_not_kept(world, db, client, app,
                                                               monkeypatch, other):
    """The validator read, then a change committed elsewhere and its notification received
    before that read is stored: it is not stored (the generation moved on), so the next
    request reads the database again and sees the change."""
    postgres_only(db)
    p = world.published_procedure()
    db.session.commit()
    cache = live_cache(app, db)
    settle(db, cache)
    tag = client.get("/addenda").headers["ETag"]
    layer = early_layer(app)
    real = layer._direct_state

    def read_then_change(engine, dialect, procedure_id):
        state = real(engine, dialect, procedure_id)  # read before the change
        with other.begin() as connection:
            connection.execute(SHIFT, {"p": p.id})
        settle(db, cache)  # its notification received: the cache emptied meanwhile
        return state

    monkeypatch.setattr(layer, "_direct_state", read_then_change)
    assert client.get("/addenda", headers={"If-None-Match": tag}).status_code == 304
    monkeypatch.undo()
    assert cache._values == {}
    assert statements(db, app, monkeypatch, client, "/addenda", tag) == (200, None)


def test_a_lost_listener_sends_every_answer_to_the_database_until_it_is_back(
        world, db, client, app, monkeypatch):
    postgres_only(db)
    world.published_procedure()
    db.session.commit()
    cache = live_cache(app, db)
    settle(db, cache)
    tag = client.get("/addenda").headers["ETag"]
    statements(db, app, monkeypatch, client, "/addenda", tag)
    assert statements(db, app, monkeypatch, client, "/addenda", tag) == (304, 0)

    killed = cache.listener_pid
    with pytest.MonkeyPatch.context() as patch:
        # slow its reconnection down, so that the time without it can be seen
        patch.setattr(validator_cache, "FIRST_DELAY", 1.5)
        db.session.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": killed})
        db.session.commit()
        assert eventually(lambda: not cache.live), "the lost listener went unnoticed"
        for _ in range(3):  # read every time, nothing kept
            assert statements(db, app, monkeypatch, client, "/addenda", tag) == (304, 1)
        assert cache._values == {}

    assert eventually(lambda: cache.live), "the listener did not come back"
    assert cache.listener_pid != killed
    statements(db, app, monkeypatch, client, "/addenda", tag)  # read and kept
    assert statements(db, app, monkeypatch, client, "/addenda", tag) == (304, 0)


def test_a_listener_that_no_longer_hears_the_server_is_not_trusted(world, db, client, app,
                                                                  monkeypatch):
    """A connection that died silently raises nothing: the memory is trusted only for a
    lease after the listener's last round trip; expired, every answer reads the database
    and nothing is kept, until a round trip renews it."""
    postgres_only(db)
    world.published_procedure()
    db.session.commit()
    cache = live_cache(app, db)
    settle(db, cache)
    tag = client.get("/addenda").headers["ETag"]
    statements(db, app, monkeypatch, client, "/addenda", tag)
    assert statements(db, app, monkeypatch, client, "/addenda", tag) == (304, 0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validator_cache, "PING", 3600.0)  # no round trip for now
        settle(db, cache)
        settle(db, cache)  # a round trip begun before is over, its lease renewed
        cache._lease = 0.0  # as if the last round trip was long ago
        for _ in range(2):
            assert statements(db, app, monkeypatch, client, "/addenda", tag) == (304, 1)
    assert eventually(lambda: cache.live), "the next round trip did not renew the lease"
    statements(db, app, monkeypatch, client, "/addenda", tag)
    assert statements(db, app, monkeypatch, client, "/addenda", tag) == (304, 0)


def test_this_processs_own_commit_empties_the_cache_before_it_returns(world, db, client,
                                                                      app, monkeypatch):
    """Synchronously, on the committing thread, once the commit is done: not after the
    notification's delivery (the publisher reloading at once sees the new version); a
    commit that wrote nothing the pages read leaves the memory as it is."""
    postgres_only(db)
    p = world.published_procedure()
    db.session.commit()
    cache = live_cache(app, db)
    settle(db, cache)
    calls: list[str] = []
    real = cache.invalidate

    def recorded():
        calls.append(threading.current_thread().name)
        real()

    monkeypatch.setattr(cache, "invalidate", recorded)
    me = threading.current_thread().name
    world.apply("Jobkracht vzw")  # a candidacy and its events: not on the public pages
    db.session.commit()
    assert me not in calls
    db.session.execute(update(Procedure).where(Procedure.id == p.id)
                       .values(published_at=Procedure.published_at))
    assert me not in calls  # not before the commit
    db.session.commit()
    assert calls.count(me) == 1
    with db.engine.begin() as connection:  # Core, outside the session: the same
        connection.execute(update(Procedure).where(Procedure.id == p.id)
                           .values(state=Procedure.state))
    assert calls.count(me) == 2
    with db.engine.connect() as connection:  # rolled back: nothing to empty
        connection.execute(delete(Procedure).where(Procedure.id == -1))
        connection.rollback()
    assert calls.count(me) == 2


def test_disposing_the_engine_stops_the_listener(world, db, client, app):
    postgres_only(db)
    cache = live_cache(app, db)
    thread, pid = cache._thread, cache.listener_pid
    assert thread is not None and thread.is_alive()
    db.engine.dispose()
    assert not thread.is_alive() and not cache.live
    backends = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")

    def gone() -> bool:
        count = db.session.execute(backends, {"pid": pid}).scalar()
        db.session.commit()  # the statistics are read once a transaction
        return count == 0

    assert eventually(gone), "the listener's connection is still open"
    live_cache(app, db)  # the next request starts another


def test_what_may_change_the_validator_is_recognised():
    table = AuditEvent.__table__
    assert writes_validated(insert(table), [{"object_type": "procedure"}], {})
    assert writes_validated(insert(table), [{"object_type": "retention"}], {})
    assert not writes_validated(insert(table), [{"object_type": "candidacy"}], {})
    assert writes_validated(insert(table).values(object_type="candidacy"), [], {})
    assert writes_validated(update(Procedure).values(state="published"), [], {})
    assert writes_validated(delete(table), [], {})
    assert not writes_validated(select(Procedure.id), [], {})
    assert not writes_validated(update(AuditEvent.__table__.metadata.tables["candidacy"]),
                                [], {})
    assert writes_validated("UPDATE procedure SET state = 'x'", [], {})
    assert writes_validated(text("truncate addendum_version"), [], {})
    assert not writes_validated(text("SELECT * FROM procedure"), [], {})
    assert not writes_validated("UPDATE candidacy SET state = 'x'", [], {})


def test_nothing_is_answered_from_memory_while_the_server_has_sent_something():
    """A notification already in the listener's socket, the listener not yet run (the GIL
    elsewhere): the lookup polls that socket and reads the database instead."""
    import os
    import socket

    cache = validator_cache.ValidatorCache(lambda: None)
    listener, server = socket.socketpair()
    try:
        # as a running listener leaves it (the thread itself is not needed here)
        cache._pid, cache._fd = os.getpid(), listener.fileno()
        cache._live, cache._lease = True, time.monotonic() + 60
        cache._values[None] = "kept"
        assert cache.lookup(None)[0] == "kept"
        server.send(b"A")  # what a NotificationResponse would be
        assert cache.lookup(None) == (None, None)
        listener.recv(1)  # read by the listener...
        cache._pending = True  # ...which has not handled it yet
        assert cache.lookup(None) == (None, None)
        cache._pending = False
        assert cache.lookup(None)[0] == "kept"
    finally:
        listener.close()
        server.close()
