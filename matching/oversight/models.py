"""Europa WSE's part of the record (R-OBS-1): observations on a condition, the
coordinator's answer, and the final report stored at ratification."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matching.accounts.models import User
from matching.core.db import Model, UTCDateTime, bounded_text

MIN_OBSERVATION = 10  # characters: an observation or answer says something


class Observation(Model):
    """An observer's remark on one of the six conditions of a procedure, and the answer
    of the work area's coordinator (one answer; a follow-up is a new observation)."""

    __tablename__ = "observation"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    condition: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    observer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    observer: Mapped[User] = relationship(foreign_keys=[observer_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    __table_args__ = (
        *bounded_text("text", "answer"),
        CheckConstraint("condition BETWEEN 1 AND 6", name="condition_1_to_6"),
        CheckConstraint(f"length(trim(text)) >= {MIN_OBSERVATION}", name="text_given"),
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL) AND "
                        "(answer IS NULL) = (answered_by_id IS NULL)", name="answer_complete"),
        CheckConstraint(f"answer IS NULL OR length(trim(answer)) >= {MIN_OBSERVATION}",
                        name="answer_given"),
        Index("ix_observation_procedure", "procedure_id", "condition"),
    )


class FinalReport(Model):
    """The final report of step 3 as stored when the procedure was ratified: its PDF,
    the SHA-256 of the PDF and the audit chain head it names. Never changed."""

    __tablename__ = "final_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), unique=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    chain_head_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The seal of the PDF (the letters' seal, :mod:`matching.letters.seal`); NULL for a
    #: report stored before reports were sealed.
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seal_fingerprint: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_hex"),
        CheckConstraint("(sealed_at IS NULL) = (seal_fingerprint IS NULL)",
                        name="sealed_with_a_certificate"),
        Index("ix_final_report_sha256", "sha256"),
    )


class RatificationRefusal(Model):
    """An observer's motivated refusal to ratify a procedure (issue 11, R-OBS-1: Europa WSE
    ratifies "of weigert met een motivering"), the coordinators' answer, and then the
    observer decides again: ratify, or refuse again (a new refusal)."""

    __tablename__ = "ratification_refusal"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    motivation: Mapped[str] = mapped_column(Text)
    observer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    observer: Mapped[User] = relationship(foreign_keys=[observer_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])

    __table_args__ = (
        CheckConstraint(f"length(trim(motivation)) >= {MIN_OBSERVATION}",
                        name="motivation_given"),
        CheckConstraint("(answer IS NULL) = (answered_at IS NULL) AND "
                        "(answer IS NULL) = (answered_by_id IS NULL)", name="answer_complete"),
        CheckConstraint(f"answer IS NULL OR length(trim(answer)) >= {MIN_OBSERVATION}",
                        name="answer_given"),
        Index("ix_ratification_refusal_procedure", "procedure_id"),
    )
