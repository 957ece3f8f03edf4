"""The main menu: each blueprint registers its entries with who may see them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
