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
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from matching.core.db import db
from matching.core.web import secure_headers

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
    if current_user.is_authenticated and current_user.locale != lang:
        current_user.locale = lang  # their notifications and reminders follow it
        db.session.commit()
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("index"))


@bp.get("/ping")
def ping():
    """A liveness check and the benchmark's ceiling (``make bench``): plain text, touching
    neither the database nor the session (no template, no user, no translation)."""
    return Response("ok", content_type="text/plain; charset=utf-8")


def init_web(app: Flask) -> None:
    """The security headers of every response and the error pages."""
    app.after_request(secure_headers)

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/404.html"), 404

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/403.html"), 403

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template("errors/400.html", reason=error.description), 400
