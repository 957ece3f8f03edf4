"""Brussels dates and times, shared by every domain.

No Flask, no SQLAlchemy, no clock: every instant is an argument.

"Days are calendar days in Europe/Brussels; a period 'until N days after' ends at
23:59:59 local time on the N-th day. Store instants in UTC, show them in Brussels
time." (DOMAIN.md, Dates)
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")


UTC = UTC


def require_aware(instant: datetime, name: str = "instant") -> datetime:
    """Refuse naive datetimes: an instant without a zone is ambiguous."""
    if instant.tzinfo is None or instant.tzinfo.utcoffset(instant) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {instant!r}")
    return instant


def to_utc(instant: datetime) -> datetime:
    return require_aware(instant).astimezone(UTC)


def brussels_date(instant: datetime) -> date:
    """The calendar day in Brussels on which an instant falls."""
    return require_aware(instant).astimezone(BRUSSELS).date()


def end_of_brussels_day(day: date) -> datetime:
    """23:59:59 Brussels time on ``day``, as a UTC instant (DST-correct)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=BRUSSELS).astimezone(UTC)


def start_of_brussels_day(day: date) -> datetime:
    return datetime.combine(day, time(0, 0, 0), tzinfo=BRUSSELS).astimezone(UTC)


def period_end(start: datetime, days: int) -> datetime:
    """End of a period "until ``days`` days after ``start``".

    The period ends at 23:59:59 Brussels time on the ``days``-th calendar day
    after the Brussels day of ``start``.
    """
    return end_of_brussels_day(brussels_date(start) + timedelta(days=days))


def add_brussels_weeks(instant: datetime, weeks: int) -> datetime:
    """The same Brussels wall-clock time ``weeks`` weeks later (DST-correct)."""
    local = require_aware(instant).astimezone(BRUSSELS)
    naive = local.replace(tzinfo=None) + timedelta(weeks=weeks)
    return naive.replace(tzinfo=BRUSSELS).astimezone(UTC)


def format_brussels(instant: datetime) -> str:
    """Dutch display of an instant in Brussels time, e.g. '05-03-2024 23:59'."""
    return require_aware(instant).astimezone(BRUSSELS).strftime("%d-%m-%Y %H:%M")
