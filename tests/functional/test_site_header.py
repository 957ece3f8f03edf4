"""The site's header and the account page's own content (issue 17): rendered once per
language, menu, roles and settings (:func:`matching.core.navigation.site_header`,
``matching.accounts.views._account_main``), they must be exactly what ``base.html`` and
``auth/account.html`` rendered inline before, in Dutch and English, signed in or not,
whatever the characters of the name, the address and the page's address; and what they are
built from (the roles, the name, the language) shows on the very next request."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_login import login_user, logout_user

from matching.accounts import operations as account_ops
from matching.accounts.models import RoleGrant
from matching.accounts.rules import Role
from matching.core import navigation
from tests.support import login

#: What base.html (its header, with its import) and auth/account.html (its main block, with
#: its imports) rendered inline before issue 17, kept as they were.
BEFORE = Path(__file__).parent / "before_issue17"
INLINE = (BEFORE / "header.html").read_text(encoding="utf-8")
INLINE_ACCOUNT = (BEFORE / "account_main.html").read_text(encoding="utf-8")

ODD = 'Jan "<&\'> Peeters – é {{x}} header'


@pytest.mark.parametrize("csrf", [False, True])
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("path", ["/mijn-account", "/taken", "/?a=<b>&c=\"d\"", "/x/é%20y"])
@pytest.mark.parametrize("role", [None, Role.OBSERVER, Role.ADMINISTRATOR])
def test_the_header_is_what_base_html_rendered_inline(app, world, db, monkeypatch, csrf, lang,
                                                      path, role):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)
    user = world.admin if role is Role.ADMINISTRATOR else world.user("kijker", Role.OBSERVER)
    user.name = ODD
    db.session.flush()
    with app.test_request_context(path), force_locale(lang):
        if role is not None:
            login_user(user, force=True)
        else:
            logout_user()
        expected = render_template_string(INLINE)
        for _ in range(2):  # built at the first, joined at the second
            assert "\n  " + navigation.site_header() == expected
        # "My tasks" is the current page on /taken (signed in): the menu's own marker
        assert ('aria-current="page"' in expected) is (path == "/taken" and role is not None)


def test_the_page_and_the_header_have_the_requests_own_csrf_token(app, world, db,
                                                                   monkeypatch, client):
    login(client, db, world.observer())
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/mijn-account").get_data(as_text=True)
    tokens = set(re.findall(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page))
    assert len(tokens) == 1 and "header" not in next(iter(tokens))


def test_a_revoked_role_a_new_name_and_the_language_show_on_the_next_request(app, world, db,
                                                                            client):
    observer = world.observer()
    login(client, db, observer)
    page = client.get("/mijn-account").get_data(as_text=True)
    assert ">Observatie</a>" in page and ">Waarnemer</a>" in page
    grant = db.session.scalars(db.select(RoleGrant).filter_by(user_id=observer.id)).one()
    account_ops.revoke_role(grant, actor=world.admin, now=world.clock.now)
    observer.name = "Nieuwe <Naam>"
    db.session.commit()
    page = client.get("/mijn-account").get_data(as_text=True)
    assert ">Observatie</a>" not in page and ">Waarnemer</a>" not in page
    assert ">Nieuwe &lt;Naam&gt;</a>" in page
    account_ops.grant_role(observer, Role.OBSERVER, actor=world.admin, now=world.clock.now)
    db.session.commit()
    client.post("/taal", data={"lang": "en", "next": "/mijn-account"})
    page = client.get("/mijn-account").get_data(as_text=True)
    assert ">Observation</a>" in page
    assert 'lang="nl">Nederlands</button>' in page
    client.post("/afmelden")
    page = client.get("/").get_data(as_text=True)
    assert "Nieuwe" not in page and re.search(">(Log in|Aanmelden)</a>", page)


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("csrf", [False, True])
@pytest.mark.parametrize("roles", [(Role.OBSERVER,), (Role.ADMINISTRATOR, Role.OBSERVER), ()])
@pytest.mark.parametrize("totp, digest", [(False, False), (True, True)])
def test_the_account_pages_content_is_what_the_template_rendered_inline(
        app, world, db, monkeypatch, lang, csrf, roles, totp, digest):
    from datetime import UTC, datetime

    from markupsafe import Markup

    from matching.accounts import views as account_views
    from matching.accounts.rules import ROLE_LABELS

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)
    user = world.user("persoon", Role.OBSERVER)
    user.grants.clear()
    db.session.flush()
    for role in roles:
        user.grants.append(RoleGrant(role=role, granted_at=world.clock.now))
    user.name, user.email = ODD, "a&b<c>@example.be"
    user.totp_confirmed_at = datetime(2025, 1, 1, tzinfo=UTC) if totp else None
    user.digest = digest
    db.session.flush()
    contact, email = Markup("<form>c &amp; é</form>"), Markup('<form id="e"></form>')
    with app.test_request_context("/mijn-account"), force_locale(lang):
        # (the block's last newline: a template's own last one is dropped by Jinja)
        expected = render_template_string(INLINE_ACCOUNT + "{# endblock #}", user=user,
                                          role_labels=ROLE_LABELS, contact_html=contact,
                                          email_html=email)
        for _ in range(2):  # built at the first, joined at the second
            assert account_views._account_main(user, contact, email) == expected
