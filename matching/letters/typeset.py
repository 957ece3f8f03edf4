"""Typesetting for the PDF: fonts and characters, text widths, line breaking, and a
:class:`~matching.letters.document.Document` as laid-out paragraphs, tables and gaps
(:func:`typeset_blocks`), ready to be placed on pages by :mod:`matching.letters.pdf`.

Lengths are in PDF points, text widths in 1/1000 em of the font (:func:`em_units`).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from matching.letters.document import BOLD, MONO, Block, Cell, Document, TableBlock

FONT = "Helvetica"


FONTS = ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique", "Helvetica-BoldOblique",
         "Courier", "Courier", "Courier", "Courier")  # indexed by the style bits

_REPLACE = {ord(k): v for k, v in {
    "⅓": "1/3", "⅔": "2/3", "¼": "1/4", "½": "1/2", "¾": "3/4", "⅕": "1/5",
    "≥": ">=", "≤": "<=", "≠": "!=", "→": "->", "←": "<-", "↔": "<->", "⇒": "=>",
    "−": "-", "‐": "-", "‑": "-", "‒": "-", "―": "—", "⁄": "/", "∕": "/",
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\ufeff": "",
    "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ", "\u202f": " ", "\u2007": " ",
    "\u2028": " ", "\u2029": " ", "\t": " ", "\r": " ", "\n": " ",
    "✓": "v", "✔": "v", "✗": "x", "✘": "x", "′": "'", "″": '"',
    "ł": "l", "Ł": "L", "ı": "i", "đ": "d", "Đ": "D",
}.items()}

#: Every character WinAnsi can show, with its byte.
WINANSI = {}
for _byte in (*range(32, 127), *range(128, 256)):
    try:
        WINANSI[bytes([_byte]).decode("cp1252")] = _byte
    except UnicodeDecodeError:
        pass


WINANSI_CHARS = frozenset(WINANSI)

#: A character → how it is written inside a PDF string (octal escapes keep it ASCII).
PDF_ESCAPE = {ord(ch): (f"\\{byte:03o}" if byte > 126 else "\\" + ch)
           for ch, byte in WINANSI.items() if byte > 126 or ch in "\\()"}


def _fallback(ch: str) -> str:
    if ch in WINANSI_CHARS:
        return ch
    if unicodedata.category(ch).startswith("C"):  # a control or format character
        return ""
    decomposed = "".join(c for c in unicodedata.normalize("NFKD", ch)
                         if not unicodedata.combining(c))
    if decomposed and all(c in WINANSI_CHARS for c in decomposed):
        return decomposed
    return "?"


def pdf_safe(text: str) -> str:
    """``text`` as the PDF fonts can show it (see above)."""
    if text.isascii() and "\t" not in text and "\n" not in text and "\r" not in text:
        return text
    text = text.translate(_REPLACE)
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        text = "".join(map(_fallback, text))
    else:
        if any(ch not in WINANSI_CHARS for ch in text):  # cp1252 control characters
            text = "".join(map(_fallback, text))
    return text


def _metrics() -> list[dict[str, int]]:
    from reportlab.pdfbase import pdfmetrics

    tables = []
    for name in FONTS:
        widths = pdfmetrics.getFont(name).widths  # per byte, in WinAnsi, 1/1000 em
        tables.append({ch: widths[byte] for ch, byte in WINANSI.items()})
    return tables


_WIDTHS: list[dict[str, int]] = []


_WORDS: list[dict[str, int]] = [{} for _ in FONTS]  # a cache of word widths per font


def em_units(text: str, style: int) -> int:
    """Width of ``text`` in 1/1000 em of the font of ``style``."""
    cache = _WORDS[style]
    width = cache.get(text)
    if width is None:
        if not _WIDTHS:
            _WIDTHS[:] = _metrics()  # one assignment: safe when two threads start at once
        table = _WIDTHS[style]
        width = sum([table.get(ch, 556) for ch in text])
        if len(cache) > 50_000:
            cache.clear()
        cache[text] = width
    return width


# --- styles and line breaking -----------------------------------------------------------

#: Points per millimetre.
MM = 72 / 25.4


@dataclass(frozen=True)
class _Style:
    size: float = 9.5
    leading: float = 13.5
    before: float = 0.0
    after: float = 5.0
    bold: bool = False
    indent: float = 0.0
    bullet_indent: float = 0.0
    color: str = "0 g"
    keep_with_next: bool = False


_GREY_TEXT = "0.2 g"


STYLES = {
    "p": _Style(),
    "h1": _Style(14, 18, 8, 8, True, keep_with_next=True),
    "h2": _Style(11.5, 15, 8, 4, True, keep_with_next=True),
    "h3": _Style(10, 14, 6, 3, True, keep_with_next=True),
    "li": _Style(after=2, indent=6 * MM, bullet_indent=1.5 * MM),
    "dt": _Style(after=1),
    "dd": _Style(after=2, indent=6 * MM),
    "small": _Style(8.5, 11.5, after=2, color=_GREY_TEXT),
    "notice": _Style(before=2, after=7, indent=3.5 * MM),
    "caption": _Style(before=4, after=3, bold=True, keep_with_next=True),
    "cell": _Style(8.5, 11.5, after=0),
    "th": _Style(8.5, 11.5, after=0, bold=True),
}
STYLES["h4"] = STYLES["h5"] = STYLES["h6"] = STYLES["h3"]


CELL_PAD = (4.0, 4.0, 3.0, 4.0)  # left, right, top, bottom


def _words(runs: tuple, bold: bool) -> list:
    """Runs → words: [space_before, [(text, style, href, units), ...]]; None for a line
    break. A word may change style in its middle ("<b>Datum</b>:")."""
    words: list = []
    current: list | None = None  # the word being built: [space_before, pieces]
    space = False
    extra = BOLD if bold else 0
    for text, style, href in runs:
        if text == "\n":
            words.append(None)
            current, space = None, False
            continue
        style = (style | extra) if not style & MONO else MONO
        text = pdf_safe(text)
        for i, part in enumerate(text.split(" ")):
            if i:
                space, current = True, None
            if not part:
                continue
            if current is None:
                current = [space, []]
                words.append(current)
                space = False
            current[1].append((part, style, href, em_units(part, style)))
    return words


def _break_word(pieces: list, limit_units: float) -> list[list]:
    """A word wider than the line, cut into pieces that fit (a long URL or hash)."""
    chunks: list[list] = []
    chunk: list = []
    used = 0
    for text, style, href, _ in pieces:
        start = 0
        for i, ch in enumerate(text):
            w = em_units(ch, style)
            if used + w > limit_units and (chunk or i > start):
                if i > start:
                    chunk.append((text[start:i], style, href, em_units(text[start:i], style)))
                chunks.append(chunk)
                chunk, used, start = [], 0, i
            used += w
        if start < len(text):
            chunk.append((text[start:], style, href, em_units(text[start:], style)))
    if chunk:
        chunks.append(chunk)
    return chunks


_LINES: dict[tuple, list[list]] = {}


def _lines(runs: tuple, width: float, size: float, bold: bool = False) -> list[list]:
    """Greedy line breaking: a list of lines, each a list of segments
    (text, style, href, x_units, units) with the spaces inside the text. Kept: most
    paragraphs of a letter are the same in every letter (treat the result as read-only)."""
    key = (runs, width, size, bold)
    lines = _LINES.get(key)
    if lines is None:
        if len(_LINES) > 5_000:
            _LINES.clear()
        lines = _LINES[key] = _break_lines(runs, width * 1000.0 / size, bold)
    return lines


def _break_lines(runs: tuple, limit: float, bold: bool) -> list[list]:
    lines: list[list] = []
    line: list = []
    used: float = 0

    def add(pieces, space):
        nonlocal used
        for n, (text, style, href, units) in enumerate(pieces):
            if n == 0 and space:
                text = " " + text
                units += em_units(" ", style)
            if line and line[-1][1] == style and line[-1][2] == href:
                last = line[-1]
                line[-1] = (last[0] + text, style, href, last[3], last[4] + units)
            else:
                line.append((text, style, href, used, units))
            used += units

    for word in _words(runs, bold):
        if word is None:
            lines.append(line)
            line, used = [], 0.0
            continue
        space, pieces = word
        units = sum(p[3] for p in pieces)
        space_units = em_units(" ", pieces[0][1]) if (space and line) else 0
        if line and used + space_units + units > limit:
            lines.append(line)
            line, used, space_units = [], 0.0, 0
        if not line and units > limit:
            chunks = _break_word(pieces, limit)
            for chunk in chunks[:-1]:
                add(chunk, False)
                lines.append(line)
                line, used = [], 0.0
            pieces = chunks[-1]
        add(pieces, bool(space_units))
    if line:
        lines.append(line)
    return lines


# --- laid-out items ------------------------------------------------------------------------

@dataclass
class Para:
    style: _Style
    lines: list
    x: float
    bullet: str = ""
    notice: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.style.leading


@dataclass
class Table:
    caption: Para | None
    widths: list[float]
    rows: list  # [(cells: [(lines, style)], height, header)]
    header_rows: int


@dataclass
class Gap:
    height: float


def _column_widths(rows: list[list[Cell]], total: float, size: float) -> list[float]:
    """Every column at least as wide as its longest word; the rest of the width shared
    in proportion to how much text each column holds."""
    n = max(len(r) for r in rows)
    pad = CELL_PAD[0] + CELL_PAD[1] + 4.0
    scale = size / 1000.0
    minimum, want = [0.0] * n, [0.0] * n
    for row in rows:
        for i, cell in enumerate(row):
            style = BOLD if cell.header else 0
            words = pdf_safe(cell.plain).split() or [""]
            longest = max(em_units(w, style) for w in words) * scale + pad
            minimum[i] = max(minimum[i], min(longest, total * 0.4))  # longer words split
            whole = (sum(em_units(w, style) for w in words)
                     + em_units(" ", style) * (len(words) - 1)) * scale + pad
            want[i] = max(want[i], min(whole, total * 0.6))
    spare = total - sum(minimum)
    if spare <= 0:
        return [total * m / sum(minimum) for m in minimum]
    extra = [max(w - m, 0.0) for w, m in zip(want, minimum, strict=True)]
    if sum(extra) == 0:
        return [m + spare / n for m in minimum]
    return [m + spare * e / sum(extra) for m, e in zip(minimum, extra, strict=True)]


def typeset_blocks(doc: Document, width: float) -> list:
    """The document's blocks as laid-out paragraphs, tables and gaps."""
    out: list = []
    term: Block | None = None

    def para(runs, style, x=0.0, bullet="", notice=False):
        return Para(style, _lines(runs, width - x - style.indent, style.size, style.bold),
                     x, bullet, notice)

    def bold(runs):
        return tuple((t, s | BOLD, h) for t, s, h in runs)

    for block in doc.blocks:
        if term is not None and block.kind != "dd":
            out.append(para(bold(term.runs), STYLES["dt"]))
            term = None
        if isinstance(block, TableBlock):
            if not block.rows:
                continue
            caption = para(block.caption.runs, STYLES["caption"]) if block.caption else None
            n = max(len(r) for r in block.rows)
            widths = _column_widths(block.rows, width, STYLES["cell"].size)
            rows = []
            inner_pad = CELL_PAD[0] + CELL_PAD[1]
            for row in block.rows:
                cells = []
                for i in range(n):
                    cell = row[i] if i < len(row) else None
                    style = STYLES["th" if cell is not None and cell.header else "cell"]
                    lines = (_lines(cell.runs, widths[i] - inner_pad, style.size, style.bold)
                             if cell is not None else [])
                    cells.append((lines, style))
                height = max(len(lines) * style.leading for lines, style in cells)
                rows.append((cells, height + CELL_PAD[2] + CELL_PAD[3],
                             all(c.header for c in row)))
            header_rows = 1 if rows[0][2] else 0
            out.append(Table(caption, widths, rows, header_rows))
            out.append(Gap(6))
            continue
        if block.kind == "gap":
            if out and not isinstance(out[-1], Gap):
                out.append(Gap(5))
            continue
        classes = block.css.split() if block.css else ()
        kind = block.kind
        if kind == "dt":
            term = block
            continue
        if kind == "dd" and term is not None:
            runs = bold(term.runs) + ((": ", 0, None),) + block.runs
            out.append(para(runs, STYLES["dt"]))
            term = None
            continue
        if kind == "li":
            indent = (block.depth - 1) * 6 * MM
            out.append(para(block.runs, STYLES["li"], indent, block.bullet))
            continue
        if kind in STYLES and kind not in ("p", "caption", "cell", "th"):
            style = STYLES[kind]
        elif "small" in classes:
            style = STYLES["small"]
        elif "notice" in classes:
            style = STYLES["notice"]
        else:
            style = STYLES["p"]
        if "spaced" in classes:
            out.append(Gap(6))
        out.append(para(block.runs, style, notice="notice" in classes))
    if term is not None:
        out.append(para(bold(term.runs), STYLES["dt"]))
    return out
