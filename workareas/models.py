"""Work area, its matching procedures (R-DYN-1) and the versioned local addendum."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from matching.accounts.models import Organisation
from matching.core import signals
from matching.core.db import Model, UTCDateTime, bounded_text, db, enum_column
from workareas.rules import ProcedureState, check_not_frozen, recorded_after_ratification


class WorkArea(Model):
    """A werkingsgebied: the municipalities of one future local partnership."""

    __tablename__ = "work_area"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    province: Mapped[str] = mapped_column(String(50))
    #: The sender of the work area's letters (R-DEC-1: sent on behalf of the local
    #: governments): their postal address (one line per line), and who signs (name and
    #: function). Set by a coordinator (:func:`workareas.operations.set_letter_sender`).
    postal_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    signatory_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    signatory_function: Mapped[str] = mapped_column(String(200), default="",
                                                    server_default="")

    municipalities: Mapped[list[Municipality]] = relationship(
        back_populates="work_area", cascade="all, delete-orphan", order_by="Municipality.name")
    involved_governments: Mapped[list[Organisation]] = relationship(
        secondary="work_area_government", order_by="Organisation.name")
    procedures: Mapped[list[Procedure]] = relationship(
        back_populates="work_area", order_by="Procedure.sequence")
    contacts: Mapped[list[WorkAreaContact]] = relationship(
        cascade="all, delete-orphan", order_by="WorkAreaContact.id")

    __table_args__ = (
        *bounded_text("postal_address"),
        CheckConstraint("province IN ('Antwerpen', 'Limburg', 'Oost-Vlaanderen', "
                        "'Vlaams-Brabant', 'West-Vlaanderen', 'Brussel')", name="province_known"),
    )

    @property
    def letter_sender_complete(self) -> bool:
        """Whether the letters can name the postal address and the signatory."""
        return bool(self.postal_address.strip() and self.signatory_name.strip()
                    and self.signatory_function.strip())


class Municipality(Model):
    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_area_id: Mapped[int] = mapped_column(ForeignKey("work_area.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    #: Statbel's REFNIS code (matching/accounts/data/municipalities.csv); NULL for a name entered
    #: before the reference list was shipped.
    nis_code: Mapped[str | None] = mapped_column(String(5))

    work_area: Mapped[WorkArea] = relationship(back_populates="municipalities")

    __table_args__ = (UniqueConstraint("work_area_id", "name"),)


class WorkAreaContact(Model):
    """A contact person of the work area, kept by the administrator."""

    __tablename__ = "work_area_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_area_id: Mapped[int] = mapped_column(ForeignKey("work_area.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(300), default="", server_default="")
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(50), default="", server_default="")

    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),)


class WorkAreaGovernment(Model):
    """A local government involved in the work area since step 2 (R-CAND-2)."""

    __tablename__ = "work_area_government"

    work_area_id: Mapped[int] = mapped_column(ForeignKey("work_area.id", ondelete="CASCADE"),
                                              primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)


class Procedure(Model):
    """One run of the matching procedure in a work area (R-DYN-1: there may be several)."""

    __tablename__ = "procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    work_area_id: Mapped[int] = mapped_column(ForeignKey("work_area.id"))
    sequence: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[ProcedureState] = mapped_column(
        enum_column(ProcedureState, "procedure_state"), default=ProcedureState.DRAFT)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: First publication of the local needs: the start of the six weeks (R-ADD-2).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ratified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: When the retention run pseudonymised the procedure's personal data (issue 18: its
    #: record's retention period ended; ``matching.privacy.retention``).
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    #: R-DYN-1 (issue 12): the earlier, ratified procedure of the same work area whose
    #: partnership this later procedure changes (the right to challenge, a later matching).
    changes_procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))

    work_area: Mapped[WorkArea] = relationship(back_populates="procedures")
    changes_procedure: Mapped[Procedure | None] = relationship(
        remote_side=[id], foreign_keys=[changes_procedure_id])
    versions: Mapped[list[AddendumVersion]] = relationship(
        back_populates="procedure", order_by="AddendumVersion.number",
        cascade="all, delete-orphan")
    pitch_slots: Mapped[list[PitchSlot]] = relationship(
        back_populates="procedure", order_by="PitchSlot.starts_at", cascade="all, delete-orphan")
    pitch_sessions: Mapped[list[PitchSession]] = relationship(
        back_populates="procedure", order_by="PitchSession.starts_at",
        cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("work_area_id", "sequence"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint("(state = 'draft') = (published_at IS NULL)",
                        name="published_at_iff_published"),
        CheckConstraint("(state = 'ratified') = (ratified_at IS NOT NULL)",
                        name="ratified_at_iff_ratified"),
        CheckConstraint("changes_procedure_id IS NULL OR changes_procedure_id <> id",
                        name="changes_another_procedure"),
    )

    @property
    def current_version(self) -> AddendumVersion:
        """The latest version: the published one, or the draft before publication."""
        return self.versions[-1]

    @property
    def published_version(self) -> AddendumVersion | None:
        published = [v for v in self.versions if v.published_at is not None]
        return published[-1] if published else None

    @property
    def candidacy_deadline(self) -> datetime | None:
        v = self.published_version or (self.versions[-1] if self.versions else None)
        return v.candidacy_deadline if v else None

    @property
    def required_candidacy_deadline(self) -> datetime:
        """The candidacy deadline of a procedure that takes (or took) candidacies: it was
        published, and a published addendum always has a deadline (R-ADD-1)."""
        deadline = self.candidacy_deadline
        if deadline is None:
            raise RuntimeError(f"procedure {self.id} has no candidacy deadline: "
                               "it was never published")
        return deadline

    @property
    def partnership_start_date(self) -> date | None:
        v = self.published_version
        return v.partnership_start_date if v else None


class AddendumVersion(Model):
    """One version of the local addendum (R-ADD-1). Immutable once published (R-ADD-3)."""

    __tablename__ = "addendum_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    number: Mapped[int]
    delimitation: Mapped[str] = mapped_column(Text, default="")
    candidacy_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expected_decision_date: Mapped[date | None] = mapped_column(Date)
    partnership_start_date: Mapped[date | None] = mapped_column(Date)
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    procedure: Mapped[Procedure] = relationship(back_populates="versions")
    needs: Mapped[list[LocalNeed]] = relationship(
        back_populates="version", order_by="LocalNeed.position", cascade="all, delete-orphan")
    challenges: Mapped[list[RegionalChallenge]] = relationship(
        back_populates="version", order_by="RegionalChallenge.position",
        cascade="all, delete-orphan")
    contacts: Mapped[list[ContactPerson]] = relationship(
        back_populates="version", order_by="ContactPerson.position", cascade="all, delete-orphan")

    __table_args__ = (
        *bounded_text("delimitation", "change_note"),
        UniqueConstraint("procedure_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("number = 1 OR length(trim(change_note)) > 0",
                        name="later_versions_say_what_changed"),
    )


class LocalNeed(Model):
    __tablename__ = "local_need"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("addendum_version.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    motivation: Mapped[str] = mapped_column(Text)

    version: Mapped[AddendumVersion] = relationship(back_populates="needs")

    __table_args__ = (*bounded_text("description", "motivation"),
                      Index("ix_local_need_version", "version_id"))  # issue 17, 0115


class RegionalChallenge(Model):
    """A regio-uitdaging: target groups, obstacles, opportunities and objectives."""

    __tablename__ = "regional_challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("addendum_version.id", ondelete="CASCADE"))
    position: Mapped[int]
    #: Stable across versions, so a candidacy's contribution keeps its challenge.
    code: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    target_groups: Mapped[str] = mapped_column(Text)
    obstacles: Mapped[str] = mapped_column(Text)
    opportunities: Mapped[str] = mapped_column(Text)
    objectives: Mapped[str] = mapped_column(Text)

    version: Mapped[AddendumVersion] = relationship(back_populates="challenges")

    __table_args__ = (
        *bounded_text("target_groups", "obstacles", "opportunities", "objectives"),
        UniqueConstraint("version_id", "code"),
    )


class ContactPerson(Model):
    __tablename__ = "contact_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("addendum_version.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(300))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(50), default="")

    version: Mapped[AddendumVersion] = relationship(back_populates="contacts")

    __table_args__ = (Index("ix_contact_person_version", "version_id"),)  # issue 17, 0115


class PitchSession(Model):
    """A pitch day part (issue 13): one place or video link, from ``starts_at`` to
    ``ends_at``, split into slots of ``slot_minutes`` with ``break_minutes`` between them and
    an optional longer pause after every ``pause_after`` slots
    (:func:`workareas.rules.session_slots`). Until ``pick_until`` the organisations selected
    in round 1 may choose a free slot themselves; without it the coordinator assigns."""

    __tablename__ = "pitch_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(300))
    slot_minutes: Mapped[int]
    break_minutes: Mapped[int] = mapped_column(default=0)
    pause_after: Mapped[int | None]
    pause_minutes: Mapped[int] = mapped_column(default=0)
    pick_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    procedure: Mapped[Procedure] = relationship(back_populates="pitch_sessions")
    slots: Mapped[list[PitchSlot]] = relationship(back_populates="session",
                                                  order_by="PitchSlot.starts_at")

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="session_ends_after_start"),
        CheckConstraint("slot_minutes > 0", name="slot_minutes_positive"),
        CheckConstraint("break_minutes >= 0 AND pause_minutes >= 0", name="breaks_not_negative"),
        CheckConstraint("pause_after IS NULL OR pause_after > 0", name="pause_after_positive"),
    )


class PitchSlot(Model):
    """One pitch: a slot of a pitch session, or (before issue 13, and still when added on
    its own) a single pitch moment without a session. Holds at most one appointment."""

    __tablename__ = "pitch_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("pitch_session.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    location: Mapped[str] = mapped_column(String(300))

    procedure: Mapped[Procedure] = relationship(back_populates="pitch_slots")
    session: Mapped[PitchSession | None] = relationship(back_populates="slots")

    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),
                      Index("ix_pitch_slot_procedure", "procedure_id"))  # issue 17, 0115


# --- a ratified procedure is frozen (R-OBS-1) -----------------------------------------------

#: ``session.info`` key: the procedures this transaction found not ratified. The check runs
#: after the audit chain's lock is taken and the lock is held to the end of the
#: transaction, so no other transaction can ratify them meanwhile; a change of a
#: procedure's state in this one forgets the set (closing a round records 400 events).
_OPEN = "workareas.open_procedures"


def check_not_ratified(procedure_id: int) -> None:
    """Refuse a change to a procedure Europa WSE ratified (it is read-only from then on)."""
    known = db.session.info.setdefault(_OPEN, set())
    if procedure_id in known:
        return
    # A column, not the entity: the committed state, not the session's copy of it (so the
    # pending changes of the operation need not be flushed first).
    with db.session.no_autoflush:
        state = db.session.execute(select(Procedure.state)
                                   .where(Procedure.id == procedure_id)).scalar()
    check_not_frozen(state)
    known.add(procedure_id)


@event.listens_for(Procedure.state, "set")
def _forget_open_procedures(target: Procedure, value, oldvalue, initiator) -> None:
    session = object_session(target)
    if session is not None:
        session.info.pop(_OPEN, None)


@event.listens_for(Session, "after_transaction_end")
def _forget_open_procedures_at_the_end(session, transaction) -> None:
    if transaction.parent is None or transaction.nested:
        session.info.pop(_OPEN, None)


@signals.recording.connect
def _refuse_changes_after_ratification(action: str, *, procedure_id: int | None,
                                       step4: bool) -> None:
    """Every operation records an audit event: the one naming a ratified procedure is
    refused, unless it is the ratification itself or step 4
    (:func:`recorded_after_ratification`)."""
    if procedure_id is not None and not recorded_after_ratification(action, step4):
        check_not_ratified(procedure_id)
