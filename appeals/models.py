"""The appeal (weerwoord) against a non-selection, and its panel of two (R-APP-*)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from appeals.rules import AppealState, Position
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

    candidacy: Mapped[Candidacy] = relationship()
    references: Mapped[list[AppealReference]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan", order_by="AppealReference.id")
    panel: Mapped[list[PanelMember]] = relationship(
        back_populates="appeal", cascade="all, delete-orphan", order_by="PanelMember.id")

    __table_args__ = (
        *bounded_text("grounds"),
        UniqueConstraint("candidacy_id", "round"),
        CheckConstraint("round IN (1, 2)", name="round_1_or_2"),
        CheckConstraint("length(trim(grounds)) >= 20", name="grounds_given"),
        CheckConstraint("(state IN ('confirmed', 'reversed')) = (decided_at IS NOT NULL)",
                        name="decided_at_iff_decided"),
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
        CheckConstraint("(position IS NULL) = (motivation IS NULL)",
                        name="motivation_iff_position"),
        CheckConstraint("(position IS NULL) = (decided_at IS NULL)",
                        name="decided_at_iff_position"),
        CheckConstraint("motivation IS NULL OR length(trim(motivation)) >= 20",
                        name="thorough_motivation"),
    )
