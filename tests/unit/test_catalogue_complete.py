"""English complete (issue 16): every message the code and templates hold, as
``pybabel extract`` finds it with ``matching/babel.cfg`` (the keywords of ``make
translations``), has a non-empty, non-fuzzy English translation in the catalogue.

A string added with ``_()`` but not to ``matching/translations/en/…/messages.po`` fails
here, so an English page never shows a Dutch sentence for want of a catalogue entry.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = ROOT / "matching" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
#: as ``make translations`` (-k N_ -k lazy_gettext -k _l)
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "lazy_gettext": None, "_l": None}
#: as ``make translations`` (--ignore-dirs)
IGNORED = {"tests", "instance", "benchmarks", "dist", "build"}
#: the folders ``make translations`` extracts from (the project root, without the above)
SOURCES = ("matching", "workareas", "juries", "appeals", "templates")


def extracted() -> dict[str, list[str]]:
    """msgid → where it occurs, for every message extraction finds."""
    with open(ROOT / "matching" / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found: dict[str, list[str]] = {}

    def skip(dirname: str) -> bool:
        name = Path(dirname).name
        return name in IGNORED or name.startswith((".", "_")) and name != "__init__.py" \
            or name.endswith(".egg-info")

    for source in SOURCES:
        # babel.cfg's patterns are relative to the project root: extract from the root
        # and keep only this folder's files
        for filename, _lineno, message, _comments, _context in extract_from_dir(
                str(ROOT), method_map, options_map, keywords=KEYWORDS,
                directory_filter=lambda d, s=source: _under(d, s, ROOT) and not skip(d)):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, []).append(filename)
    return found


def _under(dirname: str, source: str, root: Path) -> bool:
    relative = Path(dirname).resolve().relative_to(root)
    parts = relative.parts
    return not parts or parts[0] == source


def test_every_extracted_message_has_an_english_translation():
    with open(ENGLISH, "rb") as po:
        catalogue = read_po(po, locale="en")
    problems = []
    for msgid, where in sorted(extracted().items()):
        entry = catalogue.get(msgid)
        if entry is None:
            problems.append(f"missing: {msgid!r} ({where[0]})")
        elif entry.fuzzy:
            problems.append(f"fuzzy: {msgid!r} ({where[0]})")
        elif not (entry.string[0] if isinstance(entry.string, tuple) else entry.string):
            problems.append(f"empty: {msgid!r} ({where[0]})")
    assert not problems, (f"{len(problems)} messages without an English translation in "
                          f"{ENGLISH.relative_to(ROOT)}:\n" + "\n".join(problems))
