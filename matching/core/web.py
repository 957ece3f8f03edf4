"""What the thin views share: call one operation, commit once, or show the refusal; the
security headers of every page; a letter's own HTML as a page.

A view checks access, validates the form's shape, then ``perform``s one operation.
On a DomainError nothing is committed: the message (translated) goes next to the
form field the error names, or into a flash message, and the view shows the form again.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, Literal, TypeVar
from urllib.parse import unquote, urlsplit

from flask import (
    Response,
    abort,
    current_app,
    flash,
    has_app_context,
    render_template,
    request,
)
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.exc import DBAPIError, IntegrityError

from matching.core.db import db
from matching.core.errors import N_, DomainError, DomainErrors, Label, Labels, PermissionDenied
from matching.core.forms import mark_failed_submit

T = TypeVar("T")


class _Failed(enum.Enum):
    """The type of :data:`FAILED`: a single member, so that ``result is FAILED`` tells a
    type checker that the result is the operation's otherwise."""

    FAILED = "failed"


def utcnow() -> datetime:
    """The current instant; tests may set ``app.config["CLOCK"]`` to a callable (the
    operations take ``now`` as an argument, so this is the only place pages read time)."""
    clock = current_app.config.get("CLOCK") if has_app_context() else None
    return clock() if clock else datetime.now(UTC)


#: The field the confirmation page's button posts (``templates/confirm.html``).
CONFIRMED = "bevestigd"


def confirmed() -> bool:
    """Whether this POST confirms an irreversible step: it came from the confirmation page,
    which said what will happen (issue 13). Without it the view shows that page first."""
    return request.form.get(CONFIRMED) == "1"


def confirmation_page(title: str, consequences: list[str], irreversible: str, action: str,
                      label: str, cancel: str, fields: dict | None = None) -> str:
    """The page that asks to confirm an irreversible step (without JavaScript): what will
    happen, what can no longer change, a button that posts the step again with the
    confirmation (and ``fields`` carried over), and a way back."""
    return render_template("confirm.html", title=title, consequences=consequences,
                           irreversible=irreversible, action=action, label=label,
                           cancel=cancel, fields=fields or {})


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link to a page, for an e-mail: built from the configured ``BASE_URL``,
    never from the request's Host header (which a client chooses)."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/",
                                       url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


#: What a redirect target may consist of: a path of this site with a query, in plain
#: characters (no control character, space, backslash or fragment; see safe_target).
_SAFE_PATH = re.compile(r"/(?![/\\])(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/%?]|[^\x00-\x7f])*")


def safe_target(target: str | None, default: str = "/") -> str:
    """Where to go after signing in or switching the language: ``target`` when it is a
    path of this site, else ``default``.

    Refused: another site (``https://evil``), a protocol-relative address (``//evil``,
    ``/\\evil``), any control character, space or backslash (a browser drops a tab or a
    newline, so ``/\t/evil`` becomes ``//evil``; a newline in a header is a 500), and the
    same in percent-encoded form (``/%09/evil``, ``/%2F/evil``, ``/%5C/evil``), which a
    browser or a proxy may decode before following it."""
    if not isinstance(target, str) or len(target) > 2000:
        return default
    decoded = target
    for _ in range(3):  # also what a second or third decoding would make of it
        if not _SAFE_PATH.fullmatch(decoded) or any(
                unicodedata.category(ch)[0] in "CZ" for ch in decoded):
            return default
        if "%" not in decoded:
            break
        decoded = unquote(decoded)
    else:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def message_of(error: DomainError) -> str:
    """The refusal in the user's language."""
    if not error.params:
        return gettext(error.msgid)
    return gettext(error.msgid, **{key: _translated(value) for key, value in error.params.items()})


def _translated(value: Any) -> Any:
    """A parameter that is a label (a state, a group of the jury) in the user's language."""
    if isinstance(value, Labels):
        return value.sep.join(gettext(item) for item in value.items)
    if isinstance(value, Label):
        return gettext(value)
    return value


def perform(operation: Callable[..., T], *args: Any, form=None, success: str | None = None,
            **kwargs: Any) -> T | Literal[_Failed.FAILED]:
    """Run ``operation(*args, actor=current_user, now=utcnow(), **kwargs)`` and commit.

    Returns the operation's result, or ``FAILED`` (falsy check: ``if result is FAILED``)
    after a refusal, which is rolled back and shown to the user.
    """
    try:
        try:
            result = operation(*args, actor=current_user._get_current_object(), now=utcnow(),
                               **kwargs)
            db.session.commit()
        except DBAPIError as error:
            db.session.rollback()
            if not is_race(error):
                raise
            raise DomainError(RACE_LOST) from error
    except PermissionDenied:
        db.session.rollback()
        abort(404)  # another's object answers 404, not 403
    except DomainError as error:
        db.session.rollback()
        show_errors(error, form)
        return FAILED
    if success:
        flash(success, "success")
    return result


FAILED: Final = _Failed.FAILED

#: The refusal of a request that lost a race the operation's own lock did not prevent
#: (a unique constraint decided, or the database broke a deadlock): nothing was changed.
RACE_LOST: Final = N_("Iemand anders heeft dit op hetzelfde moment al gedaan of gewijzigd; "
                      "er is niets veranderd. Bekijk de pagina opnieuw.")

#: SQLSTATEs of a lost race: unique violation, serialization failure, deadlock.
_RACE_STATES: Final = frozenset({"23505", "40001", "40P01"})


def is_race(error: DBAPIError) -> bool:
    """Whether the database refused the request because another one got there first:
    a unique constraint (the guard of a double submit), a serialization failure or a
    deadlock; any other database error is a bug and stays one."""
    state = getattr(error.orig, "sqlstate", None)
    if state is not None:
        return state in _RACE_STATES
    return isinstance(error, IntegrityError) and "UNIQUE constraint failed" in str(error.orig)


def show_errors(error: DomainError, form=None) -> None:
    """Each problem next to the form field it names (and so in the form's error summary),
    or as a flash message; every problem of a :class:`DomainErrors` at once."""
    mark_failed_submit()
    for one in error.errors if isinstance(error, DomainErrors) else [error]:
        message = message_of(one)
        target = getattr(form, one.field, None) if (form is not None and one.field) else None
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [message]
        else:
            flash(message, "error")


def whole_number(value: Any) -> int | None:
    """A form coercion of shape only: a whole number, or None; the range is the
    operation's rule (a score of 1–4, one of the six conditions)."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def get_or_404(model: type[T], ident: Any) -> T:
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def refuse_control_characters_in_query() -> None:
    """Before every request: a NUL or control character in the address (its path or query
    string values) is a bad request (400), never a database error. Form fields are checked
    next to the field by ``matching.core.forms``."""
    from flask import request

    from matching.core.text import text_problem

    values = [*(v for _, vs in request.args.lists() for v in vs),
              *(v for v in (request.view_args or {}).values()
                                        if isinstance(v, str))]
    if any(text_problem(v, multiline=False, limit=len(v)) for v in values):
        abort(400)


def secure_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


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
