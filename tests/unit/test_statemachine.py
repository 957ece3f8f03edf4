"""The three state machines against DOMAIN.md ("The procedure as a state machine"), not
against their own tables: the allowed steps are written out below from DOMAIN.md, every
one must lead where DOMAIN.md says, and every other step of every state must be refused
with a TransitionError naming the state and the step ("a transition not in the table is
refused with a clear message"). A step added to, dropped from or re-targeted in a table
(workareas/rules.py, matching/candidacies/rules.py, appeals/rules.py) fails here."""

from __future__ import annotations

from itertools import product

import pytest

from appeals.rules import (
    APPEAL_STATE_LABELS,
    OPEN_APPEAL_STATES,
    AppealState,
    AppealStep,
    next_appeal_state,
)
from matching.candidacies.rules import (
    CANDIDACY_STATE_LABELS,
    FINAL_CANDIDACY_STATES,
    NOT_SELECTED_STATE,
    ROUND_ENTRY_STATE,
    CandidacyState,
    CandidacyStep,
    allowed_candidacy_steps,
    appeal_round,
    next_candidacy_state,
)
from matching.core.errors import DomainError, Label, TransitionError
from workareas.rules import (
    PROCEDURE_STATE_LABELS,
    ProcedureState,
    ProcedureStep,
    next_procedure_state,
)

C, CS = CandidacyState, CandidacyStep
P, PS = ProcedureState, ProcedureStep
A, AS = AppealState, AppealStep

# --- the transitions as DOMAIN.md draws them --------------------------------------------------

#: "draft → published (needs public) → candidacy closed → round 1 → round 2 → decided →
#: ratified"; and the reading "a candidacy reversed after round 1 gets its own pitch and
#: round-2 decision", also once the others are decided.
PROCEDURE_STEPS = {
    (P.DRAFT, PS.PUBLISH): P.PUBLISHED,
    (P.PUBLISHED, PS.CLOSE_CANDIDACIES): P.CANDIDACY_CLOSED,
    (P.CANDIDACY_CLOSED, PS.START_ROUND_1): P.ROUND_1,
    (P.ROUND_1, PS.CLOSE_ROUND_1): P.ROUND_2,
    (P.ROUND_2, PS.CLOSE_ROUND_2): P.DECIDED,
    (P.DECIDED, PS.CLOSE_ROUND_2): P.DECIDED,
    (P.DECIDED, PS.RATIFY): P.RATIFIED,
    # issue 12: an inadmissibility reversed on appeal after round 1 closed gets its own
    # round-1 decision
    (P.ROUND_2, PS.CLOSE_ROUND_1): P.ROUND_2,
    (P.DECIDED, PS.CLOSE_ROUND_1): P.DECIDED,
}

#: The candidacy's diagram: "submitted ─ round-1 jury decision ─┬─ both criteria ≥3 →
#: selected_for_pitch ─ pitch held ─ round-2 decision ─┬─ both ≥3 → admitted_to_step4",
#: "otherwise → not_selected_r1 / not_selected_r2", "reversed after round 1 →
#: selected_for_pitch; reversed after round 2 → admitted_to_step4"; "withdrawn (by the
#: applicant, any time before the final decision)" and "inadmissible (refused at the
#: deadline check)".
CANDIDACY_STEPS = {
    (C.DRAFT, CS.SUBMIT): C.SUBMITTED,
    (C.SUBMITTED, CS.SELECT_R1): C.SELECTED_FOR_PITCH,
    (C.SUBMITTED, CS.REJECT_R1): C.NOT_SELECTED_R1,
    (C.SUBMITTED, CS.DECLARE_INADMISSIBLE): C.INADMISSIBLE,
    (C.SELECTED_FOR_PITCH, CS.ADMIT_R2): C.ADMITTED_TO_STEP4,
    (C.SELECTED_FOR_PITCH, CS.REJECT_R2): C.NOT_SELECTED_R2,
    (C.NOT_SELECTED_R1, CS.REVERSE_ON_APPEAL): C.SELECTED_FOR_PITCH,
    (C.NOT_SELECTED_R2, CS.REVERSE_ON_APPEAL): C.ADMITTED_TO_STEP4,
    # issue 12: an inadmissibility is appealed like a non-selection; reversed, it is assessed
    (C.INADMISSIBLE, CS.REVERSE_ON_APPEAL): C.SUBMITTED,
    # withdrawn before the final decision (a non-selection can still be reversed)
    (C.DRAFT, CS.WITHDRAW): C.WITHDRAWN,
    (C.SUBMITTED, CS.WITHDRAW): C.WITHDRAWN,
    (C.SELECTED_FOR_PITCH, CS.WITHDRAW): C.WITHDRAWN,
    (C.NOT_SELECTED_R1, CS.WITHDRAW): C.WITHDRAWN,
    (C.NOT_SELECTED_R2, CS.WITHDRAW): C.WITHDRAWN,
}

