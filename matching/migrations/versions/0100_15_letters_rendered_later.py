"""letters rendered after the commit: sealed PDFs in letter_pdf, the letter sender

Revision ID: 0100_15_letters_rendered_later
Revises: 0006
Create Date: 2026-11-30 10:00:00

A letter records its HTML and text (and the SHA-256 of the HTML) in the deciding
transaction; its PDF is rendered and sealed by the mail worker and written once into
letter_pdf. The PDFs of the letters written before keep working: they move into letter_pdf
as they were (unsealed: sealed_at NULL). On PostgreSQL a trigger refuses UPDATE and DELETE
on letter_pdf (the tests' cleanup switches ordinary triggers off, as for audit_event).

Also: the letter sender of a work area (postal address, signatory), Reply-To and the failed
step of an outbox message, and the seal of the final report.
"""
import hashlib

import sqlalchemy as sa
from alembic import op

from matching.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0100_15_letters_rendered_later'
down_revision = '0006'
branch_labels = None
depends_on = None

LETTER = sa.table('letter', sa.column('id', sa.Integer()), sa.column('html', sa.Text()),
                  sa.column('content_sha256', sa.String()), sa.column('pdf', sa.LargeBinary()),
                  sa.column('pdf_sha256', sa.String()), sa.column('created_at', UTCDateTime()))
LETTER_PDF = sa.table('letter_pdf', sa.column('letter_id', sa.Integer()),
                      sa.column('pdf', sa.LargeBinary()), sa.column('sha256', sa.String()),
                      sa.column('rendered_at', UTCDateTime()))

PG_UP = [
    """
    CREATE FUNCTION letter_pdf_written_once() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'letter_pdf is written once (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER letter_pdf_no_update BEFORE UPDATE ON letter_pdf
    FOR EACH ROW EXECUTE FUNCTION letter_pdf_written_once()
    """,
    """
    CREATE TRIGGER letter_pdf_no_delete BEFORE DELETE ON letter_pdf
    FOR EACH ROW EXECUTE FUNCTION letter_pdf_written_once()
    """,
]

PG_DOWN = [
    "DROP TRIGGER IF EXISTS letter_pdf_no_delete ON letter_pdf",
    "DROP TRIGGER IF EXISTS letter_pdf_no_update ON letter_pdf",
    "DROP FUNCTION IF EXISTS letter_pdf_written_once()",
]


def upgrade():
    op.create_table('letter_pdf',
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('rendered_at', UTCDateTime(timezone=True), nullable=False),
    sa.Column('sealed_at', UTCDateTime(timezone=True), nullable=True),
    sa.Column('seal_fingerprint', sa.String(length=64), nullable=True),
    sa.CheckConstraint('(sealed_at IS NULL) = (seal_fingerprint IS NULL)', name=op.f('ck_letter_pdf_sealed_with_a_certificate')),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_letter_pdf_sha256_hex')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_pdf_letter_id_letter')),
    sa.PrimaryKeyConstraint('letter_id', name=op.f('pk_letter_pdf'))
    )
    op.create_index('ix_letter_pdf_sha256', 'letter_pdf', ['sha256'], unique=False)

    bind = op.get_bind()
    # The letters written so far: their PDF as it was sent, their HTML's hash.
    bind.execute(LETTER_PDF.insert().from_select(
        ['letter_id', 'pdf', 'sha256', 'rendered_at'],
        sa.select(LETTER.c.id, LETTER.c.pdf, LETTER.c.pdf_sha256, LETTER.c.created_at)))
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_sha256', sa.String(length=64), nullable=True))
    for row in bind.execute(sa.select(LETTER.c.id, LETTER.c.html)).all():
        digest = hashlib.sha256(row.html.encode('utf-8')).hexdigest()
        bind.execute(LETTER.update().where(LETTER.c.id == row.id).values(content_sha256=digest))
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.alter_column('content_sha256', existing_type=sa.String(length=64),
                              nullable=False)
        batch_op.drop_constraint(batch_op.f('ck_letter_sha256_hex'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_letter_content_sha256_hex'),
                                         'length(content_sha256) = 64')
        batch_op.drop_column('pdf')
        batch_op.drop_column('pdf_sha256')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('failed_step', sa.String(length=10), nullable=True))
    bind.execute(sa.text("UPDATE outbox_message SET failed_step = 'deliver' "
                         "WHERE last_error IS NOT NULL"))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_failed_step_known'),
                                         "failed_step IN ('build', 'deliver')")
        batch_op.create_check_constraint(batch_op.f('ck_outbox_message_failed_step_iff_error'),
                                         '(failed_step IS NULL) = (last_error IS NULL)')

    with op.batch_alter_table('work_area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('postal_address', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('signatory_name', sa.String(length=200), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('signatory_function', sa.String(length=200),
                                      server_default='', nullable=False))

    with op.batch_alter_table('final_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('seal_fingerprint', sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(batch_op.f('ck_final_report_sealed_with_a_certificate'),
                                         '(sealed_at IS NULL) = (seal_fingerprint IS NULL)')
        batch_op.create_index('ix_final_report_sha256', ['sha256'], unique=False)

    if bind.dialect.name == 'postgresql':
        for statement in PG_UP:
            op.execute(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for statement in PG_DOWN:
            op.execute(statement)
    with op.batch_alter_table('final_report', schema=None) as batch_op:
        batch_op.drop_index('ix_final_report_sha256')
        batch_op.drop_constraint(batch_op.f('ck_final_report_sealed_with_a_certificate'),
                                 type_='check')
        batch_op.drop_column('seal_fingerprint')
        batch_op.drop_column('sealed_at')
    with op.batch_alter_table('work_area', schema=None) as batch_op:
        batch_op.drop_column('signatory_function')
        batch_op.drop_column('signatory_name')
        batch_op.drop_column('postal_address')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_failed_step_iff_error'),
                                 type_='check')
        batch_op.drop_constraint(batch_op.f('ck_outbox_message_failed_step_known'),
                                 type_='check')
        batch_op.drop_column('failed_step')
        batch_op.drop_column('reply_to')
    # A letter without a stored PDF (never sent) cannot go back: the old schema required one.
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
    for row in bind.execute(sa.select(LETTER_PDF.c.letter_id, LETTER_PDF.c.pdf,
                                      LETTER_PDF.c.sha256)).all():
        bind.execute(LETTER.update().where(LETTER.c.id == row.letter_id)
                     .values(pdf=row.pdf, pdf_sha256=row.sha256))
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_letter_content_sha256_hex'), type_='check')
        batch_op.alter_column('pdf', existing_type=sa.LargeBinary(), nullable=False)
        batch_op.alter_column('pdf_sha256', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_check_constraint(batch_op.f('ck_letter_sha256_hex'),
                                         'length(pdf_sha256) = 64')
        batch_op.drop_column('content_sha256')
    op.drop_index('ix_letter_pdf_sha256', table_name='letter_pdf')
    op.drop_table('letter_pdf')
