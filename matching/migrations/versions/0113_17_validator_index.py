"""the public pages' validator: the newest audit event of a type by one index seek

Revision ID: 0113_validator
Revises: 0108_consensus
Create Date: 2026-12-01 00:00:00

The addenda list's validator (``workareas.conditional``) reads the newest audit event of
the procedures, work areas and the retention run. With only ``(object_type, object_id)``
indexed, that meant visiting every such event in the table (393 rows over 283 pages at 1x,
0.6 ms on PostgreSQL for every 304); ``(object_type, id)`` answers each type's newest event
by one backward index seek.
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0113_validator'
down_revision = '0108_consensus'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_audit_event_type_id', 'audit_event', ['object_type', 'id'])


def downgrade():
    op.drop_index('ix_audit_event_type_id', table_name='audit_event')
