"""Issues 12 and 13: the rules of corrections, of addendum changes after a submission, and
of the procedure a later one changes (R-DYN-1), at their boundaries."""

from datetime import UTC, datetime, timedelta

import pytest

from matching.candidacies.rules import (
    CandidacyState,
    answers_outdated,
    check_correctable,
    check_editable,
    correction_lapsed,
)
from matching.core.errors import DomainError
from workareas.rules import check_changes_procedure

DEADLINE = datetime(2025, 3, 1, 22, 59, 59, tzinfo=UTC)
S = CandidacyState


def test_a_correction_opens_until_the_deadline_instant_itself():
    check_correctable(S.SUBMITTED, False, True, DEADLINE, DEADLINE)
    with pytest.raises(DomainError, match="verstreken"):
        check_correctable(S.SUBMITTED, False, True, DEADLINE + timedelta(microseconds=1),
                          DEADLINE)


@pytest.mark.parametrize("state", [s for s in S if s != S.SUBMITTED])
def test_only_a_submitted_candidacy_is_corrected(state):
    with pytest.raises(DomainError, match="ingediende kandidatuur"):
        check_correctable(state, False, True, DEADLINE - timedelta(days=1), DEADLINE)


def test_no_second_correction_and_none_after_the_intake_closed():
    early = DEADLINE - timedelta(days=1)
    with pytest.raises(DomainError, match="al een correctie"):
        check_correctable(S.SUBMITTED, True, True, early, DEADLINE)
    with pytest.raises(DomainError, match="afgesloten"):
        check_correctable(S.SUBMITTED, False, False, early, DEADLINE)


def test_a_submitted_candidacy_is_edited_only_in_a_correction_and_before_the_deadline():
    check_editable(S.DRAFT, DEADLINE, DEADLINE)
    check_editable(S.SUBMITTED, DEADLINE, DEADLINE, correcting=True)
    with pytest.raises(DomainError, match="correctie"):
        check_editable(S.SUBMITTED, DEADLINE, DEADLINE)
    with pytest.raises(DomainError, match="verstreken"):
        check_editable(S.SUBMITTED, DEADLINE + timedelta(seconds=1), DEADLINE, correcting=True)
    with pytest.raises(DomainError):
        check_editable(S.WITHDRAWN, DEADLINE, DEADLINE, correcting=True)


def test_a_correction_lapses_just_after_the_deadline():
    assert not correction_lapsed(True, DEADLINE, DEADLINE)
    assert correction_lapsed(True, DEADLINE + timedelta(microseconds=1), DEADLINE)
    assert not correction_lapsed(False, DEADLINE + timedelta(days=1), DEADLINE)


def test_answers_are_outdated_by_a_later_substantive_version_only():
    assert not answers_outdated(2, [2])
    assert answers_outdated(2, [3])
    assert not answers_outdated(3, [2])
    assert not answers_outdated(1, [])
    assert not answers_outdated(None, [2])  # submitted before versions were kept


def test_a_later_procedure_changes_a_ratified_procedure_of_its_own_work_area():
    check_changes_procedure(True, True)
    with pytest.raises(DomainError, match="hetzelfde werkingsgebied") as error:
        check_changes_procedure(False, True)
    assert error.value.rule == "R-DYN-1"
    with pytest.raises(DomainError, match="bekrachtigde"):
        check_changes_procedure(True, False)
