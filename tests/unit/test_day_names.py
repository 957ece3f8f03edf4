"""Issue 17, a worker's memory: the days in letters and on pages ("22 november 2026",
"zondag 22 november 2026") are written with the application's own month and weekday names
for Dutch and English instead of Babel's formatting, which loads Babel's locale data and
its whole ``global.dat`` (about 4.4 MB in every worker). The same text as Babel's, day by
day; another language still goes through Babel."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from babel.dates import format_date

from matching.letters.render import _format_day, format_day, format_deadline

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_every_day_reads_as_babel_writes_it(locale):
    day = date(2024, 1, 1)
    while day <= date(2032, 12, 31):
        assert _format_day(day, locale, False) == format_date(day, "d MMMM y", locale=locale)
        assert _format_day(day, locale, True) == format_date(day, "EEEE d MMMM y",
                                                             locale=locale)
        day += timedelta(days=1)


def test_the_public_helpers_read_brussels_days():
    assert format_day(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == "23 november 2026"
    assert format_day(date(2026, 11, 22), "en", weekday=True) == "Sunday 22 November 2026"
    assert format_day(date(2026, 7, 1), "nl-BE") == "1 juli 2026"


def test_another_language_is_still_babels():
    assert format_day(date(2026, 11, 22), "fr", weekday=True) == "dimanche 22 novembre 2026"


def test_a_deadline_in_a_letter_or_page_loads_no_babel_data(app):
    with app.test_request_context():
        assert format_deadline(datetime(2026, 7, 22, 21, 59, 59, tzinfo=UTC)) == \
            "22 juli 2026 om 23:59:59"
    script = """
from datetime import date
import babel.core
from matching.letters.render import format_day
format_day(date(2026, 11, 22), "nl", weekday=True)
format_day(date(2026, 11, 22), "en")
print(babel.core._global_data is None)
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "True", result.stderr[-3000:]
