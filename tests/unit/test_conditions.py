"""The six conditions (R-OBS-1) as pure functions of a procedure's facts: each fails for
the right reason, at its boundary, and is met once repaired."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from appeals.rules import AppealState
from matching.candidacies.rules import CandidacyState
from matching.oversight.facts import (
    AppealFacts,
    CandidacyFacts,
    DecisionFacts,
    LetterFacts,
    NeedFacts,
    NoticeFacts,
    PanelFacts,
    ProcedureFacts,
    Status,
)
from matching.oversight.record_rules import condition_5, condition_6
from matching.oversight.rules import (
    condition_1,
    condition_2,
    condition_3,
    condition_4,
    evaluate,
    unmet,
)
from workareas.rules import ProcedureState, earliest_candidacy_deadline

C = CandidacyState


def replace(facts, **changes):
    """A copy with ``changes``: the row facts are named tuples, the procedure a dataclass."""
    if hasattr(facts, "_replace"):
        return facts._replace(**changes)
    return dataclasses.replace(facts, **changes)
PUBLISHED = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
DEADLINE = earliest_candidacy_deadline(PUBLISHED)
NOW = DEADLINE + timedelta(days=60)
BLOCS = "EXTERN,LOKAAL_BESTUUR,VDAB"


def candidacy(id: int, state: CandidacyState, **kw) -> CandidacyFacts:
    values = dict(id=id, reference=f"K-{id}", organisation_id=100 + id,
                  organisation_name=f"Organisatie {id}", organisation_kind="OTHER", state=state,
                  submitted=True, declares_individual=True,
                  challenge_codes=frozenset({"RU1"}))
    values.update(kw)
    return CandidacyFacts(**values)


def decisions(candidacy_id: int, round_no: int, scores=(3, 3), method="consensus"):
    return [DecisionFacts(candidacy_id, round_no, criterion, score,
                          len("Een grondige motivering."), method, BLOCS)
            for criterion, score in zip(("crucial_contribution", "fit_for_partnership"), scores,
                                        strict=True)]


def letter(id: int, candidacy_id: int, round_no: int, selected: bool) -> LetterFacts:
    return LetterFacts(id, candidacy_id, round_no, selected,
                       None if selected else DEADLINE + timedelta(days=20))


def notice(candidacy_id: int, round_no: int, selected: bool) -> NoticeFacts:
    return NoticeFacts(candidacy_id, round_no, selected, DEADLINE + timedelta(days=2))


def clean() -> ProcedureFacts:
    """A decided procedure: 1 admitted to step 4, 2 not selected in round 1 and confirmed
    on appeal, 3 not selected in round 2, 4 withdrawn before the decision."""
    return ProcedureFacts(
        id=1, state=ProcedureState.DECIDED, published_at=PUBLISHED, candidacy_deadline=DEADLINE,
        needs=(NeedFacts("Toeleiding naar werk", "Uit de persona-analyse."),),
        challenge_codes=frozenset({"RU1", "RU2"}), area_government_ids=frozenset({900}),
        jury={1: "VDAB", 2: "LOKAAL_BESTUUR", 3: "EXTERN"},
        candidacies=(candidacy(1, C.ADMITTED_TO_STEP4), candidacy(2, C.NOT_SELECTED_R1),
                     candidacy(3, C.NOT_SELECTED_R2), candidacy(4, C.WITHDRAWN)),
        decisions=tuple(decisions(1, 1, (3, 4)) + decisions(1, 2, (4, 3))
                        + decisions(2, 1, (2, 3)) + decisions(3, 1, (3, 3))
                        + decisions(3, 2, (3, 2))),
        letters=(letter(1, 1, 1, True), letter(2, 1, 2, True), letter(3, 2, 1, False),
                 letter(4, 3, 1, True), letter(5, 3, 2, False)),
        notices=(notice(1, 1, True), notice(1, 2, True), notice(2, 1, False),
                 notice(3, 1, True), notice(3, 2, False)),
        appeals=(AppealFacts(1, 2, 1, AppealState.CONFIRMED,
                             (PanelFacts(7, "confirm", "Een grondige motivering van het panel."),
                              PanelFacts(8, "confirm", "Ook dit panellid motiveert grondig."))),),
        audit_intact=True, audit_events=120)


def test_the_clean_procedure_meets_all_six():
    results = evaluate(clean(), NOW)
    assert [r.status for r in results] == [Status.MET] * 6
    assert unmet(results) == []


def test_1_a_ballot_outcome_that_is_not_two_thirds():
    f = clean()
    ballot = [replace(d, method="ballot", ballot_state="decided", ballot_outcome=d.score,
                      ballot_votes={"VDAB": d.score, "LOKAAL_BESTUUR": 1, "EXTERN": 2})
              for d in decisions(2, 1, (2, 3))]
    bad = replace(f, decisions=f.decisions[:4] + tuple(ballot) + f.decisions[6:])
    assert condition_1(bad).status == Status.NOT_MET  # 2 has one vote in three, 3 likewise
    good = [replace(d, ballot_votes={"VDAB": d.score, "LOKAAL_BESTUUR": d.score, "EXTERN": 1})
            for d in ballot]
    assert condition_1(replace(f, decisions=f.decisions[:4] + tuple(good) + f.decisions[6:])
                       ).status == Status.MET


def test_1_selected_below_the_threshold():
    f = clean()
    below = replace(f, decisions=tuple(d if d.candidacy_id != 1 or d.round != 1
                                       else replace(d, score=2) for d in f.decisions))
    result = condition_1(below)
    assert result.status == Status.NOT_MET
    assert result.failures[0].anchor == "c1"


def test_1_a_reversed_appeal_explains_a_selection_below_the_threshold():
    f = clean()
    reversed_ = replace(f, candidacies=tuple(replace(c, state=C.SELECTED_FOR_PITCH)
                                             if c.id == 2 else c for c in f.candidacies),
                        appeals=(replace(f.appeals[0], state=AppealState.REVERSED),))
    assert condition_1(reversed_).failures == ()


def test_2_no_individual_declaration_or_two_candidacies_of_one_organisation():
    f = clean()
    undeclared = replace(f, candidacies=tuple(replace(c, declares_individual=c.id != 2)
                                              for c in f.candidacies))
    assert condition_2(undeclared).status == Status.NOT_MET
    twice = replace(f, candidacies=tuple(replace(c, organisation_id=101) if c.id == 3 else c
                                         for c in f.candidacies))
    assert len(condition_2(twice).failures) == 2
    assert condition_2(f).status == Status.MET


def test_2_undetermined_while_candidacies_can_still_come():
    f = replace(clean(), state=ProcedureState.PUBLISHED, decisions=(), letters=(), notices=(),
                appeals=())
    assert condition_2(f).status == Status.UNDETERMINED


def test_3_six_weeks_is_the_boundary():
    f = clean()
    assert condition_3(f).status == Status.MET  # exactly six weeks
    short = replace(f, candidacy_deadline=DEADLINE - timedelta(seconds=1))
    result = condition_3(short)
    assert result.status == Status.NOT_MET and result.failures[0].anchor == "addendum"
    five = replace(f, candidacy_deadline=PUBLISHED + timedelta(weeks=5))
    assert "6 weken" in condition_3(five).failures[0].msgid


def test_3_vdab_or_a_local_government_of_the_area_among_the_candidates():
    f = clean()
    vdab = replace(f, candidacies=(replace(f.candidacies[0], organisation_kind="VDAB"),)
                   + f.candidacies[1:])
    assert condition_3(vdab).status == Status.NOT_MET
    government = replace(f, candidacies=(replace(f.candidacies[0], organisation_id=900),)
                         + f.candidacies[1:])
    assert condition_3(government).status == Status.NOT_MET


def test_3_a_local_government_with_its_seat_in_the_area_from_the_data():
    """Issue 11: not on the administrator's list, but its seat lies in the work area."""
    f = replace(clean(), area_nis_codes=frozenset({"41002", "41034"}))
    first = f.candidacies[0]
    seated = replace(f, candidacies=(replace(first, organisation_kind="MUNICIPALITY",
                                             seat_nis_code="41034"),) + f.candidacies[1:])
    assert condition_3(seated).status == Status.NOT_MET
    elsewhere = replace(f, candidacies=(replace(first, organisation_kind="OCMW",
                                                seat_nis_code="44021"),) + f.candidacies[1:])
    assert condition_3(elsewhere).status == Status.MET
    a_company = replace(f, candidacies=(replace(first, organisation_kind="COMPANY",
                                                seat_nis_code="41034"),) + f.candidacies[1:])
    assert condition_3(a_company).status == Status.MET