#: "appeal (≤14 days) → confirmed | reversed", judged by a panel of two (R-APP-3).
APPEAL_STEPS = {
    (A.FILED, AS.ASSIGN_PANEL): A.UNDER_REVIEW,
    (A.UNDER_REVIEW, AS.CONFIRM): A.CONFIRMED,
    (A.UNDER_REVIEW, AS.REVERSE): A.REVERSED,
}

MACHINES = {
    "procedure": (ProcedureState, ProcedureStep, PROCEDURE_STEPS, next_procedure_state),
    "kandidatuur": (CandidacyState, CandidacyStep, CANDIDACY_STEPS, next_candidacy_state),
    "weerwoord": (AppealState, AppealStep, APPEAL_STEPS, next_appeal_state),
}

ALLOWED = [pytest.param(kind, state, step, target, id=f"{kind}:{state.value}-{step.value}")
           for kind, (_, _, steps, _) in MACHINES.items()
           for (state, step), target in steps.items()]
REFUSED = [pytest.param(kind, state, step, id=f"{kind}:{state.value}-{step.value}")
           for kind, (states, step_enum, steps, _) in MACHINES.items()
           for state, step in product(states, step_enum) if (state, step) not in steps]


@pytest.mark.parametrize(("kind", "state", "step", "target"), ALLOWED)
def test_each_step_of_domain_md_leads_where_domain_md_says(kind, state, step, target):
    next_state = MACHINES[kind][3]
    assert next_state(state, step) is target


@pytest.mark.parametrize(("kind", "state", "step"), REFUSED)
def test_every_other_step_is_refused_naming_state_and_step(kind, state, step):
    """The state by its label (issue 16: no code on a page), the step for the logs."""
    next_state = MACHINES[kind][3]
    with pytest.raises(TransitionError) as excinfo:
        next_state(state, step)
    error = excinfo.value
    assert isinstance(error, DomainError)  # the pages show it as any refusal
    label = STATE_LABELS[kind][state]
    assert str(error) == f"Dit kan niet in de huidige toestand ({kind}: {label})."
    assert error.params == {"kind": kind, "step": step.value, "state": label}
    assert isinstance(error.params["state"], Label)  # translated when a page shows it


STATE_LABELS = {"procedure": PROCEDURE_STATE_LABELS, "kandidatuur": CANDIDACY_STATE_LABELS,
                "weerwoord": APPEAL_STATE_LABELS}


@pytest.mark.parametrize("kind", list(MACHINES))
def test_every_state_of_the_code_is_a_state_of_domain_md(kind):
    """No state the code knows lies outside DOMAIN.md's diagram (a dead or unknown state)."""
    states, _, allowed, _ = MACHINES[kind]
    on_the_diagram = {state for state, _ in allowed} | set(allowed.values())
    assert set(states) == on_the_diagram, set(states) ^ on_the_diagram


@pytest.mark.parametrize("state", list(CandidacyState))
def test_the_steps_offered_for_a_candidacy_are_those_of_domain_md(state):
    """allowed_candidacy_steps (what the pages offer) is exactly what DOMAIN.md allows."""
    expected = {step for (s, step) in CANDIDACY_STEPS if s == state}
    assert allowed_candidacy_steps(state) == expected


# --- walks through the machines ---------------------------------------------------------------


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
                        (P.RATIFIED, PS.PUBLISH), (P.ROUND_2, PS.START_ROUND_1),
                        (P.RATIFIED, PS.CLOSE_ROUND_2)]:
        with pytest.raises(TransitionError):
            next_procedure_state(state, step)


def test_reversed_candidacy_after_round_1_can_get_its_round_2_decision_after_decided():
    """DOMAIN.md reading: a candidacy reversed after round 1 gets its own round 2."""
    assert next_procedure_state(P.DECIDED, PS.CLOSE_ROUND_2) is P.DECIDED


