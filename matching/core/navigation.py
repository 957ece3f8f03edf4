"""The main menu: each blueprint registers its entries with who may see them; the site's
header that shows it (issue 17: rendered once per menu, language and sign-in state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from matching.core.fresh_forms import FreshFragment
from matching.core.render import fixed_url_for


@dataclass(frozen=True)
class NavItem:
    label: str  # a Dutch msgid, translated in the template
    endpoint: str
    # current_user → bool: an account, or Flask-Login's anonymous user (untyped: Any)
    visible: Callable[[Any], bool]
    order: int = 50


_ITEMS: list[NavItem] = []


def register_nav(label: str, endpoint: str, visible: Callable[[Any], bool],
                 order: int = 50) -> None:
    if all(i.endpoint != endpoint for i in _ITEMS):
        _ITEMS.append(NavItem(label, endpoint, visible, order))
        _ITEMS.sort(key=lambda i: i.order)  # once, at import (issue 17: not per request)


def nav_for(user) -> list[tuple[str, str]]:
    """The entries ``user`` sees: (label, link). Issue 17: each link is built once, and the
    visibility rules read the account itself, not Flask-Login's ``current_user`` proxy
    (which would find the account again at every attribute they read)."""
    unwrap = getattr(user, "_get_current_object", None)
    if unwrap is not None:
        user = unwrap()
    return [(i.label, fixed_url_for(i.endpoint)) for i in _ITEMS if i.visible(user)]


#: The header of ``base.html``: rendered once per language, menu and sign-in state.
_HEADER = FreshFragment("_header.html", "site_header", ("user_name", "csrf", "next"))


def site_header() -> Markup:
    """The site's header on every page of ``base.html`` (issue 17): the macro of
    ``_header.html`` rendered once per process for what it depends on (the language, the
    menu entries the account sees and which one is this page, whether someone is signed in,
    the links), with a marker in place of each value that changes per request: the
    account's name, the CSRF token and this page's address (the language switch's
    ``next``). The menu is still asked of :func:`nav_for` on every request, so a role
    granted or revoked shows at once, and so does a new name."""
    user = current_user._get_current_object()
    authenticated = bool(user.is_authenticated)
    path = request.path
    items = tuple((label, href, path == href) for label, href in nav_for(user))
    locale = get_locale()
    dutch = locale.language == "nl"
    links = (fixed_url_for("index"), fixed_url_for("accounts.account"),
             fixed_url_for("accounts.logout"), fixed_url_for("accounts.login"),
             fixed_url_for("web.set_language"))
    return _HEADER.render(
        (str(locale), dutch, authenticated, items, links),
        {"user_name": user.name if authenticated else "", "csrf": generate_csrf(),
         "next": request.full_path if request.query_string else path},
        items=items, authenticated=authenticated, dutch=dutch, home_url=links[0],
        account_url=links[1], logout_url=links[2], login_url=links[3], language_url=links[4])