def test_3_unassessed_and_unexplained_refusals():
    f = clean()
    unassessed = replace(f, decisions=tuple(d for d in f.decisions if d.candidacy_id != 2))
    assert condition_3(unassessed).status == Status.NOT_MET
    blank = replace(unassessed, candidacies=tuple(
        replace(c, state=C.INADMISSIBLE, inadmissible_reason="  ") if c.id == 2 else c
        for c in f.candidacies))
    assert condition_3(blank).status == Status.NOT_MET
    explained = replace(blank, candidacies=tuple(
        replace(c, inadmissible_reason="Ingediend zonder de verplichte verklaringen.")
        if c.id == 2 else c for c in blank.candidacies))
    # issue 12: the reason alone is not enough; the organisation got its motivated letter
    assert condition_3(explained).status == Status.NOT_MET
    lettered = replace(explained, letters=explained.letters + (letter(90, 2, 0, False),))
    assert condition_3(lettered).status == Status.MET


def test_6_an_inadmissibility_without_its_letter_offers_no_appeal():
    """Issue 12: an inadmissibility is appealed like a non-selection (condition 6)."""
    f = clean()
    assert condition_6(f, NOW).status == Status.MET
    refused = replace(f, candidacies=tuple(
        replace(c, state=C.INADMISSIBLE, inadmissible_reason="Te laat ingediend, na 12 uur.")
        if c.id == 2 else c for c in f.candidacies),
        decisions=tuple(d for d in f.decisions if d.candidacy_id != 2),
        letters=tuple(lt for lt in f.letters if lt.candidacy_id != 2),
        notices=tuple(n for n in f.notices if n.candidacy_id != 2),
        appeals=tuple(a for a in f.appeals if a.candidacy_id != 2))
    assert condition_6(refused, NOW).status == Status.NOT_MET
    lettered = replace(refused, letters=refused.letters + (letter(90, 2, 0, False),),
                       notices=refused.notices + (notice(2, 0, False),))
    assert condition_6(lettered, NOW).status == Status.MET
    silent = replace(lettered, letters=refused.letters + (
        LetterFacts(90, 2, 0, False, None),))
    assert condition_6(silent, NOW).status == Status.NOT_MET


