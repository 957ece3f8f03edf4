"""The landing page and the login, in a real headless Chromium."""

import pyotp

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
    # an administrator enrols a second factor at the first sign-in: the QR code (SVG) and
    # the secret as text, which an authenticator app (here pyotp) turns into a code
    page.get_by_role("heading", name="Tweestapsverificatie instellen").wait_for()
    assert page.locator(".qr-code svg").count() == 1
    page.screenshot(path=str(screenshots / "second-factor-enrolment.png"), full_page=True)
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    page.get_by_label("Code uit de app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Bevestigen").click()
    assert page.locator(".recovery-codes li").count() == 10
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    assert page.get_by_role("button", name="Afmelden").is_visible()
