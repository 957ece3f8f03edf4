"""server-side sessions, the second factor and its recovery codes; the per-account throttle goes

Revision ID: 0101_issue_11b
Revises: 0100_15_letters_rendered_later
Create Date: 2026-11-30 12:00:00

A signed-in session is a row (the cookie carries only a random id, of which the row keeps the
SHA-256), so logging out, a password reset or a deactivation ends it on the server. The
second factor (TOTP) lives on the account with ten hashed single-use recovery codes. The
per-account throttle (failed_logins, throttled_until) locked the real owner out with someone
else's failures: rate limits per address and per address and account replace it.
"""
import sqlalchemy as sa
from alembic import op

from matching.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0101_issue_11b'
down_revision = '0101_14b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('last_seen_at', UTCDateTime(), nullable=False),
        sa.Column('pending', sa.Boolean(), nullable=False),
        sa.Column('ended_at', UTCDateTime(), nullable=True),
        sa.Column('end_reason', sa.String(length=30), nullable=True),
        sa.CheckConstraint('(ended_at IS NULL) = (end_reason IS NULL)',
                           name=op.f('ck_account_session_ended_with_reason')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_account_session_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_session')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_account_session_token_hash')),
    )
    op.create_index(op.f('ix_account_session_user_id'), 'account_session', ['user_id'],
                    unique=False)
    op.create_table(
        'recovery_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('used_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_recovery_code_user_id_user_account'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_code')),
    )
    op.create_index(op.f('ix_recovery_code_user_id'), 'recovery_code', ['user_id'],
                    unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_step', sa.BigInteger(), nullable=True))
        batch_op.drop_column('throttled_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('throttled_until', UTCDateTime(), nullable=True))
        batch_op.drop_column('totp_last_step')
        batch_op.drop_column('totp_confirmed_at')
        batch_op.drop_column('totp_secret')
    op.drop_index(op.f('ix_recovery_code_user_id'), table_name='recovery_code')
    op.drop_table('recovery_code')
    op.drop_index(op.f('ix_account_session_user_id'), table_name='account_session')
    op.drop_table('account_session')
