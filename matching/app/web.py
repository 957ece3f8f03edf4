"""What every page shares: the language choice, the liveness and readiness checks, the
error pages (in the user's language, in our layout; the 500 page needs no database), and
the headers of every response."""

from __future__ import annotations

import ast
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
from flask.globals import request_ctx
from flask.sessions import SecureCookieSessionInterface
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from matching.accounts.sessions import SESSION_KEY
from matching.core.db import db
from matching.core.web import refuse_control_characters_in_query, safe_target, secure_headers

log = logging.getLogger(__name__)

bp = Blueprint("web", __name__)


def select_locale() -> str:
    return choose_language(session, request.accept_languages, current_app.config["LANGUAGES"])


def choose_language(visitor: Mapping[str, Any], accept: LanguageAccept,
                    languages: list[str]) -> str:
    """The session's choice (the language switch), else the browser's (``Accept-Language``),
    else the first; without the request's globals for the public 304 answered before Flask
    (``workareas.revalidation``)."""
    chosen = visitor.get("lang")
    if isinstance(chosen, str) and chosen in languages:
        return chosen
    return accept.best_match(languages) or languages[0]


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
    return redirect(safe_target(request.form.get("next"), url_for("index")))


@bp.get("/ping")
def ping():
    """A liveness check and the benchmark's ceiling (``make bench``): plain text, touching
    neither the database nor the session (no template, no user, no translation)."""
    return Response("ok", content_type="text/plain; charset=utf-8")


@bp.get("/ready")
def ready():
    """Readiness (a load balancer sends traffic only when 200): the database answers and
    is migrated to the head revision of this code; otherwise 503, plain text, no page."""
    try:
        with db.engine.connect() as connection:
            current = {row[0] for row in connection.execute(
                text("SELECT version_num FROM alembic_version"))}
    except SQLAlchemyError:
        return _plain("not ready: the database does not answer or has no schema", 503)
    if current != migration_heads():
        return _plain("not ready: the database is not migrated to this version", 503)
    return _plain("ready", 200)


def migration_heads() -> set[str]:
    """The head revision(s) of the migrations shipped with this code (read once)."""
    heads = current_app.extensions.get("migration_heads")
    if heads is None:
        versions = Path(current_app.extensions["migrate"].directory) / "versions"
        heads = current_app.extensions["migration_heads"] = read_heads(versions)
    return heads


