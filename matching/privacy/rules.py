"""Retention (issue 18): when a record's personal data, an account, a draft have been kept
long enough, and the stable pseudonym a person becomes. Pure: no Flask, no SQLAlchemy, no
clock (the instant ``now`` and the periods are given).

The periods are configuration (``PRIVACY_*``, :mod:`matching.app.config`); their defaults
follow the ESF+ rules, as the README ("Retention") and the privacy notice say:

* the record of a procedure stays available for audit until 31 December of the fifth year
  after the programme's last payment year (Regulation (EU) 2021/1060, art. 82: "gedurende
  een periode van vijf jaar vanaf 31 december van het jaar waarin de laatste betaling door
  de managementautoriteit aan de begunstigde is verricht"); the record of a procedure that
  ended after the programme's end year runs from its own year;
* an account not used for ``PRIVACY_RETENTION_ACCOUNT_YEARS`` years;
* a candidacy never submitted, ``PRIVACY_RETENTION_DRAFT_MONTHS`` months after the
  procedure's candidacy deadline (without one: after the draft was started).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

#: What a free-text value about people reads after pseudonymisation.
PSEUDONYMISED_TEXT = "[gepseudonimiseerd]"
#: The domain of pseudonymous e-mail addresses: reserved, never delivered (RFC 2606).
PSEUDONYM_DOMAIN = "pseudoniem.invalid"


def record_retained_until(programme_end_year: int, record_years: int,
                          ended: datetime | None) -> datetime:
    """The first instant after a procedure's record period: 1 January (UTC) after 31
    December of the year the period ends. ``ended``: when the procedure ended (ratified,
    else its last step), None: still running, kept at least until the programme's."""
    year = max(programme_end_year, ended.year if ended else programme_end_year)
    return datetime(year + record_years + 1, 1, 1, tzinfo=UTC)


def procedure_expired(programme_end_year: int, record_years: int, ended: datetime | None,
                      now: datetime) -> bool:
    """Whether the procedure's personal data are past their retention period."""
    return now >= record_retained_until(programme_end_year, record_years, ended)


def add_months(instant: datetime, months: int) -> datetime:
    """``instant`` plus whole calendar months (the 31st becomes the month's last day)."""
    month = instant.month - 1 + months
    year, month = instant.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 28,
            31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    return instant.replace(year=year, month=month, day=min(instant.day, days))


def account_expired(last_used: datetime, years: int, now: datetime) -> bool:
    """Whether an account last used (signed in, or created) at ``last_used`` has been
    inactive beyond its period."""
    return now >= add_months(last_used, 12 * years)


def draft_expired(deadline: datetime | None, started: datetime, months: int,
                  now: datetime) -> bool:
    """Whether a candidacy never submitted is to be deleted: ``months`` after the
    deadline it missed (or, without a deadline, after it was started)."""
    return now >= add_months(deadline or started, months)


def pseudonym_token(key: bytes, kind: str, ident: int | str) -> str:
    """Twelve hex digits of the HMAC of ``kind`` and ``ident`` with the audit key: the same
    record always gets the same token, nobody without the key can tell whose it is.
    ``ident``: the record's id (or, for an address no account has, the address)."""
    return hmac.new(key, f"pseudonym:{kind}:{ident}".encode(), hashlib.sha256).hexdigest()[:12]


def pseudonym_name(key: bytes, kind: str, ident: int) -> str:
    """``Persoon 7f3a9c1b2d4e``: what a person's name becomes."""
    return f"Persoon {pseudonym_token(key, kind, ident)}"


def pseudonym_email(key: bytes, kind: str, ident: int) -> str:
    """``persoon-7f3a9c1b2d4e@pseudoniem.invalid``: unique, and never delivered."""
    return f"persoon-{pseudonym_token(key, kind, ident)}@{PSEUDONYM_DOMAIN}"


def replace_all(text: str, replacements: dict[str, str]) -> str:
    """``text`` with every occurrence of each key (longest first, case-insensitive for
    e-mail addresses) replaced by its value."""
    for old in sorted(replacements, key=len, reverse=True):
        if not old:
            continue
        if "@" in old:
            lowered, start, out = text.lower(), 0, []
            target = old.lower()
            while (found := lowered.find(target, start)) >= 0:
                out.append(text[start:found] + replacements[old])
                start = found + len(old)
            text = "".join(out) + text[start:]
        else:
            text = text.replace(old, replacements[old])
    return text
