"""the jury's scores, conflicts and seats, a candidacy's attachments and six more by an index

Revision ID: 0115_fk_indexes
Revises: 0114_notify
Create Date: 2026-12-01 00:00:00

Issue 17, the deadline day at 10x data: a candidacy's scores (``assessment``), its conflict
declarations and its attachments, and the juries a matchmaker sits on
(``jury_membership.user_id``) were read by scanning the whole table, since only the unique
constraints led with another column. At 10x a candidacy's scores of one criterion took
46-126 ms on PostgreSQL (a parallel scan of 550,000 rows), on every scoring page and score
saved, while the score's transaction held the audit chain's lock. The same for the appeals
a matchmaker judges, a procedure's pitch slots and an addendum version's needs and contact
persons, read at every sign-in's start page (smaller tables, growing with the data too).
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0115_fk_indexes'
down_revision = '0114_notify'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_assessment_candidacy', 'assessment', ['candidacy_id', 'round']),
    ('ix_conflict_declaration_candidacy', 'conflict_declaration', ['candidacy_id']),
    ('ix_attachment_candidacy', 'attachment', ['candidacy_id']),
    ('ix_jury_membership_user', 'jury_membership', ['user_id']),
    ('ix_appeal_panel_member_user', 'appeal_panel_member', ['user_id']),
    ('ix_pitch_slot_procedure', 'pitch_slot', ['procedure_id']),
    ('ix_local_need_version', 'local_need', ['version_id']),
    ('ix_contact_person_version', 'contact_person', ['version_id']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
