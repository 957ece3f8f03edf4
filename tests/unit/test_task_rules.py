"""Issue 13: the pure rules of the reminders and the task list, at their boundaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matching.core.dates import BRUSSELS
from matching.tasks.rules import (
    ProcedureFacts,
    Task,
    Urgency,
    coordinator_steps,
    current_reminder,
    daily_reminder_day,
    ordered,
    parse_days,
    urgency,
)

DEADLINE = datetime(2025, 3, 17, 22, 59, 59, tzinfo=UTC)


@pytest.mark.parametrize(("before", "due"), [
    (timedelta(days=7, seconds=1), None),  # not yet
    (timedelta(days=7), 7),  # the moment itself
    (timedelta(days=2, seconds=1), 7),
    (timedelta(days=2), 2),
    (timedelta(seconds=1), 2),
    (timedelta(0), None),  # the deadline itself: over
    (-timedelta(days=1), None),
])
def test_current_reminder_boundaries(before, due):
    assert current_reminder(DEADLINE, (7, 2), DEADLINE - before) == due


def test_a_late_worker_gets_only_the_latest_moment():
    assert current_reminder(DEADLINE, (2, 7), DEADLINE - timedelta(hours=1)) == 2


def test_daily_reminder_day_starts_at_the_local_hour():
    # 07:59 and 08:00 Brussels time (winter: UTC+1)
    assert daily_reminder_day(datetime(2025, 1, 6, 6, 59, tzinfo=UTC), BRUSSELS, 8) is None
    assert daily_reminder_day(datetime(2025, 1, 6, 7, 0, tzinfo=UTC), BRUSSELS, 8) == \
        datetime(2025, 1, 6).date()
    # 23:30 UTC is 00:30 on the next day in Brussels: before 8 h, nothing yet
    assert daily_reminder_day(datetime(2025, 1, 6, 23, 30, tzinfo=UTC), BRUSSELS, 8) is None
    # summer time: 06:00 UTC is 08:00 in Brussels
    assert daily_reminder_day(datetime(2025, 6, 30, 6, 0, tzinfo=UTC), BRUSSELS, 8) == \
        datetime(2025, 6, 30).date()


def test_parse_days():
    assert parse_days("2, 7,7") == (7, 2)
    assert parse_days([3]) == (3,)
    with pytest.raises(ValueError):
        parse_days("0")


def test_urgency_and_order():
    now = DEADLINE - timedelta(days=10)
    assert urgency(None, now) == Urgency.NONE
    assert urgency(now + timedelta(days=2), now) == Urgency.URGENT
    assert urgency(now + timedelta(days=2, seconds=1), now) == Urgency.SOON
    assert urgency(now + timedelta(days=8), now) == Urgency.NONE
    late, soon, none = (Task("b", due=now + timedelta(days=3)), Task("a", due=now),
                        Task("c"))
    blocker = Task("x", blocker="y")
    assert ordered([none, late, blocker, soon]) == [blocker, soon, late, none]


def steps(facts: ProcedureFacts, now=DEADLINE) -> list[str]:
    return [page for _, page, _ in coordinator_steps(facts, now)]


def test_the_coordinator_steps_follow_the_state():
    assert steps(ProcedureFacts("draft")) == ["addendum", "jury"]
    assert steps(ProcedureFacts("published", has_jury=True,
                                candidacy_deadline=DEADLINE + timedelta(seconds=1))) == []
    assert steps(ProcedureFacts("published", has_jury=True, candidacy_deadline=DEADLINE)) == [
        "addendum"]  # the deadline passed: close the intake
    assert steps(ProcedureFacts("candidacy_closed", has_jury=True, jury_complete=True)) == [
        "round1"]
    assert steps(ProcedureFacts("candidacy_closed", has_jury=True)) == ["jury"]
    assert steps(ProcedureFacts("round_1", has_jury=True, undecided=2)) == ["round1"]
    assert steps(ProcedureFacts("round_2", has_jury=True, to_plan=1, pitches_to_record=1,
                                ready_to_close=True)) == ["round2", "pitches", "round2"]
    assert steps(ProcedureFacts("decided", appeals_without_panel=1, observations_open=2)) == [
        "appeals", "conditions"]


def test_a_broken_jury_comes_first():
    first = coordinator_steps(ProcedureFacts("round_1", has_jury=True, undecided=1,
                                             broken_for=("Jobkracht vzw",)), DEADLINE)[0]
    assert first[1] == "jury" and first[2] == {"names": "Jobkracht vzw"}
