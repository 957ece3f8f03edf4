"""The facts of one procedure as plain values, and the shape of a condition's result.

Pure module: no Flask, no SQLAlchemy, no clock. Loaded in bulk by
:mod:`matching.oversight.facts_queries`, judged by :mod:`matching.oversight.rules`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from types import MappingProxyType
from typing import NamedTuple

from appeals.rules import AppealState
from matching.candidacies.rules import CandidacyState
from matching.core.errors import N_
from workareas.rules import ProcedureState


class Status(str, enum.Enum):
    MET = "met"
    NOT_MET = "not_met"
    UNDETERMINED = "undetermined"


STATUS_LABELS = {
    Status.MET: N_("voldaan"),
    Status.NOT_MET: N_("niet voldaan"),
    Status.UNDETERMINED: N_("nog niet te bepalen"),
}

TITLES = {
    1: N_("Overal in Vlaanderen dezelfde standaardprocedure"),
    2: N_("Organisaties apart uitgenodigd, niet in consortium"),
    3: N_("Toegankelijk voor alle organisaties op een gelijke basis"),
    4: N_("Bouwt voort op de resultaten van stap 2"),
    5: N_("Grondig gedocumenteerd en transparant"),
    6: N_("Weerwoord mogelijk bij niet-selectie"),
}


@dataclass(frozen=True)
class Finding:
    """One piece of evidence: ``ok`` False is a reason the condition is not met."""

    ok: bool
    msgid: str
    params: Mapping[str, object] = field(default_factory=dict)
    anchor: str | None = None


@dataclass(frozen=True)
class ConditionResult:
    number: int
    title: str
    status: Status
    findings: tuple[Finding, ...]

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ok)


# --- the facts of one procedure, as plain values ----------------------------------------------
# One record per row (named tuples: tens of thousands are made for the overview of all
# procedures, and a tuple is made several times faster than a frozen dataclass).

NO_VOTES: Mapping[str, int] = MappingProxyType({})


class CandidacyFacts(NamedTuple):
    id: int
    reference: str
    organisation_id: int
    organisation_name: str
    organisation_kind: str  # OrganisationKind value: VDAB, MUNICIPALITY, OCMW, … OTHER
    state: CandidacyState
    submitted: bool  # it entered the procedure (drafts never did)
    declares_individual: bool
    inadmissible_reason: str | None = None
    challenge_codes: frozenset[str] = frozenset()
    seat_nis_code: str | None = None  # the municipality of the organisation's seat


class DecisionFacts(NamedTuple):
    candidacy_id: int
    round: int
    criterion: str
    score: int
    motivation_length: int  # characters of the motivation, blanks at either end not counted
    method: str  # Method value: consensus or ballot
    jury_blocs: str  # comma-separated blocs present at the decision (R-JURY-1)
    ballot_state: str | None = None
    ballot_outcome: int | None = None
    ballot_votes: Mapping[str, int] = NO_VOTES


class LetterFacts(NamedTuple):
    id: int
    candidacy_id: int
    round: int
    selected: bool
    appeal_deadline: datetime | None


class NoticeFacts(NamedTuple):
    candidacy_id: int
    round: int
    selected: bool
    received_at: datetime


class PanelFacts(NamedTuple):
    user_id: int
    position: str | None
    motivation: str | None


class AppealFacts(NamedTuple):
    id: int
    candidacy_id: int
    round: int
    state: AppealState
    panel: tuple[PanelFacts, ...] = ()


class NeedFacts(NamedTuple):
    title: str
    motivation: str


@dataclass(frozen=True)
class ProcedureFacts:
    id: int
    state: ProcedureState
    published_at: datetime | None
    candidacy_deadline: datetime | None
    needs: tuple[NeedFacts, ...] = ()
    challenge_codes: frozenset[str] = frozenset()
    area_government_ids: frozenset[int] = frozenset()
    area_nis_codes: frozenset[str] = frozenset()  # the work area's municipalities
    jury: Mapping[int, str] = field(default_factory=dict)  # user id -> bloc value
    candidacies: tuple[CandidacyFacts, ...] = ()
    decisions: tuple[DecisionFacts, ...] = ()
    letters: tuple[LetterFacts, ...] = ()
    notices: tuple[NoticeFacts, ...] = ()
    appeals: tuple[AppealFacts, ...] = ()
    audit_intact: bool | None = None  # None: not verified
    audit_events: int = 0
    audit_broken_event: int | None = None
    audit_full_at: datetime | None = None  # the last walk of the whole chain

    # What several conditions read, worked out once per facts (issue 17; the facts are
    # frozen, so these never change). Read them through the functions below, never modify.

    @cached_property
    def _submitted(self) -> tuple[CandidacyFacts, ...]:
        return tuple(c for c in self.candidacies if c.submitted)

    @cached_property
    def _by_round(self) -> dict[tuple[int, int], dict[str, DecisionFacts]]:
        out: dict[tuple[int, int], dict[str, DecisionFacts]] = {}
        for d in self.decisions:
            out.setdefault((d.candidacy_id, d.round), {})[d.criterion] = d
        return out

    @cached_property
    def _names(self) -> dict[int, str]:
        return {c.id: f"{c.organisation_name} ({c.reference})" for c in self.candidacies}


# --- reading the facts -----------------------------------------------------------------------

STATE_ORDER = list(ProcedureState)


def reached(facts: ProcedureFacts, state: ProcedureState) -> bool:
    return STATE_ORDER.index(facts.state) >= STATE_ORDER.index(state)


def in_procedure(facts: ProcedureFacts) -> tuple[CandidacyFacts, ...]:
    """Candidacies that were submitted (drafts never entered the procedure)."""
    return facts._submitted


def decisions_by_round(facts: ProcedureFacts) -> dict[tuple[int, int], dict[str, DecisionFacts]]:
    """The decisions per (candidacy, round) and criterion (shared: read, never modify)."""
    return facts._by_round


def reversed_on_appeal(facts: ProcedureFacts) -> set[tuple[int, int]]:
    return {(a.candidacy_id, a.round) for a in facts.appeals if a.state == AppealState.REVERSED}


def all_decided(facts: ProcedureFacts) -> bool:
    """The procedure is decided and no candidacy still awaits a jury decision."""
    return reached(facts, ProcedureState.DECIDED) and not any(
        c.state in (CandidacyState.SUBMITTED, CandidacyState.SELECTED_FOR_PITCH)
        for c in facts.candidacies)


def result(number: int, findings: list[Finding], complete: bool) -> ConditionResult:
    if any(not f.ok for f in findings):
        status = Status.NOT_MET
    else:
        status = Status.MET if complete else Status.UNDETERMINED
    return ConditionResult(number, TITLES[number], status, tuple(findings))


def candidacy_names(facts: ProcedureFacts) -> dict[int, str]:
    """"Organisation (reference)" per candidacy (shared: read, never modify)."""
    return facts._names
