"""The local jury: membership, conflicts, individual assessments, ballots, decisions,
pitches, and the emergency procedure of step 4."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from juries.rules import Bloc, ConsensusState, Method
from matching.accounts.models import User
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import Criterion
from matching.core.db import Model, UTCDateTime, bounded_text, enum_column
from workareas.models import PitchSlot, Procedure

SCORE_1_TO_4 = "score BETWEEN 1 AND 4"


class Jury(Model):
    """The local jury of one procedure."""

    __tablename__ = "jury"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), unique=True)
    composed_at: Mapped[datetime] = mapped_column(UTCDateTime())

    procedure: Mapped[Procedure] = relationship()
    members: Mapped[list[JuryMembership]] = relationship(
        back_populates="jury", cascade="all, delete-orphan", order_by="JuryMembership.id")


class JuryMembership(Model):
    __tablename__ = "jury_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    jury_id: Mapped[int] = mapped_column(ForeignKey("jury.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    bloc: Mapped[Bloc] = mapped_column(enum_column(Bloc, "bloc"))
    #: The organisation the matchmaker represents (VDAB, a local government) or their
    #: expertise (external).
    affiliation: Mapped[str] = mapped_column(String(300), default="")
    #: The member the jury chose as its chair: they record the jury's consensus (issue 13).
    chair: Mapped[bool] = mapped_column(default=False, server_default=sa_false())

    jury: Mapped[Jury] = relationship(back_populates="members")
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("jury_id", "user_id"),
        # At most one chair per jury (issue 13): a partial unique index (SQLite and PG).
        Index("uq_jury_membership_one_chair", "jury_id", unique=True,
              sqlite_where=text("chair"), postgresql_where=text("chair")),
        # the juries a matchmaker sits on (every page of theirs; issue 17, migration 0115)
        Index("ix_jury_membership_user", "user_id"),
    )


class ConflictDeclaration(Model):
    """A matchmaker's conflict of interest for one candidacy: they take no part in it."""

    __tablename__ = "conflict_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    __table_args__ = (
        *bounded_text("reason"),
        UniqueConstraint("user_id", "candidacy_id"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_not_blank"),
        # a candidacy's declarations (its scoring page, the jury's tasks; issue 17)
        Index("ix_conflict_declaration_candidacy", "candidacy_id"),
    )


class Assessment(Model):
    """One matchmaker's individual score of one candidacy on one criterion in one round."""

    __tablename__ = "assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    round: Mapped[int]
    criterion: Mapped[Criterion] = mapped_column(enum_column(Criterion, "criterion"))
    score: Mapped[int] = mapped_column(Integer)
    #: A note per assessment question of the criterion (R-JURY-2).
    note_1: Mapped[str] = mapped_column(Text, default="")
    note_2: Mapped[str] = mapped_column(Text, default="")
    note_3: Mapped[str] = mapped_column(Text, default="")
    note_4: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    __table_args__ = (
        *bounded_text("note_1", "note_2", "note_3", "note_4"),
        UniqueConstraint("user_id", "candidacy_id", "round", "criterion"),
        CheckConstraint(SCORE_1_TO_4, name="score_1_to_4"),
        CheckConstraint("round IN (1, 2)", name="round_1_or_2"),
        # a candidacy's scores of a round (the jury's spread, the tasks; issue 17: read by
        # scanning every score before, 46-126 ms at 10x on PostgreSQL)
        Index("ix_assessment_candidacy", "candidacy_id", "round"),
    )

    @property
    def notes(self) -> tuple[str, str, str, str]:
        return (self.note_1, self.note_2, self.note_3, self.note_4)


class BallotState(str, enum.Enum):
    OPEN = "open"
    DECIDED = "decided"
    UNDECIDED = "undecided"


class Ballot(Model):
    """A vote without consensus: one vote per bloc, ⅔ decides (R-JURY-4). Every ballot is kept."""

    __tablename__ = "ballot"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    round: Mapped[int]
    criterion: Mapped[Criterion] = mapped_column(enum_column(Criterion, "criterion"))
    state: Mapped[BallotState] = mapped_column(enum_column(BallotState, "ballot_state"),
                                               default=BallotState.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome_score: Mapped[int | None]

    votes: Mapped[list[Vote]] = relationship(back_populates="ballot", cascade="all, delete-orphan",
                                             order_by="Vote.id")

    __table_args__ = (
        CheckConstraint("round IN (1, 2)", name="round_1_or_2"),
        CheckConstraint("(state = 'open') = (closed_at IS NULL)", name="closed_at_iff_closed"),
        CheckConstraint("(state = 'decided') = (outcome_score IS NOT NULL)",
                        name="outcome_iff_decided"),
        CheckConstraint("outcome_score IS NULL OR outcome_score BETWEEN 1 AND 4",
                        name="outcome_1_to_4"),
        Index("ix_ballot_candidacy", "candidacy_id", "round", "criterion"),
    )

    def votes_by_bloc(self) -> dict[Bloc, int]:
        return {v.bloc: v.score for v in self.votes}


class Vote(Model):
    """A bloc's one vote on a ballot; the database refuses a second one (R-JURY-4)."""

    __tablename__ = "vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballot.id", ondelete="CASCADE"))
    bloc: Mapped[Bloc] = mapped_column(enum_column(Bloc, "bloc"))
    score: Mapped[int] = mapped_column(Integer)
    cast_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime())

    ballot: Mapped[Ballot] = relationship(back_populates="votes")

    __table_args__ = (
        UniqueConstraint("ballot_id", "bloc"),
        CheckConstraint(SCORE_1_TO_4, name="score_1_to_4"),
    )


