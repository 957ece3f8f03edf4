"""Retention (issue 18): a run on the demo moved in time pseudonymises exactly what has
expired, deletes the drafts past their period with their attachments, leaves the six
conditions and the final report as they were (only names become pseudonyms), keeps the
audit trail verifiable, and a second run changes nothing."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from werkzeug.security import generate_password_hash

from juries.models import ConflictDeclaration
from matching.accounts.models import AccountSession, User
from matching.audit.models import AuditEvent, AuditPersonalValue, Transition
from matching.audit.recording import audit
from matching.candidacies.models import Attachment, AttachmentContent, Candidacy
from matching.demo import load_demo
from matching.oversight.facts_queries import evaluate_procedure
from matching.oversight.report import final_report_html, report_context
from matching.privacy.retention import expired_drafts, run_retention
from matching.privacy.rules import PSEUDONYM_DOMAIN, PSEUDONYMISED_TEXT
from tests.helpers import bypass_append_only_trigger, count_rows
from workareas.models import ContactPerson, Procedure

TODAY = datetime(2025, 11, 5, 8, 30, tzinfo=UTC)
#: a day on, with drafts kept one month after their deadline (configuration): the drafts
#: of the closed procedures are past their period, those of the open one are not
A_DAY_ON = TODAY + timedelta(days=1)
#: three years on: every account unused since the demo is past its two years
THREE_YEARS_ON = TODAY + timedelta(days=3 * 365)
#: the record of a procedure that ended in 2025 is kept until 31 December 2035
RECORD_ENDED = datetime(2036, 1, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    monkeypatch.setattr("matching.accounts.passwords.generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))


def _outcomes(db, now: datetime) -> dict:
    """What must not change: per procedure the six conditions (status and the verdict of
    each finding), the candidacies' states and every decision's score and motivation."""
    result = {}
    for procedure in db.session.scalars(select(Procedure).order_by(Procedure.id)):
        conditions = [(c.number, c.status, tuple(f.ok for f in c.findings))
                      for c in evaluate_procedure(procedure.id, now, ratification=True)]
        context = report_context(procedure.id, now)
        files = [(f.candidacy.reference, f.candidacy.state,
                  sorted((r, d.criterion.value, str(d.score), d.motivation)
                         for r, ds in f.decisions.items() for d in ds))
                 for f in context["files"]]
        result[procedure.id] = (conditions, files)
    return result


def _verify(runner) -> tuple[int, str]:
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _attach(db, candidacy: Candidacy) -> None:
    data = b"%PDF-1.4 draft attachment"
    attachment = Attachment(candidacy=candidacy, filename="plan.pdf",
                            media_type="application/pdf", size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(),
                            storage_key=hashlib.sha256(str(candidacy.id).encode()).hexdigest(),
                            uploaded_at=candidacy.created_at)
    attachment.content = AttachmentContent(data=data)
    db.session.add(attachment)


def _personal_texts(db) -> str:
    """Everything where an address or a reason about a person can remain."""
    values = db.session.scalars(select(AuditPersonalValue.value)).all()
    reasons = db.session.scalars(select(Transition.reason)).all()
    summaries = db.session.scalars(select(AuditEvent.summary)).all()
    return "\n".join([*values, *reasons, *summaries])


def test_a_retention_run_on_the_demo_moved_in_time(app, db, runner, monkeypatch):
    monkeypatch.setitem(app.config, "PRIVACY_RETENTION_DRAFT_MONTHS", 1)
    load_demo(TODAY)
    db.session.commit()
    emails = {u.id: u.email for u in db.session.scalars(select(User))}
    assert db.session.scalar(select(func.count(AuditPersonalValue.id))) > 0
    # the hashed content names no address: the summaries hold digests only
    assert not any(e in s for s in db.session.scalars(select(AuditEvent.summary))
                   for e in emails.values())
    code, output = _verify(runner)
    assert code == 0, output

    # --- a year on: only the drafts of the closed procedures go ---------------------------
    drafts = db.session.scalars(select(Candidacy).where(Candidacy.submitted_at.is_(None))).all()
    expired = expired_drafts(A_DAY_ON)
    young = [c for c in drafts if c not in expired]
    assert expired and young, "the demo has drafts on both sides of the period"
    for candidacy in expired[:1] + young[:1]:
        _attach(db, candidacy)
    db.session.commit()
    expired_ids = {c.id for c in expired}
    young_ids = {c.id for c in young}
    attachments_before = count_rows(db, Attachment)
    before = _outcomes(db, A_DAY_ON)
    events_before = count_rows(db, AuditEvent)

    dry = run_retention(now=A_DAY_ON, dry_run=True)
    db.session.rollback()
    assert (dry.procedures, dry.accounts, dry.drafts, dry.attachments) == (
        0, 0, len(expired_ids), 1)
    assert count_rows(db, AuditEvent) == events_before  # a dry run records nothing

    candidacies = count_rows(db, Candidacy)
    result = runner.invoke(args=["retention", "run", "--dry-run"])  # today: nothing is due
    assert result.exit_code == 0, result.output
    assert "proefdraai" in result.output and count_rows(db, Candidacy) == candidacies

    done = run_retention(now=A_DAY_ON)
    db.session.commit()
    assert done == dry
    remaining = set(db.session.scalars(select(Candidacy.id)))
    assert not remaining & expired_ids and young_ids <= remaining
    assert count_rows(db, Attachment) == attachments_before - 1
    assert count_rows(db, AttachmentContent) == count_rows(db, Attachment)
    assert not db.session.scalars(select(Transition).where(
        Transition.object_type == "candidacy", Transition.object_id.in_(expired_ids))).all()
    assert {u.id: u.email for u in db.session.scalars(select(User))} == emails
    assert count_rows(db, AuditEvent) == events_before + 1
    run = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert run.action == "retention.run" and json.loads(run.summary)["drafts"] == len(expired_ids)
    after = _outcomes(db, A_DAY_ON)
    for pid in before:  # the deleted drafts never took part: the outcomes stay
        assert after[pid][0] == before[pid][0]
        assert [f for f in after[pid][1]] == [f for f in before[pid][1]
                                              if f[0] not in {c.reference for c in expired}]

    # a second run changes nothing
    again = run_retention(now=A_DAY_ON)
    db.session.commit()
    assert not again.anything and count_rows(db, AuditEvent) == events_before + 1

    # --- three years on: every account but the one that signed in recently ---------------
    recent, other = db.session.scalars(select(User).order_by(User.id)).all()[:2]
    audit("user.login", recent, actor=recent, now=THREE_YEARS_ON - timedelta(days=30),
          procedure_id=None)
    db.session.add(AccountSession(token_hash="x" * 64, user_id=other.id, created_at=TODAY,
                                  last_seen_at=TODAY))
    db.session.commit()
    before = _outcomes(db, THREE_YEARS_ON)
    done = run_retention(now=THREE_YEARS_ON)
    db.session.commit()
    assert (done.procedures, done.accounts, done.drafts) == (0, len(emails) - 1, len(young))
    for user in db.session.scalars(select(User)):
        if user.id == recent.id:
            assert user.email == emails[user.id] and user.pseudonymised_at is None
            continue
        assert user.pseudonymised_at is not None and not user.active
        assert user.name.startswith("Persoon ") and user.email.endswith("@" + PSEUDONYM_DOMAIN)
        assert user.totp_secret is None and user.phone == "" and user.password_hash is None
    assert count_rows(db, AccountSession) == 0
    texts = _personal_texts(db)
    for uid, address in emails.items():
        if uid != recent.id:
            assert address not in texts, address
    after = _outcomes(db, THREE_YEARS_ON)
    assert after == before
    code, output = _verify(runner)
    assert code == 0, output

    # the pseudonyms are stable: the same account, the same pseudonym, run after run
    pseudonyms = {u.id: (u.name, u.email) for u in db.session.scalars(select(User))}
    assert len({p for p, _ in pseudonyms.values()}) == len(pseudonyms)

    # --- the record's period has ended: the procedures' personal data go too -------------
    before = _outcomes(db, RECORD_ENDED)
    monkeypatch.setitem(app.config, "CLOCK", lambda: RECORD_ENDED)
    result = runner.invoke(args=["retention", "run"])  # what the daily schedule runs
    assert result.exit_code == 0, result.output
    procedures = count_rows(db, Procedure)
    assert f"{procedures} procedures en 1 accounts gepseudonimiseerd" in result.output
    db.session.expire_all()
    assert all(p.pseudonymised_at for p in db.session.scalars(select(Procedure)))
    for contact in db.session.scalars(select(ContactPerson)):
        assert contact.name.startswith("Persoon ") and contact.phone == ""
    assert set(db.session.scalars(select(ConflictDeclaration.reason))) <= {PSEUDONYMISED_TEXT}
    texts = _personal_texts(db)
    assert not any(address in texts for address in emails.values())
    assert _outcomes(db, RECORD_ENDED) == before
    for procedure in db.session.scalars(select(Procedure)):  # the report still renders
        html = final_report_html(procedure.id, RECORD_ENDED)
        assert not any(address in html for address in emails.values())
    assert {u.id: (u.name, u.email) for u in db.session.scalars(select(User))
            if u.id != recent.id} == {k: v for k, v in pseudonyms.items() if k != recent.id}

    events = count_rows(db, AuditEvent)
    assert not run_retention(now=RECORD_ENDED + timedelta(days=1)).anything
    db.session.commit()
    assert count_rows(db, AuditEvent) == events

    # the trail still verifies, and a changed entry is still found
    code, output = _verify(runner)
    assert code == 0, output
    # the third entry (ids keep counting across tests on PostgreSQL)
    victim = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id).offset(2).limit(1))
    db.session.commit()
    with db.engine.begin() as conn:
        bypass_append_only_trigger(conn)
        conn.execute(text("UPDATE audit_event SET summary = '{}' WHERE id = :id"), {"id": victim})
    db.session.expire_all()
    code, output = _verify(runner)
    assert code == 1 and str(victim) in output


def test_a_personal_value_of_the_trail_is_kept_apart_and_pseudonymised_alone(app, db, runner):
    """The hash covers the digest only: the value may become a pseudonym; the summary
    itself stays append-only (PostgreSQL refuses to change it)."""
    load_demo(TODAY)
    db.session.commit()
    value = db.session.scalars(select(AuditPersonalValue).order_by(AuditPersonalValue.id)).first()
    event = db.session.get(AuditEvent, value.event_id)
    assert json.loads(event.summary)[value.key] == {"@personal": value.digest}
    value.value = json.dumps("Iemand anders")  # changed outside the retention run: found
    db.session.commit()
    code, output = _verify(runner)
    assert code == 1 and str(event.id) in output and "personal values changed" in output
    value.value = json.dumps("Persoon 0123456789ab")  # as the retention run does it
    value.pseudonymised_at = TODAY
    db.session.commit()
    code, output = _verify(runner)
    assert code == 0, output
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.exc import DBAPIError

        with pytest.raises(DBAPIError):
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE audit_event SET summary = '{}' WHERE id = :id"),
                             {"id": event.id})


def test_the_trail_shows_a_personal_value_kept_apart_without_its_digest(app):
    from matching.oversight.trail import details

    digest = "ab" * 32
    with app.test_request_context():
        words = details(json.dumps({"chair": {"@personal": digest}, "round": 1}), "jury")
    assert digest not in words and "persoonsgegeven, apart bewaard" in words
