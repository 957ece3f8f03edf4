"""Titles, ids, input purposes and the error summary on every page of every role
(issue 16; WCAG 2.4.2, 4.1.1, 1.3.5, 3.3.1, 2.4.3), in Dutch, and no code, JSON or UTC
instant on a Dutch page.

The pages are the access matrix's (``tests.functional.pages``): every GET route for every
role, then every POST route with an empty form, which gives each form's validation page.
"""

from __future__ import annotations

import re
from collections import Counter

from appeals.rules import AppealState
from matching.audit.labels import ACTION_LABELS
from matching.candidacies.rules import CandidacyState
from tests.functional.pages import walk
from workareas.rules import ProcedureState

SITE = "Lokale partnerschappen – matching"
#: codes a Dutch page must never show (states, audit actions)
CODES = ({s.value for s in (*CandidacyState, *ProcedureState, *AppealState) if "_" in s.value}
         | set(ACTION_LABELS))
CODE = re.compile(r"(?<![\w.@/-])(" + "|".join(sorted(map(re.escape, CODES), key=len,
                                                        reverse=True)) + r")(?![\w@/-])")
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?(Z|[+-]\d{2}:?\d{2})|"
                         r"\bUTC\b|\d{4}-\d{2}-\d{2}T\d{2}")
JSON = re.compile(r'[{\[]\s*"[\w.]+"\s*:')


def visible_text(tree) -> str:
    body = tree.find("body")
    for skipped in body.xpath(".//script | .//style"):
        skipped.drop_tree()
    return " ".join(body.text_content().split())


def test_titles_ids_autocomplete_and_error_summary(app, db, world, client, monkeypatch,
                                                   tmp_path, pages_at_world_time):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    titles: dict[str, set[str]] = {}
    problems: list[str] = []
    summaries = 0
    for page in walk(app, db, world, client, tmp_path, "nl", csrf=True):
        tree = page.tree
        title = " ".join((tree.findtext(".//title") or "").split())
        summary = tree.find_class("error-summary")
        if page.method == "GET" and page.status == 200:
            titles.setdefault(title, set()).add(page.endpoint)
        if title.removeprefix("Fout: ") in ("", SITE):  # error pages (404, 422 …) too
            problems.append(f"{page}: only the site's name as title")
        if summary or (page.method == "POST" and page.status == 422):
            if not title.startswith("Fout: "):
                problems.append(f"{page}: a failed submit titled {title!r}, not 'Fout: …'")
        duplicates = [i for i, n in Counter(tree.xpath("//@id")).items() if n > 1]
        if duplicates:
            problems.append(f"{page}: ids repeated: {duplicates}")
        for box in summary:
            summaries += 1
            if box.get("autofocus") is None or box.get("tabindex") != "-1":
                problems.append(f"{page}: the error summary is not focused on load")
            for href in box.xpath(".//a/@href"):
                if not href.startswith("#") or not tree.xpath(f"//*[@id='{href[1:]}']"):
                    problems.append(f"{page}: the error summary links to {href}: no such id")
        for element in tree.xpath("//body//text()[contains(translate(., 'FPC', 'fpc'), "
                                  "'fit for partnership')]/parent::*"):
            if not element.xpath("ancestor-or-self::*[@lang][1][starts-with(@lang, 'en')]"):
                problems.append(f"{page}: 'fit for partnership' without lang=\"en\": "
                                f"{' '.join(element.text_content().split())[:80]!r}")
        text = visible_text(tree)
        for pattern, what in ((CODE, "a code"), (ISO_INSTANT, "an ISO/UTC time"),
                              (JSON, "JSON")):
            found = pattern.search(text)
            if found:
                problems.append(f"{page}: {what} on the page: "
                                f"{text[max(0, found.start() - 40):found.end() + 40]!r}")
    shared = {t: e for t, e in titles.items() if len(e) > 1}
    problems += [f"title {t!r} shared by {sorted(e)}" for t, e in sorted(shared.items())]
    assert summaries > 10
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_fields_about_the_user_say_their_purpose(client):
    """WCAG 1.3.5: sign-in, registration and the new password carry autocomplete tokens."""
    import lxml.html

    expected = {
        "/aanmelden": {"email": "username", "password": "current-password"},
        "/registreren": {"organisation_name": "organization", "name": "name",
                         "email": "email", "password": "new-password",
                         "confirm": "new-password"},
        "/wachtwoord-vergeten": {"email": "username"},
    }
    for url, fields in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        tree = lxml.html.document_fromstring(response.get_data(True))
        for name, token in fields.items():
            [field] = tree.xpath(f"//input[@name='{name}']")
            assert field.get("autocomplete") == token, (url, name, field.get("autocomplete"))
