"""What a candidacy's correspondence is built from, and how it is sent.

Each letter's content is built from the recorded facts (the sender, the recipients, the
candidacy), then issued: rendered, its immutable bytes stored with their SHA-256, and its
e-mail queued in the same transaction. The mail worker sends it after the commit; the
moment the server accepted a decision e-mail is its receipt (R-APP-1).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role, format_enterprise_number
from matching.audit.recording import audit
from matching.candidacies.models import Candidacy, Letter
from matching.core.dates import brussels_date
from matching.core.db import db, get_required
from matching.core.errors import N_
from matching.letters.content import Contact, LetterContent, LetterKind, Recipient, Sender
from matching.letters.render import render
from matching.mail.models import OutboxMessage
from matching.mail.outbox import envelope, queue_message
from workareas.models import Procedure


def sender_of(procedure: Procedure) -> Sender:
    version = procedure.published_version or procedure.current_version
    return Sender(
        work_area=procedure.work_area.name,
        governments=tuple(o.name for o in procedure.work_area.involved_governments),
        contacts=tuple(Contact(c.name, c.organisation, c.email, c.phone) for c in version.contacts))


def recipients_of(candidacy: Candidacy) -> tuple[Recipient, str]:
    """The organisation and the addresses its letters go to (its own and its applicants')."""
    organisation = candidacy.organisation
    emails = list(db.session.scalars(select(User.email).join(RoleGrant).where(
        RoleGrant.role == Role.APPLICANT, RoleGrant.organisation_id == organisation.id,
        User.active.is_(True)).order_by(User.email)))
    if organisation.email:
        emails.insert(0, organisation.email)
    emails = list(dict.fromkeys(emails))
    return (Recipient(organisation.name, format_enterprise_number(organisation.enterprise_number),
                      emails[0] if emails else ""), ", ".join(emails))


def base_content(kind: LetterKind, candidacy: Candidacy, now: datetime, reference: str,
          **facts) -> LetterContent:
    recipient, _ = recipients_of(candidacy)
    return LetterContent(kind=kind, reference=reference, letter_date=brussels_date(now),
                         sender=sender_of(candidacy.procedure), recipient=recipient,
                         candidacy_reference=candidacy.reference,
                         procedure_title=candidacy.procedure.title, **facts)


def appeal_how(procedure: Procedure) -> str:
    contacts = sender_of(procedure).contacts
    return contacts[0].email if contacts else ""


def candidacy_receipt(candidacy: Candidacy, now: datetime) -> LetterContent:
    version = candidacy.procedure.published_version
    if version is None or version.candidacy_deadline is None:
        # a candidacy is submitted to a published addendum, which has its deadline (R-ADD-1)
        raise RuntimeError(f"candidacy {candidacy.reference} was submitted to a procedure "
                           "without a published addendum with a candidacy deadline")
    titles = {c.code: c.title for c in version.challenges}
    return base_content(LetterKind.CANDIDACY_RECEIPT, candidacy, now, f"{candidacy.reference}/ONTV",
                 submitted_at=candidacy.submitted_at,
                 challenges=tuple(titles.get(c.challenge_code, c.challenge_code)
                                  for c in candidacy.contributions),
                 next_steps=((N_("Deadline voor kandidaturen"),
                              brussels_date(version.candidacy_deadline)),
                             (N_("Verwachte beslissing"), version.expected_decision_date)))


def issue(content: LetterContent, candidacy: Candidacy, *, actor: User | None, now: datetime,
          appeal_id: int | None = None, supersedes: Letter | None = None,
          correction_reason: str | None = None, locale: str = "nl") -> Letter:
    """Write the letter and queue its e-mail in the current transaction (never commits).

    Refused (IncompleteLetter) when a mandatory part is missing: then nothing is written.
    """

    subject, html, text, pdf, ics = render(content, locale)
    _, addresses = recipients_of(candidacy)
    letter = Letter(kind=content.kind, reference=content.reference,
                    version=(supersedes.version + 1) if supersedes else 1,
                    procedure_id=candidacy.procedure_id, candidacy_id=candidacy.id,
                    appeal_id=appeal_id, round=content.round, locale=locale, subject=subject,
                    recipients=addresses, html=html, text=text, pdf=pdf,
                    pdf_sha256=hashlib.sha256(pdf).hexdigest(), ics=ics,
                    appeal_deadline=content.appeal_deadline, created_at=now,
                    created_by_id=actor.id if actor else None,
                    supersedes_id=supersedes.id if supersedes else None,
                    correction_reason=correction_reason)
    db.session.add(letter)
    db.session.flush()  # the e-mail names the letter by its id
    queue_letter(letter, now=now,
                 domain=current_app.config.get("MAIL_DOMAIN", "lokalepartnerschappen.be"))
    audit("letter.issue", letter, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          step4=content.kind == LetterKind.EMERGENCY_OUTCOME, kind=content.kind,
          reference=content.reference, version=letter.version, sha256=letter.pdf_sha256)
    return letter


def queue_letter(letter: Letter, *, now: datetime, domain: str) -> OutboxMessage:
    """Queue the letter's e-mail in the current transaction; its Message-ID follows from the
    letter's reference, version and bytes, so a resent e-mail keeps it."""
    return queue_message(letter.recipients, letter.subject,
                         f"<{letter.reference.replace('/', '.')}.v{letter.version}."
                         f"{letter.pdf_sha256[:16]}@{domain}>", now=now, letter_id=letter.id)


def letter_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The e-mail of an outbox message: a letter's (its text, its HTML, its PDF and, for a
    pitch invitation, the .ics), or a plain message's own text."""
    mail = envelope(message, sender)
    if message.letter_id is None:
        mail.set_content(message.body_text or "")
        return mail
    letter = get_required(Letter, message.letter_id)
    mail["Content-Language"] = letter.locale
    mail.set_content(letter.text)
    mail.add_alternative(letter.html, subtype="html")
    mail.add_attachment(letter.pdf, maintype="application", subtype="pdf",
                        filename=letter.filename)
    if letter.ics:
        mail.add_attachment(letter.ics, maintype="text", subtype="calendar",
                            filename="pitch.ics", params={"method": "REQUEST"})
    return mail
