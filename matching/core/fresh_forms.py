"""A form as first shown, without WTForms' rendering on every request (issue 17).

A page that shows a form nobody submitted yet (no errors, values from the record or empty)
pays WTForms' widget rendering for every field on every request: the attributes built,
sorted and escaped one by one, the label and its translation, the form's own construction
and its CSRF field. :class:`FreshForm` renders such a form once per process, language and
CSRF setting, through the template macro the page uses for a submitted form, with a
marker in place of each value that changes per request (the fields' data, the macro's
string arguments such as the form's action, the CSRF token); then each request joins the
constant pieces with its values, escaped exactly as WTForms and Jinja escape them
(``markupsafe.escape``). The HTML is the macro's own: a submitted form, with its errors,
is still rendered by WTForms through the same macro, and validated by WTForms as always.

Only fields whose value WTForms shows as ``str(data)`` (``""`` for None) may carry a
per-request value (:class:`wtforms.StringField` and its subclasses that keep its
``_value``); anything else raises at the first rendering.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms import Form, StringField

#: The slot of the CSRF token among a rendering's slots.
CSRF_SLOT = "\x00csrf"

#: A rendering split at its markers: the constant pieces, and the slot between each two.
Built = tuple[tuple[str, ...], tuple[str, ...]]


def _markers(slots: tuple[str, ...]) -> dict[str, str]:
    """A marker for each slot (marker -> slot), unguessable so no content can contain it."""
    nonce = secrets.token_hex(8)
    return {f"fresh{nonce}x{i}y": name for i, name in enumerate(slots)}


def _split(html: str, markers: Mapping[str, str]) -> Built:
    """``html`` split at the markers: the constant pieces and, between each two, the slot
    whose value goes there."""
    parts = re.split("(" + "|".join(markers) + ")", html)
    return tuple(parts[0::2]), tuple(markers[m] for m in parts[1::2])


def _join(built: Built, value_of: Callable[[str], Any]) -> Markup:
    """The constant pieces with each slot's value escaped between them, as Jinja's and
    WTForms' rendering escape it (text escaped, markup as it is)."""
    pieces, slots = built
    out = [pieces[0]]
    for slot, piece in zip(slots, pieces[1:], strict=True):
        out.append(escape(value_of(slot)))
        out.append(piece)
    return Markup("".join(out))


class FreshForm:
    """``macro`` of ``template`` called as ``macro(form, **arguments)`` with a form made by
    ``make_form()`` (no submitted data), rendered once per language and CSRF setting; the
    ``fields`` named carry the per-request data given to :meth:`render`."""

    def __init__(self, template: str, macro: str, make_form: Callable[[], Form],
                 fields: tuple[str, ...] = (), arguments: tuple[str, ...] = ()) -> None:
        self.template, self.macro, self.make_form = template, macro, make_form
        self.fields, self.arguments = fields, arguments
        self._built: dict[tuple, Built] = {}

    def render(self, data: Mapping[str, Any], **arguments: str) -> Markup:
        """The form's HTML with ``data`` (per field named, as WTForms would show it) and
        the macro's ``arguments``; the CSRF token is this request's (``csrf_token()``)."""
        config = current_app.config
        csrf = bool(config.get("WTF_CSRF_ENABLED", True))
        key = (str(get_locale()), csrf, config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
        built = self._built.get(key)
        if built is None:
            built = self._built[key] = self._build()

        def value_of(slot: str) -> Any:
            if slot == CSRF_SLOT:
                return generate_csrf()
            if slot in arguments:
                return arguments[slot]
            value = data.get(slot)
            return "" if value is None else str(value)  # StringField._value

        return _join(built, value_of)

    def _build(self) -> Built:
        """The macro's output split at the markers."""
        from flask import get_template_attribute  # (at the first rendering only)

        markers = _markers((*self.fields, *self.arguments, CSRF_SLOT))
        by_name = {name: marker for marker, name in markers.items()}
        form = self.make_form()
        for name in self.fields:
            field = form[name]
            if not isinstance(field, StringField) or type(field)._value is not StringField._value:
                raise TypeError(f"{self.macro}: {name} does not show its data as text")
            field.data = by_name[name]
        token = form._fields.get(form.meta.csrf_field_name) if form.meta.csrf else None
        if token is not None:  # WTForms' CSRFTokenField shows its current_token
            token.current_token = by_name[CSRF_SLOT]
        html = str(get_template_attribute(self.template, self.macro)(
            form, **{name: by_name[name] for name in self.arguments}))
        return _split(html, markers)


class FreshFragment:
    """A template macro's output rendered once per process for each ``key`` (issue 17), with
    a marker in place of each ``slots`` value that changes per request; each request joins
    the constant pieces with its values, escaped as Jinja's ``{{ … }}`` escapes them (text
    escaped, markup as it is). The key must hold everything else the output depends on (the
    language among it); the macro is called with the key's ``arguments`` and the markers."""

    #: Beyond this many remembered keys (e.g. a client that invents Host headers), start afresh.
    LIMIT = 1000

    def __init__(self, template: str, macro: str, slots: tuple[str, ...]) -> None:
        self.template, self.macro, self.slots = template, macro, slots
        self._built: dict[tuple, Built] = {}

    def render(self, key: tuple, values: Mapping[str, Any], **arguments: Any) -> Markup:
        """The macro's output for ``key`` (``arguments`` its other arguments, used when it is
        first rendered for that key) with ``values`` in the slots."""
        built = self._built.get(key)
        if built is None:
            built = self._build(key, arguments)
        return _join(built, values.__getitem__)

    def _build(self, key: tuple, arguments: Mapping[str, Any]) -> Built:
        from flask import get_template_attribute  # (at the first rendering only)

        markers = _markers(self.slots)
        html = str(get_template_attribute(self.template, self.macro)(
            **arguments, **{name: marker for marker, name in markers.items()}))
        built = _split(html, markers)
        if len(self._built) >= self.LIMIT:
            self._built.clear()
        self._built[key] = built
        return built
