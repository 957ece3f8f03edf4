"""Keyboard only (WCAG 2.1.1, 2.4.3, 2.4.7; issue 16): an applicant signs in, fills in and
submits a candidacy, and a matchmaker signs in and gives a score, with Tab, Space, the arrow
keys, Enter and typing alone: no click, no ``fill``. Every element reached shows the focus
ring (the computed outline is 3px solid)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from matching.candidacies.models import Candidacy
from matching.candidacies.rules import ASSESSMENT_QUESTIONS, DECLARATION_TEXTS
from tests.support import TEST_PASSWORD, prepare_sign_in, totp_code

ACTIVE = """() => {
  const e = document.activeElement;
  const label = (e.labels && e.labels.length) ? e.labels[0].innerText
              : (e.getAttribute('aria-label') || e.innerText || e.value || '');
  const style = getComputedStyle(e);
  return {tag: e.tagName, type: e.type || '', name: label.trim().replace(/\\s+/g, ' '),
          outline: style.outlineStyle + ' ' + style.outlineWidth};
}"""


def tab_to(page, name: str, *, prefix: bool = False, limit: int = 400) -> dict:
    """Press Tab until the focused element's label (or text) is ``name``; it shows the ring."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active["name"] == name or (prefix and active["name"].startswith(name)):
            assert active["outline"] == "solid 3px", active  # the focus is visible
            return active
    raise AssertionError(f"Tab never reached {name!r}")


def press_enter_and_wait(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")


def keyboard_sign_in(page, base, app, user):
    page.goto(base + "/aanmelden")
    tab_to(page, "E-mailadres")
    page.keyboard.type(user.email)
    tab_to(page, "Wachtwoord")
    page.keyboard.type(TEST_PASSWORD)
    press_enter_and_wait(page)
    if page.url.endswith("/aanmelden/code"):
        tab_to(page, "Code")
        page.keyboard.type(totp_code(app, user.totp_secret or ""))
        press_enter_and_wait(page)
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()


def keyboard_sign_out(page):
    tab_to(page, "Afmelden")
    press_enter_and_wait(page)


def test_sign_in_submit_a_candidacy_and_score_with_the_keyboard_alone(
        app, world, db, live_server, page, pages_at_world_time):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the end-to-end test runs on SQLite only (CI time)")
    base = live_server
    world.published_procedure()
    organisation = world.organisation("Jeugdwerk De Sprong")
    applicant = world.applicant(organisation)
    prepare_sign_in(db, applicant)

    # --- the applicant -------------------------------------------------------------------
    keyboard_sign_in(page, base, app, applicant)
    tab_to(page, "Mijn kandidaturen")
    press_enter_and_wait(page)
    tab_to(page, "Kandidatuur starten voor Jeugdwerk De Sprong")
    press_enter_and_wait(page)
    expect(page.locator(".flashes")).to_contain_text("Uw kandidatuur is aangemaakt als concept.")
    tab_to(page, "RU1 – Bereik van kwetsbare jongeren")
    page.keyboard.press("Space")
    tab_to(page, "Uw (unieke) bijdrage aan RU1")
    page.keyboard.type("Outreach via jeugdwerkers in elke wijk.")
    for questions in ASSESSMENT_QUESTIONS.values():
        for question in questions:
            tab_to(page, question)
            page.keyboard.type("Ons antwoord, met concrete voorbeelden.")
    tab_to(page, "Hoe is uw organisatie fit for partnership?")
    page.keyboard.type("Wij werken al jaren samen in casusoverleg.")
    for text in DECLARATION_TEXTS.values():
        tab_to(page, text)
        page.keyboard.press("Space")
    tab_to(page, "Indienen")
    press_enter_and_wait(page)
    tab_to(page, "Bevestigen: indienen")
    press_enter_and_wait(page)
    expect(page.locator(".flashes")).to_contain_text("Uw kandidatuur is ingediend.")
    keyboard_sign_out(page)

    # --- round 1 starts (the coordinator's steps, not under test here) --------------------
    candidacy = db.session.scalars(select(Candidacy)).one()
    world.start_round_1()
    db.session.commit()
    member = world.mm["vdab1"]
    prepare_sign_in(db, member)

    # --- the matchmaker --------------------------------------------------------------------
    keyboard_sign_in(page, base, app, member)
    page.goto(f"{base}/jury/kandidaturen/{candidacy.id}/ronde/1")  # the address bar
    tab_to(page, "Notitie bij vraag 1")
    page.keyboard.type("Sterke outreach, weinig cijfers.")
    tab_to(page, "1 –", prefix=True)  # the first score of the first criterion
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # 3
    tab_to(page, "Score bewaren")
    press_enter_and_wait(page)
    expect(page.locator(".flashes")).to_contain_text("Uw score is bewaard.")
    expect(page.get_by_role("region", name="Cruciale bijdrage", exact=True)
           ).to_contain_text("U gaf score 3.")
