"""The PDF: the items typeset by :mod:`matching.letters.typeset` placed on A4 pages and
written, line by line, as PDF text operators on a ReportLab canvas (Platypus took 20 ms a
letter; this takes about 1), deterministically (``invariant=1``: the same document gives
the same bytes), with a footer: a reference or title, and the page number.

:func:`write_pdf` serves both the letters (:func:`matching.letters.render.render_pdf`) and
:func:`render_document_pdf`, for any HTML document written with the letters' tags (the
final report of step 3).

Placing: the space after an item and the space before the next collapse, a heading stays
with what follows, no widow line at a page's foot, a table's caption, header and first row
stay together, its header repeats on every page and a row taller than a page is split.
"""

from __future__ import annotations

import io

from matching.letters.document import Document, parse_letter_html
from matching.letters.typeset import (
    CELL_PAD,
    FONT,
    FONTS,
    MM,
    PDF_ESCAPE,
    STYLES,
    Gap,
    Para,
    Table,
    em_units,
    pdf_safe,
    typeset_blocks,
)

#: The PDF's /Lang per language (the HTML carries the bare language code).
PDF_LANG = {"nl": "nl-BE", "en": "en-GB"}

A4_WIDTH, A4_HEIGHT = 595.2755905511812, 841.8897637795277

_LINK = "0.102 0.31 0.545 rg"  # #1a4f8b


_GRID = "0.5 w 0.541 0.541 0.541 RG"  # #8a8a8a


_HEADER_FILL = "0.902 g"  # #e6e6e6


_NOTICE_BAR = "2 w 0.102 0.31 0.545 RG"


def _num(value: float) -> str:
    text = f"{value:.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- pages ---------------------------------------------------------------------------------

class _Pages:
    """Places laid-out items on A4 pages: a list of PDF content operations per page and
    the link rectangles, with the page count known before anything is written."""

    def __init__(self, margin: float, bottom: float, fonts: _FontNames) -> None:
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
            parts.append(f"({text.translate(PDF_ESCAPE)}) Tj")
            if href:
                start = x + at * scale
                if text.startswith(" "):
                    start += em_units(" ", style) * scale
                self.page_links.append((href, (start, baseline - size * 0.25,
                                               x + (at + units) * scale,
                                               baseline + size * 0.85)))
        parts.append("ET")
        ops.append(" ".join(parts))

    def paragraph_lines(self, para: Para, lines: list, first: bool) -> None:
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
    if isinstance(item, Para):
        return item.style.leading if item.lines else 0.0
    if isinstance(item, Table):
        height = item.caption.height + item.caption.style.after if item.caption else 0.0
        rows = item.rows[:item.header_rows + 1]
        return height + sum(r[1] for r in rows)
    return 0.0


def _following(items: list, index: int):
    """The items after ``index``, without the gaps."""
    for j in range(index + 1, len(items)):
        if not isinstance(items[j], Gap):
            yield items[j]


def _layout(items: list, pages: _Pages) -> None:
    pending = 0.0  # space after the previous item (collapses with the space before)
    for index, item in enumerate(items):
        if isinstance(item, Gap):
            pending += item.height
            continue
        before = item.style.before if isinstance(item, Para) else (
            item.caption.style.before if isinstance(item, Table) and item.caption else 0.0)
        space = 0.0 if pages.fresh else max(pending, before)
        if isinstance(item, Para):
            need = item.height
            if item.style.keep_with_next:  # a heading stays with what follows
                need += item.style.after
                for following in _following(items, index):
                    if isinstance(following, Para) and following.style.keep_with_next:
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


def _place_table(table: Table, pages: _Pages, space: float) -> None:
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
        for (_, style), lines, width in zip(cells, lines_by_cell, table.widths, strict=True):
            y = top - CELL_PAD[2]
            for line in lines:
                pages.text_line(line, x + CELL_PAD[0], y - style.size, style.size,
                                style.color)
                y -= style.leading
            x += width
        pages.y = top - height
        boundaries.append(pages.y)
        pages.fresh = False

    for row in header:
        draw_row(row)
    pad = CELL_PAD[2] + CELL_PAD[3]
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
            if room < 2 * STYLES["cell"].leading:
                close_segment()
                pages.new_page()
                boundaries[:] = [pages.y]
                for h in header:
                    draw_row(h)
                room = pages.room() - pad
            part, rest = [], []
            for (_, style), left in zip(cells, remaining, strict=True):
                fit = max(int(room // style.leading), 1)
                part.append(left[:fit])
                rest.append(left[fit:])
            height = max(len(p) * style.leading
                         for p, (_, style) in zip(part, cells, strict=True)) + pad
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


# --- writing -------------------------------------------------------------------------------

def write_pdf(doc: Document, *, title: str, author: str, subject: str, keywords: str,
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
    _layout(typeset_blocks(doc, A4_WIDTH - 2 * margin), pages)
    total = len(pages.pages)
    footer_style = (f"{fonts[0]} 7.5 Tf", "0.267 g")  # #444444
    widest = pdf_safe(page_label % {"page": total, "pages": total})
    room = (A4_WIDTH - 2 * margin - 12) * 1000 / 7.5 - em_units(widest, 0)
    footer_left = pdf_safe(footer_left)
    if em_units(footer_left, 0) > room:  # a long title: cut, never over the page number
        while footer_left and em_units(footer_left + "…", 0) > room:
            footer_left = footer_left[:-1]
        footer_left = footer_left.rstrip() + "…"
    footer_left = footer_left.translate(PDF_ESCAPE)
    for number, (ops, links) in enumerate(zip(pages.pages, pages.links, strict=True), start=1):
        label = pdf_safe(page_label % {"page": number, "pages": total})
        label_x = A4_WIDTH - margin - em_units(label, 0) * 7.5 / 1000.0
        foot = [f"BT {footer_style[0]} {footer_style[1]} 1 0 0 1 {_num(margin)} "
                f"{_num(12 * MM)} Tm ({footer_left}) Tj "
                f"1 0 0 1 {_num(label_x)} {_num(12 * MM)} Tm "
                f"({label.translate(PDF_ESCAPE)}) Tj ET"]
        canvas.addLiteral("\n".join(ops + foot))
        for href, rect in links:
            canvas.linkURL(href, tuple(round(v, 2) for v in rect), relative=0, thickness=0)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


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
    return write_pdf(doc, title=title, author=author or doc.meta.get("author", ""),
                      subject=subject or doc.meta.get("description", ""), keywords=keywords,
                      creator=doc.meta.get("generator", ""), lang=PDF_LANG.get(lang, lang),
                      footer_left=title if footer is None else footer,
                      page_label=page_label or PAGE_LABELS.get(lang, PAGE_LABELS["nl"]))
