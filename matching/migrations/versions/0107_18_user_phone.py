"""personal data (issue 18): a person's phone number on their account

Revision ID: 0101_issue18
Revises: 0100_15_letters_rendered_later
Create Date: 2026-11-30 12:10:00

The account gets an optional phone number, which the person corrects themself on their
account page together with their name (rectification, GDPR art. 16).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0101_issue18'
down_revision = '0101_issue13'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone', sa.String(length=50), server_default='',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('phone')
