"""Login, logout, the language switch and the headers every page carries."""

import re

from sqlalchemy import select

from matching.audit.models import AuditEvent
from tests.support import login

PASSWORD = "correct horse battery"  # the test world's administrator


def post_login(client, email, password):
    """The login form posted as typed (tests.support.login logs a World user in)."""
    return client.post("/aanmelden", data={"email": email, "password": password})


def test_every_page_carries_the_security_headers(client, db):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_pages_have_no_inline_script(client, db):
    for path in ("/", "/aanmelden"):
        assert "<script" not in client.get(path).get_data(as_text=True)


def test_login_and_logout(world, db, client):
    db.session.commit()
    response = post_login(client, "admin@wse.example", PASSWORD)
    assert response.headers["Location"] == "/aanmelden/code"  # the second factor first
    assert client.get("/mijn-account").status_code == 302
    login(client, db, world.admin)
    assert "Beheerder" in client.get("/mijn-account").get_data(as_text=True)
    assert client.get("/afmelden").status_code == 405  # no state change on GET
    client.post("/afmelden")
    assert client.get("/mijn-account").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite(world, db, client):
    db.session.commit()
    cookie = post_login(client, "admin@wse.example", PASSWORD).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_wrong_password_and_an_unknown_account_get_the_same_message(world, db, client):
    db.session.commit()
    wrong = post_login(client, "admin@wse.example", "fout wachtwoord").get_data(as_text=True)
    unknown = post_login(client, "niemand@example.be", "fout wachtwoord").get_data(as_text=True)
    message = "Het e-mailadres of het wachtwoord is niet juist."
    assert message in wrong and message in unknown

    def without_token_and_address(html: str) -> str:
        return re.sub(r'name="csrf_token" value="[^"]*"|value="[^"]*@[^"]*"', "", html)

    assert without_token_and_address(wrong) == without_token_and_address(unknown)


def test_failed_logins_are_logged_without_the_password(world, db, client):
    db.session.commit()
    for _ in range(5):
        post_login(client, "admin@wse.example", "fout wachtwoord")
    failures = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "user.login_failed")).all()
    assert len(failures) == 5 and "wachtwoord" not in "".join(e.summary for e in failures)


def test_the_form_shows_errors_next_to_the_fields_and_a_summary(client, db):
    page = client.post("/aanmelden", data={"email": "", "password": ""}).get_data(as_text=True)
    assert 'class="error-summary"' in page and 'aria-invalid="true"' in page


def test_the_language_switch_is_a_form_and_changes_the_language(client, db):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in page
    # a POST form (a link would let any GET change the language): GET is not allowed
    assert '<form method="post" action="/taal"' in page and 'name="lang" value="en"' in page
    assert client.get("/taal?lang=en").status_code == 405
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)
    client.post("/taal", data={"lang": "en", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "Nederlands" in page
    assert client.post("/taal", data={"lang": "xx"}).status_code == 400


def test_an_unknown_page_answers_404_in_dutch(client, db):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404 and "Pagina niet gevonden" in response.get_data(as_text=True)


def test_forms_refuse_a_missing_csrf_token(app, client, db):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.post("/aanmelden", data={"email": "a@b.be", "password": "x"})
        assert response.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
