"""The local addendum (workareas/rules.py): R-ADD-1 content, R-ADD-2 six weeks,
R-ADD-3 a change is a new, visible version."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from matching.core.dates import BRUSSELS
from matching.core.errors import DomainError
from workareas.rules import (
    AddendumSummary,
    ChallengeSummary,
    NeedSummary,
    addendum_gaps,
    check_new_version,
    check_publishable,
)

PUBLISHED = datetime(2024, 3, 1, 10, 0, tzinfo=BRUSSELS)          # 09:00 UTC, CET
SIX_WEEKS_LATER = datetime(2024, 4, 12, 10, 0, tzinfo=BRUSSELS)   # 08:00 UTC, CEST

NEED = NeedSummary("Taalondersteuning", "Uit stap 2: veel anderstalige werkzoekenden.")
CHALLENGE = ChallengeSummary("Taal en werk", "anderstaligen", "taalbarrière",
                             "lokale werkgevers", "duurzame tewerkstelling")


def complete(**changes) -> AddendumSummary:
    addendum = AddendumSummary(
        delimitation="Regio Kortrijk",
        municipalities=("Kortrijk", "Kuurne", "Harelbeke"),
        needs=(NEED,),
        challenges=(CHALLENGE,),
        candidacy_deadline=SIX_WEEKS_LATER,
        pitch_slot_count=2,
        expected_decision_date=date(2024, 5, 31),
        partnership_start_date=date(2024, 9, 1),
        contact_count=1,
    )
    return replace(addendum, **changes)


# --- R-ADD-1 content -------------------------------------------------------------------------


def test_complete_addendum_has_no_gaps():
    assert addendum_gaps(complete()) == []


@pytest.mark.parametrize(("changes", "gap"), [
    ({"delimitation": "  "}, "de afbakening van het werkingsgebied (gemeenten)"),
    ({"municipalities": ()}, "de afbakening van het werkingsgebied (gemeenten)"),
    ({"needs": ()}, "minstens één lokale nood"),
    ({"needs": (NeedSummary("Taal", " "),)}, "de motivering van elke lokale nood"),
    ({"needs": (NEED, NeedSummary(" ", "motivering"))}, "de motivering van elke lokale nood"),
    ({"challenges": ()}, "minstens één regio-uitdaging"),
    ({"challenges": (replace(CHALLENGE, target_groups=""),)},
     "doelgroepen, obstakels, mogelijkheden en doelstellingen van elke regio-uitdaging"),
    ({"challenges": (replace(CHALLENGE, obstacles=" "),)},
     "doelgroepen, obstakels, mogelijkheden en doelstellingen van elke regio-uitdaging"),
    ({"challenges": (replace(CHALLENGE, opportunities=""),)},
     "doelgroepen, obstakels, mogelijkheden en doelstellingen van elke regio-uitdaging"),
    ({"challenges": (CHALLENGE, replace(CHALLENGE, objectives=""))},
     "doelgroepen, obstakels, mogelijkheden en doelstellingen van elke regio-uitdaging"),
    ({"candidacy_deadline": None}, "de deadline voor kandidaturen"),
    ({"pitch_slot_count": 0}, "minstens één pitch-moment"),
    ({"expected_decision_date": None}, "het verwachte beslissingsmoment"),
    ({"contact_count": 0}, "minstens één lokale contactpersoon"),
])
def test_each_missing_part_is_listed(changes, gap):
    """R-ADD-1: every missing part of the addendum is named, and only that one."""
    assert addendum_gaps(complete(**changes)) == [gap]


def test_empty_addendum_lists_every_part():
    empty = complete(delimitation="", municipalities=(), needs=(), challenges=(),
                     candidacy_deadline=None, pitch_slot_count=0,
                     expected_decision_date=None, contact_count=0)
    assert addendum_gaps(empty) == [
        "de afbakening van het werkingsgebied (gemeenten)",
        "minstens één lokale nood",
        "minstens één regio-uitdaging",
        "de deadline voor kandidaturen",
        "minstens één pitch-moment",
        "het verwachte beslissingsmoment",
        "minstens één lokale contactpersoon",
    ]


def test_partnership_start_date_is_not_required_by_r_add_1():
    assert addendum_gaps(complete(partnership_start_date=None)) == []


# --- publishing: R-ADD-1 + R-ADD-2 ----------------------------------------------------------


def test_complete_addendum_with_six_weeks_is_publishable():
    assert check_publishable(complete(), PUBLISHED) is None


def test_incomplete_addendum_is_not_publishable():
    with pytest.raises(DomainError) as excinfo:
        check_publishable(complete(pitch_slot_count=0, contact_count=0), PUBLISHED)
    assert excinfo.value.rule == "R-ADD-1"
    assert str(excinfo.value) == (
        "Het addendum is nog niet volledig; ontbreekt: minstens één pitch-moment; "
        "minstens één lokale contactpersoon."
    )


def test_deadline_one_minute_short_of_six_weeks_is_not_publishable():
    """R-ADD-2 across the DST change of 31 March 2024."""
    short = complete(candidacy_deadline=SIX_WEEKS_LATER - timedelta(minutes=1))
    with pytest.raises(DomainError) as excinfo:
        check_publishable(short, PUBLISHED)
    assert excinfo.value.rule == "R-ADD-2"
    assert "ten vroegste 12-04-2024 10:00" in str(excinfo.value)


def test_six_weeks_are_counted_from_the_actual_publication():
    """R-ADD-2: publishing a day later pushes the earliest deadline a day later."""
    with pytest.raises(DomainError) as excinfo:
        check_publishable(complete(), PUBLISHED + timedelta(days=1))
    assert excinfo.value.rule == "R-ADD-2"


def test_expected_decision_before_the_deadline_is_refused():
    with pytest.raises(DomainError) as excinfo:
        check_publishable(complete(expected_decision_date=date(2024, 4, 11)), PUBLISHED)
    assert excinfo.value.rule == "R-ADD-1"
    assert excinfo.value.field == "expected_decision_date"


def test_expected_decision_on_the_deadline_day_is_accepted():
    assert check_publishable(complete(expected_decision_date=date(2024, 4, 12)), PUBLISHED) is None


def test_expected_decision_is_compared_with_the_brussels_day_of_the_deadline():
    """R-ADD-1 / Dates: a deadline at 13-04-2024 00:30 Brussels (22:30 UTC on 12 April)
    falls on 13 April; a decision expected on 12 April lies before it."""
    deadline = datetime(2024, 4, 13, 0, 30, tzinfo=BRUSSELS)
    addendum = complete(candidacy_deadline=deadline, expected_decision_date=date(2024, 4, 12))
    with pytest.raises(DomainError) as excinfo:
        check_publishable(addendum, PUBLISHED)
    assert excinfo.value.field == "expected_decision_date"


# --- R-ADD-3 new version -------------------------------------------------------------------


def test_new_version_with_change_note_is_accepted():
    assert check_new_version(PUBLISHED, complete(pitch_slot_count=3),
                             "Extra pitch-moment toegevoegd.") is None


@pytest.mark.parametrize("note", ["", "   ", None])
def test_new_version_needs_a_change_note(note):
    """R-ADD-3: a published addendum is not edited silently."""
    with pytest.raises(DomainError) as excinfo:
        check_new_version(PUBLISHED, complete(), note)
    assert excinfo.value.rule == "R-ADD-3"
    assert excinfo.value.field == "change_note"


def test_new_version_must_stay_complete():
    with pytest.raises(DomainError) as excinfo:
        check_new_version(PUBLISHED, complete(contact_count=0), "Contactpersoon verwijderd.")
    assert excinfo.value.rule == "R-ADD-1"


def test_new_version_keeps_six_weeks_from_the_first_publication():
    """R-ADD-2/3: a new version cannot bring the deadline below six weeks."""
    early = complete(candidacy_deadline=SIX_WEEKS_LATER - timedelta(days=1))
    with pytest.raises(DomainError) as excinfo:
        check_new_version(PUBLISHED, early, "Deadline vervroegd.")
    assert excinfo.value.rule == "R-ADD-2"
    assert check_new_version(PUBLISHED, complete(), "Tekst verduidelijkt.") is None


def test_pitch_moments_must_come_after_the_deadline():
    """R-ADD-1 / R-PITCH-1: a pitch at the deadline instant is refused, one second later
    accepted."""
    a = complete()
    with pytest.raises(DomainError, match="pitch-moment"):
        check_publishable(replace(a, earliest_pitch=a.candidacy_deadline), PUBLISHED)
    check_publishable(replace(a, earliest_pitch=a.candidacy_deadline + timedelta(seconds=1)),
                      PUBLISHED)


# --- issue 12: a later version that adds or changes needs or challenges -----------------------

def test_a_version_that_changes_a_need_needs_six_weeks_to_its_deadline():
    from workareas.rules import check_substantive_change
    before = complete()
    changed_need = complete(needs=(replace(NEED, motivation="Nieuwe cijfers uit stap 2."),))
    new_challenge = complete(challenges=(CHALLENGE, replace(CHALLENGE, title="Mobiliteit")))
    exactly = SIX_WEEKS_LATER - timedelta(weeks=6)  # the deadline is six weeks away: allowed
    for after in (changed_need, new_challenge):
        check_substantive_change(before, after, exactly)
        with pytest.raises(DomainError, match="6 weken") as info:
            check_substantive_change(before, after, exactly + timedelta(minutes=1))
        assert info.value.rule == "R-ADD-2" and info.value.field == "candidacy_deadline"
        # … unless the version moves the deadline far enough
        moved = replace(after, candidacy_deadline=SIX_WEEKS_LATER + timedelta(days=3))
        check_substantive_change(before, moved, exactly + timedelta(days=3))


def test_a_version_that_changes_only_timing_or_contacts_needs_no_new_six_weeks():
    from workareas.rules import changes_needs_or_challenges, check_substantive_change
    before = complete()
    for after in (complete(contact_count=2), complete(pitch_slot_count=3),
                  complete(expected_decision_date=date(2024, 6, 7)),
                  complete(needs=(NEED,), challenges=(CHALLENGE,))):
        assert not changes_needs_or_challenges(before, after)
        check_substantive_change(before, after, SIX_WEEKS_LATER - timedelta(days=3))
