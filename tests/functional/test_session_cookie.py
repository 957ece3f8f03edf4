"""The signed session cookie (issue 17): its signing serializer is made once for the
application's keys, not twice in every request, and a key changed at run time still takes
effect at once (a cookie signed with the old key is refused unless that key is a fallback).
"""

from __future__ import annotations

from flask import request

OLD_KEY = "the first key of this application, 32+ characters"
NEW_KEY = "the second key of this application, 32+ characters"


def make_app(tmp_path):
    from matching.app import create_app

    return create_app({"TESTING": True, "MATCHING_ENV": "testing", "SECRET_KEY": OLD_KEY,
                       "WTF_CSRF_ENABLED": False,
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'unused.db'}"})


def opened(app, cookie: str) -> dict:
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        return dict(app.session_interface.open_session(app, request))


def test_the_serializer_is_made_once_per_key_and_a_new_key_takes_effect_at_once(tmp_path):
    app = make_app(tmp_path)
    interface = app.session_interface
    first = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is first
    cookie = first.dumps({"lang": "en"})
    assert opened(app, cookie) == {"lang": "en"}

    app.secret_key = NEW_KEY  # rotated: the old cookie is no longer accepted
    assert interface.get_signing_serializer(app) is not first
    assert opened(app, cookie) == {}

    app.config["SECRET_KEY_FALLBACKS"] = [OLD_KEY]  # ... unless the old key is a fallback
    assert opened(app, cookie) == {"lang": "en"}
    assert opened(app, cookie + "x") == {}  # a tampered cookie still is not


def test_a_request_builds_no_serializer(tmp_path, monkeypatch):
    """Reading and writing the cookie in a request reuses the one serializer."""
    import flask.sessions

    app = make_app(tmp_path)
    app.session_interface.get_signing_serializer(app)
    built = []
    real = flask.sessions.URLSafeTimedSerializer
    monkeypatch.setattr(flask.sessions, "URLSafeTimedSerializer",
                        lambda *a, **k: built.append(1) or real(*a, **k))
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    built.clear()
    response = client.post("/taal", data={"lang": "nl"})  # reads and rewrites the cookie
    assert response.status_code == 302 and "session=" in response.headers["Set-Cookie"]
    assert built == []