def test_a_candidacy_reversed_after_round_1_walks_to_step_4():
    """Not selected, reversed on appeal, pitched, admitted: the detour of DOMAIN.md."""
    state = C.DRAFT
    for step in (CS.SUBMIT, CS.REJECT_R1, CS.REVERSE_ON_APPEAL, CS.ADMIT_R2):
        state = next_candidacy_state(state, step)
    assert state is C.ADMITTED_TO_STEP4


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
    (C.INADMISSIBLE, CS.WITHDRAW),  # issue 12: appealable, not withdrawable
    (C.WITHDRAWN, CS.SUBMIT),
    (C.SUBMITTED, CS.SUBMIT),              # no second submission
])
def test_candidacy_steps_outside_the_procedure_are_refused(state, step):
    with pytest.raises(TransitionError):
        next_candidacy_state(state, step)


def test_candidacy_terminal_states_allow_nothing():
    assert allowed_candidacy_steps(C.ADMITTED_TO_STEP4) == frozenset()
    assert allowed_candidacy_steps(C.WITHDRAWN) == frozenset()
    # issue 12: an inadmissibility can only be reversed on appeal
    assert allowed_candidacy_steps(C.INADMISSIBLE) == frozenset({CS.REVERSE_ON_APPEAL})
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


# --- the named states the operations check, against the machines ------------------------------

ROUND_DECISIONS = {1: (CS.SELECT_R1, CS.REJECT_R1), 2: (CS.ADMIT_R2, CS.REJECT_R2)}


@pytest.mark.parametrize("round_no", [1, 2])
def test_the_state_awaiting_a_round_is_the_one_its_decision_can_be_taken_in(round_no):
    """The jury's operations accept a round-N score only in ROUND_ENTRY_STATE[N] and then
    take the round-N decision step: that step must be allowed there, and nowhere else."""
    for step in ROUND_DECISIONS[round_no]:
        takes_it = {s for s in CandidacyState if step in allowed_candidacy_steps(s)}
        assert takes_it == {ROUND_ENTRY_STATE[round_no]}, (round_no, step)


@pytest.mark.parametrize("round_no", [1, 2])
def test_a_non_selection_is_the_state_its_appeal_can_reverse(round_no):
    """The round-N refusal leads to NOT_SELECTED_STATE[N], the state whose appeal is about
    round N (appeal_round) and the only kind of state a reversal starts from."""
    rejected = next_candidacy_state(ROUND_ENTRY_STATE[round_no], ROUND_DECISIONS[round_no][1])
    assert rejected is NOT_SELECTED_STATE[round_no]
    assert appeal_round(rejected) == round_no
    reversible = {s for s in CandidacyState if CS.REVERSE_ON_APPEAL in allowed_candidacy_steps(s)}
    assert reversible == set(NOT_SELECTED_STATE.values()) | {CandidacyState.INADMISSIBLE}


@pytest.mark.parametrize("state", [s for s in CandidacyState
                                   if s not in (C.NOT_SELECTED_R1, C.NOT_SELECTED_R2,
                                                C.INADMISSIBLE)])
def test_only_a_non_selection_or_an_inadmissibility_can_be_appealed(state):
    assert appeal_round(state) is None
    assert appeal_round(C.INADMISSIBLE) == 0  # issue 12: the decision at the deadline check


@pytest.mark.parametrize("state", list(CandidacyState))
def test_a_final_state_is_one_where_nothing_but_an_appeal_or_withdrawal_can_follow(state):
    """FINAL_CANDIDACY_STATES: no submission or jury decision can follow any more."""
    progress = allowed_candidacy_steps(state) - {CS.WITHDRAW, CS.REVERSE_ON_APPEAL}
    assert (state in FINAL_CANDIDACY_STATES) == (not progress), (state, progress)


@pytest.mark.parametrize("state", list(AppealState))
def test_an_appeal_is_open_exactly_while_it_can_still_move(state):
    """OPEN_APPEAL_STATES (which blocks a withdrawal and condition 6) are the states from
    which the appeal still has a step: filed and under review, not confirmed or reversed."""
    can_move = any((state, step) in APPEAL_STEPS for step in AppealStep)
    assert (state in OPEN_APPEAL_STATES) == can_move
    for step in AppealStep:
        if state not in OPEN_APPEAL_STATES:
            with pytest.raises(TransitionError):
                next_appeal_state(state, step)
