"""Rendered HTML (:mod:`matching.letters.markup`) as ReportLab Platypus flowables: paragraphs
(with ReportLab's inline markup), lists, definition lists and tables (header rows repeated,
rows split over pages), headings kept with what follows. Placed on pages by
:mod:`matching.letters.layout`.

Classes the layout knows: ``columns`` (its child blocks side by side, e.g. the sender and
the recipient of a letter), ``notice`` (a bar on the left), ``small``, ``spaced`` (space
before), ``keep`` (kept on one page, e.g. a signature). Text the fonts cannot show
(:func:`matching.letters.fonts.split_showable`) is replaced by a mark, and remembered.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from matching.letters import fonts
from matching.letters.markup import BLOCKS, SKIPPED, classes, collapse, tag_of

INK, GREY, LINK, RULE, HEAD_FILL = (colors.HexColor(c) for c in
                                    ("#111111", "#444444", "#1a4f8b", "#8a8a8a", "#e6e6e6"))
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 22 * mm, 20 * mm, 24 * mm
WIDTH = A4[0] - 2 * MARGIN_X


def _styles() -> dict[str, ParagraphStyle]:
    family = fonts.register()
    body = ParagraphStyle("body", fontName=family, fontSize=9.5, leading=13.5, textColor=INK,
                          spaceAfter=5)
    head = dict(fontName=fonts.SANS_BOLD, keepWithNext=1, textColor=INK)
    return {
        "body": body,
        "h1": ParagraphStyle("h1", body, fontSize=13.5, leading=17, spaceBefore=8,
                             spaceAfter=8, **head),
        "h2": ParagraphStyle("h2", body, fontSize=11, leading=14.5, spaceBefore=9,
                             spaceAfter=4, **head),
        "h3": ParagraphStyle("h3", body, fontSize=9.5, leading=13.5, spaceBefore=6,
                             spaceAfter=2, **head),
        "caption": ParagraphStyle("caption", body, spaceBefore=4, spaceAfter=3, **head),
        "small": ParagraphStyle("small", body, fontSize=8, leading=11, spaceAfter=2),
        "cell": ParagraphStyle("cell", body, fontSize=9, leading=12, spaceAfter=0),
        "head": ParagraphStyle("head", body, fontSize=9, leading=12, spaceAfter=0,
                               fontName=fonts.SANS_BOLD),
        "term": ParagraphStyle("term", body, fontSize=9, leading=12.5, spaceAfter=0,
                               fontName=fonts.SANS_BOLD),
        "item": ParagraphStyle("item", body, leftIndent=14, bulletIndent=3, spaceAfter=2),
    }


class Flowables:
    """The flowables of one document (see the module's docstring)."""

    def __init__(self, mark: str) -> None:
        self.mark = mark
        self.styles = _styles()
        self.unshowable = False

    # --- inline content as Platypus paragraph markup -------------------------------------
    def text(self, raw: str | None) -> str:
        if not raw:
            return ""
        out = []
        for chunk, ok in fonts.split_showable(raw):
            if ok:
                out.append(escape(chunk))
            else:
                self.unshowable = True
                out.append(escape(self.mark))
        return "".join(out)

    def inline(self, element, skip: tuple[str, ...] = ()) -> str:
        """The inline content of ``element`` (its text and children, not its tail)."""
        parts = [self.text(element.text)]
        for child in element:
            tag = tag_of(child)
            if tag is not None and tag not in SKIPPED and tag not in skip:
                parts.append(self.element(child, tag))
            parts.append(self.text(child.tail))
        return "".join(parts).strip()

    def element(self, el, tag: str) -> str:
        if tag == "br":
            return "<br/>"
        inner = self.inline(el)
        if tag in ("strong", "b"):
            return f"<b>{inner}</b>"
        if tag in ("em", "i", "cite"):
            return f"<i>{inner}</i>"
        if tag in ("code", "kbd", "samp"):
            return f'<font face="{fonts.MONO}">{inner}</font>'
        if tag == "a" and el.get("href"):
            return f'<a href={quoteattr(el.get("href"))} color="{LINK.hexval()}">{inner}</a>'
        if tag in BLOCKS:  # a block inside inline content: on its own line
            return f"<br/>{inner}<br/>"
        return inner

    def paragraph(self, markup: str, style: str | ParagraphStyle = "body", **kw) -> Paragraph:
        base = self.styles[style] if isinstance(style, str) else style
        if kw:
            base = ParagraphStyle(f"{base.name}+", base, **kw)
        return Paragraph(markup, base)

    # --- blocks ----------------------------------------------------------------------------
    def blocks(self, element, depth: int = 0) -> list[Flowable]:
        """The flowables of a container: its block children, loose inline content as
        paragraphs."""
        out: list[Flowable] = []
        pending: list[str] = [self.text(element.text)]

        def flush() -> None:
            markup = "".join(pending).strip()
            if markup:
                out.append(self.paragraph(markup))
            pending.clear()

        for child in element:
            tag = tag_of(child)
            if tag is None or tag in SKIPPED:
                pending.append(self.text(child.tail))
                continue
            if tag in BLOCKS:
                flush()
                out.extend(self.block(child, tag, depth))
            else:
                pending.append(self.element(child, tag))
            pending.append(self.text(child.tail))
        flush()
        return out

    def block(self, el, tag: str, depth: int) -> list[Flowable]:
        css = classes(el)
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return [self.paragraph(self.inline(el), tag if tag in ("h1", "h2") else "h3")]
        if tag in ("p", "figcaption", "blockquote", "pre", "dt", "dd", "caption"):
            markup = self.inline(el)
            if not markup:
                return []
            style = "small" if "small" in css else "body"
            kw = {"spaceBefore": 12} if "spaced" in css else {}
            if tag == "blockquote":
                kw["leftIndent"] = 14
            para = self.paragraph(markup, style, **kw)
            return [notice([para]), Spacer(1, 5)] if "notice" in css else [para]
        if tag in ("ul", "ol"):
            return self.listing(el, tag, depth)
        if tag == "dl":
            return self.definitions(el)
        if tag == "table":
            return self.table(el)
        if tag == "hr":
            return [HRFlowable(width="100%", thickness=0.5, color=RULE, spaceBefore=4,
                               spaceAfter=4)]
        if "columns" in css:
            return self.columns(el)
        inner = self.blocks(el, depth)
        if "notice" in css:
            inner = [notice(inner), Spacer(1, 5)]
        if "keep" in css and inner:
            return [KeepTogether(inner)]
        if tag in ("div", "section", "address", "header", "footer") and inner:
            inner.append(Spacer(1, 4))
        return inner

    def listing(self, el, tag: str, depth: int) -> list[Flowable]:
        out: list[Flowable] = []
        number = 0
        for item in el:
            if tag_of(item) != "li":
                continue
            number += 1
            bullet = f"{number}." if tag == "ol" else "•"
            indent = 14 * (depth + 1)
            out.append(self.paragraph(self.inline(item, skip=("ul", "ol")), "item",
                                      leftIndent=indent, bulletIndent=indent - 11,
                                      bulletFontName=fonts.SANS, bulletText=bullet))
            for sub in item:
                sub_tag = tag_of(sub)
                if sub_tag in ("ul", "ol"):
                    out.extend(self.listing(sub, sub_tag, depth + 1))
        if out:
            out.append(Spacer(1, 3))
        return out

    def definitions(self, el) -> list[Flowable]:
        rows: list[list] = []
        for child in el:
            tag = tag_of(child)
            if tag == "dt":
                rows.append([self.paragraph(self.inline(child), "term"), ""])
            elif tag == "dd":
                value = self.paragraph(self.inline(child), "cell")
                if rows and rows[-1][1] == "":
                    rows[-1][1] = value
                else:
                    rows.append(["", value])
        if not rows:
            return []
        terms = [inline_plain(c) for c in el if tag_of(c) == "dt"]
        first = min(max((stringWidth(t, fonts.SANS_BOLD, 9) for t in terms), default=0) + 12,
                    WIDTH * 0.4)
        table = Table(rows, colWidths=[first, WIDTH - first], hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("FONTNAME", (0, 0), (-1, -1), fonts.SANS),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("TOPPADDING", (0, 0), (-1, -1), 1),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
        return [table, Spacer(1, 6)]

    def columns(self, el) -> list[Flowable]:
        parts = [c for c in el if tag_of(c) in BLOCKS]
        cells = [self.blocks(c) for c in parts]
        if not cells:
            return []
        width = WIDTH / len(cells)
        table = Table([cells], colWidths=[width] * len(cells), hAlign="LEFT")
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("FONTNAME", (0, 0), (-1, -1), fonts.SANS),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("RIGHTPADDING", (0, 0), (-1, -1), 12)]))
        return [table, Spacer(1, 10)]

    def table(self, el) -> list[Flowable]:
        out: list[Flowable] = []
        caption = el.find("caption")
        if caption is not None:
            out.append(self.paragraph(self.inline(caption), "caption"))
        rows, plain, heads = [], [], 0
        for section in [el, *[s for s in el if tag_of(s) in ("thead", "tbody", "tfoot")]]:
            for tr in section:
                if tag_of(tr) != "tr":
                    continue
                cells = [c for c in tr if tag_of(c) in ("th", "td")]
                if not cells:
                    continue
                if tag_of(section) == "thead":
                    heads += 1
                rows.append([self.cell(c) for c in cells])
                plain.append([inline_plain(c) for c in cells])
        if not rows:
            return out
        columns = max(len(r) for r in rows)
        for row, texts in zip(rows, plain, strict=True):
            row.extend([""] * (columns - len(row)))
            texts.extend([""] * (columns - len(texts)))
        table = Table(rows, colWidths=column_widths(plain, WIDTH), repeatRows=heads,
                      splitInRow=1, hAlign="LEFT")
        style = [("GRID", (0, 0), (-1, -1), 0.5, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                 ("FONTNAME", (0, 0), (-1, -1), fonts.SANS),
                 ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                 ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
        if heads:
            style.append(("BACKGROUND", (0, 0), (-1, heads - 1), HEAD_FILL))
        table.setStyle(TableStyle(style))
        out.extend([table, Spacer(1, 6)])
        return out

    def cell(self, el) -> Flowable | list[Flowable]:
        if any(tag_of(c) in BLOCKS for c in el):
            return self.blocks(el)
        return self.paragraph(self.inline(el), "head" if tag_of(el) == "th" else "cell")


def inline_plain(el) -> str:
    return collapse(el.text_content()).strip()


def column_widths(rows: list[list[str]], total: float, size: float = 9,
                  padding: float = 11) -> list[float]:
    """Column widths for a table of these texts that fill ``total``, as a browser would: a
    column whose text fits in its share keeps its natural width, the others share the rest
    by what they need, none narrower than its longest word (when the words fit at all)."""
    n = len(rows[0])
    natural = [padding + max((stringWidth(r[i], fonts.SANS_BOLD, size) for r in rows),
                             default=0) for i in range(n)]
    least = [padding + max((stringWidth(w, fonts.SANS_BOLD, size) for r in rows
                            for w in r[i].split()), default=0) for i in range(n)]
    if sum(least) > total:
        least = [total / n] * n
    if sum(natural) <= total:
        spare = total - sum(natural)
        return [w + spare * w / sum(natural) for w in natural]
    widths = [0.0] * n
    narrow = [i for i in range(n) if natural[i] <= total / n]
    for i in narrow:
        widths[i] = natural[i]
    wide = [i for i in range(n) if i not in narrow]
    room = total - sum(widths)
    need = sum(natural[i] for i in wide)
    for i in wide:
        widths[i] = max(least[i], room * natural[i] / need)
    excess = sum(widths) - total  # the least widths may have pushed past the total
    if excess > 0:
        shrinkable = [i for i in wide if widths[i] > least[i]]
        slack = sum(widths[i] - least[i] for i in shrinkable) or 1.0
        for i in shrinkable:
            widths[i] -= excess * (widths[i] - least[i]) / slack
    return widths


def notice(inner: list[Flowable]) -> Table:
    box = Table([[inner]], colWidths=[WIDTH], hAlign="LEFT")
    box.setStyle(TableStyle([("LINEBEFORE", (0, 0), (0, -1), 2.5, LINK),
                             ("FONTNAME", (0, 0), (-1, -1), fonts.SANS),
                             ("LEFTPADDING", (0, 0), (-1, -1), 9),
                             ("TOPPADDING", (0, 0), (-1, -1), 1),
                             ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    return box
