"""pitch scheduling as people plan days (issue 13)

Revision ID: 0108_pitch
Revises: 0108_retention
Create Date: 2026-11-30 15:10:00

``pitch_session``: a pitch day part (place or link, start, end) split into slots of a chosen
length with breaks. ``pitch_slot`` stays the slot table (each appointment still names one
slot) and gains its parent ``session_id``; the existing rows keep no session: each is a
single pitch moment, as it was, so no data moves. ``pitch_appointment`` records a no-show
with its note. ``outbox_message.calendar``: the .ics of a plain e-mail (the cancellation
of a pitch that moved).
"""
import sqlalchemy as sa
from alembic import op

from matching.core.db import UTCDateTime
from matching.core.text import DATABASE_TEXT_MAX

# revision identifiers, used by Alembic.
revision = '0108_pitch'
down_revision = '0108_retention'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'pitch_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', UTCDateTime(), nullable=False),
        sa.Column('ends_at', UTCDateTime(), nullable=False),
        sa.Column('location', sa.String(length=300), nullable=False),
        sa.Column('slot_minutes', sa.Integer(), nullable=False),
        sa.Column('break_minutes', sa.Integer(), nullable=False),
        sa.Column('pause_after', sa.Integer(), nullable=True),
        sa.Column('pause_minutes', sa.Integer(), nullable=False),
        sa.Column('pick_until', UTCDateTime(), nullable=True),
        sa.CheckConstraint('ends_at > starts_at',
                           name=op.f('ck_pitch_session_session_ends_after_start')),
        sa.CheckConstraint('slot_minutes > 0', name=op.f('ck_pitch_session_slot_minutes_positive')),
        sa.CheckConstraint('break_minutes >= 0 AND pause_minutes >= 0',
                           name=op.f('ck_pitch_session_breaks_not_negative')),
        sa.CheckConstraint('pause_after IS NULL OR pause_after > 0',
                           name=op.f('ck_pitch_session_pause_after_positive')),
        sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], ondelete='CASCADE',
                                name=op.f('fk_pitch_session_procedure_id_procedure')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pitch_session')),
    )
    with op.batch_alter_table('pitch_slot') as batch:
        batch.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_pitch_slot_session_id_pitch_session'), 'pitch_session',
                                 ['session_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('pitch_appointment') as batch:
        batch.add_column(sa.Column('no_show_at', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('no_show_note', sa.Text(), nullable=True))
        batch.create_check_constraint(op.f('ck_pitch_appointment_no_show_note_bounded'),
                                      f'length(no_show_note) <= {DATABASE_TEXT_MAX}')
        batch.create_check_constraint(op.f('ck_pitch_appointment_no_show_note_iff_no_show'),
                                      '(no_show_at IS NULL) = (no_show_note IS NULL)')
        batch.create_check_constraint(op.f('ck_pitch_appointment_held_or_no_show'),
                                      'held_at IS NULL OR no_show_at IS NULL')
    with op.batch_alter_table('outbox_message') as batch:
        batch.add_column(sa.Column('calendar', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message') as batch:
        batch.drop_column('calendar')
    with op.batch_alter_table('pitch_appointment') as batch:
        batch.drop_constraint(op.f('ck_pitch_appointment_held_or_no_show'), type_='check')
        batch.drop_constraint(op.f('ck_pitch_appointment_no_show_note_iff_no_show'),
                              type_='check')
        batch.drop_constraint(op.f('ck_pitch_appointment_no_show_note_bounded'), type_='check')
        batch.drop_column('no_show_note')
        batch.drop_column('no_show_at')
    with op.batch_alter_table('pitch_slot') as batch:
        batch.drop_constraint(op.f('fk_pitch_slot_session_id_pitch_session'), type_='foreignkey')
        batch.drop_column('session_id')
    op.drop_table('pitch_session')
