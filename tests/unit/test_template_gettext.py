"""The templates' ``_()`` (issue 17, ``matching.core.i18n``): what Jinja's new-style
``gettext`` over Flask-Babel gave, byte for byte, in either language, escaped or not, with
variables or without, and following ``force_locale`` within one request."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask_babel import Babel, force_locale, get_translations
from jinja2.ext import _make_new_gettext

from matching.app import TRANSLATIONS_DIR
from matching.core import i18n

TEMPLATE = ('{{ _("Afmelden") }}|{{ _("Mijn taken") }}|{{ gettext("Afmelden") }}|'
            '{{ _("Weerwoord ingediend: %(organisation)s", organisation=org) }}|'
            '{{ _("100%% <b>") }}|{{ _("een zin die niet vertaald is") }}')


def make_app(ours: bool) -> Flask:
    app = Flask(__name__)
    app.config["LANGUAGES"] = ["nl", "en"]
    Babel(app, default_translation_directories=str(TRANSLATIONS_DIR),
          locale_selector=lambda: app.config["LANG"])
    if ours:
        i18n.install(app.jinja_env)
    return app


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_the_same_text_as_flask_babels_gettext(lang, autoescape):
    pages = []
    for ours in (False, True):
        app = make_app(ours)
        app.config["LANG"] = lang
        app.jinja_env.autoescape = autoescape
        with app.test_request_context():
            for _ in range(2):  # the second time from the memo
                pages.append(render_template_string(TEMPLATE, org="Vzw <Open> & co"))
    assert pages[0] == pages[1] == pages[2] == pages[3]
    if lang == "en":
        assert "Log out|My tasks|Log out|Appeal filed: " in pages[0]
    assert ("Vzw &lt;Open&gt; &amp; co" in pages[0]) == autoescape
    assert "100% <b>" in pages[0]  # the label's own markup is the translator's


def test_force_locale_is_followed_within_one_request():
    app = make_app(ours=True)
    app.config["LANG"] = "nl"
    with app.test_request_context():
        assert render_template_string('{{ _("Afmelden") }}') == "Afmelden"
        with force_locale("en"):
            assert render_template_string('{{ _("Afmelden") }}') == "Log out"
        assert render_template_string('{{ _("Afmelden") }}') == "Afmelden"


def test_the_jinja_wrapper_it_replaces_is_still_what_flask_babel_installs():
    """If Flask-Babel changed what it installs, the equivalence above would compare the
    wrong thing: it still installs Jinja's new-style gettext."""
    app = make_app(ours=False)
    installed = app.jinja_env.globals["gettext"]
    reference = _make_new_gettext(lambda s: get_translations().ugettext(s))
    assert installed.__code__ is reference.__code__
