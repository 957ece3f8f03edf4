"""Is an uploaded file a harmless PDF, DOCX or ODT? Checked by its structure, never its name.

R-CAND-3 "Bijlagen zijn toegestaan" (call text, section 5): a candidacy may carry attachments.
They are read by the jury, the appeal panel and Europa WSE on their own computers, so a file
is accepted only when it is what it says and carries nothing active (pure: no Flask, no
SQLAlchemy; pypdf and the standard library's zipfile read the structure).

* **ZIP-based (DOCX, ODT).** The central directory is read first and, before anything is
  expanded, the member count, the total uncompressed size and each large member's
  compression ratio are bounded (a zip bomb is refused unopened). No macro project
  (``vbaProject.bin``, ``Basic/``, ``Scripts/``, macro-enabled content types), no ActiveX,
  no executable or OLE compound member (how macros and packaged programs are embedded).
* **PDF.** Parsed with pypdf: no JavaScript, no launch or other file-opening action, no
  embedded or attached file, not encrypted (we could not look inside).
* **No polyglots.** A PDF that is also a ZIP, a ZIP that a reader would take for a PDF, or
  either with HTML at its start is refused.

Each refusal is a :class:`DomainError` whose ``rule`` names its kind (``Refusal``), with a
clear Dutch message on the upload field.
"""

from __future__ import annotations

import enum
import io
import re
import zipfile
from collections.abc import Iterator

from matching.core.errors import N_, DomainError

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", ODT: ".odt"}

#: Bounds of a ZIP-based document, read from its central directory before expanding.
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_UNCOMPRESSED = 100 * 1024 * 1024
#: A member larger than 1 MiB may be at most this many times its compressed size
#: (text compresses 5–20 times; a zip bomb thousands of times).
ZIP_MAX_RATIO = 100
ZIP_RATIO_FROM = 1024 * 1024
#: How many PDF objects are walked at most (a 10 MB document has far fewer).
PDF_MAX_OBJECTS = 200_000


class Refusal(enum.StrEnum):
    NOT_A_DOCUMENT = "not_a_document"
    DAMAGED = "damaged"
    ZIP_BOMB = "zip_bomb"
    MACRO = "macro"
    EXECUTABLE = "executable"
    PDF_SCRIPT = "pdf_script"
    PDF_EMBEDDED_FILE = "pdf_embedded_file"
    ENCRYPTED = "encrypted"
    POLYGLOT = "polyglot"


MESSAGES = {
    Refusal.NOT_A_DOCUMENT: N_("Enkel PDF-, DOCX- of ODT-documenten zijn toegestaan; dit "
                               "bestand is er geen."),
    Refusal.DAMAGED: N_("Dit document is beschadigd of onleesbaar. Sla het opnieuw op als PDF, "
                        "DOCX of ODT en probeer het nog eens."),
    Refusal.ZIP_BOMB: N_("Dit document is uitgepakt veel groter dan het bestand zelf (of bevat "
                         "te veel onderdelen) en wordt daarom geweigerd."),
    Refusal.MACRO: N_("Dit document bevat macro's of ActiveX-elementen. Sla het op zonder "
                      "macro's (bijvoorbeeld als gewone .docx of als PDF)."),
    Refusal.EXECUTABLE: N_("Dit document bevat een ingesloten programma of object. Verwijder "
                           "het of sla het document op als PDF."),
    Refusal.PDF_SCRIPT: N_("Deze PDF bevat JavaScript of een actie die een ander programma of "
                           "bestand opent. Druk het document opnieuw af naar PDF."),
    Refusal.PDF_EMBEDDED_FILE: N_("Deze PDF bevat ingesloten bestanden. Voeg die als aparte "
                                  "bijlage toe of druk het document opnieuw af naar PDF."),
    Refusal.ENCRYPTED: N_("Deze PDF is versleuteld of met een wachtwoord beveiligd; wij kunnen "
                          "hem niet controleren. Laad hem op zonder beveiliging."),
    Refusal.POLYGLOT: N_("Dit bestand is tegelijk een ander soort bestand (bijvoorbeeld een PDF "
                         "die ook een ZIP-archief of een webpagina is) en wordt geweigerd."),
}


def refuse(kind: Refusal) -> DomainError:
    return DomainError(MESSAGES[kind], rule=f"upload.{kind.value}", field="file")


_HTML_START = re.compile(rb"<\s*(html|script|!doctype|body|head|svg|iframe)[\s>/]", re.I)
_EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe",
                     b"\xce\xfa\xed\xfe", b"#!")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_EXECUTABLE_NAMES = re.compile(
    r"\.(exe|dll|com|scr|pif|cpl|msi|msp|bat|cmd|ps1|psm1|vbs|vbe|js|jse|wsf|wsh|hta|jar|"
    r"sh|app|lnk|reg|so|dylib|bin)$", re.I)
_MACRO_NAMES = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml)$|^(Basic|Scripts)/|"
                          r"(^|/)activeX/", re.I)


