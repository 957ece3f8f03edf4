"""What the privacy notice states that comes from the configuration: the data protection
officer and the retention periods (defaults: :data:`matching.app.config.RETENTION_DEFAULTS`,
their source in the README, "Personal data")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Retention:
    """The retention periods, as the notice states them."""

    #: the record of a procedure stays available for audit until 31 December of this year
    record_until_year: int
    record_years: int
    programme_end_year: int
    account_years: int
    draft_months: int


def retention_of(config: Any) -> Retention:
    end, years = config["PRIVACY_PROGRAMME_END_YEAR"], config["PRIVACY_RETENTION_RECORD_YEARS"]
    return Retention(record_until_year=end + years, record_years=years, programme_end_year=end,
                     account_years=config["PRIVACY_RETENTION_ACCOUNT_YEARS"],
                     draft_months=config["PRIVACY_RETENTION_DRAFT_MONTHS"])
