"""Letters as sent: immutable bytes with their SHA-256; a correction is a new version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matching.columns import enum_column
from matching.extensions import UTCDateTime, db
from matching.letters.content import LetterKind


class Letter(db.Model):
    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LetterKind] = mapped_column(enum_column(LetterKind, "letter_kind"))
    reference: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(default=1)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    candidacy_id: Mapped[int | None] = mapped_column(ForeignKey("candidacy.id"))
    appeal_id: Mapped[int | None] = mapped_column(ForeignKey("appeal.id"))
    round: Mapped[int | None]
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    subject: Mapped[str] = mapped_column(String(300))
    recipients: Mapped[str] = mapped_column(String(1000))
    html: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    ics: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: R-APP-1: the deadline the letter states; the appeal window is never shorter.
    appeal_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)

    supersedes: Mapped[Letter | None] = relationship(remote_side=[id])

    __table_args__ = (
        UniqueConstraint("reference", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("(version = 1) = (supersedes_id IS NULL)", name="later_versions_supersede"),
        CheckConstraint("(version = 1) = (correction_reason IS NULL)",
                        name="corrections_give_a_reason"),
        CheckConstraint("length(pdf_sha256) = 64", name="sha256_hex"),
        Index("ix_letter_candidacy", "candidacy_id", "kind"),
        # The six conditions and the record pages read a procedure's letters.
        Index("ix_letter_procedure", "procedure_id", "kind"),
    )

    @property
    def filename(self) -> str:
        return f"{self.reference.replace('/', '-')}-v{self.version}.pdf"


@event.listens_for(Letter, "before_update")
def _letters_are_immutable(mapper, connection, target: Letter) -> None:
    raise ValueError("a letter is immutable once written; issue a corrected version instead")
