"""The audit trail's state as pages report it: verified from the latest checkpoint on.

The audit trail is verified as a whole (condition 5: "the audit trail verifies"). A full
walk costs time proportional to the trail, so pages continue from the latest checkpoint
(``flask audit verify``) and walk only the newer entries; ratification always walks the
whole trail afresh (``full=True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from matching.audit.chain import GENESIS
from matching.audit.models import AuditCheckpoint, AuditEvent
from matching.audit.verify import verify_chain
from matching.core.db import db


@dataclass(frozen=True)
class AuditStatus:
    intact: bool
    events: int  # entries in the chain up to the head
    broken_event: int | None
    head_id: int | None
    head_hash: str | None
    full_at: datetime | None  # when the whole chain was last walked (None: never)


#: Per database and process: the last status, so that a page walks only the entries
#: added since (a dict of small frozen values; a lost entry only costs a longer walk).
_audit_cache: dict[str, AuditStatus] = {}


def _head() -> tuple[int | None, str | None]:
    head = db.session.execute(select(AuditEvent.id, AuditEvent.hash)
                              .order_by(AuditEvent.id.desc()).limit(1)).first()
    return (head[0], head[1]) if head else (None, None)


def audit_status(full: bool = False) -> AuditStatus:
    """Whether the audit trail verifies (condition 5).

    ``full``: walk the whole chain afresh (ratification; ``flask audit verify``).
    Otherwise (pages): continue from what is already known to hold, the latest intact
    checkpoint (:class:`AuditCheckpoint`, written by ``flask audit verify``) or this
    process's previous answer, and walk only the entries after it; a page never walks
    the whole trail of a large installation. An entry changed *before* that point is
    found by the next full walk (ratification always does one).
    """
    if full:
        return _remember(verify_chain(db.session), 0, datetime.now(UTC))
    head_id, head_hash = _head()
    cached = _audit_cache.get(_key())
    if cached and cached.head_id == head_id and cached.head_hash == head_hash:
        return cached
    checkpoint = db.session.scalar(select(AuditCheckpoint)
                                   .order_by(AuditCheckpoint.id.desc()).limit(1))
    if checkpoint is not None and not checkpoint.intact:
        return AuditStatus(False, checkpoint.events, checkpoint.broken_event_id, head_id,
                           head_hash, checkpoint.checked_at)
    # after id, after hash, entries known, full walk at
    start: tuple[int | None, str, int, datetime | None] = (None, GENESIS, 0, None)
    # The hash checks below never refuse: a checkpoint's id comes with its hash (the
    # head_complete constraint), and so does the cached head (both read from one row).
    if (checkpoint is not None and checkpoint.last_event_id is not None
            and checkpoint.last_hash is not None
            and _still_there(checkpoint.last_event_id, checkpoint.last_hash)):
        start = (checkpoint.last_event_id, checkpoint.last_hash, checkpoint.events,
                 checkpoint.checked_at)
    if (cached and cached.intact and cached.head_id is not None
            and cached.head_hash is not None
            and (start[0] is None or cached.head_id > start[0])
            and head_id is not None and cached.head_id <= head_id
            and _still_there(cached.head_id, cached.head_hash)):
        start = (cached.head_id, cached.head_hash, cached.events, cached.full_at)
    after_id, after_hash, known, full_at = start
    report = verify_chain(db.session, after_id=after_id, after_hash=after_hash)
    return _remember(report, known, full_at)


def _still_there(event_id: int, event_hash: str) -> bool:
    """The entry a walk would continue from is still there, with the same hash (a
    restored or emptied database starts the walk from the beginning again)."""
    return db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == event_id)) == event_hash


def _key() -> str:
    # .engine: an Engine's is itself, a Connection's the Engine it belongs to
    return str(db.session.get_bind().engine.url)


def _remember(report, known: int, full_at: datetime | None) -> AuditStatus:
    """The status after a walk that continued ``known`` verified entries."""
    status = AuditStatus(report.intact, known + report.count,
                         report.broken.event_id if report.broken else None,
                         report.last_id, report.last_hash, full_at)
    _audit_cache[_key()] = status
    return status


def record_checkpoint():
    """Walk the whole chain and record the result (``flask audit verify``): pages then
    start from here. Adds the row (the caller commits); returns it with the walk's
    report, which says what broke where."""
    report = verify_chain(db.session)
    status = _remember(report, 0, datetime.now(UTC))
    checkpoint = AuditCheckpoint(
        checked_at=status.full_at, events=status.events, intact=status.intact,
        broken_event_id=status.broken_event,
        last_event_id=status.head_id if status.intact else None,
        last_hash=status.head_hash if status.intact else None)
    db.session.add(checkpoint)
    return checkpoint, report
