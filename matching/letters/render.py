"""Render a letter (:class:`~matching.letters.content.LetterContent`) as HTML, PDF and text.

The wording lives only in the templates ``templates/letters/<kind>.html`` (translated with
Flask-Babel); the PDF and the plain-text e-mail body are derived from the rendered HTML by
one small ``html.parser`` converter, so the three versions cannot drift apart.

* :func:`render_html` needs an application context (callers have one).
* :func:`render_pdf` is deterministic: the same content gives the same bytes (ReportLab
  ``invariant=1``), so a SHA-256 of a letter is stable. Fonts are the Bitstream Vera TTFs
  shipped inside ReportLab, so Dutch accents ("beëindigd", "financiële") come out right on
  every machine.
* Dates are shown as Brussels calendar days in the letter's language ("22 november
  2026"), formatted by Babel with an explicit locale: the OS locale plays no part.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape as _html_escape
from html.parser import HTMLParser

from babel.dates import format_date as _babel_format_date

from matching.letters.content import LetterContent, LetterKind, check_complete
from matching.rules import APPEAL_WINDOW_DAYS, BRUSSELS, require_aware

#: The PDF's /Lang per letter language (the HTML carries the bare language code).
PDF_LANG = {"nl": "nl-BE", "en": "en-GB"}

FONT = "Vera"
FONT_FILES = {"Vera": "Vera.ttf", "VeraBd": "VeraBd.ttf", "VeraIt": "VeraIt.ttf",
              "VeraBI": "VeraBI.ttf"}


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
    pattern = "EEEE d MMMM y" if weekday else "d MMMM y"
    return _babel_format_date(_as_day(value), pattern, locale=_babel_locale(locale))


def format_clock(instant: datetime, *, seconds: bool = False) -> str:
    """Brussels wall-clock time, 24-hour: '10:00' or '23:59:59'."""
    return brussels(instant).strftime("%H:%M:%S" if seconds else "%H:%M")


# --- HTML ----------------------------------------------------------------------------------

def template_name(kind: LetterKind) -> str:
    return f"letters/{LetterKind(kind).value}.html"


def render_html(content: LetterContent, locale: str = "nl") -> str:
    """The letter as a standalone, accessible HTML document in ``locale`` ("nl" or "en").

    Refuses an incomplete letter (:class:`~matching.letters.content.IncompleteLetter`).
    """
    from flask import render_template
    from flask_babel import force_locale, gettext

    check_complete(content)

    def tr(message: str | None) -> str:
        """Translate a message id carried by the content (a criterion label, a scale
        wording, a next step) without %-formatting; unknown text comes back unchanged."""
        return gettext(message) if message else ""

    with force_locale(locale):
        return render_template(
            template_name(content.kind),
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


# --- the HTML converter ------------------------------------------------------------------

@dataclass
class Block:
    """A paragraph-like unit: ``markup`` in ReportLab's paragraph mini-language, ``plain``
    as text. ``kind`` is the HTML tag (h1, p, li, dt, dd, ...)."""

    kind: str
    markup: str
    plain: str
    depth: int = 0
    bullet: str = ""
    css: str = ""


@dataclass
class Cell:
    header: bool
    markup: str
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
_LEAF = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "dt", "dd", "caption", "th", "td",
         "figcaption", "blockquote", "pre"}
_CONTAINER = {"html", "body", "main", "div", "section", "article", "header", "footer", "nav",
              "aside", "address", "ul", "ol", "dl", "table", "thead", "tbody", "tfoot", "tr",
              "figure", "hr"}
_INLINE = {"strong": "b", "b": "b", "em": "i", "i": "i", "cite": "i"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "wbr", "col"}


def _rl_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    return re.sub(r" {2,}", " ", text).strip()


def _tidy_markup(markup: str) -> str:
    markup = re.sub(r"\s*<br/>\s*", "<br/>", markup)
    return re.sub(r" {2,}", " ", markup).strip()


class _LetterParser(HTMLParser):
    """Rendered letter HTML → a :class:`Document` of blocks and tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doc = Document()
        self._skip = 0
        self._in_title = False
        self._markup: list[str] = []
        self._plain: list[str] = []
        self._leaf: list[tuple[str, str]] = []  # (tag, class)
        self._lists: list[list] = []  # [tag, counter]
        self._table: TableBlock | None = None
        self._row: list[Cell] | None = None
        self._links: list[str | None] = []

    # buffer ------------------------------------------------------------------------------
    def _take(self) -> tuple[str, str]:
        markup, plain = _tidy_markup("".join(self._markup)), _tidy("".join(self._plain))
        self._markup, self._plain = [], []
        return markup, plain

    def _flush(self, kind: str | None = None, css: str = "") -> None:
        markup, plain = self._take()
        kind = kind or "p"
        if kind in ("th", "td") and self._row is not None:
            self._row.append(Cell(kind == "th", markup, plain))
            return
        if not plain:
            return
        if kind == "caption" and self._table is not None:
            self._table.caption = Block("caption", markup, plain)
            return
        block = Block(kind, markup, plain, css=css)
        if kind == "li" and self._lists:
            lst = self._lists[-1]
            lst[1] += 1
            block.bullet = f"{lst[1]}." if lst[0] == "ol" else "•"
            block.depth = len(self._lists)
        elif kind == "dd":
            block.depth = 1
        self.doc.blocks.append(block)

    # parser callbacks ----------------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
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
            elif self._markup:
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
            self._markup.append(f"<{_INLINE[tag]}>")
        elif tag == "br":
            self._markup.append("<br/>")
            self._plain.append("\n")
        elif tag == "a":
            href = attrs.get("href")
            self._links.append(href)
            if href:
                self._markup.append(f'<a href="{_html_escape(href)}" color="#1a4f8b">')

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
            if tag in ("div", "dl", "ul", "ol", "address") and not self._leaf \
                    and self._table is None:
                self.doc.blocks.append(Block("gap", "", ""))
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
            self._markup.append(f"</{_INLINE[tag]}>")
        elif tag == "a" and self._links:
            href = self._links.pop()
            if href:
                self._markup.append("</a>")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_data(self, data):
        if self._in_title:
            self.doc.title += data
        if self._skip:
            return
        text = re.sub(r"\s+", " ", data)
        self._markup.append(_rl_escape(text))
        self._plain.append(text)

    def close(self):
        super().close()
        self._flush()
        self.doc.title = _tidy(self.doc.title)