def inspect_document(data: bytes) -> str:
    """The media type (PDF, DOCX or ODT) of an acceptable document; otherwise raises the
    DomainError of the first reason to refuse it."""
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _check_zip(data)
    if b"%PDF-" in data[:1024]:  # a reader finds a PDF header anywhere in the first 1 KiB
        raise refuse(Refusal.POLYGLOT)
    raise refuse(Refusal.NOT_A_DOCUMENT)


# --- ZIP-based documents -------------------------------------------------------------------

def _check_zip(data: bytes) -> str:
    head = data[:1024]
    if b"%PDF-" in head or _HTML_START.search(head):
        raise refuse(Refusal.POLYGLOT)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise refuse(Refusal.DAMAGED) from None
    with archive:
        members = archive.infolist()  # the central directory: nothing expanded yet
        if len(members) > ZIP_MAX_MEMBERS:
            raise refuse(Refusal.ZIP_BOMB)
        if sum(m.file_size for m in members) > ZIP_MAX_UNCOMPRESSED:
            raise refuse(Refusal.ZIP_BOMB)
        for m in members:
            if m.file_size > ZIP_RATIO_FROM and \
                    m.file_size > ZIP_MAX_RATIO * max(m.compress_size, 1):
                raise refuse(Refusal.ZIP_BOMB)
        names = {m.filename for m in members}
        if "word/document.xml" in names:
            media_type = DOCX
        elif "mimetype" in names and _read(archive, "mimetype", 100).strip() == ODT.encode():
            media_type = ODT
        else:
            raise refuse(Refusal.NOT_A_DOCUMENT)
        for m in members:
            if _MACRO_NAMES.search(m.filename):
                raise refuse(Refusal.MACRO)
            if _EXECUTABLE_NAMES.search(m.filename) and not m.filename.endswith("/"):
                raise refuse(Refusal.EXECUTABLE)
        if media_type == DOCX and "[Content_Types].xml" in names:
            types = _read(archive, "[Content_Types].xml", 1024 * 1024).lower()
            if b"macroenabled" in types or b"vbaproject" in types or b"activex" in types:
                raise refuse(Refusal.MACRO)
        if media_type == ODT and "META-INF/manifest.xml" in names:
            manifest = _read(archive, "META-INF/manifest.xml", 1024 * 1024).lower()
            if b"basic" in manifest or b"script" in manifest:
                raise refuse(Refusal.MACRO)
        for m in members:
            if m.is_dir() or m.file_size < 2:
                continue
            start = _read(archive, m.filename, 8)
            if start.startswith(_OLE_MAGIC):
                raise refuse(Refusal.MACRO if "vba" in m.filename.lower()
                             else Refusal.EXECUTABLE)
            if start.startswith(_EXECUTABLE_MAGIC):
                raise refuse(Refusal.EXECUTABLE)
    return media_type


def _read(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes of a member (never more, whatever its header claims)."""
    try:
        with archive.open(name) as member:
            return member.read(limit)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
            RuntimeError):  # RuntimeError: an encrypted member
        raise refuse(Refusal.DAMAGED) from None


# --- PDF ---------------------------------------------------------------------------------

#: Names that make a PDF act: run script, open another program or file, submit or import.
_ACTIVE_KEYS = {"/JS", "/JavaScript"}
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/GoToE",
                   "/RichMediaExecute", "/Rendition"}
_EMBEDDING_KEYS = {"/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia"}
_EMBEDDING_TYPES = {"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Filespec"}
_RAW_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch)\b")
_RAW_EMBEDDED = re.compile(rb"/(EmbeddedFiles?|FileAttachment)\b")


def _check_pdf(data: bytes) -> None:
    if _HTML_START.search(data[:1024]) or zipfile.is_zipfile(io.BytesIO(data)):
        raise refuse(Refusal.POLYGLOT)
    # The uncompressed text first: cheap, and it sees what an unparsable file carries.
    if _RAW_ACTIVE.search(data):
        raise refuse(Refusal.PDF_SCRIPT)
    if _RAW_EMBEDDED.search(data):
        raise refuse(Refusal.PDF_EMBEDDED_FILE)
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise refuse(Refusal.ENCRYPTED)
        for obj in _walk(reader.trailer):
            _check_pdf_dictionary(obj)
    except DomainError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError, AssertionError, ZeroDivisionError):
        raise refuse(Refusal.DAMAGED) from None


def _walk(root) -> Iterator[dict]:
    """Every dictionary reachable from the trailer (object streams included: pypdf opens
    them), each indirect object once."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    count = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ident = (item.idnum, item.generation)
            if ident in seen:
                continue
            seen.add(ident)
            count += 1
            if count > PDF_MAX_OBJECTS:
                raise refuse(Refusal.DAMAGED)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            yield item
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _check_pdf_dictionary(obj: dict) -> None:
    keys = set(obj.keys())
    if keys & _ACTIVE_KEYS or str(obj.get("/S", "")) in _ACTIVE_ACTIONS:
        raise refuse(Refusal.PDF_SCRIPT)
    if keys & _EMBEDDING_KEYS or str(obj.get("/Type", "")) in _EMBEDDING_TYPES or \
            str(obj.get("/Subtype", "")) in _EMBEDDING_TYPES:
        raise refuse(Refusal.PDF_EMBEDDED_FILE)
