"""Ratification verifies the audit trail from the latest signed checkpoint (issue 17).

A full walk costs seconds at Flanders scale (21–24 s for 1.26 million entries), so the
ratification checks the checkpoint (its signature, its head still there with its hash, the
count of entries up to it) and walks only the entries after it; what lies before it was
verified by the full walk that wrote it (``flask audit verify``, nightly). These tests
show that it reads no entry before the checkpoint and still names every tampering after
it, a cut tail, an entry removed before it and a forged checkpoint; and that without a
recent checkpoint it walks the whole trail.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, text

from matching.accounts.rules import Role
from matching.audit.chain import entry_hash
from matching.audit.models import AuditCheckpoint, AuditEvent
from matching.audit.queries import (
    CHECKPOINT_MAX_AGE,
    _audit_cache,
    latest_checkpoint_age,
    ratification_status,
)
from matching.audit.verify import CHAIN_BROKEN, CHECKPOINT_FORGED, CUT, FORGED, REWRITTEN
from matching.oversight.operations import ratify
from tests.helpers import bypass_append_only_trigger
from tests.support import refused


def _tamper(db, sql: str, **params) -> None:
    db.session.commit()
    with db.engine.begin() as conn:
        bypass_append_only_trigger(conn)
        conn.execute(text(sql), params)
    db.session.expire_all()
    _audit_cache.clear()  # another process: nothing remembered


def _checkpoint(db, runner) -> AuditCheckpoint:
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()))


def _events(db) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()


@pytest.fixture
def checkpointed(world, db, runner):
    """A chain, a checkpoint at its head, then more entries after it."""
    world.published_procedure()
    world.apply("Jeugdwerk vzw")
    db.session.commit()
    checkpoint = _checkpoint(db, runner)
    world.apply("Buurtwerk vzw")
    world.apply("Sportwerk vzw")
    db.session.commit()
    after = [e for e in _events(db) if e.id > checkpoint.last_event_id]
    assert len(after) >= 4
    return checkpoint, after


class Reads:
    """The statements (with their parameters) issued inside the block."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters))

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_ratification_reads_no_entry_before_the_checkpoint(db, checkpointed):
    checkpoint, after = checkpointed
    _audit_cache.clear()
    with Reads(db.engine) as reads:
        status = ratification_status()
    assert status.intact and status.head_id == after[-1].id
    assert status.events == checkpoint.events + len(after) == len(_events(db))
    assert status.full_at == checkpoint.checked_at
    # The only statements that read entries' content (their links) are bounded below by
    # the checkpoint's head; the others read one entry (the head) or a count.
    walks = [(s, p) for s, p in reads.statements if "prev_hash" in s]
    assert len(walks) == 1, reads.statements
    statement, params = walks[0]
    values = params.values() if isinstance(params, dict) else params
    assert "audit_event.id >" in statement and checkpoint.last_event_id in values
    assert len(reads.statements) <= 6, reads.statements  # a constant number of statements


@pytest.mark.parametrize("victim", ["first", "last"])
def test_a_changed_entry_after_the_checkpoint_is_caught(db, checkpointed, victim):
    _, after = checkpointed
    target = after[0] if victim == "first" else after[-1]
    _tamper(db, "UPDATE audit_event SET summary = '{}' WHERE id = :id", id=target.id)
    status = ratification_status()
    assert (status.intact, status.broken_event, status.problem) == (False, target.id, FORGED)


def test_an_entry_appended_with_a_made_up_hash_is_caught(db, checkpointed):
    _, after = checkpointed
    head = after[-1]
    at, summary = datetime(2024, 3, 1, 9, tzinfo=UTC), '{"score": 4}'
    plain = entry_hash(head.id + 1, at, head.actor_id, "decision.record", "jury_decision", 1,
                       head.procedure_id, summary, head.hash)
    _tamper(db, "INSERT INTO audit_event (id, at, actor_id, action, object_type, object_id, "
            "procedure_id, summary, prev_hash, hash, key_version) VALUES (:id, :at, :actor, "
            "'decision.record', 'jury_decision', 1, :pid, :summary, :prev, :hash, 1)",
            id=head.id + 1, at=at, actor=head.actor_id, pid=head.procedure_id,
            summary=summary, prev=head.hash, hash=plain)
    status = ratification_status()
    assert (status.intact, status.broken_event, status.problem) == (False, head.id + 1, FORGED)


