"""The retention run (issue 18, ``flask --app matching.app retention run``): safe to run
daily, a second run changes nothing.

What it does, each when its period (:mod:`matching.privacy.rules`) has ended:

* **A procedure's personal data** are pseudonymised: the names, e-mail addresses and phone
  numbers of the addendum's contact persons; the reasons of conflicts of interest; the
  reasons an applicant gave for withdrawing (free text that may name people); the e-mail
  addresses of the appeal panels in the state transitions; and the personal values of
  the procedure's audit entries (:class:`~matching.audit.models.AuditPersonalValue`:
  addresses become the people's pseudonymous addresses, free-text reasons
  ``[gepseudonimiseerd]``). Kept as they are: the decisions, scores, votes, motivations
  (of the jury, a decision's reasons), inadmissibility reasons, appeals and observations,
  letters and the final report (sealed documents of the record), the organisations
  (legal persons) and every statistic; the accounts of the people who took part are
  pseudonymised by their own period.
* **An account** inactive beyond its period (last sign-in or other recorded step, else its
  creation) becomes ``Persoon 7f3a…`` with an undeliverable address
  (``persoon-7f3a…@pseudoniem.invalid``), no phone, no password, no second factor; its
  sessions, recovery codes and pending daily overviews are deleted, its address is
  replaced in the audit trail's personal values, the state transitions and the outbox.
  The account stays (deactivated): scores, votes and decisions keep their author, as a
  pseudonym. Its sign-in events stay in the audit trail: they name the account by id only.
* **A candidacy never submitted** is deleted with its answers, contributions and
  attachments (their bytes are rows of ``attachment_content``: nothing is left on disk)
  and its state transitions; its audit entries stay (the chain cannot lose an entry),
  their personal values pseudonymised.

Pseudonyms are stable: an HMAC of the record's id with the audit key. The audit entries'
hashed content is never touched (only ``audit_personal_value`` rows change), so ``flask
audit verify`` still passes. A run that changed something is recorded in the audit trail
(``retention.run``, with its counts); a run that found nothing records nothing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import delete, exists, func, select

from appeals.models import Appeal
from juries.models import ConflictDeclaration
from matching.accounts.models import AccountSession, DigestItem, RecoveryCode, User
from matching.audit.keys import audit_key
from matching.audit.models import AuditEvent, AuditPersonalValue, Transition
from matching.audit.recording import audit
from matching.candidacies.models import Candidacy, Letter
from matching.core.db import db
from matching.core.operation import operation
from matching.mail.models import OutboxMessage
from matching.privacy.notice import retention_of
from matching.privacy.rules import (
    PSEUDONYM_DOMAIN,
    PSEUDONYMISED_TEXT,
    account_expired,
    draft_expired,
    procedure_expired,
    pseudonym_email,
    pseudonym_name,
    pseudonym_token,
    replace_all,
)
from workareas.models import Procedure

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
#: Audit actions whose personal "reason" is a list of addresses, not free text.
_ADDRESS_REASONS = frozenset({"appeal.assign_panel"})


@dataclass(frozen=True)
class RetentionReport:
    """What a run did (or, dry, would do)."""

    procedures: int
    accounts: int
    drafts: int
    attachments: int

    @property
    def anything(self) -> bool:
        return bool(self.procedures or self.accounts or self.drafts)


class RetentionRun:
    """The audit entry's object: the run itself (no row of its own)."""

    __tablename__ = "retention"
    id = None


# --- what has expired ------------------------------------------------------------------


def expired_procedures(now: datetime) -> list[Procedure]:
    """Procedures not yet pseudonymised whose record period has ended."""
    periods = retention_of(current_app.config)
    last_step = (select(func.max(Transition.at))
                 .where(Transition.object_type == Procedure.__tablename__,
                        Transition.object_id == Procedure.id).scalar_subquery())
    rows = db.session.execute(select(Procedure, last_step)
                              .where(Procedure.pseudonymised_at.is_(None))
                              .order_by(Procedure.id)).all()
    return [p for p, last in rows
            if procedure_expired(periods.programme_end_year, periods.record_years,
                                 p.ratified_at or last or p.created_at, now)]


