"""An audit trail written before it was keyed (revision 0100) keeps verifying after the
migration: its entries keep their plain SHA-256 (key_version 0, so a final report that
names one of them keeps naming an entry with that hash), new entries continue the chain
keyed, and an unkeyed entry slipped in after them is refused as rewritten or forged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from matching.audit.chain import GENESIS, UNKEYED, entry_hash

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _old_chain(connection, n: int = 5) -> str:
    prev = GENESIS
    for i in range(1, n + 1):
        at = AT + timedelta(minutes=i)
        digest = entry_hash(i, at, None, "test.old", "procedure", None, None, "{}", prev)
        connection.execute(sa.text(
            "INSERT INTO audit_event (id, at, action, object_type, summary, prev_hash, hash) "
            "VALUES (:id, :at, 'test.old', 'procedure', '{}', :prev, :hash)"),
            {"id": i, "at": at, "prev": prev, "hash": digest})
        prev = digest
    return prev


def test_an_unkeyed_trail_verifies_after_the_migration_and_continues_keyed(tmp_path):
    from flask_migrate import upgrade

    from matching.app import create_app
    from matching.audit.keys import audit_key
    from matching.audit.models import AuditEvent
    from matching.audit.recording import audit
    from matching.audit.verify import REWRITTEN, verify_chain
    from matching.core.db import db

    app = create_app({"TESTING": True, "MATCHING_ENV": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'oud.db'}"})
    with app.app_context():
        upgrade(revision="0100_15_letters_rendered_later")
        with db.engine.begin() as connection:
            old_head = _old_chain(connection)
        upgrade()
        assert {e.key_version for e in db.session.scalars(sa.select(AuditEvent))} == {UNKEYED}
        report = verify_chain(db.session, audit_key())
        assert report.intact and report.count == 5 and report.last_hash == old_head

        event = audit("test.new", db.session.get(AuditEvent, 1), actor=None, now=AT,
                      procedure_id=None)
        db.session.commit()
        assert event.key_version == 1 and event.prev_hash == old_head
        assert verify_chain(db.session, audit_key()).intact

        # An unkeyed entry after a keyed one: only a forger writes that.
        forged = entry_hash(7, AT, None, "test.old", "procedure", None, None, "{}", event.hash)
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO audit_event (id, at, action, object_type, summary, prev_hash, "
                "hash, key_version) VALUES (7, :at, 'test.old', 'procedure', '{}', :prev, "
                ":hash, 0)"), {"at": AT, "prev": event.hash, "hash": forged})
        broken = verify_chain(db.session, audit_key()).broken
        assert broken is not None and (broken.event_id, broken.problem) == (7, REWRITTEN)
        db.engine.dispose()
