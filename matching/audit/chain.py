"""The audit trail as a hash chain: the canonical content of an entry and its SHA-256.

Each audit event carries ``prev_hash`` (the ``hash`` of the entry before it, or
:data:`GENESIS` for the first) and ``hash``, the SHA-256 of its canonical content,
which includes ``prev_hash``. Changing, removing or inserting an entry therefore breaks
the chain at that point. Pure: no Flask, no SQLAlchemy, so the migration that computes
the hashes of existing rows and the application use exactly the same code.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

GENESIS = "0" * 64


def format_instant(at: datetime) -> str:
    """The instant in ISO 8601, UTC, always with microseconds:
    ``2025-01-06T09:00:00.000000+00:00``."""
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r} cannot be hashed as an instant")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(id: int, at: datetime, actor_id: int | None, action: str, object_type: str,
              object_id: int | None, procedure_id: int | None, summary: str,
              prev_hash: str) -> bytes:
    """The canonical serialisation of one entry: a compact JSON list, UTF-8."""
    return json.dumps([id, format_instant(at), actor_id, action, object_type, object_id,
                       procedure_id, summary, prev_hash],
                      separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(id: int, at: datetime, actor_id: int | None, action: str, object_type: str,
               object_id: int | None, procedure_id: int | None, summary: str,
               prev_hash: str) -> str:
    """SHA-256 (64 lowercase hex digits) of the entry's canonical content."""
    return hashlib.sha256(canonical(id, at, actor_id, action, object_type, object_id,
                                    procedure_id, summary, prev_hash)).hexdigest()
