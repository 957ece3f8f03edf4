"""The six conditions (R-OBS-1) as a worker keeps them between two views (issue 17).

Every operation appends an event to the audit chain in its own transaction, under the
chain's lock (:func:`matching.audit.recording.lock_chain`): the chain's head moves with
every change of a record, in the order of the commits. What the conditions read of a
procedure can therefore be kept while the head stays where it was:

- the observer's overview (:func:`evaluate_overview`) keeps each procedure's result until
  the procedure's own latest event moves, or :data:`OVERVIEW_TTL` passes (a deadline
  passing, a change made outside the operations);
- a procedure's own page (:func:`evaluate_for_page`) keeps its facts and conditions 1 to 5,
  which do not read the clock, while the chain's head (its id and hash), the trail's
  verdict and the procedure's own row are unchanged; condition 6 reads the clock and is
  worked out at every view. Any change anywhere moves the head, so the page shows what a
  fresh computation would read. The ratification and the final report always compute
  afresh (:func:`matching.oversight.facts_queries.evaluate_procedure`).
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from cachetools import LRUCache
from sqlalchemy import func, select

from matching.audit.models import AuditEvent
from matching.audit.queries import AuditStatus, _key, audit_status
from matching.core.db import db
from matching.oversight.facts import ConditionResult, ProcedureFacts
from matching.oversight.facts_queries import _PROCEDURES_IN, ProcedureRow, load_facts
from matching.oversight.record_rules import condition_6
from matching.oversight.rules import evaluate, without_clock
from workareas.models import Procedure

#: Seconds the overview may show a procedure's computed conditions while its record is
#: unchanged: a deadline passing (condition 6) or a change made outside the operations
#: shows after at most this long.
OVERVIEW_TTL = 300.0


#: Procedures loaded per bulk load when the overview recomputes (memory, not time).
OVERVIEW_SLICE = 50


_overview_cache: dict[tuple[str, int], tuple[int | None, bool, float, list[ConditionResult]]] = {}


_MARKS = select(Procedure.id, select(func.max(AuditEvent.id))
                .where(AuditEvent.procedure_id == Procedure.id).scalar_subquery())


def procedure_marks() -> dict[int, int | None]:
    """Every procedure with its latest audit event (None: none yet). Every operation appends
    an audit event naming its procedure, so a procedure's mark moves when its record
    changes."""
    return {pid: mark for pid, mark in db.session.execute(_MARKS)}


def evaluate_overview(now: datetime, marks: dict[int, int | None] | None = None
                      ) -> dict[int, list[ConditionResult]]:
    """The six conditions of every procedure (of ``marks``, :func:`procedure_marks`), for
    the observer's overview.

    Every operation appends an audit event naming its procedure, so the procedure's
    latest event marks a change of its record: only procedures whose mark moved (or
    whose result is older than :data:`OVERVIEW_TTL`, or when the trail's verdict changed)
    are loaded and evaluated again, in one bulk load.
    """
    marks = procedure_marks() if marks is None else marks
    audit, key, clock = audit_status(), _key(), time.monotonic()

    def fresh(pid: int) -> bool:
        cached = _overview_cache.get((key, pid))
        return (cached is not None and cached[0] == marks[pid] and cached[1] == audit.intact
                and clock - cached[2] < OVERVIEW_TTL)

    stale = [pid for pid in marks if not fresh(pid)]
    # In slices, so that a worker never holds the facts of every procedure at once.
    for i in range(0, len(stale), OVERVIEW_SLICE):
        for pid, facts in load_facts(stale[i:i + OVERVIEW_SLICE], audit).items():
            _overview_cache[(key, pid)] = (marks[pid], audit.intact, clock, evaluate(facts, now))
    return {pid: _overview_cache[(key, pid)][3] for pid in marks}


#: Procedures whose page a worker keeps (the facts of a procedure with 200 candidacies hold
#: a few hundred kilobytes; an observer looks at a few at a time).
PAGE_PROCEDURES = 8


class _Kept:
    """A procedure's facts and conditions 1 to 5, and what they were read under."""

    __slots__ = ("audit", "facts", "row", "without_clock")

    def __init__(self, row: ProcedureRow, audit: AuditStatus, facts: ProcedureFacts) -> None:
        self.row, self.audit, self.facts = row, audit, facts
        self.without_clock = without_clock(facts)


#: Per database and procedure (gunicorn's threads share it: under the lock).
_page_cache: LRUCache[tuple[str, int], _Kept] = LRUCache(PAGE_PROCEDURES)
_page_lock = threading.Lock()


def evaluate_for_page(procedure_id: int, now: datetime, row: ProcedureRow | None = None
                      ) -> list[ConditionResult]:
    """The six conditions of one procedure for its page (see the module's text): loaded
    afresh when the audit chain's head or verdict, or the procedure's row (``row`` when the
    caller read it, see :func:`~matching.oversight.facts_queries.with_published_addendum`)
    changed since the worker last showed it; otherwise only condition 6 is worked out,
    and no statement of the facts is sent."""
    audit = audit_status()  # the head and the verdict: read at every view
    if row is None:
        found = db.session.execute(_PROCEDURES_IN, {"ids": [procedure_id]}).first()
        if found is None:
            return []
        row = ProcedureRow(*found)
    else:
        row = ProcedureRow(*row)
    key = (_key(), procedure_id)
    with _page_lock:
        kept = _page_cache.get(key)
    if kept is None or kept.audit != audit or kept.row != row:
        facts = load_facts(None, audit, [row]).get(procedure_id)
        if facts is None:
            return []
        kept = _Kept(row, audit, facts)
        with _page_lock:
            _page_cache[key] = kept
    return [*kept.without_clock, condition_6(kept.facts, now)]


def forget() -> None:
    """Empty what this process keeps (the tests, between two databases of the same name)."""
    with _page_lock:
        _page_cache.clear()
    _overview_cache.clear()
