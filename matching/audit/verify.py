"""Verify the audit trail's hash chain: recompute every entry, follow every link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from matching.audit.chain import GENESIS, entry_hash
from matching.audit.models import AuditEvent

CONTENT_CHANGED = "content changed"


CHAIN_BROKEN = "chain broken"


@dataclass(frozen=True)
class ChainBreak:
    """The first entry where the chain does not hold, and why."""

    event_id: int
    problem: str  # CONTENT_CHANGED or CHAIN_BROKEN

    def describe(self) -> str:
        if self.problem == CONTENT_CHANGED:
            return (f"gebeurtenis {self.event_id}: de inhoud is gewijzigd "
                    f"(content changed: de hash klopt niet meer)")
        return (f"gebeurtenis {self.event_id}: de keten is gebroken "
                f"(chain broken: een gebeurtenis ervoor is verwijderd of ingevoegd)")


@dataclass(frozen=True)
class ChainReport:
    count: int  # entries checked (up to and including the broken one)
    broken: ChainBreak | None
    last_id: int | None = None  # the last entry verified intact, and its hash
    last_hash: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_chain(session: Session | scoped_session[Any], batch: int = 1000, *,
                 after_id: int | None = None, after_hash: str = GENESIS) -> ChainReport:
    """Walk the chain in id order (streamed), and return the first broken entry, if any.

    An entry whose recomputed hash differs from its stored ``hash`` had its content
    changed; an entry whose ``prev_hash`` is not the previous entry's ``hash`` follows a
    removed or inserted entry (or a rewritten one whose hash was recomputed).

    ``after_id``/``after_hash`` continue from an entry already verified (a checkpoint):
    only the entries after it are walked, the first one linked to ``after_hash``.
    """
    columns = (AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.action,
               AuditEvent.object_type, AuditEvent.object_id, AuditEvent.procedure_id,
               AuditEvent.summary, AuditEvent.prev_hash, AuditEvent.hash)
    query = select(*columns).order_by(AuditEvent.id)
    if after_id is not None:
        query = query.where(AuditEvent.id > after_id)
    rows = session.execute(query.execution_options(yield_per=batch))
    expected_prev, count, last_id = after_hash, 0, after_id
    try:
        for row in rows:
            count += 1
            if row.prev_hash != expected_prev:
                return ChainReport(count, ChainBreak(row.id, CHAIN_BROKEN))
            recomputed = entry_hash(row.id, row.at, row.actor_id, row.action,
                                    row.object_type, row.object_id, row.procedure_id,
                                    row.summary, row.prev_hash)
            if recomputed != row.hash:
                return ChainReport(count, ChainBreak(row.id, CONTENT_CHANGED))
            expected_prev, last_id = row.hash, row.id
    finally:
        rows.close()
    return ChainReport(count, None, last_id, expected_prev if last_id is not None else None)
