"""The accessibility gate (issue 16, WCAG 2.1 AA / EN 301 549), in a real headless Chromium.

On a fresh demo per role (``matching.demo.load_demo``: three work areas, each in another
stage), every page the role reaches by following links from its start page is visited, one
page per URL pattern (``/procedures/12`` and ``/procedures/13`` are one), with no cap
(``A11Y_MAX_PAGES`` sets one for a quick local run). Each page is checked at 1280 and at
320 px wide:

* axe-core (the copy ``axe-playwright-python`` ships; its WCAG 2.0/2.1 A and AA rules) finds
  no violation;
* the page does not scroll sideways (1.4.10 Reflow): ``scrollWidth <= innerWidth`` (a wide
  table scrolls inside its own region, which does not count).

Then every form with fields a person fills in (one per form: same action pattern, same
fields) is submitted empty, without the browser's own checks, and the answer is the form's
validation state: its title starts with "Fout:", the error summary has the focus, and it
passes axe and reflows at both widths. A form whose only control is its button (the
confirmation of an irreversible step) is never submitted; empty input is refused by every
other form, so nothing changes (and the demo is fresh for each role anyway).

Last, the role switches to English (the language switch in the header) and every page
visited is checked again: axe at 1280 px, the reflow at 320 px.

The error pages (400, 403, 404, 405, 413, 429, 500) are checked the same way, with their
title. Screenshots of each role's start page and own page (its menu item) at both widths go
to ``test-artifacts/screenshots/a11y/`` for review.
"""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, datetime
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from tests.e2e.browser import login

WIDTHS = (1280, 320)
#: The rules of WCAG 2.0 and 2.1, levels A and AA (axe's tags).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
#: Pages per role (one per URL pattern); none by default. A11Y_MAX_PAGES=10 for a quick run.
MAX_PAGES = int(os.environ.get("A11Y_MAX_PAGES", "0")) or 10 ** 6
#: The roles to check (all by default); A11Y_ROLES=public,observer narrows it.
ONLY = [r for r in os.environ.get("A11Y_ROLES", "").split(",") if r]
ROLES = ("public", "administrator", "observer", "coordinator", "matchmaker",
         "appeal_matchmaker", "applicant_draft", "applicant_not_selected")
#: Links that are not pages: signing out, files, feeds, downloads.
NOT_A_PAGE = re.compile(r"(/afmelden|\.pdf|\.json|\.csv|\.xml|\.eml|\.ics|/feed|/download|"
                        r"/bijlage|/export|/pdf|/document|/json)(\b|$)", re.I)
#: What the browser reports of a page: its width against the window's, the first elements
#: that stick out (outside a table's own scrolling region).
OVERFLOW = """() => {
  const out = [document.documentElement.scrollWidth, window.innerWidth];
  if (out[0] <= out[1]) return null;
  return [out[0], out[1], [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
            && !e.closest('.table-scroll'))
    .slice(0, 3).map(e => e.tagName + '.' + e.className + ' '
                          + Math.round(e.getBoundingClientRect().right))];
}"""
#: The forms a person fills in: posted, with at least one field that is neither hidden
#: nor a button. Returns, per form, its index, its action and its fields' names.
FORMS = """() => [...document.querySelectorAll('main form')].map((f, i) => ({
  index: i, method: (f.getAttribute('method') || 'get').toLowerCase(),
  // the attribute: f.action is the element of a button named "action", when there is one
  action: new URL(f.getAttribute('action') || '', location.href).href,
  fields: [...f.elements].filter(e => !['hidden', 'submit', 'button', 'reset']
      .includes((e.type || '').toLowerCase()) && e.tagName !== 'BUTTON'
      && e.tagName !== 'FIELDSET' && e.tagName !== 'OUTPUT').map(e => e.name).sort()
})).filter(f => f.method === 'post' && f.fields.length > 0)"""
#: Empty the form's fields and submit it with its main button (a primary one, else the
#: last), without the browser's own checks: the server's validation answers.
SUBMIT_EMPTY = """(index) => {
  const f = [...document.querySelectorAll('main form')][index];
  f.noValidate = true;
  for (const e of f.elements) {
    const t = (e.type || '').toLowerCase();
    if (['hidden', 'submit', 'button', 'reset'].includes(t) || e.tagName === 'BUTTON') continue;
    if (t === 'checkbox' || t === 'radio') e.checked = false;
    else if (e.tagName === 'SELECT') { e.selectedIndex = -1; }
    else if (t === 'file') continue;
    else e.value = '';
  }
  const buttons = [...f.querySelectorAll(
      'button[type=submit], button:not([type]), input[type=submit]')];
  const main = buttons.filter(b => !/button-(secondary|warning)/.test(b.className));
  const b = main.length ? main[main.length - 1] : buttons[buttons.length - 1];
  if (b) b.click(); else f.requestSubmit();
}"""
#: Forms with no validation state, since empty is what they accept: the choice between separate
#: notification e-mails and a daily overview (two radio buttons, one always chosen: a person
#: cannot send it empty) and a new procedure (its title is optional: empty is the standard one).
ACCEPTS_EMPTY = {"/mijn-account/meldingen", "/coordinatie/werkingsgebieden/N/procedures"}


