"""Issue 14, backups: ``flask backup`` writes a consistent archive, ``flask restore`` loads
it into an empty migrated database (and refuses a non-empty one), and the restored
installation's audit trail verifies to the same head and every attachment has its SHA-256.
On SQLite and, with TEST_DATABASE_URL, on PostgreSQL (the restore goes into a schema of its
own, a database as empty as a new installation's)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, func, select, text
from werkzeug.security import generate_password_hash

from matching.accounts.models import Organisation
from matching.accounts.rules import OrganisationKind
from matching.app import create_app
from matching.app.backup import BackupError, restore_backup, write_backup
from matching.audit.keys import audit_key
from matching.audit.models import AuditEvent
from matching.audit.verify import verify_chain
from matching.candidacies.models import Attachment, AttachmentContent, Candidacy
from matching.core.db import db as _db
from matching.demo import load_demo
from tests.helpers import sample_pdf
from tests.support import kbo


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    monkeypatch.setattr("matching.accounts.passwords.generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))


@contextmanager
def empty_installation(app, backend: str, tmp_path):
    """A second, empty and migrated installation: a new SQLite file, or a PostgreSQL schema
    of its own (dropped afterwards)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if backend == "sqlite":
        target = "sqlite:///" + str(tmp_path / "restored.db")
    else:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS restore_drill CASCADE"))
            conn.execute(text("CREATE SCHEMA restore_drill"))
        target = url + ("&" if "?" in url else "?") + "options=-csearch_path%3Drestore_drill"
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target,
                        "MATCHING_ENV": "testing", "WTF_CSRF_ENABLED": False})
    try:
        with other.app_context():
            upgrade()
            yield other
            _db.session.remove()
            _db.engine.dispose()
    finally:
        if backend != "sqlite":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA restore_drill CASCADE"))
            engine.dispose()


def demo_with_attachments(db) -> list[bytes]:
    load_demo()
    candidacies = db.session.scalars(select(Candidacy).order_by(Candidacy.id).limit(2)).all()
    files = [sample_pdf(f"Bijlage {c.reference}") for c in candidacies]
    for candidacy, data in zip(candidacies, files, strict=True):
        db.session.add(Attachment(candidacy=candidacy, filename="referenties.pdf",
                                  media_type="application/pdf", size=len(data),
                                  sha256=hashlib.sha256(data).hexdigest(),
                                  storage_key=hashlib.md5(data).hexdigest(),
                                  uploaded_at=candidacy.created_at,
                                  content=AttachmentContent(data=data)))
    db.session.commit()
    return files


def counts() -> dict[str, int]:
    return {t.name: _db.session.execute(select(func.count()).select_from(t)).scalar()
            for t in _db.metadata.sorted_tables}


def test_a_backup_of_the_demo_restores_into_an_empty_database_and_verifies(app, db, backend,
                                                                          tmp_path):
    files = demo_with_attachments(db)
    before = counts()
    head = db.session.execute(select(AuditEvent.id, AuditEvent.hash)
                              .order_by(AuditEvent.id.desc()).limit(1)).one()
    archive = io.BytesIO()
    manifest = write_backup(archive)
    assert manifest["audit_head"] == {"id": head[0], "hash": head[1]}
    assert manifest["attachments"] == 2 and manifest["tables"]["attachment_content"]["rows"] == 2
    assert {name: t["rows"] for name, t in manifest["tables"].items()} == before

    with empty_installation(app, backend, tmp_path):
        report = restore_backup(io.BytesIO(archive.getvalue()))
        assert report.problems == [] and report.audit_intact
        assert report.attachments_checked == 2 and report.attachments_bad == []
        assert counts() == before
        chain = verify_chain(_db.session, audit_key())  # what `flask audit verify` walks
        assert chain.intact and chain.count == before["audit_event"]
        stored = _db.session.scalars(select(AttachmentContent.data)
                                     .order_by(AttachmentContent.attachment_id)).all()
        assert stored == files
        # the installation goes on: new rows get new ids (sequences moved past the restored)
        _db.session.add(Organisation(name="Na het herstel vzw", enterprise_number=kbo(777),
                                     legal_form="vzw", kind=OrganisationKind.OTHER))
        _db.session.commit()
        # and a second restore into it is refused, changing nothing
        with pytest.raises(BackupError, match="niet leeg"):
            restore_backup(io.BytesIO(archive.getvalue()))
        assert counts()["organisation"] == before["organisation"] + 1


def test_a_damaged_or_foreign_archive_is_refused_and_changes_nothing(app, db, world, backend,
                                                                    tmp_path):
    world.published_procedure()
    world.apply("Buurtwerk De Brug")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) > 1
    archive = io.BytesIO()
    write_backup(archive)
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive.getvalue())) as source, \
            zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "tables/audit_event.jsonl":
                lines = data.splitlines(keepends=True)
                data = b"".join(lines[:-1])  # the last event cut off
            target.writestr(item, data)
    with empty_installation(app, backend, tmp_path):
        with pytest.raises(BackupError, match="audit_event"):
            restore_backup(io.BytesIO(damaged.getvalue()))
        assert sum(counts().values()) == 0  # rolled back: still empty
        foreign = io.BytesIO()
        with zipfile.ZipFile(foreign, "w") as z:
            z.writestr("manifest.json", json.dumps({"format": "iets anders"}))
        with pytest.raises(BackupError, match="formaat"):
            restore_backup(io.BytesIO(foreign.getvalue()))


def test_the_commands(app, db, world, runner, tmp_path):
    world.published_procedure()
    world.apply("Buurtwerk De Brug")
    db.session.commit()
    path = tmp_path / "backup.zip"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert "Back-up geschreven" in result.output and "0 bijlagen" in result.output
    result = runner.invoke(args=["restore", str(path)])  # into this, non-empty, database
    assert result.exit_code == 1 and "niet leeg" in result.output
