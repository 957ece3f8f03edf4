"""The audit trail's state as pages report it: verified from the latest checkpoint on.

The audit trail is verified as a whole (condition 5: "the audit trail verifies"). A full
walk costs time proportional to the trail, so pages continue from the latest checkpoint
(``flask audit verify``) and walk only the newer entries. Ratification
(:func:`ratification_status`, issue 17) also starts from the latest checkpoint, afresh
(not from this process's previous answer): the checkpoint's signature, its head still there
with its hash, the count of entries up to it, and every entry after it (keyed hash and
link); the entries before it were verified by the full walk that wrote it. Without a
checkpoint, or with one older than :data:`CHECKPOINT_MAX_AGE`, it walks the whole trail.

A checkpoint is signed with the audit key and records the count and the head it found;
every later verification, full or not, compares them (a cut tail, a rewritten chain). A
failed verification is itself a checkpoint, in the database, so every page of every
process reports the failure until a verification succeeds again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, true

from matching.audit.chain import GENESIS, KEYED, checkpoint_signature, same_digest
from matching.audit.keys import audit_key
from matching.audit.models import AuditCheckpoint, AuditEvent
from matching.audit.verify import (
    CHAIN_BROKEN,
    CHECKPOINT_FORGED,
    CUT,
    REWRITTEN,
    Anchor,
    ChainBreak,
    ChainReport,
    verify_chain,
)
from matching.core.db import db


@dataclass(frozen=True)
class AuditStatus:
    intact: bool
    events: int  # entries in the chain up to the head
    broken_event: int | None
    head_id: int | None
    head_hash: str | None
    full_at: datetime | None  # when the whole chain was last walked (None: never)
    problem: str | None = None  # what broke (matching.audit.verify's names)
    checkpoint_id: int | None = None  # the latest checkpoint this answer took into account
    head_keyed: bool = False


#: Per database and process: the last status, so that a page walks only the entries
#: added since (a dict of small frozen values; a lost entry only costs a longer walk).
_audit_cache: dict[str, AuditStatus] = {}


#: The chain's head and the latest checkpoint's columns, in one statement (issue 17: a page
#: asks this on every request): the aggregate gives one row even without a checkpoint or
#: an event, the checkpoint and the head are joined to it (None when there are none).
_LATEST_ID = select(func.max(AuditCheckpoint.id).label("latest")).subquery()
_HEAD = select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).subquery()
_HEAD_AND_CHECKPOINT = (
    select(_HEAD.c.id.label("head_id"), _HEAD.c.hash.label("head_hash"), AuditCheckpoint.id,
           AuditCheckpoint.checked_at, AuditCheckpoint.events, AuditCheckpoint.last_event_id,
           AuditCheckpoint.last_hash, AuditCheckpoint.intact, AuditCheckpoint.broken_event_id,
           AuditCheckpoint.problem, AuditCheckpoint.signature)
    .select_from(_LATEST_ID)
    .outerjoin(AuditCheckpoint, AuditCheckpoint.id == _LATEST_ID.c.latest)
    .outerjoin(_HEAD, true()))


def _head_and_checkpoint() -> tuple[int | None, str | None, Any]:
    """The chain's head (id and hash) and the latest checkpoint (its columns, read as
    :class:`AuditCheckpoint`'s attributes; None without one), in one statement."""
    row = db.session.execute(_HEAD_AND_CHECKPOINT).one()
    return row.head_id, row.head_hash, (row if row.id is not None else None)


def signed(checkpoint: AuditCheckpoint, key: bytes) -> bool:
    """The checkpoint's signature is the audit key's."""
    return same_digest(checkpoint.signature, checkpoint_signature(
        key, checkpoint.checked_at, checkpoint.events, checkpoint.last_event_id,
        checkpoint.last_hash, checkpoint.intact, checkpoint.broken_event_id))


def _latest_checkpoint(checkpoint: Any, key: bytes) -> tuple[Any, ChainBreak | None]:
    """The latest checkpoint (from :func:`_head_and_checkpoint`), or why it cannot be
    trusted. An unsigned one is a checkpoint from before the trail was keyed (then there
    is no signed one at all)."""
    if checkpoint is None:
        return None, None
    if checkpoint.signature is None and not db.session.scalar(
            select(func.count(AuditCheckpoint.id))
            .where(AuditCheckpoint.signature.is_not(None))):
        return None, None
    if not signed(checkpoint, key):
        return None, ChainBreak(checkpoint.id, CHECKPOINT_FORGED)
    return checkpoint, None


def _anchor(checkpoint: AuditCheckpoint | None) -> Anchor | None:
    if checkpoint is None or not checkpoint.intact or checkpoint.last_event_id is None \
            or checkpoint.last_hash is None:
        return None
    return Anchor(checkpoint.events, checkpoint.last_event_id, checkpoint.last_hash)


