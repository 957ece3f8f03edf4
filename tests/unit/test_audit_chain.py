"""The canonical hash of an audit entry: deterministic, and every field counts."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest

from matching.audit.chain import GENESIS, canonical, entry_hash, format_instant
from matching.core.dates import BRUSSELS

AT = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
ENTRY = dict(id=7, at=AT, actor_id=3, action="candidacy.submit", object_type="candidacy",
             object_id=12, procedure_id=2, summary='{"after": "submitted"}', prev_hash=GENESIS)


#: The canonical content of ENTRY, written out: what an auditor hashes to check an entry.
CANONICAL = (b'[7,"2025-01-06T09:00:00.000000+00:00",3,"candidacy.submit","candidacy",12,2,'
             b'"{\\"after\\": \\"submitted\\"}","' + GENESIS.encode() + b'"]')


def test_the_hash_is_the_sha256_an_auditor_can_recompute():
    """The pages and the final report name the hash SHA-256: anyone can recompute it from
    the canonical content with any SHA-256 tool, as 64 lowercase hex digits, every time."""
    h = entry_hash(**ENTRY)
    assert h == hashlib.sha256(CANONICAL).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert entry_hash(**dict(ENTRY)) == h


def test_the_canonical_form_is_compact_json_with_utc_microseconds():
    assert canonical(**ENTRY) == CANONICAL


@pytest.mark.parametrize("field, value", [
    ("id", 8), ("at", AT + timedelta(microseconds=1)), ("actor_id", None), ("actor_id", 4),
    ("action", "candidacy.withdraw"), ("object_type", "appeal"), ("object_id", None),
    ("procedure_id", None), ("summary", '{"after": "withdrawn"}'), ("prev_hash", "a" * 64),
])
def test_any_field_change_changes_the_hash(field, value):
    assert entry_hash(**dict(ENTRY, **{field: value})) != entry_hash(**ENTRY)


def test_the_same_instant_in_another_zone_hashes_the_same():
    assert format_instant(AT.astimezone(BRUSSELS)) == "2025-01-06T09:00:00.000000+00:00"
    assert entry_hash(**dict(ENTRY, at=AT.astimezone(BRUSSELS))) == entry_hash(**ENTRY)


def test_non_ascii_is_hashed_as_utf8():
    text = dict(ENTRY, summary='{"reden": "één café"}')
    assert "één café".encode() in canonical(**text)


def test_a_naive_instant_is_refused():
    with pytest.raises(ValueError):
        entry_hash(**dict(ENTRY, at=datetime(2025, 1, 6, 9, 0)))
