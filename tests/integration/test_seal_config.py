"""The seal's configuration: production refuses to start without the organisation's seal
certificate (or with a wrong passphrase) and never generates one; development and tests
generate a self-signed one once and keep it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from matching.app.config import ConfigError, load_config
from matching.letters.seal import check_seal, load_seal, seal_pdf
from tests.helpers import sample_pdf

PRODUCTION = {"MATCHING_ENV": "production", "SECRET_KEY": "k" * 40, "AUDIT_KEY": "a" * 40,
              "BASE_URL": "https://matching.example.be", "DATABASE_URL": "sqlite://",
              "TRUSTED_HOSTS": "matching.example.be", "RATELIMIT_STORAGE_URI": "memory://"}


def organisation_seal(path, passphrase: bytes) -> None:
    """A seal certificate as an organisation would have one (here: EC P-256, self-signed)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Stad Proef"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Zegel Stad Proef")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
            .sign(key, hashes.SHA256()))
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"zegel", key, cert, None, serialization.BestAvailableEncryption(passphrase)))


def test_production_refuses_to_start_without_a_seal(tmp_path):
    with pytest.raises(ConfigError, match="LETTER_SEAL_PKCS12"):
        load_config(str(tmp_path), PRODUCTION)
    with pytest.raises(Exception, match="production"):
        load_seal({"MATCHING_ENV": "production"}, str(tmp_path))
    assert not (tmp_path / "seal").exists()  # nothing generated


def test_production_refuses_a_wrong_passphrase_and_starts_with_the_right_one(tmp_path,
                                                                             monkeypatch):
    from matching.app import create_app

    path = tmp_path / "zegel.p12"
    organisation_seal(path, b"juist wachtwoord")
    monkeypatch.setenv("MATCHING_INSTANCE_PATH", str(tmp_path / "instance"))
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LETTER_SEAL_PKCS12", str(path))
    monkeypatch.setenv("LETTER_SEAL_PASSPHRASE", "fout")
    with pytest.raises(ConfigError, match="LETTER_SEAL_PASSPHRASE"):
        create_app()
    monkeypatch.setenv("LETTER_SEAL_PASSPHRASE", "juist wachtwoord")
    app = create_app()
    seal = app.extensions["letter_seal"]
    assert not seal.development and "Zegel Stad Proef" in seal.subject
    sealed = seal_pdf(sample_pdf(), seal, at=datetime(2026, 5, 4, 8, 0, tzinfo=UTC),
                      reason="Proef", location="Vlaanderen")
    check = check_seal(sealed, {seal.fingerprint})
    assert check.valid and check.signed_at == datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def test_development_generates_a_self_signed_seal_once(tmp_path):
    first = load_seal({"MATCHING_ENV": "development"}, str(tmp_path))
    again = load_seal({"MATCHING_ENV": "testing"}, str(tmp_path))
    assert first.development and first.fingerprint == again.fingerprint
    assert (tmp_path / "seal" / "development-seal.p12").is_file()
    assert "niet voor productie" in first.subject


def test_sealing_works_inside_a_running_event_loop(tmp_path):
    """pyHanko runs an asyncio loop of its own; a caller that already runs one (an async
    server, the browser tests' Playwright) still gets its seal and its check."""
    import asyncio

    seal = load_seal({"MATCHING_ENV": "testing"}, str(tmp_path))

    async def inside() -> bytes:
        return seal_pdf(sample_pdf(), seal, at=datetime(2026, 5, 4, 8, 0, tzinfo=UTC),
                        reason="Proef", location="Vlaanderen")

    sealed = asyncio.run(inside())

    async def check():
        return check_seal(sealed, {seal.fingerprint})

    assert asyncio.run(check()).valid