@pytest.fixture(autouse=True)
def quiet_server_log():
    """A line per request would bury the report (a thousand requests and more)."""
    import logging

    logger = logging.getLogger("werkzeug")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture
def cheap_password_hashing(monkeypatch):
    """The demo creates some sixty accounts; scrypt would spend most of the test on them."""
    monkeypatch.setattr("matching.accounts.passwords.generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))


@pytest.fixture
def demo(app, db, cheap_password_hashing):
    """A fresh demo for each test (the ``db`` fixture empties every table after it)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the accessibility gate runs on SQLite only (CI time)")
    from matching.demo import load_demo

    load_demo(datetime.now(UTC))
    db.session.commit()
    return db


class Axe:
    """axe-core in the page, only the violations come back. ``install`` makes the browser
    load it with every document (an init script: compiled once, about twice as fast as
    evaluating its 500 kB on every page); a page reached before is given it on demand."""

    def __init__(self):
        from axe_playwright_python.sync_playwright import Axe as _Axe

        self.script = _Axe().axe_script

    def install(self, page) -> None:
        page.context.add_init_script(self.script)

    def violations(self, page) -> list[dict]:
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.script)
        return page.evaluate(
            """(options) => axe.run(document, options).then(r => r.violations.map(v => ({
                 id: v.id, impact: v.impact, help: v.help,
                 targets: v.nodes.slice(0, 3).map(n => n.target.join(', '))})))""",
            AXE_OPTIONS)


@pytest.fixture(scope="session")
def axe():
    return Axe()


def pattern(url: str) -> str:
    parts = urlsplit(url)
    query = "&".join(sorted(re.sub(r"=.*", "", q) for q in parts.query.split("&") if q))
    return re.sub(r"\d+", "N", parts.path) + ("?" + query if query else "")


def same_site_links(page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        href = urldefrag(href)[0]
        if href.startswith(base) and not NOT_A_PAGE.search(urlsplit(href).path):
            out.append(href)
    return out


def check_page(page, axe, label: str, widths=WIDTHS, axe_widths=WIDTHS) -> list[str]:
    """The problems of the page now shown: its reflow at each of ``widths``, axe at each of
    ``axe_widths``."""
    problems = []
    for width in widths:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(OVERFLOW)
        if overflow:
            problems.append(f"{label} at {width} px scrolls sideways: scrollWidth {overflow[0]} "
                            f"> {overflow[1]} ({'; '.join(overflow[2])})")
        if width in axe_widths:
            for v in axe.violations(page):
                problems.append(f"{label} at {width} px: axe {v['id']} ({v['impact']}): "
                                f"{v['help']} – {'; '.join(v['targets'])}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return problems


def check_title(page, label: str) -> list[str]:
    """A page's own title: more than the service's name alone (2.4.2)."""
    title = page.title().strip()
    if title in {"", "Lokale partnerschappen – matching", "Local partnerships – matching"}:
        return [f"{label}: no title of its own ({title!r})"]
    return []


class Crawl:
    """What one role saw: the pages (URL per pattern), their forms, the problems."""

    def __init__(self, role: str):
        self.role = role
        self.pages: dict[str, str] = {}
        self.forms: dict[tuple, tuple[str, int]] = {}
        self.validation_states: list[str] = []
        self.problems: list[str] = []
        self.started = time.monotonic()
        self.timings: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = round(now - self.started, 1)
        self.started = now


def crawl(page, axe, base: str, start: str, seen: Crawl, shots) -> None:
    """Visit every page reachable from ``start`` (one per URL pattern); check each; note
    its forms."""
    queue, done = [start], set()
    while queue and len(seen.pages) < MAX_PAGES:
        url = queue.pop(0)
        key = pattern(url)
        if key in done:
            continue
        done.add(key)
        try:
            response = page.goto(url)
        except Exception:  # noqa: BLE001 - a download starts: not a page
            continue
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        if response.status >= 500:
            seen.problems.append(f"{seen.role}: {url} answers {response.status}")
        if response.status >= 400:
            continue
        seen.pages[key] = url
        label = f"{seen.role} {urlsplit(url).path}"
        if url == start and shots is not None:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(path=str(shots / f"{seen.role}-{width}.png"), full_page=True)
        seen.problems += check_title(page, label)
        seen.problems += check_page(page, axe, label)
        for form in page.evaluate(FORMS):
            signature = (pattern(form["action"]), tuple(form["fields"]))
            seen.forms.setdefault(signature, (url, form["index"]))
        queue += [link for link in same_site_links(page, base) if pattern(link) not in done]


def submit_forms_empty(page, axe, seen: Crawl) -> None:
    """Each form noted, submitted empty: its validation state."""
    for (action, fields), (url, index) in seen.forms.items():
        label = f"{seen.role} form {action} on {urlsplit(url).path}"
        if action in ACCEPTS_EMPTY:
            continue
        page.goto(url)
        with page.expect_navigation():
            page.evaluate(SUBMIT_EMPTY, index)
        page.wait_for_load_state()
        title = page.title()
        if not title.startswith(("Fout:", "Error:")):
            seen.problems.append(f"{label} ({', '.join(fields)}) submitted empty: no "
                                 f"validation state (title {title!r}, now at {page.url})")
            continue
        seen.validation_states.append(action)
        # Chromium moves the focus to an ``autofocus`` element at its next rendering update,
        # not at the load event: wait for it (a busy machine may take a moment)
        try:
            page.wait_for_function(
                "() => !!document.activeElement?.closest('.error-summary')", timeout=5000)
            focused = True
        except PlaywrightTimeout:
            focused = False
        if not focused:
            seen.problems.append(f"{label}: the error summary does not have the focus")
        seen.problems += check_page(page, axe, f"{label}, validation state")


def switch_to_english(page) -> None:
    with page.expect_navigation():
        page.locator("header form.lang button").click()
    assert page.locator("html").get_attribute("lang") == "en", page.url


def english_pass(page, axe, seen: Crawl) -> None:
    """Every page again in English: axe at 1280 px, the reflow at 320 px."""
    for key, url in seen.pages.items():
        response = page.goto(url)
        if response is None or response.status >= 400:
            seen.problems.append(f"{seen.role} (en) {key} answers "
                                 f"{response.status if response else 'nothing'}")
            continue
        label = f"{seen.role} (en) {urlsplit(url).path}"
        seen.problems += check_title(page, label)
        seen.problems += check_page(page, axe, label, axe_widths=(WIDTHS[0],))


def own_page(page, base: str, role: str, shots) -> None:
    """Screenshots of the role's own page (its first menu item after the task list and the
    addenda: the coordination board, the jury, the observation, …) at both widths."""
    common = {"/", "/taken", "/addenda", "/mijn-account"}
    hrefs = page.eval_on_selector_all("header nav a[href]", "els => els.map(e => e.href)")
    own = [h for h in hrefs if urlsplit(h).path not in common]
    if own:
        page.goto(own[0])
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(shots / f"{role}-main-{width}.png"), full_page=True)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def demo_person(db, role: str) -> User:
    """The person of the demo in ``role`` who has the most to see."""
    from juries.models import Jury, JuryMembership
    from matching.candidacies.models import Candidacy
    from matching.candidacies.rules import CandidacyState
    from workareas.models import Procedure
    from workareas.rules import ProcedureState

    def first_with(role: Role, **where) -> User:
        q = select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
            RoleGrant.role == role, *[getattr(RoleGrant, k) == v for k, v in where.items()])
        return db.session.scalars(q.order_by(User.id)).first()

    round_2 = db.session.scalars(select(Procedure).where(
        Procedure.state == ProcedureState.ROUND_2)).first()

    def applicant_of(state: CandidacyState) -> User:
        c = db.session.scalars(select(Candidacy).where(Candidacy.state == state)
                               .order_by(Candidacy.id)).first()
        return first_with(Role.APPLICANT, organisation_id=c.organisation_id)

    if role == "matchmaker":
        return db.session.scalars(
            select(User).join(JuryMembership, JuryMembership.user_id == User.id)
            .join(Jury, Jury.id == JuryMembership.jury_id)
            .where(Jury.procedure_id == round_2.id).order_by(User.id)).first()
    if role == "coordinator":
        return first_with(Role.COORDINATOR, work_area_id=round_2.work_area_id)
    if role.startswith("applicant_"):
        return applicant_of(CandidacyState(role.removeprefix("applicant_") + (
            "_r1" if role.endswith("not_selected") else "")))
    return first_with(Role(role))


@pytest.mark.parametrize("role", [r for r in ROLES if not ONLY or r in ONLY])
def test_every_page_and_form_of_the_role_passes_axe_and_reflows(role, demo, live_server, page,
                                                                axe, screenshots):
    shots = screenshots / "a11y"
    shots.mkdir(exist_ok=True)
    base = live_server
    axe.install(page)
    seen = Crawl(role)
    if role == "public":
        for extra in ("/aanmelden", "/registreren", "/toegankelijkheidsverklaring"):
            crawl(page, axe, base, base + extra, seen, None)
        crawl(page, axe, base, base + "/", seen, shots)
    else:
        user = demo_person(demo, role)
        assert user is not None, role
        login(page, base, user)
        own_page(page, base, role, shots)
        crawl(page, axe, base, base + "/", seen, shots)
    seen.lap("pages")
    submit_forms_empty(page, axe, seen)
    seen.lap("forms")
    if role == "public":
        page.goto(base + "/")
    switch_to_english(page)
    english_pass(page, axe, seen)
    seen.lap("english")
    print(f"\n{role}: {len(seen.pages)} page kinds, {len(seen.forms)} forms, "
          f"{len(seen.validation_states)} validation states; seconds {seen.timings}")
    print("  " + "\n  ".join(sorted(seen.pages)))
    assert len(seen.pages) > 2, seen.pages
    assert not seen.problems, (f"{len(seen.problems)} accessibility problems:\n"
                               + "\n".join(seen.problems))


#: Each error page, how the browser reaches it on the erring application, and its title.
ERROR_PAGES = [
    (400, "/test/abort/400", "Ongeldige aanvraag"),
    (403, "/test/abort/403", "Geen toegang"),
    (404, "/deze-pagina-bestaat-niet", "Pagina niet gevonden"),
    (405, "/afmelden", "Dat kan hier niet"),  # a form's address, opened as a link
    (413, "/test/abort/413", "Te groot"),
    (429, "/test/abort/429", "Even geduld"),  # the bare page of a refused flood
    (500, "/test/crash", "Er ging iets mis"),
]


@pytest.fixture
def erring_server(tmp_path):
    """An application whose extra routes fail in each way (not propagated, as in
    production), on its own migrated database, served on a free port."""
    import threading

    from flask import abort
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from matching.app import create_app
    from tests.helpers import free_port

    app = create_app({"TESTING": True, "MATCHING_ENV": "testing", "PROPAGATE_EXCEPTIONS": False,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fout.db'}"})

    @app.get("/test/abort/<int:code>")
    def aborting(code: int):
        abort(code)

    @app.get("/test/crash")
    def crashing():
        raise RuntimeError("boom")

    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with app.app_context():
        from matching.core.db import db
        db.engine.dispose()


def test_every_error_page_has_its_title_the_layout_passes_axe_and_reflows(erring_server, page,
                                                                           axe, screenshots):
    axe.install(page)
    problems = []
    for code, path, title in ERROR_PAGES:
        response = page.goto(erring_server + path)
        assert response is not None and response.status == code, (path, response)
        label = f"the {code} page"
        shown = page.title()
        if not (shown.startswith(f"Fout: {title}") and "Lokale partnerschappen" in shown):
            problems.append(f"{label}: title {shown!r}")
        if page.locator("header.site").count() != 1 or page.locator("main h1").inner_text() \
                != title:
            problems.append(f"{label}: not in the layout (header, main, its heading)")
        problems += check_page(page, axe, label)
    page.set_viewport_size({"width": 320, "height": 900})
    page.goto(erring_server + "/deze-pagina-bestaat-niet")
    page.screenshot(path=str(screenshots / "error-404-320.png"), full_page=True)
    assert not problems, "\n".join(problems)
