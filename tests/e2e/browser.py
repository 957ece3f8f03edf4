"""What a person does in the browser, for the end-to-end tests: log in and out, submit a
form and read its flash message, score and vote on the scoring page, and the Brussels
wall-clock helpers the pages show."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import expect

from matching.core.dates import BRUSSELS, UTC
from tests.support import TEST_PASSWORD, prepare_sign_in, totp_code


def local(instant: datetime) -> datetime:
    return instant.astimezone(BRUSSELS).replace(tzinfo=None)


def at(local_naive: datetime) -> datetime:
    """A Brussels wall-clock time as an aware UTC instant."""
    return local_naive.replace(tzinfo=BRUSSELS).astimezone(UTC)


def submit(page, locator):
    """Click a submit button and wait for the page the server answers with."""
    with page.expect_navigation():
        locator.click()


def flash(page, text: str):
    expect(page.locator(".flashes")).to_contain_text(text)


def login(page, base, user):
    """Sign in through the form, with the second factor where the account needs one (the
    test second factor of tests.support; its last code is forgotten first, so the same
    person may sign in again within the same 30 seconds)."""
    from flask import current_app

    from matching.core.db import db

    prepare_sign_in(db, user)
    page.goto(base + "/aanmelden")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    submit(page, page.get_by_role("button", name="Aanmelden"))
    if page.url.endswith("/aanmelden/code"):
        page.get_by_label("Code").fill(totp_code(current_app, user.totp_secret or ""))
        submit(page, page.get_by_role("button", name="Aanmelden"))
    expect(page.get_by_role("button", name="Afmelden")).to_be_visible()


def logout(page):
    submit(page, page.get_by_role("button", name="Afmelden"))
    expect(page.get_by_role("button", name="Afmelden")).to_have_count(0)


def shot(page, screenshots, name: str):
    page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)


def criterion(page, label: str):
    return page.get_by_role("region", name=label, exact=True)


def radio(scope, value: int):
    return scope.get_by_role("radio", name=re.compile(rf"^{value} –"))


def give_score(page, label: str, value: int):
    section = criterion(page, label)
    section.get_by_label("Notitie bij vraag 1", exact=True).fill(f"Mijn notitie bij {label}.")
    radio(section.get_by_role("group", name=f"Score voor {label}"), value).check()
    submit(page, section.get_by_role("button", name="Score bewaren"))
    flash(page, "Uw score is bewaard.")
    expect(criterion(page, label)).to_contain_text(f"U gaf score {value}.")


def record_consensus(page, label: str, value: int, motivation: str):
    section = criterion(page, label)
    radio(section.get_by_role("group", name="Score waarover de jury consensus heeft"),
          value).check()
    section.get_by_label("Motivering van de jury").fill(motivation)
    submit(page, section.get_by_role("button", name="Consensus vastleggen"))
    flash(page, "De consensus van de jury is vastgelegd.")
    expect(criterion(page, label)).to_contain_text(f"Score {value} (consensus)")


def vote(page, label: str, bloc_label: str, value: int):
    section = criterion(page, label)
    radio(section.get_by_role("group", name=f"Stem van {bloc_label}"), value).check()
    submit(page, section.get_by_role("button", name="Stem uitbrengen"))
    flash(page, "De stem van uw organisatie is geteld.")
    expect(criterion(page, label)).to_contain_text(f"Uw organisatie ({bloc_label}) heeft gestemd.")


def scoring_page(page, base, candidacy_id: int, round_no: int):
    page.goto(f"{base}/jury/kandidaturen/{candidacy_id}/ronde/{round_no}")


