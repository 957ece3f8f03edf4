"""Retention periods at their boundaries, and stable pseudonyms (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from matching.privacy.rules import (
    PSEUDONYM_DOMAIN,
    account_expired,
    add_months,
    draft_expired,
    procedure_expired,
    pseudonym_email,
    pseudonym_name,
    record_retained_until,
    replace_all,
)

KEY = b"k" * 32
SECOND = timedelta(seconds=1)


def test_a_record_is_kept_until_31_december_of_the_fifth_year_after_the_programme():
    until = record_retained_until(2030, 5, datetime(2026, 3, 1, tzinfo=UTC))
    assert until == datetime(2036, 1, 1, tzinfo=UTC)
    assert not procedure_expired(2030, 5, datetime(2026, 3, 1, tzinfo=UTC), until - SECOND)
    assert procedure_expired(2030, 5, datetime(2026, 3, 1, tzinfo=UTC), until)


def test_a_procedure_that_ended_after_the_programme_is_kept_from_its_own_year():
    ended = datetime(2032, 6, 1, tzinfo=UTC)
    assert record_retained_until(2030, 5, ended) == datetime(2038, 1, 1, tzinfo=UTC)
    assert record_retained_until(2030, 5, None) == datetime(2036, 1, 1, tzinfo=UTC)


def test_an_account_expires_on_the_day_its_period_ends():
    last = datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    ends = datetime(2028, 2, 28, 10, 0, tzinfo=UTC)
    assert not account_expired(last, 2, ends - SECOND)
    assert account_expired(last, 2, ends)


def test_months_end_on_the_last_day_of_a_shorter_month():
    assert add_months(datetime(2026, 8, 31, tzinfo=UTC), 6) == datetime(2027, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2027, 8, 31, tzinfo=UTC), 6) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 2) == datetime(2027, 1, 15, tzinfo=UTC)


def test_a_draft_counts_from_its_deadline_or_else_from_its_start():
    started = datetime(2026, 1, 10, tzinfo=UTC)
    deadline = datetime(2026, 3, 1, tzinfo=UTC)
    assert not draft_expired(deadline, started, 6, datetime(2026, 9, 1, tzinfo=UTC) - SECOND)
    assert draft_expired(deadline, started, 6, datetime(2026, 9, 1, tzinfo=UTC))
    assert draft_expired(None, started, 6, datetime(2026, 7, 10, tzinfo=UTC))
    assert not draft_expired(None, started, 6, datetime(2026, 7, 10, tzinfo=UTC) - SECOND)


def test_pseudonyms_are_stable_keyed_and_distinct():
    assert pseudonym_name(KEY, "user", 7) == pseudonym_name(KEY, "user", 7)
    assert pseudonym_name(KEY, "user", 7) != pseudonym_name(KEY, "user", 8)
    assert pseudonym_name(KEY, "user", 7) != pseudonym_name(b"x" * 32, "user", 7)
    assert pseudonym_name(KEY, "user", 7).startswith("Persoon ")
    assert pseudonym_email(KEY, "user", 7).endswith("@" + PSEUDONYM_DOMAIN)


def test_replacing_addresses_ignores_their_case():
    assert replace_all("An@X.be, bo@x.be", {"an@x.be": "p1", "bo@x.be": "p2"}) == "p1, p2"
