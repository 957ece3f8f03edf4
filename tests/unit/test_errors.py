"""DomainError (matching/errors.py): Dutch messages, formatted, with rule and field."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from appeals.rules import check_appeal_window, check_grounds, check_panel
from juries.emergency.rules import (
    check_emergency_ranking,
    check_emergency_window,
    check_observed_behaviour,
)
from juries.rules import (
    Bloc,
    check_jury_composition,
    check_motivation,
    check_score,
    passes_threshold,
)
from matching.accounts.rules import OrganisationKind, check_enterprise_number
from matching.candidacies.rules import (
    CandidacyState,
    CandidacyStep,
    Criterion,
    check_answers,
    check_before_deadline,
    check_contributions,
    check_declarations,
    check_may_apply,
    check_round,
    check_single_candidacy,
    check_withdrawable,
    next_candidacy_state,
)
from matching.core.dates import BRUSSELS
from matching.core.errors import DomainError, PermissionDenied, allowed
from workareas.rules import (
    AddendumSummary,
    check_candidacy_period,
    check_new_version,
    check_publishable,
)

TRANSLATIONS = Path(__file__).resolve().parents[2] / "matching" / "translations"
T = datetime(2024, 3, 20, 10, 0, tzinfo=BRUSSELS)
EMPTY_ADDENDUM = AddendumSummary("", (), (), (), None, 0, None, None, 0)

REFUSALS = {
    "score": lambda: check_score(7),
    "round": lambda: check_round(3),
    "jury": lambda: check_jury_composition([Bloc.VDAB]),
    "jury-candidacy": lambda: check_jury_composition([Bloc.VDAB], for_candidacy="vzw X"),
    "threshold": lambda: passes_threshold({Criterion.CRUCIAL_CONTRIBUTION: 3}),
    "motivation": lambda: check_motivation(""),
    "emergency-window": lambda: check_emergency_window(T, T + timedelta(weeks=9)),
    "emergency-ranking": lambda: check_emergency_ranking(["a", "b"], ["a"], "x" * 20),
    "emergency-ranking-single": lambda: check_emergency_ranking(["a"], ["a"], None),
    "emergency-behaviour": lambda: check_observed_behaviour(Criterion.FIT_FOR_PARTNERSHIP, ""),
    "emergency-behaviour-cc": lambda: check_observed_behaviour(
        Criterion.CRUCIAL_CONTRIBUTION, "Gedrag dat hier niet hoort."),
    "may-apply-vdab": lambda: check_may_apply(OrganisationKind.VDAB, False),
    "may-apply-lb": lambda: check_may_apply(OrganisationKind.LOCAL_GOVERNMENT, True),
    "single": lambda: check_single_candidacy(1),
    "declarations": lambda: check_declarations({}),
    "deadline": lambda: check_before_deadline(T + timedelta(seconds=1), T),
    "contributions-empty": lambda: check_contributions({}, {1}),
    "contributions-unknown": lambda: check_contributions({2: "x" * 30}, {1}),
    "contributions-short": lambda: check_contributions({1: "kort"}, {1}),
    "answers": lambda: check_answers({}, ["q1"]),
    "withdraw": lambda: check_withdrawable(CandidacyState.ADMITTED_TO_STEP4, False),
    "six-weeks": lambda: check_candidacy_period(T, T + timedelta(weeks=5)),
    "enterprise-number": lambda: check_enterprise_number("0202.239.952"),
    "appeal-window": lambda: check_appeal_window(T, T + timedelta(days=20)),
    "appeal-no-decision": lambda: check_appeal_window(None, T),
    "grounds": lambda: check_grounds("", []),
    "grounds-docs": lambda: check_grounds("x" * 30, []),
    "panel-size": lambda: check_panel(["a"], set(), set()),
    "panel-jury": lambda: check_panel(["a", "b"], {"a"}, set()),
    "panel-conflict": lambda: check_panel(["a", "b"], set(), {"b"}),
    "addendum-incomplete": lambda: check_publishable(EMPTY_ADDENDUM, T),
    "addendum-note": lambda: check_new_version(T, EMPTY_ADDENDUM, ""),
    "transition": lambda: next_candidacy_state(CandidacyState.WITHDRAWN, CandidacyStep.SUBMIT),
}

DUTCH_WORDS = {"de", "het", "een", "niet", "van", "voor", "is", "minstens", "moet", "kan",
               "stap", "en", "op", "uw", "elke", "score", "jury", "nog", "al", "die"}
ENGLISH_WORDS = {"the", "must", "cannot", "allowed", "please", "invalid", "missing",
                 "should", "not", "step", "only"}


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_refusal_message_is_formatted_dutch(name):
    """Every refusal is a DomainError with a filled-in Dutch message."""
    with pytest.raises(DomainError) as excinfo:
        REFUSALS[name]()
    message = str(excinfo.value)
    assert "%(" not in message and ")s" not in message
    assert message == excinfo.value.message
    assert message.strip() == message and len(message) > 15
    assert message[0].isupper(), message
    words = set(re.findall(r"[a-zà-ÿ]+", message.lower()))
    assert words & DUTCH_WORDS, message
    assert not words & ENGLISH_WORDS, message


def test_domain_error_keeps_msgid_params_rule_and_field():
    error = DomainError("Ronde %(round)s is gesloten.", rule="R-X", field="round", round=2)
    assert str(error) == "Ronde 2 is gesloten."
    assert error.msgid == "Ronde %(round)s is gesloten."
    assert error.params == {"round": 2}
    assert (error.rule, error.field) == ("R-X", "round")
    assert error.args == ("Ronde 2 is gesloten.",)


def test_domain_error_without_params_keeps_the_msgid():
    """Without params the msgid is not %-formatted (a literal % survives)."""
    assert str(DomainError("100% zeker.")) == "100% zeker."
    assert DomainError("Geen regel.").rule is None


def test_a_refused_transition_or_permission_is_a_refusal_to_the_pages():
    """A page asks ``allowed`` before it offers a step: a TransitionError or a
    PermissionDenied there means "not offered" like any refusal, while an error that is
    not a refusal (a bug) is not swallowed."""
    assert allowed(next_candidacy_state, CandidacyState.DRAFT, CandidacyStep.SUBMIT) is True
    assert allowed(next_candidacy_state, CandidacyState.WITHDRAWN, CandidacyStep.SUBMIT) is False

    def deny():
        raise PermissionDenied("Enkel de coördinator van het werkingsgebied.")

    def crash():
        raise KeyError("a bug, not a refusal")

    assert allowed(deny) is False
    with pytest.raises(KeyError):
        allowed(crash)
    with pytest.raises(DomainError):  # the operations' callers catch both as DomainError
        next_candidacy_state(CandidacyState.WITHDRAWN, CandidacyStep.SUBMIT)
    with pytest.raises(DomainError):
        deny()


with (TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po").open("rb") as catalogue:
    ENGLISH = read_po(catalogue)


@pytest.mark.parametrize("name", sorted(REFUSALS))
def test_every_refusal_keeps_a_msgid_the_english_catalogue_translates(name):
    """N_ marks a message without translating it: the rule's error keeps the Dutch msgid,
    which ``pybabel extract -k N_`` collected, so the page can show it in English with the
    same placeholders filled in."""
    with pytest.raises(DomainError) as excinfo:
        REFUSALS[name]()
    error = excinfo.value
    entry = ENGLISH.get(error.msgid)
    assert entry is not None and entry.string, f"no English for {error.msgid!r}"
    english = entry.string % error.params if error.params else entry.string
    assert "%(" not in english and english != str(error)


def test_label_parameters_are_translated_one_by_one_when_shown(app):
    """Issue 16: no mixed sentence ("Confirm all declarations before you submit: Onze
    organisatie kan …"): the declarations are translated with the message."""
    from flask_babel import force_locale

    from matching.candidacies.rules import Declaration, check_declarations
    from matching.core.errors import DomainError
    from matching.core.web import message_of

    try:
        check_declarations({d: False for d in Declaration})
    except DomainError as error:
        refused = error
    else:
        raise AssertionError("undeclared declarations accepted")
    with app.test_request_context(), force_locale("en"):
        message = message_of(refused)
    assert message.startswith("Confirm all declarations") and "Onze organisatie" not in message
    assert "Our organisation" in message
