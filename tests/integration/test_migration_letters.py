"""Letters written before issue 15 keep working after the migration: their PDF (as it was
sent, unsealed) moves into ``letter_pdf``, their HTML gets its SHA-256, a queued e-mail
still goes out with exactly that PDF (never a new rendering), and the public page and
``flask letters verify`` know it as a letter from before the seal."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa

from tests.helpers import attachment, sample_pdf

OLD_PDF = sample_pdf("Beslissing van vóór de verzegeling")
SENT_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _old_letter(connection) -> None:
    """A procedure, a letter with its PDF and its queued e-mail, as revision 0006 stored them."""
    connection.execute(sa.text(
        "INSERT INTO work_area (id, name, province) VALUES (1, 'Regio Oud', 'Limburg')"))
    connection.execute(sa.text(
        "INSERT INTO procedure (id, work_area_id, sequence, title, state, created_at) "
        "VALUES (1, 1, 1, 'Matching 2026', 'draft', :at)"), {"at": SENT_AT})
    connection.execute(sa.text(
        "INSERT INTO letter (id, kind, reference, version, procedure_id, locale, subject, "
        "recipients, html, text, pdf, pdf_sha256, created_at) VALUES (1, 'candidacy_receipt', "
        "'KAND-001-1-00001/ONTV', 1, 1, 'nl', 'Ontvangstbevestiging', 'info@oud.example', "
        ":html, 'Brief', :pdf, :sha, :at)"),
        {"html": "<html><body><main><p>Brief</p></main></body></html>", "pdf": OLD_PDF,
         "sha": hashlib.sha256(OLD_PDF).hexdigest(), "at": SENT_AT})
    connection.execute(sa.text(
        "INSERT INTO outbox_message (letter_id, message_id, to_addresses, subject, state, "
        "attempts, created_at, next_attempt_at) VALUES (1, '<KAND.v1@oud>', "
        "'info@oud.example', 'Ontvangstbevestiging', 'pending', 0, :at, :at)"), {"at": SENT_AT})


def test_letters_written_before_keep_their_pdf(tmp_path, smtp):
    from flask_migrate import upgrade

    from matching.app import create_app
    from matching.app.cli import verify_pdf
    from matching.candidacies.models import Letter, LetterPdf
    from matching.candidacies.operations import send_outbox
    from matching.core.db import db

    app = create_app({"TESTING": True, "MATCHING_ENV": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'oud.db'}"})
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            _old_letter(connection)
        upgrade()
        letter = db.session.get(Letter, 1)
        stored = db.session.get(LetterPdf, 1)
        assert stored.pdf == OLD_PDF and stored.sha256 == hashlib.sha256(OLD_PDF).hexdigest()
        assert stored.rendered_at == SENT_AT and stored.sealed_at is None
        assert letter.content_sha256 == hashlib.sha256(letter.html.encode()).hexdigest()

        config = dict(app.config, MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1",
                      MAIL_PORT=smtp.port)
        assert send_outbox(config)["sent"] == 1
        assert attachment(smtp.messages[0], "application/pdf") == OLD_PDF  # not re-rendered

        ok, lines = verify_pdf(OLD_PDF)
        assert ok and "vóór de verzegeling" in lines[0] and "KAND-001-1-00001/ONTV" in lines[1]
        page = app.test_client().get("/brieven/echtheid",
                                      query_string={"kenmerk": "KAND-001-1-00001/ONTV"})
        assert "vóór de verzegeling" in page.get_data(as_text=True)
        db.engine.dispose()
