"""A rendered HTML document (a letter, the final report) read with a real HTML parser
(lxml, libxml2's HTML parser), and its plain-text version (the e-mail body).

:func:`parse` gives the element tree that :mod:`matching.letters.layout` lays out as a PDF
and :func:`document_text` writes as text, so the HTML, the PDF and the text cannot drift
apart. The tags the documents use: h1–h6, p, ul/ol/li, dl/dt/dd, table (caption, thead,
tbody, tr, th, td), div/section/header/footer/address as containers, and strong/em/code/a/
time/span/br inline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lxml.etree import _Element

#: Elements that start a block of their own; everything else is inline.
BLOCKS = frozenset({
    "html", "body", "main", "div", "section", "article", "header", "footer", "nav", "aside",
    "address", "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "blockquote", "pre",
    "figure", "figcaption", "hr"})

#: Elements whose content is never shown.
SKIPPED = frozenset({"head", "style", "script", "template", "noscript", "title", "meta", "link"})

_SPACE = re.compile(r"[ \t\r\n\f]+")


@dataclass
class DocumentInfo:
    lang: str = ""
    title: str = ""
    meta: dict[str, str] = field(default_factory=dict)


_last: tuple[str, _Element] | None = None


def parse(html: str) -> _Element:
    """The document's ``<html>`` element. The last result is kept: a letter's text is
    derived right after its HTML was rendered (treat the tree as read-only)."""
    global _last
    if _last is not None and _last[0] == html:
        return _last[1]
    import lxml.html  # where a letter is parsed (issue 17: not in every worker at start)

    root = lxml.html.document_fromstring(html)
    _last = (html, root)
    return root


def info(root: _Element) -> DocumentInfo:
    """The language (``<html lang>``), ``<title>`` and named ``<meta>`` of a document."""
    found = DocumentInfo(lang=root.get("lang", "") or "")
    title = root.find(".//title")
    if title is not None:
        found.title = collapse(title.text_content()).strip()
    for meta in root.iter("meta"):
        if meta.get("name"):
            found.meta[meta.get("name").lower()] = meta.get("content", "") or ""
    return found


def tag_of(element) -> str | None:
    """The lower-case tag of an element; None for comments and processing instructions."""
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else None


def classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def collapse(text: str | None) -> str:
    """White space as HTML shows it: every run as one space."""
    return _SPACE.sub(" ", text) if text else ""


#: A line break while inline text is gathered (never in a document's text).
_BREAK = "\x00"


def _lines(raw: str) -> str:
    """Gathered text as HTML shows it: white space collapsed within each line, empty lines
    dropped (``str.split`` and ``join``: several times faster than regular expressions)."""
    return "\n".join(line for line in (" ".join(part.split()) for part in raw.split(_BREAK))
                     if line)


def inline_text(element, skip: tuple[str, ...] = ()) -> str:
    """The text of an element's inline content, white space collapsed, ``<br>`` as a new
    line, nested blocks as new lines (children of the tags ``skip`` left out)."""
    parts: list[str] = []
    append = parts.append

    def walk(el) -> None:
        tag = tag_of(el)
        if tag is not None and tag not in SKIPPED:
            if tag == "br":
                append(_BREAK)
                return
            block = tag in BLOCKS
            if block:
                append(_BREAK)
            if el.text:
                append(el.text)
            for child in el:
                walk(child)
                if child.tail:
                    append(child.tail)
            if block:
                append(_BREAK)

    if element.text:
        append(element.text)
    for child in element:
        if tag_of(child) not in skip:
            walk(child)
        if child.tail:
            append(child.tail)
    return _lines("".join(parts))


# --- plain text ------------------------------------------------------------------------------

def document_text(root: _Element) -> str:
    """The document as plain text: headings underlined, lists with their bullets or numbers,
    dt/dd pairs as "term: description", tables as a list of their rows."""
    out = _TextWriter()
    body = root.find("body")
    out.blocks(body if body is not None else root, depth=0)
    return "\n\n".join(p for p in out.parts if p).strip() + "\n"


class _TextWriter:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.joined = False  # the next item continues the previous part (a list, a dl)

    def add(self, text: str, *, join: bool = False) -> None:
        if join and self.joined and self.parts:
            self.parts[-1] += "\n" + text
        else:
            self.parts.append(text)
        self.joined = join

    def blocks(self, element, depth: int) -> None:
        loose = " ".join((element.text or "").split())
        if loose:
            self.add(loose)
        for child in element:
            tag = tag_of(child)
            if tag is None or tag in SKIPPED:
                pass
            elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
                text = inline_text(child)
                rule = "=" if tag == "h1" else "-"
                self.add(f"{text}\n{rule * min(len(text), 72)}" if tag in ("h1", "h2", "h3")
                         else text)
            elif tag in ("ul", "ol"):
                self.list(child, depth)
                self.joined = False
            elif tag == "dl":
                self.definitions(child)
                self.joined = False
            elif tag == "table":
                self.table(child)
            elif tag in ("p", "caption", "figcaption", "blockquote", "pre", "dt", "dd", "li"):
                text = inline_text(child)
                if text:
                    self.add(text)
            elif tag in BLOCKS:
                self.blocks(child, depth)
                self.joined = False
            else:  # inline content directly in a container
                text = " ".join(child.text_content().split())
                if text:
                    self.add(text)
            tail = " ".join((child.tail or "").split())
            if tail:
                self.add(tail)

    def list(self, element, depth: int) -> None:
        number = 0
        for item in element:
            if tag_of(item) != "li":
                continue
            number += 1
            bullet = f"{number}." if tag_of(element) == "ol" else "-"
            nested = [c for c in item if tag_of(c) in ("ul", "ol")]
            own = inline_text(item, skip=("ul", "ol"))
            self.add("  " * depth + f"{bullet} {own}", join=True)
            for sub in nested:
                self.list(sub, depth + 1)

    def definitions(self, element) -> None:
        term = None
        for child in element:
            tag = tag_of(child)
            if tag == "dt":
                term = inline_text(child)
            elif tag == "dd":
                text = inline_text(child)
                self.add(f"{term}: {text}" if term else f"  {text}", join=True)
                term = None

    def table(self, element) -> None:
        lines: list[str] = []
        caption = element.find("caption")
        if caption is not None:
            lines.append(inline_text(caption))
        rows = [[(tag_of(c) == "th", inline_text(c)) for c in tr if tag_of(c) in ("th", "td")]
                for tr in element.iter("tr")]
        rows = [r for r in rows if r]
        header = rows[0] if rows and all(is_head for is_head, _ in rows[0]) else None
        for row in rows[1:] if header else rows:
            if header and len(row) == len(header):
                lines.append(f"- {row[0][1]}")
                for (_, head), (_, cell) in zip(header[1:], row[1:], strict=True):
                    value = cell.replace("\n", "\n    ")
                    lines.append(f"  {head}: {value}")
            else:
                lines.append(" | ".join(cell for _, cell in row))
        self.add("\n".join(lines))
