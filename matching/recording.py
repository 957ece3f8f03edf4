"""What every operation records: the state transition and the audit event.

Operations call these; they add rows to the session and never commit.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Any

from matching.extensions import db
from matching.models.accounts import User
from matching.models.audit import AuditEvent, Transition


def audit(action: str, obj: Any, *, actor: User | None, now: datetime,
          procedure_id: int | None, **summary: Any) -> AuditEvent:
    """Append an audit event; ``summary`` is a short before/after note, never secrets."""
    db.session.flush()  # the object needs its id
    event = AuditEvent(
        at=now, actor_id=actor.id if actor else None, action=action,
        object_type=type(obj).__tablename__, object_id=getattr(obj, "id", None),
        procedure_id=procedure_id,
        summary=json.dumps(summary, default=_plain, ensure_ascii=False, sort_keys=True),
    )
    db.session.add(event)
    return event


def transition(obj: Any, step: Enum, new_state: Enum, *, actor: User | None, now: datetime,
               procedure_id: int | None, reason: str = "") -> Transition:
    """Move ``obj`` to ``new_state`` and record who, when, from, to and why."""
    old_state = obj.state
    obj.state = new_state
    db.session.flush()
    record = Transition(
        object_type=type(obj).__tablename__, object_id=obj.id, step=step.value,
        from_state=old_state.value, to_state=new_state.value,
        actor_id=actor.id if actor else None, at=now, reason=reason,
    )
    db.session.add(record)
    audit(f"{type(obj).__tablename__}.{step.value}", obj, actor=actor, now=now,
          procedure_id=procedure_id, before=old_state.value, after=new_state.value,
          reason=reason)
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
