"""Where attachments' bytes are: in the database (``AttachmentContent``), and the sweep
that proves nothing is left anywhere else (``flask attachments sweep``).

Since issue 14 an upload writes its bytes in the transaction that records the attachment,
so a failed insert or a killed worker leaves nothing behind, and every application server
reads the same bytes. Before, the bytes went to ``<instance>/uploads/<storage_key>`` before
the commit. The sweep

* moves each such file into the database when its attachment has no content yet and the
  file's SHA-256 is the recorded one (``moved``);
* names every file in that folder that no attachment owns, or whose attachment is already
  in the database (``orphans``), and deletes them with ``remove=True``;
* checks every stored attachment's bytes against its recorded size and SHA-256
  (``mismatched``) and names attachments with no bytes anywhere (``missing``).

A clean installation answers zeros everywhere: that is the proof.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field

from sqlalchemy import select

from matching.candidacies.models import Attachment, AttachmentContent
from matching.core.db import db


@dataclass
class SweepReport:
    checked: int = 0
    moved: list[int] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)
    mismatched: list[int] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.orphans and not self.removed) and not self.missing \
            and not self.mismatched


def sweep(upload_dir: str | None, *, remove: bool = False) -> SweepReport:
    """See the module. Changes the session (moved contents); the caller commits."""
    report = SweepReport()
    stored = set(db.session.scalars(select(AttachmentContent.attachment_id)))
    by_key = {a.storage_key: a for a in db.session.scalars(select(Attachment))}
    files = sorted(os.listdir(upload_dir)) if upload_dir and os.path.isdir(upload_dir) else []
    for name in files:
        path = os.path.join(upload_dir or "", name)
        if not os.path.isfile(path):
            continue
        owner = by_key.get(name)
        if owner is not None and owner.id not in stored:
            with open(path, "rb") as handle:
                data = handle.read()
            if hashlib.sha256(data).hexdigest() == owner.sha256:
                db.session.add(AttachmentContent(attachment_id=owner.id, data=data))
                stored.add(owner.id)
                report.moved.append(owner.id)
                if remove:
                    report.removed.append(name)
                continue
        report.orphans.append(name)
        if remove:
            report.removed.append(name)
    db.session.flush()
    attachment_ids = list(db.session.scalars(select(Attachment.id)))
    report.checked = len(attachment_ids)
    report.missing = [i for i in attachment_ids if i not in stored]
    rows = db.session.execute(
        select(Attachment.id, Attachment.size, Attachment.sha256, AttachmentContent.data)
        .join(AttachmentContent, AttachmentContent.attachment_id == Attachment.id)
        .execution_options(yield_per=20))
    for attachment_id, size, sha256, data in rows:
        if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
            report.mismatched.append(attachment_id)
    return report


def remove_files(upload_dir: str, names: list[str]) -> None:
    """After the commit of the moved contents: delete the swept files."""
    for name in names:
        try:
            os.remove(os.path.join(upload_dir, name))
        except FileNotFoundError:
            pass
