"""free text bounded in the database; attachments' bytes in the database

Revision ID: 0101_14a
Revises: 0100_15_letters_rendered_later
Create Date: 2026-11-30 12:00:00

Issue 14, part A.

* Every free text a person types is bounded by a CHECK constraint (``length(col) <=
  20000``, ``matching.core.text.DATABASE_TEXT_MAX``): SQLite ignores VARCHAR lengths, and
  an observation of 1 MB was accepted. (NUL and control characters are refused by the
  forms and again before every flush: ``matching.core.text``, ``matching.core.db``.)
* An attachment's bytes live in ``attachment_content``, one row per attachment, written in
  the same transaction as the attachment: every application server reads them, and no
  file can be left behind by a transaction that did not commit. Files uploaded before
  stay on disk until ``flask attachments sweep`` moves them in (it reads the upload
  folder of the installation, which a migration does not know).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0101_14a'
down_revision = '0101_11a'
branch_labels = None
depends_on = None

LIMIT = 20000

BOUNDED = {
    'candidacy': ['withdrawal_reason', 'inadmissible_reason', 'partnership_fit'],
    'contribution': ['text'],
    'answer': ['text'],
    'letter': ['correction_reason'],
    'observation': ['text', 'answer'],
    'work_area': ['postal_address'],
    'addendum_version': ['delimitation', 'change_note'],
    'local_need': ['description', 'motivation'],
    'regional_challenge': ['target_groups', 'obstacles', 'opportunities', 'objectives'],
    'conflict_declaration': ['reason'],
    'assessment': ['note_1', 'note_2', 'note_3', 'note_4'],
    'jury_decision': ['motivation'],
    'pitch_appointment': ['report'],
    'emergency_procedure': ['motivation', 'ranking_motivation'],
    'emergency_score': ['motivation'],
    'appeal': ['grounds'],
    'appeal_panel_member': ['motivation'],
}


def upgrade():
    for table, columns in BOUNDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.create_check_constraint(op.f(f'ck_{table}_{column}_bounded'),
                                                 f'length({column}) <= {LIMIT}')
    op.create_table(
        'attachment_content',
        sa.Column('attachment_id', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['attachment_id'], ['attachment.id'],
                                name=op.f('fk_attachment_content_attachment_id_attachment'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('attachment_id', name=op.f('pk_attachment_content')),
    )


def downgrade():
    op.drop_table('attachment_content')
    for table, columns in BOUNDED.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f'ck_{table}_{column}_bounded'), type_='check')
