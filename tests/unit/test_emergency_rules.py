"""The step-4 emergency procedure (noodprocedure): R-STEP4-1 and R-STEP4-2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juries.emergency.rules import (
    check_emergency_ranking,
    check_emergency_window,
    check_observed_behaviour,
    emergency_agreed_score,
    emergency_selected,
    emergency_window_opens,
)
from juries.rules import Bloc
from matching.candidacies.rules import Criterion
from matching.core.dates import BRUSSELS
from matching.core.errors import DomainError
from tests.helpers import bxl

ONE_MINUTE = timedelta(minutes=1)
V, L, E = Bloc.VDAB, Bloc.LOKAAL_BESTUUR, Bloc.EXTERN
CC, FIT = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP


# --- R-STEP4-1: within the 8 weeks before the effective start ---------------------------

WINDOW_CASES = [
    # (partnership start, window opens in UTC)
    pytest.param(bxl(2025, 1, 6, 9, 0), datetime(2024, 11, 11, 8, 0, tzinfo=UTC), id="winter"),
    # 15 November 09:00 CET -> 20 September 09:00 CEST (07:00 UTC): across 27 October 2024.
    pytest.param(bxl(2024, 11, 15, 9, 0), datetime(2024, 9, 20, 7, 0, tzinfo=UTC),
                 id="across-dst-autumn"),
    # 1 April 09:00 CEST -> 5 February 09:00 CET (08:00 UTC): across 31 March 2024.
    pytest.param(bxl(2024, 4, 1, 9, 0), datetime(2024, 2, 5, 8, 0, tzinfo=UTC),
                 id="across-dst-spring"),
]


@pytest.mark.parametrize(("start", "opens"), WINDOW_CASES)
def test_window_opens_eight_weeks_before_start_in_brussels_time(start, opens):
    """R-STEP4-1: eight weeks of Brussels wall-clock time before the start."""
    assert emergency_window_opens(start) == opens
    assert emergency_window_opens(start).astimezone(BRUSSELS).hour == 9


@pytest.mark.parametrize(("start", "opens"), WINDOW_CASES)
def test_exactly_eight_weeks_before_start_is_accepted(start, opens):
    assert check_emergency_window(opens, start) is None
    assert check_emergency_window(start - ONE_MINUTE, start) is None


@pytest.mark.parametrize(("start", "opens"), WINDOW_CASES)
def test_one_minute_before_the_window_is_refused(start, opens):
    with pytest.raises(DomainError) as excinfo:
        check_emergency_window(opens - ONE_MINUTE, start)
    assert excinfo.value.rule == "R-STEP4-1"
    assert str(excinfo.value) == (
        "Een noodprocedure kan enkel binnen de 8 weken voor de start van het partnerschap "
        f"({start:%d-%m-%Y %H:%M}) worden opgestart, dus vanaf "
        f"{opens.astimezone(BRUSSELS):%d-%m-%Y %H:%M}."
    )


@pytest.mark.parametrize(("start", "opens"), WINDOW_CASES)
def test_at_or_after_the_start_is_refused(start, opens):
    for now in (start, start + ONE_MINUTE, start + timedelta(days=30)):
        with pytest.raises(DomainError) as excinfo:
            check_emergency_window(now, start)
        assert excinfo.value.rule == "R-STEP4-1"


# --- R-STEP4-2: only VDAB and the local governments, and they must agree ----------------


@pytest.mark.parametrize("scores", [{V: 2, E: 2}, {L: 2, E: 2}, {E: 2}])
def test_an_external_cannot_stand_in_for_vdab_or_the_local_government(scores):
    """R-STEP4-2: only VDAB and the local governments decide; an external's score never
    completes an agreement, whoever else agrees with it."""
    assert emergency_agreed_score(scores) is None
    assert emergency_agreed_score({**scores, V: 2, L: 2}) == 2


def test_agreed_score_when_vdab_and_local_government_give_the_same():
    assert emergency_agreed_score({V: 3, L: 3}) == 3
    assert emergency_agreed_score({V: 1, L: 1}) == 1


def test_no_score_when_vdab_and_local_government_disagree():
    """R-STEP4-2: disagreement gives no score (this system's reading)."""
    assert emergency_agreed_score({V: 3, L: 4}) is None


def test_no_score_while_one_of_them_is_missing():
    assert emergency_agreed_score({V: 3}) is None
    assert emergency_agreed_score({L: 3}) is None
    assert emergency_agreed_score({}) is None


def test_external_is_ignored_in_the_emergency_procedure():
    """R-STEP4-2: an external score neither makes nor breaks agreement."""
    assert emergency_agreed_score({V: 4, L: 4, E: 1}) == 4
    assert emergency_agreed_score({V: 4, L: 2, E: 4}) is None
    assert emergency_agreed_score({V: 3, E: 3}) is None


def test_agreed_score_out_of_scale_is_refused():
    with pytest.raises(DomainError):
        emergency_agreed_score({V: 5, L: 5})


@pytest.mark.parametrize(("cc", "fit", "expected"), [
    (3, 3, True), (4, 3, True), (3, 2, False), (2, 4, False),
])
def test_emergency_selection_needs_three_or_four_on_both(cc, fit, expected):
    """R-STEP4-1: partners scoring 3 or 4 are selected."""
    assert emergency_selected({CC: cc, FIT: fit}) is expected


# --- R-STEP4-1: ranking when several partners qualify -----------------------------------

MOTIVATION = "Partner A heeft de sterkste lokale verankering."


def test_one_selected_partner_needs_no_ranking():
    assert check_emergency_ranking(["A"], [], None) is None
    assert check_emergency_ranking([], [], None) is None


def test_one_selected_partner_with_a_ranking_is_refused():
    with pytest.raises(DomainError) as excinfo:
        check_emergency_ranking(["A"], ["A"], MOTIVATION)
    assert excinfo.value.rule == "R-STEP4-1"
    assert excinfo.value.field == "ranking"


def test_several_selected_partners_with_full_ranking_and_motivation_pass():
    assert check_emergency_ranking(["A", "B", "C"], ["C", "A", "B"], MOTIVATION) is None


@pytest.mark.parametrize("ranking", [
    [], ["A"], ["A", "B"], ["A", "B", "D"], ["A", "A", "B"], ["A", "B", "C", "C"],
])
def test_several_selected_need_every_partner_ranked_exactly_once(ranking):
    with pytest.raises(DomainError) as excinfo:
        check_emergency_ranking(["A", "B", "C"], ranking, MOTIVATION)
    assert excinfo.value.rule == "R-STEP4-1"
    assert excinfo.value.field == "ranking"


@pytest.mark.parametrize("motivation", [None, "", "kort"])
def test_several_selected_need_a_motivated_ranking(motivation):
    with pytest.raises(DomainError) as excinfo:
        check_emergency_ranking(["A", "B"], ["B", "A"], motivation)
    assert excinfo.value.rule == "R-JURY-6"
    assert str(excinfo.value).endswith("voor elke rangschikking.")


# --- R-STEP4-1: fit for partnership also on the behaviour observed in step 4 ------------

@pytest.mark.parametrize("text, ok", [
    ("", False), (None, False), ("   kort    ", False), ("x" * 9, False), ("x" * 10, True),
    ("  Kwam niet naar twee werkgroepen.  ", True)])
def test_fit_for_partnership_describes_the_behaviour_in_step_4(text, ok):
    if ok:
        assert check_observed_behaviour(FIT, text) == text.strip()
    else:
        with pytest.raises(DomainError, match="gedrag") as refused:
            check_observed_behaviour(FIT, text)
        assert refused.value.field == "observed_behaviour" and refused.value.rule == "R-STEP4-1"


def test_crucial_contribution_has_no_behaviour():
    assert check_observed_behaviour(CC, "") is None
    assert check_observed_behaviour(CC, "   ") is None
    with pytest.raises(DomainError, match="enkel bij fit for partnership"):
        check_observed_behaviour(CC, "Gedrag dat hier niet hoort.")