def expired_accounts(now: datetime) -> list[User]:
    """Accounts not yet pseudonymised, unused beyond their period."""
    years = retention_of(current_app.config).account_years
    last_event = (select(func.max(AuditEvent.at)).where(AuditEvent.actor_id == User.id)
                  .scalar_subquery())
    last_seen = (select(func.max(AccountSession.last_seen_at))
                 .where(AccountSession.user_id == User.id).scalar_subquery())
    rows = db.session.execute(select(User, last_event, last_seen)
                              .where(User.pseudonymised_at.is_(None))
                              .order_by(User.id)).all()
    return [u for u, event_at, seen_at in rows
            if account_expired(max(t for t in (u.created_at, event_at, seen_at)
                                   if t is not None), years, now)]


def expired_drafts(now: datetime) -> list[Candidacy]:
    """Candidacies never submitted, past the draft period after their deadline. One that a
    letter names (none should) is left alone: a letter is part of the record."""
    months = retention_of(current_app.config).draft_months
    drafts = db.session.scalars(
        select(Candidacy).where(Candidacy.submitted_at.is_(None),
                                ~exists().where(Letter.candidacy_id == Candidacy.id))
        .order_by(Candidacy.id)).all()
    return [c for c in drafts
            if draft_expired(c.procedure.candidacy_deadline, c.created_at, months, now)]


# --- the run ---------------------------------------------------------------------------


@operation
def run_retention(*, now: datetime, dry_run: bool = False) -> RetentionReport:
    """Pseudonymise and delete what has expired at ``now`` (see the module); ``dry_run``:
    only count. Never commits."""
    procedures, accounts = expired_procedures(now), expired_accounts(now)
    drafts = expired_drafts(now)
    report = RetentionReport(len(procedures), len(accounts), len(drafts),
                             sum(len(c.attachments) for c in drafts))
    if dry_run or not report.anything:
        return report
    key = audit_key()
    known = {u.email.lower(): pseudonym_email(key, "user", u.id)
             for u in db.session.scalars(select(User))}
    for procedure in procedures:
        _pseudonymise_procedure(procedure, key, known, now)
    for user in accounts:
        _pseudonymise_account(user, key, now)
    for candidacy in drafts:
        _delete_draft(candidacy, key, known, now)
    db.session.flush()
    audit("retention.run", RetentionRun(), actor=None, now=now, procedure_id=None,
          procedures=report.procedures, accounts=report.accounts, drafts=report.drafts,
          attachments=report.attachments)
    return report


def _pseudonymise_procedure(procedure: Procedure, key: bytes, known: dict[str, str],
                            now: datetime) -> None:
    for version in procedure.versions:
        for contact in version.contacts:
            contact.name = pseudonym_name(key, "contact_person", contact.id)
            contact.email = pseudonym_email(key, "contact_person", contact.id)
            contact.phone = ""
    candidacy_ids = select(Candidacy.id).where(Candidacy.procedure_id == procedure.id)
    for declaration in db.session.scalars(select(ConflictDeclaration).where(
            ConflictDeclaration.candidacy_id.in_(candidacy_ids))):
        declaration.reason = PSEUDONYMISED_TEXT
    for candidacy in db.session.scalars(select(Candidacy).where(
            Candidacy.procedure_id == procedure.id, Candidacy.withdrawal_reason.is_not(None),
            Candidacy.withdrawal_reason != "")):
        candidacy.withdrawal_reason = PSEUDONYMISED_TEXT
    _pseudonymise_transitions(candidacy_ids, key, known)
    _pseudonymise_values(select(AuditEvent.id).where(AuditEvent.procedure_id == procedure.id),
                         key, known, now)
    procedure.pseudonymised_at = now


