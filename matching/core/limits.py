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
    """Only failures count towards a pair limit: a form that succeeds redirects."""
    return response.status_code != 302


limiter = Limiter(key_func=client_address, default_limits=[], headers_enabled=True)
