"""English complete (issue 16): every page of every role, rendered in English, shows no
Dutch sentence of the catalogue.

The Dutch strings are the catalogue's msgids whose English translation differs (a msgid
that reads the same in both languages, a name, proves nothing). A page's text is its text
nodes and its readable attributes; a part marked ``lang`` other than English (the
"Nederlands" language switch) is skipped, and so is what the world's people typed.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from tests.functional.pages import walk

ENGLISH = Path(__file__).resolve().parents[2] / "matching/translations/en/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")
READABLE_ATTRIBUTES = ("aria-label", "title", "alt", "placeholder")
#: Msgids the world's own text contains (what its people typed, their names, place names)
#: or that are recorded as sent: not the interface's words.
NOT_UI_TEXT = {
    "Beheerder",  # the administrator's name in the test world
    "Motivering",  # "Motivering voor score 2 …", typed by the test world's jury
    "naar",  # the addendum's need "Toeleiding naar werk"
    "bijlage",  # the appeal's grounds "De bijlage met onze referenties …"
    "Vlaanderen",  # the provinces Oost- and West-Vlaanderen (their names)
    "OCMW",  # "OCMW (public social welfare centre)": the English keeps the Flemish name
}
#: Recorded as sent, in the language of its recipient then: the subjects of the e-mails
#: a person received (my data).
AS_SENT = "//section[.//h2[@id='mails']]//td[1]"


def dutch_messages() -> list[tuple[str, re.Pattern, str]]:
    """(longest literal piece, pattern, msgid) of each msgid translated differently."""
    with open(ENGLISH, "rb") as po:
        catalogue = read_po(po, locale="en")
    found = []
    for message in catalogue:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        msgstr = message.string[0] if isinstance(message.string, tuple) else message.string
        if not msgid or not msgstr or " ".join(msgid.split()) == " ".join(msgstr.split()):
            continue
        if msgid in NOT_UI_TEXT:
            continue
        pieces = [re.sub(r"\s+", " ", p) for p in PLACEHOLDER.split(msgid)]
        literal = max(pieces, key=len).strip()
        if len(literal) < 4:
            continue  # "%(n)s –": nothing to recognise
        pattern = r"(?<!\w)" + r".{1,200}?".join(re.escape(p) for p in pieces) + r"(?!\w)"
        found.append((literal, re.compile(pattern), msgid))
    return found


def page_texts(tree) -> list[str]:
    """The text a person reads (or hears) on the page, one string per element."""
    for skipped in tree.xpath("//script | //style | //*[@lang][not(starts-with(@lang, 'en'))] | "
                              + AS_SENT):
        skipped.drop_tree()
    texts = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        own = " ".join(" ".join(t.split()) for t in [element.text or ""]
                       + [child.tail or "" for child in element] if t.strip())
        if own:
            texts.append(own)
        texts += [" ".join(element.get(a).split()) for a in READABLE_ATTRIBUTES
                  if element.get(a)]
        if element.tag in {"p", "li", "td", "th", "h1", "h2", "h3", "label", "legend", "dt",
                           "dd", "button", "a", "title", "caption", "summary", "option"}:
            texts.append(" ".join(element.text_content().split()))
    return texts


def test_every_page_of_every_role_is_english(app, db, world, client, monkeypatch, tmp_path,
                                             pages_at_world_time):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    messages = dutch_messages()
    found: dict[str, set[str]] = {}
    pages = 0
    for page in walk(app, db, world, client, tmp_path, "en"):
        pages += 1
        text = "\n".join(page_texts(page.tree))
        for literal, pattern, msgid in messages:
            if literal in text and pattern.search(text):
                found.setdefault(msgid, set()).add(f"{page.method} {page.endpoint}")
    assert pages > 100
    assert not found, (f"{len(found)} Dutch strings on English pages:\n" + "\n".join(
        f"  {msgid!r}: {', '.join(sorted(where)[:4])}" for msgid, where in sorted(found.items())))
