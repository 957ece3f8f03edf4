"""notifications and reminders: the person's language, reminders sent once

Revision ID: 0101_issue13
Revises: 0100_15_letters_rendered_later
Create Date: 2026-11-30 12:00:00

``user_account.locale``: the language a person last used the site in, so their
notifications are written in it. ``sent_once``: one row per reminder (person, deadline,
moment) with a unique key, so a reminder is queued once even with retries and two workers.
``user_account.digest`` and ``digest_item``: a daily overview instead of single mails.
``jury_membership.chair``: the member the jury chose as chair, who records its consensus.
"""
import sqlalchemy as sa
from alembic import op

from matching.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0101_issue13'
down_revision = '0101_issue12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
        batch.add_column(sa.Column('digest', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    op.create_table(
        'digest_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('sent_at', UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_digest_item_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_digest_item')),
    )
    op.create_index('ix_digest_item_pending', 'digest_item', ['user_id', 'sent_at'])
    with op.batch_alter_table('jury_membership') as batch:
        batch.add_column(sa.Column('chair', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
    op.create_table(
        'sent_once',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['message_id'], ['outbox_message.id'],
                                name=op.f('fk_sent_once_message_id_outbox_message')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_once')),
        sa.UniqueConstraint('key', name=op.f('uq_sent_once_key')),
    )


def downgrade():
    op.drop_table('sent_once')
    with op.batch_alter_table('jury_membership') as batch:
        batch.drop_column('chair')
    op.drop_index('ix_digest_item_pending', table_name='digest_item')
    op.drop_table('digest_item')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('digest')
        batch.drop_column('locale')