def test_an_entry_removed_after_the_checkpoint_breaks_the_chain(db, checkpointed):
    _, after = checkpointed
    _tamper(db, "DELETE FROM audit_event WHERE id = :id", id=after[1].id)
    status = ratification_status()
    assert (status.intact, status.broken_event, status.problem) == (False, after[2].id,
                                                                   CHAIN_BROKEN)


def test_a_tail_cut_into_the_checkpoint_is_caught(db, checkpointed):
    checkpoint, _ = checkpointed
    _tamper(db, "DELETE FROM audit_event WHERE id >= :id", id=checkpoint.last_event_id - 2)
    status = ratification_status()
    assert (status.intact, status.broken_event, status.problem) == (
        False, checkpoint.last_event_id, CUT)


def test_the_checkpoint_head_rewritten_is_caught(db, checkpointed):
    checkpoint, _ = checkpointed
    _tamper(db, "UPDATE audit_event SET hash = :h WHERE id = :id", h="0" * 64,
            id=checkpoint.last_event_id)
    status = ratification_status()
    assert (status.broken_event, status.problem) == (checkpoint.last_event_id, REWRITTEN)


def test_an_entry_removed_before_the_checkpoint_is_caught_by_the_count(db, checkpointed):
    """Removing (or inserting) an entry the checkpoint covered changes the count up to its
    head: found without reading the entries."""
    checkpoint, _ = checkpointed
    _tamper(db, "DELETE FROM audit_event WHERE id = :id", id=checkpoint.last_event_id - 3)
    status = ratification_status()
    assert (status.intact, status.broken_event, status.problem) == (
        False, checkpoint.last_event_id, CHAIN_BROKEN)


def test_a_forged_checkpoint_is_caught(db, checkpointed):
    """A checkpoint not signed with the key (here: claiming the chain up to its latest
    entry, so that ratification would skip a forged one) is not believed."""
    _, after = checkpointed
    _tamper(db, "INSERT INTO audit_checkpoint (checked_at, events, last_event_id, last_hash, "
            "intact, signature) VALUES (:at, :n, :id, :h, :t, :sig)",
            at=datetime.now(UTC), n=len(_events(db)), id=after[-1].id, h=after[-1].hash,
            t=True, sig=hashlib.sha256(b"no key").hexdigest())
    status = ratification_status()
    assert (status.intact, status.problem) == (False, CHECKPOINT_FORGED)


def test_without_a_recent_checkpoint_the_whole_trail_is_walked(db, checkpointed):
    """A change before the checkpoint is not seen from it; with no checkpoint younger than
    CHECKPOINT_MAX_AGE the ratification walks the whole trail and names it."""
    checkpoint, _ = checkpointed
    victim = checkpoint.last_event_id - 2
    _tamper(db, "UPDATE audit_event SET summary = '{}' WHERE id = :id", id=victim)
    assert ratification_status().intact  # the checkpoint is trusted for what lies before it
    later = checkpoint.checked_at + CHECKPOINT_MAX_AGE + timedelta(minutes=1)
    assert latest_checkpoint_age(later).usable is False
    assert latest_checkpoint_age(checkpoint.checked_at).usable is True
    status = ratification_status(later)
    assert (status.intact, status.broken_event, status.problem) == (False, victim, REWRITTEN)


def test_without_any_checkpoint_the_whole_trail_is_walked(world, db):
    world.published_procedure()
    world.apply("Jeugdwerk vzw")
    db.session.commit()
    events = _events(db)
    assert latest_checkpoint_age().checked_at is None
    _tamper(db, "UPDATE audit_event SET summary = '{}' WHERE id = :id", id=events[2].id)
    status = ratification_status()
    assert (status.intact, status.broken_event) == (False, events[2].id)


def test_ratification_is_refused_when_an_entry_after_the_checkpoint_was_changed(
        world, db, runner):
    world.decided_procedure()
    db.session.commit()
    checkpoint = _checkpoint(db, runner)
    observer = world.user("waarnemer", Role.OBSERVER)  # an entry after the checkpoint
    db.session.commit()
    newest = _events(db)[-1]
    assert newest.id > checkpoint.last_event_id
    _tamper(db, "UPDATE audit_event SET summary = '{}' WHERE id = :id", id=newest.id)
    refused(db, ratify, world.procedure, actor=observer, now=world.clock.now,
            match="voorwaarde\\(n\\) 5")
