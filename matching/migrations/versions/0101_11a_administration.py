"""administration by Europa WSE: deactivation, who granted a role, roles per work area,
work areas' municipalities with NIS codes and contact persons, organisations' kind and seat

Revision ID: 0101_11a
Revises: 0100_15_letters_rendered_later
Create Date: 2026-11-30 12:00:00

- user_account.deactivated_at: an administrator deactivated the account.
- role_grant.granted_by_id; a matchmaker's or appeal matchmaker's grant may name the work
  area it was granted for (a coordinator's must, as before).
- municipality.nis_code (Statbel REFNIS code; NULL for names entered before).
- work_area_contact: the work area's contact persons.
- ratification_refusal: an observer's motivated refusal to ratify, the coordinators'
  answer.
- organisation.seat_nis_code and more kinds (municipality, OCMW, non-profit, company,
  education; LOCAL_GOVERNMENT now stands for an intermunicipal body or other local
  government).
"""
import sqlalchemy as sa
from alembic import op

from matching.core.db import UTCDateTime

revision = '0101_11a'
down_revision = '0100_15_letters_rendered_later'
branch_labels = None
depends_on = None

OLD_KINDS = "'VDAB', 'LOCAL_GOVERNMENT', 'OTHER'"
NEW_KINDS = ("'VDAB', 'MUNICIPALITY', 'OCMW', 'LOCAL_GOVERNMENT', 'NONPROFIT', 'COMPANY', "
             "'EDUCATION', 'OTHER'")


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deactivated_at', UTCDateTime(timezone=True),
                                      nullable=True))

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('granted_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_role_grant_granted_by_id_user_account'),
                                    'user_account', ['granted_by_id'], ['id'],
                                    ondelete='SET NULL')
        batch_op.drop_constraint(batch_op.f('ck_role_grant_work_area_iff_coordinator'),
                                 type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_coordinator_has_work_area'),
                                         "role <> 'coordinator' OR work_area_id IS NOT NULL")
        batch_op.create_check_constraint(
            batch_op.f('ck_role_grant_work_area_only_for_area_roles'),
            "work_area_id IS NULL OR role IN ('coordinator', 'matchmaker', "
            "'appeal_matchmaker')")

    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nis_code', sa.String(length=5), nullable=True))

    op.create_table(
        'work_area_contact',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('work_area_id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('organisation', sa.String(length=300), server_default='', nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('phone', sa.String(length=50), server_default='', nullable=False),
        sa.CheckConstraint('length(trim(name)) > 0',
                           name=op.f('ck_work_area_contact_name_not_blank')),
        sa.ForeignKeyConstraint(['work_area_id'], ['work_area.id'],
                                name=op.f('fk_work_area_contact_work_area_id_work_area'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_work_area_contact')))

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seat_nis_code', sa.String(length=5), nullable=True))
        batch_op.drop_constraint(batch_op.f('ck_organisation_organisation_kind'),
                                 type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_organisation_organisation_kind'),
                                         f"kind IN ({NEW_KINDS})")

    op.create_table(
        'ratification_refusal',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('procedure_id', sa.Integer(), nullable=False),
        sa.Column('motivation', sa.Text(), nullable=False),
        sa.Column('observer_id', sa.Integer(), nullable=False),
        sa.Column('refused_at', UTCDateTime(timezone=True), nullable=False),
        sa.Column('answer', sa.Text(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('answered_at', UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint('length(trim(motivation)) >= 10',
                           name=op.f('ck_ratification_refusal_motivation_given')),
        sa.CheckConstraint('(answer IS NULL) = (answered_at IS NULL) AND '
                           '(answer IS NULL) = (answered_by_id IS NULL)',
                           name=op.f('ck_ratification_refusal_answer_complete')),
        sa.CheckConstraint('answer IS NULL OR length(trim(answer)) >= 10',
                           name=op.f('ck_ratification_refusal_answer_given')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                                name=op.f('fk_ratification_refusal_answered_by_id_user_account')),
        sa.ForeignKeyConstraint(['observer_id'], ['user_account.id'],
                                name=op.f('fk_ratification_refusal_observer_id_user_account')),
        sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'],
                                name=op.f('fk_ratification_refusal_procedure_id_procedure')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ratification_refusal')))
    with op.batch_alter_table('ratification_refusal', schema=None) as batch_op:
        batch_op.create_index('ix_ratification_refusal_procedure', ['procedure_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('ratification_refusal', schema=None) as batch_op:
        batch_op.drop_index('ix_ratification_refusal_procedure')
    op.drop_table('ratification_refusal')
    op.execute("UPDATE organisation SET kind = 'LOCAL_GOVERNMENT' "
               "WHERE kind IN ('MUNICIPALITY', 'OCMW')")
    op.execute("UPDATE organisation SET kind = 'OTHER' "
               "WHERE kind IN ('NONPROFIT', 'COMPANY', 'EDUCATION')")
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_organisation_organisation_kind'),
                                 type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_organisation_organisation_kind'),
                                         f"kind IN ({OLD_KINDS})")
        batch_op.drop_column('seat_nis_code')
    op.drop_table('work_area_contact')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('nis_code')
    op.execute("DELETE FROM role_grant WHERE work_area_id IS NOT NULL "
               "AND role <> 'coordinator'")
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_grant_work_area_only_for_area_roles'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_role_grant_coordinator_has_work_area'),
                                 type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_work_area_iff_coordinator'),
                                         "(role = 'coordinator') = (work_area_id IS NOT NULL)")
        batch_op.drop_constraint(batch_op.f('fk_role_grant_granted_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('granted_by_id')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('deactivated_at')
