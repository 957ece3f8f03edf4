"""R-STEP4-1: the noodprocedure of step 4, its re-scores and its outcome per partner."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from juries.models import SCORE_1_TO_4
from juries.rules import Bloc
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import Criterion
from matching.core.db import Model, UTCDateTime, bounded_text, enum_column
from workareas.models import Procedure


class EmergencyState(str, enum.Enum):
    OPEN = "open"
    CONCLUDED = "concluded"


class EmergencyProcedure(Model):
    """R-STEP4-1: the noodprocedure of step 4, run by VDAB and the local governments."""

    __tablename__ = "emergency_procedure"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    state: Mapped[EmergencyState] = mapped_column(enum_column(EmergencyState, "emergency_state"),
                                                  default=EmergencyState.OPEN)
    motivation: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ranking_motivation: Mapped[str | None] = mapped_column(Text)

    procedure: Mapped[Procedure] = relationship()
    scores: Mapped[list[EmergencyScore]] = relationship(
        back_populates="emergency", cascade="all, delete-orphan", order_by="EmergencyScore.id")
    outcomes: Mapped[list[EmergencyOutcome]] = relationship(
        back_populates="emergency", cascade="all, delete-orphan",
        order_by="(EmergencyOutcome.rank, EmergencyOutcome.candidacy_id)")

    __table_args__ = (
        *bounded_text("motivation", "ranking_motivation"),
        CheckConstraint("length(trim(motivation)) >= 10", name="motivated"),
        CheckConstraint("(state = 'concluded') = (concluded_at IS NOT NULL)",
                        name="concluded_at_iff_concluded"),
    )


class EmergencyScore(Model):
    """A re-score by VDAB or the local government (R-STEP4-2) of one partner on one criterion."""

    __tablename__ = "emergency_score"

    id: Mapped[int] = mapped_column(primary_key=True)
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency_procedure.id",
                                                         ondelete="CASCADE"))
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id"))
    criterion: Mapped[Criterion] = mapped_column(enum_column(Criterion, "criterion"))
    bloc: Mapped[Bloc] = mapped_column(enum_column(Bloc, "bloc"))
    score: Mapped[int] = mapped_column(Integer)
    motivation: Mapped[str] = mapped_column(Text)
    #: R-STEP4-1: fit for partnership is re-scored "ook op basis van het gedrag in stap 4":
    #: what the bloc observed (only for that criterion).
    observed_behaviour: Mapped[str | None] = mapped_column(Text)
    scored_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime())

    emergency: Mapped[EmergencyProcedure] = relationship(back_populates="scores")

    __table_args__ = (
        *bounded_text("motivation", "observed_behaviour"),
        UniqueConstraint("emergency_id", "candidacy_id", "criterion", "bloc"),
        CheckConstraint("observed_behaviour IS NULL OR criterion = 'fit_for_partnership'",
                        name="behaviour_only_for_fit"),
        CheckConstraint(SCORE_1_TO_4, name="score_1_to_4"),
        CheckConstraint("bloc IN ('VDAB', 'LOKAAL_BESTUUR')", name="no_external_in_step4"),
        CheckConstraint("length(trim(motivation)) >= 10", name="motivated"),
    )


class EmergencyOutcome(Model):
    """The result for one partner: agreed scores, selected or not, rank among the selected."""

    __tablename__ = "emergency_outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    emergency_id: Mapped[int] = mapped_column(ForeignKey("emergency_procedure.id",
                                                         ondelete="CASCADE"))
    candidacy_id: Mapped[int] = mapped_column(ForeignKey("candidacy.id"))
    crucial_contribution: Mapped[int]
    fit_for_partnership: Mapped[int]
    selected: Mapped[bool]
    rank: Mapped[int | None]

    emergency: Mapped[EmergencyProcedure] = relationship(back_populates="outcomes")
    candidacy: Mapped[Candidacy] = relationship()

    __table_args__ = (
        UniqueConstraint("emergency_id", "candidacy_id"),
        CheckConstraint("crucial_contribution BETWEEN 1 AND 4", name="cc_1_to_4"),
        CheckConstraint("fit_for_partnership BETWEEN 1 AND 4", name="ffp_1_to_4"),
        CheckConstraint("selected = (crucial_contribution >= 3 AND fit_for_partnership >= 3)",
                        name="selected_iff_threshold"),
        CheckConstraint("rank IS NULL OR selected", name="only_selected_ranked"),
    )
