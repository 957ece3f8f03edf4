"""The base of every form: each text field is checked by ``matching.core.text``.

Every form module imports ``FlaskForm`` from here instead of from Flask-WTF, so no text
field can be forgotten: after the field's own validators, every string field (text,
text area, e-mail, password, hidden; also inside field lists and sub-forms) is refused,
with a Dutch message next to it, when it holds a NUL or another control character (a
newline or tab only in a text area) or is longer than its ``Length(max=…)`` (or, without
one, ``SHORT_MAX`` for one line and ``LONG_MAX`` for a text area).
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context, request
from flask_babel import format_decimal, gettext
from flask_wtf import FlaskForm as _FlaskForm
from wtforms import Field, FieldList, FormField, StringField, TextAreaField
from wtforms.validators import Length

from matching.core.text import LONG_MAX, SHORT_MAX, TOO_LONG_MESSAGE, text_problem


def _limit(field: Field, multiline: bool) -> int:
    maxima = [v.max for v in field.validators if isinstance(v, Length) and v.max >= 0]
    return min(maxima) if maxima else (LONG_MAX if multiline else SHORT_MAX)


def check_text_fields(fields: Any) -> bool:
    """Add the text problem of each string field among ``fields`` to its errors; True
    when there was none."""
    ok = True
    for field in fields:
        if isinstance(field, FormField):
            ok = check_text_fields(field.form) and ok
        elif isinstance(field, FieldList):
            ok = check_text_fields(field.entries) and ok
        elif isinstance(field, StringField) and isinstance(field.data, str):
            multiline = isinstance(field, TextAreaField)
            limit = _limit(field, multiline)
            problem = text_problem(field.data, multiline=multiline, limit=limit)
            if problem is not None:
                message = gettext(TOO_LONG_MESSAGE, limit=format_decimal(limit)) \
                    if problem == TOO_LONG_MESSAGE else gettext(problem)
                if message not in field.errors:
                    field.errors = [*field.errors, message]
                ok = False
    return ok


class FlaskForm(_FlaskForm):
    """Flask-WTF's form, with every text field checked (see the module), and its hidden
    CSRF token rendered without an id: a page with several forms would otherwise repeat
    ``id="csrf_token"`` (issue 16: ids are unique)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        token = getattr(self, "csrf_token", None)
        if isinstance(token, Field):
            token.render_kw = {**(token.render_kw or {}), "id": False}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        ok = check_text_fields(self) and ok
        if not ok and has_request_context() and request.method == "POST":
            mark_failed_submit()
        return ok


def mark_failed_submit() -> None:
    """This request's submission was refused: the page's title starts with "Fout:"
    (issue 16, WCAG 3.3.1; read by ``templates/base.html``)."""
    g.failed_submit = True
