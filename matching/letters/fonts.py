"""The fonts of the PDFs: DejaVu Sans (regular, bold, oblique, bold oblique) and DejaVu Sans
Mono, shipped in ``matching/letters/fonts/`` (licence there) and embedded, subset to the
characters a document uses, by ReportLab. They cover the Latin, Greek and Cyrillic scripts,
so every name a person types in those scripts ("Łódź", "Dvořák", "Nguyễn", "Παπαδόπουλος",
"Шевченко") is written as typed.

ReportLab places glyphs one after the other, left to right: it cannot shape a script whose
letters join or run right to left (Arabic, Hebrew), and the fonts have no glyphs for others
(Chinese, Devanagari, emoji). :func:`split_showable` finds such text, so that the PDF can
say where to read it as written (the letter's HTML version) instead of printing "?" or
empty boxes.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"

#: ReportLab's font names and their files.
SANS, SANS_BOLD, SANS_OBLIQUE, SANS_BOLD_OBLIQUE, MONO = (
    "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique", "DejaVuSans-BoldOblique",
    "DejaVuSansMono")
FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf",
         SANS_OBLIQUE: "DejaVuSans-Oblique.ttf", SANS_BOLD_OBLIQUE: "DejaVuSans-BoldOblique.ttf",
         MONO: "DejaVuSansMono.ttf"}

#: Bidirectional classes of right-to-left text: ReportLab would print it backwards, unjoined.
_RIGHT_TO_LEFT = {"R", "AL", "AN"}

#: Characters that are never shown but are not text to point at either (soft hyphen,
#: zero-width spaces and joiners, byte order mark).
_INVISIBLE = {"\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}


@cache
def register() -> str:
    """Register the fonts with ReportLab once per process (with their bold/italic family,
    so that ``<b>`` and ``<i>`` in a paragraph pick the right file); returns the family."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, filename in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    for bold, italic, name in ((0, 0, SANS), (1, 0, SANS_BOLD), (0, 1, SANS_OBLIQUE),
                               (1, 1, SANS_BOLD_OBLIQUE)):
        addMapping(SANS, bold, italic, name)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(MONO, bold, italic, MONO)
    return SANS


@cache
def _covered() -> frozenset[int]:
    """The code points the regular face has a glyph for (the other faces cover the same
    scripts; bold and oblique differ only in rare symbols)."""
    from reportlab.pdfbase import pdfmetrics

    register()
    face = pdfmetrics.getFont(SANS).face
    return frozenset(face.charToGlyph)


def showable(ch: str) -> bool:
    """Whether the PDF can write ``ch`` as itself: a glyph of the font, in a script that
    needs no shaping and runs left to right."""
    code = ord(ch)
    if code < 0x80:
        return 0x20 <= code < 0x7F or ch in "\t\n\r"
    if code not in _covered():
        return False
    return unicodedata.bidirectional(ch) not in _RIGHT_TO_LEFT


def split_showable(text: str) -> list[tuple[str, bool]]:
    """``text`` (NFC, without invisible format characters) as runs of (text, showable).

    White space and punctuation between two unshowable runs belong to them ("جمعية الأمل"
    is one run, not two), so that one name is pointed at once."""
    text = unicodedata.normalize("NFC", text)
    if text.isascii():
        return [(text, True)] if text else []
    runs: list[list] = []
    for ch in text:
        if ch in _INVISIBLE:
            continue
        neutral = unicodedata.category(ch)[0] in "ZP"
        ok = (not runs or runs[-1][1]) if neutral else showable(ch)
        if runs and runs[-1][1] == ok:
            runs[-1][0] += ch
        else:
            runs.append([ch, ok])
    # neutral characters taken into an unshowable run, but followed by showable text: give
    # the trailing ones back ("جمعية vzw": the space before "vzw" is shown)
    out: list[tuple[str, bool]] = []
    for chunk, ok in runs:
        if not ok:
            core = chunk.rstrip(" \u00a0.,;:!?)(-")
            tail = chunk[len(core):]
            out.append((core, False))
            if tail:
                out.append((tail, True))
        else:
            out.append((chunk, True))
    merged: list[tuple[str, bool]] = []
    for chunk, ok in out:
        if merged and merged[-1][1] == ok:
            merged[-1] = (merged[-1][0] + chunk, ok)
        else:
            merged.append((chunk, ok))
    return merged