def _pseudonymise_transitions(candidacy_ids: Any, key: bytes, known: dict[str, str]) -> None:
    """The withdrawal reasons of these candidacies and the panel addresses of their
    appeals, in the state transitions (not hashed: the audit entries hold digests)."""
    for row in db.session.scalars(select(Transition).where(
            Transition.object_type == Candidacy.__tablename__,
            Transition.object_id.in_(candidacy_ids), Transition.step == "withdraw",
            Transition.reason != "")):
        row.reason = PSEUDONYMISED_TEXT
    for row in db.session.scalars(select(Transition).where(
            Transition.object_type == Appeal.__tablename__,
            Transition.object_id.in_(select(Appeal.id).where(
                Appeal.candidacy_id.in_(candidacy_ids))),
            Transition.reason.contains("@"))):
        row.reason = _pseudonymise_addresses(row.reason, key, known)


def _pseudonymise_addresses(text: str, key: bytes, known: dict[str, str]) -> str:
    """Every e-mail address in ``text`` becomes its person's pseudonymous address (an
    address of no account: a pseudonym of the address itself)."""
    def one(match: re.Match) -> str:
        address = match.group(0).lower()
        if address.endswith("@" + PSEUDONYM_DOMAIN):
            return match.group(0)
        return known.get(address) or (
            f"persoon-{pseudonym_token(key, 'address', address)}@{PSEUDONYM_DOMAIN}")
    return _EMAIL.sub(one, text)


def _pseudonymise_values(event_ids: Any, key: bytes, known: dict[str, str],
                         now: datetime) -> None:
    rows = db.session.execute(
        select(AuditPersonalValue, AuditEvent.action)
        .join(AuditEvent, AuditEvent.id == AuditPersonalValue.event_id)
        .where(AuditPersonalValue.event_id.in_(event_ids))).all()
    for value, action in rows:
        if value.key == "reason" and action not in _ADDRESS_REASONS:
            new = json.dumps(PSEUDONYMISED_TEXT, ensure_ascii=False)
        else:
            new = _pseudonymise_addresses(value.value, key, known)
        if new != value.value:
            value.value, value.pseudonymised_at = new, now


def _pseudonymise_account(user: User, key: bytes, now: datetime) -> None:
    old_email, old_name = user.email.lower(), user.name
    new_email = pseudonym_email(key, "user", user.id)
    new_name = pseudonym_name(key, "user", user.id)
    replacements = {old_email: new_email}
    if len(old_name.strip()) >= 3:
        replacements[old_name] = new_name
    user.name, user.email, user.phone = new_name, new_email, ""
    user.password_hash = user.totp_secret = None
    user.totp_confirmed_at = user.totp_last_step = None
    user.locale = None
    user.active = False
    user.deactivated_at = user.deactivated_at or now
    user.pseudonymised_at = now
    for model in (AccountSession, RecoveryCode, DigestItem):
        db.session.execute(delete(model).where(model.user_id == user.id))
    pattern = f"%{old_email}%"
    for value in db.session.scalars(select(AuditPersonalValue).where(
            func.lower(AuditPersonalValue.value).like(pattern))):
        value.value = replace_all(value.value, {old_email: new_email})
        value.pseudonymised_at = now
    for row in db.session.scalars(select(Transition).where(
            func.lower(Transition.reason).like(pattern))):
        row.reason = replace_all(row.reason, {old_email: new_email})
    for message in db.session.scalars(select(OutboxMessage).where(
            func.lower(OutboxMessage.to_addresses).like(pattern))):
        message.to_addresses = replace_all(message.to_addresses, {old_email: new_email})
        if message.body_text:
            message.body_text = replace_all(message.body_text, replacements)


def _delete_draft(candidacy: Candidacy, key: bytes, known: dict[str, str],
                  now: datetime) -> None:
    events = select(AuditEvent.id).where(
        AuditEvent.object_type == Candidacy.__tablename__,
        AuditEvent.object_id == candidacy.id)
    _pseudonymise_values(events, key, known, now)
    db.session.execute(delete(Transition).where(
        Transition.object_type == Candidacy.__tablename__,
        Transition.object_id == candidacy.id))
    db.session.delete(candidacy)  # answers, contributions, attachments and their bytes
