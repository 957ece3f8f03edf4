"""Bulk writing for the scale dataset (:mod:`matching.scale`): rows per table with ids
handed out in Python, inserted with SQLAlchemy Core (one executemany per chunk) or, on
PostgreSQL, one binary COPY per table; the audit events hash-chained onto the head of the
trail; valid, unused enterprise numbers; the id sequences moved past the ids handed out.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import datetime
from enum import Enum
from operator import itemgetter
from typing import Any

from sqlalchemy import Boolean, Date, Integer, LargeBinary, String, func, insert, select, text
from sqlalchemy import Enum as SQLEnum

from appeals.models import Appeal, AppealReference, PanelMember
from juries.models import (
    Assessment,
    Ballot,
    ConflictDeclaration,
    Jury,
    JuryDecision,
    JuryMembership,
    PitchAppointment,
    Vote,
)
from matching.accounts.models import Organisation, RoleGrant, User
from matching.audit.chain import GENESIS, KEYED, entry_hash
from matching.audit.keys import audit_key
from matching.audit.models import AuditEvent, Transition
from matching.audit.recording import AUDIT_CHAIN_LOCK, forget_head
from matching.candidacies.models import (
    Answer,
    Candidacy,
    Contribution,
    DecisionNotice,
    Letter,
    LetterPdf,
)
from matching.core.db import Model, UTCDateTime
from workareas.models import (
    AddendumVersion,
    ContactPerson,
    LocalNeed,
    Municipality,
    PitchSlot,
    Procedure,
    RegionalChallenge,
    WorkArea,
    WorkAreaGovernment,
)

CHUNK = 10_000  # rows per executemany

#: Insert order: every table after the tables it refers to.
TABLES = [Organisation, WorkArea, Municipality, WorkAreaGovernment, User, RoleGrant, Procedure,
          AddendumVersion, LocalNeed, RegionalChallenge, ContactPerson, PitchSlot, Jury,
          JuryMembership, Candidacy, Contribution, Answer, ConflictDeclaration, Assessment,
          Ballot, Vote, JuryDecision, PitchAppointment, DecisionNotice, Appeal, AppealReference,
          PanelMember, Letter, LetterPdf, Transition]


# --- rows, ids and the audit trail ------------------------------------------------------------

def plain(value: Any) -> Any:
    """JSON for a summary, as :func:`matching.audit.recording.audit` writes it."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


#: ``json.dumps(summary, default=plain, ensure_ascii=False, sort_keys=True)``, built once.
SUMMARY = json.JSONEncoder(default=plain, ensure_ascii=False, sort_keys=True)


class Sink:
    """Rows per table, with ids handed out in Python from the table's current maximum."""

    def __init__(self, session):
        self.session = session
        self.use_copy = session.get_bind().dialect.name == "postgresql"
        self.rows: dict[type[Model], list[dict]] = defaultdict(list)
        self.counts: Counter[str] = Counter()
        self.next_id = {m: (session.scalar(select(func.max(m.__table__.c.id))) or 0) + 1
                        for m in [*TABLES, AuditEvent] if "id" in m.__table__.c}

    def take_id(self, model: type[Model]) -> int:
        value = self.next_id[model]
        self.next_id[model] = value + 1
        return value

    def add(self, model: type[Model], **values: Any) -> dict:
        """A row; its id is assigned now (transitions get theirs in time order at flush)."""
        if model in self.next_id and model is not Transition:
            values = {"id": self.take_id(model), **values}
        self.rows[model].append(values)
        return values

    def flush(self) -> None:
        """Insert every pending row, table by table in dependency order."""
        transitions = sorted(self.rows.get(Transition, []), key=lambda r: r["at"])
        for row in transitions:  # a state's history reads in id order
            row["id"] = self.take_id(Transition)
        self.rows[Transition] = transitions
        for model in TABLES:
            self.insert(model, self.rows.pop(model, []))

    def insert(self, model: type[Model], rows: list[dict]) -> None:
        if rows:
            (self.copy if self.use_copy else self.execute)(model.__table__, rows)
        self.counts[model.__tablename__] += len(rows)

    def execute(self, table, rows: list[dict]) -> None:
        """SQLAlchemy Core: one executemany per chunk."""
        for start in range(0, len(rows), CHUNK):
            self.session.execute(insert(table), rows[start:start + CHUNK])

    def copy(self, table, rows: list[dict]) -> None:
        """PostgreSQL: binary COPY on the session's own connection (the same transaction).

        psycopg's executemany sends one INSERT per row: about 17,000 rows a second here,
        minutes for the 10x dataset; COPY is several times faster, and its binary format
        sends the letters' PDF bytes as they are. The server checks every CHECK, UNIQUE and
        foreign key as for an INSERT. Values go in as the column types would bind them.
        """
        columns = [c for c in table.columns if c.name in rows[0]]
        values = itemgetter(*(c.name for c in columns))
        enums = [i for i, c in enumerate(columns) if isinstance(c.type, SQLEnum)]
        cursor = self.session.connection().connection.driver_connection.cursor()
        names = ", ".join(f'"{c.name}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT BINARY)') as copy:
            copy.set_types([pg_type(c.type) for c in columns])
            for row in rows:
                record = list(values(row)) if len(columns) > 1 else [values(row)]
                for i in enums:  # psycopg would write an Enum's name, not its value
                    record[i] = record[i].value if record[i] is not None else None
                copy.write_row(record)


