"""Helpers that let a page compute once what every row of a table repeats (issue 17): the
tone of a state tag and a link whose only varying part is an integer id."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any

from flask import url_for
from flask.globals import _cv_request
from flask_babel import get_translations, gettext
from markupsafe import Markup, escape

#: The tone of a state (static/site.css, issue 16): positive (it went on), negative (it
#: stopped), neutral (not yet started or undecided); anything else is under way ("info").
POSITIVE = frozenset({"selected_for_pitch", "admitted_to_step4", "ratified", "decided",
                      "active", "met", "reversed", "sent"})
NEGATIVE = frozenset({"inadmissible", "not_selected_r1", "not_selected_r2", "deactivated",
                      "not_met", "failed"})
NEUTRAL = frozenset({"draft", "withdrawn", "undetermined", "invited", "unconfirmed",
                     "confirmed", "pending"})

_MARKER = 987654321  # an id no table reaches; int converters accept it


def tone_of(value) -> str:
    """The tone of a state: an enum member (its value) or a plain string."""
    if isinstance(value, Enum):
        value = value._value_  # .value is a property, several times slower (issue 17)
    else:
        value = getattr(value, "value", value)
    v = str(value if value is not None else "")
    if v in POSITIVE:
        return "positive"
    if v in NEGATIVE:
        return "negative"
    if v in NEUTRAL:
        return "neutral"
    return "info"


def status_tag(word: str, value=None, tone: str | None = None) -> Markup:
    """The design system's status tag (issue 16) for a word already in the reader's language:
    the words say the status, the tone (``tone_of(value)`` unless given) only underlines it.
    The ``status_tag`` macro of ``templates/_ui.html`` calls it; a table of 200 rows calls it
    directly, without a macro per row (issue 17)."""
    # issue 17: formatted as text from escaped parts, what ``Markup % (…)`` gives, faster
    tone = escape(tone or tone_of(value))
    return Markup(f'<strong class="tag tag-{tone}">{escape(word)}</strong>')


def url_pattern(endpoint: str, param: str, **values) -> Callable[[int], str]:
    """``url_for(endpoint, param=<id>, **values)`` as a function of the id, built once:
    one ``url_for`` for a whole table, then string concatenation per row."""
    arguments: dict[str, Any] = {**values, param: _MARKER}
    url = url_for(endpoint, **arguments)
    head, found, tail = url.partition(str(_MARKER))
    if not found or str(_MARKER) in tail:
        raise ValueError(f"{endpoint}: {param} does not appear once in {url}")
    return lambda value: f"{head}{int(value)}{tail}"


#: Links without variable parts, per request shape (see :func:`fixed_url_for`).
_FIXED_URLS: dict[tuple, str] = {}

#: Beyond this many remembered links (a client that invents Host headers), start afresh.
_FIXED_URLS_MAX = 2000


def fixed_url_for(endpoint: str, **values: Any) -> str:
    """``url_for`` in templates and the menu (issue 17): a link without variable parts (a
    menu entry, the forms' actions, the footer) or to a static file is built once and
    remembered for what it depends on (the URL map, the script root, the host, the scheme
    and the request method it is built for); any other link is built as always."""
    ctx = _cv_request.get(None)  # (the context itself, not the ``request_ctx`` proxy)
    if (endpoint[:1] == "." or ctx is None
            or (values and (endpoint != "static" or values.keys() != {"filename"}))):
        return url_for(endpoint, **values)
    adapter = ctx.url_adapter
    if adapter is None:
        return url_for(endpoint, **values)
    key = (adapter.map, adapter.script_name, adapter.server_name, adapter.subdomain,
           adapter.url_scheme, adapter.default_method, endpoint, values.get("filename"))
    url = _FIXED_URLS.get(key)
    if url is None:
        url = url_for(endpoint, **values)
        if len(_FIXED_URLS) >= _FIXED_URLS_MAX:
            _FIXED_URLS.clear()
        _FIXED_URLS[key] = url
    return url


def link_context() -> tuple:
    """What every link :func:`fixed_url_for` builds in this request depends on besides its
    endpoint (the URL map, script root, host, scheme and method): part of the key of a
    fragment rendered once with its links (:class:`matching.core.fresh_forms.FreshFragment`)."""
    ctx = _cv_request.get(None)
    adapter = ctx.url_adapter if ctx is not None else None
    if adapter is None:
        return (None,)
    return (adapter.map, adapter.script_name, adapter.server_name, adapter.subdomain,
            adapter.url_scheme, adapter.default_method)


def translated(labels: Mapping) -> dict:
    """A table of Dutch message ids (``N_`` labels, extracted where they are defined) in the
    reader's language, looked up once per page rather than once per row."""
    return {key: gettext(label) for key, label in labels.items()}


def page_gettext() -> Callable[..., Markup]:
    """The templates' ``_`` with the reader's catalogue looked up once (issue 17), for a page
    that translates a message per row: ``{% set _ = page_gettext() %}`` at the top of a block.
    It answers exactly as Jinja's new-style ``_`` in an autoescaped template (every page):
    the translation as markup, formatted with its parameters escaped (always formatted, so
    ``%%`` is ``%`` with or without parameters). The calls stay ``_(...)``, so that
    ``make translations`` still extracts them."""
    ugettext = get_translations().ugettext
    return lambda msgid, **params: Markup(ugettext(msgid)) % params
