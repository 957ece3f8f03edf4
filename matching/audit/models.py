"""Every state transition and every operation, recorded append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matching.core.db import Model, UTCDateTime


class Transition(Model):
    """One state change of a procedure, candidacy or appeal: who, when, from, to, why.

    The actor is an account (``user_account``); this layer, below the accounts, knows it
    by its id only."""

    __tablename__ = "state_transition"

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int]
    step: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_state_transition_object", "object_type", "object_id"),)


class AuditEvent(Model):
    """One operation: actor, UTC time, action, object, a short summary (no secrets).

    Append-only and hash-chained (see :mod:`matching.audit.chain`): ``prev_hash`` is the
    ``hash`` of the entry before it (unique, so the chain cannot fork), ``hash`` the
    HMAC-SHA256 of this entry's canonical content with the audit key (``key_version``
    1; 0: a plain SHA-256, written before the trail was keyed). Rows are only ever made by
    :func:`matching.audit.recording.audit`; on PostgreSQL a trigger refuses UPDATE and DELETE.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None]
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    summary: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    key_version: Mapped[int] = mapped_column(server_default="0")
    #: Issue 18, for an entry written before personal values were kept apart (migration
    #: 0108): the HMAC with the audit key of its content as it reads now (its personal
    #: values replaced by references, as in :class:`AuditPersonalValue`) and of its
    #: ``hash``. The migration wrote it after checking the entry's original hash; ``hash``
    #: itself is unchanged, so the links, the checkpoints and the final reports naming a
    #: chain head still hold (:func:`matching.audit.chain.redaction_seal`).
    redaction_seal: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_event_procedure", "procedure_id", "id"),
                      Index("ix_audit_event_actor", "actor_id"),
                      Index("ix_audit_event_object", "object_type", "object_id"),
                      # the newest event of a type by one seek (workareas.conditional)
                      Index("ix_audit_event_type_id", "object_type", "id"),
                      CheckConstraint("key_version IN (0, 1)", name="known_key_version"))


class AuditPersonalValue(Model):
    """A personal value an audit entry names (an e-mail address, a name, a free-text
    reason), kept outside the hashed content (issue 18).

    The entry's summary holds ``{"@personal": digest}`` in its place; ``digest`` is the
    HMAC with the audit key of the entry's id, the key and the value as written
    (:func:`matching.audit.chain.personal_digest`). So the chain verifies whatever becomes
    of ``value``: the retention run (``flask retention run``) replaces it by a pseudonym
    and sets ``pseudonymised_at``; until then, a changed value no longer matches its
    digest. This table is not append-only: pseudonymisation is its one update.
    """

    __tablename__ = "audit_personal_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("audit_event.id"))
    key: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    #: the value as JSON (a string, or a list of strings)
    value: Mapped[str] = mapped_column(Text)
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_audit_personal_value_event", "event_id"),)


class AuditCheckpoint(Model):
    """A full verification of the chain (``flask audit verify``): up to which entry it
    held, when. Pages verify only the entries after the latest intact checkpoint, so a
    page never walks the whole trail; ratification verifies afresh from the latest one
    when it is at most two days old, else walks it all (issue 17,
    :func:`matching.audit.queries.ratification_status`).

    ``signature``: HMAC of the result with the audit key (None: written before the trail
    was keyed; such a checkpoint is not trusted). A later verification compares its count
    and head with the latest signed one, so a cut tail or a rewritten chain is found.
    A failed one names its ``problem`` and is what every page reports until a
    verification succeeds again."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    events: Mapped[int]
    last_event_id: Mapped[int | None]
    last_hash: Mapped[str | None] = mapped_column(String(64))
    intact: Mapped[bool]
    broken_event_id: Mapped[int | None]
    problem: Mapped[str | None] = mapped_column(String(30))
    signature: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("intact = (broken_event_id IS NULL)", name="broken_iff_not_intact"),
        CheckConstraint("(last_event_id IS NULL) = (last_hash IS NULL)", name="head_complete"),
    )