def read_heads(versions: Path) -> set[str]:
    """The revisions no other migration in ``versions`` follows: each file's ``revision``
    and ``down_revision``, read as Alembic reads them, without importing Alembic (and Mako):
    10 MB in every worker a load balancer asks (issue 17). The test compares the answer
    with Alembic's ``ScriptDirectory.get_heads()``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                values[target.id] = ast.literal_eval(value)
        revision = values.get("revision")
        if not isinstance(revision, str):
            continue
        revisions.add(revision)
        down = values.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, list | tuple):
            parents.update(str(d) for d in down)
    return revisions - parents


def _plain(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


#: Each error page's title and explanation, in the user's language.
ERRORS = {
    400: (_l("Ongeldige aanvraag"),
          _l("Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog "
             "eens.")),
    403: (_l("Geen toegang"), _l("U heeft geen toegang tot deze pagina.")),
    404: (_l("Pagina niet gevonden"),
          _l("Deze pagina bestaat niet, of u heeft er geen toegang toe.")),
    405: (_l("Dat kan hier niet"),
          _l("Deze pagina kan niet op die manier worden gebruikt. Ga terug en gebruik de knop "
             "op de pagina.")),
    413: (_l("Te groot"),
          _l("Wat u verstuurde is te groot. Verklein het bestand en probeer het opnieuw.")),
    429: (_l("Even geduld"),
          _l("U deed te veel aanvragen na elkaar. Wacht even en probeer het dan opnieuw.")),
    500: (_l("Er ging iets mis"),
          _l("Er liep iets mis aan onze kant; er werd niets bewaard van wat u net deed. "
             "Probeer het straks opnieuw. Blijft het misgaan, neem dan contact op met Europa "
             "WSE.")),
}

#: The last resort when even the 500 page cannot be rendered: our words, no template.
BARE_500 = ("<!doctype html><html lang=\"nl\"><head><meta charset=\"utf-8\"><title>Er ging iets "
            "mis</title></head><body><h1>Er ging iets mis</h1><p>Probeer het straks opnieuw. "
            "/ Something went wrong; please try again later.</p></body></html>")


def error_page(code: int) -> tuple[str, int]:
    if request_ctx.url_adapter is None:  # refused before routing (an unknown Host)
        return bare_page(code), code
    title, message = ERRORS[code]
    return render_template("errors/error.html", code=code, title=title, message=message), code


def server_error_page() -> Response:
    """The 500 page: our layout and the user's language, but neither the database nor
    the signed-in user (the database may be what failed)."""
    title, message = ERRORS[500]
    try:
        db.session.rollback()
    except Exception:  # a connection that is gone cannot even roll back
        log.warning("rollback after a server error failed", exc_info=True)
    try:
        body = render_template("errors/500.html", title=title, message=message)
    except Exception:  # the page of last resort must always answer
        log.exception("the 500 page could not be rendered")
        body = BARE_500
    return Response(body, status=500, content_type="text/html; charset=utf-8")


def bare_page(code: int) -> str:
    """An error page without the layout template: the error pages' words, the stylesheet,
    nothing else (no account, no database, no URL building). For a refused flood (429: it
    must cost next to nothing) and for a request refused before routing (a Host that is not
    ours: nothing can be built from it)."""
    title, message = (str(text) for text in ERRORS[code])
    home = gettext("Naar de startpagina")
    service = gettext("Lokale partnerschappen – matching")
    return (f'<!doctype html><html lang="{escape(str(get_locale()))}"><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width, '
            f'initial-scale=1"><title>{escape(gettext("Fout:"))} {escape(title)} – '
            f'{escape(service)}</title><link rel="stylesheet" href="/static/site.css"></head>'
            '<body><header class="site"><div class="page"><p class="brand">'
            f'<a href="/">{escape(gettext("Lokale partnerschappen – matching (ESF+)"))}</a>'
            f'</p></div></header><main id="main"><h1>{escape(title)}</h1>'
            f'<p>{escape(message)}</p><p><a href="/">{escape(home)}</a></p></main></body></html>')


#: HSTS in production: browsers use HTTPS only, for a year, subdomains included.
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(response: Response, config: Mapping[str, Any]) -> Response:
    """The security headers of every response, and HSTS in production (also on the public
    304 answered before Flask: ``workareas.revalidation``)."""
    secure_headers(response)
    if config.get("MATCHING_ENV") == "production":
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def response_headers(response: Response) -> Response:
    """The security headers; HSTS in production; no caching of any page shown to a
    signed-in person (their data must not stay in a shared or back-button cache). Whether
    someone is signed in is read from the session cookie, never the database."""
    security_headers(response, current_app.config)
    if request.cookies and session.get(SESSION_KEY) is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed cookie session, with its signing serializer made once for the
    application's keys instead of twice in every request (Flask builds one to read the
    cookie and another to write it, and building one serialises a probe value): issue 17,
    12 µs of each request, about 4 % of ``/ping`` (``benchmarks/floor.py``). A key changed
    at run time (a test, a rotation with ``SECRET_KEY_FALLBACKS``) makes a new one."""

    _kept: tuple[tuple, Any] | None = None

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


def init_web(app: Flask) -> None:
    """The session cookie's signing, the headers of every response and the error pages."""
    app.session_interface = CookieSessions()
    app.after_request(response_headers)
    app.before_request(refuse_control_characters_in_query)

    @app.errorhandler(429)
    def too_many(error):
        """A rate limit (matching.core.limits): the same page whoever the account is, and
        next to nothing for the server (no layout, no account, no database: a refused
        flood must not slow the site down, ``benchmarks/flood.py``)."""
        return bare_page(429), 429, {"Retry-After": "60"}

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_page(400)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 500:
            return server_error_page()
        if error.code not in ERRORS:
            return error
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            page, code = error_page(405)
            return page, code, {"Allow": ", ".join(error.valid_methods)}
        return error_page(error.code)

    @app.errorhandler(500)
    def internal_error(error):
        return server_error_page()
