"""Verify the audit trail: recompute every entry's keyed hash, follow every link, and
compare with the latest signed checkpoint (its count and head), so that each way of
tampering is found and named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, scoped_session

from matching.audit.chain import (
    GENESIS,
    KEYED,
    UNKEYED,
    entry_hash,
    personal_digest,
    redaction_seal,
    same_digest,
)
from matching.audit.models import AuditEvent, AuditPersonalValue

#: An entry covered by the latest signed checkpoint no longer has the hash it had: its
#: content was changed (also with the trigger switched off), or the chain from it was
#: rewritten and its hashes recomputed without the key.
REWRITTEN = "rewritten"
#: An entry written after the latest signed checkpoint that this application did not
#: write: its keyed hash is wrong (e.g. a back-dated entry appended with a made-up hash),
#: or it claims to be unkeyed after keyed entries.
FORGED = "forged"
#: An entry's link does not name the entry before it: one was removed or inserted.
CHAIN_BROKEN = "chain broken"
#: The chain ends before the head of the latest signed checkpoint: its tail was cut.
CUT = "tail cut"
#: The latest checkpoint's signature is wrong: it was not written with the key.
CHECKPOINT_FORGED = "checkpoint forged"
#: Before issue 14 (kept for the migrations' and tests' vocabulary): content changed.
CONTENT_CHANGED = REWRITTEN

_DESCRIPTIONS = {
    REWRITTEN: "gebeurtenis %(event)s is herschreven (rewritten: haar inhoud of hash is "
               "gewijzigd sinds de laatste controle; de sleutel-hash klopt niet)",
    FORGED: "gebeurtenis %(event)s is vervalst (forged: niet door deze toepassing "
            "geschreven, de sleutel-hash klopt niet)",
    CHAIN_BROKEN: "de keten is gebroken bij gebeurtenis %(event)s (chain broken: een "
                  "gebeurtenis ervoor is verwijderd of ingevoegd)",
    CUT: "de staart is afgeknipt (tail cut: de laatste controle telde %(expected)s "
         "gebeurtenissen tot gebeurtenis %(event)s, de keten telt er nu %(found)s)",
    CHECKPOINT_FORGED: "controlepunt %(event)s is vervalst (checkpoint forged: de "
                       "handtekening klopt niet)",
}


@dataclass(frozen=True)
class ChainBreak:
    """The first place where the trail does not hold, and why."""

    event_id: int  # the entry (for CUT: the checkpoint's head; for CHECKPOINT_FORGED: its id)
    problem: str  # one of the names above
    expected: int | None = None  # CUT: the count the checkpoint recorded
    found: int | None = None  # CUT: the count found

    def describe(self) -> str:
        return _DESCRIPTIONS[self.problem] % {"event": self.event_id, "expected": self.expected,
                                              "found": self.found}


@dataclass(frozen=True)
class Anchor:
    """What the latest signed, intact checkpoint recorded: the count and the head."""

    events: int
    last_event_id: int
    last_hash: str


@dataclass(frozen=True)
class ChainReport:
    count: int  # entries checked (up to and including the broken one)
    broken: ChainBreak | None
    last_id: int | None = None  # the last entry verified intact, and its hash
    last_hash: str | None = None
    keyed: bool = False  # the last entry verified is keyed

    @property
    def intact(self) -> bool:
        return self.broken is None


def verify_chain(session: Session | scoped_session[Any], key: bytes, batch: int = 1000, *,
                 after_id: int | None = None, after_hash: str = GENESIS,
                 after_keyed: bool = False, known: int = 0,
                 anchor: Anchor | None = None) -> ChainReport:
    """Walk the chain in id order (streamed) and return the first break, if any.

    Each entry must link to the hash of the entry before it (else CHAIN_BROKEN), and its
    hash must be the HMAC of its content with ``key`` (a keyed entry) or, only before
    the first keyed entry, its plain SHA-256. A wrong hash is REWRITTEN for an entry the
    ``anchor`` (the latest signed checkpoint) covered (or any, without one), FORGED for
    a newer one. When the
    walk passes the anchor's head, the count and the hash must be what it recorded; a
    chain that ends before it was CUT.

    ``after_id``/``after_hash``/``after_keyed`` continue from an entry already verified,
    ``known`` entries into the chain: only the entries after it are walked.
    """
    columns = (AuditEvent.id, AuditEvent.at, AuditEvent.actor_id, AuditEvent.action,
               AuditEvent.object_type, AuditEvent.object_id, AuditEvent.procedure_id,
               AuditEvent.summary, AuditEvent.prev_hash, AuditEvent.hash,
               AuditEvent.key_version, AuditEvent.redaction_seal)
    query = select(*columns).order_by(AuditEvent.id)
    if after_id is not None:
        query = query.where(AuditEvent.id > after_id)
    rows = session.execute(query.execution_options(yield_per=batch))
    expected_prev, count, last_id, keyed = after_hash, 0, after_id, after_keyed
    anchor_id = anchor.last_event_id if anchor else None
    try:
        for row in rows:
            count += 1
            if row.prev_hash != expected_prev:
                return ChainReport(count, ChainBreak(row.id, CHAIN_BROKEN))
            covered = anchor_id is None or row.id <= anchor_id
            if row.redaction_seal is not None and (row.key_version == KEYED or not keyed):
                # its personal values were moved out by migration 0108: the seal covers
                # the content as it reads now and the unchanged hash
                sealed = redaction_seal(key, row.id, row.at, row.actor_id, row.action,
                                        row.object_type, row.object_id, row.procedure_id,
                                        row.summary, row.prev_hash, row.hash)
                recomputed = row.hash if same_digest(sealed, row.redaction_seal) else None
            elif row.key_version == KEYED:
                recomputed = entry_hash(row.id, row.at, row.actor_id, row.action,
                                        row.object_type, row.object_id, row.procedure_id,
                                        row.summary, row.prev_hash, key)
            elif row.key_version == UNKEYED and not keyed:
                recomputed = entry_hash(row.id, row.at, row.actor_id, row.action,
                                        row.object_type, row.object_id, row.procedure_id,
                                        row.summary, row.prev_hash)
            else:  # unkeyed after keyed: nobody but a forger writes that
                recomputed = None
            if not same_digest(recomputed, row.hash):
                return ChainReport(count, ChainBreak(row.id, REWRITTEN if covered else FORGED))
            if anchor is not None and row.id == anchor_id and (
                    known + count != anchor.events or row.hash != anchor.last_hash):
                return ChainReport(count, ChainBreak(row.id, REWRITTEN))
            expected_prev, last_id, keyed = row.hash, row.id, row.key_version == KEYED
    finally:
        rows.close()
    if anchor_id is not None and (last_id is None or last_id < anchor_id):
        return ChainReport(count, ChainBreak(anchor_id, CUT, anchor.events if anchor else None,
                                             known + count))
    return ChainReport(count, None, last_id, expected_prev if last_id is not None else None,
                       keyed)


def changed_personal_values(session: Session | scoped_session[Any], key: bytes,
                            batch: int = 1000) -> list[int]:
    """The audit events whose personal values (kept outside the hashed content, issue 18)
    were changed other than by the retention run: a value not pseudonymised must still
    match the digest the event's hash covers. Returns their event ids."""
    query = (select(AuditPersonalValue.event_id, AuditPersonalValue.key,
                    AuditPersonalValue.value, AuditPersonalValue.digest)
             .where(AuditPersonalValue.pseudonymised_at.is_(None))
             .order_by(AuditPersonalValue.event_id))
    changed: list[int] = []
    for row in session.execute(query.execution_options(yield_per=batch)):
        if not same_digest(personal_digest(key, row.event_id, row.key, row.value), row.digest):
            changed.append(row.event_id)
    return changed