def parse_letter_html(html: str) -> Document:
    parser = _LetterParser()
    parser.feed(html)
    parser.close()
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
    """The letter as plain text (the e-mail body), derived from the rendered HTML."""
    if html is None:
        html = render_html(content, locale)
    return _text_of(parse_letter_html(html))


# --- PDF -----------------------------------------------------------------------------------

_fonts_registered = False


def _register_fonts() -> None:
    global _fonts_registered
    if _fonts_registered:
        return
    import reportlab
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    for name, filename in FONT_FILES.items():
        pdfmetrics.registerFont(TTFont(name, os.path.join(folder, filename)))
    pdfmetrics.registerFontFamily(FONT, normal="Vera", bold="VeraBd", italic="VeraIt",
                                  boldItalic="VeraBI")
    for bold, italic, name in ((0, 0, "Vera"), (1, 0, "VeraBd"), (0, 1, "VeraIt"),
                               (1, 1, "VeraBI")):
        addMapping(FONT, bold, italic, name)
    _fonts_registered = True


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm

    base = ParagraphStyle("letter", fontName=FONT, fontSize=9.5, leading=13.5, spaceAfter=5,
                          textColor=colors.black)
    return {
        "p": base,
        "h1": ParagraphStyle("h1", base, fontName="VeraBd", fontSize=14, leading=18,
                             spaceBefore=8, spaceAfter=8, keepWithNext=1),
        "h2": ParagraphStyle("h2", base, fontName="VeraBd", fontSize=11.5, leading=15,
                             spaceBefore=8, spaceAfter=4, keepWithNext=1),
        "h3": ParagraphStyle("h3", base, fontName="VeraBd", fontSize=10, leading=14,
                             spaceBefore=6, spaceAfter=3, keepWithNext=1),
        "li": ParagraphStyle("li", base, leftIndent=6 * mm, bulletIndent=1.5 * mm,
                             spaceAfter=2),
        "dt": ParagraphStyle("dt", base, spaceAfter=1),
        "dd": ParagraphStyle("dd", base, leftIndent=6 * mm, spaceAfter=2),
        "small": ParagraphStyle("small", base, fontSize=8.5, leading=11.5, spaceAfter=2,
                                textColor=colors.HexColor("#333333")),
        "caption": ParagraphStyle("caption", base, fontName="VeraBd", spaceBefore=4,
                                  spaceAfter=3, keepWithNext=1),
        "cell": ParagraphStyle("cell", base, fontSize=8.5, leading=11.5, spaceAfter=0),
        "th": ParagraphStyle("th", base, fontName="VeraBd", fontSize=8.5, leading=11.5,
                             spaceAfter=0),
    }


