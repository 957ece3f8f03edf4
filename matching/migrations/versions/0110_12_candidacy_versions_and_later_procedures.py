"""issues 12 and 13: submitted versions of a candidacy, corrections until the deadline, and
the earlier procedure a later one changes (R-DYN-1)

Revision ID: 0108_versions
Revises: 0108_pitch
Create Date: 2026-11-30 15:00:00

A candidacy may be corrected until the deadline: every submission writes a
``candidacy_version`` (the submitted content, the addendum version it answered); a
correction is open while ``candidacy.correction_opened_at`` is set; an attachment removed in
a correction keeps its row (``attachment.removed_at``) for the earlier version. Candidacies
submitted before get their first version written when a correction is first opened.

A later procedure of a work area names the ratified procedure whose partnership it changes
(``procedure.changes_procedure_id``).
"""
import sqlalchemy as sa
from alembic import op

from matching.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0108_versions'
down_revision = '0108_pitch'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'candidacy_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidacy_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('submitted_at', UTCDateTime(), nullable=False),
        sa.Column('addendum_version', sa.Integer(), nullable=False),
        sa.Column('content', sa.JSON(), nullable=False),
        sa.CheckConstraint('number >= 1', name=op.f('ck_candidacy_version_number_positive')),
        sa.CheckConstraint('addendum_version >= 1',
                           name=op.f('ck_candidacy_version_addendum_version_positive')),
        sa.ForeignKeyConstraint(['candidacy_id'], ['candidacy.id'],
                                name=op.f('fk_candidacy_version_candidacy_id_candidacy'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_candidacy_version')),
        sa.UniqueConstraint('candidacy_id', 'number',
                            name=op.f('uq_candidacy_version_candidacy_id_number')),
    )
    with op.batch_alter_table('candidacy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('correction_opened_at', UTCDateTime(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_candidacy_corrections_of_submitted_candidacies'),
            "correction_opened_at IS NULL OR state = 'submitted'")
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', UTCDateTime(), nullable=True))
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes_procedure_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_procedure_changes_procedure_id_procedure'),
                                    'procedure', ['changes_procedure_id'], ['id'])
        batch_op.create_check_constraint(
            batch_op.f('ck_procedure_changes_another_procedure'),
            'changes_procedure_id IS NULL OR changes_procedure_id <> id')


def downgrade():
    with op.batch_alter_table('procedure', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_procedure_changes_another_procedure'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('fk_procedure_changes_procedure_id_procedure'),
                                 type_='foreignkey')
        batch_op.drop_column('changes_procedure_id')
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
    with op.batch_alter_table('candidacy', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('ck_candidacy_corrections_of_submitted_candidacies'), type_='check')
        batch_op.drop_column('correction_opened_at')
    op.drop_table('candidacy_version')
