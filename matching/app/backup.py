"""The backup and the restore of an installation (``flask backup``, ``flask restore``).

A backup is one ZIP file, portable between SQLite and PostgreSQL and readable without this
application:

* ``manifest.json``: the format, the moment, the schema's migration revision, per table its
  row count and the SHA-256 of its file, the audit trail's head (the id and hash of its
  last event) and its latest checkpoint, the number of attachments;
* ``tables/<table>.jsonl``: every row of every table, one JSON object a line (instants in
  ISO 8601 UTC, short bytes in base64 as ``{"$b64": …}``);
* ``blobs/<sha256>``: each larger byte value once (the attachments' bytes and the sealed
  letters' PDFs, named from their rows as ``{"$blob": sha256}``), checked on restore.

It is read in ONE transaction (REPEATABLE READ on PostgreSQL, a read transaction on SQLite):
every table as of the same moment, so the audit head matches the events and every
attachment row has its bytes. The restore loads it into an empty, migrated database of the
same revision (a non-empty one is refused), checks each table file's SHA-256 and count,
moves the identity sequences past the restored ids (PostgreSQL), and then checks what
matters: the audit trail verifies and ends at the head the manifest names, and every
attachment's bytes have their recorded SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    LargeBinary,
    Table,
    func,
    insert,
    select,
    text,
)

from matching.core.db import db

FORMAT = "lokale-partnerschappen-backup/1"
BATCH = 500


class BackupError(Exception):
    """The restore is refused; nothing was written (or it was rolled back)."""


def _tables() -> list[Table]:
    return list(db.metadata.sorted_tables)


#: Bytes from this size on are written once each as ``blobs/<sha256>`` (stored, not
#: deflated: PDFs and documents are compressed already) and named from the row.
BLOB_FROM = 1024


def _encode(value: Any, blobs: dict[str, bytes] | None = None) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        if blobs is not None and len(data) >= BLOB_FROM:
            digest = hashlib.sha256(data).hexdigest()
            blobs.setdefault(digest, data)
            return {"$blob": digest}
        return {"$b64": base64.b64encode(data).decode()}
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _decoder(table: Table, archive: zipfile.ZipFile):
    kinds = {}
    for column in table.columns:
        kind = column.type
        impl = getattr(kind, "impl", kind)
        if isinstance(impl, LargeBinary):
            kinds[column.name] = "bytes"
        elif isinstance(impl, DateTime):
            kinds[column.name] = "datetime"
        elif isinstance(impl, Date):
            kinds[column.name] = "date"

    def decode(row: dict) -> dict:
        for name, kind in kinds.items():
            value = row.get(name)
            if value is None:
                continue
            if kind == "bytes":
                if "$blob" in value:
                    data = archive.read(f"blobs/{value['$blob']}")
                    if hashlib.sha256(data).hexdigest() != value["$blob"]:
                        raise BackupError(f"een bestand in de back-up is beschadigd "
                                          f"({value['$blob']})")
                    row[name] = data
                else:
                    row[name] = base64.b64decode(value["$b64"])
            elif kind == "datetime":
                parsed = datetime.fromisoformat(value)
                row[name] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
            else:
                row[name] = date.fromisoformat(value)
        return row

    return decode


def _revision(conn: Connection) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no such table: not migrated
        return None


def _audit_head_and_checkpoint(conn: Connection) -> tuple[dict | None, dict | None]:
    from matching.audit.models import AuditCheckpoint, AuditEvent

    head = conn.execute(select(AuditEvent.id, AuditEvent.hash)
                        .order_by(AuditEvent.id.desc()).limit(1)).first()
    checkpoint = conn.execute(select(AuditCheckpoint.__table__)
                              .order_by(AuditCheckpoint.id.desc()).limit(1)).mappings().first()
    return ({"id": head[0], "hash": head[1]} if head else None,
            {k: _encode(v) for k, v in checkpoint.items()} if checkpoint else None)


def write_backup(target: io.BufferedIOBase | str, *, now: datetime | None = None) -> dict:
    """Write the archive of the whole database to ``target``; returns its manifest."""
    engine = db.engine
    options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" \
        else {}
    with engine.connect().execution_options(**options) as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN")  # one read transaction: a snapshot of every table
        with conn.begin() if engine.dialect.name != "sqlite" else _nothing():
            manifest: dict[str, Any] = {
                "format": FORMAT,
                "created_at": (now or datetime.now(UTC)).isoformat(),
                "revision": _revision(conn),
                "dialect": engine.dialect.name,
                "tables": {},
            }
            with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
                stored: set[str] = set()
                pending: dict[str, bytes] = {}
                for table in _tables():
                    digest, count = hashlib.sha256(), 0
                    order = list(table.primary_key.columns) or list(table.columns)
                    rows = conn.execute(select(table).order_by(*order)
                                        .execution_options(yield_per=BATCH)).mappings()
                    written: set[str] = set()
                    with archive.open(f"tables/{table.name}.jsonl", "w",
                                      force_zip64=True) as out:
                        for row in rows:
                            blobs: dict[str, bytes] = {}
                            line = (json.dumps({k: _encode(v, blobs) for k, v in row.items()},
                                               ensure_ascii=False, sort_keys=True)
                                    + "\n").encode()
                            digest.update(line)
                            out.write(line)
                            count += 1
                            pending.update({k: v for k, v in blobs.items()
                                            if k not in written and k not in stored})
                            written.update(blobs)
                    for name, data in pending.items():  # after the table's file is closed
                        archive.writestr(zipfile.ZipInfo(f"blobs/{name}"), data,
                                         compress_type=zipfile.ZIP_STORED)
                        stored.add(name)
                    pending.clear()
                    manifest["tables"][table.name] = {"rows": count,
                                                      "sha256": digest.hexdigest()}
                head, checkpoint = _audit_head_and_checkpoint(conn)
                manifest["audit_head"] = head
                manifest["audit_checkpoint"] = checkpoint
                manifest["attachments"] = manifest["tables"].get("attachment", {}).get("rows", 0)
                archive.writestr("manifest.json",
                                 json.dumps(manifest, indent=2, ensure_ascii=False))
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("ROLLBACK")
    return manifest


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    audit_events: int = 0
    audit_intact: bool = False
    attachments_checked: int = 0
    attachments_bad: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_empty(conn: Connection) -> bool:
    return all(conn.execute(select(func.count()).select_from(t)).scalar() == 0
               for t in _tables())


def restore_backup(source: io.BufferedIOBase | str) -> RestoreReport:
    """Load an archive into this (empty, migrated) database, then verify it. Raises
    BackupError, changing nothing, when the archive or the database does not fit."""
    report = RestoreReport()
    engine = db.engine
    with zipfile.ZipFile(source) as archive:
        try:
            manifest = json.loads(archive.read("manifest.json"))
        except (KeyError, ValueError):
            raise BackupError("dit is geen back-up van deze toepassing (geen manifest)") from None
        if manifest.get("format") != FORMAT:
            raise BackupError(f"onbekend formaat: {manifest.get('format')!r}")
        with engine.begin() as conn:
            revision = _revision(conn)
            if revision is None:
                raise BackupError("de databank is niet gemigreerd: voer eerst "
                                  "'flask db upgrade' uit")
            if revision != manifest.get("revision"):
                raise BackupError(f"de back-up is van schemaversie {manifest.get('revision')}, "
                                  f"de databank van {revision}: migreer eerst naar dezelfde")
            if not is_empty(conn):
                raise BackupError("de databank is niet leeg: een herstel gebeurt enkel in een "
                                  "lege, gemigreerde databank")
            tables = {t.name: t for t in _tables()}
            unknown = set(manifest["tables"]) - set(tables)
            if unknown:
                raise BackupError(f"onbekende tabellen in de back-up: {sorted(unknown)}")
            for table in _tables():
                expected = manifest["tables"].get(table.name)
                if expected is None:
                    continue
                decode, digest, count = _decoder(table, archive), hashlib.sha256(), 0
                batch: list[dict] = []
                with archive.open(f"tables/{table.name}.jsonl") as lines:
                    for line in lines:
                        digest.update(line)
                        batch.append(decode(json.loads(line)))
                        count += 1
                        if len(batch) >= BATCH:
                            conn.execute(insert(table), batch)
                            batch = []
                if batch:
                    conn.execute(insert(table), batch)
                if count != expected["rows"] or digest.hexdigest() != expected["sha256"]:
                    raise BackupError(f"tabel {table.name} is beschadigd in de back-up "
                                      f"({count} rijen, verwacht {expected['rows']})")
                report.tables += 1
                report.rows += count
            if engine.dialect.name == "postgresql":
                _advance_sequences(conn)
    _verify_restored(manifest, report)
    return report


def _advance_sequences(conn: Connection) -> None:
    """Identity/serial columns continue after the restored ids."""
    for table in _tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (
                    column.autoincrement == "auto" and len(table.primary_key.columns) == 1
                    and column.type.python_type is int and not column.foreign_keys):
                sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                        {"t": table.name, "c": column.name}).scalar()
                if sequence:
                    conn.execute(text(
                        f"SELECT setval('{sequence}', COALESCE((SELECT max({column.name}) "
                        f"FROM {table.name}), 0) + 1, false)"))


def _verify_restored(manifest: dict, report: RestoreReport) -> None:
    """The audit trail verifies and ends at the manifest's head; every attachment's bytes
    have their recorded SHA-256 (``matching.candidacies.storage.sweep``'s check)."""
    from matching.audit.keys import audit_key
    from matching.audit.models import AuditEvent
    from matching.audit.verify import verify_chain
    from matching.candidacies.storage import sweep

    chain = verify_chain(db.session, audit_key())
    report.audit_events = chain.count
    report.audit_intact = chain.intact
    if chain.broken is not None:
        report.problems.append(f"de audittrail is niet intact: {chain.broken.describe()}")
    head = db.session.execute(select(AuditEvent.id, AuditEvent.hash)
                              .order_by(AuditEvent.id.desc()).limit(1)).first()
    expected = manifest.get("audit_head")
    found = (head[0], head[1]) if head else None
    if found != ((expected["id"], expected["hash"]) if expected else None):
        report.problems.append("de audittrail eindigt niet bij de kop uit het manifest")
    swept = sweep(None)
    report.attachments_checked = swept.checked
    report.attachments_bad = swept.missing + swept.mismatched
    if report.attachments_bad:
        report.problems.append(f"{len(report.attachments_bad)} bijlagen hebben niet de "
                               "opgeslagen SHA-256")
    db.session.rollback()
