"""Tampering with the keyed audit trail is found and named (issue 14).

Before, rewriting an event and recomputing every later hash, appending a back-dated event
with a forged hash, or cutting off the last ten events all passed ``flask audit verify``:
the hash was not keyed and the checkpoint's head was not compared. Now every entry is an
HMAC with the audit key (configuration, not in the database) and each verification
compares the latest signed checkpoint's count and head. The attacker here writes the
database directly (as superuser, around the append-only trigger) but has no key.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from matching.audit.chain import entry_hash
from matching.audit.models import AuditCheckpoint, AuditEvent
from matching.audit.queries import _audit_cache, audit_status
from matching.audit.verify import CHECKPOINT_FORGED, CUT, FORGED, REWRITTEN
from tests.helpers import bypass_append_only_trigger
from tests.support import login


def _chain(world, db) -> list[AuditEvent]:
    world.published_procedure()
    world.apply("Jeugdwerk vzw")
    world.apply("Buurtwerk vzw")
    db.session.commit()
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


def _tamper(db, sql: str, **params) -> None:
    db.session.commit()
    with db.engine.begin() as conn:
        bypass_append_only_trigger(conn)
        conn.execute(text(sql), params)
    db.session.expire_all()


def _verify(runner) -> tuple[int, str]:
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _checkpointed(world, db, runner) -> list[AuditEvent]:
    events = _chain(world, db)
    code, output = _verify(runner)
    assert code == 0, output
    return events


def _plain(row) -> str:
    """The hash a forger without the key can compute."""
    return entry_hash(row.id, row.at, row.actor_id, row.action, row.object_type, row.object_id,
                      row.procedure_id, row.summary, row.prev_hash)


@pytest.mark.parametrize("unkeyed", [False, True], ids=["as-keyed", "passed-off-as-unkeyed"])
@pytest.mark.parametrize("start", ["middle", "whole"])
def test_a_rewritten_chain_with_recomputed_hashes_is_named(world, db, runner, start, unkeyed):
    """The forger changes an entry and recomputes every later hash and link (plain
    SHA-256, optionally marking the entries as written before the trail was keyed)."""
    events = _checkpointed(world, db, runner)
    first = 0 if start == "whole" else len(events) // 2
    prev = events[first - 1].hash if first else events[0].prev_hash
    for i, e in enumerate(events[first:]):
        summary = '{"after": "admitted_to_step4"}' if i == 0 else e.summary
        row = type("Row", (), dict(id=e.id, at=e.at, actor_id=e.actor_id, action=e.action,
                                   object_type=e.object_type, object_id=e.object_id,
                                   procedure_id=e.procedure_id, summary=summary,
                                   prev_hash=prev))
        new = _plain(row)
        _tamper(db, "UPDATE audit_event SET summary = :s, prev_hash = :p, hash = :h, "
                "key_version = :k WHERE id = :id", s=summary, p=prev, h=new,
                k=0 if unkeyed else 1, id=e.id)
        prev = new
    code, output = _verify(runner)
    assert code == 1
    assert "herschreven (rewritten" in output, output
    # Whole chain passed off as unkeyed: every hash holds, but the signed checkpoint's
    # head does not (named at that head); otherwise the first rewritten entry.
    expected = events[-1].id if (start == "whole" and unkeyed) else events[first].id
    assert f"gebeurtenis {expected} " in output, output


def test_a_forged_back_dated_entry_is_named(world, db, runner):
    events = _checkpointed(world, db, runner)
    head = events[-1]
    row = type("Row", (), dict(id=head.id + 1, at=datetime(2024, 3, 1, 9, tzinfo=UTC),
                               actor_id=head.actor_id, action="decision.record",
                               object_type="jury_decision", object_id=1,
                               procedure_id=head.procedure_id,
                               summary='{"score": 4}', prev_hash=head.hash))
    _tamper(db, "INSERT INTO audit_event (id, at, actor_id, action, object_type, object_id, "
            "procedure_id, summary, prev_hash, hash, key_version) VALUES (:id, :at, :actor, "
            ":action, :otype, :oid, :pid, :summary, :prev, :hash, 1)", id=row.id, at=row.at,
            actor=row.actor_id, action=row.action, otype=row.object_type, oid=row.object_id,
            pid=row.procedure_id, summary=row.summary, prev=row.prev_hash, hash=_plain(row))
    _audit_cache.clear()
    status = audit_status()  # a page sees it at once: it is after the checkpoint
    assert (status.intact, status.broken_event, status.problem) == (False, row.id, FORGED)
    code, output = _verify(runner)
    assert code == 1 and f"gebeurtenis {row.id} is vervalst (forged" in output, output


def test_a_cut_tail_is_named(world, db, runner):
    events = _checkpointed(world, db, runner)
    count, head_id = len(events), events[-1].id
    _tamper(db, "DELETE FROM audit_event WHERE id > :id", id=events[-11].id)
    _audit_cache.clear()
    status = audit_status()
    assert (status.intact, status.problem) == (False, CUT)
    code, output = _verify(runner)
    assert code == 1 and "de staart is afgeknipt (tail cut" in output, output
    assert f"telde {count} gebeurtenissen tot gebeurtenis {head_id}" in output


def test_a_change_made_with_the_trigger_switched_off_is_named(world, db, runner, backend):
    """A superuser switches the append-only trigger off and changes an entry in place
    (the application's own role cannot: tests/integration/test_roles.py)."""
    if backend != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL only")
    events = _checkpointed(world, db, runner)
    victim = events[3]
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update"))
        conn.execute(text("UPDATE audit_event SET actor_id = NULL WHERE id = :id"),
                     {"id": victim.id})
        conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update"))
    code, output = _verify(runner)
    assert code == 1 and f"gebeurtenis {victim.id} is herschreven (rewritten" in output


def test_a_forged_checkpoint_is_named(world, db, runner):
    """A checkpoint claiming a shorter chain, not signed with the key, is not believed."""
    events = _checkpointed(world, db, runner)
    _tamper(db, "INSERT INTO audit_checkpoint (checked_at, events, last_event_id, last_hash, "
            "intact, signature) VALUES (:at, 5, :id, :h, :t, :sig)",
            at=datetime.now(UTC), id=events[4].id, h=events[4].hash, t=True,
            sig=hashlib.sha256(b"no key").hexdigest())
    _audit_cache.clear()
    assert audit_status().problem == CHECKPOINT_FORGED
    code, output = _verify(runner)
    assert code == 1 and "(checkpoint forged" in output, output


def test_a_failed_verification_shows_on_every_page_until_one_succeeds(app, world, db, runner,
                                                                       client):
    """The failure is stored (a signed checkpoint), so every process reports it, even one
    that had verified the trail before; a verification that succeeds again clears it."""
    world.decided_procedure()
    db.session.commit()
    observer = world.observer()
    code, output = _verify(runner)
    assert code == 0, output
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert audit_status().intact  # this process remembers an intact trail
    victim = events[len(events) // 2]
    original = victim.summary
    _tamper(db, "UPDATE audit_event SET summary = '{}' WHERE id = :id", id=victim.id)
    assert audit_status().intact  # a page trusts the checkpoint for what lies before it
    code, _ = _verify(runner)
    assert code == 1
    assert audit_status().intact is False  # the same process: the stored failure counts
    _audit_cache.clear()  # another process
    assert (audit_status().broken_event, audit_status().problem) == (victim.id, REWRITTEN)

    login(client, db, observer)
    url = f"/observatie/procedures/{world.procedure.id}/voorwaarden"
    page = client.get(url).get_data(as_text=True)
    assert f"De audittrail klopt niet meer vanaf gebeurtenis {victim.id}." in page
    assert "6 van 6 voldaan" not in client.get("/observatie").get_data(as_text=True)

    _tamper(db, "UPDATE audit_event SET summary = :s WHERE id = :id", s=original, id=victim.id)
    assert audit_status().intact is False  # still: until a verification succeeds
    code, output = _verify(runner)
    assert code == 0, output
    assert audit_status().intact
    page = client.get(url).get_data(as_text=True)
    assert "De audittrail klopt niet meer" not in page
    assert db.session.scalar(select(AuditCheckpoint.problem)
                             .order_by(AuditCheckpoint.id.desc()).limit(1)) is None
