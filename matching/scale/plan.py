"""What the scale dataset (:mod:`matching.scale`) plans before any date is set: which work
area's procedure is in which state (and which carries a defect), what happens to each
candidacy (its intake, scores, conflict and appeals), and the records the story of a work
area (:mod:`matching.scale.story`) keeps per jury member and candidacy.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from appeals.rules import AppealState, Position
from juries.rules import THRESHOLD, Bloc
from matching.candidacies.rules import CandidacyState, Criterion
from workareas.rules import ProcedureState

C, P, A = CandidacyState, ProcedureState, AppealState


CC, FP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP


BLOCS = (Bloc.VDAB, Bloc.LOKAAL_BESTUUR, Bloc.EXTERN)

INTAKE = (("draft", 0.04), ("withdrawn", 0.03), ("inadmissible", 0.04))


# Score distributions: about a third passes round 1, about two thirds of those round 2.
R1_SCORES = ((1, 2, 3, 4), (10, 30, 40, 20))


R2_SCORES = ((1, 2, 3, 4), (2, 18, 50, 30))


METHODS = (("consensus", "ballot", "ballot2"), (88, 10, 2))  # ballot2: first ballot without ⅔


SLOT_HOURS = (9, 10, 11, 13, 14, 15, 16)


#: The timeline, in days after the candidacy deadline: round 1 closes; the pitches start once
#: its appeal window closed (by then the round-1 appeals are decided, or still open).
ROUND_1_CLOSES, PITCHES_FROM = 14, 31

# Appeal outcomes, as planned before the story is dated.
FILED, REVIEW, REVIEW_ONE = "filed", "under_review", "under_review_one_position"


CONFIRMED, CONFIRMED_SPLIT, REVERSED = "confirmed", "confirmed_split", "reversed"


DECIDED_CYCLE = (CONFIRMED, REVERSED, CONFIRMED_SPLIT, CONFIRMED)


ROUND2_CYCLE = (REVIEW_ONE, FILED, REVERSED, CONFIRMED, REVIEW, CONFIRMED_SPLIT)


POSITIONS = {CONFIRMED: (Position.CONFIRM, Position.CONFIRM),
             CONFIRMED_SPLIT: (Position.REVERSE, Position.CONFIRM),
             REVERSED: (Position.REVERSE, Position.REVERSE),
             REVIEW_ONE: (Position.REVERSE,), REVIEW: (), FILED: ()}

DEFECTS = {
    "open_appeal": "een weerwoord is nog in behandeling (voorwaarde 6)",
    "missing_letter": "een beslissingsbrief van niet-selectie ontbreekt (voorwaarde 5)",
    "panel_from_jury": "een jurylid zat in het weerwoordpanel (voorwaarde 6)",
    "no_appeal_deadline": "een brief van niet-selectie vermeldt geen weerwoordtermijn "
                          "(voorwaarde 6)",
}


DEFECT_CYCLE = tuple(DEFECTS)


# --- the plan: which work area is in which state ---------------------------------------------

@dataclass(frozen=True)
class AreaPlan:
    number: int  # 1-based, as in the names and e-mail addresses
    state: ProcedureState
    defect: str | None = None


def plan_areas(areas: int, seed: int) -> list[AreaPlan]:
    """Most procedures decided, some in round 1 or 2, a few published; area 001 is always
    a decided procedure without defects; about one decided procedure in ten has one."""
    published = max(1, round(areas * 0.05)) if areas >= 3 else 0
    round_2 = max(1, round(areas * 0.08)) if areas >= 2 else 0
    round_1 = max(1, round(areas * 0.08)) if areas >= 4 else 0
    others = list(range(2, areas + 1))
    random.Random(f"{seed}:plan").shuffle(others)
    states = {1: P.DECIDED}
    for state, count in ((P.PUBLISHED, published), (P.ROUND_1, round_1), (P.ROUND_2, round_2)):
        for number in others[:count]:
            states[number] = state
        others = others[count:]
    states.update({number: P.DECIDED for number in others})
    decided = sorted(n for n, s in states.items() if s == P.DECIDED and n != 1)
    defects = {n: DEFECT_CYCLE[k % len(DEFECT_CYCLE)] for k, n in enumerate(decided[4::10])}
    return [AreaPlan(n, states[n], defects.get(n)) for n in range(1, areas + 1)]


# --- what happens to each candidacy, before any date is set -----------------------------------

@dataclass
class Fate:
    intake: str  # draft | withdrawn | inadmissible | assessed
    scores: dict[int, dict[Criterion, tuple[int, str]]]  # round -> criterion -> (score, method)
    conflict: bool = False
    appeal: dict[int, str] = field(default_factory=dict)  # round -> planned outcome

    def passes(self, round_no: int) -> bool:
        return all(score >= THRESHOLD for score, _ in self.scores[round_no].values())

    @property
    def assessed(self) -> bool:
        return self.intake == "assessed"

    @property
    def pitches(self) -> bool:
        return self.assessed and (self.passes(1) or self.appeal.get(1) == REVERSED)


def draw_fates(rng: random.Random, n: int) -> list[Fate]:
    return [Fate(intake, draw_scores(rng), conflict=rng.random() < 0.015)
            for intake in draw_intakes(rng, n)]


def draw_intakes(rng: random.Random, n: int) -> list[str]:
    """Per procedure about 4 % drafts (they lapse at the deadline), 3 % withdrawals and 4 %
    inadmissible candidacies, at least one of each from ten candidacies on; the rest is
    assessed."""
    quotas = [(kind, max(1 if n >= 10 else 0, round(n * share))) for kind, share in INTAKE]
    positions = rng.sample(range(n), min(n, sum(k for _, k in quotas)))
    intakes = ["assessed"] * n
    for kind, k in quotas:
        for position in positions[:k]:
            intakes[position] = kind
        positions = positions[k:]
    return intakes


def draw_scores(rng: random.Random) -> dict[int, dict[Criterion, tuple[int, str]]]:
    return {round_no: {c: (rng.choices(*table)[0], rng.choices(*METHODS)[0]) for c in Criterion}
            for round_no, table in ((1, R1_SCORES), (2, R2_SCORES))}


def plan_appeals(rng: random.Random, fates: list[Fate], state: ProcedureState,
                 defect: str | None) -> None:
    """Some non-selected candidacies appeal; the planned outcomes cycle through the states."""
    if state not in (P.DECIDED, P.ROUND_2):
        return
    cycle = DECIDED_CYCLE if state == P.DECIDED else ROUND2_CYCLE
    losers = [f for f in fates if f.assessed and not f.passes(1)]
    for k, fate in enumerate(some(rng, losers, 0.12, at_least=2)):
        fate.appeal[1] = cycle[k % len(cycle)]
    if state == P.DECIDED:
        losers = [f for f in fates if f.pitches and not f.passes(2)]
        for k, fate in enumerate(some(rng, losers, 0.10, at_least=1)):
            fate.appeal[2] = DECIDED_CYCLE[k % len(DECIDED_CYCLE)]
    if defect == "open_appeal":  # the last appeal of the latest round stays open
        appealed = [(round_no, f) for f in fates for round_no in f.appeal]
        if appealed:
            round_no, fate = max(appealed, key=lambda pair: pair[0])
            fate.appeal[round_no] = REVIEW_ONE


def some(rng: random.Random, items: list, share: float, at_least: int) -> list:
    return rng.sample(items, min(len(items), max(at_least, round(len(items) * share))))


# --- what the story keeps per jury member and candidacy --------------------------------------

@dataclass
class Member:
    user_id: int
    email: str
    bloc: Bloc


@dataclass
class Cand:
    """A candidacy's row and what the story needs to know about it."""

    row: dict
    fate: Fate
    applicant: int
    applicant_email: str
    organisation: str
    eligible: list[Member] = field(default_factory=list)
    notice: dict[int, datetime] = field(default_factory=dict)  # round -> received_at
    pitch: dict | None = None  # its pitch appointment row
    slot: dict | None = None  # the pitch slot row of that appointment
