"""Domain errors: a refused step, with a clear Dutch message.

Pure module (no Flask, no SQLAlchemy): rules and state machines raise these.
The message is a Dutch msgid with %(name)s placeholders, marked with ``N_`` so
that ``pybabel extract -k N_`` collects it; the web layer translates it with
``gettext(error.msgid) % error.params`` and everything else uses ``str(error)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def N_(message: str) -> str:
    """Mark a message for translation without translating it here."""
    return message


class Label(str):
    """A message parameter that is itself a msgid (a state's label, an object's name):
    translated with the message when a page shows it (``matching.core.web.message_of``)."""


class Labels(str):
    """Several labels as one parameter, joined by ``sep``, each translated when shown."""

    items: tuple[str, ...]
    sep: str

    def __new__(cls, items, sep: str = ", "):
        items = tuple(items)
        obj = super().__new__(cls, sep.join(items))
        obj.items, obj.sep = items, sep
        return obj


class DomainError(Exception):
    """A step the procedure does not allow; nothing has been changed."""

    def __init__(self, msgid: str, *, rule: str | None = None, field: str | None = None,
                 **params: Any):
        self.msgid = msgid
        self.params = params
        self.rule = rule
        self.field = field
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return self.msgid % self.params if self.params else self.msgid

    def __str__(self) -> str:
        return self.message


class DomainErrors(DomainError):
    """Several problems of one refused step, all shown at once (a submission lists every
    missing part, each next to its field); the first one is the message."""

    def __init__(self, errors: list[DomainError]):
        self.errors = list(errors)
        first = self.errors[0]
        super().__init__(first.msgid, rule=first.rule, field=first.field, **first.params)


def allowed(check: Callable[..., object], *args: Any, **kwargs: Any) -> bool:
    """Whether ``check`` (a rule that raises a DomainError to refuse) lets this happen now.

    A page asks the same function the operation calls, so what it offers and what the
    operation accepts cannot differ."""
    try:
        check(*args, **kwargs)
    except DomainError:
        return False
    return True


class TransitionError(DomainError):
    """A transition that is not in the state machine's table."""


class PermissionDenied(DomainError):
    """The actor may not take this step."""
