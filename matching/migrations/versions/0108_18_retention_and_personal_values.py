"""retention (issue 18): personal values of the audit trail kept apart, pseudonymisation marks, indexes

Revision ID: 0108_retention
Revises: 0101_issue18
Create Date: 2026-11-30 15:20:00

* ``audit_personal_value``: the personal values an audit entry names (e-mail addresses,
  names, free-text reasons); the entry's hashed summary names each by a keyed digest, so
  the retention run can pseudonymise them and the chain still verifies.
* ``audit_event.redaction_seal``: entries written before this migration whose summary
  holds personal values (the actions in ``PERSONAL_KEYS``) have them moved out here: the
  summary is rewritten with references, its ``hash`` stays as it was (the links, the signed
  checkpoints and the chain heads named by final reports are unchanged), and the seal, an
  HMAC with the audit key of the new content and the unchanged hash, is what verification
  checks for them. An entry is moved only after its original hash was checked: a tampered
  entry stays as it is, and verification names it. On PostgreSQL the append-only trigger
  is switched off for this one rewrite and switched on again within the same transaction.
  The audit key is the running application's (``AUDIT_KEY``), as for every verification.
* ``user_account.pseudonymised_at``, ``procedure.pseudonymised_at``: what the retention run
  did (it never does it twice).
* Indexes on ``audit_event(actor_id)`` and ``audit_event(object_type, object_id)``: the
  "my data" page and the retention run look events up by both.
"""
import hashlib
import hmac
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0108_retention'
down_revision = '0101_issue18'
branch_labels = None
depends_on = None

#: The summary keys that hold personal values, by action (as the operations record them
#: since this revision, with ``personal=``).
PERSONAL_KEYS = {
    "user.create": ("email",),
    "user.invite": ("email",),
    "role.grant": ("user",),
    "role.revoke": ("user",),
    "jury.compose": ("members", "chair"),
    "appeal.assign_panel": ("reason",),
    "candidacy.withdraw": ("reason",),
    "privacy.export": ("reason",),
}


def _audit_key() -> bytes | None:
    try:
        from flask import current_app
        return str(current_app.config["AUDIT_KEY"]).encode("utf-8")
    except (ImportError, RuntimeError, KeyError):
        return None


def _canonical(row, summary: str) -> bytes:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return json.dumps([row.id, at.astimezone(UTC).isoformat(timespec="microseconds"),
                       row.actor_id, row.action, row.object_type, row.object_id,
                       row.procedure_id, summary, row.prev_hash],
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _move_personal_values(bind, key: bytes) -> None:
    """Move the personal values of the entries written so far out of their hashed content
    (the same functions as :mod:`matching.audit.chain`, spelled out: a migration does not
    change when the application's code does)."""
    events = sa.table('audit_event', sa.column('id'), sa.column('at', sa.DateTime(timezone=True)), sa.column('actor_id'),
                      sa.column('action'), sa.column('object_type'), sa.column('object_id'),
                      sa.column('procedure_id'), sa.column('summary'), sa.column('prev_hash'),
                      sa.column('hash'), sa.column('key_version'),
                      sa.column('redaction_seal'))
    values = sa.table('audit_personal_value', sa.column('event_id'), sa.column('key'),
                      sa.column('digest'), sa.column('value'))
    rows = bind.execute(sa.select(events).where(events.c.action.in_(list(PERSONAL_KEYS)))
                        .order_by(events.c.id)).all()
    for row in rows:
        content = _canonical(row, row.summary)
        original = (hmac.new(key, content, hashlib.sha256).hexdigest() if row.key_version == 1
                    else hashlib.sha256(content).hexdigest())
        if not hmac.compare_digest(original, row.hash):
            continue  # tampered: left as it is, for verification to name
        try:
            data = json.loads(row.summary or "{}")
        except ValueError:
            continue
        moved = []
        for name in PERSONAL_KEYS[row.action]:
            value = data.get(name)
            if value in (None, "", []) or (isinstance(value, dict) and "@personal" in value):
                continue
            value_json = json.dumps(value, ensure_ascii=False, sort_keys=True)
            digest = hmac.new(key, json.dumps(["personal", row.id, name, value_json],
                                              separators=(",", ":"), ensure_ascii=False)
                              .encode("utf-8"), hashlib.sha256).hexdigest()
            data[name] = {"@personal": digest}
            moved.append({"event_id": row.id, "key": name, "digest": digest,
                          "value": value_json})
        if not moved:
            continue
        summary = json.dumps(data, ensure_ascii=False, sort_keys=True)
        seal = hmac.new(key, _canonical(row, summary) + b"|redacted|" + row.hash.encode("ascii"),
                        hashlib.sha256).hexdigest()
        bind.execute(values.insert(), moved)
        bind.execute(events.update().where(events.c.id == row.id)
                     .values(summary=summary, redaction_seal=seal))


def upgrade():
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    op.create_table(
        'audit_personal_value',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.Column('pseudonymised_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['event_id'], ['audit_event.id'],
                                name=op.f('fk_audit_personal_value_event_id_audit_event')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_personal_value')),
        sa.UniqueConstraint('digest', name=op.f('uq_audit_personal_value_digest')),
    )
    op.create_index('ix_audit_personal_value_event', 'audit_personal_value', ['event_id'])
    if postgres:  # adding a nullable column rewrites no row; the trigger stays on
        op.add_column('audit_event', sa.Column('redaction_seal', sa.String(length=64),
                                               nullable=True))
    else:
        with op.batch_alter_table('audit_event', schema=None) as batch_op:
            batch_op.add_column(sa.Column('redaction_seal', sa.String(length=64),
                                          nullable=True))
    op.create_index('ix_audit_event_actor', 'audit_event', ['actor_id'])
    op.create_index('ix_audit_event_object', 'audit_event', ['object_type', 'object_id'])
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonymised_at', sa.DateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pseudonymised_at', sa.DateTime(timezone=True),
                                      nullable=True))

    key = _audit_key()
    if key is None:
        return  # no application (plain alembic): the entries keep their values in place
    if postgres:
        op.execute("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update")
    _move_personal_values(bind, key)
    if postgres:
        op.execute("ALTER TABLE audit_event ENABLE TRIGGER audit_event_no_update")


def downgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_column('pseudonymised_at')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('pseudonymised_at')
    op.drop_index('ix_audit_event_object', table_name='audit_event')
    op.drop_index('ix_audit_event_actor', table_name='audit_event')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('redaction_seal')
    op.drop_index('ix_audit_personal_value_event', table_name='audit_personal_value')
    op.drop_table('audit_personal_value')
