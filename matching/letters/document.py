"""Rendered HTML (a letter, or any document written with the same tags) as a small
:class:`Document` model, and that model as plain text.

:func:`parse_letter_html` turns the HTML into paragraph-like :class:`Block` s (headings,
paragraphs, list items, definition terms and descriptions) and :class:`TableBlock` s, their
text kept as styled *runs*. The PDF (:mod:`matching.letters.typeset` and
:mod:`matching.letters.pdf`) and the e-mail text (:func:`document_text`) are both derived
from this model, so they cannot drift apart from the HTML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape as _html_unescape

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
            if m is None:  # cannot happen: the text alternative matches any character
                raise RuntimeError(f"the HTML tokenizer stopped at offset {pos}")
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

def document_text(doc: Document) -> str:
    """The document as plain text (headings underlined, lists, dt/dd pairs, tables as
    lists of their rows)."""
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
                    for head, cell in zip(header[1:], row[1:], strict=True):
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
