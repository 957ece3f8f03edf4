"""issue 12: one appeal route (the channel an appeal came by, the moment a coordinator
registered it, the clarifying document an appeal adds)

Revision ID: 0101_issue12
Revises: 0100_15_letters_rendered_later
Create Date: 2026-11-30 12:00:00

Appeals filed before keep channel 'platform'.

Also the inadmissibility as a motivated, appealable decision: its letter kind
('inadmissible'), and "round" 0 (the decision at the deadline check) for the receipt of
its e-mail (decision_notice) and for the appeal against it.

And the commitment to Europa WSE's quality framework (call text, section 5) as a
declaration of the candidacy: NULL for the candidacies submitted before it was asked (they
never declared it, and it is not made up for them), false for drafts.
"""
import sqlalchemy as sa
from alembic import op

from matching.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0101_issue12'
down_revision = '0101_issue_11b'
branch_labels = None
depends_on = None


OLD_KINDS = ('candidacy_receipt', 'round1_selected', 'round1_not_selected', 'round2_admitted',
             'round2_not_admitted', 'appeal_receipt', 'appeal_outcome', 'emergency_outcome')
NEW_KINDS = OLD_KINDS + ('inadmissible',)


def _kinds(kinds):
    return 'kind IN (' + ', '.join(f"'{k}'" for k in kinds) + ')'


def _rounds(table, old, new, old_sql, new_sql):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f'ck_{table}_{old}'), type_='check')
        batch_op.create_check_constraint(batch_op.f(f'ck_{table}_{new}'), new_sql)


def upgrade():
    with op.batch_alter_table('candidacy', schema=None) as batch_op:
        batch_op.add_column(sa.Column('declares_quality_framework', sa.Boolean(),
                                      nullable=True))
    op.execute("UPDATE candidacy SET declares_quality_framework = false "
               "WHERE submitted_at IS NULL")
    with op.batch_alter_table('candidacy', schema=None) as batch_op:
        batch_op.create_check_constraint(
            batch_op.f('ck_candidacy_submitted_with_quality_framework'),
            'submitted_at IS NULL OR declares_quality_framework IS NULL '
            'OR declares_quality_framework')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_letter_letter_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_letter_letter_kind'), _kinds(NEW_KINDS))
    _rounds('decision_notice', 'round_1_or_2', 'round_0_1_or_2', 'round IN (1, 2)',
            'round IN (0, 1, 2)')
    _rounds('appeal', 'round_1_or_2', 'round_0_1_or_2', 'round IN (1, 2)', 'round IN (0, 1, 2)')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'channel', sa.Enum('platform', 'email', 'post', name='appeal_channel',
                               native_enum=False, create_constraint=True),
            server_default='platform', nullable=False))
        batch_op.add_column(sa.Column('registered_at', UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_appeal_registered_iff_not_platform'),
                                         "(channel = 'platform') = (registered_at IS NULL)")
        batch_op.create_check_constraint(batch_op.f('ck_appeal_registered_after_received'),
                                         'registered_at IS NULL OR registered_at >= filed_at')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.alter_column('channel', server_default=None)

    op.create_table('appeal_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint("media_type IN ('application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.oasis.opendocument.text')", name=op.f('ck_appeal_document_media_type_allowed')),
    sa.CheckConstraint('size > 0 AND size <= 10485760', name=op.f('ck_appeal_document_size_up_to_10_mb')),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeal.id'], name=op.f('fk_appeal_document_appeal_id_appeal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_document')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_appeal_document_appeal_id')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_appeal_document_storage_key'))
    )


def downgrade():
    with op.batch_alter_table('candidacy', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_candidacy_submitted_with_quality_framework'),
                                 type_='check')
        batch_op.drop_column('declares_quality_framework')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_appeal_round_0_1_or_2'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_appeal_round_1_or_2'), 'round IN (1, 2)')
    with op.batch_alter_table('decision_notice', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_decision_notice_round_0_1_or_2'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_decision_notice_round_1_or_2'),
                                         'round IN (1, 2)')
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_letter_letter_kind'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_letter_letter_kind'), _kinds(OLD_KINDS))
    op.drop_table('appeal_document')
    with op.batch_alter_table('appeal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_appeal_registered_after_received'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_appeal_registered_iff_not_platform'),
                                 type_='check')
        batch_op.drop_column('registered_at')
        batch_op.drop_column('channel')
