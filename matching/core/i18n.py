"""The templates' ``_()`` and ``gettext()``, looked up at the cost of a dictionary (issue 17).

Flask-Babel's own Jinja callables find the request's translations afresh for every string
(the domain, the locale, its name, the cache) and Jinja's new-style wrapper then escapes
and formats the result: a page of forty labels paid that forty times. Here the result of
a string without variables is kept per translations object (one per language: the message
catalogue does not change while the process runs), so a label costs one lookup of the
current locale and one of the dictionary. The result is exactly Jinja's new-style
``gettext``: the translation, as markup when the template escapes, formatted with the
variables (always, so ``%%`` reads ``%`` either way).

The locale is asked on every call, so ``force_locale`` (a letter or an e-mail in its
reader's language, rendered during someone else's request) is followed at once.
"""

from __future__ import annotations

from typing import Any

from flask.globals import _cv_app
from flask_babel import get_locale, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

#: Per translations object (one per language and process): per message id, its result
#: without variables, as markup (escaping templates) and as text.
_MEMO: dict[int, tuple[Any, dict[str, Markup], dict[str, str]]] = {}

#: Where a request keeps its locale, that locale's translations and their memos (next to
#: Flask-Babel's own state of the request, ``g._flask_babel``).
_SLOT = "matching_translations"


def _memo(translations) -> tuple[dict[str, Markup], dict[str, str]]:
    entry = _MEMO.get(id(translations))
    if entry is None or entry[0] is not translations:
        entry = _MEMO[id(translations)] = (translations, {}, {})
    return entry[1], entry[2]


def _slot():
    """(locale, translations, markup memo, text memo) of the current locale, found once per
    request and locale; None outside an application context. The locale is read where
    Flask-Babel keeps it for the request (what ``get_locale`` returns once it was asked;
    ``force_locale`` replaces it), else asked through ``get_locale``."""
    app_ctx = _cv_app.get(None)  # (the context itself: ``g`` is a proxy, dearer per label)
    if app_ctx is None:
        return None
    state = getattr(app_ctx.g, "_flask_babel", None)
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        locale = get_locale()
        state = getattr(app_ctx.g, "_flask_babel", None)
    slot = getattr(state, _SLOT, None)
    if slot is None or slot[0] is not locale:
        translations = get_translations()
        slot = (locale, translations, *_memo(translations))
        setattr(state, _SLOT, slot)
    return slot


@pass_context
def template_gettext(context: Context, string: str, **variables: Any) -> str:
    """Jinja's new-style ``gettext`` over Flask-Babel's translations of this request."""
    slot = _slot()
    if slot is None or variables:  # (no application context: Flask-Babel's null ones)
        rv: str = (get_translations() if slot is None else slot[1]).ugettext(string)
        return (Markup(rv) if context.eval_ctx.autoescape else rv) % variables
    memo = slot[2] if context.eval_ctx.autoescape else slot[3]
    found = memo.get(string)
    if found is None:
        rv = slot[1].ugettext(string)
        found = memo[string] = (Markup(rv) if memo is slot[2] else rv) % {}
    return found


def install(jinja_env) -> None:
    """Replace the ``_`` and ``gettext`` that Flask-Babel installed in the templates."""
    jinja_env.globals.update(_=template_gettext, gettext=template_gettext)
