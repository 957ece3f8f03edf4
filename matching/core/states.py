"""State machines as explicit transition tables: the one lookup every domain's table uses.

Pure module: no Flask, no SQLAlchemy. Each domain defines its states, steps and table in
its ``rules.py`` and asks :func:`next_state` for the target of a step; a step that is not
in the table is refused with a :class:`~matching.core.errors.TransitionError` naming the
state and the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from matching.core.errors import N_, Label, TransitionError

S = TypeVar("S", bound=Enum)  # the states
T = TypeVar("T", bound=Enum)  # the steps


def next_state(table: Mapping[tuple[S, T], S], kind: str, state: S, step: T,
               labels: Mapping[S, str] | None = None) -> S:
    """The state ``step`` leads to from ``state``; refused when the table has no such step.

    ``kind`` names the object in the (Dutch) message: "procedure", "kandidatuur" ...; the
    state is named by its label in ``labels`` (a page never shows a code, issue 16); the
    step stays in the error's parameters for the logs.
    """
    try:
        return table[(state, step)]
    except KeyError:
        raise TransitionError(
            N_("Dit kan niet in de huidige toestand (%(kind)s: %(state)s)."),
            kind=Label(kind), step=step.value,
            state=Label(labels[state]) if labels and state in labels else state.value,
        ) from None
