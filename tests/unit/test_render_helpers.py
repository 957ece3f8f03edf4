"""What a table computes once per page instead of per row (issue 17): the tone of a state
tag, a link whose only varying part is an id, and a label table in the reader's language.
They must give exactly what the per-row forms gave (the macro, ``url_for``, ``_()``)."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from flask_babel import Babel, force_locale

from matching.app import TRANSLATIONS_DIR
from matching.candidacies.rules import CANDIDACY_STATE_LABELS, CandidacyState, Criterion
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


def test_the_board_rows_escape_what_a_row_holds_and_reuse_what_the_page_gave():
    """Issue 17: the round board's rows joined from the page's pieces (words already markup)
    and each row's values, escaped."""
    from datetime import UTC, datetime

    from juries.board_rows import board_rows_html
    from juries.page_queries import BoardLine, BoardPitch
    from juries.rules import Method, round_readiness

    cc, fit = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP
    at = datetime(2027, 3, 2, 8, 0, tzinfo=UTC)
    rows = [BoardLine(7, "KAND-<1>", "De Brug & <b>Co</b>", {cc: (3, Method.CONSENSUS)},
                      BoardPitch(1, at, at.replace(hour=9), "Zaal <A>", None, None),
                      round_readiness(2, [cc], False, [fit])),
            BoardLine(8, "KAND-2", "Twee", {cc: (4, Method.BALLOT), fit: (2, Method.BALLOT)},
                      None, round_readiness(1, [cc, fit], False))]
    html = str(board_rows_html(
        rows, 2, criteria=list(Criterion), score="score \x00", methods={"consensus": "cons."},
        vote="stemming", ready="klaar", missing={cc: "mist cc", fit: "mist fit"},
        awaiting={cc: "wacht cc", fit: "wacht fit"}, pitch="de pitch", preview="Voorbeeld",
        preview_url=lambda i: f"/v/{i}", inadmissible="Onontvankelijk",
        inadmissible_url=lambda i: f"/o/{i}",
        pitch_words={"held": "gehouden", "no_show": "weg", "planned": "gepland",
                     "not_planned": "niet gepland"}))
    assert "<b>" not in html and "De Brug &amp; &lt;b&gt;Co&lt;/b&gt;" in html
    assert "KAND-&lt;1&gt;" in html and "Zaal &lt;A&gt;" in html
    assert "score 3 (cons.)" in html and "score 4 (stemming)" in html
    assert "score 2 (stemming)" in html
    assert "02-03-2027 09:00–10:00" in html and "<br>gepland" in html and "niet gepland" in html
    assert "<li>wacht fit</li>" in html and "<li>de pitch</li>" in html and "mist" not in html
    assert html.count('href="/v/') == 2 and 'href="/o/8"' in html


def test_a_fixed_link_is_url_for_remembered_per_script_root_host_and_method(app):
    from matching.core.render import fixed_url_for

    app.config["SERVER_NAME"] = None

    @app.route("/taal", methods=["POST"])
    def language():
        return ""

    @app.get("/addenda")
    def addenda():
        return ""

    for base in ("http://a.test/", "http://a.test/sub/", "https://b.test/x/", "http://a.test/"):
        for method in ("GET", "POST"):
            with app.test_request_context("/", base_url=base, method=method):
                for _ in range(2):
                    assert fixed_url_for("addenda") == url_for("addenda")
                    assert fixed_url_for("language") == url_for("language")
                    assert fixed_url_for("static", filename="site.css") == \
                        url_for("static", filename="site.css")
                    assert fixed_url_for("addenda", _anchor="x") == url_for("addenda", _anchor="x")
                    for i in (1, 2):  # variable parts: built as always
                        assert fixed_url_for("candidacy", candidacy_id=i) == \
                            url_for("candidacy", candidacy_id=i)
    with app.test_request_context("/", base_url="http://a.test/sub/"):
        assert fixed_url_for("addenda") == "/sub/addenda"
    with app.test_request_context("/"):
        assert fixed_url_for("addenda") == "/addenda"


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


def test_a_templates_globals_name_every_global_as_a_set_and_imports_still_see_them():
    """Issue 17: ``keys()`` of a template's globals is a set (Jinja's import check is a set
    difference per rendering), built afresh, so a global added later and a template's own
    globals still reach an imported macro as with Jinja's ``ChainMap``."""
    from flask import Flask
    from jinja2 import DictLoader

    from matching.app.templating import Environment, TemplateGlobals

    flask_app = Flask(__name__)
    flask_app.jinja_environment = Environment
    env = flask_app.jinja_env
    env.loader = DictLoader({"m.html": "{% macro m() %}{{ own }}-{{ later }}{% endmacro %}",
                             "p.html": '{% from "m.html" import m %}{{ m() }}'})
    page = env.get_template("p.html", globals={"own": "eigen"})
    assert isinstance(page.globals, TemplateGlobals)
    env.globals["later"] = "laat"
    keys = page.globals.keys()
    assert isinstance(keys, set) and {"own", "later", "range"} <= keys
    assert page.render() == "eigen-laat"
