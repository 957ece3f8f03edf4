"""Jury rules (juries/rules.py): composition R-JURY-1, scale R-JURY-3, ballot R-JURY-4,
threshold R-JURY-5, motivation R-JURY-6, round readiness R-PITCH-1."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from juries.rules import (
    SCALE,
    Bloc,
    PitchOutcome,
    ballot_can_close,
    ballot_outcome,
    check_jury_composition,
    check_motivation,
    check_pitch_note,
    check_pitch_outcome,
    check_score,
    is_consensus,
    jury_is_complete,
    missing_blocs,
    passes_threshold,
    round_readiness,
)
from matching.candidacies.rules import ASSESSMENT_QUESTIONS, Criterion, check_round
from matching.core.errors import DomainError

V, L, E = Bloc.VDAB, Bloc.LOKAAL_BESTUUR, Bloc.EXTERN
CC, FIT = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP


# --- R-JURY-1 composition ---------------------------------------------------------------


def test_jury_of_three_with_one_of_each_bloc_passes():
    """R-JURY-1: 1 VDAB + 1 local government + 1 external is the minimum jury."""
    assert check_jury_composition([V, L, E]) is None
    assert jury_is_complete([V, L, E]) is True
    assert missing_blocs([V, L, E]) == []


def test_larger_jury_with_every_bloc_passes():
    """R-JURY-1: more matchmakers per bloc are allowed."""
    assert check_jury_composition([V, V, L, L, E]) is None
    assert jury_is_complete([E, V, V, L, L, E]) is True


def test_jury_of_five_without_external_cannot_score():
    """R-JURY-1: five matchmakers but no independent external: refused."""
    blocs = [V, V, V, L, L]
    assert jury_is_complete(blocs) is False
    assert missing_blocs(blocs) == [E]
    with pytest.raises(DomainError) as excinfo:
        check_jury_composition(blocs)
    assert excinfo.value.rule == "R-JURY-1"
    assert str(excinfo.value) == (
        "De jury moet minstens 3 matchmakers tellen met minstens 1 van VDAB, 1 van het "
        "lokaal bestuur en 1 onafhankelijke externe (ontbreekt: onafhankelijke externe)."
    )


def test_three_matchmakers_of_one_bloc_are_still_one_bloc():
    """R-JURY-1: three VDAB matchmakers do not make a jury."""
    assert jury_is_complete([V, V, V]) is False
    assert missing_blocs([V, V, V]) == [L, E]
    with pytest.raises(DomainError) as excinfo:
        check_jury_composition([V, V, V])
    assert excinfo.value.rule == "R-JURY-1"
    assert "ontbreekt: lokaal bestuur, onafhankelijke externe" in str(excinfo.value)


@pytest.mark.parametrize("blocs", [[], [V], [V, L], [L, E], [V, E], [L, L, E, E]])
def test_incomplete_juries_are_refused(blocs):
    """R-JURY-1: fewer than 3, or a bloc missing: refused."""
    assert jury_is_complete(blocs) is False
    with pytest.raises(DomainError) as excinfo:
        check_jury_composition(blocs)
    assert excinfo.value.rule == "R-JURY-1"


def test_jury_without_conflicted_members_names_the_candidacy():
    """R-JURY-1: after removing conflicted matchmakers the jury must still qualify."""
    with pytest.raises(DomainError) as excinfo:
        check_jury_composition([V, E], for_candidacy="vzw De Sleutel")
    message = str(excinfo.value)
    assert excinfo.value.rule == "R-JURY-1"
    assert "vzw De Sleutel" in message
    assert "belangenconflict" in message
    assert "(ontbreekt: lokaal bestuur)" in message
    assert check_jury_composition([V, L, E], for_candidacy="vzw De Sleutel") is None


# --- R-JURY-2 criteria, R-JURY-3 scale --------------------------------------------------


#: Call text, section 6, "De jury beoordeelt deze criteria aan de hand van de volgende
#: beoordelingsvragen" (the lines re-joined where the PDF wrapped them).
CALL_TEXT_QUESTIONS = {
    CC: (
        "Mate waarin de organisatie activiteiten voorstelt die een concreet (efficiënt en "
        "effectief) antwoord bieden op de vooropgestelde lokale noden en regio-uitdagingen;",
        "Mate waarin de concrete activiteiten die de organisatie voorstelt een bijdrage vormt "
        "die andere kandiderende organisaties niet of onvoldoende kwalitatief kunnen leveren "
        "maar die essentieel is om aan de noden te voldoen;",
        "Mate waarin onderbouwd wordt dat de organisatie de vereiste capaciteit en expertise "
        "(betreft doelgroep en de voorgestelde activiteiten) bezit om de voorgestelde "
        "activiteiten uit te voeren;",
        "Voldoende concretisering inzake het principe van lokale verankering (via actuele "
        "inbedding in de lokale context en/of zich kunnen organiseren op voldoende "
        "aanwezigheid in die lokale context, zich zo lokaal mogelijk kunnen organiseren als "
        "nodig is vanuit klantperspectief)",
    ),
    FIT: (
        "Mate waarin een organisatie (of individu) concrete ervaring heeft met "
        "multidisciplinaire samenwerking (zowel binnen de eigen organisatie als met andere "
        "organisaties)",
        "Mate waarin een organisatie de limieten van de door haar voorgestelde activiteiten "
        "erkent en kan aangeven welke complementaire activiteiten vanuit andere organisaties "
        "relevant zijn om de regio-uitdagingen aan te gaan.",
        "Mate waarin een organisatie vanuit eigen (positieve en negatieve) ervaringen haar "
        "engagement kan aantonen inzake samenwerking tussen verschillende organisaties",
        "Mate waarin een organisatie kan aantonen dat ze gezamenlijk beslissingen kan nemen "
        "vanuit een gedeelde doelstelling, in openheid en gelijkwaardigheid met andere "
        "organisaties, mét oog voor ieders belangen.",
    ),
}

#: Call text, section 6: "een score op onderstaande schaal, waarbij 1 de laagste en 4 de
#: hoogste score is".
CALL_TEXT_SCALE = {
    1: "Organisatie vertoont grote tekortkomingen betreffende de meeste criteria",
    2: "Organisatie voldoet op enkele criteria, maar vertoont cruciale tekortkomingen op "
       "andere criteria",
    3: "Organisatie voldoet op de meeste criteria, met beperkte tekortkomingen op andere "
       "criteria",
    4: "Organisatie voldoet aan alle criteria",
}


def test_the_assessment_questions_are_those_of_the_call_text():
    """R-JURY-2: the two criteria with their four assessment questions each, quoted from
    the call text, in its order (the scoring page and the candidacy form ask them)."""
    assert dict(ASSESSMENT_QUESTIONS) == CALL_TEXT_QUESTIONS


def test_the_scale_is_that_of_the_call_text():
    """R-JURY-3: the four levels and their wording, quoted from the call text (the
    decision letters and the final report state them next to each score)."""
    assert dict(SCALE) == CALL_TEXT_SCALE


@pytest.mark.parametrize("score", [1, 2, 3, 4])
def test_scores_1_to_4_are_accepted(score):
    """R-JURY-3: a whole number from 1 to 4."""
    assert check_score(score) == score


@pytest.mark.parametrize("score", [0, 5, -1, 100, True, False, 3.0, "3", None])
def test_scores_outside_the_scale_are_refused(score):
    """R-JURY-3: 0, 5, bools, floats and strings are not scores."""
    with pytest.raises(DomainError) as excinfo:
        check_score(score)
    assert excinfo.value.rule == "R-JURY-3"
    assert excinfo.value.field == "score"
    assert str(excinfo.value) == "Een score is een geheel getal van 1 tot 4."


def test_check_round():
    """Only round 1 and round 2 exist."""
    assert check_round(1) == 1
    assert check_round(2) == 2
    for bad in (0, 3):
        with pytest.raises(DomainError):
            check_round(bad)


# --- R-JURY-4 consensus and ballot ------------------------------------------------------


def test_consensus_needs_every_eligible_matchmaker():
    """R-JURY-4 reading: consensus = every matchmaker without conflict agrees."""
    scores = {"an": 3, "bert": 3, "cora": 3, "dirk": 2}
    assert is_consensus(scores, ["an", "bert", "cora"], 3) is True
    assert is_consensus(scores, ["an", "bert", "cora", "dirk"], 3) is False
    assert is_consensus(scores, ["an", "bert", "cora"], 2) is False
    # A matchmaker without a score yet breaks consensus.
    assert is_consensus(scores, ["an", "bert", "eva"], 3) is False
    # Nobody eligible: no consensus.
    assert is_consensus(scores, [], 3) is False


def test_two_of_three_blocs_with_the_same_score_decide():
    """R-JURY-4: VDAB 3, local government 3, external 1 gives 3 (2 of 3 votes)."""
    assert ballot_outcome({V: 3, L: 3, E: 1}) == 3
    assert ballot_outcome({V: 2, L: 4, E: 2}) == 2
    assert ballot_outcome({V: 1, L: 4, E: 4}) == 4


def test_two_votes_cast_and_equal_already_decide():
    """R-JURY-4: 2 equal votes are 2/3 of the three bloc votes."""
    votes = {V: 4, E: 4}
    assert ballot_outcome(votes) == 4
    assert ballot_can_close(votes) is True


def test_one_vote_of_three_does_not_decide():
    """R-JURY-4: one bloc alone is 1/3, not ⅔."""
    assert ballot_outcome({V: 3}) is None
    assert ballot_can_close({V: 3}) is False


def test_two_different_votes_do_not_decide_yet():
    """R-JURY-4: two different votes: the third bloc still has to vote."""
    votes = {V: 3, L: 2}
    assert ballot_outcome(votes) is None
    assert ballot_can_close(votes) is False


def test_three_different_scores_decide_nothing():
    """R-JURY-4: no score gets ⅔: the ballot decides nothing (new ballot)."""
    votes = {V: 1, L: 2, E: 3}
    assert ballot_outcome(votes) is None
    # Everyone voted, so the ballot closes (without outcome).
    assert ballot_can_close(votes) is True


def test_unanimous_ballot_decides():
    assert ballot_outcome({V: 2, L: 2, E: 2}) == 2


def test_empty_ballot_decides_nothing():
    assert ballot_outcome({}) is None
    assert ballot_can_close({}) is False


def test_votes_are_counted_per_bloc_never_per_matchmaker():
    """R-JURY-4: one vote per organisation, however many matchmakers it sends. The rule
    takes one vote per bloc: votes of individual matchmakers are refused rather than
    counted, so three VDAB matchmakers cannot make a ⅔ majority on their own. (The
    operation and the database refuse a second vote of a bloc: tests/integration/
    test_jury.py and test_concurrent_votes.py.)"""
    with pytest.raises(ValueError):
        ballot_outcome({"vdab1": 3, "vdab2": 3, "vdab3": 3})
    assert ballot_outcome({V: 3}) is None  # VDAB's one vote of three
    assert ballot_outcome({V: 3, L: 1}) is None


def test_ballot_refuses_invalid_scores_and_blocs():
    """R-JURY-3/4: a vote is a valid score by a known bloc."""
    with pytest.raises(DomainError):
        ballot_outcome({V: 5, L: 5, E: 5})
    with pytest.raises(DomainError):
        ballot_outcome({V: 0, L: 3})
    with pytest.raises(ValueError):
        ballot_outcome({"ACV": 3, V: 3})


def test_ballot_accepts_bloc_values_as_keys():
    """Blocs as stored strings work the same way."""
    assert ballot_outcome({"VDAB": 3, "LOKAAL_BESTUUR": 3, "EXTERN": 1}) == 3


vote_maps = st.dictionaries(st.sampled_from(list(Bloc)), st.integers(min_value=1, max_value=4))


@given(votes=vote_maps)
def test_ballot_decides_iff_some_score_has_two_votes(votes):
    """R-JURY-4 property: an outcome exists iff some score has at least 2 bloc votes,
    and then it is that score."""
    counts = Counter(votes.values())
    outcome = ballot_outcome(votes)
    assert (outcome is not None) == any(c >= 2 for c in counts.values())
    if outcome is not None:
        assert counts[outcome] >= 2
        assert outcome in votes.values()


@given(votes=vote_maps)
def test_ballot_can_close_iff_all_voted_or_decided(votes):
    """R-JURY-4 property: a ballot closes when all three blocs voted or it is decided."""
    assert ballot_can_close(votes) == (len(votes) == 3 or ballot_outcome(votes) is not None)


# --- R-JURY-5 threshold -----------------------------------------------------------------


@pytest.mark.parametrize(("cc", "fit", "expected"), [
    (3, 3, True), (4, 4, True), (3, 4, True), (4, 3, True),
    (3, 2, False), (2, 3, False), (4, 2, False), (2, 4, False), (1, 1, False),
    (4, 1, False),
])
def test_threshold_needs_three_on_both_criteria(cc, fit, expected):
    """R-JURY-5: at least 3 on *both* criteria."""
    assert passes_threshold({CC: cc, FIT: fit}) is expected


def test_threshold_with_a_missing_criterion_is_refused():
    """R-JURY-5: a decision needs a score on both criteria."""
    for scores in ({CC: 4}, {FIT: 4}, {}):
        with pytest.raises(DomainError) as excinfo:
            passes_threshold(scores)
        assert excinfo.value.rule == "R-JURY-5"


def test_threshold_refuses_invalid_scores():
    """R-JURY-3: scores out of the scale are refused, not silently compared."""
    with pytest.raises(DomainError):
        passes_threshold({CC: 5, FIT: 3})
    with pytest.raises(DomainError):
        passes_threshold({CC: 3, FIT: 0})


def test_threshold_refuses_an_invalid_second_score_after_a_failing_first():
    """R-JURY-3: an out-of-scale score is refused whatever the other score is."""
    with pytest.raises(DomainError):
        passes_threshold({CC: 2, FIT: 9})


# --- R-JURY-6 motivation ----------------------------------------------------------------


@pytest.mark.parametrize("motivation", [None, "", "   ", "te kort", "123456789", " 12345678 \n"])
def test_empty_or_short_motivation_is_refused(motivation):
    """R-JURY-6: every final score has a written motivation (at least 10 characters)."""
    with pytest.raises(DomainError) as excinfo:
        check_motivation(motivation)
    assert excinfo.value.rule == "R-JURY-6"
    assert excinfo.value.field == "motivation"
    assert str(excinfo.value) == (
        "Een motivering is verplicht (minstens 10 tekens) voor elke score."
    )


def test_motivation_of_ten_characters_is_accepted_and_stripped():
    """R-JURY-6: 10 characters after stripping is enough."""
    assert check_motivation("  1234567890  ") == "1234567890"
    text = "Sterke lokale verankering in de regio."
    assert check_motivation(text) == text


def test_motivation_message_names_what_is_motivated():
    with pytest.raises(DomainError) as excinfo:
        check_motivation("", what="rangschikking")
    assert str(excinfo.value).endswith("voor elke rangschikking.")


# --- R-PITCH-1 / R-JURY-6: what a round still needs -------------------------------------


def test_round_2_without_pitch_is_not_ready():
    """R-PITCH-1: the final score is given after the pitch."""
    readiness = round_readiness(2, [CC, FIT], pitch_held=False)
    assert readiness.pitch_missing is True
    assert readiness.missing_criteria == ()
    assert readiness.ready is False


def test_round_2_with_both_criteria_and_pitch_is_ready():
    readiness = round_readiness(2, [FIT, CC], pitch_held=True)
    assert readiness.missing_criteria == ()
    assert readiness.pitch_missing is False
    assert readiness.ready is True


def test_round_1_needs_no_pitch():
    readiness = round_readiness(1, [CC, FIT], pitch_held=False)
    assert readiness.pitch_missing is False
    assert readiness.ready is True


def test_round_with_a_missing_criterion_is_not_ready():
    """R-JURY-6: both criteria need a decided score."""
    readiness = round_readiness(1, [CC], pitch_held=False)
    assert readiness.missing_criteria == (FIT,)
    assert readiness.ready is False
    readiness = round_readiness(2, [], pitch_held=False)
    assert readiness.missing_criteria == (CC, FIT)
    assert readiness.pitch_missing is True
    assert readiness.ready is False


# --- R-PITCH-1: recording a pitch's outcome (issue 13) -------------------------------------

STARTS = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def _outcome(outcome, **facts):
    values = {"planned": True, "held": False, "no_show": False, "starts_at": STARTS,
              "now": STARTS} | facts
    return check_pitch_outcome(outcome, **values)


@pytest.mark.parametrize("outcome", list(PitchOutcome))
def test_an_outcome_is_recorded_from_the_first_instant_of_the_moment(outcome):
    assert _outcome(outcome) is None
    assert _outcome(outcome, now=STARTS + timedelta(days=30)) is None
    with pytest.raises(DomainError, match="pas na het begin"):
        _outcome(outcome, now=STARTS - timedelta(seconds=1))


@pytest.mark.parametrize("outcome", list(PitchOutcome))
def test_only_a_planned_pitch_recorded_neither_way_gets_an_outcome(outcome):
    with pytest.raises(DomainError, match="nog geen pitch gepland"):
        _outcome(outcome, planned=False, starts_at=None)
    with pytest.raises(DomainError, match="geregistreerd"):
        _outcome(outcome, held=True)
    with pytest.raises(DomainError, match="niet opgedaagd|niet opdagen"):
        _outcome(outcome, no_show=True)


def test_the_refusals_say_which_outcome_was_asked():
    with pytest.raises(DomainError, match="plan eerst een nieuw pitch-moment"):
        _outcome(PitchOutcome.HELD, no_show=True)
    with pytest.raises(DomainError, match="al geregistreerd"):
        _outcome(PitchOutcome.NO_SHOW, no_show=True)
    with pytest.raises(DomainError, match="als gehouden geregistreerd"):
        _outcome(PitchOutcome.NO_SHOW, held=True)


@pytest.mark.parametrize(("outcome", "field"), [(PitchOutcome.HELD, "report"),
                                                (PitchOutcome.NO_SHOW, "note")])
def test_the_report_or_note_needs_ten_characters_after_stripping(outcome, field):
    assert check_pitch_note(outcome, "  0123456789  ") == "0123456789"
    with pytest.raises(DomainError) as refused:
        check_pitch_note(outcome, "  012345678 " + " " * 5)
    assert refused.value.field == field
