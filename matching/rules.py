"""Pure rules shared by every domain: dates and the enterprise number.

No Flask, no SQLAlchemy, no clock: every instant is an argument.

"Days are calendar days in Europe/Brussels; a period 'until N days after' ends at
23:59:59 local time on the N-th day. Store instants in UTC, show them in Brussels
time." (DOMAIN.md, Dates)
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from matching.errors import DomainError, N_

BRUSSELS = ZoneInfo("Europe/Brussels")
UTC = timezone.utc

#: R-APP-1: "tot 14 dagen na ontvangst van de e-mail"
APPEAL_WINDOW_DAYS = 14
#: R-ADD-2: "minimaal 6 weken"
CANDIDACY_PERIOD_WEEKS = 6
#: R-STEP4-1: "binnen de 8 weken voor de effectieve opstart"
EMERGENCY_WINDOW_WEEKS = 8


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


def appeal_deadline(decision_received_at: datetime) -> datetime:
    """R-APP-1: the last instant at which an appeal (weerwoord) is on time.

    Call text, section 6, Beslissing: "Organisaties die niet geselecteerd zijn,
    kunnen tot 14 dagen na ontvangst van de e-mail waarin de beslissing wordt
    meegedeeld een beroep doen op een weerwoordprocedure."
    """
    return period_end(decision_received_at, APPEAL_WINDOW_DAYS)


def add_brussels_weeks(instant: datetime, weeks: int) -> datetime:
    """The same Brussels wall-clock time ``weeks`` weeks later (DST-correct)."""
    local = require_aware(instant).astimezone(BRUSSELS)
    naive = local.replace(tzinfo=None) + timedelta(weeks=weeks)
    return naive.replace(tzinfo=BRUSSELS).astimezone(UTC)


def earliest_candidacy_deadline(published_at: datetime) -> datetime:
    """R-ADD-2: the earliest allowed candidacy deadline after publication.

    Call text, section 1: "Partners krijgen minimaal 6 weken tijd om zich kandidaat
    te stellen nadat de lokale noden van een werkingsgebied zijn gepubliceerd op de
    website van Europa WSE." and section 7: "Tussen de publicatie van de lokale
    noden en de opstart van het matchingsproces zitten minimaal 6 weken".

    Six weeks are counted in Brussels wall-clock time, so a daylight-saving change
    in between neither adds nor removes an hour.
    """
    return add_brussels_weeks(published_at, CANDIDACY_PERIOD_WEEKS)


def check_candidacy_period(published_at: datetime, deadline: datetime) -> None:
    """R-ADD-2: refuse a deadline less than six weeks after publication."""
    earliest = earliest_candidacy_deadline(published_at)
    if to_utc(deadline) < earliest:
        raise DomainError(
            N_("De deadline voor kandidaturen moet minstens 6 weken na de publicatie liggen "
               "(ten vroegste %(earliest)s)."),
            rule="R-ADD-2",
            field="candidacy_deadline",
            earliest=format_brussels(earliest),
        )


def format_brussels(instant: datetime) -> str:
    """Dutch display of an instant in Brussels time, e.g. '05-03-2024 23:59'."""
    return require_aware(instant).astimezone(BRUSSELS).strftime("%d-%m-%Y %H:%M")


def is_valid_enterprise_number(value: str) -> bool:
    """Belgian enterprise number (KBO/BCE): 10 digits, the last two a mod-97 check.

    The check digits equal 97 minus the first eight digits modulo 97; the first
    digit is 0 or 1. Dots, spaces and a leading 'BE' are tolerated.
    """
    digits = normalise_enterprise_number(value)
    if digits is None:
        return False
    body, check = int(digits[:8]), int(digits[8:])
    return digits[0] in "01" and 97 - (body % 97) == check


def normalise_enterprise_number(value: str) -> str | None:
    """'BE 0123.456.749' → '0123456749'; None when it is not 10 digits."""
    cleaned = value.strip().upper().removeprefix("BE").replace(".", "").replace(" ", "")
    if len(cleaned) == 9:  # old form without the leading 0
        cleaned = "0" + cleaned
    if len(cleaned) != 10 or not (cleaned.isascii() and cleaned.isdigit()):
        return None
    return cleaned


def check_enterprise_number(value: str) -> str:
    """Return the normalised enterprise number or refuse it with a clear message."""
    digits = normalise_enterprise_number(value)
    if digits is None or not is_valid_enterprise_number(digits):
        raise DomainError(
            N_("Het ondernemingsnummer %(value)s is ongeldig: 10 cijfers met een correcte "
               "controle (modulo 97)."),
            field="enterprise_number",
            value=value,
        )
    return digits


def format_enterprise_number(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


#: Failed logins before an account is slowed down; each further failure doubles the wait.
FREE_LOGIN_ATTEMPTS = 5
MAX_LOGIN_WAIT = timedelta(minutes=15)


def login_throttle(failed_logins: int) -> timedelta:
    """How long an account waits after ``failed_logins`` consecutive failures: nothing for
    the first attempts, then 2, 4, 8 … seconds, at most 15 minutes."""
    if failed_logins < FREE_LOGIN_ATTEMPTS:
        return timedelta(0)
    doublings = min(failed_logins - FREE_LOGIN_ATTEMPTS + 1, 20)  # 2**20 s already exceeds the cap
    return min(timedelta(seconds=2 ** doublings), MAX_LOGIN_WAIT)
