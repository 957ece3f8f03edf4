"""Migration 0108 (issue 18): the personal values of the entries written before it move
out of their hashed content, yet the trail keeps verifying: each moved entry keeps its
hash (the links, checkpoints and chain heads named by final reports stay), and a keyed
seal covers its new content. A changed entry is still found; an entry tampered with
before the migration is not laundered by it."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from matching.audit.chain import GENESIS, entry_hash
from tests.helpers import drop_schema, schema_app

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OLD = [
    ("user.create", {"email": "an@example.be"}, False),
    ("jury.compose", {"members": ["an@example.be:lokaal", "bo@example.be:regionaal"],
                      "chair": "an@example.be"}, True),
    ("procedure.create", {"work_area": "Noord", "sequence": 1}, True),
    ("privacy.export", {"reason": "Brief van Bo Peeters"}, True),
]


def _old_chain(connection, key: bytes, tampered: int | None = None) -> str:
    prev = GENESIS
    for i, (action, summary, keyed) in enumerate(OLD, start=1):
        at = AT + timedelta(minutes=i)
        body = json.dumps(summary, ensure_ascii=False, sort_keys=True)
        digest = entry_hash(i, at, None, action, "user_account", 1, None, body, prev,
                            key if keyed else None)
        stored = body.replace("Bo Peeters", "Bo Janssens") if i == tampered else body
        connection.execute(sa.text(
            "INSERT INTO audit_event (id, at, action, object_type, object_id, summary, "
            "prev_hash, hash, key_version) VALUES (:id, :at, :action, 'user_account', 1, "
            ":summary, :prev, :hash, :kv)"),
            {"id": i, "at": at, "action": action, "summary": stored, "prev": prev,
             "hash": digest, "kv": 1 if keyed else 0})
        prev = digest
    return prev


#: On PostgreSQL the test works in a schema of its own, so the suite's schema is untouched.
SCHEMA = "migration_0108"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _app(tmp_path, name, backend):
    return schema_app(tmp_path, name, backend, SCHEMA)


@pytest.fixture(params=BACKENDS)
def backend(request):
    yield request.param
    if request.param == "postgresql":
        drop_schema(SCHEMA)


def test_old_personal_values_move_out_and_the_trail_still_verifies(tmp_path, backend):
    from flask_migrate import upgrade

    from matching.audit.keys import audit_key
    from matching.audit.models import AuditEvent, AuditPersonalValue
    from matching.audit.verify import REWRITTEN, verify_chain
    from matching.core.db import db

    app = _app(tmp_path, "oud.db", backend)
    with app.app_context():
        upgrade(revision="0101_issue18")
        with db.engine.begin() as connection:
            old_head = _old_chain(connection, audit_key())
        upgrade()
        events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
        assert not any("example.be" in e.summary or "Peeters" in e.summary for e in events)
        assert [e.redaction_seal is not None for e in events] == [True, True, False, True]
        assert json.loads(events[1].summary)["chair"] == {
            "@personal": db.session.scalar(sa.select(AuditPersonalValue.digest).where(
                AuditPersonalValue.event_id == 2, AuditPersonalValue.key == "chair"))}
        values = db.session.scalars(sa.select(AuditPersonalValue.value)).all()
        assert sorted(values) == sorted([
            '"an@example.be"', '["an@example.be:lokaal", "bo@example.be:regionaal"]',
            '"an@example.be"', '"Brief van Bo Peeters"'])
        report = verify_chain(db.session, audit_key())
        assert report.intact and report.count == 4 and report.last_hash == old_head

        # pseudonymising a value changes nothing the chain covers
        db.session.execute(sa.update(AuditPersonalValue).values(value='"Persoon 1"'))
        db.session.commit()
        assert verify_chain(db.session, audit_key()).intact

        # the trigger is on again after the migration: the summary cannot be changed...
        if backend == "postgresql":
            with pytest.raises(sa.exc.DBAPIError):
                with db.engine.begin() as connection:
                    connection.execute(sa.text(
                        "UPDATE audit_event SET summary = '{}' WHERE id = 2"))
        # ...and a moved entry changed anyway (by whoever may switch it off) is found
        with db.engine.begin() as connection:
            if backend == "postgresql":
                connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            connection.execute(sa.text("UPDATE audit_event SET summary = '{}' WHERE id = 2"))
        broken = verify_chain(db.session, audit_key()).broken
        assert broken is not None and (broken.event_id, broken.problem) == (2, REWRITTEN)
        db.engine.dispose()


def test_an_entry_tampered_with_before_the_migration_stays_found(tmp_path, backend):
    from flask_migrate import upgrade

    from matching.audit.keys import audit_key
    from matching.audit.models import AuditEvent
    from matching.audit.verify import REWRITTEN, verify_chain
    from matching.core.db import db

    app = _app(tmp_path, "vervalst.db", backend)
    with app.app_context():
        upgrade(revision="0101_issue18")
        with db.engine.begin() as connection:
            _old_chain(connection, audit_key(), tampered=4)
        upgrade()
        tampered = db.session.get(AuditEvent, 4)
        assert tampered.redaction_seal is None and "Bo Janssens" in tampered.summary
        broken = verify_chain(db.session, audit_key()).broken
        assert broken is not None and (broken.event_id, broken.problem) == (4, REWRITTEN)
        db.engine.dispose()
