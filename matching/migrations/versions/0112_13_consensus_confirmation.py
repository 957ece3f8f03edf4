"""the jury's consensus: one chair per jury, a consensus awaiting confirmation

Revision ID: 0108_consensus
Revises: 0108_emergency
Create Date: 2026-11-30 15:10:00

``jury_membership``: at most one chair per jury, a partial unique index (``WHERE chair``),
which SQLite (3.8+) and PostgreSQL both support. ``pending_consensus``: a consensus
recorded by a member who is not the chair; it counts once a member of another organisation
confirms it (one pending per candidacy, round and criterion: a partial unique index too).
"""
import sqlalchemy as sa
from alembic import op

from matching.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0108_consensus'
down_revision = '0108_emergency'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('uq_jury_membership_one_chair', 'jury_membership', ['jury_id'], unique=True,
                    sqlite_where=sa.text('chair'), postgresql_where=sa.text('chair'))
    op.create_table(
        'pending_consensus',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidacy_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('criterion', sa.Enum('crucial_contribution', 'fit_for_partnership',
                                       name='criterion', native_enum=False,
                                       create_constraint=True), nullable=False),
        sa.Column('score', sa.Integer(), nullable=False),
        sa.Column('motivation', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_bloc', sa.Enum('VDAB', 'LOKAAL_BESTUUR', 'EXTERN', name='bloc',
                                           native_enum=False, create_constraint=True),
                  nullable=False),
        sa.Column('recorded_at', UTCDateTime(), nullable=False),
        sa.Column('state', sa.Enum('pending', 'confirmed', 'withdrawn', name='consensus_state',
                                   native_enum=False, create_constraint=True), nullable=False),
        sa.Column('closed_by_id', sa.Integer(), nullable=True),
        sa.Column('closed_at', UTCDateTime(), nullable=True),
        sa.Column('decision_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('length(motivation) <= 20000',
                           name=op.f('ck_pending_consensus_motivation_bounded')),
        sa.CheckConstraint('score BETWEEN 1 AND 4', name=op.f('ck_pending_consensus_score_1_to_4')),
        sa.CheckConstraint('round IN (1, 2)', name=op.f('ck_pending_consensus_round_1_or_2')),
        sa.CheckConstraint('length(trim(motivation)) >= 10',
                           name=op.f('ck_pending_consensus_motivated')),
        sa.CheckConstraint("(state = 'pending') = (closed_at IS NULL)",
                           name=op.f('ck_pending_consensus_closed_at_iff_closed')),
        sa.CheckConstraint("(state = 'pending') = (closed_by_id IS NULL)",
                           name=op.f('ck_pending_consensus_closed_by_iff_closed')),
        sa.CheckConstraint("state <> 'confirmed' OR closed_by_id <> recorded_by_id",
                           name=op.f('ck_pending_consensus_confirmed_by_another')),
        sa.ForeignKeyConstraint(['candidacy_id'], ['candidacy.id'], ondelete='CASCADE',
                                name=op.f('fk_pending_consensus_candidacy_id_candidacy')),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                                name=op.f('fk_pending_consensus_recorded_by_id_user_account')),
        sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'],
                                name=op.f('fk_pending_consensus_closed_by_id_user_account')),
        sa.ForeignKeyConstraint(['decision_id'], ['jury_decision.id'], ondelete='SET NULL',
                                name=op.f('fk_pending_consensus_decision_id_jury_decision')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_consensus')),
        sa.UniqueConstraint('decision_id', name=op.f('uq_pending_consensus_decision_id')),
    )
    op.create_index('uq_pending_consensus_open', 'pending_consensus',
                    ['candidacy_id', 'round', 'criterion'], unique=True,
                    sqlite_where=sa.text("state = 'pending'"),
                    postgresql_where=sa.text("state = 'pending'"))


def downgrade():
    op.drop_index('uq_pending_consensus_open', table_name='pending_consensus')
    op.drop_table('pending_consensus')
    op.drop_index('uq_jury_membership_one_chair', table_name='jury_membership')
