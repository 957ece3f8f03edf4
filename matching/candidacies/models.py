"""A candidacy: one organisation's application for one procedure (R-CAND-*), its decision
notices and its letters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matching.accounts.models import Organisation
from matching.candidacies.rules import CandidacyState, Criterion
from matching.core.db import Model, UTCDateTime, bounded_text, enum_column
from matching.letters.content import LetterKind
from workareas.models import Procedure

_DECLARED = "declares_individual AND declares_not_invoice_only AND declares_partnership_commitment"


class Candidacy(Model):
    __tablename__ = "candidacy"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    state: Mapped[CandidacyState] = mapped_column(
        enum_column(CandidacyState, "candidacy_state"), default=CandidacyState.DRAFT)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    inadmissible_reason: Mapped[str | None] = mapped_column(Text)
    #: R-CAND-3: how the organisation is fit for partnership, in its own words.
    partnership_fit: Mapped[str] = mapped_column(Text, default="")
    declares_individual: Mapped[bool] = mapped_column(default=False)
    declares_not_invoice_only: Mapped[bool] = mapped_column(default=False)
    declares_partnership_commitment: Mapped[bool] = mapped_column(default=False)
    #: Call text, section 5 (issue 12): the commitment to apply Europa WSE's quality
    #: framework and accept coaching. NULL only for candidacies submitted before the system
    #: asked it (migration 0101); a candidacy submitted since declares it.
    declares_quality_framework: Mapped[bool | None] = mapped_column(default=False)
    #: Issue 13: a correction of the submitted candidacy is open since this moment (the
    #: answers are being changed; the last submitted version stands until it is resubmitted
    #: before the deadline).
    correction_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship()
    procedure: Mapped[Procedure] = relationship()
    contributions: Mapped[list[Contribution]] = relationship(
        back_populates="candidacy", cascade="all, delete-orphan", order_by="Contribution.id")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="candidacy", cascade="all, delete-orphan",
        order_by="(Answer.criterion, Answer.question)")
    #: The attachments of the current content; one removed in a correction stays in the
    #: database for the earlier versions (``Attachment.removed_at``).
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="candidacy", cascade="all, delete-orphan", order_by="Attachment.id",
        primaryjoin="and_(Candidacy.id == Attachment.candidacy_id, "
                    "Attachment.removed_at.is_(None))")
    versions: Mapped[list[CandidacyVersion]] = relationship(
        back_populates="candidacy", cascade="all, delete-orphan",
        order_by="CandidacyVersion.number")
    notices: Mapped[list[DecisionNotice]] = relationship(
        back_populates="candidacy", cascade="all, delete-orphan", order_by="DecisionNotice.round")

    __table_args__ = (
        *bounded_text("withdrawal_reason", "inadmissible_reason", "partnership_fit"),
        # R-CAND-1: one candidacy per organisation per procedure.
        UniqueConstraint("organisation_id", "procedure_id"),
        # Every per-procedure page starts here (the unique index leads with the organisation).
        Index("ix_candidacy_procedure", "procedure_id", "state"),
        CheckConstraint("state = 'withdrawn' OR (state = 'draft') = (submitted_at IS NULL)",
                        name="submitted_at_iff_not_draft"),
        CheckConstraint("(state = 'withdrawn') = (withdrawn_at IS NOT NULL)",
                        name="withdrawn_at_iff_withdrawn"),
        CheckConstraint("(state = 'inadmissible') = (inadmissible_reason IS NOT NULL)",
                        name="reason_iff_inadmissible"),
        CheckConstraint(f"submitted_at IS NULL OR ({_DECLARED})",
                        name="submitted_with_declarations"),
        CheckConstraint("submitted_at IS NULL OR declares_quality_framework IS NULL "
                        "OR declares_quality_framework", name="submitted_with_quality_framework"),
        CheckConstraint("correction_opened_at IS NULL OR state = 'submitted'",
                        name="corrections_of_submitted_candidacies"),
    )

    @property
    def latest_version(self) -> CandidacyVersion | None:
        return self.versions[-1] if self.versions else None

    def notice(self, round_no: int) -> DecisionNotice | None:
        return next((n for n in self.notices if n.round == round_no), None)


class Contribution(Model):
    """R-CAND-3: the (unique) contribution to one chosen regional challenge."""

    __tablename__ = "contribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    challenge_code: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)

    candidacy: Mapped[Candidacy] = relationship(back_populates="contributions")

    __table_args__ = (*bounded_text("text"), UniqueConstraint("candidacy_id", "challenge_code"),)


class Answer(Model):
    """The candidacy's answer to one of the eight assessment questions (R-JURY-2)."""

    __tablename__ = "answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    criterion: Mapped[Criterion] = mapped_column(enum_column(Criterion, "criterion"))
    question: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)

    candidacy: Mapped[Candidacy] = relationship(back_populates="answers")

    __table_args__ = (
        *bounded_text("text"),
        UniqueConstraint("candidacy_id", "criterion", "question"),
        CheckConstraint("question BETWEEN 1 AND 4", name="question_1_to_4"),
    )


