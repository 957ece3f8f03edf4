"""The organisation's electronic seal on every PDF it sends: a PAdES signature (pyHanko,
level B-B: the signed signing time, no time-stamp authority) made with the seal
certificate, and the check of a PDF against it.

The certificate and its key come from a PKCS#12 file named by ``LETTER_SEAL_PKCS12``, with
the passphrase in ``LETTER_SEAL_PASSPHRASE``. Without them, development and tests use a
self-signed certificate generated once into the instance folder
(``seal/development-seal.p12``); production refuses to start without a configured seal
(:func:`load_seal`, called by the application factory).

A sealed PDF is an unaltered document of this system when its one signature is intact,
covers the whole file, and was made with a certificate this system sealed with
(:func:`check_seal`); which document it is, the caller finds by the file's SHA-256.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from matching.core.errors import N_, DomainError

if TYPE_CHECKING:
    from asn1crypto import x509 as asn1_x509

T = TypeVar("T")

#: The name of the signature field in a sealed PDF.
FIELD = "Zegel"


class SealError(RuntimeError):
    """The seal is not configured, or its file or passphrase is wrong."""


class UnreadablePdf(DomainError):
    """The file is not a PDF pyHanko can read."""


@dataclass(frozen=True)
class Seal:
    """A seal certificate with its key, as checked by :func:`load_seal`. pyHanko's signer
    (pyHanko with its certificate validation: about 25 MB of imports) is made when the
    first PDF is sealed, not by every worker at start (issue 17): the web pages seal
    nothing on their own, the mail worker and a ratification do."""

    pkcs12: bytes = field(repr=False)
    passphrase: bytes | None = field(repr=False)
    certificate_der: bytes
    development: bool

    @cached_property
    def signer(self) -> Any:
        """pyHanko's signer (our :func:`_signer_class`), loaded from the PKCS#12 file."""
        loaded = _signer_class().load_pkcs12_data(self.pkcs12, other_certs=[],
                                                  passphrase=self.passphrase)
        # pyHanko returns its own class: keep its key and certificates in ours
        return _signer_class()(signing_key=loaded.signing_key,
                               signing_cert=loaded.signing_cert,
                               cert_registry=loaded.cert_registry,
                               signature_mechanism=loaded.signature_mechanism)

    @cached_property
    def certificate(self) -> asn1_x509.Certificate:
        from asn1crypto import x509 as asn1_x509

        return asn1_x509.Certificate.load(self.certificate_der)

    @property
    def fingerprint(self) -> str:
        """The SHA-256 of the certificate (DER), hex: recorded with every sealed PDF."""
        return hashlib.sha256(self.certificate_der).hexdigest()

    @property
    def subject(self) -> str:
        return self.certificate.subject.human_friendly


