"""What every page shares: the language choice, the liveness check, the error pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext
from flask_wtf.csrf import CSRFError
from markupsafe import escape

from matching.core.web import safe_target, secure_headers

bp = Blueprint("web", __name__)


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


@bp.post("/taal")
def set_language():
    """The language switch on every page (a form: no state change on GET)."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    return redirect(safe_target(request.form.get("next"), url_for("index")))


@bp.get("/ping")
def ping():
    """A liveness check and the benchmark's ceiling (``make bench``): plain text, touching
    neither the database nor the session (no template, no user, no translation)."""
    return Response("ok", content_type="text/plain; charset=utf-8")


def too_many_page() -> str:
    title, text, home = (gettext("Te veel pogingen"),
                         gettext("Er kwamen van uw verbinding te veel pogingen kort na elkaar. "
                                 "Wacht enkele minuten en probeer het dan opnieuw."),
                         gettext("Naar de startpagina"))
    return (f'<!doctype html><html lang="{escape(str(get_locale()))}"><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1"><title>{escape(title)} – Lokale partnerschappen</title>'
            '<link rel="stylesheet" href="/static/site.css"></head><body><main id="main">'
            f'<h1>{escape(title)}</h1><p>{escape(text)}</p>'
            f'<p><a href="/">{escape(home)}</a></p></main></body></html>')


def init_web(app: Flask) -> None:
    """The security headers of every response and the error pages."""
    app.after_request(secure_headers)

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(429)
    def too_many(error):
        """A rate limit (matching.core.limits): the same page whoever the account is, and
        next to nothing for the server (no layout, no account, no database: a refused
        flood must not slow the site down, ``benchmarks/flood.py``)."""
        return too_many_page(), 429, {"Retry-After": "60"}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/400.html", reason=error.description), 400
