"""What every page shares: security headers, the language choice, error pages."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import (Blueprint, Flask, Response, abort, current_app, redirect, render_template,
                   request, session, url_for)
from flask_wtf.csrf import CSRFError

bp = Blueprint("web", __name__)

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


@bp.post("/taal")
def set_language():
    """The language switch on every page (a form: no state change on GET)."""
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["lang"] = lang
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/") and not target.startswith("//")
                    else url_for("index"))


@bp.get("/ping")
def ping():
    """A liveness check and the benchmark's ceiling (``make bench``): plain text, touching
    neither the database nor the session (no template, no user, no translation)."""
    return Response("ok", content_type="text/plain; charset=utf-8")


def secure_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_web(app: Flask) -> None:
    app.register_blueprint(bp)
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


def letter_page(html: str) -> Response:
    """A letter's own HTML document as a page. The letter carries its own <style> (it is
    also the source of the PDF and the e-mail): exactly that style is allowed, by its
    hash, and nothing else (no script at all)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(block.encode()).digest()).decode() + "'"
        for block in re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S))
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src {hashes or chr(39) + 'none' + chr(39)}; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
    return response
