"""Helpers the tests share that know nothing of the procedure: a free TCP port, a real
SMTP server that keeps what it accepts, the text of a PDF, a small PDF to upload, row
counts, and Brussels/UTC instants. The world of the procedure lives in ``tests.support``;
the fixtures built on these (``smtp``, ``mail_config``) in ``tests/conftest.py``.
"""

from __future__ import annotations

import email
import io
import re
import socket
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage

from matching.core.dates import BRUSSELS

# --- network -----------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- a real SMTP server ------------------------------------------------------------------------


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts (``messages``); ``port``
    and ``controller`` are set by :func:`start_smtp`."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.port: int | None = None
        self.controller = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def start_smtp(inbox: Inbox, port: int | None = None):
    """Serve ``inbox`` with aiosmtpd on 127.0.0.1 (on ``port``, or a free one); returns the
    started controller, also kept as ``inbox.controller``."""
    from aiosmtpd.controller import Controller

    inbox.port = port or inbox.port or free_port()
    inbox.controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    inbox.controller.start()
    return inbox.controller


def stop_smtp(inbox: Inbox) -> None:
    """Stop the server of ``inbox``; a test may have stopped it already."""
    try:
        inbox.controller.stop()
    except (AssertionError, RuntimeError):
        pass


def attachment(message: EmailMessage, content_type: str) -> bytes:
    """The first attachment of ``content_type``, as bytes."""
    part = next(p for p in message.iter_attachments() if p.get_content_type() == content_type)
    content = part.get_content()
    return content if isinstance(content, bytes) else content.encode()


def message_id(message: EmailMessage) -> str:
    return str(message["Message-ID"]).strip()


# --- PDF ---------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, page after page (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def flat(text: str) -> str:
    """Text with every run of whitespace as one space (PDF lines wrap anywhere)."""
    return re.sub(r"\s+", " ", text)


def sample_pdf(text: str = "Referentielijst") -> bytes:
    """A real one-page PDF (reportlab) saying ``text``: an attachment to upload."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()


# --- the database ------------------------------------------------------------------------------


def bypass_append_only_trigger(connection) -> None:
    """Let the current transaction change or delete audit events, as a superuser could: on
    PostgreSQL the append-only trigger of ``audit_event`` refuses it, so ordinary triggers
    are switched off for this transaction (``session_replication_role = replica``);
    SQLite has no such trigger. ``connection``: a Connection, or a Session's connection."""
    from sqlalchemy import text

    if connection.dialect.name == "postgresql":
        connection.execute(text("SET LOCAL session_replication_role = replica"))


def count_rows(db, model) -> int:
    """The number of rows of ``model``'s table."""
    from sqlalchemy import func, select

    return db.session.scalar(select(func.count()).select_from(model))


# --- instants ----------------------------------------------------------------------------------


def bxl(*args: int) -> datetime:
    """A Brussels wall-clock instant."""
    return datetime(*args, tzinfo=BRUSSELS)


def utc(*args: int) -> datetime:
    """A UTC instant."""
    return datetime(*args, tzinfo=UTC)


def schema_app(tmp_path, filename: str, backend: str, schema: str):
    """An application on an empty database of its own, for a migration test: a new SQLite file
    ``filename``, or the PostgreSQL schema ``schema`` in ``TEST_DATABASE_URL``'s database,
    created empty here (:func:`drop_schema` removes it)."""
    import os

    import sqlalchemy as sa

    from matching.app import create_app
    from matching.app.config import normalise_database_url

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / filename}"
    else:
        base = normalise_database_url(os.environ["TEST_DATABASE_URL"])
        drop_schema(schema)
        engine = sa.create_engine(base)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        url = base + ("&" if "?" in base else "?") + f"options=-csearch_path%3D{schema}"
    return create_app({"TESTING": True, "MATCHING_ENV": "testing",
                       "SQLALCHEMY_DATABASE_URI": url})


def drop_schema(schema: str) -> None:
    """Drop the PostgreSQL schema of :func:`schema_app` (and what it holds), if it exists."""
    import os

    import sqlalchemy as sa

    from matching.app.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(os.environ["TEST_DATABASE_URL"]))
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    engine.dispose()
