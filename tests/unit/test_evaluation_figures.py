"""The evaluation figures (matching.oversight.evaluation): totals, the selection funnel, the
time from publication to decision and the timeline, at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from appeals.rules import AppealState
from matching.candidacies.rules import CandidacyState, Criterion
from matching.oversight.evaluation import (
    FUNNEL_STAGES,
    CandidacyFact,
    EmergencyFact,
    ProcedureFact,
    bar_lengths,
    days_between,
    evaluate,
    passed,
    timeline,
)
from workareas.rules import ProcedureState

CC, FFP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP
S = CandidacyState
T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def procedure(pid=1, area=1, name="Regio Aalst", state=ProcedureState.DECIDED, **kw):
    return ProcedureFact(id=pid, work_area_id=area, work_area=name, title="Matching",
                         sequence=1, state=state, **kw)


def candidacy(state, pid=1, r1=None, r2=None, appeals=()):
    scores = {}
    for round_no, pair in ((1, r1), (2, r2)):
        if pair is not None:
            scores[(round_no, CC)], scores[(round_no, FFP)] = pair
    return CandidacyFact(procedure_id=pid, state=state, scores=scores, appeals=tuple(appeals))


@pytest.mark.parametrize(("scores", "expected"), [
    ((3, 3), True), ((4, 4), True), ((2, 4), False), ((4, 2), False), ((2, 2), False)])
def test_a_round_passes_only_with_3_on_both_criteria(scores, expected):
    assert passed({(1, CC): scores[0], (1, FFP): scores[1]}, 1) is expected


def test_a_round_with_one_criterion_decided_is_undecided():
    assert passed({(1, CC): 4}, 1) is None
    assert passed({}, 2) is None
    assert passed({(1, CC): 4, (1, FFP): 4}, 2) is None  # round 1 says nothing of round 2


def test_no_procedures_give_zeros_and_no_median():
    result = evaluate([], [])
    assert result.areas == [] and result.flanders.candidacies == 0
    assert result.flanders.median_days_to_decision is None
    assert [n for _, n in result.flanders.funnel()] == [0] * len(FUNNEL_STAGES)


def test_totals_and_funnel_of_one_area():
    facts = [
        candidacy(S.ADMITTED_TO_STEP4, r1=(3, 4), r2=(4, 3)),
        # not selected in round 1, reversed on appeal, then admitted in round 2
        candidacy(S.ADMITTED_TO_STEP4, r1=(2, 3), r2=(3, 3), appeals=[AppealState.REVERSED]),
        candidacy(S.NOT_SELECTED_R1, r1=(2, 2), appeals=[AppealState.CONFIRMED]),
        candidacy(S.NOT_SELECTED_R2, r1=(3, 3), r2=(3, 2)),
        candidacy(S.INADMISSIBLE, appeals=[AppealState.FILED]),
        candidacy(S.WITHDRAWN),
        candidacy(S.SELECTED_FOR_PITCH, r1=(3, 3)),  # pitch still to come
    ]
    result = evaluate([procedure()], facts)
    (area,) = result.areas
    t = area.totals
    assert (t.candidacies, t.admissible, t.inadmissible, t.withdrawn) == (7, 6, 1, 1)
    assert (t.selected_round_1, t.selected_round_2, t.after_appeal, t.ratified) == (3, 2, 2, 0)
    assert (t.appeals, t.reversals) == (3, 1)
    assert t.funnel() == [("Kandidaturen", 7), ("Ontvankelijk", 6),
                          ("Geselecteerd na ronde 1", 3), ("Geselecteerd na ronde 2", 2),
                          ("Na weerwoord (toegelaten tot stap 4)", 2), ("Bekrachtigd", 0)]


def test_ratified_counts_only_the_admitted_of_a_ratified_procedure():
    facts = [candidacy(S.ADMITTED_TO_STEP4, pid=1, r1=(3, 3), r2=(3, 3)),
             candidacy(S.NOT_SELECTED_R2, pid=1, r1=(3, 3), r2=(1, 1)),
             candidacy(S.ADMITTED_TO_STEP4, pid=2, r1=(3, 3), r2=(3, 3))]
    result = evaluate([procedure(1, state=ProcedureState.RATIFIED),
                       procedure(2, state=ProcedureState.DECIDED)], facts)
    assert result.flanders.ratified == 1 and result.flanders.after_appeal == 2


def test_flanders_is_the_sum_of_every_area_and_areas_come_by_name():
    procedures = [procedure(1, area=1, name="Regio Gent"), procedure(2, area=2, name="Regio Aalst"),
                  procedure(3, area=1, name="Regio Gent")]
    facts = [candidacy(S.WITHDRAWN, pid=1), candidacy(S.WITHDRAWN, pid=2),
             candidacy(S.INADMISSIBLE, pid=3)]
    emergencies = [EmergencyFact(2, concluded=True, partners=3, selected=2),
                   EmergencyFact(2, concluded=False)]
    result = evaluate(procedures, facts, emergencies)
    assert [a.name for a in result.areas] == ["Regio Aalst", "Regio Gent"]
    aalst, gent = result.areas
    assert (gent.totals.procedures, gent.totals.candidacies, gent.totals.inadmissible) == (2, 2, 1)
    assert (aalst.totals.emergencies, aalst.totals.emergencies_concluded,
            aalst.totals.emergency_partners, aalst.totals.emergency_selected) == (2, 1, 3, 2)
    f = result.flanders
    assert (f.procedures, f.candidacies, f.withdrawn, f.inadmissible, f.emergencies) == \
        (3, 3, 2, 1, 2)


def test_days_to_decision_count_brussels_calendar_days_and_the_median():
    published = datetime(2025, 3, 1, 22, 30, tzinfo=UTC)  # 1 March 23:30 in Brussels
    # 2 March 00:30 in Brussels: one calendar day later although only an hour passed
    assert days_between(published, published + timedelta(hours=1)) == 1
    # 23:30 UTC on 30 March is 01:30 on 31 March (summer time): 30 days
    assert days_between(published, datetime(2025, 3, 30, 23, 30, tzinfo=UTC)) == 30
    procedures = [
        procedure(1, published_at=T0, round_2_decided_at=T0 + timedelta(days=60)),
        procedure(2, published_at=T0, round_2_decided_at=T0 + timedelta(days=70)),
        procedure(3, published_at=T0),  # not decided yet: not counted
    ]
    t = evaluate(procedures, []).flanders
    assert t.days_to_decision == [60, 70] and t.median_days_to_decision == 65
    one = evaluate(procedures[:1], []).flanders
    assert one.median_days_to_decision == 60


def test_the_timeline_places_known_steps_between_first_and_last():
    p = procedure(published_at=T0, deadline=T0 + timedelta(days=50),
                  round_1_decided_at=T0 + timedelta(days=75),
                  round_2_decided_at=T0 + timedelta(days=100))
    points = timeline(p)
    assert [pt.label for pt in points] == ["Publicatie", "Uiterste indiendatum",
                                           "Beslissing ronde 1", "Beslissing ronde 2",
                                           "Einde weerwoordtermijn", "Bekrachtiging"]
    assert [pt.position for pt in points] == [0.0, 0.5, 0.75, 1.0, None, None]
    assert [pt.days for pt in points] == [0, 50, 75, 100, None, None]


def test_a_timeline_with_one_step_or_none():
    only = timeline(procedure(published_at=T0))
    assert only[0].position == 0.0 and only[0].days == 0
    assert all(pt.position is None and pt.at is None for pt in only[1:])
    assert all(pt.position is None for pt in timeline(procedure()))


def test_bar_lengths_are_proportional_to_the_largest():
    assert bar_lengths([4, 2, 0], 300) == [300, 150, 0]
    assert bar_lengths([0, 0], 300) == [0, 0]
    assert bar_lengths([], 300) == []
    assert bar_lengths([1], 300) == [300]
