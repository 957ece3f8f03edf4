"""The audit trail is a hash chain: rewriting, removing or inserting an entry is noticed.

Tampering goes straight to the database, as an attacker with database access would. On
PostgreSQL the append-only trigger must first be switched off for that (superuser:
``session_replication_role = replica``), which is itself the point of the trigger.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from itertools import pairwise

import pytest
from sqlalchemy import exc, func, select, text

from matching.accounts.models import User
from matching.audit.chain import GENESIS, entry_hash
from matching.audit.keys import audit_key
from matching.audit.models import AuditEvent
from matching.audit.recording import audit
from matching.audit.verify import CHAIN_BROKEN, CONTENT_CHANGED, REWRITTEN, verify_chain
from tests.helpers import bypass_append_only_trigger


def _chain(world, db) -> list[AuditEvent]:
    """A committed chain made by the World's real operations."""
    world.published_procedure()
    world.apply("Jeugdwerk vzw")
    world.apply("Buurtwerk vzw")
    db.session.commit()
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def _tamper(db, sql: str, **params) -> None:
    """Run ``sql`` directly in the database, around the application and its triggers."""
    db.session.commit()
    with db.engine.begin() as conn:
        bypass_append_only_trigger(conn)
        conn.execute(text(sql), params)
    db.session.expire_all()


def _insert(db, **row) -> None:
    _tamper(db, "INSERT INTO audit_event (id, at, actor_id, action, object_type, "
            "object_id, procedure_id, summary, prev_hash, hash) VALUES (:id, :at, :actor_id, "
            ":action, :object_type, :object_id, :procedure_id, :summary, :prev_hash, :hash)",
            **row)


def _row(event: AuditEvent) -> dict:
    """The entry's hashed fields (what a forger without the key can recompute: a plain
    SHA-256, which the keyed chain refuses)."""
    return {c: getattr(event, c) for c in ("id", "at", "actor_id", "action", "object_type",
                                           "object_id", "procedure_id", "summary",
                                           "prev_hash", "hash")}


def _hashed(row: dict) -> dict:
    fields = {k: v for k, v in row.items() if k != "hash"}
    return dict(row, hash=entry_hash(**fields))


def test_the_operations_make_one_chain_that_verifies(world, db):
    events = _chain(world, db)
    assert len(events) > 20
    assert events[0].prev_hash == GENESIS
    for before, after in pairwise(events):
        assert after.prev_hash == before.hash
    report = verify_chain(db.session, audit_key())
    assert report.intact and report.count == len(events)


def test_the_event_is_hashed_with_the_instant_in_utc(world, db):
    events = _chain(world, db)
    db.session.expire_all()
    e = db.session.get(AuditEvent, events[-1].id)  # read back from the database
    assert e.key_version == 1
    assert e.hash == entry_hash(e.id, e.at, e.actor_id, e.action, e.object_type, e.object_id,
                                e.procedure_id, e.summary, e.prev_hash, audit_key())


