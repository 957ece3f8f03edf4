"""The migrations build exactly what the models describe; the constraints hold."""

from datetime import datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import exc

from matching.app.config import ConfigError, load_config
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import CandidacyState
from matching.core.dates import format_brussels


def test_the_migrated_schema_matches_the_models(db):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_instants_come_back_in_utc(world, db):
    db.session.commit()
    db.session.expire_all()
    assert world.admin.created_at.utcoffset() == timedelta(0)
    assert world.admin.created_at == world.clock.now


def test_naive_instants_are_refused(world, db):
    world.admin.created_at = datetime(2025, 1, 1)
    with pytest.raises(exc.StatementError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("state, submitted", [
    (CandidacyState.SUBMITTED, False),  # submitted without a submission instant
    (CandidacyState.DRAFT, True),  # a draft with one
])
def test_state_dependent_columns_are_guarded(world, db, state, submitted):
    world.published_procedure()
    org = world.organisation("X vzw")
    db.session.add(Candidacy(organisation_id=org.id, procedure_id=world.procedure.id, state=state,
                             reference="REF", created_at=world.clock.now,
                             submitted_at=world.clock.now if submitted else None,
                             declares_individual=True, declares_not_invoice_only=True,
                             declares_partnership_commitment=True, declares_quality_framework=True))
    with pytest.raises(exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_submitted_candidacy_carries_its_declarations(world, db):
    world.published_procedure()
    org = world.organisation("X vzw")
    db.session.add(Candidacy(organisation_id=org.id, procedure_id=world.procedure.id,
                             state=CandidacyState.SUBMITTED, reference="REF",
                             created_at=world.clock.now, submitted_at=world.clock.now))
    with pytest.raises(exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("key", ["", "dev", "short-key", "changeme"])
def test_production_refuses_a_missing_or_weak_secret_key(tmp_path, key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path), {"MATCHING_ENV": "production", "SECRET_KEY": key})


def test_production_accepts_a_strong_secret_key(tmp_path):
    key = "k" * 16 + "0123456789abcdef0123"
    config = load_config(str(tmp_path), {"MATCHING_ENV": "production", "SECRET_KEY": key,
                                         "AUDIT_KEY": "a" * 32,
                                         "DATABASE_URL": "postgresql://u@h/db",
                                         "BASE_URL": "https://matching.example.be/",
                                         "LETTER_SEAL_PKCS12": "/etc/zegel.p12",
                                         "TRUSTED_HOSTS": "matching.example.be",
                                         "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"})
    assert config["SECRET_KEY"] == key and config["SESSION_COOKIE_SECURE"]
    assert config["BASE_URL"] == "https://matching.example.be"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize("audit_key", [None, "", "dev", "short-key", "k" * 40])
def test_production_refuses_a_missing_weak_or_reused_audit_key(tmp_path, audit_key):
    """The audit trail's HMAC key: outside the database, strong, not the SECRET_KEY."""
    env = {"MATCHING_ENV": "production", "SECRET_KEY": "k" * 40,
           "BASE_URL": "https://matching.example.be", "LETTER_SEAL_PKCS12": "/etc/zegel.p12"}
    if audit_key is not None:
        env["AUDIT_KEY"] = audit_key
    with pytest.raises(ConfigError, match="AUDIT_KEY"):
        load_config(str(tmp_path), env)


@pytest.mark.parametrize("base_url", ["", "matching.example.be", "javascript:alert(1)",
                                      "https://matching.example.be/?next=x", "https://a b"])
def test_production_refuses_a_missing_or_malformed_base_url(tmp_path, base_url):
    """The links in e-mails start with BASE_URL: without one, or with something that is not
    the address of a site, production does not start."""
    with pytest.raises(ConfigError, match="BASE_URL"):
        load_config(str(tmp_path), {"MATCHING_ENV": "production", "SECRET_KEY": "k" * 40,
                                    "BASE_URL": base_url})


def test_development_defaults_to_sqlite_in_the_instance_folder(tmp_path):
    config = load_config(str(tmp_path), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/matching.db"


def test_the_landing_page_lists_published_addenda(world, db, client):
    world.published_procedure()
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Regio Aalst" in page and "Aalst, Erpe-Mere, Lede" in page
    assert format_brussels(world.procedure.candidacy_deadline) in page  # Brussels time


def test_the_landing_page_names_the_state_in_dutch(world, db, client):
    world.published_procedure()
    db.session.commit()
    assert "kandidaturen open" in client.get("/").get_data(as_text=True)