def _full_walk_anchor(latest: AuditCheckpoint | None, key: bytes
                      ) -> tuple[Anchor | None, ChainBreak | None]:
    """What a full walk compares with: the latest signed checkpoint that held (after a
    failed verification, the last good one: a failure never moves the anchor)."""
    if latest is None or latest.intact:
        return _anchor(latest), None
    good = db.session.scalar(select(AuditCheckpoint).where(
        AuditCheckpoint.intact.is_(True), AuditCheckpoint.signature.is_not(None))
        .order_by(AuditCheckpoint.id.desc()).limit(1))
    if good is None:
        return None, None
    if not signed(good, key):
        return None, ChainBreak(good.id, CHECKPOINT_FORGED)
    return _anchor(good), None


def _walk_all(latest: AuditCheckpoint | None, distrust: ChainBreak | None,
              key: bytes) -> ChainReport:
    if distrust is None:
        anchor, distrust = _full_walk_anchor(latest, key)
    if distrust is not None:
        return ChainReport(0, distrust)
    return verify_chain(db.session, key, anchor=anchor)


def _failed(checkpoint: AuditCheckpoint, head_id: int | None, head_hash: str | None
            ) -> AuditStatus:
    return AuditStatus(False, checkpoint.events, checkpoint.broken_event_id, head_id, head_hash,
                       checkpoint.checked_at, checkpoint.problem or REWRITTEN, checkpoint.id)


def audit_status(full: bool = False) -> AuditStatus:
    """Whether the audit trail verifies (condition 5).

    ``full``: walk the whole chain afresh (``flask audit verify``; ratification without a
    recent checkpoint), against
    the latest signed checkpoint's count and head. Otherwise (pages): the latest
    checkpoint's verdict if it failed; else continue from what is already known to hold,
    its head (which must still be there, with its hash) or this process's previous
    answer, and walk only the entries after it; a page never walks the whole trail of a
    large installation. An entry changed *before* that point is found by the next full
    walk (``flask audit verify``; ratification starts from the checkpoint too, see
    :func:`ratification_status`).
    """
    key = audit_key()
    head_id, head_hash, latest = _head_and_checkpoint()
    checkpoint_id = latest.id if latest is not None else None
    checkpoint, distrust = _latest_checkpoint(latest, key)
    if full:
        return _remember(_walk_all(checkpoint, distrust, key), 0, datetime.now(UTC),
                         checkpoint_id)
    cached = _audit_cache.get(_key())
    if (cached and cached.head_id == head_id and cached.head_hash == head_hash
            and cached.checkpoint_id == checkpoint_id):
        return cached
    if distrust is not None:
        return _remember(ChainReport(0, distrust), 0, None, checkpoint_id)
    if checkpoint is not None and not checkpoint.intact:
        return _failed(checkpoint, head_id, head_hash)
    anchor = _anchor(checkpoint)
    # after id, after hash, after keyed, entries known, full walk at
    start: tuple[int | None, str, bool, int, datetime | None] = (None, GENESIS, False, 0, None)
    if anchor is not None and checkpoint is not None:
        there = _hash_of(anchor.last_event_id)
        broken = _head_broken(anchor, there)
        if broken is not None or there is None:
            return _remember(ChainReport(0, broken), 0, None, checkpoint_id)
        start = (anchor.last_event_id, anchor.last_hash, there[1] == KEYED, anchor.events,
                 checkpoint.checked_at)
    if (cached and cached.intact and cached.head_id is not None
            and cached.head_hash is not None
            and (start[0] is None or cached.head_id > start[0])
            and head_id is not None and cached.head_id <= head_id
            and _hash_of(cached.head_id) == (cached.head_hash, KEYED if cached.head_keyed
                                             else 0)):
        start = (cached.head_id, cached.head_hash, cached.head_keyed, cached.events,
                 cached.full_at)
    after_id, after_hash, after_keyed, known, full_at = start
    report = verify_chain(db.session, key, after_id=after_id, after_hash=after_hash,
                          after_keyed=after_keyed, known=known, anchor=anchor)
    return _remember(report, known, full_at, checkpoint_id)


def _head_broken(anchor, there) -> ChainBreak | None:
    """The checkpoint's head is gone (the tail was cut) or no longer has its hash (it was
    rewritten); ``there`` is ``_hash_of`` the head: (hash, key version) or None."""
    if there is None:
        return ChainBreak(anchor.last_event_id, CUT, anchor.events, None)
    if there[0] != anchor.last_hash:
        return ChainBreak(anchor.last_event_id, REWRITTEN)
    return None


def _hash_of(event_id: int) -> tuple[str, int] | None:
    """The entry's hash and key version, or None when it is gone."""
    row = db.session.execute(select(AuditEvent.hash, AuditEvent.key_version)
                             .where(AuditEvent.id == event_id)).first()
    return (row[0], row[1]) if row else None


def _key() -> str:
    # .engine: an Engine's is itself, a Connection's the Engine it belongs to
    return str(db.session.get_bind().engine.url)


def _remember(report: ChainReport, known: int, full_at: datetime | None,
              checkpoint_id: int | None) -> AuditStatus:
    """The status after a walk that continued ``known`` verified entries."""
    broken = report.broken
    status = AuditStatus(report.intact, known + report.count,
                         broken.event_id if broken else None,
                         report.last_id, report.last_hash, full_at,
                         broken.problem if broken else None, checkpoint_id, report.keyed)
    _audit_cache[_key()] = status
    return status


