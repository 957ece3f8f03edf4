"""Health checks, error pages and the headers of issue 14.

Before, ``/ping`` answered 200 while the database was unreachable (and nothing else told
a load balancer), the 500 page was Werkzeug's English default, and there was neither HSTS
in production nor ``Cache-Control`` on authenticated pages.
"""

from __future__ import annotations

import pytest
from flask import abort

from tests.support import login

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:1/none"  # nothing listens on port 1


def make_app(tmp_path, uri: str, **config):
    from matching.app import create_app

    return create_app({"TESTING": True, "MATCHING_ENV": "testing", "WTF_CSRF_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": uri, **config})


def test_ping_is_liveness_and_ready_is_readiness(client, db):
    assert client.get("/ping").status_code == 200
    response = client.get("/ready")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "ready")


def test_ready_answers_503_while_the_database_is_unreachable(tmp_path):
    app = make_app(tmp_path, UNREACHABLE)
    client = app.test_client()
    assert client.get("/ping").status_code == 200  # the process lives
    response = client.get("/ready")
    assert response.status_code == 503
    assert "database" in response.get_data(as_text=True)


def test_ready_answers_503_until_the_database_is_migrated_to_head(tmp_path):
    from flask_migrate import upgrade

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'nieuw.db'}")
    client = app.test_client()
    assert client.get("/ready").status_code == 503  # empty: no schema at all
    with app.app_context():
        upgrade(revision="0006")
    response = client.get("/ready")
    assert response.status_code == 503 and "not migrated" in response.get_data(as_text=True)
    with app.app_context():
        upgrade()
    assert client.get("/ready").status_code == 200
    with app.app_context():
        from matching.core.db import db
        db.engine.dispose()


@pytest.fixture
def erring_app(tmp_path):
    """An application whose extra routes fail in each way (errors are not propagated to
    the test, as in production), on a migrated database."""
    from flask_migrate import upgrade

    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'fout.db'}", PROPAGATE_EXCEPTIONS=False)

    @app.get("/test/abort/<int:code>")
    def aborting(code: int):
        abort(code)

    @app.get("/test/crash")
    def crashing():
        raise RuntimeError("boom")

    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        from matching.core.db import db
        db.engine.dispose()


@pytest.mark.parametrize("code,dutch,english", [
    (400, "Ongeldige aanvraag", "Invalid request"),
    (403, "Geen toegang", "No access"),
    (404, "Pagina niet gevonden", "Page not found"),
    (413, "Te groot", "Too large"),
    (429, "Even geduld", "Please wait"),
])
def test_error_pages_in_the_users_language_with_our_layout(erring_app, code, dutch, english):
    client = erring_app.test_client()
    for language, title in (("nl", dutch), ("en", english)):
        response = client.get(f"/test/abort/{code}", headers={"Accept-Language": language})
        page = response.get_data(as_text=True)
        assert response.status_code == code
        assert f"<h1>{title}</h1>" in page and 'href="/static/site.css' in page
        assert f'<html lang="{language}">' in page


def test_405_names_the_allowed_methods_in_our_page(client, db):
    response = client.get("/afmelden")
    assert response.status_code == 405 and response.headers["Allow"]
    assert "<h1>Dat kan hier niet</h1>" in response.get_data(as_text=True)


def test_413_for_a_request_that_is_too_large(client, db):
    response = client.post("/aanmelden", data={"email": "x" * (12 * 1024 * 1024)})
    assert response.status_code == 413
    assert "<h1>Te groot</h1>" in response.get_data(as_text=True)


def test_the_500_page_is_ours_in_both_languages(erring_app):
    client = erring_app.test_client()
    for language, title in (("nl", "Er ging iets mis"), ("en", "Something went wrong")):
        response = client.get("/test/crash", headers={"Accept-Language": language})
        page = response.get_data(as_text=True)
        assert response.status_code == 500
        assert f"<h1>{title}</h1>" in page and 'href="/static/site.css' in page
        assert "Internal Server Error" not in page and "boom" not in page


def test_the_500_page_needs_no_database(tmp_path):
    """A page that reads the database while it is unreachable: our 500 page still."""
    app = make_app(tmp_path, UNREACHABLE, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    response = client.get("/addenda", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "<h1>Something went wrong</h1>" in page and "Internal Server Error" not in page


def test_hsts_in_production_only(tmp_path, client, db):
    from matching.letters.seal import development_seal

    assert "Strict-Transport-Security" not in client.get("/").headers
    production = make_app(tmp_path, UNREACHABLE, MATCHING_ENV="production",
                          LETTER_SEAL_PKCS12=development_seal(str(tmp_path)))
    response = production.test_client().get("/ping")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_authenticated_pages_are_never_cached(world, db, client):
    """Every GET of every signed-in role is checked in tests/functional/test_access_matrix;
    here a public page changes from cacheable to no-store once signed in."""
    assert "no-store" not in client.get("/addenda").headers.get("Cache-Control", "")
    login(client, db, world.coordinator)
    for path in ("/addenda", "/mijn-account", "/coordinatie"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    client.post("/afmelden")
    assert "no-store" not in client.get("/addenda").headers.get("Cache-Control", "")
