"""What a table computes once per page instead of per row (issue 17): the tone of a state
tag, a link whose only varying part is an id, and a label table in the reader's language.
They must give exactly what the per-row forms gave (the macro, ``url_for``, ``_()``)."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from flask_babel import Babel, force_locale

from matching.app import TRANSLATIONS_DIR
from matching.candidacies.rules import CANDIDACY_STATE_LABELS, CandidacyState
from matching.core.render import page_gettext, status_tag, tone_of, translated, url_pattern
from workareas.rules import ProcedureState


@pytest.mark.parametrize(("value", "tone"), [
    (ProcedureState.RATIFIED, "positive"), ("ratified", "positive"),
    (CandidacyState.INADMISSIBLE, "negative"), ("not_met", "negative"),
    (CandidacyState.DRAFT, "neutral"), ("pending", "neutral"),
    (ProcedureState.PUBLISHED, "info"), ("anything else", "info"), ("", "info"), (None, "info"),
])
def test_the_tone_of_a_state_from_its_member_or_its_value(value, tone):
    assert tone_of(value) == tone


@pytest.fixture
def app():
    app = Flask(__name__)
    app.config["SERVER_NAME"] = "example.test"

    @app.get("/procedures/<int:procedure_id>/rondes/<int:round_no>")
    def board(procedure_id, round_no):
        return ""

    @app.get("/kandidaturen/<int:candidacy_id>")
    def candidacy(candidacy_id):
        return ""

    return app


def test_a_link_pattern_gives_what_url_for_gives_for_every_id(app):
    with app.test_request_context():
        by_procedure = url_pattern("board", "procedure_id", round_no=2)
        by_round_free = url_pattern("candidacy", "candidacy_id")
        for i in (1, 9, 987654320, 987654322, 10**12):
            assert by_procedure(i) == url_for("board", procedure_id=i, round_no=2)
            assert by_round_free(i) == url_for("candidacy", candidacy_id=i)


def test_a_link_pattern_takes_integers_only(app):
    with app.test_request_context():
        link = url_pattern("candidacy", "candidacy_id")
        assert link("7") == "/kandidaturen/7"
        with pytest.raises(ValueError):
            link("7/../../beheer")


def test_a_link_pattern_refuses_a_parameter_that_is_not_in_the_path(app):
    with app.test_request_context(), pytest.raises(ValueError, match="does not appear once"):
        url_pattern("board", "round_no", procedure_id=987654321)


def test_a_label_table_in_the_readers_language():
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(TRANSLATIONS_DIR))
    with app.test_request_context():
        with force_locale("nl"):
            assert translated(CANDIDACY_STATE_LABELS) == {
                s: str(label) for s, label in CANDIDACY_STATE_LABELS.items()}
        with force_locale("en"):
            english = translated(CANDIDACY_STATE_LABELS)
    assert set(english) == set(CANDIDACY_STATE_LABELS)
    assert english[CandidacyState.DRAFT] != CANDIDACY_STATE_LABELS[CandidacyState.DRAFT]


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_page_catalogue_answers_as_the_templates_underscore(locale):
    """Issue 17: ``{% set _ = page_gettext() %}`` changes nothing a page shows: the same
    markup as Jinja's ``_`` for a translated message, its parameters escaped, ``%%``."""
    app = Flask(__name__)
    Babel(app, default_translation_directories=str(TRANSLATIONS_DIR))
    app.jinja_env.globals["page_gettext"] = page_gettext
    calls = ('_("%(met)s van 6 voldaan", met=n)', '_("Niet voldaan:")',
             '_("%(who)s: onontvankelijk zonder vastgelegde reden.", who=who)',
             '_("100%% zeker")')
    body = "|".join("{{ " + call + " }}" for call in calls)
    plain = app.jinja_env.from_string(body)
    once = app.jinja_env.from_string("{% set _ = page_gettext() %}" + body)
    with app.test_request_context(), force_locale(locale):
        for who in ("<b>A & B</b> 'vzw'", "Jobkracht (K-1)"):
            expected = plain.render(n=3, who=who)
            assert once.render(n=3, who=who) == expected
            assert "&lt;b&gt;A &amp; B" in expected or "<b>" not in who
        assert "100% zeker" in once.render(n=0, who="")


def test_a_status_tag_is_what_the_markup_formatting_gave():
    from markupsafe import Markup

    for word, value, tone in (("voldaan", "met", None), ("<i>x</i> & 'y'", None, None),
                              ("beslist", ProcedureState.DECIDED, None),
                              ("eigen", None, 'a"b')):
        expected = Markup('<strong class="tag tag-%s">%s</strong>') % (
            tone or tone_of(value), word)
        assert status_tag(word, value, tone) == expected