class JuryDecision(Model):
    """The jury's final score on one criterion in one round, with its motivation (R-JURY-6)."""

    __tablename__ = "jury_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    round: Mapped[int]
    criterion: Mapped[Criterion] = mapped_column(enum_column(Criterion, "criterion"))
    score: Mapped[int] = mapped_column(Integer)
    motivation: Mapped[str] = mapped_column(Text)
    method: Mapped[Method] = mapped_column(enum_column(Method, "decision_method"))
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("ballot.id"), unique=True)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    #: R-JURY-1 held for this candidacy at the moment of the decision (evidence).
    jury_blocs: Mapped[str] = mapped_column(String(100))

    candidacy: Mapped[Candidacy] = relationship()
    ballot: Mapped[Ballot | None] = relationship()

    __table_args__ = (
        *bounded_text("motivation"),
        UniqueConstraint("candidacy_id", "round", "criterion"),
        CheckConstraint(SCORE_1_TO_4, name="score_1_to_4"),
        CheckConstraint("round IN (1, 2)", name="round_1_or_2"),
        CheckConstraint("length(trim(motivation)) >= 10", name="motivated"),
        CheckConstraint("(method = 'ballot') = (ballot_id IS NOT NULL)", name="ballot_iff_method"),
    )


class PitchAppointment(Model):
    """R-PITCH-1: the matching interview of a candidacy selected in round 1."""

    __tablename__ = "pitch_appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"),
                                              unique=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("pitch_slot.id"), unique=True)
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    report: Mapped[str | None] = mapped_column(Text)
    #: Issue 13: the organisation did not come (recorded by the coordinator, with a note).
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    no_show_note: Mapped[str | None] = mapped_column(Text)

    candidacy: Mapped[Candidacy] = relationship()
    slot: Mapped[PitchSlot] = relationship()

    __table_args__ = (
        *bounded_text("report", "no_show_note"),
        CheckConstraint("(held_at IS NULL) = (report IS NULL)", name="report_iff_held"),
        CheckConstraint("(no_show_at IS NULL) = (no_show_note IS NULL)",
                        name="no_show_note_iff_no_show"),
        CheckConstraint("held_at IS NULL OR no_show_at IS NULL", name="held_or_no_show"),
    )


class PendingConsensus(Model):
    """A consensus recorded by a member who is not the jury's chair: it counts only once a
    member of another organisation confirms it (issue 13). Every one is kept: confirmed
    (with the decision it became), withdrawn by its recorder, or superseded by a decision."""

    __tablename__ = "pending_consensus"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id", ondelete="CASCADE"))
    round: Mapped[int]
    criterion: Mapped[Criterion] = mapped_column(enum_column(Criterion, "criterion"))
    score: Mapped[int] = mapped_column(Integer)
    motivation: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    #: The organisation of the recorder: the confirmation comes from another one.
    recorded_bloc: Mapped[Bloc] = mapped_column(enum_column(Bloc, "bloc"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[ConsensusState] = mapped_column(
        enum_column(ConsensusState, "consensus_state"), default=ConsensusState.PENDING)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("jury_decision.id", ondelete="SET NULL"), unique=True)

    candidacy: Mapped[Candidacy] = relationship()
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    __table_args__ = (
        *bounded_text("motivation"),
        CheckConstraint(SCORE_1_TO_4, name="score_1_to_4"),
        CheckConstraint("round IN (1, 2)", name="round_1_or_2"),
        CheckConstraint("length(trim(motivation)) >= 10", name="motivated"),
        CheckConstraint("(state = 'pending') = (closed_at IS NULL)", name="closed_at_iff_closed"),
        CheckConstraint("(state = 'pending') = (closed_by_id IS NULL)",
                        name="closed_by_iff_closed"),
        CheckConstraint("state <> 'confirmed' OR closed_by_id <> recorded_by_id",
                        name="confirmed_by_another"),
        # One consensus awaiting confirmation per criterion and round.
        Index("uq_pending_consensus_open", "candidacy_id", "round", "criterion", unique=True,
              sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
    )