def _column_widths(rows: list[list[Cell]], total: float, style) -> list[float]:
    """Every column at least as wide as its longest word; the rest of the width shared
    in proportion to how much text each column holds."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    n = max(len(r) for r in rows)
    pad = 12.0
    minimum, want = [0.0] * n, [0.0] * n
    for row in rows:
        for i, cell in enumerate(row):
            font = "VeraBd" if cell.header else FONT
            words = cell.plain.split() or [""]
            longest = max(stringWidth(w, font, style.fontSize) for w in words) + pad
            minimum[i] = max(minimum[i], min(longest, total * 0.4))  # longer words split
            want[i] = max(want[i], min(stringWidth(cell.plain, font, style.fontSize) + pad,
                                       total * 0.6))
    spare = total - sum(minimum)
    if spare <= 0:
        return [total * m / sum(minimum) for m in minimum]
    extra = [max(w - m, 0.0) for w, m in zip(want, minimum)]
    if sum(extra) == 0:
        return [m + spare / n for m in minimum]
    return [m + spare * e / sum(extra) for m, e in zip(minimum, extra)]


def _flowables(doc: Document, width: float) -> list:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    styles = _styles()
    out: list = []
    for block in doc.blocks:
        if isinstance(block, TableBlock):
            if not block.rows:
                continue
            if block.caption:
                out.append(Paragraph(block.caption.markup, styles["caption"]))
            n = max(len(r) for r in block.rows)
            data = [[Paragraph(c.markup, styles["th" if c.header else "cell"]) for c in row]
                    + [""] * (n - len(row)) for row in block.rows]
            header_rows = 1 if all(c.header for c in block.rows[0]) else 0
            table = Table(data, colWidths=_column_widths(block.rows, width, styles["cell"]),
                          repeatRows=header_rows, hAlign="LEFT")
            commands = [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a8a8a")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
            if header_rows:
                commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")))
            table.setStyle(TableStyle(commands))
            out.append(table)
            out.append(Spacer(1, 6))
            continue
        if block.kind == "gap":
            if out and not isinstance(out[-1], Spacer):
                out.append(Spacer(1, 5))
            continue
        classes = set(block.css.split())
        if block.kind in ("h1", "h2", "h3"):
            style = styles[block.kind]
        elif block.kind in ("h4", "h5", "h6"):
            style = styles["h3"]
        elif block.kind in ("li", "dd", "dt"):
            style = styles[block.kind]
        else:
            style = styles["small"] if "small" in classes else styles["p"]
        if block.kind == "li":
            from reportlab.lib.styles import ParagraphStyle
            from reportlab.lib.units import mm
            indent = (block.depth - 1) * 6 * mm
            style = ParagraphStyle(f"li{block.depth}", style,
                                   leftIndent=style.leftIndent + indent,
                                   bulletIndent=style.bulletIndent + indent)
            out.append(Paragraph(block.markup, style, bulletText=block.bullet))
        elif block.kind == "dt":
            out.append(("dt", block))
        elif block.kind == "dd" and out and isinstance(out[-1], tuple):
            _, term = out.pop()
            out.append(Paragraph(f"<b>{term.markup}</b>: {block.markup}", styles["dt"]))
        else:
            if "spaced" in classes:
                out.append(Spacer(1, 6))
            out.append(Paragraph(block.markup, style))
    # a dt without a dd
    return [Paragraph(f"<b>{f[1].markup}</b>", styles["dt"]) if isinstance(f, tuple) else f
            for f in out]


def render_pdf(content: LetterContent, html: str | None = None, locale: str = "nl") -> bytes:
    """The letter as an A4 PDF with the same text as the HTML, deterministic bytes.

    Metadata: title (the HTML ``<title>``), author (``<meta name="author">``: the local
    governments of the work area), subject (``<meta name="description">``), keywords (the
    reference) and the document language (/Lang in the catalog).
    """
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    if html is None:
        html = render_html(content, locale)
    doc = parse_letter_html(html)
    _register_fonts()
    lang = doc.lang or locale
    buffer = io.BytesIO()
    margin = 20 * mm
    template = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=margin, rightMargin=margin, topMargin=margin,
        bottomMargin=margin + 4 * mm,
        title=doc.title or content.reference,
        author=doc.meta.get("author", ", ".join(content.sender.governments)),
        subject=doc.meta.get("description", ""),
        keywords=content.reference,
        creator=doc.meta.get("generator", ""),
        lang=PDF_LANG.get(lang, lang),
        initialFontName=FONT,
        invariant=1,
    )

    def footer(canvas, _doc):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#444444"))
        canvas.drawString(margin, 12 * mm, content.reference)
        canvas.drawRightString(A4[0] - margin, 12 * mm, str(canvas.getPageNumber()))
        canvas.restoreState()

    template.build(_flowables(doc, A4[0] - 2 * margin), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
