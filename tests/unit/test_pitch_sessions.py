"""Issue 13: a pitch session split into slots, no overlaps for one jury, choosing before a
moment (workareas.rules, pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matching.core.errors import DomainError
from workareas.rules import (
    SessionPlan,
    check_no_overlap,
    check_pick_open,
    session_slots,
)

NINE = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Brussels


def at(minutes: int) -> datetime:
    return NINE + timedelta(minutes=minutes)


def test_twenty_minute_slots_with_ten_minute_breaks():
    slots = session_slots(SessionPlan(NINE, at(120), 20, 10))
    assert slots == [(at(0), at(20)), (at(30), at(50)), (at(60), at(80)), (at(90), at(110))]


def test_the_last_slot_may_end_exactly_at_the_session_end():
    slots = session_slots(SessionPlan(NINE, at(110), 20, 10))
    assert slots[-1] == (at(90), at(110))
    # one minute less: the fourth slot would run past the end and is not made
    assert session_slots(SessionPlan(NINE, at(109), 20, 10))[-1] == (at(60), at(80))


def test_no_slot_ends_after_the_session():
    for minutes in range(25, 300, 7):
        slots = session_slots(SessionPlan(NINE, at(minutes), 25, 5, 3, 30))
        assert all(end <= at(minutes) for _, end in slots)
        assert all(slots[i][1] <= slots[i + 1][0] for i in range(len(slots) - 1))


def test_a_longer_pause_after_every_few_slots():
    slots = session_slots(SessionPlan(NINE, at(240), 20, 10, pause_after=2, pause_minutes=45))
    assert slots[:4] == [(at(0), at(20)), (at(30), at(50)), (at(95), at(115)),
                         (at(125), at(145))]


def test_without_breaks_slots_follow_each_other():
    assert session_slots(SessionPlan(NINE, at(60), 30)) == [(at(0), at(30)), (at(30), at(60))]


def test_a_session_shorter_than_one_slot_is_refused():
    with pytest.raises(DomainError, match="geen enkel pitch-slot"):
        session_slots(SessionPlan(NINE, at(19), 20))
    assert session_slots(SessionPlan(NINE, at(20), 20)) == [(at(0), at(20))]


@pytest.mark.parametrize("plan, field", [
    (SessionPlan(NINE, NINE, 20), "ends_at"),
    (SessionPlan(NINE, at(-5), 20), "ends_at"),
    (SessionPlan(NINE, at(60), 0), "slot_minutes"),
    (SessionPlan(NINE, at(60), -20), "slot_minutes"),
    (SessionPlan(NINE, at(60), 4), "slot_minutes"),
    (SessionPlan(NINE, at(600), 241), "slot_minutes"),
    (SessionPlan(NINE, at(60), 20, -1), "break_minutes"),
    (SessionPlan(NINE, at(60), 20, 241), "break_minutes"),
    (SessionPlan(NINE, at(60), 20, 0, 0, 10), "pause_after"),
    (SessionPlan(NINE, at(60), 20, 0, 1, -10), "pause_minutes"),
])
def test_impossible_plans_are_refused_on_their_field(plan, field):
    with pytest.raises(DomainError) as refused:
        session_slots(plan)
    assert refused.value.field == field


def test_slot_length_bounds_are_inclusive():
    assert len(session_slots(SessionPlan(NINE, at(5), 5))) == 1
    assert len(session_slots(SessionPlan(NINE, at(240), 240))) == 1


def test_overlapping_sessions_are_refused_touching_ones_are_not():
    morning = [(at(0), at(210))]
    with pytest.raises(DomainError, match="twee plaatsen tegelijk"):
        check_no_overlap(at(209), at(300), morning)
    with pytest.raises(DomainError, match="overlapt"):
        check_no_overlap(at(-30), at(1), morning)
    with pytest.raises(DomainError, match="overlapt"):
        check_no_overlap(at(30), at(60), morning)  # inside
    with pytest.raises(DomainError, match="overlapt"):
        check_no_overlap(at(-30), at(300), morning)  # around
    check_no_overlap(at(210), at(300), morning)  # starts when the morning ends
    check_no_overlap(at(-60), at(0), morning)  # ends when the morning starts
    check_no_overlap(at(0), at(60), [])


def test_the_overlap_message_names_the_other_session_in_brussels_time():
    with pytest.raises(DomainError) as refused:
        check_no_overlap(at(0), at(30), [(at(0), at(210))])
    assert refused.value.params["start"] == "02-03-2027 09:00"


def test_choosing_is_open_until_the_pick_date_only():
    check_pick_open(at(0), at(-1))
    with pytest.raises(DomainError, match="Kiezen kon tot"):
        check_pick_open(at(0), at(0))
    with pytest.raises(DomainError, match="coördinator"):
        check_pick_open(None, at(-100))


def test_a_no_show_is_not_admitted_whatever_the_scores():
    """R-PITCH-1 reading (issue 13): without the matching interview no admission."""
    from juries.rules import admitted_after_round_2
    from matching.candidacies.rules import Criterion

    both = {Criterion.CRUCIAL_CONTRIBUTION: 4, Criterion.FIT_FOR_PARTNERSHIP: 4}
    assert admitted_after_round_2(both, no_show=False) is True
    assert admitted_after_round_2(both, no_show=True) is False
    low = {Criterion.CRUCIAL_CONTRIBUTION: 2, Criterion.FIT_FOR_PARTNERSHIP: 4}
    assert admitted_after_round_2(low, no_show=False) is False
