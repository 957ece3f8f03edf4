"""Rate limits (Flask-Limiter) on the forms that cost a password hash or send an e-mail:
per client address, and per address and account, so a client that tries many accounts or
many passwords is slowed down before any hash is computed, while the account's owner, from
another address, still signs in.

The counts live in ``RATELIMIT_STORAGE_URI``: Redis, shared by every worker and server, in
production; memory only for the single-process demo. ``RATE_LIMIT_SCALE`` multiplies every
limit (the test suite signs in hundreds of times from one address; the tests of the limits
set it back to 1).
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

#: Which limit, per what: (count, period) pairs; the README has them as a table.
LIMITS: dict[str, tuple[tuple[int, str], ...]] = {
    "sign_in_address": ((20, "minute"), (200, "hour")),
    "sign_in_account": ((5, "minute"), (20, "hour")),  # failures only
    "second_factor_address": ((20, "minute"), (200, "hour")),
    "second_factor_account": ((5, "minute"), (20, "hour")),  # failures only
    "registration_address": ((5, "minute"), (20, "hour")),
    "reset_address": ((5, "minute"), (20, "hour")),
    "reset_account": ((3, "hour"),),
    "new_password_address": ((10, "minute"),),
}


def client_address() -> str:
    """The client's address as the server sees it (behind a reverse proxy, configure the
    proxy to pass it on and the WSGI server to trust it)."""
    return get_remote_address() or "-"


def limit(name: str) -> Callable[[], str]:
    """The limit ``name`` as Flask-Limiter's string, scaled by ``RATE_LIMIT_SCALE``."""
    def value() -> str:
        scale = int(current_app.config.get("RATE_LIMIT_SCALE", 1))
        return "; ".join(f"{count * scale} per {period}" for count, period in LIMITS[name])
    return value


def address_and_form_email() -> str:
    """The pair key of a form that names an account by its e-mail address."""
    email = (request.form.get("email") or "").strip().lower()
    return f"{client_address()}|{email}"


def failed(response) -> bool:
    """Only failures count towards a pair limit: a refused password or code answers 422
    (a success redirects; a refusal by a limit, 429, is not another attempt)."""
    return response.status_code == 422


limiter = Limiter(key_func=client_address, default_limits=[])


# --- a client refused by its address's limit is refused again before Flask ------------------

#: The forms limited per address, whose refused clients the guard answers itself.
GUARDED_PATHS = frozenset({"/aanmelden", "/aanmelden/code", "/registreren",
                           "/wachtwoord-vergeten", "/bevestiging-opnieuw"})


#: How long the guard answers for the application after an address limit refused a client.
GUARD_SECONDS = 60


_FLAG = "matching.address_limit_breached"


def address_limit_breached(request_limit) -> None:
    """``on_breach`` of the per-address limits: marks the request for :class:`FloodGuard`."""
    request.environ[_FLAG] = True


_GUARD_PAGE = (  # the words of the 429 page (matching.app.web.ERRORS), in both languages
    b'<!doctype html><html lang="nl"><head><meta charset="utf-8"><meta name="viewport" '
    b'content="width=device-width, initial-scale=1"><title>Even geduld - Please wait'
    b'</title><link rel="stylesheet" href="/static/site.css"></head><body>'
    b'<main id="main"><h1>Even geduld</h1><p>U deed te veel aanvragen na elkaar. Wacht '
    b'even en probeer het dan opnieuw.</p>'
    b'<h2 lang="en">Please wait</h2><p lang="en">You made too many requests in a row. '
    b'Wait a moment and try again.</p>'
    b'<p><a href="/">Naar de startpagina</a> - <a href="/" lang="en">To the home page</a>'
    b'</p></main></body></html>')


class FloodGuard:
    """WSGI middleware in front of the application. Once a client's address was refused by
    a per-address limit on one of the forms (Flask-Limiter answered 429), its further
    POSTs to that form are answered 429 here for a minute, before Flask parses the request,
    reads the session or checks the CSRF token: a flood then costs about as much as the
    bare ``/ping``, so the rest of the site keeps its speed (``benchmarks/flood.py``). The
    mark lives in the limits' own storage (Redis: every worker sees it)."""

    def __init__(self, wsgi_app, storage: Callable[[], object]):
        self.wsgi_app, self.storage = wsgi_app, storage

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "POST" or path not in GUARDED_PATHS:
            return self.wsgi_app(environ, start_response)
        key = f"matching-guard/{environ.get('REMOTE_ADDR', '-')}/{path}"
        storage = self.storage()
        if storage is not None and storage.get(key) > 0:  # type: ignore[attr-defined]
            start_response("429 Too Many Requests", [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(_GUARD_PAGE))), ("Retry-After", str(GUARD_SECONDS)),
                ("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
                ("X-Content-Type-Options", "nosniff")])
            return [_GUARD_PAGE]

        def remember(status, headers, exc_info=None):
            if status.startswith("429") and environ.get(_FLAG) and storage is not None:
                storage.incr(key, GUARD_SECONDS)  # type: ignore[attr-defined]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, remember)
