"""Dates in Brussels time: the appeal window (R-APP-1), the six-week rule (R-ADD-2),
the enterprise number (KBO, mod 97) and the helpers of matching/rules.py.

DOMAIN.md, Dates: "Days are calendar days in Europe/Brussels; a period 'until N days
after' ends at 23:59:59 local time on the N-th day. Store instants in UTC."
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appeals.rules import check_appeal_window
from matching.accounts.rules import (
    check_enterprise_number,
    format_enterprise_number,
    is_valid_enterprise_number,
    normalise_enterprise_number,
)
from matching.candidacies.rules import appeal_deadline, appeal_is_on_time
from matching.core.dates import (
    BRUSSELS,
    add_brussels_weeks,
    brussels_date,
    end_of_brussels_day,
    format_brussels,
    period_end,
    require_aware,
    start_of_brussels_day,
    to_utc,
)
from matching.core.errors import DomainError
from tests.helpers import bxl, utc
from workareas.rules import check_candidacy_period, earliest_candidacy_deadline

ONE_SECOND = timedelta(seconds=1)
ONE_MINUTE = timedelta(minutes=1)


# --- helpers ---------------------------------------------------------------------------


def test_naive_datetime_is_refused():
    """Dates: an instant without a zone is ambiguous and refused."""
    with pytest.raises(ValueError, match="timezone-aware"):
        require_aware(datetime(2024, 3, 20, 10, 0))
    with pytest.raises(ValueError):
        appeal_deadline(datetime(2024, 3, 20, 10, 0))


def test_brussels_date_is_the_local_calendar_day():
    """Dates: 23:30 UTC on 20 March is already 21 March in Brussels (CET, UTC+1)."""
    assert brussels_date(utc(2024, 3, 20, 23, 30)) == date(2024, 3, 21)
    assert brussels_date(utc(2024, 3, 20, 22, 59)) == date(2024, 3, 20)
    # Summer time (CEST, UTC+2): 22:00 UTC is midnight.
    assert brussels_date(utc(2024, 7, 1, 22, 0)) == date(2024, 7, 2)
    assert brussels_date(utc(2024, 7, 1, 21, 59, 59)) == date(2024, 7, 1)


def test_end_and_start_of_brussels_day_in_utc():
    """Dates: 23:59:59 / 00:00:00 Brussels, stored as UTC, winter and summer."""
    assert end_of_brussels_day(date(2024, 1, 15)) == utc(2024, 1, 15, 22, 59, 59)
    assert end_of_brussels_day(date(2024, 7, 15)) == utc(2024, 7, 15, 21, 59, 59)
    assert start_of_brussels_day(date(2024, 1, 15)) == utc(2024, 1, 14, 23, 0, 0)
    assert start_of_brussels_day(date(2024, 7, 15)) == utc(2024, 7, 14, 22, 0, 0)
    assert end_of_brussels_day(date(2024, 1, 15)).utcoffset() == timedelta(0)


def test_to_utc_and_format_brussels():
    """Dates: store in UTC, show in Brussels time ('dd-mm-YYYY HH:MM')."""
    assert to_utc(bxl(2024, 7, 1, 12, 0)) == utc(2024, 7, 1, 10, 0)
    assert to_utc(bxl(2024, 7, 1, 12, 0)).tzinfo == UTC
    assert format_brussels(utc(2024, 4, 3, 21, 59, 59)) == "03-04-2024 23:59"
    assert format_brussels(utc(2024, 11, 3, 22, 59, 59)) == "03-11-2024 23:59"


def test_period_end_counts_calendar_days_from_the_brussels_day():
    """Dates: 'until N days after' ends at 23:59:59 local time on the N-th day."""
    assert period_end(bxl(2024, 1, 10, 0, 0, 0), 1) == utc(2024, 1, 11, 22, 59, 59)
    assert period_end(bxl(2024, 1, 10, 23, 59, 59), 1) == utc(2024, 1, 11, 22, 59, 59)
    assert period_end(bxl(2024, 1, 10, 9, 0), 0) == utc(2024, 1, 10, 22, 59, 59)


# --- R-APP-1: the 14-day appeal window -------------------------------------------------

APPEAL_CASES = [
    # (decision received, day 14 in Brussels, deadline in UTC)
    pytest.param(bxl(2024, 1, 10, 9, 30), date(2024, 1, 24), utc(2024, 1, 24, 22, 59, 59),
                 id="winter"),
    pytest.param(bxl(2024, 6, 1, 16, 0), date(2024, 6, 15), utc(2024, 6, 15, 21, 59, 59),
                 id="summer"),
    # 20 March (CET) + 14 days = 3 April (CEST): crosses the change of 31 March 2024.
    pytest.param(bxl(2024, 3, 20, 10, 0), date(2024, 4, 3), utc(2024, 4, 3, 21, 59, 59),
                 id="across-dst-spring"),
    # 20 October (CEST) + 14 days = 3 November (CET): crosses 27 October 2024.
    pytest.param(bxl(2024, 10, 20, 10, 0), date(2024, 11, 3), utc(2024, 11, 3, 22, 59, 59),
                 id="across-dst-autumn"),
    # Received late in the evening in UTC, already the next day in Brussels.
    pytest.param(utc(2024, 3, 20, 23, 30), date(2024, 4, 4), utc(2024, 4, 4, 21, 59, 59),
                 id="received-after-brussels-midnight"),
    # Received on the very day of the change (31 March 2024, 03:30 CEST).
    pytest.param(bxl(2024, 3, 31, 3, 30), date(2024, 4, 14), utc(2024, 4, 14, 21, 59, 59),
                 id="received-on-dst-day"),
]


@pytest.mark.parametrize(("received", "day14", "deadline_utc"), APPEAL_CASES)
def test_appeal_deadline_is_2359_59_brussels_on_day_14(received, day14, deadline_utc):
    """R-APP-1: the deadline is 23:59:59 Brussels on the 14th day after receipt."""
    deadline = appeal_deadline(received)
    assert deadline == deadline_utc
    assert deadline.tzinfo == UTC
    local = deadline.astimezone(BRUSSELS)
    assert (local.date(), local.hour, local.minute, local.second) == (day14, 23, 59, 59)


@pytest.mark.parametrize(("received", "day14", "deadline_utc"), APPEAL_CASES)
def test_appeal_at_2359_59_on_day_14_is_accepted(received, day14, deadline_utc):
    """R-APP-1: 23:59:59 Brussels on day 14 is still on time."""
    last_second = datetime(day14.year, day14.month, day14.day, 23, 59, 59, tzinfo=BRUSSELS)
    assert appeal_is_on_time(received, last_second) is True
    assert check_appeal_window(received, last_second) is None
    # The same instant given in UTC is the same answer.
    assert appeal_is_on_time(received, deadline_utc) is True


@pytest.mark.parametrize(("received", "day14", "deadline_utc"), APPEAL_CASES)
def test_appeal_at_midnight_on_day_15_is_refused(received, day14, deadline_utc):
    """R-APP-1: 00:00:00 Brussels on day 15 is too late."""
    day15 = day14 + timedelta(days=1)
    midnight = datetime(day15.year, day15.month, day15.day, 0, 0, 0, tzinfo=BRUSSELS)
    assert to_utc(midnight) == deadline_utc + ONE_SECOND
    assert appeal_is_on_time(received, midnight) is False
    with pytest.raises(DomainError) as excinfo:
        check_appeal_window(received, midnight)
    assert excinfo.value.rule == "R-APP-1"
    assert str(excinfo.value) == (
        f"De termijn voor een weerwoord liep af op {day14:%d-%m-%Y} 23:59."
    )


def test_appeal_right_after_receipt_is_on_time():
    """R-APP-1: an appeal filed the same day as the decision is on time."""
    received = bxl(2024, 3, 20, 10, 0)
    assert appeal_is_on_time(received, received + ONE_MINUTE) is True


def test_appeal_before_the_decision_was_received_is_refused():
    """R-APP-1: without a received decision there is no appeal."""
    with pytest.raises(DomainError) as excinfo:
        check_appeal_window(None, bxl(2024, 3, 20, 10, 0))
    assert excinfo.value.rule == "R-APP-1"
    assert "beslissing is nog niet ontvangen" in str(excinfo.value)


def test_appeal_across_spring_dst_is_not_decided_by_a_utc_day_count():
    """R-APP-1 across 31 March 2024: 22:30 UTC on 3 April is already 4 April in Brussels.

    A naive "14 x 24 hours in UTC" or "UTC day 14" reading would accept it.
    """
    received = bxl(2024, 3, 20, 10, 0)
    assert appeal_is_on_time(received, utc(2024, 4, 3, 21, 59, 59)) is True
    assert appeal_is_on_time(received, utc(2024, 4, 3, 22, 0, 0)) is False
    assert appeal_is_on_time(received, utc(2024, 4, 3, 22, 30)) is False


def test_appeal_across_autumn_dst_gets_the_extra_hour_of_the_local_day():
    """R-APP-1 across 27 October 2024: 22:30 UTC on 3 November is still 23:30 in Brussels."""
    received = bxl(2024, 10, 20, 10, 0)
    assert appeal_is_on_time(received, utc(2024, 11, 3, 22, 30)) is True
    assert appeal_is_on_time(received, utc(2024, 11, 3, 22, 59, 59)) is True
    assert appeal_is_on_time(received, utc(2024, 11, 3, 23, 0, 0)) is False


# --- R-ADD-2: six weeks between publication and the candidacy deadline -----------------

SIX_WEEK_CASES = [
    # (published, earliest deadline in UTC)
    pytest.param(bxl(2024, 1, 10, 10, 0), utc(2024, 2, 21, 9, 0), id="winter"),
    pytest.param(bxl(2024, 6, 3, 10, 0), utc(2024, 7, 15, 8, 0), id="summer"),
    # 1 March 10:00 CET (09:00 UTC) -> 12 April 10:00 CEST (08:00 UTC): 6 weeks minus 1 hour
    # of elapsed time, but six weeks of Brussels wall-clock time.
    pytest.param(bxl(2024, 3, 1, 10, 0), utc(2024, 4, 12, 8, 0), id="across-dst-spring"),
    # 1 October 12:00 CEST (10:00 UTC) -> 12 November 12:00 CET (11:00 UTC).
    pytest.param(bxl(2024, 10, 1, 12, 0), utc(2024, 11, 12, 11, 0), id="across-dst-autumn"),
]


@pytest.mark.parametrize(("published", "earliest_utc"), SIX_WEEK_CASES)
def test_earliest_candidacy_deadline_is_six_weeks_of_brussels_wall_clock(published, earliest_utc):
    """R-ADD-2: six weeks counted in Brussels wall-clock time."""
    earliest = earliest_candidacy_deadline(published)
    assert earliest == earliest_utc
    assert earliest.tzinfo == UTC
    local_pub, local_dl = published.astimezone(BRUSSELS), earliest.astimezone(BRUSSELS)
    assert local_dl.date() == local_pub.date() + timedelta(weeks=6)
    assert (local_dl.hour, local_dl.minute) == (local_pub.hour, local_pub.minute)


@pytest.mark.parametrize(("published", "earliest_utc"), SIX_WEEK_CASES)
def test_deadline_exactly_six_weeks_after_publication_is_accepted(published, earliest_utc):
    """R-ADD-2: exactly six weeks is enough (in UTC or in Brussels notation)."""
    assert check_candidacy_period(published, earliest_utc) is None
    assert check_candidacy_period(published, earliest_utc.astimezone(BRUSSELS)) is None
    assert check_candidacy_period(published, earliest_utc + timedelta(days=30)) is None


@pytest.mark.parametrize(("published", "earliest_utc"), SIX_WEEK_CASES)
def test_deadline_one_minute_short_of_six_weeks_is_refused(published, earliest_utc):
    """R-ADD-2: a deadline earlier than six weeks is refused."""
    with pytest.raises(DomainError) as excinfo:
        check_candidacy_period(published, earliest_utc - ONE_MINUTE)
    error = excinfo.value
    assert error.rule == "R-ADD-2"
    assert error.field == "candidacy_deadline"
    assert str(error) == (
        "De deadline voor kandidaturen moet minstens 6 weken na de publicatie liggen "
        f"(ten vroegste {format_brussels(earliest_utc)})."
    )


def test_six_weeks_across_spring_dst_refuses_the_naive_utc_deadline_minus_an_hour():
    """R-ADD-2 across 31 March 2024: 12 April 09:59 CEST is short, 10:00 CEST is exact."""
    published = bxl(2024, 3, 1, 10, 0)
    check_candidacy_period(published, bxl(2024, 4, 12, 10, 0))
    with pytest.raises(DomainError):
        check_candidacy_period(published, bxl(2024, 4, 12, 9, 59))


def test_six_weeks_across_autumn_dst_refuses_a_deadline_of_exactly_42x24_hours():
    """R-ADD-2 across 27 October 2024: 42 x 24 h after publication is 11:00 CET, one hour
    short of six weeks of Brussels wall-clock time."""
    published = bxl(2024, 10, 1, 12, 0)
    elapsed_42_days = to_utc(published) + timedelta(days=42)
    assert elapsed_42_days.astimezone(BRUSSELS).hour == 11
    with pytest.raises(DomainError):
        check_candidacy_period(published, elapsed_42_days)
    check_candidacy_period(published, bxl(2024, 11, 12, 12, 0))


def test_add_brussels_weeks_backwards_across_dst():
    """R-STEP4-1 helper: eight weeks back keeps the Brussels wall-clock time."""
    start = bxl(2024, 11, 15, 9, 0)  # CET, 08:00 UTC
    assert add_brussels_weeks(start, -8) == utc(2024, 9, 20, 7, 0)  # 09:00 CEST


# --- Enterprise number (KBO/BCE): 10 digits, mod-97 check --------------------------------

PROXIMUS = "0202239951"


@pytest.mark.parametrize("value", [
    "0202.239.951", "0202239951", "BE0202239951", "be0202239951", "BE 0202.239.951",
    "0202 239 951", "  0202.239.951  ", "202.239.951", "202239951",
])
def test_valid_enterprise_number_in_common_forms_is_accepted(value):
    """KBO: dots, spaces, a leading 'BE' and the old 9-digit form are tolerated."""
    assert is_valid_enterprise_number(value) is True
    assert normalise_enterprise_number(value) == PROXIMUS
    assert check_enterprise_number(value) == PROXIMUS


def test_format_enterprise_number():
    assert format_enterprise_number(PROXIMUS) == "0202.239.951"


@pytest.mark.parametrize("value", [
    "0202.239.952",   # wrong check digit
    "0202.239.950",
    "0202.239.915",   # check digits swapped
    "0202.239.900",
    "0202.239.997",
    "0203.239.951",   # body changed
])
def test_enterprise_number_with_wrong_check_is_refused(value):
    """KBO: the check digits must be 97 - (first eight digits mod 97)."""
    assert is_valid_enterprise_number(value) is False
    with pytest.raises(DomainError) as excinfo:
        check_enterprise_number(value)
    assert excinfo.value.field == "enterprise_number"
    assert str(excinfo.value) == (
        f"Het ondernemingsnummer {value} is ongeldig: 10 cijfers met een correcte "
        "controle (modulo 97)."
    )


@pytest.mark.parametrize("value", [
    "", "   ", "BE", "020223995", "02022399511", "0202.239.95a", "ABCDEFGHIJ", "0202-239-951",
    "NL0202239951",
])
def test_malformed_enterprise_number_is_refused(value):
    """KBO: not ten digits (after removing dots, spaces, 'BE') is refused."""
    assert is_valid_enterprise_number(value) is False
    with pytest.raises(DomainError):
        check_enterprise_number(value)


def test_enterprise_number_must_start_with_0_or_1():
    """KBO: the first digit is 0 or 1, even when the mod-97 check is right."""
    body = 20223990
    value = f"{body:08d}{97 - body % 97:02d}"
    assert value == "2022399025"
    assert is_valid_enterprise_number(value) is False
    with pytest.raises(DomainError):
        check_enterprise_number(value)


def test_enterprise_number_whose_body_is_a_multiple_of_97_has_check_97():
    """KBO: body % 97 == 0 gives check digits 97 (never 00)."""
    body = 97 * 1000  # 00097000
    assert is_valid_enterprise_number(f"{body:08d}97") is True
    assert is_valid_enterprise_number(f"{body:08d}00") is False


bodies = st.integers(min_value=0, max_value=19_999_999)


@given(body=bodies)
def test_generated_enterprise_numbers_are_valid(body):
    """KBO property: any 8-digit body starting with 0 or 1 plus its mod-97 check is valid."""
    digits = f"{body:08d}{97 - body % 97:02d}"
    assert is_valid_enterprise_number(digits) is True
    dotted = format_enterprise_number(digits)
    assert is_valid_enterprise_number(dotted) is True
    assert is_valid_enterprise_number("BE" + digits) is True
    assert check_enterprise_number(dotted) == digits


@given(body=bodies, wrong=st.integers(min_value=0, max_value=99))
def test_generated_enterprise_numbers_with_other_check_digits_are_invalid(body, wrong):
    """KBO property: any other two check digits make the number invalid."""
    check = 97 - body % 97
    if wrong == check:
        wrong = (check + 1) % 100
    digits = f"{body:08d}{wrong:02d}"
    assert is_valid_enterprise_number(digits) is False
    with pytest.raises(DomainError):
        check_enterprise_number(digits)


def test_enterprise_number_with_non_ascii_digit_is_refused_not_crashing():
    """KBO: a superscript digit is not a digit of an enterprise number (refused cleanly)."""
    assert is_valid_enterprise_number("020223995²") is False
    with pytest.raises(DomainError):
        check_enterprise_number("020223995²")


def test_a_session_ends_when_idle_or_at_its_lifetime_at_the_boundaries():
    """A session counts until 30 minutes without a request, at most 12 hours after sign-in."""
    from datetime import timedelta

    from matching.accounts.rules import session_expired

    t0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    limits = {"idle": timedelta(minutes=30), "lifetime": timedelta(hours=12)}
    assert session_expired(t0, t0, t0 + timedelta(minutes=29, seconds=59), **limits) is None
    assert session_expired(t0, t0, t0 + timedelta(minutes=30), **limits) == "idle"
    late = t0 + timedelta(hours=12)
    assert session_expired(t0, late - timedelta(minutes=1), late - timedelta(seconds=1),
                           **limits) is None
    assert session_expired(t0, late - timedelta(minutes=1), late, **limits) == "lifetime"


def test_a_second_factor_is_required_for_every_role_but_the_applicant():
    from matching.accounts.rules import Role, second_factor_required

    assert not second_factor_required([]) and not second_factor_required([Role.APPLICANT])
    for role in Role:
        if role is not Role.APPLICANT:
            assert second_factor_required([Role.APPLICANT, role])
