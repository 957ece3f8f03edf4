"""The outbox: one row per e-mail, written in the transaction that decided to send it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matching.core.db import Model, UTCDateTime, enum_column
from matching.core.errors import N_


class OutboxState(str, enum.Enum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


#: What a person reads for each state (their own data, matching.privacy); Dutch msgids.
OUTBOX_STATE_LABELS = {OutboxState.PENDING: N_("wachtend"), OutboxState.SENDING: N_("bezig"),
                       OutboxState.SENT: N_("verstuurd"), OutboxState.FAILED: N_("mislukt")}


class OutboxMessage(Model):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: A letter's e-mail names the letter (its builder is the letter's package:
    #: :func:`matching.candidacies.notifications.letter_email`); account e-mails
    #: (confirmation, invitation, password reset) carry only ``body_text``.
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"), unique=True)
    body_text: Mapped[str | None] = mapped_column(Text)
    #: A plain message's calendar attachment (issue 13: the cancellation of a pitch that
    #: moved, METHOD:CANCEL); a letter's .ics is the letter's own.
    calendar: Mapped[bytes | None] = mapped_column(LargeBinary)
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_addresses: Mapped[str] = mapped_column(String(1000))
    #: Where replies go (a letter's: the work area's first contact person).
    reply_to: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    state: Mapped[OutboxState] = mapped_column(enum_column(OutboxState, "outbox_state"),
                                               default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sending_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    #: Which step the last failure was in: ``build`` (making the e-mail: for a letter,
    #: rendering and sealing its PDF) or ``deliver`` (the mail server).
    failed_step: Mapped[str | None] = mapped_column(String(10))

    __table_args__ = (
        CheckConstraint("(state = 'sent') = (accepted_at IS NOT NULL)", name="accepted_iff_sent"),
        CheckConstraint("(state = 'sending') = (sending_since IS NOT NULL)",
                        name="sending_since_iff_sending"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        CheckConstraint("(letter_id IS NULL) <> (body_text IS NULL)", name="letter_or_body"),
        CheckConstraint("failed_step IN ('build', 'deliver')", name="failed_step_known"),
        CheckConstraint("(failed_step IS NULL) = (last_error IS NULL)",
                        name="failed_step_iff_error"),
        Index("ix_outbox_message_due", "state", "next_attempt_at"),
    )


class SentOnce(Model):
    """A notification that must leave at most once (a reminder for one person, one deadline
    and one moment): its key is unique, so a retry or a second worker that computed the same
    reminder cannot queue it again (the database refuses the second row)."""

    __tablename__ = "sent_once"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
