"""Who may apply and what a candidacy holds (matching/candidacy_rules.py): R-CAND-1..3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matching.accounts.rules import OrganisationKind
from matching.candidacies.rules import (
    DECLARATION_TEXTS,
    CandidacyState,
    Declaration,
    check_answers,
    check_before_deadline,
    check_contributions,
    check_declarations,
    check_may_apply,
    check_single_candidacy,
    check_withdrawable,
)
from matching.core.dates import BRUSSELS
from matching.core.errors import DomainError, TransitionError

ALL_DECLARED = {d: True for d in Declaration}
LONG = "Wij bieden trajectbegeleiding voor anderstalige werkzoekenden."


# --- R-CAND-2 who may apply --------------------------------------------------------------


@pytest.mark.parametrize("involved", [True, False])
def test_vdab_may_never_apply(involved):
    """R-CAND-2: VDAB is a fixed partner and cannot apply."""
    with pytest.raises(DomainError) as excinfo:
        check_may_apply(OrganisationKind.VDAB, involved)
    assert excinfo.value.rule == "R-CAND-2"
    assert "VDAB" in str(excinfo.value)


def test_local_government_involved_in_step_2_may_not_apply():
    with pytest.raises(DomainError) as excinfo:
        check_may_apply(OrganisationKind.LOCAL_GOVERNMENT, True)
    assert excinfo.value.rule == "R-CAND-2"
    assert "stap 2" in str(excinfo.value)


def test_local_government_not_involved_may_apply():
    """R-CAND-2: only the local governments involved from step 2 are excluded."""
    assert check_may_apply(OrganisationKind.LOCAL_GOVERNMENT, False) is None


@pytest.mark.parametrize("involved", [True, False])
def test_other_organisations_may_apply(involved):
    assert check_may_apply(OrganisationKind.OTHER, involved) is None


# --- R-CAND-1 one candidacy, individually -----------------------------------------------


def test_first_candidacy_is_accepted():
    assert check_single_candidacy(0) is None


@pytest.mark.parametrize("existing", [1, 2])
def test_second_candidacy_is_refused(existing):
    """R-CAND-1: one candidacy per organisation per work area."""
    with pytest.raises(DomainError) as excinfo:
        check_single_candidacy(existing)
    assert excinfo.value.rule == "R-CAND-1"


def test_all_declarations_made_is_accepted():
    assert check_declarations(ALL_DECLARED) is None


@pytest.mark.parametrize("missing", list(Declaration))
def test_missing_declaration_is_refused_and_named(missing):
    """R-CAND-1/2: each declaration (individual, not invoice-only, commitment) is needed."""
    declared = {**ALL_DECLARED, missing: False}
    with pytest.raises(DomainError) as excinfo:
        check_declarations(declared)
    error = excinfo.value
    assert error.field == "declarations"
    assert str(error) == f"Bevestig alle verklaringen voor u indient: {DECLARATION_TEXTS[missing]}"
    # Absent from the mapping counts as not declared as well.
    absent = {d: True for d in Declaration if d != missing}
    with pytest.raises(DomainError):
        check_declarations(absent)


def test_no_declarations_lists_all_of_them():
    with pytest.raises(DomainError) as excinfo:
        check_declarations({})
    message = str(excinfo.value)
    for text in DECLARATION_TEXTS.values():
        assert text in message


# --- R-CAND-3 deadline --------------------------------------------------------------------

DEADLINE = datetime(2024, 4, 12, 12, 0, tzinfo=BRUSSELS)  # 10:00 UTC (CEST)


def test_submission_at_the_deadline_instant_is_accepted():
    """R-CAND-3: the deadline instant itself is on time."""
    assert check_before_deadline(DEADLINE, DEADLINE) is None
    assert check_before_deadline(datetime(2024, 4, 12, 10, 0, tzinfo=UTC), DEADLINE) is None
    assert check_before_deadline(DEADLINE - timedelta(days=3), DEADLINE) is None


def test_submission_one_second_after_the_deadline_is_refused():
    with pytest.raises(DomainError) as excinfo:
        check_before_deadline(DEADLINE + timedelta(seconds=1), DEADLINE)
    assert excinfo.value.rule == "R-CAND-3"
    assert str(excinfo.value) == (
        "De deadline voor kandidaturen (12-04-2024 12:00) is verstreken."
    )


def test_deadline_is_compared_as_instants_not_wall_clock():
    """R-CAND-3: 10:00:01 UTC is 12:00:01 in Brussels: too late."""
    with pytest.raises(DomainError):
        check_before_deadline(datetime(2024, 4, 12, 10, 0, 1, tzinfo=UTC), DEADLINE)


# --- R-CAND-3 contributions and answers ---------------------------------------------------


def test_contribution_per_offered_challenge_is_accepted():
    assert check_contributions({1: LONG}, {1, 2}) is None
    assert check_contributions({1: LONG, 2: LONG}, {1, 2}) is None


def test_no_contribution_is_refused():
    """R-CAND-3: one or more regional challenges must be chosen."""
    with pytest.raises(DomainError) as excinfo:
        check_contributions({}, {1, 2})
    assert excinfo.value.rule == "R-CAND-3"
    assert excinfo.value.field == "contributions"
    assert "minstens één regio-uitdaging" in str(excinfo.value)


def test_contribution_to_an_unknown_challenge_is_refused():
    with pytest.raises(DomainError) as excinfo:
        check_contributions({1: LONG, 99: LONG}, {1, 2})
    assert excinfo.value.rule == "R-CAND-3"
    assert "hoort niet bij dit addendum" in str(excinfo.value)


@pytest.mark.parametrize("text", [None, "", "   ", "Te korte bijdrage.",
                                  " " * 5 + "x" * 19 + " " * 5])
def test_too_short_contribution_is_refused(text):
    """R-CAND-3: at least 20 characters (after stripping) per chosen challenge."""
    with pytest.raises(DomainError) as excinfo:
        check_contributions({1: LONG, 2: text}, {1, 2})
    assert excinfo.value.rule == "R-CAND-3"
    assert "minstens 20 tekens" in str(excinfo.value)


def test_contribution_of_exactly_20_characters_is_accepted():
    assert check_contributions({1: "  " + "x" * 20 + "  "}, {1}) is None


def test_every_assessment_question_must_be_answered():
    keys = ["q1", "q2", "q3"]
    assert check_answers({"q1": "a", "q2": "b", "q3": "c"}, keys) is None
    with pytest.raises(DomainError) as excinfo:
        check_answers({"q1": "a", "q2": "  "}, keys)
    assert excinfo.value.field == "answers"
    assert str(excinfo.value) == "Beantwoord elke beoordelingsvraag (2 nog leeg)."


@pytest.mark.parametrize("state", [CandidacyState.DRAFT, CandidacyState.SUBMITTED,
                                   CandidacyState.SELECTED_FOR_PITCH,
                                   CandidacyState.NOT_SELECTED_R1,
                                   CandidacyState.NOT_SELECTED_R2])
def test_withdrawal_until_the_final_decision(state):
    """DOMAIN.md: withdrawn by the applicant any time before the final decision."""
    assert check_withdrawable(state, procedure_ratified=False) is None


def test_no_withdrawal_after_the_final_decision():
    """Admitted to step 4, or the procedure ratified: the decision is final."""
    with pytest.raises(DomainError, match="finale beslissing"):
        check_withdrawable(CandidacyState.ADMITTED_TO_STEP4, procedure_ratified=False)
    with pytest.raises(DomainError, match="finale beslissing"):
        check_withdrawable(CandidacyState.NOT_SELECTED_R1, procedure_ratified=True)


@pytest.mark.parametrize("state", [CandidacyState.WITHDRAWN, CandidacyState.INADMISSIBLE])
def test_no_withdrawal_without_the_step_in_the_state_machine(state):
    with pytest.raises(TransitionError):
        check_withdrawable(state, procedure_ratified=False)


def test_a_blocker_refuses_the_withdrawal_with_its_own_message():
    """An appeal under way (appeals answers the signal) blocks it, in its own words."""
    with pytest.raises(DomainError, match="lopend weerwoord"):
        check_withdrawable(CandidacyState.NOT_SELECTED_R1, procedure_ratified=False,
                           blockers=["Deze kandidatuur heeft een lopend weerwoord."])


# --- R-CAND-2 from the data: a local government with its seat in the work area (issue 11) ---

AREA = frozenset({"41002", "41082", "41034"})  # Aalst, Erpe-Mere, Lede


@pytest.mark.parametrize("kind", [OrganisationKind.MUNICIPALITY, OrganisationKind.OCMW,
                                  OrganisationKind.LOCAL_GOVERNMENT])
def test_a_local_government_with_its_seat_in_the_work_area_may_not_apply(kind):
    with pytest.raises(DomainError) as excinfo:
        check_may_apply(kind, False, "41082", AREA)
    assert excinfo.value.rule == "R-CAND-2" and "zetel in het werkingsgebied" in str(
        excinfo.value)


@pytest.mark.parametrize("kind", [OrganisationKind.MUNICIPALITY, OrganisationKind.OCMW,
                                  OrganisationKind.LOCAL_GOVERNMENT])
def test_a_local_government_with_its_seat_elsewhere_or_unknown_may_apply(kind):
    assert check_may_apply(kind, False, "44021", AREA) is None  # Gent: another area
    assert check_may_apply(kind, False, None, AREA) is None  # no seat known: the list decides
    assert check_may_apply(kind, False, "41082", frozenset()) is None


@pytest.mark.parametrize("kind", [OrganisationKind.NONPROFIT, OrganisationKind.COMPANY,
                                  OrganisationKind.EDUCATION, OrganisationKind.OTHER])
def test_other_kinds_with_their_seat_in_the_work_area_may_apply(kind):
    assert check_may_apply(kind, False, "41002", AREA) is None


def test_the_administrators_list_still_excludes_without_a_seat():
    with pytest.raises(DomainError, match="stap 2"):
        check_may_apply(OrganisationKind.OCMW, True, None, AREA)
    with pytest.raises(DomainError, match="VDAB"):
        check_may_apply(OrganisationKind.VDAB, False, "44021", AREA)


def test_is_local_government_of_work_area_at_its_boundaries():
    from matching.candidacies.rules import is_local_government_of_work_area as of_area
    assert of_area(OrganisationKind.MUNICIPALITY, "41002", AREA)
    assert not of_area(OrganisationKind.MUNICIPALITY, "41003", AREA)
    assert not of_area(OrganisationKind.NONPROFIT, "41002", AREA)
    assert not of_area(OrganisationKind.VDAB, "41002", AREA)  # VDAB: its own rule
    assert not of_area(OrganisationKind.OCMW, None, AREA)
