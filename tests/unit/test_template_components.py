"""The design system is used, not copied (issue 16): every page builds its buttons, notification
banners, summary lists and status tags with the macros of ``templates/_ui.html``, so the look
and the accessible markup (a button's type, a banner's role, a tag's words) live in one place.
A template that writes one of these components by hand fails here, with the file and line.

The standalone documents (letters, reports, mail) are not pages of the site: they carry their
own style (``templates/_document.css``), the one print stylesheet of letters and reports.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: Not pages of the site: standalone documents with their own style, and the components.
OWN_STYLE = ("letters/", "reports/", "mail/")
DESIGN_SYSTEM = "_ui.html"

#: A component written by hand, and the macro to use instead.
HAND_ROLLED = {
    "a <button> (use ui.button)": re.compile(r"<button\b", re.I),
    "a notification banner (use ui.banner)": re.compile(
        r"<(p|div|section|aside)\b[^>]*\bclass=\"[^\"]*\b(banner|notice)\b", re.I),
    "a blocker banner (use ui.banner with kind=\"error\")": re.compile(
        r"<(p|div|section|aside)\b[^>]*\bclass=\"[^\"]*\bblocker\b", re.I),
    "a summary list <dl> (use ui.summary_list)": re.compile(r"<dl\b", re.I),
    "a status tag (use ui.status_tag)": re.compile(r"\bclass=\"[^\"]*\btag\b", re.I),
}


def page_templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html")
                  if not str(p.relative_to(TEMPLATES)).startswith(OWN_STYLE)
                  and p.name != DESIGN_SYSTEM)


def hand_rolled(text: str) -> list[tuple[int, str]]:
    """(line, what) for each component written by hand in a template's text; Jinja comments
    do not count."""
    text = re.sub(r"\{#.*?#\}", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        found += [(number, what) for what, pattern in HAND_ROLLED.items() if pattern.search(line)]
    return found


def test_every_page_template_uses_the_macros_for_buttons_banners_summary_lists_and_tags():
    templates = page_templates()
    assert len(templates) > 50
    problems = [f"templates/{path.relative_to(TEMPLATES)}:{line}: {what}"
                for path in templates for line, what in hand_rolled(path.read_text("utf-8"))]
    assert not problems, "components written by hand:\n" + "\n".join(problems)


@pytest.mark.parametrize("snippet, found", [
    ('<button type="submit">{{ _("Bewaren") }}</button>', ["a <button> (use ui.button)"]),
    ('<p class="notice">{{ _("Let op") }}</p>', ["a notification banner (use ui.banner)"]),
    ('<div class="banner banner-info" role="status">', ["a notification banner (use ui.banner)"]),
    ('<section class="blocker" aria-labelledby="x">',
     ['a blocker banner (use ui.banner with kind="error")']),
    ("<dl>{% for k, v in rows %}<dt>{{ k }}</dt><dd>{{ v }}</dd>{% endfor %}</dl>",
     ["a summary list <dl> (use ui.summary_list)"]),
    ('<strong class="tag tag-positive">geselecteerd</strong>',
     ["a status tag (use ui.status_tag)"]),
    ('{{ button(_("Bewaren")) }}', []),
    ('{% call banner(kind="error", role="alert") %}<p>x</p>{% endcall %}', []),
    ('<li{% if task.blocker %} class="blocker"{% endif %}>', []),  # a task's state, no banner
    ("{# a <button> in a comment #}", []),
])
def test_the_check_finds_a_hand_rolled_component(snippet, found):
    assert [what for _, what in hand_rolled(snippet)] == found


def test_letters_and_reports_share_one_print_stylesheet():
    shared = (TEMPLATES / "_document.css").read_text("utf-8")
    assert "@media print" in shared and "@page" in shared and "size: A4" in shared
    for document in ("letters/base.html", "reports/final_report.html"):
        text = (TEMPLATES / document).read_text("utf-8")
        assert '{% include "_document.css" %}' in text, document
        assert "@media print" not in text and "@page" not in text, document
