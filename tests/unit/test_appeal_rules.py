"""The appeal (weerwoord), appeals/rules.py: grounds R-APP-2, panel and outcome R-APP-3.
The window R-APP-1 is tested with the other dates in test_dates.py."""

from __future__ import annotations

import pytest

from appeals.rules import Position, appeal_outcome, check_grounds, check_panel
from matching.core.errors import DomainError

JURY = {"jury-vdab", "jury-lb", "jury-ext"}
GROUNDS = "De jury heeft bijlage 2 (het jaarverslag) niet meegenomen."


# --- R-APP-2 grounds --------------------------------------------------------------------------


def test_material_error_with_referenced_documentation_is_accepted():
    assert check_grounds(GROUNDS, ["jaarverslag-2023.pdf"]) is None


@pytest.mark.parametrize("grounds", [None, "", "   ", "Niet akkoord."])
def test_short_or_empty_grounds_are_refused(grounds):
    with pytest.raises(DomainError) as excinfo:
        check_grounds(grounds, ["jaarverslag-2023.pdf"])
    assert excinfo.value.rule == "R-APP-2"
    assert excinfo.value.field == "grounds"


@pytest.mark.parametrize("documents", [[], [""], ["  "]])
def test_grounds_without_documentation_are_refused(documents):
    """R-APP-2: only documentation not (sufficiently) taken into account."""
    with pytest.raises(DomainError) as excinfo:
        check_grounds(GROUNDS, documents)
    assert excinfo.value.rule == "R-APP-2"
    assert excinfo.value.field == "referenced_documents"


# --- R-APP-3 panel ----------------------------------------------------------------------------


def test_two_independent_matchmakers_not_on_the_jury_are_accepted():
    assert check_panel(["panel-a", "panel-b"], JURY, conflicted=set()) is None


@pytest.mark.parametrize("panel", [
    ["jury-vdab", "panel-b"], ["panel-a", "jury-ext"], ["jury-lb", "jury-ext"],
])
def test_panel_member_who_sat_on_the_jury_is_refused(panel):
    """R-APP-3: "die niet in de originele jury zaten"."""
    with pytest.raises(DomainError) as excinfo:
        check_panel(panel, JURY, conflicted=set())
    assert excinfo.value.rule == "R-APP-3"
    assert excinfo.value.field == "panel"
    assert str(excinfo.value) == (
        "Een matchmaker van de oorspronkelijke jury kan het weerwoord niet beoordelen."
    )


@pytest.mark.parametrize("panel", [[], ["panel-a"], ["panel-a", "panel-a"],
                                   ["panel-a", "panel-b", "panel-c"]])
def test_panel_must_be_exactly_two_different_matchmakers(panel):
    """R-APP-3: two matchmakers; a panel of one, or one person twice, is refused."""
    with pytest.raises(DomainError) as excinfo:
        check_panel(panel, JURY, conflicted=set())
    assert excinfo.value.rule == "R-APP-3"
    assert str(excinfo.value) == (
        "Een weerwoord wordt beoordeeld door precies twee verschillende matchmakers."
    )


def test_conflicted_panel_member_is_refused():
    with pytest.raises(DomainError) as excinfo:
        check_panel(["panel-a", "panel-b"], JURY, conflicted={"panel-b"})
    assert excinfo.value.rule == "R-APP-3"
    assert "belangenconflict" in str(excinfo.value)


# --- R-APP-3 outcome --------------------------------------------------------------------------

R, C = Position.REVERSE, Position.CONFIRM


def test_both_reverse_reverses():
    assert appeal_outcome([R, R]) == Position.REVERSE


@pytest.mark.parametrize("positions", [[R, C], [C, R]])
def test_split_panel_confirms(positions):
    """R-APP-3: this system reverses only when both agree."""
    assert appeal_outcome(positions) == Position.CONFIRM


def test_both_confirm_confirms():
    assert appeal_outcome([C, C]) == Position.CONFIRM


@pytest.mark.parametrize("positions", [[], [R], [C]])
def test_no_outcome_while_a_position_is_missing(positions):
    assert appeal_outcome(positions) is None


def test_positions_as_stored_strings():
    assert appeal_outcome(["reverse", "reverse"]) == Position.REVERSE
    assert appeal_outcome(["reverse", "confirm"]) == Position.CONFIRM


def test_appeal_in_the_last_second_of_day_14_is_on_time():
    """R-APP-1: the whole second 23:59:59 of day 14 counts (23:59:59.5 is on time)."""
    from datetime import datetime

    from matching.candidacies.rules import appeal_is_on_time
    from matching.core.dates import BRUSSELS

    received = datetime(2025, 1, 6, 10, 0, tzinfo=BRUSSELS)
    assert appeal_is_on_time(received, datetime(2025, 1, 20, 23, 59, 59, 500000, tzinfo=BRUSSELS))
    assert not appeal_is_on_time(received, datetime(2025, 1, 21, 0, 0, 0, tzinfo=BRUSSELS))
