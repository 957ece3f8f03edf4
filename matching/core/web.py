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
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Final, Literal, TypeVar
from urllib.parse import urlsplit

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

from matching.core.db import db
from matching.core.errors import DomainError, DomainErrors, PermissionDenied

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


def message_of(error: DomainError) -> str:
    """The refusal in the user's language."""
    return gettext(error.msgid, **error.params) if error.params else gettext(error.msgid)


def perform(operation: Callable[..., T], *args: Any, form=None, success: str | None = None,
            **kwargs: Any) -> T | Literal[_Failed.FAILED]:
    """Run ``operation(*args, actor=current_user, now=utcnow(), **kwargs)`` and commit.

    Returns the operation's result, or ``FAILED`` (falsy check: ``if result is FAILED``)
    after a refusal, which is rolled back and shown to the user.
    """
    try:
        result = operation(*args, actor=current_user._get_current_object(), now=utcnow(),
                           **kwargs)
        db.session.commit()
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


def show_errors(error: DomainError, form=None) -> None:
    """Each problem next to the form field it names (and so in the form's error summary),
    or as a flash message; every problem of a :class:`DomainErrors` at once."""
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
