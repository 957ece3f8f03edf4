"""The landing page and the login, in a real headless Chromium."""

from tests.support import TEST_PASSWORD


def test_landing_page_and_login_in_the_browser(world, db, live_server, page, screenshots):
    world.published_procedure()
    world.admin.set_password(TEST_PASSWORD)
    db.session.commit()
    page.goto(live_server + "/")
    assert page.locator("h1").first.inner_text().startswith("Call for interest")
    assert "Regio Aalst" in page.content()
    page.screenshot(path=str(screenshots / "public-landing.png"), full_page=True)
    page.get_by_role("link", name="Aanmelden").click()
    page.get_by_label("E-mailadres").fill("admin@wse.example")
    page.get_by_label("Wachtwoord").fill("fout wachtwoord")
    page.get_by_role("button", name="Aanmelden").click()
    assert "Het e-mailadres of het wachtwoord is niet juist." in page.content()
    page.screenshot(path=str(screenshots / "login-error.png"), full_page=True)
    page.get_by_label("Wachtwoord").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    assert page.get_by_role("button", name="Afmelden").is_visible()
