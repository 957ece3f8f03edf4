"""The transactional outbox: a letter's e-mail is written in the deciding transaction
and sent by a worker only after that transaction committed.

States: ``pending → sending → sent``; on an SMTP failure back to ``pending`` with a
back-off, and ``failed`` after the last attempt (kept, visible, retryable: a letter is
never lost). The Message-ID is deterministic, so a worker killed between the SMTP
server's acceptance and marking the row sent causes at most one duplicate, with the same
Message-ID. The moment the server accepted a decision e-mail is its receipt (R-APP-1).
"""

from __future__ import annotations

import enum
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, or_, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matching.columns import enum_column
from matching.extensions import UTCDateTime, db
from matching.letters.models import Letter

MAX_ATTEMPTS = 8
#: A row left in 'sending' longer than this belongs to a worker that died.
SENDING_LEASE = timedelta(minutes=5)


class OutboxState(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A letter's e-mail carries the letter; account e-mails (confirmation, invitation,
    #: password reset) carry only ``body_text``.
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), unique=True)
    body_text: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_addresses: Mapped[str] = mapped_column(String(1000))
    subject: Mapped[str] = mapped_column(String(300))
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState, "outbox_state"),
                                               default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)

    letter: Mapped[Letter | None] = relationship()

    __table_args__ = (
        CheckConstraint("(state = 'sent') = (accepted_at IS NOT NULL)", name="accepted_iff_sent"),
        CheckConstraint("(state = 'sending') = (sending_since IS NOT NULL)",
                        name="sending_since_iff_sending"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("(letter_id IS NULL) <> (body_text IS NULL)", name="letter_or_body"),
        Index("ix_outbox_message_due", "state", "next_attempt_at"),
    )


def queue(letter: Letter, *, now: datetime, domain: str) -> OutboxMessage:
    """Queue the letter's e-mail in the current transaction (called by the operations)."""
    message = OutboxMessage(
        letter=letter, to_addresses=letter.recipients, subject=letter.subject,
        message_id=f"<{letter.reference.replace('/', '.')}.v{letter.version}."
                   f"{letter.pdf_sha256[:16]}@{domain}>",
        state=OutboxState.PENDING, attempts=0, created_at=now, next_attempt_at=now)
    db.session.add(message)
    return message


def queue_mail(to: str, subject: str, body: str, *, now: datetime, domain: str,
               key: str) -> OutboxMessage:
    """Queue a plain e-mail (no letter); ``key`` makes its Message-ID unique and stable."""
    message = OutboxMessage(to_addresses=to, subject=subject, body_text=body,
                            message_id=f"<{key}@{domain}>", state=OutboxState.PENDING,
                            attempts=0, created_at=now, next_attempt_at=now)
    db.session.add(message)
    return message


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=1))


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    letter = message.letter
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to_addresses
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail["Date"] = format_datetime(message.created_at)
    if letter is None:
        mail.set_content(message.body_text)
        return mail
    mail["Content-Language"] = letter.locale
    mail.set_content(letter.text)
    mail.add_alternative(letter.html, subtype="html")
    mail.add_attachment(letter.pdf, maintype="application", subtype="pdf",
                        filename=letter.filename)
    if letter.ics:
        mail.add_attachment(letter.ics, maintype="text", subtype="calendar",
                            filename="pitch.ics", params={"method": "REQUEST"})
    return mail


class Transport:
    """Delivers one e-mail; raises on failure. ``smtp`` for real servers, ``file`` for the
    demo (writes .eml files into the instance folder: no mail server needed)."""

    def __init__(self, config: dict):
        self.config = config

    def send(self, mail: EmailMessage) -> None:
        backend = self.config.get("MAIL_BACKEND", "smtp")
        if backend == "file":
            folder = Path(self.config["MAIL_FILE_DIR"])
            folder.mkdir(parents=True, exist_ok=True)
            name = mail["Message-ID"].strip("<>").replace("@", "_at_")
            (folder / f"{name}.eml").write_bytes(bytes(mail))
            return
        host, port = self.config.get("MAIL_SERVER", "127.0.0.1"), int(self.config.get("MAIL_PORT", 25))
        timeout = float(self.config.get("MAIL_TIMEOUT", 10))
        with smtplib.SMTP(host, port, timeout=timeout) as smtp:
            if self.config.get("MAIL_USE_TLS"):
                smtp.starttls(context=ssl.create_default_context())
            if self.config.get("MAIL_USERNAME"):
                smtp.login(self.config["MAIL_USERNAME"], self.config.get("MAIL_PASSWORD", ""))
            smtp.send_message(mail)


def due_messages(now: datetime, limit: int) -> list[OutboxMessage]:
    query = (select(OutboxMessage).where(or_(
        (OutboxMessage.state == OutboxState.PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.state == OutboxState.SENDING)
        & (OutboxMessage.sending_since <= now - SENDING_LEASE)))
        .order_by(OutboxMessage.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.scalars(query))


def send_pending(config: dict, *, clock: Callable[[], datetime] | None = None, limit: int = 100,
                 after_accept: Callable[[OutboxMessage], None] | None = None) -> dict[str, int]:
    """Send what is due, one message per transaction. Returns counts per outcome.

    ``after_accept`` runs right after the server accepted a message, before it is marked
    sent (tests use it to simulate a worker that dies at the worst moment).
    """
    from matching.operations import record_decision_received
    from matching.letters.content import DECISION_KINDS
    from matching.models.candidacies import Candidacy

    clock = clock or (lambda: datetime.now(timezone.utc))
    transport = Transport(config)
    sender = config.get("MAIL_SENDER", "matching@lokalepartnerschappen.be")
    counts = {"sent": 0, "retry": 0, "failed": 0}
    claimed = due_messages(clock(), limit)
    for message in claimed:  # claim them all in one short transaction
        message.state, message.sending_since = OutboxState.SENDING, clock()
        message.attempts += 1
    db.session.commit()
    for message in claimed:
        try:
            transport.send(build_email(message, sender))
        except (smtplib.SMTPException, OSError) as error:
            now = clock()
            message.sending_since = None
            message.last_error = f"{type(error).__name__}: {error}"[:1000]
            if message.attempts >= MAX_ATTEMPTS:
                message.state = OutboxState.FAILED
                counts["failed"] += 1
            else:
                message.state, message.next_attempt_at = OutboxState.PENDING, now + backoff(message.attempts)
                counts["retry"] += 1
            db.session.commit()
            continue
        accepted = clock()
        if after_accept:
            after_accept(message)
        message.state, message.accepted_at, message.sending_since = OutboxState.SENT, accepted, None
        message.last_error = None
        letter = message.letter
        if letter is not None and letter.kind in DECISION_KINDS and letter.version == 1:
            candidacy = db.session.get(Candidacy, letter.candidacy_id)
            if candidacy.notice(letter.round) is None:
                record_decision_received(candidacy, letter.round, accepted, actor=None, now=accepted)
        db.session.commit()
        counts["sent"] += 1
    return counts


def retry_failed(message: OutboxMessage, *, now: datetime) -> None:
    """Put a failed message back in the queue (a coordinator's decision)."""
    from matching.errors import DomainError, N_

    if message.state != OutboxState.FAILED:
        raise DomainError(N_("Enkel een mislukt bericht kan opnieuw worden verstuurd."))
    message.state, message.attempts, message.next_attempt_at = OutboxState.PENDING, 0, now
