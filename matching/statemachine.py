"""The two state machines of the procedure, as explicit transition tables.

Pure module: no Flask, no SQLAlchemy. Models store these enums; operations ask
:func:`next_state` for the target of a step, which refuses any step that is not
in the table with a :class:`TransitionError` naming the state and the step.

Procedure (DOMAIN.md, "The procedure as a state machine"):
``draft → published → candidacy_closed → round_1 → round_2 → decided → ratified``.

Candidacy (call text, section 6, Matchingsproces: "Het matchingsproces bestaat uit
2 rondes" ... "Organisaties worden zowel na ronde 1 als ronde 2 geselecteerd indien
ze een minimale score van 3 halen op zowel 'cruciale bijdrage' als 'fit for
partnership'"), with the appeal (weerwoord) able to reverse a non-selection.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from matching.errors import N_, TransitionError


class ProcedureState(str, enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANDIDACY_CLOSED = "candidacy_closed"
    ROUND_1 = "round_1"
    ROUND_2 = "round_2"
    DECIDED = "decided"
    RATIFIED = "ratified"


PROCEDURE_STATE_LABELS = {
    ProcedureState.DRAFT: N_("in voorbereiding"),
    ProcedureState.PUBLISHED: N_("kandidaturen open"),
    ProcedureState.CANDIDACY_CLOSED: N_("kandidaturen afgesloten"),
    ProcedureState.ROUND_1: N_("ronde 1 (beoordeling op papier)"),
    ProcedureState.ROUND_2: N_("ronde 2 (pitches)"),
    ProcedureState.DECIDED: N_("beslist"),
    ProcedureState.RATIFIED: N_("bekrachtigd door Europa WSE"),
}


class ProcedureStep(str, enum.Enum):
    PUBLISH = "publish"
    CLOSE_CANDIDACIES = "close_candidacies"
    START_ROUND_1 = "start_round_1"
    CLOSE_ROUND_1 = "close_round_1"
    CLOSE_ROUND_2 = "close_round_2"
    RATIFY = "ratify"


class CandidacyState(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    INADMISSIBLE = "inadmissible"
    WITHDRAWN = "withdrawn"
    SELECTED_FOR_PITCH = "selected_for_pitch"
    NOT_SELECTED_R1 = "not_selected_r1"
    ADMITTED_TO_STEP4 = "admitted_to_step4"
    NOT_SELECTED_R2 = "not_selected_r2"


class CandidacyStep(str, enum.Enum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    DECLARE_INADMISSIBLE = "declare_inadmissible"
    SELECT_R1 = "select_r1"
    REJECT_R1 = "reject_r1"
    ADMIT_R2 = "admit_r2"
    REJECT_R2 = "reject_r2"
    REVERSE_ON_APPEAL = "reverse_on_appeal"


class AppealState(str, enum.Enum):
    FILED = "filed"
    UNDER_REVIEW = "under_review"
    CONFIRMED = "confirmed"
    REVERSED = "reversed"


class AppealStep(str, enum.Enum):
    ASSIGN_PANEL = "assign_panel"
    CONFIRM = "confirm"
    REVERSE = "reverse"


P, PS = ProcedureState, ProcedureStep
PROCEDURE_TRANSITIONS: Mapping[tuple[ProcedureState, ProcedureStep], ProcedureState] = {
    (P.DRAFT, PS.PUBLISH): P.PUBLISHED,
    (P.PUBLISHED, PS.CLOSE_CANDIDACIES): P.CANDIDACY_CLOSED,
    (P.CANDIDACY_CLOSED, PS.START_ROUND_1): P.ROUND_1,
    (P.ROUND_1, PS.CLOSE_ROUND_1): P.ROUND_2,
    (P.ROUND_2, PS.CLOSE_ROUND_2): P.DECIDED,
    # A candidacy reversed on appeal after round 1 gets its own pitch and round-2
    # decision, also when the others were decided already (DOMAIN.md, readings).
    (P.DECIDED, PS.CLOSE_ROUND_2): P.DECIDED,
    (P.DECIDED, PS.RATIFY): P.RATIFIED,
}

C, CS = CandidacyState, CandidacyStep
CANDIDACY_TRANSITIONS: Mapping[tuple[CandidacyState, CandidacyStep], CandidacyState] = {
    (C.DRAFT, CS.SUBMIT): C.SUBMITTED,
    (C.DRAFT, CS.WITHDRAW): C.WITHDRAWN,
    (C.SUBMITTED, CS.WITHDRAW): C.WITHDRAWN,
    (C.SUBMITTED, CS.DECLARE_INADMISSIBLE): C.INADMISSIBLE,
    (C.SUBMITTED, CS.SELECT_R1): C.SELECTED_FOR_PITCH,
    (C.SUBMITTED, CS.REJECT_R1): C.NOT_SELECTED_R1,
    (C.SELECTED_FOR_PITCH, CS.WITHDRAW): C.WITHDRAWN,
    (C.SELECTED_FOR_PITCH, CS.ADMIT_R2): C.ADMITTED_TO_STEP4,
    (C.SELECTED_FOR_PITCH, CS.REJECT_R2): C.NOT_SELECTED_R2,
    (C.NOT_SELECTED_R1, CS.WITHDRAW): C.WITHDRAWN,
    (C.NOT_SELECTED_R1, CS.REVERSE_ON_APPEAL): C.SELECTED_FOR_PITCH,
    (C.NOT_SELECTED_R2, CS.WITHDRAW): C.WITHDRAWN,
    (C.NOT_SELECTED_R2, CS.REVERSE_ON_APPEAL): C.ADMITTED_TO_STEP4,
}

A, AS = AppealState, AppealStep
APPEAL_TRANSITIONS: Mapping[tuple[AppealState, AppealStep], AppealState] = {
    (A.FILED, AS.ASSIGN_PANEL): A.UNDER_REVIEW,
    (A.UNDER_REVIEW, AS.CONFIRM): A.CONFIRMED,
    (A.UNDER_REVIEW, AS.REVERSE): A.REVERSED,
}

#: States in which a candidacy awaits the jury's decision of a round.
ROUND_ENTRY_STATE = {1: C.SUBMITTED, 2: C.SELECTED_FOR_PITCH}
#: States a non-selected candidacy is in after a round; the appeal can reverse them.
NOT_SELECTED_STATE = {1: C.NOT_SELECTED_R1, 2: C.NOT_SELECTED_R2}
#: States after which nothing more happens to the candidacy (barring an appeal).
FINAL_CANDIDACY_STATES = frozenset({C.INADMISSIBLE, C.WITHDRAWN, C.NOT_SELECTED_R1,
                                    C.ADMITTED_TO_STEP4, C.NOT_SELECTED_R2})
OPEN_APPEAL_STATES = frozenset({A.FILED, A.UNDER_REVIEW})


def _next(table, kind: str, state, step):
    try:
        return table[(state, step)]
    except KeyError:
        raise TransitionError(
            N_("Stap '%(step)s' is niet toegestaan voor een %(kind)s in toestand '%(state)s'."),
            kind=kind, step=step.value, state=state.value,
        ) from None


def next_procedure_state(state: ProcedureState, step: ProcedureStep) -> ProcedureState:
    return _next(PROCEDURE_TRANSITIONS, "procedure", state, step)


def next_candidacy_state(state: CandidacyState, step: CandidacyStep) -> CandidacyState:
    return _next(CANDIDACY_TRANSITIONS, "kandidatuur", state, step)


def next_appeal_state(state: AppealState, step: AppealStep) -> AppealState:
    return _next(APPEAL_TRANSITIONS, "weerwoord", state, step)


def allowed_candidacy_steps(state: CandidacyState) -> frozenset[CandidacyStep]:
    return frozenset(step for (s, step) in CANDIDACY_TRANSITIONS if s == state)