def test_4_needs_without_motivation_and_candidacies_beside_the_challenges():
    f = clean()
    assert condition_4(replace(f, needs=(NeedFacts("Werk", " "),))).status == Status.NOT_MET
    assert condition_4(replace(f, needs=())).status == Status.NOT_MET
    assert condition_4(replace(f, challenge_codes=frozenset())).status == Status.NOT_MET
    beside = replace(f, candidacies=(replace(f.candidacies[0], challenge_codes=frozenset({"X"})),)
                     + f.candidacies[1:])
    assert condition_4(beside).failures[0].anchor == "c1"
    # a withdrawn candidacy no longer counts
    withdrawn = replace(f, candidacies=f.candidacies[:3] + (
        replace(f.candidacies[3], challenge_codes=frozenset()),))
    assert condition_4(withdrawn).status == Status.MET


def test_5_motivation_method_jury_letter_receipt_and_audit():
    f = clean()
    first = f.decisions[0]
    for broken in (replace(first, motivation_length=len("kort")), replace(first, method="lottery"),
                   replace(first, jury_blocs="LOKAAL_BESTUUR,VDAB"),
                   replace(first, method="ballot", ballot_state="decided", ballot_votes={})):
        assert condition_5(replace(f, decisions=(broken,) + f.decisions[1:])).status == \
            Status.NOT_MET, broken
    assert condition_5(replace(f, letters=f.letters[1:])).status == Status.NOT_MET
    assert condition_5(replace(f, notices=f.notices[1:])).status == Status.NOT_MET
    tampered = condition_5(replace(f, audit_intact=False, audit_broken_event=17))
    assert tampered.failures[0].params == {"event": 17}
    assert condition_5(replace(f, audit_intact=None)).status == Status.UNDETERMINED


def test_5_a_missing_letter_is_pending_while_the_procedure_runs():
    f = replace(clean(), state=ProcedureState.ROUND_2)
    result = condition_5(replace(f, letters=f.letters[1:]))
    assert result.status == Status.UNDETERMINED and not result.failures


def test_6_letter_without_deadline_open_appeal_and_panel():
    f = clean()
    no_deadline = replace(f, letters=tuple(replace(lt, appeal_deadline=None) if lt.id == 3 else lt
                                           for lt in f.letters))
    assert condition_6(no_deadline, NOW).failures[0].anchor == "l3"
    appeal = f.appeals[0]
    for broken in (replace(appeal, state=AppealState.UNDER_REVIEW),
                   replace(appeal, panel=appeal.panel[:1]),
                   replace(appeal, panel=(replace(appeal.panel[0], user_id=1), appeal.panel[1])),
                   replace(appeal, panel=(replace(appeal.panel[0], motivation=""),
                                          appeal.panel[1]))):
        result = condition_6(replace(f, appeals=(broken,)), NOW)
        assert result.status == Status.NOT_MET and result.failures[0].anchor == "a1", broken


def test_6_undetermined_until_the_last_appeal_window_closes():
    f = clean()
    # candidacy 3's round-2 letter: received 2 days after the deadline, states DEADLINE + 20d
    closes = DEADLINE + timedelta(days=20)
    assert condition_6(f, closes - timedelta(days=1)).status == Status.UNDETERMINED
    assert condition_6(f, closes + timedelta(days=1)).status == Status.MET


@given(st.lists(st.sampled_from([c.value for c in CandidacyState]), max_size=8),
       st.sampled_from(list(ProcedureState)))
def test_every_condition_gives_a_status_and_met_means_no_failure(states, procedure_state):
    f = replace(clean(), state=procedure_state, candidacies=tuple(
        candidacy(10 + i, CandidacyState(s), submitted=s != "draft")
        for i, s in enumerate(states)))
    for result in evaluate(f, NOW):
        assert result.status in Status
        if result.status == Status.MET:
            assert not result.failures
        if result.failures:
            assert result.status == Status.NOT_MET


def test_6_an_appeal_under_review_is_pending_while_the_procedure_runs():
    f = clean()
    open_appeal = (replace(f.appeals[0], state=AppealState.UNDER_REVIEW),)
    running = condition_6(replace(f, state=ProcedureState.ROUND_2, appeals=open_appeal), NOW)
    assert running.status == Status.UNDETERMINED and not running.failures
    decided = condition_6(replace(f, appeals=open_appeal), NOW)
    assert decided.status == Status.NOT_MET
