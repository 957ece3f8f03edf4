"""The mark of an operation: the functions that change state (each domain's
``operations`` module) log what they did and every refusal or failure.

The log names the operation, the acting account's id and the ids of the records it took
and made, never personal data: a refusal is logged by its message id (the Dutch template,
without the values filled in) and its rule.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from matching.core.errors import DomainError, PermissionDenied

P = ParamSpec("P")
R = TypeVar("R")


def _record(value: Any) -> str | None:
    """``candidacy 12`` for a mapped object with an id, else None."""
    table, ident = getattr(value, "__tablename__", None), getattr(value, "id", None)
    return f"{table} {ident}" if table and ident is not None else None


def _records(values: Any) -> str:
    items = values if isinstance(values, (list, tuple)) else [values]
    return ", ".join(r for r in map(_record, items) if r) or "-"


def operation(func: Callable[P, R]) -> Callable[P, R]:
    """Log the operation ``func`` with the logger of its module."""
    log = logging.getLogger(func.__module__)
    name = func.__name__

    @functools.wraps(func)
    def logged(*args: P.args, **kwargs: P.kwargs) -> R:
        actor = kwargs.get("actor")
        actor_id = getattr(actor, "id", None) if getattr(actor, "is_authenticated", False) \
            else None
        try:
            result = func(*args, **kwargs)
        except PermissionDenied as refusal:
            log.warning("%s refused to account %s (%s): %s", name, actor_id,
                        _records(list(args)), refusal.msgid)
            raise
        except DomainError as refusal:
            log.info("%s refused to account %s (%s) [%s]: %s", name, actor_id,
                     _records(list(args)), refusal.rule or "-", refusal.msgid)
            raise
        except Exception:
            log.exception("%s failed for account %s (%s)", name, actor_id, _records(list(args)))
            raise
        log.info("%s by account %s: %s -> %s", name, actor_id, _records(list(args)),
                 _records(result))
        return result

    return logged
