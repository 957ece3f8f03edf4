"""the emergency procedure in the browser (issue 12): the behaviour observed in step 4

Revision ID: 0108_emergency
Revises: 0108_versions
Create Date: 2026-11-30 15:20:00

R-STEP4-1: in the emergency procedure, fit for partnership is re-scored also on the
behaviour observed in step 4. Each bloc's re-score of that criterion records it (optional
text, bounded like every free text, only on fit for partnership).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0108_emergency'
down_revision = '0108_versions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('emergency_score', schema=None) as batch_op:
        batch_op.add_column(sa.Column('observed_behaviour', sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_emergency_score_observed_behaviour_bounded'),
            'length(observed_behaviour) <= 20000')
        batch_op.create_check_constraint(
            op.f('ck_emergency_score_behaviour_only_for_fit'),
            "observed_behaviour IS NULL OR criterion = 'fit_for_partnership'")


def downgrade():
    with op.batch_alter_table('emergency_score', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_emergency_score_behaviour_only_for_fit'),
                                 type_='check')
        batch_op.drop_constraint(op.f('ck_emergency_score_observed_behaviour_bounded'),
                                 type_='check')
        batch_op.drop_column('observed_behaviour')
