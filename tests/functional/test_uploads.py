"""Issue 14, uploads: a candidacy's attachment is accepted only after its structure was
checked (matching.candidacies.documents); each malicious file is built here, posted through
the upload form as an applicant would, and refused with its own Dutch message next to the
field, storing nothing. Also the quota per candidacy and the file name.

Every case was stored before issue 14 (a 1 MB zip bomb with 1 GiB inside, a macro project,
an executable, a PDF with JavaScript, a polyglot, twelve 10 MB files on one draft, a name
with a right-to-left override)."""

from __future__ import annotations

import io
import zipfile

import pytest
from markupsafe import escape
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject
from sqlalchemy import select

from matching.candidacies import operations as candidacy_ops
from matching.candidacies.documents import MESSAGES, Refusal, inspect_document
from matching.candidacies.models import Attachment, AttachmentContent
from tests.helpers import sample_pdf
from tests.support import login, snapshot

DOCX_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
              '2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
              '</Types>')


def docx(**extra: bytes | str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", extra.pop("[Content_Types].xml", DOCX_TYPES))
        archive.writestr("word/document.xml", "<w:document/>")
        for name, data in extra.items():
            archive.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


def odt(*members: tuple[str, bytes | str], manifest: str = "<manifest/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", manifest)
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A real zip bomb named .docx: about 1 MB holding 1 GiB of zeros (written in chunks,
    so the test never holds the gigabyte)."""
    buffer = io.BytesIO(docx())
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("word/media/image1.png", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(1024):
                member.write(chunk)
    return buffer.getvalue()


def pdf_with(action: dict | None = None, *, attachment: bool = False,
             encrypt: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if action is not None:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject(k): (NameObject(v) if v.startswith("/") else TextStringObject(v))
             for k, v in action.items()})
    if attachment:
        writer.add_attachment("setup.exe", b"MZ\x90\x00 not really a program")
    if encrypt:
        writer.encrypt("geheim")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def hidden_javascript_pdf() -> bytes:
    """JavaScript with its names hex-escaped (/J#61vaScript, /J#53): invisible to a byte
    search, seen by the parser."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
               b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def zip_of(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


#: (case, file name, bytes builder, refusal kind)
MALICIOUS = [
    ("zip bomb: 1 GiB in a 1 MB .docx", "offerte.docx", zip_bomb, Refusal.ZIP_BOMB),
    ("too many members", "veel.docx",
     lambda: docx(**{f"word__media__m{i}.xml": "" for i in range(2100)}), Refusal.ZIP_BOMB),
    ("one member compressed 1000 times", "ratio.docx",
     lambda: docx(**{"word__media__zeros.bin": bytes(20 * 1024 * 1024)}), Refusal.ZIP_BOMB),
    ("macro project", "macro.docx",
     lambda: docx(**{"word/vbaProject.bin": b"x"}), Refusal.MACRO),
    ("macro project, renamed", "macro2.docx",
     lambda: docx(**{"word/vbaData.xml": "<wne:vbaSuppData/>"}), Refusal.MACRO),
    ("macro-enabled content type", "docm.docx",
     lambda: docx(**{"[Content_Types].xml": DOCX_TYPES.replace(
         "application/xml", "application/vnd.ms-word.document.macroEnabled.main+xml")}),
     Refusal.MACRO),
    ("ActiveX control", "activex.docx", lambda: docx(word__activeX__activeX1_xml="<ax/>"),
     Refusal.MACRO),
    ("ODT with Basic macros", "macro.odt",
     lambda: odt(("Basic/Standard/Module1.xml", "<script:module/>")), Refusal.MACRO),
    ("ODT manifest naming a script", "script.odt",
     lambda: odt(manifest='<manifest><file-entry media-type="application/binary" '
                          'full-path="Scripts/python/x.py"/></manifest>'), Refusal.MACRO),
    ("executable by name", "setup.docx",
     lambda: docx(**{"word/embeddings/setup.exe": b"x"}),
     Refusal.EXECUTABLE),
    ("executable disguised as an image", "foto.docx",
     lambda: docx(word__media__image1_png=b"MZ\x90\x00\x03" + bytes(100)), Refusal.EXECUTABLE),
    ("ELF program in an ODT", "linux.odt",
     lambda: odt(("Pictures/a.png", b"\x7fELF\x02\x01\x01" + bytes(100))), Refusal.EXECUTABLE),
    ("embedded OLE object", "ole.docx",
     lambda: docx(word__embeddings__oleObject1_bin=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                  + bytes(100)), Refusal.EXECUTABLE),
    ("PDF with JavaScript", "script.pdf",
     lambda: pdf_with({"/S": "/JavaScript", "/JS": "app.alert(1)"}), Refusal.PDF_SCRIPT),
    ("PDF with hidden (hex-escaped) JavaScript", "hidden.pdf", hidden_javascript_pdf,
     Refusal.PDF_SCRIPT),
    ("PDF with a launch action", "launch.pdf",
     lambda: pdf_with({"/S": "/Launch", "/F": "cmd.exe"}), Refusal.PDF_SCRIPT),
    ("PDF with an embedded file", "bijlage.pdf", lambda: pdf_with(attachment=True),
     Refusal.PDF_EMBEDDED_FILE),
    ("encrypted PDF", "geheim.pdf", lambda: pdf_with(encrypt=True), Refusal.ENCRYPTED),
    ("PDF that is also a ZIP", "poly.pdf",
     lambda: sample_pdf() + zip_of(("x.html", b"<script>alert(1)</script>")),
     Refusal.POLYGLOT),
    ("PDF that is also HTML", "poly2.pdf",
     lambda: b"%PDF-1.4\n<html><script>alert(1)</script></html>\n" + sample_pdf()[9:],
     Refusal.POLYGLOT),
    ("ZIP a reader takes for a PDF", "poly3.docx",
     lambda: zip_of(("a.txt", b"%PDF-1.4 hello"), ("word/document.xml", b"<w:document/>")),
     Refusal.POLYGLOT),
    ("HTML with a PDF header further on", "page.pdf",
     lambda: b"<html><body>hi</body></html>\n%PDF-1.4\n", Refusal.POLYGLOT),
    ("plain text named .pdf", "cv.pdf", lambda: b"gewoon tekst", Refusal.NOT_A_DOCUMENT),
    ("an executable named .pdf", "cv2.pdf", lambda: b"MZ\x90\x00" + bytes(200),
     Refusal.NOT_A_DOCUMENT),
    ("a ZIP that is no document", "archief.docx", lambda: zip_of(("a.txt", b"hallo")),
     Refusal.NOT_A_DOCUMENT),
    ("a broken ZIP", "kapot.docx", lambda: b"PK\x03\x04" + bytes(100), Refusal.DAMAGED),
    ("a broken PDF", "kapot.pdf", lambda: b"%PDF-1.4\n1 0 obj << /Type /Catalog", Refusal.DAMAGED),
]


@pytest.fixture
def draft(world, db, client, pages_at_world_time):
    procedure = world.published_procedure()
    org = world.organisation("Buurtwerk De Brug")
    user = world.applicant(org)
    login(client, db, user)
    candidacy = candidacy_ops.start_candidacy(procedure, org, actor=user, now=world.clock.now)
    db.session.commit()
    return candidacy


def upload(client, candidacy, data: bytes, name: str):
    return client.post(f"/kandidaturen/{candidacy.id}/bijlagen",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("case, name, build, kind", MALICIOUS,
                         ids=[case for case, *_ in MALICIOUS])
def test_a_malicious_upload_is_refused_by_kind_and_stores_nothing(db, client, draft, case,
                                                                  name, build, kind):
    data = build()
    with pytest.raises(Exception) as refused:
        inspect_document(data)
    assert getattr(refused.value, "rule", None) == f"upload.{kind.value}", case
    before = snapshot(db)
    response = upload(client, draft, data, name)
    page = response.get_data(as_text=True)
    assert response.status_code == 422, case
    assert 'id="file-error"' in page
    assert str(escape(MESSAGES[kind].split(";")[0].split(".")[0])) in page
    db.session.expire_all()
    assert snapshot(db) == before
    assert db.session.scalar(select(Attachment)) is None


def test_the_zip_bomb_is_about_a_megabyte_and_refused_unopened(db):
    data = zip_bomb()
    assert len(data) < 1.2 * 1024 * 1024
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sum(i.file_size for i in archive.infolist()) >= 1024 ** 3


def test_harmless_documents_are_accepted_with_a_clean_name(db, client, draft):
    for data, name, stored in (
            (sample_pdf(), "offerte\u202efdp.exe", "offertefdp.pdf"),  # RLO: "offerteexe.pdf"
            (docx(word__media__image1_png=b"\x89PNG\r\n" + bytes(100)), "Plan – Łódź.docx",
             "Plan – Łódź.docx"),
            (odt(("Pictures/a.png", b"\x89PNG\r\n")), "verslag\x00\u2066.odt", "verslag.odt")):
        assert upload(client, draft, data, name).status_code == 302, name
        item = db.session.scalars(select(Attachment).order_by(Attachment.id.desc())).first()
        assert item.filename == stored
        download = client.get(f"/bijlagen/{item.id}")
        assert download.status_code == 200 and download.data == data
        assert "filename*=UTF-8''" in download.headers["Content-Disposition"] or \
            stored.isascii()


def test_the_quota_per_candidacy_counts_files_and_their_total_size(app, db, client, draft,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_COUNT", 3)
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_TOTAL_MB", 1)
    big = sample_pdf() + b"%" + b"x" * 450_000 + b"\n"  # a comment after %%EOF: harmless
    for _ in range(2):
        assert upload(client, draft, big, "groot.pdf").status_code == 302
    response = upload(client, draft, big, "groot.pdf")
    assert response.status_code == 422
    assert "samen hoogstens 1 MB" in response.get_data(as_text=True)
    assert upload(client, draft, sample_pdf(), "klein.pdf").status_code == 302
    db.session.expire_all()
    before = snapshot(db)
    response = upload(client, draft, sample_pdf(), "vierde.pdf")
    assert response.status_code == 422 and "hoogstens 3 bijlagen" in response.get_data(
        as_text=True)
    db.session.expire_all()
    assert snapshot(db) == before
    assert db.session.query(AttachmentContent).count() == 3


def test_a_file_over_10_mb_is_refused(db, client, draft):
    response = upload(client, draft, sample_pdf() + b"%" + b"x" * (10 * 1024 * 1024), "x.pdf")
    assert response.status_code == 422
    assert "hoogstens 10 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(Attachment)) is None
