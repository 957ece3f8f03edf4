"""What every operation records: the state transition and the audit event.

Operations call these; they add rows to the session and never commit.

The audit events form one linear hash chain (:mod:`matching.audit.chain`): each new
event links to the hash of the latest one. So that concurrent transactions cannot both
link to the same predecessor, :func:`audit` first takes the chain's write lock: on
PostgreSQL a transaction-level advisory lock, on SQLite the database's write lock (a
no-op write). It is held until the transaction ends. The unique ``prev_hash`` is the
safety net: a fork cannot be stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.orm import Session

from matching.audit.chain import GENESIS, KEYED, PERSONAL, entry_hash, personal_digest
from matching.audit.keys import audit_key
from matching.audit.models import AuditEvent, AuditPersonalValue, Transition
from matching.core import signals
from matching.core.db import db


def audit(action: str, obj: Any, *, actor: Any | None, now: datetime,
          procedure_id: int | None, step4: bool = False,
          personal: dict[str, Any] | None = None, **summary: Any) -> AuditEvent:
    """Append an audit event; ``summary`` is a short before/after note, never secrets.

    Every operation records one, so this is also where a ratified procedure is kept
    frozen (R-OBS-1: Europa WSE ratified the record as it is): the
    :data:`~matching.core.signals.recording` signal lets :mod:`workareas.models` refuse an
    operation on it with a DomainError, and the caller's rollback undoes what it changed.
    The signal is sent after the chain's lock is taken, so an operation racing the
    ratification cannot slip in. ``step4`` marks the letters of step 4; ``actor`` is an
    account (or None for the system and anonymous visitors).

    ``personal``: the summary's personal values (e-mail addresses, names, free text about
    people), kept outside the hashed content in :class:`AuditPersonalValue`; the summary
    names each by its keyed digest (issue 18), so the retention run can pseudonymise them
    and the chain still verifies.
    """
    personal = personal or {}
    summary.update({k: v for k, v in personal.items() if v in (None, "", [])})
    if getattr(obj, "id", None) is None or _HEAD not in db.session.info:
        db.session.flush()  # the object needs its id, the previous event its row
    link = _next_link()
    signals.ask(signals.recording, action, procedure_id=procedure_id, step4=step4)
    event = AuditEvent(
        at=now, actor_id=actor.id if actor else None, action=action,
        object_type=type(obj).__tablename__, object_id=getattr(obj, "id", None),
        procedure_id=procedure_id,
        summary=json.dumps(summary, default=_plain, ensure_ascii=False, sort_keys=True),
    )
    # The hash covers the id, so the id is fixed before the insert (rows are never
    # updated afterwards: on PostgreSQL a trigger would refuse it).
    event.id, event.prev_hash = link
    values = _personal_values(event.id, personal)
    if values:
        data = json.loads(event.summary)
        data.update({row.key: {PERSONAL: row.digest} for row in values})
        event.summary = json.dumps(data, ensure_ascii=False, sort_keys=True)
    event.key_version = KEYED
    event.hash = entry_hash(event.id, event.at, event.actor_id, event.action,
                            event.object_type, event.object_id, event.procedure_id,
                            event.summary, event.prev_hash, audit_key())
    db.session.add(event)
    if values:
        db.session.flush([event])  # the personal values refer to its row
        db.session.add_all(values)
    db.session.info[_HEAD] = (event.id, event.hash)
    return event


def _personal_values(event_id: int, personal: dict[str, Any]) -> list[AuditPersonalValue]:
    """A row per personal value that is there (an empty one is kept in the summary)."""
    key = audit_key()
    rows = []
    for name, value in sorted(personal.items()):
        if value in (None, "", []):
            continue
        value_json = json.dumps(value, default=_plain, ensure_ascii=False, sort_keys=True)
        rows.append(AuditPersonalValue(event_id=event_id, key=name, value=value_json,
                                       digest=personal_digest(key, event_id, name, value_json)))
    return rows


# Any constant will do, as long as nothing else uses it: "audit" in ASCII.
AUDIT_CHAIN_LOCK = 0x6175646974


def lock_chain() -> None:
    """Take the chain's write lock for the rest of the transaction (re-entrant): every
    operation that records an event waits for it. Ratification takes it before it
    evaluates the conditions, so nothing can commit between its check and its step."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
    else:  # SQLite: a write statement takes the database's write lock
        session.execute(text("UPDATE audit_event SET id = id WHERE 0 = 1"))


