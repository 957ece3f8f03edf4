"""The state machines (matching/statemachine.py): every step in the tables goes where
the table says, every other step is refused with a TransitionError naming state and step
(DOMAIN.md: "a transition not in the table is refused with a clear message")."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeals.rules import (
    APPEAL_TRANSITIONS,
    OPEN_APPEAL_STATES,
    AppealState,
    AppealStep,
    next_appeal_state,
)
from matching.candidacies.rules import (
    CANDIDACY_TRANSITIONS,
    FINAL_CANDIDACY_STATES,
    NOT_SELECTED_STATE,
    ROUND_ENTRY_STATE,
    CandidacyState,
    CandidacyStep,
    allowed_candidacy_steps,
    next_candidacy_state,
)
from matching.core.errors import DomainError, TransitionError
from workareas.rules import (
    PROCEDURE_TRANSITIONS,
    ProcedureState,
    ProcedureStep,
    next_procedure_state,
)

C, CS = CandidacyState, CandidacyStep
P, PS = ProcedureState, ProcedureStep
A, AS = AppealState, AppealStep

MACHINES = [
    pytest.param(CandidacyState, CandidacyStep, CANDIDACY_TRANSITIONS, next_candidacy_state,
                 "kandidatuur", id="candidacy"),
    pytest.param(ProcedureState, ProcedureStep, PROCEDURE_TRANSITIONS, next_procedure_state,
                 "procedure", id="procedure"),
    pytest.param(AppealState, AppealStep, APPEAL_TRANSITIONS, next_appeal_state,
                 "weerwoord", id="appeal"),
]


def _pairs(states, steps, table, allowed: bool):
    return [(s, t) for s, t in product(states, steps) if ((s, t) in table) == allowed]


@pytest.mark.parametrize(("states", "steps", "table", "next_state", "kind"), MACHINES)
def test_every_pair_in_the_table_returns_the_tables_target(states, steps, table, next_state,
                                                           kind):
    pairs = _pairs(states, steps, table, allowed=True)
    assert pairs, "the table is not empty"
    for state, step in pairs:
        assert next_state(state, step) is table[(state, step)]


@pytest.mark.parametrize(("states", "steps", "table", "next_state", "kind"), MACHINES)
def test_every_pair_not_in_the_table_is_refused_naming_state_and_step(states, steps, table,
                                                                      next_state, kind):
    pairs = _pairs(states, steps, table, allowed=False)
    assert len(pairs) == len(states) * len(steps) - len(table)
    for state, step in pairs:
        with pytest.raises(TransitionError) as excinfo:
            next_state(state, step)
        message = str(excinfo.value)
        assert message == (
            f"Stap '{step.value}' is niet toegestaan voor een {kind} in toestand "
            f"'{state.value}'."
        )
        assert isinstance(excinfo.value, DomainError)
        assert excinfo.value.params == {"kind": kind, "step": step.value, "state": state.value}


@given(state=st.sampled_from(CandidacyState), step=st.sampled_from(CandidacyStep))
def test_candidacy_step_property(state, step):
    """Hypothesis: a candidacy step either follows the table or is refused."""
    if (state, step) in CANDIDACY_TRANSITIONS:
        assert next_candidacy_state(state, step) == CANDIDACY_TRANSITIONS[(state, step)]
        assert step in allowed_candidacy_steps(state)
    else:
        with pytest.raises(TransitionError, match=f"'{step.value}'.*'{state.value}'"):
            next_candidacy_state(state, step)
        assert step not in allowed_candidacy_steps(state)


# --- the transitions DOMAIN.md draws ---------------------------------------------------------


def test_procedure_runs_from_draft_to_ratified():
    state = P.DRAFT
    path = [PS.PUBLISH, PS.CLOSE_CANDIDACIES, PS.START_ROUND_1, PS.CLOSE_ROUND_1,
            PS.CLOSE_ROUND_2, PS.RATIFY]
    seen = [state]
    for step in path:
        state = next_procedure_state(state, step)
        seen.append(state)
    assert seen == [P.DRAFT, P.PUBLISHED, P.CANDIDACY_CLOSED, P.ROUND_1, P.ROUND_2,
                    P.DECIDED, P.RATIFIED]


def test_procedure_cannot_skip_or_go_back():
    for state, step in [(P.DRAFT, PS.START_ROUND_1), (P.PUBLISHED, PS.RATIFY),
                        (P.RATIFIED, PS.PUBLISH), (P.ROUND_2, PS.CLOSE_ROUND_1),
                        (P.RATIFIED, PS.CLOSE_ROUND_2)]:
        with pytest.raises(TransitionError):
            next_procedure_state(state, step)


def test_reversed_candidacy_after_round_1_can_get_its_round_2_decision_after_decided():
    """DOMAIN.md reading: a candidacy reversed after round 1 gets its own round 2."""
    assert next_procedure_state(P.DECIDED, PS.CLOSE_ROUND_2) is P.DECIDED


@pytest.mark.parametrize(("state", "step", "target"), [
    (C.DRAFT, CS.SUBMIT, C.SUBMITTED),
    (C.SUBMITTED, CS.SELECT_R1, C.SELECTED_FOR_PITCH),
    (C.SUBMITTED, CS.REJECT_R1, C.NOT_SELECTED_R1),
    (C.SUBMITTED, CS.DECLARE_INADMISSIBLE, C.INADMISSIBLE),
    (C.SELECTED_FOR_PITCH, CS.ADMIT_R2, C.ADMITTED_TO_STEP4),
    (C.SELECTED_FOR_PITCH, CS.REJECT_R2, C.NOT_SELECTED_R2),
    # "reversed after round 1 → selected_for_pitch; reversed after round 2 → admitted_to_step4"
    (C.NOT_SELECTED_R1, CS.REVERSE_ON_APPEAL, C.SELECTED_FOR_PITCH),
    (C.NOT_SELECTED_R2, CS.REVERSE_ON_APPEAL, C.ADMITTED_TO_STEP4),
])
def test_candidacy_transitions_of_domain_md(state, step, target):
    assert next_candidacy_state(state, step) is target


@pytest.mark.parametrize("state", [C.DRAFT, C.SUBMITTED, C.SELECTED_FOR_PITCH])
def test_withdraw_before_the_final_decision(state):
    assert next_candidacy_state(state, CS.WITHDRAW) is C.WITHDRAWN


@pytest.mark.parametrize("state", [C.ADMITTED_TO_STEP4, C.WITHDRAWN, C.INADMISSIBLE])
def test_no_withdraw_after_admission_or_from_a_closed_state(state):
    with pytest.raises(TransitionError):
        next_candidacy_state(state, CS.WITHDRAW)


@pytest.mark.parametrize(("state", "step"), [
    (C.SUBMITTED, CS.ADMIT_R2),            # round 2 without round 1
    (C.NOT_SELECTED_R1, CS.ADMIT_R2),
    (C.SUBMITTED, CS.REVERSE_ON_APPEAL),   # appeal without a non-selection
    (C.SELECTED_FOR_PITCH, CS.REVERSE_ON_APPEAL),
    (C.ADMITTED_TO_STEP4, CS.REVERSE_ON_APPEAL),
    (C.INADMISSIBLE, CS.REVERSE_ON_APPEAL),
    (C.WITHDRAWN, CS.SUBMIT),
    (C.SUBMITTED, CS.SUBMIT),              # no second submission
])
def test_candidacy_steps_outside_the_procedure_are_refused(state, step):
    with pytest.raises(TransitionError):
        next_candidacy_state(state, step)


def test_candidacy_terminal_states_allow_nothing():
    assert allowed_candidacy_steps(C.ADMITTED_TO_STEP4) == frozenset()
    assert allowed_candidacy_steps(C.WITHDRAWN) == frozenset()
    assert allowed_candidacy_steps(C.INADMISSIBLE) == frozenset()
    assert allowed_candidacy_steps(C.NOT_SELECTED_R1) == {CS.WITHDRAW, CS.REVERSE_ON_APPEAL}


def test_appeal_runs_filed_review_then_confirm_or_reverse():
    review = next_appeal_state(A.FILED, AS.ASSIGN_PANEL)
    assert review is A.UNDER_REVIEW
    assert next_appeal_state(review, AS.CONFIRM) is A.CONFIRMED
    assert next_appeal_state(review, AS.REVERSE) is A.REVERSED
    with pytest.raises(TransitionError):
        next_appeal_state(A.FILED, AS.REVERSE)  # no decision without a panel
    with pytest.raises(TransitionError):
        next_appeal_state(A.CONFIRMED, AS.REVERSE)  # no second decision


def test_round_and_final_state_constants():
    assert ROUND_ENTRY_STATE == {1: C.SUBMITTED, 2: C.SELECTED_FOR_PITCH}
    assert NOT_SELECTED_STATE == {1: C.NOT_SELECTED_R1, 2: C.NOT_SELECTED_R2}
    assert C.SELECTED_FOR_PITCH not in FINAL_CANDIDACY_STATES
    assert C.SUBMITTED not in FINAL_CANDIDACY_STATES
    assert C.ADMITTED_TO_STEP4 in FINAL_CANDIDACY_STATES
    assert OPEN_APPEAL_STATES == {A.FILED, A.UNDER_REVIEW}
    # Every state a table step leads to is a known state.
    assert set(CANDIDACY_TRANSITIONS.values()) <= set(CandidacyState)