#: PostgreSQL's wire type for each column type of the models (binary COPY needs them).
PG_TYPES = ((UTCDateTime, "timestamptz"), (SQLEnum, "text"), (String, "text"),
            (Boolean, "bool"), (Integer, "int4"), (Date, "date"), (LargeBinary, "bytea"))


def pg_type(column_type) -> str:
    return next(name for kind, name in PG_TYPES if isinstance(column_type, kind))


class AuditTrail:
    """The audit events of the whole load, hash-chained in time order at the end."""

    def __init__(self):
        self.events: list[tuple] = []

    def add(self, at: datetime, actor_id: int | None, action: str, object_type: str,
            object_id: int | None, procedure_id: int | None, **summary: Any) -> None:
        self.events.append((at, len(self.events), actor_id, action, object_type, object_id,
                            procedure_id, SUMMARY.encode(summary)))

    def write(self, sink: Sink) -> int:
        """Continue the chain from its head (under the chain's lock), in time order."""
        session = sink.session
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
        head = session.execute(select(AuditEvent.id, AuditEvent.hash)
                               .order_by(AuditEvent.id.desc()).limit(1)).first()
        prev = head.hash if head else GENESIS
        next_id = max(sink.next_id[AuditEvent], (head.id + 1) if head else 1)
        self.events.sort(key=lambda e: (e[0], e[1]))
        rows = []
        key = audit_key()
        for offset, (at, _, actor_id, action, otype, oid, pid, summary) in enumerate(self.events):
            event_id = next_id + offset
            digest = entry_hash(event_id, at, actor_id, action, otype, oid, pid, summary, prev,
                                key)
            rows.append({"id": event_id, "at": at, "actor_id": actor_id, "action": action,
                         "object_type": otype, "object_id": oid, "procedure_id": pid,
                         "summary": summary, "prev_hash": prev, "hash": digest,
                         "key_version": KEYED})
            prev = digest
            if len(rows) == CHUNK:
                sink.insert(AuditEvent, rows)
                rows = []
        sink.insert(AuditEvent, rows)
        sink.next_id[AuditEvent] = next_id + len(self.events)
        forget_head()  # the chain's head is the last row written here
        return len(self.events)


def reset_sequences(sink: Sink) -> None:
    """PostgreSQL: move each id sequence past the ids handed out here."""
    if sink.session.get_bind().dialect.name != "postgresql":
        return
    for model, next_id in sink.next_id.items():
        if next_id > 1:
            sink.session.execute(text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :v)"),
                                 {"t": model.__tablename__, "v": next_id - 1})


class EnterpriseNumbers:
    """Valid, unused enterprise numbers: ``1`` + seven digits + the mod-97 check."""

    def __init__(self, session):
        self.used = set(session.scalars(select(Organisation.enterprise_number)))
        self.body = 17_000_000

    def next(self) -> str:
        while True:
            self.body += 1
            check = 97 - self.body % 97
            number = f"{self.body:08d}{check:02d}"
            if number not in self.used:
                self.used.add(number)
                return number