#: ``session.info`` key: the event this transaction appended last, (id, hash). The chain's
#: lock is held from the first append to the end of the transaction, so that event stays
#: the head: the next append needs neither the lock nor the head again (closing a round
#: appends two events per candidacy). Forgotten when the transaction (or a savepoint) ends.
_HEAD = "audit.head"


@sa_event.listens_for(Session, "after_transaction_end")
def _forget_head(session, transaction) -> None:
    if transaction.parent is None or transaction.nested:
        session.info.pop(_HEAD, None)
    if transaction.parent is None:
        session.info.pop(_LOCKED, None)


#: ``session.info`` key: this transaction already took :func:`lock_for_change`'s locks.
_LOCKED = "audit.locked_for_change"


def lock_for_change(*objects: Any) -> None:
    """Take what an operation needs before it checks whether it may change ``objects``
    (a procedure, a candidacy, a ballot, an appeal), so that two identical requests at
    the same moment have exactly one effect: the second one waits, then sees the first
    one's result and is refused with the rule's own message.

    First the chain's lock (every operation appends an audit event, so every operation
    takes it anyway; taking it first gives all of them one lock order, so two operations
    cannot deadlock on each other's rows), then what this session read before is
    forgotten (written first, never lost) and each object's row is read again with
    ``SELECT … FOR UPDATE`` (on SQLite the database's write lock already serialises).
    Every check after this call sees what was committed before. Re-entrant: an operation
    that calls another one (save and submit) locks once per transaction.
    """
    session = db.session
    if session.info.get(_LOCKED):
        return
    lock_chain()
    session.flush()
    session.expire_all()
    for obj in objects:
        session.refresh(obj, with_for_update=True)
    session.info[_LOCKED] = True


def forget_head() -> None:
    """For a writer that appends events without :func:`audit` (the bulk loads of
    ``flask scale``): the next :func:`audit` reads the head again."""
    db.session.info.pop(_HEAD, None)


def _next_link() -> tuple[int, str]:
    """Lock the chain for this transaction; return the new event's id and ``prev_hash``."""
    session = db.session
    head = session.info.get(_HEAD)
    if head is not None:
        if session.get_bind().dialect.name == "postgresql":
            new_id = session.execute(text(
                "SELECT nextval(pg_get_serial_sequence('audit_event', 'id'))")).scalar_one()
            return new_id, head[1]
        return head[0] + 1, head[1]
    lock_chain()
    if session.get_bind().dialect.name == "postgresql":
        # Ids come from the sequence while the lock is held, so they ascend along the chain.
        new_id, prev = session.execute(text(
            "SELECT nextval(pg_get_serial_sequence('audit_event', 'id')), "
            "(SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1)")).one()
        return new_id, prev or GENESIS
    last = session.execute(
        text("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")).first()
    return (last[0] + 1, last[1]) if last else (1, GENESIS)


def transition(obj: Any, step: Enum, new_state: Enum, *, actor: Any | None, now: datetime,
               procedure_id: int | None, reason: str = "", flush: bool = True,
               personal_reason: bool = False) -> Transition:
    """Move ``obj`` to ``new_state`` and record who, when, from, to and why.

    First what the operation changed so far is written (its ids known: a new child's
    foreign key is set at a flush). ``flush=False`` for an object that has its id, in an
    operation that moves many (closing a round moves every candidacy: written together).
    ``personal_reason``: the reason names people (the audit entry keeps it apart)."""
    old_state = obj.state
    obj.state = new_state
    if flush or obj.id is None:
        db.session.flush()
    record = Transition(
        object_type=type(obj).__tablename__, object_id=obj.id, step=step.value,
        from_state=old_state.value, to_state=new_state.value,
        actor_id=actor.id if actor else None, at=now, reason=reason,
    )
    db.session.add(record)
    audit(f"{type(obj).__tablename__}.{step.value}", obj, actor=actor, now=now,
          procedure_id=procedure_id, before=old_state.value, after=new_state.value,
          **({"personal": {"reason": reason}} if personal_reason else {"reason": reason}))
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
