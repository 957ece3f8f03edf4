"""The transactional outbox: an e-mail is written in the deciding transaction and sent by
a worker only after that transaction committed.

States: ``pending → sending → sent``; on an SMTP failure back to ``pending`` with a
back-off, and ``failed`` after the last attempt (kept, visible, retryable: a message is
never lost). The Message-ID is deterministic, so a worker killed between the SMTP
server's acceptance and marking the row sent causes at most one duplicate, with the same
Message-ID.

This package knows e-mails, not letters: a message either carries its own text, or
belongs to a letter (``letter_id``), whose e-mail the caller builds
(:func:`send_pending`'s ``build``, which for a letter first renders, seals and stores its
PDF); ``on_accepted`` hears the moment the server accepted a message
(:mod:`matching.candidacies.notifications` records it as a decision's receipt). A failure
to build (a PDF that cannot be rendered or sealed) is retried with the same back-off as a
failed delivery, and shown the same way (``failed_step``).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from sqlalchemy import exc, or_, select

from matching.core.db import db
from matching.core.errors import N_, DomainError
from matching.mail.models import OutboxMessage, OutboxState, SentOnce

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


#: A row left in 'sending' longer than this belongs to a worker that died.
SENDING_LEASE = timedelta(minutes=5)


def queue_message(to: str, subject: str, message_id: str, *, now: datetime,
                  letter_id: int | None = None, body: str | None = None,
                  reply_to: str | None = None, calendar: bytes | None = None) -> OutboxMessage:
    """Queue an e-mail in the current transaction: a letter's (``letter_id``) or a plain
    one (``body``, with an optional .ics ``calendar``: a cancellation). The Message-ID is
    the caller's, unique and stable."""
    message = OutboxMessage(to_addresses=to, subject=subject, letter_id=letter_id,
                            body_text=body, message_id=message_id, state=OutboxState.PENDING,
                            attempts=0, created_at=now, next_attempt_at=now,
                            reply_to=reply_to or None, calendar=calendar)
    db.session.add(message)
    return message


def queue_mail(to: str, subject: str, body: str, *, now: datetime, domain: str,
               key: str) -> OutboxMessage:
    """Queue a plain e-mail (no letter); ``key`` makes its Message-ID unique and stable."""
    return queue_message(to, subject, f"<{key}@{domain}>", now=now, body=body)


def queue_once(key: str, now: datetime,
               queue: Callable[[], list[OutboxMessage]]) -> bool:
    """Queue what ``queue()`` writes only if nothing was queued under ``key`` before (a
    reminder: one person or candidacy, one deadline, one moment). The key is unique in the
    database, so a retry, or a second worker computing the same reminder at the same
    moment, cannot queue it twice: on PostgreSQL the second insert waits for the first
    transaction and is then refused; the refused one changes nothing. Returns whether it
    was queued now."""
    try:
        with db.session.begin_nested():
            mark = SentOnce(key=key, created_at=now)
            db.session.add(mark)
            db.session.flush()
            messages = queue()
            db.session.flush()
            mark.message_id = messages[0].id if messages else None
    except exc.IntegrityError:
        return False
    return True


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), timedelta(hours=1))


