"""Render a letter (:class:`~matching.letters.content.LetterContent`) as HTML, PDF and text,
and any document written with the same tags as a PDF (:func:`render_document_pdf`, used
for the final report of step 3).

The wording lives only in the templates ``templates/letters/<kind>.html`` (translated with
Flask-Babel); the PDF and the plain-text e-mail body are derived from the rendered HTML by
one small converter, so the three versions cannot drift apart.

* :func:`render_html` needs an application context (callers have one).
* :func:`render_pdf` is deterministic: the same content gives the same bytes (ReportLab
  ``invariant=1``), so a SHA-256 of a letter is stable. The PDF is laid out here, line by
  line, and written as PDF text operators on a ReportLab canvas (Platypus took 20 ms a
  letter; this takes about 1): paragraphs with bold, italic, monospace and links, lists,
  definition lists and tables whose header repeats on every page and whose rows split
  when taller than a page. The fonts are the standard Helvetica family (nothing to
  embed): Dutch accents ("beëindigd", "financiële") and the usual typography are in
  their WinAnsi encoding; see :func:`pdf_safe` for the rest.
* Dates are shown as Brussels calendar days in the letter's language ("22 november
  2026"), formatted by Babel with an explicit locale: the OS locale plays no part.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from html import unescape as _html_unescape

from babel.dates import format_date as _babel_format_date

from matching.letters.content import LetterContent, LetterKind, check_complete
from matching.rules import APPEAL_WINDOW_DAYS, BRUSSELS, require_aware

#: The PDF's /Lang per letter language (the HTML carries the bare language code).
PDF_LANG = {"nl": "nl-BE", "en": "en-GB"}


# --- dates -------------------------------------------------------------------------------

def _babel_locale(locale: str) -> str:
    return (locale or "nl").replace("-", "_")


def brussels(instant: datetime) -> datetime:
    """An aware instant as Brussels wall-clock time."""
    return require_aware(instant).astimezone(BRUSSELS)


def _as_day(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return brussels(value).date()
    return value


def format_day(value: date | datetime, locale: str = "nl", *, weekday: bool = False) -> str:
    """The Brussels calendar day, e.g. '22 november 2026' (nl) or '22 November 2026' (en);
    with ``weekday``: 'zondag 22 november 2026'."""
    return _format_day(_as_day(value), _babel_locale(locale), weekday)


@lru_cache(maxsize=4096)
def _format_day(day: date, locale: str, weekday: bool) -> str:
    return _babel_format_date(day, "EEEE d MMMM y" if weekday else "d MMMM y", locale=locale)


def format_clock(instant: datetime, *, seconds: bool = False) -> str:
    """Brussels wall-clock time, 24-hour: '10:00' or '23:59:59'."""
    return brussels(instant).strftime("%H:%M:%S" if seconds else "%H:%M")


# --- HTML ----------------------------------------------------------------------------------

def template_name(kind: LetterKind) -> str:
    return f"letters/{LetterKind(kind).value}.html"


def template_gettext() -> dict:
    """``gettext`` and ``ngettext`` for one template rendering, bound to the translations of
    the current locale once. They behave as the ones Flask-Babel installs in Jinja
    (new-style: autoescaped, always %-formatted), without looking the translations up
    again for every message (that took half the time of a letter's HTML). Passed in the
    template's context they take precedence over the environment's; ``_`` follows."""
    from flask_babel import get_translations
    from jinja2 import pass_context
    from markupsafe import Markup

    translations = get_translations()
    lookup, plural = translations.ugettext, translations.ungettext

    @pass_context
    def gettext(context, message: str, /, **variables) -> str:
        text = lookup(message)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    @pass_context
    def ngettext(context, singular: str, plural_: str, n: int, /, **variables) -> str:
        variables.setdefault("num", n)
        text = plural(singular, plural_, n)
        if context.eval_ctx.autoescape:
            text = Markup(text)
        return text % variables

    return {"gettext": gettext, "ngettext": ngettext, "translate": lookup}


_last_html: tuple | None = None  # (app, content, locale, html): see render_text


def render_html(content: LetterContent, locale: str = "nl") -> str:
    """The letter as a standalone, accessible HTML document in ``locale`` ("nl" or "en").

    Refuses an incomplete letter (:class:`~matching.letters.content.IncompleteLetter`).
    """
    global _last_html
    from flask import current_app, render_template
    from flask_babel import force_locale

    check_complete(content)

    with force_locale(locale):
        translations = template_gettext()
        translate = translations.pop("translate")

        def tr(message: str | None) -> str:
            """Translate a message id carried by the content (a criterion label, a scale
            wording, a next step) without %-formatting; unknown text comes back unchanged."""
            return translate(message) if message else ""

        html = render_template(
            template_name(content.kind),
            **translations,
            content=content,
            sender=content.sender,
            recipient=content.recipient,
            kinds=LetterKind,
            lang=locale.split("_")[0].split("-")[0],
            tr=tr,
            fmt_date=lambda value: format_day(value, locale),
            fmt_weekday=lambda value: format_day(value, locale, weekday=True),
            fmt_time=lambda instant: format_clock(instant),
            fmt_time_s=lambda instant: format_clock(instant, seconds=True),
            iso=lambda value: (brussels(value) if isinstance(value, datetime) else value)
            .isoformat(),
            appeal_days=APPEAL_WINDOW_DAYS,
            is_url=lambda text: bool(re.match(r"https?://", (text or "").strip())),
        )
    _last_html = (current_app._get_current_object(), content, locale, html)
    return html


# --- the HTML converter ------------------------------------------------------------------
#
# The templates are ours and use a small set of tags, so a regular-expression tokenizer is
# enough (and several times faster than ``html.parser``): comments, declarations and the
# content of <style>/<script> are skipped, entities are decoded, attribute values may be
# quoted either way. Text is carried as *runs* — (text, style, link) — so that the PDF can
# lay it out with bold, italic, monospace and links, and as plain text for the e-mail.

#: Inline style bits of a run.
BOLD, ITALIC, MONO = 1, 2, 4

@dataclass
class Block:
    """A paragraph-like unit: ``runs`` of styled text — (text, style bits, link or None),
    a text "\n" is a line break — and ``plain`` as text. ``kind`` is the HTML tag (h1, p,
    li, dt, dd, ...) or "gap" (the end of a group: a little space)."""

    kind: str
    runs: tuple
    plain: str
    depth: int = 0
    bullet: str = ""
    css: str = ""


@dataclass
class Cell:
    header: bool
    runs: tuple
    plain: str


@dataclass
class TableBlock:
    caption: Block | None = None
    rows: list[list[Cell]] = field(default_factory=list)
    kind: str = "table"


@dataclass
class Document:
    lang: str = ""
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    blocks: list = field(default_factory=list)


_SKIP = {"head", "style", "script", "template", "noscript"}
_RAW_TEXT = {"style", "script"}
_LEAF = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "caption", "th", "td",
         "figcaption", "blockquote", "pre"}
_CONTAINER = {"html", "body", "main", "div", "section", "article", "header", "footer", "nav",
              "aside", "address", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr",
              "figure", "hr"}
_INLINE = {"strong": BOLD, "b": BOLD, "em": ITALIC, "i": ITALIC, "cite": ITALIC, "code": MONO,
           "kbd": MONO, "samp": MONO}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col"}

_TOKEN = re.compile(r"""
    <!--.*?-->                                                  # comment
  | <[!?][^>]*>                                                 # doctype, processing instruction
  | </([a-zA-Z][a-zA-Z0-9]*)\s*>                                # end tag: 1
  | <([a-zA-Z][a-zA-Z0-9]*)                                     # start tag: 2
      ((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)   # attributes: 3
      \s*(/?)>                                                  # self-closing: 4
  | ([^<]+|<)                                                   # text: 5
""", re.S | re.X)
_RAW_END = {tag: re.compile(f"</{tag}", re.I) for tag in _RAW_TEXT}
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")


def _attrs(source: str) -> dict[str, str]:
    if not source:
        return {}
    found = {}
    for name, dq, sq, bare in _ATTR.findall(source):
        value = dq or sq or bare
        found[name.lower()] = _html_unescape(value) if "&" in value else value
    return found


def _collapse(data: str) -> str:
    """Every run of white space as one space (as HTML shows it)."""
    if not data:
        return ""
    inner = " ".join(data.split())
    if not inner:
        return " "
    if data[0].isspace():
        inner = " " + inner
    if data[-1].isspace():
        inner += " "
    return inner


def _tidy(text: str) -> str:
    if "\n" in text:
        text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    if "  " in text:
        text = re.sub(r" {2,}", " ", text)
    return text.strip()


class _LetterParser:
    """Rendered HTML (a letter or a report) → a :class:`Document` of blocks and tables."""

    def __init__(self) -> None:
        self.doc = Document()
        self._skip = 0
        self._in_title = False
        self._runs: list[list] = []  # [text, style, href]
        self._plain: list[str] = []
        self._style = [0]  # the inline style stack
        self._leaf: list[tuple[str, str]] = []  # (tag, class)
        self._lists: list[list] = []  # [tag, counter]
        self._table: TableBlock | None = None
        self._row: list[Cell] | None = None
        self._links: list[str | None] = []

    # the tokenizer -------------------------------------------------------------------------
    def feed(self, html: str) -> None:
        pos, end = 0, len(html)
        match = _TOKEN.match
        while pos < end:
            m = match(html, pos)
            pos = m.end()
            text = m.group(5)
            if text is not None:
                self.handle_data(_html_unescape(text) if "&" in text else text)
                continue
            tag = m.group(2)
            if tag is not None:
                tag = tag.lower()
                self.handle_starttag(tag, _attrs(m.group(3)))
                if m.group(4) and tag not in _VOID:
                    self.handle_endtag(tag)
                elif tag in _RAW_TEXT:  # skip to the end tag, whatever the content
                    close = _RAW_END[tag].search(html, pos)
                    pos = end if close is None else close.start()
                continue
            tag = m.group(1)
            if tag is not None:
                self.handle_endtag(tag.lower())

    # buffer --------------------------------------------------------------------------------
    def _take(self) -> tuple[tuple, str]:
        runs = tuple((t, s, h) for t, s, h in self._runs)
        plain = _tidy("".join(self._plain))
        self._runs, self._plain = [], []
        return runs, plain

    def _flush(self, kind: str | None = None, css: str = "") -> None:
        if not self._runs and not self._plain and kind not in ("th", "td"):
            return
        runs, plain = self._take()
        kind = kind or "p"
        if kind in ("th", "td") and self._row is not None:
            self._row.append(Cell(kind == "th", runs, plain))
            return
        if not plain:
            return
        if kind == "caption" and self._table is not None:
            self._table.caption = Block("caption", runs, plain)
            return
        block = Block(kind, runs, plain, css=css)
        if kind == "li" and self._lists:
            lst = self._lists[-1]
            lst[1] += 1
            block.bullet = f"{lst[1]}." if lst[0] == "ol" else "•"
            block.depth = len(self._lists)
        elif kind == "dd":
            block.depth = 1
        self.doc.blocks.append(block)

    def _text(self, text: str) -> None:
        style = self._style[-1]
        href = self._links[-1] if self._links else None
        runs = self._runs
        if runs and runs[-1][1] == style and runs[-1][2] == href and runs[-1][0] != "\n":
            runs[-1][0] += text
        else:
            runs.append([text, style, href])

    # callbacks -----------------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.doc.lang = attrs.get("lang", "") or ""
        if tag == "meta" and attrs.get("name"):
            self.doc.meta[attrs["name"].lower()] = attrs.get("content", "") or ""
        if tag == "title":
            self._in_title = True
        if tag in _SKIP:
            self._skip += 1
            return
        if self._skip:
            return
        if tag in _LEAF:
            if self._leaf:  # a block inside a block: close the outer part first
                self._flush(*self._leaf[-1])
            elif self._runs:
                self._flush()
            self._leaf.append((tag, attrs.get("class", "") or ""))
        elif tag in _CONTAINER:
            if self._leaf:
                self._flush(*self._leaf[-1])
            else:
                self._flush()
            if tag in ("ul", "ol"):
                self._lists.append([tag, 0])
            elif tag == "table":
                self._table = TableBlock()
            elif tag == "tr" and self._table is not None:
                self._row = []
        elif tag in _INLINE:
            self._style.append(self._style[-1] | _INLINE[tag])
        elif tag == "br":
            self._runs.append(["\n", 0, None])
            self._plain.append("\n")
        elif tag == "a":
            href = attrs.get("href")
            self._links.append(href or (self._links[-1] if self._links else None))

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag in _LEAF:
            if self._leaf and self._leaf[-1][0] == tag:
                self._flush(*self._leaf.pop())
        elif tag in _CONTAINER:
            if self._leaf:
                self._flush(*self._leaf[-1])
            else:
                self._flush()
            if tag in ("div", "dl", "ul", "ol", "address", "section") and not self._leaf \
                    and self._table is None:
                self.doc.blocks.append(Block("gap", (), ""))
            if tag in ("ul", "ol") and self._lists:
                self._lists.pop()
            elif tag == "tr" and self._table is not None and self._row is not None:
                if self._row:
                    self._table.rows.append(self._row)
                self._row = None
            elif tag == "table" and self._table is not None:
                self.doc.blocks.append(self._table)
                self._table = None
        elif tag in _INLINE:
            if len(self._style) > 1:
                self._style.pop()
        elif tag == "a" and self._links:
            self._links.pop()

    def handle_data(self, data):
        if self._in_title:
            self.doc.title += data
        if self._skip or (not self._runs and data.isspace()):
            return  # white space before any text of a block shows nothing
        text = _collapse(data)
        self._text(text)
        self._plain.append(text)

    def close(self):
        self._flush()
        self.doc.title = _tidy(self.doc.title)


_parsed: tuple[str, Document] | None = None


def parse_letter_html(html: str) -> Document:
    """The blocks of a rendered document. The last result is kept: the PDF and the text of
    one letter are derived from the same HTML (treat the result as read-only)."""
    global _parsed
    cached = _parsed
    if cached is not None and cached[0] == html:
        return cached[1]
    parser = _LetterParser()
    parser.feed(html)
    parser.close()
    _parsed = (html, parser.doc)
    return parser.doc


# --- plain text --------------------------------------------------------------------------

def _text_of(doc: Document) -> str:
    parts: list[str] = []
    previous = ""
    for block in doc.blocks:
        if isinstance(block, TableBlock):
            lines = []
            if block.caption:
                lines.append(block.caption.plain)
            rows = block.rows
            header = rows[0] if rows and all(c.header for c in rows[0]) else None
            for row in rows[1:] if header else rows:
                if header and len(row) == len(header):
                    lines.append(f"- {row[0].plain}")
                    for head, cell in zip(header[1:], row[1:]):
                        value = cell.plain.replace("\n", "\n    ")
                        lines.append(f"  {head.plain}: {value}")
                else:
                    lines.append(" | ".join(c.plain for c in row))
            parts.append("\n".join(lines))
            previous = "table"
            continue
        if block.kind == "gap":
            previous = "gap"
            continue
        text = block.plain
        if block.kind == "h1":
            text = f"{text}\n{'=' * min(len(text), 72)}"
        elif block.kind in ("h2", "h3"):
            text = f"{text}\n{'-' * min(len(text), 72)}"
        elif block.kind == "li":
            bullet = "-" if block.bullet == "•" else block.bullet
            text = "  " * (block.depth - 1) + f"{bullet} {text}"
        elif block.kind == "dd":
            if previous == "dt" and parts:
                parts[-1] = f"{parts[-1]}: {text}"
                previous = "dd"
                continue
            text = f"  {text}"
        # list items and dt/dd pairs stay together; everything else is its own paragraph
        if block.kind in ("li", "dt") and previous in ("li", "dd") and parts:
            parts[-1] = f"{parts[-1]}\n{text}"
        else:
            parts.append(text)
        previous = block.kind
    return "\n\n".join(parts).strip() + "\n"


def render_text(content: LetterContent, locale: str = "nl", html: str | None = None) -> str:
    """The letter as plain text (the e-mail body), derived from the rendered HTML.

    Without ``html``, the HTML just rendered for an equal letter in the same language (and
    application) is reused: rendering is a function of these, and a letter's PDF and text
    are made one after the other."""
    if html is None:
        from flask import current_app

        last = _last_html
        if last is not None and last[0] is current_app._get_current_object() \
                and last[2] == locale and last[1] == content:
            html = last[3]
        else:
            html = render_html(content, locale)
    return _text_of(parse_letter_html(html))


# --- PDF: fonts and characters -----------------------------------------------------------
#
# The PDF uses the standard Helvetica family (and Courier for <code>), which every PDF
# reader has: nothing is embedded or subset, which makes a letter several times faster to
# write and smaller. Their WinAnsi encoding (Windows-1252) covers Dutch, French, German and
# the usual typography (é ë ï ö ç, – — ‘ ’ “ ” „ … • €); the few other characters are
# written as their nearest equivalent (⅔ → 2/3, ≥ → >=, č → c); the HTML and the e-mail
# text keep them exactly.

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
_ESCAPE = {ord(ch): (f"\\{byte:03o}" if byte > 126 else "\\" + ch)
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


def _units(text: str, style: int) -> int:
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


# --- PDF: layout ---------------------------------------------------------------------------

MM = 72 / 25.4
A4_WIDTH, A4_HEIGHT = 595.2755905511812, 841.8897637795277


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
_LINK = "0.102 0.31 0.545 rg"  # #1a4f8b
_STYLES = {
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
_STYLES["h4"] = _STYLES["h5"] = _STYLES["h6"] = _STYLES["h3"]
_CELL_PAD = (4.0, 4.0, 3.0, 4.0)  # left, right, top, bottom
_GRID = "0.5 w 0.541 0.541 0.541 RG"  # #8a8a8a
_HEADER_FILL = "0.902 g"  # #e6e6e6
_NOTICE_BAR = "2 w 0.102 0.31 0.545 RG"


def _num(value: float) -> str:
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _words(runs: tuple, bold: bool) -> list:
    """Runs → words: [space_before, [(text, style, href, units), ...]]; None for a line
    break. A word may change style in its middle ("<b>Datum</b>:")."""
    words: list = []
    current = None
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
            current[1].append((part, style, href, _units(part, style)))
    return words


def _break_word(pieces: list, limit_units: float) -> list[list]:
    """A word wider than the line, cut into pieces that fit (a long URL or hash)."""
    chunks, chunk, used = [], [], 0
    for text, style, href, _ in pieces:
        start = 0
        for i, ch in enumerate(text):
            w = _units(ch, style)
            if used + w > limit_units and (chunk or i > start):
                if i > start:
                    chunk.append((text[start:i], style, href, _units(text[start:i], style)))
                chunks.append(chunk)
                chunk, used, start = [], 0, i
            used += w
        if start < len(text):
            chunk.append((text[start:], style, href, _units(text[start:], style)))
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
    used = 0.0

    def add(pieces, space):
        nonlocal used
        for n, (text, style, href, units) in enumerate(pieces):
            if n == 0 and space:
                text = " " + text
                units += _units(" ", style)
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
        space_units = _units(" ", pieces[0][1]) if (space and line) else 0
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


@dataclass
class _Para:
    style: _Style
    lines: list
    x: float
    bullet: str = ""
    notice: bool = False

    @property
    def height(self) -> float:
        return len(self.lines) * self.style.leading


@dataclass
class _Table:
    caption: _Para | None
    widths: list[float]
    rows: list  # [(cells: [(lines, style)], height, header)]
    header_rows: int


@dataclass
class _Gap:
    height: float


def _column_widths(rows: list[list[Cell]], total: float, size: float) -> list[float]:
    """Every column at least as wide as its longest word; the rest of the width shared
    in proportion to how much text each column holds."""
    n = max(len(r) for r in rows)
    pad = _CELL_PAD[0] + _CELL_PAD[1] + 4.0
    scale = size / 1000.0
    minimum, want = [0.0] * n, [0.0] * n
    for row in rows:
        for i, cell in enumerate(row):
            style = BOLD if cell.header else 0
            words = pdf_safe(cell.plain).split() or [""]
            longest = max(_units(w, style) for w in words) * scale + pad
            minimum[i] = max(minimum[i], min(longest, total * 0.4))  # longer words split
            whole = (sum(_units(w, style) for w in words)
                     + _units(" ", style) * (len(words) - 1)) * scale + pad
            want[i] = max(want[i], min(whole, total * 0.6))
    spare = total - sum(minimum)
    if spare <= 0:
        return [total * m / sum(minimum) for m in minimum]
    extra = [max(w - m, 0.0) for w, m in zip(want, minimum)]
    if sum(extra) == 0:
        return [m + spare / n for m in minimum]
    return [m + spare * e / sum(extra) for m, e in zip(minimum, extra)]


def _items(doc: Document, width: float) -> list:
    """The document's blocks as laid-out paragraphs, tables and gaps."""
    out: list = []
    term: Block | None = None

    def para(runs, style, x=0.0, bullet="", notice=False):
        return _Para(style, _lines(runs, width - x - style.indent, style.size, style.bold),
                     x, bullet, notice)

    def bold(runs):
        return tuple((t, s | BOLD, h) for t, s, h in runs)

    for block in doc.blocks:
        if term is not None and block.kind != "dd":
            out.append(para(bold(term.runs), _STYLES["dt"]))
            term = None
        if isinstance(block, TableBlock):
            if not block.rows:
                continue
            caption = para(block.caption.runs, _STYLES["caption"]) if block.caption else None
            n = max(len(r) for r in block.rows)
            widths = _column_widths(block.rows, width, _STYLES["cell"].size)
            rows = []
            inner_pad = _CELL_PAD[0] + _CELL_PAD[1]
            for row in block.rows:
                cells = []
                for i in range(n):
                    cell = row[i] if i < len(row) else None
                    style = _STYLES["th" if cell is not None and cell.header else "cell"]
                    lines = (_lines(cell.runs, widths[i] - inner_pad, style.size, style.bold)
                             if cell is not None else [])
                    cells.append((lines, style))
                height = max(len(lines) * style.leading for lines, style in cells)
                rows.append((cells, height + _CELL_PAD[2] + _CELL_PAD[3],
                             all(c.header for c in row)))
            header_rows = 1 if rows[0][2] else 0
            out.append(_Table(caption, widths, rows, header_rows))
            out.append(_Gap(6))
            continue
        if block.kind == "gap":
            if out and not isinstance(out[-1], _Gap):
                out.append(_Gap(5))
            continue
        classes = block.css.split() if block.css else ()
        kind = block.kind
        if kind == "dt":
            term = block
            continue
        if kind == "dd" and term is not None:
            runs = bold(term.runs) + ((": ", 0, None),) + block.runs
            out.append(para(runs, _STYLES["dt"]))
            term = None
            continue
        if kind == "li":
            indent = (block.depth - 1) * 6 * MM
            out.append(para(block.runs, _STYLES["li"], indent, block.bullet))
            continue
        if kind in _STYLES and kind not in ("p", "caption", "cell", "th"):
            style = _STYLES[kind]
        elif "small" in classes:
            style = _STYLES["small"]
        elif "notice" in classes:
            style = _STYLES["notice"]
        else:
            style = _STYLES["p"]
        if "spaced" in classes:
            out.append(_Gap(6))
        out.append(para(block.runs, style, notice="notice" in classes))
    if term is not None:
        out.append(para(bold(term.runs), _STYLES["dt"]))
    return out


class _Pages:
    """Places laid-out items on A4 pages: a list of PDF content operations per page and
    the link rectangles, with the page count known before anything is written."""

    def __init__(self, margin: float, bottom: float, fonts: "_FontNames") -> None:
        self.fonts = fonts
        self.left = margin
        self.top = A4_HEIGHT - margin
        self.bottom = bottom
        self.pages: list[list[str]] = []
        self.links: list[list[tuple]] = []
        self.new_page()

    def new_page(self) -> None:
        self.ops: list[str] = []
        self.page_links: list[tuple] = []
        self.pages.append(self.ops)
        self.links.append(self.page_links)
        self.y = self.top
        self.fresh = True  # nothing placed yet: space before is dropped
        self.fill = "0 g"

    def room(self) -> float:
        return self.y - self.bottom

    def text_line(self, segments: list, x: float, baseline: float, size: float,
                  color: str) -> None:
        ops = self.ops
        parts = [f"BT 1 0 0 1 {_num(x)} {_num(baseline)} Tm"]
        font = None
        scale = size / 1000.0
        for text, style, href, at, units in segments:
            if style != font:
                parts.append(f"{self.fonts[style]} {_num(size)} Tf")
                font = style
            fill = _LINK if href else color
            if fill != self.fill:
                parts.append(fill)
                self.fill = fill
            parts.append(f"({text.translate(_ESCAPE)}) Tj")
            if href:
                start = x + at * scale
                if text.startswith(" "):
                    start += _units(" ", style) * scale
                self.page_links.append((href, (start, baseline - size * 0.25,
                                               x + (at + units) * scale,
                                               baseline + size * 0.85)))
        parts.append("ET")
        ops.append(" ".join(parts))

    def paragraph_lines(self, para: _Para, lines: list, first: bool) -> None:
        style = para.style
        x = self.left + para.x + style.indent
        top = self.y
        for line in lines:
            baseline = self.y - style.size
            if first and para.bullet:
                self.text_line([(pdf_safe(para.bullet), 0, None, 0, 0)],
                               self.left + para.x + style.bullet_indent, baseline,
                               style.size, style.color)
                first = False
            self.text_line(line, x, baseline, style.size, style.color)
            self.y -= style.leading
        if para.notice and lines:
            bar = self.left + para.x + 0.8 * MM
            self.ops.append(f"q {_NOTICE_BAR} {_num(bar)} {_num(top - 1)} m "
                            f"{_num(bar)} {_num(self.y + 2)} l S Q")
        self.fresh = False


class _FontNames:
    """The fonts' resource names in the PDF (/F1 ...), by style; a font is added to the
    document when it is first used."""

    def __init__(self, canvas) -> None:
        self._pdf = canvas._doc
        self._names: dict[int, str] = {}

    def __getitem__(self, style: int) -> str:
        name = self._names.get(style)
        if name is None:
            name = self._names[style] = self._pdf.getInternalFontName(FONTS[style])
        return name


def _first_chunk(item) -> float:
    """The least that must follow a heading on the same page."""
    if isinstance(item, _Para):
        return item.style.leading if item.lines else 0.0
    if isinstance(item, _Table):
        height = item.caption.height + item.caption.style.after if item.caption else 0.0
        rows = item.rows[:item.header_rows + 1]
        return height + sum(r[1] for r in rows)
    return 0.0


def _following(items: list, index: int):
    """The items after ``index``, without the gaps."""
    for j in range(index + 1, len(items)):
        if not isinstance(items[j], _Gap):
            yield items[j]


def _layout(items: list, pages: _Pages) -> None:
    pending = 0.0  # space after the previous item (collapses with the space before)
    for index, item in enumerate(items):
        if isinstance(item, _Gap):
            pending += item.height
            continue
        before = item.style.before if isinstance(item, _Para) else (
            item.caption.style.before if isinstance(item, _Table) and item.caption else 0.0)
        space = 0.0 if pages.fresh else max(pending, before)
        if isinstance(item, _Para):
            need = item.height
            if item.style.keep_with_next:  # a heading stays with what follows
                need += item.style.after
                for following in _following(items, index):
                    if isinstance(following, _Para) and following.style.keep_with_next:
                        need += following.height + following.style.after
                        continue
                    need += _first_chunk(following)
                    break
                need = min(need, pages.top - pages.bottom)
            else:
                need = min(need, item.style.leading * 2)  # no widow line at a page's foot
            if space + need > pages.room() and not pages.fresh:
                pages.new_page()
                space = 0.0
            pages.y -= space
            lines, first = item.lines, True
            while lines:
                fit = max(int((pages.room() + 0.01) // item.style.leading), 0)
                if fit == 0 and pages.fresh:
                    fit = 1
                pages.paragraph_lines(item, lines[:fit], first)
                lines, first = lines[fit:], False
                if lines:
                    pages.new_page()
            pending = item.style.after
        else:
            _place_table(item, pages, space)
            pending = 0.0


def _place_table(table: _Table, pages: _Pages, space: float) -> None:
    if space + _first_chunk(table) > pages.room() and not pages.fresh:
        pages.new_page()  # the caption, the header and a first row stay together
        space = 0.0
    pages.y -= space
    if table.caption is not None:
        caption = table.caption
        pages.paragraph_lines(caption, caption.lines, True)
        pages.y -= caption.style.after
    header = table.rows[:table.header_rows]
    body = table.rows[table.header_rows:]
    usable = pages.top - pages.bottom
    boundaries: list[float] = [pages.y]

    def close_segment():
        if len(boundaries) > 1:
            _grid(pages, table.widths, boundaries)

    def draw_row(row, lines_by_cell=None):
        cells, height, is_header = row
        top = pages.y
        if lines_by_cell is None:
            lines_by_cell = [lines for lines, _ in cells]
        if is_header:
            pages.ops.append(f"q {_HEADER_FILL} {_num(pages.left)} {_num(top - height)} "
                             f"{_num(sum(table.widths))} {_num(height)} re f Q")
        x = pages.left
        for (_, style), lines, width in zip(cells, lines_by_cell, table.widths):
            y = top - _CELL_PAD[2]
            for line in lines:
                pages.text_line(line, x + _CELL_PAD[0], y - style.size, style.size,
                                style.color)
                y -= style.leading
            x += width
        pages.y = top - height
        boundaries.append(pages.y)
        pages.fresh = False

    for row in header:
        draw_row(row)
    pad = _CELL_PAD[2] + _CELL_PAD[3]
    header_height = sum(r[1] for r in header)
    for row in body:
        if row[1] <= pages.room():
            draw_row(row)
            continue
        if row[1] <= usable - header_height:  # fits on a new page: move it there
            close_segment()
            pages.new_page()
            boundaries[:] = [pages.y]
            for h in header:
                draw_row(h)
            draw_row(row)
            continue
        # taller than a page: split its cells' lines over pages
        cells = row[0]
        remaining = [lines for lines, _ in cells]
        while any(remaining):
            room = pages.room() - pad
            if room < 2 * _STYLES["cell"].leading:
                close_segment()
                pages.new_page()
                boundaries[:] = [pages.y]
                for h in header:
                    draw_row(h)
                room = pages.room() - pad
            part, rest = [], []
            for (lines, style), left in zip(cells, remaining):
                fit = max(int(room // style.leading), 1)
                part.append(left[:fit])
                rest.append(left[fit:])
            height = max(len(p) * style.leading for p, (_, style) in zip(part, cells)) + pad
            draw_row((cells, height, False), part)
            remaining = rest
            if any(remaining):
                close_segment()
                pages.new_page()
                boundaries[:] = [pages.y]
                for h in header:
                    draw_row(h)
    close_segment()


def _grid(pages: _Pages, widths: list[float], boundaries: list[float]) -> None:
    left, right = pages.left, pages.left + sum(widths)
    top, bottom = boundaries[0], boundaries[-1]
    path = [f"q {_GRID}"]
    for y in boundaries:
        path.append(f"{_num(left)} {_num(y)} m {_num(right)} {_num(y)} l")
    x = left
    for width in [0.0] + widths:
        x += width
        path.append(f"{_num(x)} {_num(top)} m {_num(x)} {_num(bottom)} l")
    path.append("S Q")
    pages.ops.append(" ".join(path))


# --- PDF: writing --------------------------------------------------------------------------

def _write_pdf(doc: Document, *, title: str, author: str, subject: str, keywords: str,
               creator: str, lang: str, footer_left: str, page_label: str) -> bytes:
    """Lay ``doc`` out on A4 and write it with ReportLab's canvas, deterministically
    (``invariant``: no creation date, fixed document id). ``page_label`` is a %-format with
    ``page`` and ``pages`` ("pagina %(page)s van %(pages)s")."""
    from reportlab import rl_config
    from reportlab.pdfgen.canvas import Canvas

    # Compressed streams stay binary: without ReportLab's C accelerator, ASCII85 encoding
    # took a fifth of a letter's time. Set once for the process (every PDF it writes then
    # uses the same setting, so the same content keeps giving the same bytes).
    rl_config.useA85 = 0
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(A4_WIDTH, A4_HEIGHT), invariant=1, pageCompression=1,
                    lang=lang, initialFontName=FONT)
    canvas.setTitle(title)
    canvas.setAuthor(author)
    canvas.setSubject(subject)
    canvas.setKeywords(keywords)
    canvas.setCreator(creator)
    # The text is written as PDF operators with canvas.addLiteral.
    fonts = _FontNames(canvas)
    margin = 20 * MM
    pages = _Pages(margin, margin + 4 * MM, fonts)
    _layout(_items(doc, A4_WIDTH - 2 * margin), pages)
    total = len(pages.pages)
    footer_style = (f"{fonts[0]} 7.5 Tf", "0.267 g")  # #444444
    widest = pdf_safe(page_label % {"page": total, "pages": total})
    room = (A4_WIDTH - 2 * margin - 12) * 1000 / 7.5 - _units(widest, 0)
    footer_left = pdf_safe(footer_left)
    if _units(footer_left, 0) > room:  # a long title: cut, never over the page number
        while footer_left and _units(footer_left + "…", 0) > room:
            footer_left = footer_left[:-1]
        footer_left = footer_left.rstrip() + "…"
    footer_left = footer_left.translate(_ESCAPE)
    for number, (ops, links) in enumerate(zip(pages.pages, pages.links), start=1):
        label = pdf_safe(page_label % {"page": number, "pages": total})
        label_x = A4_WIDTH - margin - _units(label, 0) * 7.5 / 1000.0
        foot = [f"BT {footer_style[0]} {footer_style[1]} 1 0 0 1 {_num(margin)} "
                f"{_num(12 * MM)} Tm ({footer_left}) Tj "
                f"1 0 0 1 {_num(label_x)} {_num(12 * MM)} Tm "
                f"({label.translate(_ESCAPE)}) Tj ET"]
        canvas.addLiteral("\n".join(ops + foot))
        for href, rect in links:
            canvas.linkURL(href, tuple(round(v, 2) for v in rect), relative=0, thickness=0)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def render_pdf(content: LetterContent, html: str | None = None, locale: str = "nl") -> bytes:
    """The letter as an A4 PDF with the same text as the HTML, deterministic bytes.

    Metadata: title (the HTML ``<title>``), author (``<meta name="author">``: the local
    governments of the work area), subject (``<meta name="description">``), keywords (the
    reference) and the document language (/Lang in the catalog). The footer shows the
    reference and the page number.
    """
    if html is None:
        html = render_html(content, locale)
    doc = parse_letter_html(html)
    lang = doc.lang or locale
    return _write_pdf(doc, title=doc.title or content.reference,
                      author=doc.meta.get("author", ", ".join(content.sender.governments)),
                      subject=doc.meta.get("description", ""), keywords=content.reference,
                      creator=doc.meta.get("generator", ""), lang=PDF_LANG.get(lang, lang),
                      footer_left=content.reference, page_label="%(page)s")


#: The page number in a document's footer, per language.
PAGE_LABELS = {"nl": "pagina %(page)s van %(pages)s", "en": "page %(page)s of %(pages)s"}


def render_document_pdf(html: str, *, title: str | None = None, locale: str = "nl",
                        author: str | None = None, subject: str | None = None,
                        keywords: str = "", footer: str | None = None,
                        page_label: str | None = None) -> bytes:
    """Any HTML document written with the letters' tags (h1–h6, p, ul/ol/li, dl, table with
    caption/th/td, strong/em/code/a, br) as an A4 PDF, deterministic bytes.

    ``title``, ``author`` and ``subject`` default to the document's ``<title>``,
    ``<meta name="author">`` and ``<meta name="description">``; /Lang comes from
    ``<html lang>`` or ``locale``. The footer shows ``footer`` (default: the title) and
    "pagina X van Y" (``page_label``, a %-format with ``page`` and ``pages``).
    """
    doc = parse_letter_html(html)
    lang = doc.lang or locale.split("_")[0].split("-")[0]
    title = title or doc.title
    return _write_pdf(doc, title=title, author=author or doc.meta.get("author", ""),
                      subject=subject or doc.meta.get("description", ""), keywords=keywords,
                      creator=doc.meta.get("generator", ""), lang=PDF_LANG.get(lang, lang),
                      footer_left=title if footer is None else footer,
                      page_label=page_label or PAGE_LABELS.get(lang, PAGE_LABELS["nl"]))