def _signer_class():
    from pyhanko.sign.signers import SimpleSigner

    class KeptKeySigner(SimpleSigner):
        """pyHanko's signer, with the private key parsed once instead of for every
        signature (parsing an RSA key checks it: 30 ms a letter)."""

        _key = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

            if self._key is None:
                self._key = serialization.load_der_private_key(self.signing_key.dump(),
                                                               password=None)
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            digest = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
                      "sha512": hashes.SHA512()}.get(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and digest and isinstance(self._key,
                                                                       rsa.RSAPrivateKey):
                return self._key.sign(data, padding.PKCS1v15(), digest)
            if mechanism == "ecdsa" and digest and isinstance(self._key,
                                                             ec.EllipticCurvePrivateKey):
                return self._key.sign(data, ec.ECDSA(digest))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner


def load_seal(config: dict, instance_path: str) -> Seal:
    """The seal of ``config`` (``LETTER_SEAL_PKCS12``, ``LETTER_SEAL_PASSPHRASE``); without
    one, the development seal (never in production: :class:`SealError`)."""
    path = config.get("LETTER_SEAL_PKCS12") or ""
    passphrase = config.get("LETTER_SEAL_PASSPHRASE") or ""
    development = not path
    if development:
        if config.get("MATCHING_ENV") == "production":
            raise SealError("LETTER_SEAL_PKCS12 is not set: production seals its letters with "
                            "the organisation's seal certificate (a PKCS#12 file and "
                            "LETTER_SEAL_PASSPHRASE)")
        path, passphrase = development_seal(instance_path), ""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SealError(f"LETTER_SEAL_PKCS12 {path!r} cannot be read: {error}") from None
    # The check pyHanko's loader starts with (cryptography's PKCS#12 reader: the file, its
    # passphrase, the key and the certificate); pyHanko itself loads it at the first seal.
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    secret = passphrase.encode() or None
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(data, secret)
    except Exception as error:  # a wrong passphrase or a broken file
        raise SealError(f"LETTER_SEAL_PKCS12 {path!r} cannot be opened with "
                        f"LETTER_SEAL_PASSPHRASE: {type(error).__name__}") from None
    if key is None or certificate is None:
        raise SealError(f"LETTER_SEAL_PKCS12 {path!r} holds no certificate with its key")
    return Seal(data, secret, certificate.public_bytes(Encoding.DER), development)


def development_seal(instance_path: str) -> str:
    """The development seal's PKCS#12 file in the instance folder (no passphrase), made once;
    also what the benchmark's production-mode server is given as its seal."""
    path = str(Path(instance_path) / "seal" / "development-seal.p12")
    if not os.path.exists(path):
        _write_development_seal(path)
    return path


def _write_development_seal(path: str) -> None:
    """A self-signed seal certificate (RSA 2048, ten years) for development and tests,
    written atomically (two processes may start at once)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "BE"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lokale partnerschappen (ontwikkeling)"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Ontwikkelingszegel – niet voor productie")])
    now = datetime.now(UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          key_cert_sign=False, crl_sign=False, encipher_only=False,
                          decipher_only=False)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage, critical=True)
            .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(b"development seal", key, cert, None,
                                                 serialization.NoEncryption())
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as fh:
        fh.write(data)
    os.replace(temporary, path)


def seal_pdf(pdf: bytes, seal: Seal, *, at: datetime, reason: str, location: str) -> bytes:
    """``pdf`` with the seal's PAdES signature (an incremental update: the bytes before it
    stay as they were), signed at ``at``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    class TimedSigner(signers.PdfSigner):
        def init_signing_session(self, *args, **kwargs):
            session = super().init_signing_session(*args, **kwargs)
            session.system_time = at
            return session

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        reason=reason, location=location, name=seal.subject)

    def sign() -> bytes:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return TimedSigner(meta, seal.signer).sign_pdf(writer, bytes_reserved=16384).getvalue()

    return _without_event_loop(sign)


def _without_event_loop(work: Callable[[], T]) -> T:
    """pyHanko's synchronous calls run an asyncio loop of their own, which cannot start in
    a thread that already runs one (a caller inside an async framework, a browser test):
    there, the work runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


@dataclass(frozen=True)
class SealCheck:
    """What the seal of a PDF says: ``valid`` only when its one signature is intact,
    covers the whole file and was made with one of this system's seal certificates."""

    signed: bool
    intact: bool = False
    whole_file: bool = False
    trusted: bool = False
    signed_at: datetime | None = None
    fingerprint: str | None = None
    signer: str = ""

    @property
    def valid(self) -> bool:
        return self.signed and self.intact and self.whole_file and self.trusted


def check_seal(data: bytes, ours: set[str]) -> SealCheck:
    """Check the seal of ``data``: its signature is trusted when it was made with a
    certificate whose SHA-256 is one of ``ours`` (the seal certificates this system used;
    a renewed certificate does not orphan the letters sealed before). Refuses a file that
    is not a readable PDF (:class:`UnreadablePdf`)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # pyHanko raises many kinds for a damaged file
        raise UnreadablePdf(N_("Dit bestand is geen leesbare pdf.")) from None
    if len(signatures) != 1:
        return SealCheck(signed=bool(signatures))
    signature = signatures[0]
    cert = signature.signer_cert
    fingerprint = hashlib.sha256(cert.dump()).hexdigest() if cert is not None else None
    roots = [cert] if fingerprint in ours else []
    try:
        status = _without_event_loop(lambda: validate_pdf_signature(
            signature, ValidationContext(trust_roots=roots, allow_fetching=False)))
    except (SignatureValidationError, ValueError, KeyError):
        return SealCheck(signed=True, fingerprint=fingerprint)
    return SealCheck(signed=True, intact=bool(status.intact and status.valid),
                     whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                     trusted=bool(status.trusted) and fingerprint in ours,
                     signed_at=status.signer_reported_dt, fingerprint=fingerprint,
                     signer=cert.subject.human_friendly if cert is not None else "")


def current_seal() -> Seal:
    """The seal of the current application, loaded once (see :func:`load_seal`)."""
    from flask import current_app

    seal = current_app.extensions.get("letter_seal")
    if seal is None:
        seal = load_seal(current_app.config, current_app.instance_path)
        current_app.extensions["letter_seal"] = seal
    return seal