def envelope(message: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail's headers, without its content."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to_addresses
    mail["Subject"] = message.subject
    if message.reply_to:
        mail["Reply-To"] = message.reply_to
    mail["Message-ID"] = message.message_id
    mail["Date"] = format_datetime(message.created_at)
    return mail


def build_plain(message: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
    """A plain message: its own text."""
    if message.body_text is None:
        raise ValueError(f"outbox message {message.id} belongs to a letter: build it with "
                         "the letter's builder")
    mail = envelope(message, sender)
    mail.set_content(message.body_text)
    attach_calendar(mail, message)
    return mail


def attach_calendar(mail: EmailMessage, message: OutboxMessage) -> None:
    """A plain message's .ics, with the METHOD it declares (a cancellation: CANCEL)."""
    if not message.calendar:
        return
    method = "CANCEL" if b"METHOD:CANCEL" in message.calendar else "REQUEST"
    mail.add_attachment(message.calendar, maintype="text", subtype="calendar",
                        filename="pitch.ics", params={"method": method, "charset": "utf-8"})


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
        host = self.config.get("MAIL_SERVER", "127.0.0.1")
        port = int(self.config.get("MAIL_PORT", 25))
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


#: ``build(message, sender, now)``: the e-mail of a message (it may store and commit what
#: the e-mail needs, such as a letter's sealed PDF).
Builder = Callable[[OutboxMessage, str, datetime], EmailMessage]


def send_pending(config: dict, *, build: Builder = build_plain,
                 on_accepted: Callable[[OutboxMessage, datetime], None] | None = None,
                 clock: Callable[[], datetime] | None = None, limit: int = 100,
                 before_send: Callable[[OutboxMessage], None] | None = None,
                 after_accept: Callable[[OutboxMessage], None] | None = None) -> dict[str, int]:
    """Send what is due, one message per transaction. Returns counts per outcome.

    ``build(message, sender, now)`` makes the e-mail (plain messages by default); a failure
    to build counts as a failed attempt, like a failed delivery (``failed_step``: "build"
    or "deliver"). ``on_accepted(message, at)`` runs in the transaction that marks the
    message sent. ``before_send`` runs between building and sending, ``after_accept`` right
    after the server accepted a message, before it is marked sent (tests use them to
    simulate a worker that dies at the worst moments).
    """
    clock = clock or (lambda: datetime.now(UTC))
    transport = Transport(config)
    sender = config.get("MAIL_SENDER", "matching@lokalepartnerschappen.be")
    counts = {"sent": 0, "retry": 0, "failed": 0}
    claimed = due_messages(clock(), limit)
    for message in claimed:  # claim them all in one short transaction
        message.state, message.sending_since = OutboxState.SENDING, clock()
        message.attempts += 1
    db.session.commit()
    for message in claimed:
        step = "build"
        try:
            mail = build(message, sender, clock())
            if before_send:
                before_send(message)
            step = "deliver"
            transport.send(mail)
        except Exception as error:
            if step == "deliver" and not isinstance(error, smtplib.SMTPException | OSError):
                raise  # a bug of ours, not the server's: never retried silently
            db.session.rollback()  # whatever the failed step left unfinished
            counts[_failed(message, step, error, clock())] += 1
            db.session.commit()
            continue
        accepted = clock()
        if after_accept:
            after_accept(message)
        message.state, message.accepted_at, message.sending_since = OutboxState.SENT, accepted, None
        message.last_error, message.failed_step = None, None
        if on_accepted:
            on_accepted(message, accepted)
        db.session.commit()
        counts["sent"] += 1
        log.info("outbox message %s sent (attempt %s)", message.id, message.attempts)
    return counts


def _failed(message: OutboxMessage, step: str, error: Exception, now: datetime) -> str:
    """Record a failed attempt: back to pending with a back-off, or failed after the last
    attempt. Returns the outcome counted ("retry" or "failed")."""
    attempts = message.attempts  # read first: after a rollback this loads the row again
    message.state, message.sending_since = OutboxState.PENDING, None
    message.last_error = f"{type(error).__name__}: {error}"[:1000]
    message.failed_step = step
    what = "could not be built" if step == "build" else "not delivered"
    if attempts >= MAX_ATTEMPTS:
        message.state = OutboxState.FAILED
        log.error("outbox message %s %s, failed for good after %s attempts: %s", message.id,
                  what, message.attempts, type(error).__name__,
                  exc_info=step == "build")
        return "failed"
    message.next_attempt_at = now + backoff(attempts)
    log.warning("outbox message %s %s (attempt %s): %s; retry at %s", message.id, what,
                message.attempts, type(error).__name__, message.next_attempt_at.isoformat(),
                exc_info=step == "build")
    return "retry"


def retry_failed(message: OutboxMessage, *, now: datetime) -> None:
    """Put a failed message back in the queue (a coordinator's decision)."""

    if message.state != OutboxState.FAILED:
        raise DomainError(N_("Enkel een mislukt bericht kan opnieuw worden verstuurd."))
    message.state, message.attempts, message.next_attempt_at = OutboxState.PENDING, 0, now