def test_a_changed_summary_is_named(world, db):
    events = _chain(world, db)
    victim = events[len(events) // 2]
    _tamper(db, "UPDATE audit_event SET summary = :s WHERE id = :id",
            s='{"after": "admitted_to_step4"}', id=victim.id)
    broken = verify_chain(db.session, audit_key()).broken
    assert broken is not None and (broken.event_id, broken.problem) == (victim.id, CONTENT_CHANGED)


def test_a_rewritten_entry_with_a_recomputed_hash_is_named(world, db):
    """Without the key the forger can only recompute a plain SHA-256: the entry itself
    no longer verifies (before the audit trail was keyed, its successor's link did)."""
    events = _chain(world, db)
    victim = events[5]
    forged = _hashed(dict(_row(victim), actor_id=None))
    _tamper(db, "UPDATE audit_event SET actor_id = NULL, hash = :h WHERE id = :id",
            h=forged["hash"], id=victim.id)
    broken = verify_chain(db.session, audit_key()).broken
    assert (broken.event_id, broken.problem) == (victim.id, REWRITTEN)


def test_a_deleted_entry_is_noticed_at_the_next_one(world, db):
    events = _chain(world, db)
    victim, successor = events[7], events[8]
    _tamper(db, "DELETE FROM audit_event WHERE id = :id", id=victim.id)
    broken = verify_chain(db.session, audit_key()).broken
    assert (broken.event_id, broken.problem) == (successor.id, CHAIN_BROKEN)


def test_the_chain_cannot_fork(world, db):
    """A second entry after the same predecessor is refused by the database itself."""
    events = _chain(world, db)
    fork = _hashed(dict(_row(events[3]), id=events[-1].id + 100, summary="{}",
                        prev_hash=events[3].prev_hash))
    with pytest.raises(exc.IntegrityError):
        _insert(db, **fork)


def test_an_inserted_entry_is_noticed(world, db):
    """To slip an entry in after ``k`` the forger must make room for its id and, because a
    predecessor can have only one successor, re-point ``k``'s successor at it: that
    successor no longer matches its hash."""
    events = _chain(world, db)
    k = events[10]
    later = [e.id for e in events if e.id > k.id]
    _tamper(db, "UPDATE audit_event SET id = id + 1000000 WHERE id > :k", k=k.id)
    _tamper(db, "UPDATE audit_event SET id = id - 999999 WHERE id > :k", k=k.id)
    forged = _hashed(dict(_row(k), id=k.id + 1, summary='{"note": "vervalst"}',
                          prev_hash=k.hash))
    _tamper(db, "UPDATE audit_event SET prev_hash = :h WHERE id = :id",
            h=forged["hash"], id=later[0] + 1)
    _insert(db, **forged)
    broken = verify_chain(db.session, audit_key()).broken
    # The forged entry is unkeyed after keyed ones (and could not carry a keyed hash).
    assert (broken.event_id, broken.problem) == (k.id + 1, REWRITTEN)


def test_an_entry_with_a_made_up_link_is_named(world, db):
    events = _chain(world, db)
    forged = _hashed(dict(_row(events[-1]), id=events[-1].id + 1, prev_hash="ab" * 32))
    _insert(db, **forged)
    broken = verify_chain(db.session, audit_key()).broken
    assert (broken.event_id, broken.problem) == (forged["id"], CHAIN_BROKEN)


@pytest.mark.parametrize("sql", [
    "UPDATE audit_event SET summary = 'x' WHERE id = :id",
    "DELETE FROM audit_event WHERE id = :id",
    "TRUNCATE audit_event CASCADE",  # CASCADE: past the personal values that refer to it
])
def test_postgresql_refuses_to_change_the_trail(world, db, backend, sql):
    if backend != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    victim_id = _chain(world, db)[3].id
    db.session.commit()  # TRUNCATE waits for every reader of the table to finish
    with pytest.raises(exc.DBAPIError, match="audit_event is append-only"):
        with db.engine.begin() as conn:
            conn.execute(text(sql), {"id": victim_id})
    assert verify_chain(db.session, audit_key()).intact


def test_concurrent_appends_stay_one_chain(app, world, db):
    events = _chain(world, db)
    admin_id = world.admin.id
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def append(thread: int) -> None:
        try:
            with app.app_context():
                user = db.session.get(User, admin_id)
                start.wait(timeout=30)
                for i in range(100):
                    audit("test.concurrent", user, actor=user, now=datetime.now(UTC),
                          procedure_id=None, thread=thread, i=i)
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # noqa: BLE001  (reported by the main thread)
            errors.append(error)

    threads = [threading.Thread(target=append, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    db.session.expire_all()
    report = verify_chain(db.session, audit_key())
    assert report.intact and report.count == len(events) + 200
    # One linear chain: every hash is followed at most once, and all but the last once.
    prevs = db.session.scalars(select(AuditEvent.prev_hash)).all()
    assert len(set(prevs)) == len(prevs) == len(events) + 200
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "test.concurrent")) == 200


def test_the_cli_says_the_trail_is_intact(world, db, runner):
    events = _chain(world, db)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"De audittrail is intact: {len(events)} gebeurtenissen." in result.output


def test_the_cli_names_the_first_broken_entry(world, db, runner):
    events = _chain(world, db)
    _tamper(db, "UPDATE audit_event SET summary = '{}' WHERE id = :id",
            id=events[4].id)
    _tamper(db, "UPDATE audit_event SET summary = '{}' WHERE id = :id",
            id=events[9].id)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"gebeurtenis {events[4].id} " in result.output
    assert "rewritten" in result.output
    assert f"gebeurtenis {events[9].id} " not in result.output
