"""The appeal (weerwoord) against a non-selection, and its panel of two (R-APP-*)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appeals.rules import AppealChannel, AppealState, Position
from matching.accounts.models import User
from matching.candidacies.models import Candidacy
from matching.core.db import Model, UTCDateTime, bounded_text, enum_column


class Appeal(Model):
    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    round: Mapped[int]
    state: Mapped[AppealState] = mapped_column(enum_column(AppealState, "appeal_state"),
                                               default=AppealState.FILED)
    grounds: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # issue 12: one appeal route. Filed through the platform's form ("platform"), or
    # arrived by e-mail or post and registered by the coordinator on the applicant's
    # behalf: then ``filed_at`` is the moment it was received and ``registered_at`` the
    # moment it was registered.
    channel: Mapped[AppealChannel] = mapped_column(enum_column(AppealChannel, "appeal_channel"),
                                                   default=AppealChannel.PLATFORM)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    candidacy: Mapped[Candidacy] = relationship()
    document: Mapped[AppealDocument | None] = relationship(
        back_populates="appeal", cascade="all, delete-orphan")
    references: Mapped[list[AppealReference]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan", order_by="AppealReference.id")
    panel: Mapped[list[PanelMember]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan", order_by="PanelMember.id")

    __table_args__ = (
        *bounded_text("grounds"),
        UniqueConstraint("candidacy_id", "round"),
        # round 0: the appeal against an inadmissibility (issue 12)
        CheckConstraint("round IN (0, 1, 2)", name="round_0_1_or_2"),
        CheckConstraint("length(trim(grounds)) >= 20", name="grounds_given"),
        CheckConstraint("(state IN ('confirmed', 'reversed')) = (decided_at IS NOT NULL)",
                        name="decided_at_iff_decided"),
        CheckConstraint("(channel = 'platform') = (registered_at IS NULL)",
                        name="registered_iff_not_platform"),
        CheckConstraint("registered_at IS NULL OR registered_at >= filed_at",
                        name="registered_after_received"),
    )


class AppealDocument(Model):
    """The clarifying document an appeal may add (issue 12); its bytes are stored in the
    database like a candidacy's attachments, and are read by the organisation, the coordinator, the
    appeal panel and Europa WSE's observers."""

    __tablename__ = "appeal_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"),
                                           unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The bytes, in the database like an attachment's (every server reaches them; nothing
    #: is written before the commit); loaded only when downloaded.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    appeal: Mapped[Appeal] = relationship(back_populates="document")

    __table_args__ = (
        CheckConstraint("size > 0 AND size <= 10485760", name="size_up_to_10_mb"),
        CheckConstraint(
            "media_type IN ('application/pdf', "
            "'application/vnd.openxmlformats-officedocument.wordprocessingml.document', "
            "'application/vnd.oasis.opendocument.text')", name="media_type_allowed"),
    )


class AppealReference(Model):
    """R-APP-2: the documentation that was not, or not sufficiently, taken into account."""

    __tablename__ = "appeal_reference"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"))
    document: Mapped[str] = mapped_column(String(500))
    attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachment.id"))

    appeal: Mapped[Appeal] = relationship(back_populates="references")


class PanelMember(Model):
    """One of the two independent matchmakers of the appeal, with their position."""

    __tablename__ = "appeal_panel_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeal.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    position: Mapped[Position | None] = mapped_column(enum_column(Position, "appeal_position"))
    motivation: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    appeal: Mapped[Appeal] = relationship(back_populates="panel")
    user: Mapped[User] = relationship()

    __table_args__ = (
        *bounded_text("motivation"),
        UniqueConstraint("appeal_id", "user_id"),
        Index("ix_appeal_panel_member_user", "user_id"),  # a matchmaker's appeals (issue 17)
        CheckConstraint("(position IS NULL) = (motivation IS NULL)",
                        name="motivation_iff_position"),
        CheckConstraint("(position IS NULL) = (decided_at IS NULL)",
                        name="decided_at_iff_position"),
        CheckConstraint("motivation IS NULL OR length(trim(motivation)) >= 20",
                        name="thorough_motivation"),
    )
