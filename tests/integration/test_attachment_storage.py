"""Issue 14: an attachment's bytes are in the database, written in the transaction that
records it; ``flask attachments sweep`` moves older files in and proves no orphan is left.

Before, the file was written to the upload folder before the commit, so a failed insert or
a killed worker left an orphan file on disk."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select, text

from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Attachment, AttachmentContent
from tests.helpers import sample_pdf


@pytest.fixture
def folder(app, tmp_path, monkeypatch):
    path = tmp_path / "uploads"
    path.mkdir()
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(path))
    return path


@pytest.fixture
def draft(world, db):
    procedure = world.published_procedure()
    org = world.organisation("Buurtwerk De Brug")
    user = world.applicant(org)
    candidacy = candidacy_ops.start_candidacy(procedure, org, actor=user, now=world.clock.now)
    db.session.commit()
    return candidacy, user


def test_a_transaction_that_does_not_commit_leaves_nothing_anywhere(world, db, draft, folder,
                                                                   runner):
    candidacy, user = draft
    candidacy_ops.add_attachment(candidacy, "a.pdf", sample_pdf(), actor=user,
                                 now=world.clock.now)
    db.session.flush()  # the insert happened …
    db.session.rollback()  # … and the transaction failed
    assert db.session.scalar(select(Attachment)) is None
    assert db.session.scalar(select(AttachmentContent)) is None
    assert list(folder.iterdir()) == []
    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 0, result.output
    assert "0 weesbestanden" in result.output and "0 bijlagen zonder inhoud" in result.output


def test_the_sweep_moves_older_files_in_and_names_orphans(world, db, draft, folder, runner,
                                                          client):
    candidacy, user = draft
    old = sample_pdf("Van voor issue 14")
    db.session.add(Attachment(candidacy=candidacy, filename="oud.pdf",
                              media_type="application/pdf", size=len(old),
                              sha256=hashlib.sha256(old).hexdigest(), storage_key="a" * 32,
                              uploaded_at=world.clock.now))
    db.session.commit()
    (folder / ("a" * 32)).write_bytes(old)
    (folder / ("b" * 32)).write_bytes(b"a file of an insert that failed")

    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 1  # an orphan remains until removed
    assert "1 bestanden naar de databank verplaatst; 1 weesbestanden" in result.output
    assert "b" * 32 in result.output
    db.session.expire_all()
    stored = db.session.scalar(select(AttachmentContent))
    assert stored is not None and stored.data == old

    result = runner.invoke(args=["attachments", "sweep", "--remove"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == []  # the moved file went too

    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 0 and "0 weesbestanden" in result.output


def test_the_sweep_names_missing_and_altered_bytes(world, db, draft, folder, runner):
    candidacy, user = draft
    item = candidacy_ops.add_attachment(candidacy, "a.pdf", sample_pdf(), actor=user,
                                        now=world.clock.now)
    db.session.add(Attachment(candidacy=candidacy, filename="weg.pdf",
                              media_type="application/pdf", size=5, sha256="0" * 64,
                              storage_key="c" * 32, uploaded_at=world.clock.now))
    db.session.commit()
    db.session.execute(text("UPDATE attachment_content SET data = :d WHERE attachment_id = :i"),
                       {"d": sample_pdf("Iets anders"), "i": item.id})
    db.session.commit()
    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 1
    assert "1 bijlagen zonder inhoud; 1 met een afwijkende SHA-256" in result.output
