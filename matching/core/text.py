"""What free text may contain, in one place (pure: no Flask, no SQLAlchemy).

Every text a person types ends up in places that break on stray characters: the public Atom
feed (XML 1.0 forbids most control characters), the CSV and XLSX exports, the letters (PDF
and e-mail) and the final report, and PostgreSQL itself (a NUL in a text value is an error,
which was a 500 on the sign-in form). So a text is refused when it holds

* a NUL or another C0/C1 control character (newline, carriage return and tab only in a
  multi-line field),
* a Unicode non-character or a lone surrogate (not valid in XML or UTF-8),
* more characters than its field allows.

The forms ask :func:`text_problem` (``matching.core.forms``: a Dutch message next to the
field); the database session asks it again before every flush (``matching.core.db``), and
the migration bounds the long texts with CHECK constraints, so nothing else can store it.
"""

from __future__ import annotations

import re
import unicodedata

from matching.core.errors import N_

#: The longest one-line text (a name, a title, a place) unless its field says less.
SHORT_MAX = 300
#: The longest multi-line text a form takes (an observation, a reason, a need …) unless
#: its field says otherwise (a candidacy's answers take 20 000).
LONG_MAX = 10_000
#: What the database allows for any free text (CHECK constraints of migration 0101).
DATABASE_TEXT_MAX = 20_000

_ALWAYS_REFUSED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_LINE_BREAKS = re.compile("[\n\r\t]")

CONTROL_MESSAGE = N_("Deze tekst bevat een onzichtbaar stuurteken dat niet is toegestaan "
                     "(bijvoorbeeld uit een kopie van een ander programma). Typ de tekst "
                     "opnieuw of verwijder dat teken.")
LINE_BREAK_MESSAGE = N_("Dit veld is één regel: een regeleinde of tab is niet toegestaan.")
TOO_LONG_MESSAGE = N_("Deze tekst is te lang: hoogstens %(limit)s tekens.")


def text_problem(value: str | None, *, multiline: bool, limit: int) -> str | None:
    """The (untranslated) message of what is wrong with ``value``, or None when it may be
    stored. Formats with ``limit`` (TOO_LONG_MESSAGE)."""
    if not value:
        return None
    if _ALWAYS_REFUSED.search(value):
        return CONTROL_MESSAGE
    if not multiline and _LINE_BREAKS.search(value):
        return LINE_BREAK_MESSAGE
    if len(value) > limit:
        return TOO_LONG_MESSAGE
    return None


#: Characters that make a spreadsheet read a cell as a formula or command (CSV/DDE
#: injection), in their ASCII, fullwidth and small forms (＝ ＋ － ＠ ｜, − minus): = + - @ |
#: and the tab and carriage return.
FORMULA_START = frozenset("=+-@|\t\r\uff1d\uff0b\uff0d\uff20\uff5c\u2212\ufe62\ufe63\ufe66")


def neutralise_formula(value: str) -> str:
    """A text a spreadsheet shows as typed and never evaluates: a leading quote when the
    first character (after any white space, which spreadsheets skip) could start a formula;
    fullwidth forms are caught by NFKC, which folds ＝ to =."""
    stripped = value.lstrip(" \u00a0\u3000")
    if not stripped:
        return value
    first = stripped[0]
    if first in FORMULA_START or unicodedata.normalize("NFKC", first)[:1] in FORMULA_START:
        return "'" + value
    return value


#: Letters of format and direction that make a file name look other than it is:
#: RLO/LRO/PDF and the isolates, LRM/RLM/ALM, zero widths, the BOM.
_BIDI_AND_INVISIBLE = re.compile(
    "[\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]")
_NOT_NAME = re.compile("[^\\w .()\\-\u2010-\u2015]+", re.UNICODE)


def clean_filename(name: str | None, *, fallback: str = "bijlage", limit: int = 150) -> str:
    """The stem of an uploaded file's name as it may be shown and offered for download:
    letters and digits of any script, space, dot, hyphen, underscore and parentheses stay;
    control, bidi and invisible characters go; the folder part and the extension go (the
    extension is set from the content). Never empty."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = _BIDI_AND_INVISIBLE.sub("", base)
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _NOT_NAME.sub("_", stem).strip(" ._-")
    stem = re.sub(r"_+", "_", stem)[:limit].strip(" ._-")
    return stem or fallback
