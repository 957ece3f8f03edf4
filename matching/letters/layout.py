"""A rendered HTML document (:mod:`matching.letters.markup`) laid out as an A4 PDF with
ReportLab's Platypus (the flowables: :mod:`matching.letters.flowables`), with a page footer
(the reference or title, and "1 / 2") drawn after each page's content, outside the text
flow, as a marked artifact.

The fonts are DejaVu (:mod:`matching.letters.fonts`), embedded and subset; text in a script
they cannot show is replaced by a mark and the document says where to read it as written
(:class:`PdfOptions`). The same HTML and options give the same bytes: the creation date is
the one given, not the clock, and ReportLab's document id is fixed (``invariant``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer

from matching.core.dates import BRUSSELS
from matching.letters import fonts
from matching.letters.flowables import (
    GREY,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    RULE,
    WIDTH,
    Flowables,
    notice,
)
from matching.letters.markup import info, parse

#: The PDF's /Lang per language (the HTML carries the bare language code).
PDF_LANG = {"nl": "nl-BE", "en": "en-GB"}


@dataclass(frozen=True)
class PdfOptions:
    """What the PDF says beyond the HTML: its metadata and its footer. ``page_label`` is a
    %-format with ``page`` and ``pages``; ``unshowable_note`` is shown before the first
    heading when text had to be replaced by ``unshowable_mark``."""

    created_at: datetime
    title: str = ""
    author: str = ""
    subject: str = ""
    keywords: str = ""
    creator: str = ""
    lang: str = ""
    footer: str = ""
    footer_note: str = ""
    page_label: str = "%(page)s / %(pages)s"
    unshowable_note: str = ""
    unshowable_mark: str = "[*]"


# --- pages -----------------------------------------------------------------------------------

def _footed_canvas(options: PdfOptions, ctx: Flowables) -> type[Canvas]:
    """A canvas that holds its pages until the document is complete, then draws every
    page's footer (knowing the page count) after that page's content."""

    class FootedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            pages = len(self._held)
            for number, state in enumerate(self._held, start=1):
                self.__dict__.update(state)
                self._footer(number, pages)
                Canvas.showPage(self)
            Canvas.save(self)

        def _footer(self, page: int, pages: int) -> None:
            label = options.page_label % {"page": page, "pages": pages}
            self._code.append("/Artifact BMC")
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            top = MARGIN_BOTTOM - 7 * mm
            self.line(MARGIN_X, top + 10, A4[0] - MARGIN_X, top + 10)
            self.setFillColor(GREY)
            self.setFont(fonts.SANS, 7.5)
            room = WIDTH - stringWidth(label, fonts.SANS, 7.5) - 12
            self.drawString(MARGIN_X, top, _fit(_plain(options.footer, ctx), room, 7.5))
            self.drawRightString(A4[0] - MARGIN_X, top, label)
            if options.footer_note:
                self.setFont(fonts.SANS, 6.5)
                self.drawString(MARGIN_X, top - 9, _fit(_plain(options.footer_note, ctx),
                                                        WIDTH, 6.5))
            self.restoreState()
            self._code.append("EMC")

    return FootedCanvas


def _plain(text: str, ctx: Flowables) -> str:
    return "".join(chunk if ok else ctx.mark
                   for chunk, ok in fonts.split_showable(text))


def _fit(text: str, room: float, size: float) -> str:
    """``text`` cut (with an ellipsis) to ``room`` points: a long title never runs into
    the page number."""
    if stringWidth(text, fonts.SANS, size) <= room:
        return text
    while text and stringWidth(text + "…", fonts.SANS, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def write_pdf(html: str, options: PdfOptions) -> bytes:
    """The document ``html`` as an A4 PDF (see the module's docstring)."""
    root = parse(html)
    doc_info = info(root)
    ctx = Flowables(options.unshowable_mark)
    body = root.find("body")
    story = ctx.blocks(body if body is not None else root)
    if ctx.unshowable and options.unshowable_note:
        note = notice([ctx.paragraph(escape(options.unshowable_note), "small")])
        first_h1 = next((i for i, f in enumerate(story)
                         if isinstance(f, Paragraph) and f.style.name == "h1"), 0)
        story[first_h1:first_h1] = [note, Spacer(1, 6)]
    buffer = io.BytesIO()
    lang = options.lang or PDF_LANG.get(doc_info.lang, doc_info.lang)
    created = options.created_at.astimezone(BRUSSELS)
    offset = created.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    stamp = created.strftime("D:%Y%m%d%H%M%S") + f"{minutes // 60:+03d}'{minutes % 60:02d}'"
    doc = BaseDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=options.title or doc_info.title,
        author=options.author or doc_info.meta.get("author", ""),
        subject=options.subject or doc_info.meta.get("description", ""),
        keywords=options.keywords, creator=options.creator or doc_info.meta.get("generator", ""),
        producer="ReportLab (Platypus)", lang=lang, invariant=1, pageCompression=1,
        initialFontName=fonts.SANS)
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, WIDTH, A4[1] - MARGIN_TOP - MARGIN_BOTTOM,
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id="text")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame],
                                       onPage=lambda canvas, _doc: canvas.setDateFormatter(
                                           lambda *_: stamp))])
    doc.build(story, canvasmaker=_footed_canvas(options, ctx))
    return buffer.getvalue()
