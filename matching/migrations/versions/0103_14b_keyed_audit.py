"""the audit trail keyed: HMAC entries (key_version), signed checkpoints naming their problem

Revision ID: 0101_14b
Revises: 0100_15_letters_rendered_later
Create Date: 2026-11-30 12:00:00

Every audit event written from now on carries an HMAC-SHA256 with the installation's
AUDIT_KEY (configuration, never in the database) as its hash, marked key_version = 1.
The events written before keep their plain SHA-256 (key_version = 0, the server default
here): the final reports that name a chain head keep naming an entry that is there, with
that hash. Verification accepts unkeyed entries only before the first keyed one, and
compares the chain with the latest signed checkpoint, so after this migration run
``flask audit verify`` once: it signs the first checkpoint that later walks compare with.

Checkpoints get their signature (an HMAC of their result; NULL for those written before)
and the name of what broke. On PostgreSQL a trigger makes audit_checkpoint append-only,
like audit_event.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0101_14b'
down_revision = '0101_14a'
branch_labels = None
depends_on = None

PG_UP = [
    """
    CREATE FUNCTION audit_checkpoint_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_checkpoint is append-only (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
    FOR EACH ROW EXECUTE FUNCTION audit_checkpoint_append_only()
    """,
    """
    CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_append_only()
    """,
    """
    CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoint_append_only()
    """,
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_truncate ON audit_checkpoint",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_delete ON audit_checkpoint",
    "DROP TRIGGER IF EXISTS audit_checkpoint_no_update ON audit_checkpoint",
    "DROP FUNCTION IF EXISTS audit_checkpoint_append_only()",
]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        # Adding a column rewrites no row on PostgreSQL (a constant default); the
        # append-only trigger stays on.
        op.add_column('audit_event', sa.Column('key_version', sa.Integer(), server_default='0',
                                               nullable=False))
        op.create_check_constraint(op.f('ck_audit_event_known_key_version'), 'audit_event',
                                   'key_version IN (0, 1)')
    else:
        with op.batch_alter_table('audit_event', schema=None) as batch_op:
            batch_op.add_column(sa.Column('key_version', sa.Integer(), server_default='0',
                                          nullable=False))
            batch_op.create_check_constraint(batch_op.f('ck_audit_event_known_key_version'),
                                             'key_version IN (0, 1)')
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('problem', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('signature', sa.String(length=64), nullable=True))
    if bind.dialect.name == 'postgresql':
        for statement in PG_UP:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in PG_DOWN:
            op.execute(statement)
    with op.batch_alter_table('audit_checkpoint', schema=None) as batch_op:
        batch_op.drop_column('signature')
        batch_op.drop_column('problem')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_audit_event_known_key_version'), type_='check')
        batch_op.drop_column('key_version')
