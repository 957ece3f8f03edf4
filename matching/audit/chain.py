"""The audit trail as a hash chain: the canonical content of an entry and its SHA-256.

Each audit event carries ``prev_hash`` (the ``hash`` of the entry before it, or
:data:`GENESIS` for the first) and ``hash``, the SHA-256 of its canonical content,
which includes ``prev_hash``. Changing, removing or inserting an entry therefore breaks
the chain at that point. Pure: no Flask, no SQLAlchemy, so the migration that computes
the hashes of existing rows and the application use exactly the same code.

Keyed (issue 14): since migration ``0101`` every entry's ``hash`` is an HMAC-SHA256 of
that content with the installation's audit key (``AUDIT_KEY``, configuration, never in
the database), marked ``key_version`` :data:`KEYED`. Whoever can write the database but
does not hold the key cannot recompute a valid hash: a rewritten entry, a forged one,
a rewritten chain are all found. Entries written before (``key_version``
:data:`UNKEYED`) keep their plain SHA-256, so the final reports that name them keep
their heads; an unkeyed entry after a keyed one is a forgery. Checkpoints of a full
verification are signed with the same key (:func:`checkpoint_signature`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

GENESIS = "0" * 64

#: ``key_version`` of an entry: its hash is a plain SHA-256 (written before migration
#: 0101), or an HMAC-SHA256 with the audit key.
UNKEYED, KEYED = 0, 1


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
               prev_hash: str, key: bytes | None = None) -> str:
    """64 lowercase hex digits: the HMAC-SHA256 of the entry's canonical content with
    ``key`` (a keyed entry), or its plain SHA-256 without one (an entry written before
    the trail was keyed)."""
    content = canonical(id, at, actor_id, action, object_type, object_id, procedure_id,
                        summary, prev_hash)
    if key is None:
        return hashlib.sha256(content).hexdigest()
    return hmac.new(key, content, hashlib.sha256).hexdigest()


def checkpoint_signature(key: bytes, checked_at: datetime, events: int,
                         last_event_id: int | None, last_hash: str | None, intact: bool,
                         broken_event_id: int | None) -> str:
    """HMAC-SHA256 of a checkpoint's result: nobody without the key can write a
    checkpoint that claims a shorter (cut) or different (rewritten) chain."""
    content = json.dumps(["checkpoint", format_instant(checked_at), events, last_event_id,
                          last_hash, intact, broken_event_id], separators=(",", ":"))
    return hmac.new(key, content.encode("utf-8"), hashlib.sha256).hexdigest()


def same_digest(a: str | None, b: str | None) -> bool:
    """Constant-time comparison of two hex digests (None equals nothing)."""
    return a is not None and b is not None and hmac.compare_digest(a, b)


#: What an entry's summary holds in place of a personal value (issue 18): a dict with this
#: one key and the value's digest (:func:`personal_digest`).
PERSONAL = "@personal"


def personal_digest(key: bytes, event_id: int, name: str, value_json: str) -> str:
    """HMAC-SHA256 of one personal value of an entry (``name``: its key in the summary,
    ``value_json``: the value as JSON). The hashed content names only this digest, so the
    value can later be pseudonymised without changing the hash; the event id in it keeps
    two entries naming the same person from sharing a digest."""
    content = json.dumps(["personal", event_id, name, value_json], separators=(",", ":"),
                         ensure_ascii=False)
    return hmac.new(key, content.encode("utf-8"), hashlib.sha256).hexdigest()


def redaction_seal(key: bytes, id: int, at: datetime, actor_id: int | None, action: str,
                   object_type: str, object_id: int | None, procedure_id: int | None,
                   summary: str, prev_hash: str, hash: str) -> str:
    """HMAC-SHA256 of an entry written before its personal values were kept apart, as it
    reads after migration 0108 moved them out (``summary`` with references), bound to its
    unchanged ``hash``. The migration writes it only after checking ``hash`` against the
    original content; verification checks it instead of recomputing ``hash``."""
    content = canonical(id, at, actor_id, action, object_type, object_id, procedure_id,
                        summary, prev_hash) + b"|redacted|" + hash.encode("ascii")
    return hmac.new(key, content, hashlib.sha256).hexdigest()
