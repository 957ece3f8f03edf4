"""The account page's forms as first shown (issue 17): rendered once per language and CSRF
setting by :class:`matching.core.fresh_forms.FreshForm`, they must be exactly what WTForms
renders through the same macros, in Dutch and English, with CSRF on and off, whatever the
characters of the values; a submitted form is still validated (and its errors rendered) by
WTForms, and the CSRF token is the request's own."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from flask import get_template_attribute, session
from flask_babel import force_locale
from wtforms import BooleanField

from matching.accounts import views as account_views
from matching.accounts.forms import ContactDetailsForm, EmailChangeForm
from matching.accounts.rules import Role
from matching.core.forms import FlaskForm
from matching.core.fresh_forms import FreshForm
from tests.support import login

ODD = 'Jan "<&\'> Peeters – é'
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.mark.parametrize("csrf", [False, True])
@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("name, phone", [(ODD, None), ("Els", "+32 <9> & \"x\""), ("", "")])
def test_the_forms_as_first_shown_are_what_wtforms_renders(app, monkeypatch, csrf, lang,
                                                            name, phone):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)
    with app.test_request_context("/mijn-account"), force_locale(lang):
        contact = get_template_attribute("auth/_account_forms.html", "contact_section")
        email = get_template_attribute("auth/_account_forms.html", "email_section")
        # what the page rendered before issue 17: the forms built from the account
        expected_contact = contact(ContactDetailsForm(obj=SimpleNamespace(name=name, phone=phone)),
                                   "/mijn-account/gegevens")
        expected_email = email(EmailChangeForm(formdata=None), "/mijn-account/e-mailadres")
        for _ in range(2):  # built at the first, joined at the second
            assert account_views._CONTACT_FORM.render(
                {"name": name, "phone": phone}, action="/mijn-account/gegevens") \
                == expected_contact
            assert account_views._EMAIL_FORM.render(
                {}, action="/mijn-account/e-mailadres") == expected_email
        assert ('name="csrf_token"' in expected_contact) is csrf
        if csrf:  # the request's own token (the one the session signs)
            assert session.get("csrf_token") and TOKEN.search(str(expected_contact))


def test_a_field_that_does_not_show_its_data_as_text_is_refused(app):
    class Choice(FlaskForm):
        agree = BooleanField("x")

    fresh = FreshForm("auth/_account_forms.html", "email_section", lambda: Choice(formdata=None),
                      fields=("agree",), arguments=("action",))
    with app.test_request_context("/"), pytest.raises(TypeError):
        fresh.render({"agree": True}, action="/")


@pytest.mark.parametrize("lang, label, hint", [
    ("nl", "Telefoonnummer (optioneel)", "Bijvoorbeeld +32 9 123 45 67."),
    ("en", "Phone number (optional)", None)])
def test_the_account_page_in_dutch_and_english(db, world, client, lang, label, hint):
    person = world.user("odd", Role.MATCHMAKER)
    person.name, person.phone = ODD, "+32 9 <123>"
    db.session.commit()
    login(client, db, person)
    with client.session_transaction() as s:
        s["lang"] = lang
    page = client.get("/mijn-account").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert f'<label for="phone">{label}</label>' in page
    assert hint is None or hint in page
    assert 'value="Jan &#34;&lt;&amp;&#39;&gt; Peeters – é"' in page
    assert 'value="+32 9 &lt;123&gt;"' in page and 'id="email"' in page
    assert "fresh" not in page.lower()  # no marker left behind


def test_the_page_carries_the_requests_token_and_posts_are_checked(app, db, world, client,
                                                                   monkeypatch):
    person = world.user("token", Role.MATCHMAKER)
    db.session.commit()
    login(client, db, person)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/mijn-account").get_data(as_text=True)
    tokens = re.findall(r'<input (?=[^>]*name="csrf_token")[^>]*value="([^"]+)"', page)
    # sign-out, language, notifications and the two forms: one token, the request's
    assert len(tokens) == 5 and len(set(tokens)) == 1 and len(TOKEN.findall(page)) == 2
    data = {"name": "Tok En", "phone": ""}
    assert client.post("/mijn-account/gegevens", data=data).status_code == 400  # no token
    assert client.post("/mijn-account/gegevens",
                       data={**data, "csrf_token": tokens[0]}).status_code == 302
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    # still validated by WTForms: the refused form is rendered with its errors
    refused = client.post("/mijn-account/gegevens", data={"name": "", "phone": ""})
    assert refused.status_code == 422
    assert 'id="name-error"' in refused.get_data(as_text=True)


def test_the_application_renders_with_the_set_keyed_globals(app):
    from matching.app.templating import Environment, TemplateGlobals

    assert isinstance(app.jinja_env, Environment)
    assert isinstance(app.jinja_env.get_template("base.html").globals, TemplateGlobals)
