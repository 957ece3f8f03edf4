"""Issue 13: the pure rules of the jury's consensus: who makes it final, who may confirm it,
and the advice that fits each situation."""

import pytest

from juries.rules import (
    Bloc,
    check_confirmation,
    check_consensus,
    consensus_is_final,
    round_readiness,
)
from matching.candidacies.rules import Criterion
from matching.core.errors import DomainError

NAMES = {1: "Anna", 2: "Bert", 3: "Carla", 4: "Dirk"}
JURY = [1, 2, 3, 4]


def test_everyone_on_the_entered_score_is_a_consensus():
    check_consensus({1: 3, 2: 3, 3: 3, 4: 3}, JURY, 3, NAMES)  # no error


def test_missing_scores_name_who_has_not_scored():
    with pytest.raises(DomainError, match="Nog geen individuele score van: Carla, Dirk"):
        check_consensus({1: 3, 2: 3}, JURY, 3, NAMES)


def test_identical_scores_on_another_score_say_what_the_consensus_is():
    with pytest.raises(DomainError) as info:
        check_consensus({1: 2, 2: 2, 3: 2, 4: 2}, JURY, 3, NAMES)
    message = str(info.value)
    assert "Alle matchmakers gaven score 2, niet 3" in message
    assert "verschillen" not in message
    assert info.value.field == "score"


def test_different_scores_advise_a_ballot():
    with pytest.raises(DomainError, match="de individuele scores verschillen"):
        check_consensus({1: 3, 2: 3, 3: 3, 4: 2}, JURY, 3, NAMES)
    # also when the entered score is nobody's
    with pytest.raises(DomainError, match="verschillen"):
        check_consensus({1: 3, 2: 3, 3: 3, 4: 2}, JURY, 4, NAMES)


def test_a_conflicted_members_score_does_not_count():
    check_consensus({1: 3, 2: 3, 3: 3, 4: 1}, [1, 2, 3], 3, NAMES)


def test_an_empty_jury_has_no_consensus():
    with pytest.raises(DomainError, match="Nog geen individuele score"):
        check_consensus({}, [], 3, NAMES)


def test_an_invalid_score_is_refused_first():
    with pytest.raises(DomainError, match="1 tot 4"):
        check_consensus({1: 3}, [1], 5, NAMES)


def test_only_the_chairs_consensus_is_final_at_once():
    assert consensus_is_final(True) is True
    assert consensus_is_final(False) is False


def test_the_recorder_does_not_confirm_their_own_consensus():
    with pytest.raises(DomainError, match="zelf vast"):
        check_confirmation(1, Bloc.VDAB, 1, Bloc.VDAB)


def test_a_colleague_of_the_same_organisation_does_not_confirm():
    with pytest.raises(DomainError, match="dezelfde organisatie \\(VDAB\\)"):
        check_confirmation(1, Bloc.VDAB, 2, Bloc.VDAB)
    with pytest.raises(DomainError, match="dezelfde organisatie"):
        check_confirmation(3, Bloc.EXTERN, 4, Bloc.EXTERN)


@pytest.mark.parametrize("other", [Bloc.LOKAAL_BESTUUR, Bloc.EXTERN])
def test_a_member_of_another_organisation_confirms(other):
    check_confirmation(1, Bloc.VDAB, 2, other)  # no error


def test_a_pending_consensus_is_not_decided():
    readiness = round_readiness(1, [Criterion.FIT_FOR_PARTNERSHIP], False,
                                pending=[Criterion.CRUCIAL_CONTRIBUTION])
    assert not readiness.ready
    assert readiness.missing_criteria == (Criterion.CRUCIAL_CONTRIBUTION,)
    assert readiness.awaiting_confirmation == (Criterion.CRUCIAL_CONTRIBUTION,)
    # a pending consensus on a criterion already decided is not named
    assert round_readiness(1, list(Criterion), False,
                           pending=[Criterion.CRUCIAL_CONTRIBUTION]).awaiting_confirmation == ()