class Attachment(Model):
    """Metadata of an uploaded attachment; its bytes are in ``AttachmentContent`` (the
    database: every application server reads them; nothing on a local disk)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: Removed from the content in a correction (issue 13); kept for the earlier version
    #: that named it.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    candidacy: Mapped[Candidacy] = relationship(back_populates="attachments")
    content: Mapped[AttachmentContent | None] = relationship(
        cascade="all, delete-orphan", lazy="select", uselist=False)

    __table_args__ = (
        CheckConstraint("size > 0 AND size <= 10485760", name="size_up_to_10_mb"),
        CheckConstraint(
            "media_type IN ('application/pdf', "
            "'application/vnd.openxmlformats-officedocument.wordprocessingml.document', "
            "'application/vnd.oasis.opendocument.text')", name="media_type_allowed"),
        # a candidacy's attachments (its form, its file; issue 17, migration 0115)
        Index("ix_attachment_candidacy", "candidacy_id"),
    )


class CandidacyVersion(Model):
    """One submitted version of a candidacy's content (issue 13: "A submitted candidacy can
    be corrected (a new version, the earlier one kept)"), written on each submission and
    never changed: the contributions, the answers, fit for partnership, the declarations and
    the attachments (by id, name and SHA-256) as they were submitted, and the addendum
    version they answered (issue 12)."""

    __tablename__ = "candidacy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: The number of the addendum version in force at the submission.
    addendum_version: Mapped[int]
    content: Mapped[dict] = mapped_column(JSON)

    candidacy: Mapped[Candidacy] = relationship(back_populates="versions")

    __table_args__ = (
        UniqueConstraint("candidacy_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("addendum_version >= 1", name="addendum_version_positive"),
    )


@event.listens_for(CandidacyVersion, "before_update")
def _versions_are_immutable(mapper, connection, target: CandidacyVersion) -> None:
    raise ValueError("a submitted version of a candidacy is kept as it was submitted")


class AttachmentContent(Model):
    """The bytes of one attachment, written in the transaction that records it (issue 14):
    no file is left behind by a transaction that does not commit, and a second
    application server reads the same bytes. Loaded only when downloaded."""

    __tablename__ = "attachment_content"

    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class DecisionNotice(Model):
    """The decision e-mail of a round, and the moment it was received (R-APP-1)."""

    __tablename__ = "decision_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    round: Mapped[int]
    selected: Mapped[bool]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())

    candidacy: Mapped[Candidacy] = relationship(back_populates="notices")

    __table_args__ = (
        UniqueConstraint("candidacy_id", "round"),
        CheckConstraint("round IN (0, 1, 2)", name="round_0_1_or_2"),
    )


class Letter(Model):
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
    #: The SHA-256 of ``html``: what the deciding operation recorded (the PDF, rendered and
    #: sealed after the commit, is a :class:`LetterPdf`).
    content_sha256: Mapped[str] = mapped_column(String(64))
    ics: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: R-APP-1: the deadline the letter states; the appeal window is never shorter.
    appeal_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)

    supersedes: Mapped[Letter | None] = relationship(remote_side=[id])

    __table_args__ = (
        *bounded_text("correction_reason"),
        UniqueConstraint("reference", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("(version = 1) = (supersedes_id IS NULL)", name="later_versions_supersede"),
        CheckConstraint("(version = 1) = (correction_reason IS NULL)",
                        name="corrections_give_a_reason"),
        CheckConstraint("length(content_sha256) = 64", name="content_sha256_hex"),
        Index("ix_letter_candidacy", "candidacy_id", "kind"),
        # The six conditions and the record pages read a procedure's letters.
        Index("ix_letter_procedure", "procedure_id", "kind"),
    )

    @property
    def filename(self) -> str:
        return f"{self.reference.replace('/', '-')}-v{self.version}.pdf"


class LetterPdf(Model):
    """The PDF of one letter version, rendered and sealed by the mail worker after the
    deciding transaction committed, before its e-mail goes out. Written once (the letter's
    id is the key: a second rendering cannot be stored), never changed or deleted (the
    listeners below; on PostgreSQL also a trigger). Letters written before sealing existed
    keep their PDF here without a seal (``sealed_at`` is NULL)."""

    __tablename__ = "letter_pdf"

    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), primary_key=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    rendered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: The SHA-256 of the seal certificate that signed it.
    seal_fingerprint: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("length(sha256) = 64", name="sha256_hex"),
        CheckConstraint("(sealed_at IS NULL) = (seal_fingerprint IS NULL)",
                        name="sealed_with_a_certificate"),
        # `flask letters verify` finds a file's letter by its hash.
        Index("ix_letter_pdf_sha256", "sha256"),
    )


@event.listens_for(Letter, "before_update")
def _letters_are_immutable(mapper, connection, target: Letter) -> None:
    raise ValueError("a letter is immutable once written; issue a corrected version instead")


@event.listens_for(LetterPdf, "before_update")
@event.listens_for(LetterPdf, "before_delete")
def _letter_pdfs_are_written_once(mapper, connection, target: LetterPdf) -> None:
    raise ValueError("a letter's PDF is written once and kept as it was sent")