#: Ratification trusts a checkpoint (``flask audit verify``, run nightly) at most this old;
#: with an older one (the nightly run stopped) or none it walks the whole trail, as long as
#: that takes (21–24 s for 1.26 million entries), rather than trust a stale full walk.
CHECKPOINT_MAX_AGE = timedelta(hours=48)


@dataclass(frozen=True)
class CheckpointAge:
    """What ratification will start from: the latest checkpoint's time (None: there is
    none that held) and whether it is recent enough to start from."""

    checked_at: datetime | None
    usable: bool


def latest_checkpoint_age(now: datetime | None = None) -> CheckpointAge:
    """For the ratification's confirmation page: when the whole trail was last walked
    (the latest checkpoint, if it held) and whether ratification starts from it. One
    statement; the signature is checked by the ratification itself."""
    now = now or datetime.now(UTC)
    row = db.session.execute(select(AuditCheckpoint.checked_at, AuditCheckpoint.intact)
                             .order_by(AuditCheckpoint.id.desc()).limit(1)).first()
    if row is None or not row.intact:
        return CheckpointAge(None, False)
    checked_at = _aware(row.checked_at)
    return CheckpointAge(checked_at, now - checked_at <= CHECKPOINT_MAX_AGE)


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=UTC)


def ratification_status(now: datetime | None = None) -> AuditStatus:
    """Whether the audit trail verifies, for the ratification (issue 17): afresh from the
    latest signed checkpoint, never from this process's previous answer.

    Checked: the latest checkpoint's signature (else CHECKPOINT_FORGED), its verdict (a
    failed verification stays failed until one succeeds), its head still there with its
    hash (else CUT or REWRITTEN), the number of entries up to its head equal to the count
    it recorded (an entry removed or inserted before it: CHAIN_BROKEN), and every entry
    after its head: keyed hash and link (FORGED, CHAIN_BROKEN). An entry *changed* before
    the head is found by the next ``flask audit verify`` (nightly), after which every page
    and every ratification reports the failure. Without a signed checkpoint that held, or
    with one older than :data:`CHECKPOINT_MAX_AGE`, the whole trail is walked
    (``audit_status(full=True)``). ``now`` (the real clock, as the checkpoints' times):
    for the age only.
    """
    key = audit_key()
    _head_id, _head_hash, latest = _head_and_checkpoint()
    checkpoint_id = latest.id if latest is not None else None
    checkpoint, distrust = _latest_checkpoint(latest, key)
    if distrust is not None:
        return _remember(ChainReport(0, distrust), 0, None, checkpoint_id)
    if checkpoint is not None and not checkpoint.intact:
        return _failed(checkpoint, _head_id, _head_hash)
    anchor = _anchor(checkpoint)
    now = now or datetime.now(UTC)
    if (anchor is None or checkpoint is None or checkpoint.signature is None
            or now - _aware(checkpoint.checked_at) > CHECKPOINT_MAX_AGE):
        return _remember(_walk_all(checkpoint, None, key), 0, datetime.now(UTC),
                         checkpoint_id)
    there = _hash_of(anchor.last_event_id)
    broken = _head_broken(anchor, there)
    if broken is not None or there is None:
        return _remember(ChainReport(0, broken), 0, None, checkpoint_id)
    counted = db.session.scalar(select(func.count(AuditEvent.id))
                                .where(AuditEvent.id <= anchor.last_event_id))
    if counted != anchor.events:
        return _remember(ChainReport(0, ChainBreak(anchor.last_event_id, CHAIN_BROKEN)), 0,
                         None, checkpoint_id)
    report = verify_chain(db.session, key, after_id=anchor.last_event_id,
                          after_hash=anchor.last_hash, after_keyed=there[1] == KEYED,
                          known=anchor.events, anchor=anchor)
    return _remember(report, anchor.events, _aware(checkpoint.checked_at), checkpoint_id)


def record_checkpoint():
    """Walk the whole chain, compare it with the latest signed checkpoint, and record
    the signed result (``flask audit verify``): pages then start from here, or report
    the failure until a verification succeeds again. Adds the row (the caller commits);
    returns it with the walk's report, which says what broke where."""
    key = audit_key()
    _head_id, _head_hash, latest = _head_and_checkpoint()
    checkpoint, distrust = _latest_checkpoint(latest, key)
    now = datetime.now(UTC)
    report = _walk_all(checkpoint, distrust, key)
    broken = report.broken
    if report.intact:
        new = AuditCheckpoint(checked_at=now, events=report.count, intact=True,
                              last_event_id=report.last_id, last_hash=report.last_hash)
    else:
        assert broken is not None
        new = AuditCheckpoint(checked_at=now, events=report.count, intact=False,
                              broken_event_id=broken.event_id, problem=broken.problem)
    new.signature = checkpoint_signature(key, new.checked_at, new.events, new.last_event_id,
                                         new.last_hash, new.intact, new.broken_event_id)
    db.session.add(new)
    db.session.flush()
    _remember(report, 0, now, new.id)
    return new, report
