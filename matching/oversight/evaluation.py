"""Figures for Europa WSE's evaluation (issue 12, "Data for evaluation"): per work area and
for all of Flanders the totals, the selection funnel and the time from publication to
decision; per procedure its timeline and the outcome of its emergency procedure.

Pure: no Flask, no SQLAlchemy, no clock. The facts come in as plain tuples
(:mod:`matching.oversight.queries`, :func:`evaluation_facts`), the figures go out as
dataclasses; the page and the export only lay them out.

The call's evaluation plan (section 8, "Evaluatie") asks which partners form each partnership
and how the selection went; the figures read the record as it is now:

- *candidacies*: submitted candidacies (drafts are not part of the procedure);
- *admissible*: those not (or no longer) inadmissible;
- *selected round 1 / round 2*: the jury's own outcome of that round on the threshold of
  R-JURY-5 (both criteria at least 3), counted when both criteria were decided;
- *after appeal*: admitted to step 4 now, reversals on appeal included;
- *ratified*: admitted to step 4 in a procedure Europa WSE ratified (R-OBS-1);
- *appeals / reversals*: appeals filed (against a non-selection or an inadmissibility) and
  those the panel reversed (R-APP-3);
- *inadmissible / withdrawn*: candidacies in that state now;
- *days to decision*: calendar days (Brussels) from the first publication of the addendum
  to the jury's last round (the procedure's round 2 closing), the median over the
  procedures that got that far.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from appeals.rules import AppealState
from juries.rules import THRESHOLD
from matching.candidacies.rules import CandidacyState, Criterion
from matching.core.dates import brussels_date
from matching.core.errors import N_
from workareas.rules import ProcedureState


@dataclass(frozen=True)
class CandidacyFact:
    """What the figures need of one submitted candidacy."""

    procedure_id: int
    state: CandidacyState
    #: The jury's final scores per round and criterion (only decided ones).
    scores: Mapping[tuple[int, Criterion], int] = field(default_factory=dict)
    #: The states of its appeals (one per round at most).
    appeals: tuple[AppealState, ...] = ()


@dataclass(frozen=True)
class ProcedureFact:
    """What the figures need of one procedure (its instants in UTC)."""

    id: int
    work_area_id: int
    work_area: str
    title: str
    sequence: int
    state: ProcedureState
    published_at: datetime | None = None
    deadline: datetime | None = None
    round_1_decided_at: datetime | None = None
    round_2_decided_at: datetime | None = None
    appeal_window_end: datetime | None = None
    ratified_at: datetime | None = None


@dataclass(frozen=True)
class EmergencyFact:
    """One emergency procedure (R-STEP4-1) and its outcomes."""

    procedure_id: int
    concluded: bool
    partners: int = 0  #: partners with an outcome
    selected: int = 0  #: of those, selected (both agreed scores at least 3)


@dataclass
class Totals:
    candidacies: int = 0
    admissible: int = 0
    selected_round_1: int = 0
    selected_round_2: int = 0
    after_appeal: int = 0
    ratified: int = 0
    appeals: int = 0
    reversals: int = 0
    inadmissible: int = 0
    withdrawn: int = 0
    procedures: int = 0
    emergencies: int = 0
    emergencies_concluded: int = 0
    emergency_partners: int = 0
    emergency_selected: int = 0
    #: days from publication to decision, one per decided procedure
    days_to_decision: list[int] = field(default_factory=list)

    @property
    def median_days_to_decision(self) -> float | None:
        return statistics.median(self.days_to_decision) if self.days_to_decision else None

    def funnel(self) -> list[tuple[str, int]]:
        """The selection funnel: (Dutch msgid of the stage, count), in order."""
        return [(label, getattr(self, name)) for name, label in FUNNEL_STAGES]


#: The funnel's stages: attribute of :class:`Totals` and its label.
FUNNEL_STAGES: tuple[tuple[str, str], ...] = (
    ("candidacies", N_("Kandidaturen")),
    ("admissible", N_("Ontvankelijk")),
    ("selected_round_1", N_("Geselecteerd na ronde 1")),
    ("selected_round_2", N_("Geselecteerd na ronde 2")),
    ("after_appeal", N_("Na weerwoord (toegelaten tot stap 4)")),
    ("ratified", N_("Bekrachtigd")),
)


#: The columns of the totals table: attribute of :class:`Totals` and its label.
TOTAL_COLUMNS: tuple[tuple[str, str], ...] = (
    ("candidacies", N_("Kandidaturen")),
    ("selected_round_1", N_("Geselecteerd na ronde 1")),
    ("selected_round_2", N_("Geselecteerd na ronde 2")),
    ("appeals", N_("Weerwoorden")),
    ("reversals", N_("Omgekeerd na weerwoord")),
    ("inadmissible", N_("Onontvankelijk")),
    ("withdrawn", N_("Ingetrokken")),
)


def passed(scores: Mapping[tuple[int, Criterion], int], round_no: int) -> bool | None:
    """The jury's outcome of a round on R-JURY-5's threshold, ``None`` while undecided."""
    round_scores = [scores.get((round_no, c)) for c in Criterion]
    if any(s is None for s in round_scores):
        return None
    return all(s is not None and s >= THRESHOLD for s in round_scores)


def days_between(start: datetime, end: datetime) -> int:
    """Calendar days in Brussels from ``start`` to ``end``."""
    return (brussels_date(end) - brussels_date(start)).days


def add_candidacy(totals: Totals, fact: CandidacyFact, ratified: bool) -> None:
    totals.candidacies += 1
    if fact.state != CandidacyState.INADMISSIBLE:
        totals.admissible += 1
    else:
        totals.inadmissible += 1
    if fact.state == CandidacyState.WITHDRAWN:
        totals.withdrawn += 1
    if passed(fact.scores, 1):
        totals.selected_round_1 += 1
    if passed(fact.scores, 2):
        totals.selected_round_2 += 1
    if fact.state == CandidacyState.ADMITTED_TO_STEP4:
        totals.after_appeal += 1
        if ratified:
            totals.ratified += 1
    totals.appeals += len(fact.appeals)
    totals.reversals += sum(1 for a in fact.appeals if a == AppealState.REVERSED)


def add_procedure(totals: Totals, procedure: ProcedureFact) -> None:
    totals.procedures += 1
    if procedure.published_at is not None and procedure.round_2_decided_at is not None:
        totals.days_to_decision.append(days_between(procedure.published_at,
                                                    procedure.round_2_decided_at))


def add_emergency(totals: Totals, emergency: EmergencyFact) -> None:
    totals.emergencies += 1
    totals.emergencies_concluded += int(emergency.concluded)
    totals.emergency_partners += emergency.partners
    totals.emergency_selected += emergency.selected


@dataclass
class AreaFigures:
    work_area_id: int
    name: str
    totals: Totals = field(default_factory=Totals)


@dataclass
class Evaluation:
    areas: list[AreaFigures]
    flanders: Totals
    procedures: list[ProcedureFact]


def evaluate(procedures: Sequence[ProcedureFact], candidacies: Iterable[CandidacyFact],
             emergencies: Iterable[EmergencyFact] = ()) -> Evaluation:
    """The figures per work area (in the order the procedures come, by work area name)
    and for all of Flanders (the sum of every work area)."""
    areas: dict[int, AreaFigures] = {}
    by_id = {p.id: p for p in procedures}
    flanders = Totals()
    for p in procedures:
        area = areas.setdefault(p.work_area_id, AreaFigures(p.work_area_id, p.work_area))
        add_procedure(area.totals, p)
        add_procedure(flanders, p)
    for c in candidacies:
        p = by_id[c.procedure_id]
        ratified = p.state == ProcedureState.RATIFIED
        add_candidacy(areas[p.work_area_id].totals, c, ratified)
        add_candidacy(flanders, c, ratified)
    for e in emergencies:
        p = by_id[e.procedure_id]
        add_emergency(areas[p.work_area_id].totals, e)
        add_emergency(flanders, e)
    return Evaluation(sorted(areas.values(), key=lambda a: (a.name, a.work_area_id)), flanders,
                      list(procedures))


#: A procedure's timeline: attribute of :class:`ProcedureFact` and its label, in order.
TIMELINE_STEPS: tuple[tuple[str, str], ...] = (
    ("published_at", N_("Publicatie")),
    ("deadline", N_("Uiterste indiendatum")),
    ("round_1_decided_at", N_("Beslissing ronde 1")),
    ("round_2_decided_at", N_("Beslissing ronde 2")),
    ("appeal_window_end", N_("Einde weerwoordtermijn")),
    ("ratified_at", N_("Bekrachtiging")),
)


@dataclass(frozen=True)
class TimelinePoint:
    label: str  #: Dutch msgid
    at: datetime | None
    #: position on the chart, 0.0 (publication) to 1.0 (the last known step); None if unknown
    position: float | None
    #: calendar days after publication
    days: int | None


def timeline(procedure: ProcedureFact) -> list[TimelinePoint]:
    """The procedure's steps in order, each with its place on a line from the first to the
    last known step (0 to 1) and its number of days after publication."""
    known = [getattr(procedure, name) for name, _ in TIMELINE_STEPS
             if getattr(procedure, name) is not None]
    first, last = (min(known), max(known)) if known else (None, None)
    span = (last - first).total_seconds() if first and last else 0.0
    start = procedure.published_at
    points = []
    for name, label in TIMELINE_STEPS:
        at = getattr(procedure, name)
        if at is None or first is None:
            points.append(TimelinePoint(label, None, None, None))
            continue
        position = (at - first).total_seconds() / span if span else 0.0
        days = days_between(start, at) if start is not None else None
        points.append(TimelinePoint(label, at, position, days))
    return points


def bar_lengths(values: Sequence[int], width: float) -> list[float]:
    """The length of each bar of a chart ``width`` long, proportional to the largest value
    (every bar 0 when all are 0)."""
    top = max(values, default=0)
    return [width * v / top if top else 0.0 for v in values]
