"""audit chain: every audit event carries the hash of the previous one and its own

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00

Existing events get their hashes here, in id order, with the same canonical function
the application uses (matching.audit_chain). On PostgreSQL a trigger then refuses
UPDATE, DELETE and TRUNCATE on audit_event (a DELETE that empties the whole table,
as a test database's cleanup does, is let through: it leaves no chain to falsify).
"""
import sqlalchemy as sa
from alembic import op

from matching.audit.chain import GENESIS, entry_hash
from matching.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


AUDIT_EVENT = sa.table(
    'audit_event',
    sa.column('id', sa.Integer()), sa.column('at', UTCDateTime()),
    sa.column('actor_id', sa.Integer()), sa.column('action', sa.String()),
    sa.column('object_type', sa.String()), sa.column('object_id', sa.Integer()),
    sa.column('procedure_id', sa.Integer()), sa.column('summary', sa.Text()),
    sa.column('prev_hash', sa.String()), sa.column('hash', sa.String()),
)

PG_UP = [
    """
    CREATE FUNCTION audit_event_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_event is append-only (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
    """
    CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()
    """,
]

PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_delete ON audit_event",
    "DROP TRIGGER IF EXISTS audit_event_no_update ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
]


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))

    # The events already recorded, chained in id order.
    bind = op.get_bind()
    prev = GENESIS
    rows = bind.execute(sa.select(
        AUDIT_EVENT.c.id, AUDIT_EVENT.c.at, AUDIT_EVENT.c.actor_id, AUDIT_EVENT.c.action,
        AUDIT_EVENT.c.object_type, AUDIT_EVENT.c.object_id, AUDIT_EVENT.c.procedure_id,
        AUDIT_EVENT.c.summary).order_by(AUDIT_EVENT.c.id)).all()
    for row in rows:
        digest = entry_hash(row.id, row.at, row.actor_id, row.action, row.object_type,
                            row.object_id, row.procedure_id, row.summary, prev)
        bind.execute(AUDIT_EVENT.update().where(AUDIT_EVENT.c.id == row.id)
                     .values(prev_hash=prev, hash=digest))
        prev = digest

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(op.f('uq_audit_event_prev_hash'), ['prev_hash'])

    if bind.dialect.name == 'postgresql':
        for statement in PG_UP:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for statement in PG_DOWN:
            op.execute(statement)
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_audit_event_prev_hash'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
