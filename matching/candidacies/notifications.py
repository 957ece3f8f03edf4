"""What a candidacy's correspondence is built from, and how it is sent.

Each letter's content is built from the recorded facts (the sender, the recipients, the
candidacy), then issued: its HTML and text recorded with their SHA-256, immutable, and its
e-mail queued, in the deciding transaction (:func:`issue`). After the commit the mail
worker renders the PDF, seals it and stores it once (:func:`sealed_pdf`), then sends the
e-mail with it (:func:`letter_email`); the moment the server accepted a decision e-mail is
its receipt (R-APP-1).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.message import EmailMessage

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.rules import Role, format_enterprise_number
from matching.audit.recording import audit
from matching.candidacies.models import Candidacy, CandidacyVersion, Letter, LetterPdf
from matching.candidacies.rules import APPEAL_WINDOW_DAYS, appeal_deadline
from matching.core import signals
from matching.core.dates import brussels_date
from matching.core.db import db, get_required
from matching.core.errors import N_
from matching.core.web import external_url
from matching.letters.content import Contact, LetterContent, LetterKind, Recipient, Sender
from matching.letters.render import render, render_pdf
from matching.letters.seal import current_seal, seal_pdf
from matching.mail.models import OutboxMessage
from matching.mail.outbox import attach_calendar, envelope, queue_message
from workareas.models import Procedure

#: The reason and place a letter's seal states (the PDF's signature dictionary).
SEAL_REASON = N_("Brief %(reference)s, versie %(version)s, verzonden namens de lokale besturen "
                 "van %(area)s")
SEAL_LOCATION = N_("Vlaanderen")


def sender_of(procedure: Procedure) -> Sender:
    version = procedure.published_version or procedure.current_version
    area = procedure.work_area
    return Sender(
        work_area=area.name, governments=tuple(o.name for o in area.involved_governments),
        contacts=tuple(Contact(c.name, c.organisation, c.email, c.phone) for c in version.contacts),
        postal_address=area.postal_address, signatory_name=area.signatory_name.strip(),
        signatory_function=area.signatory_function.strip())


#: ``db.session.info`` key: the addresses of organisations, read once per transaction.
_RECIPIENTS = "candidacies.recipients"


def recipients_of(candidacy: Candidacy) -> tuple[Recipient, str]:
    """The organisation and the addresses its letters go to (its own and its applicants'),
    read once per transaction (:func:`prefetch_recipients`)."""
    cache = db.session.info.get(_RECIPIENTS, {})
    if candidacy.organisation_id not in cache:
        prefetch_recipients([candidacy])
        cache = db.session.info[_RECIPIENTS]
    return cache[candidacy.organisation_id]


def prefetch_recipients(candidacies: list[Candidacy]) -> None:
    """Read the addresses of these candidacies' organisations in one statement (closing a
    round writes a letter to each). Kept until the transaction ends, or until an account,
    a role or an organisation changes in it."""
    organisations = {c.organisation_id: c.organisation for c in candidacies}
    emails: dict[int, list[str]] = {oid: [] for oid in organisations}
    for oid, email in db.session.execute(
            select(RoleGrant.organisation_id, User.email).join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == Role.APPLICANT,
                   RoleGrant.organisation_id.in_(list(organisations)),
                   User.active.is_(True)).order_by(User.email)):
        emails[oid].append(email)
    cache = db.session.info.setdefault(_RECIPIENTS, {})
    for oid, organisation in organisations.items():
        found = list(dict.fromkeys(([organisation.email] if organisation.email else [])
                                   + emails[oid]))
        cache[oid] = (Recipient(organisation.name,
                                format_enterprise_number(organisation.enterprise_number),
                                found[0] if found else ""), ", ".join(found))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_recipients(session, *args) -> None:
    session.info.pop(_RECIPIENTS, None)


@event.listens_for(Session, "before_flush")
def _forget_changed_recipients(session, flush_context, instances) -> None:
    if _RECIPIENTS in session.info and any(
            isinstance(obj, (User, RoleGrant, Organisation))
            for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop(_RECIPIENTS, None)


def base_content(kind: LetterKind, candidacy: Candidacy, now: datetime, reference: str,
          **facts) -> LetterContent:
    recipient, _ = recipients_of(candidacy)
    return LetterContent(kind=kind, reference=reference, letter_date=brussels_date(now),
                         sender=sender_of(candidacy.procedure), recipient=recipient,
                         candidacy_reference=candidacy.reference,
                         procedure_title=candidacy.procedure.title, **facts)


def appeal_how(candidacy: Candidacy) -> str:
    """The one appeal route a decision letter names (R-APP-1, issue 12): the address of the
    platform's appeal form for this candidacy. An appeal that reaches the coordinator by
    e-mail or post is registered there by the coordinator, with the moment it arrived."""
    return external_url("applicant_appeals.appeal", candidacy_id=candidacy.id)


def inadmissibility(candidacy: Candidacy, now: datetime,
                    received_at: datetime | None = None) -> LetterContent:
    """Issue 12: the motivated inadmissibility, with how (the platform's appeal form) and until
    when to appeal it (counted from the letter's date, or from ``received_at`` in the version
    written after a late receipt)."""
    return base_content(LetterKind.INADMISSIBLE, candidacy, now, f"{candidacy.reference}/ONONTV",
                        round=0, inadmissible_reason=candidacy.inadmissible_reason or "",
                        appeal_deadline=appeal_deadline(received_at or now),
                        appeal_how=appeal_how(candidacy), appeal_window_days=APPEAL_WINDOW_DAYS,
                        decision_received_at=received_at)


def candidacy_receipt(candidacy: Candidacy, now: datetime,
                      submitted: CandidacyVersion | None = None) -> LetterContent:
    """The receipt of a submission; a corrected candidacy's receipt names its version
    (issue 13) and has its own reference."""
    version = candidacy.procedure.published_version
    if version is None or version.candidacy_deadline is None:
        # a candidacy is submitted to a published addendum, which has its deadline (R-ADD-1)
        raise RuntimeError(f"candidacy {candidacy.reference} was submitted to a procedure "
                           "without a published addendum with a candidacy deadline")
    titles = {c.code: c.title for c in version.challenges}
    number = submitted.number if submitted is not None else 1
    reference = f"{candidacy.reference}/ONTV" + (f"-V{number}" if number > 1 else "")
    extra = ({"version": number, "addendum_version": submitted.addendum_version}
             if submitted is not None else {})
    return base_content(LetterKind.CANDIDACY_RECEIPT, candidacy, now, reference,
                 submitted_at=candidacy.submitted_at,
                 challenges=tuple(titles.get(c.challenge_code, c.challenge_code)
                                  for c in candidacy.contributions),
                 next_steps=((N_("Deadline voor kandidaturen"),
                              brussels_date(version.candidacy_deadline)),
                             (N_("Verwachte beslissing"), version.expected_decision_date)),
                 extra=extra)


def issue(content: LetterContent, candidacy: Candidacy, *, actor: User | None, now: datetime,
          appeal_id: int | None = None, supersedes: Letter | None = None,
          correction_reason: str | None = None, locale: str = "nl") -> Letter:
    """Record the letter (HTML, text, their SHA-256, the version) and queue its e-mail in
    the current transaction (never commits). The PDF follows after the commit
    (:func:`sealed_pdf`, by the mail worker).

    Refused (IncompleteLetter) when a mandatory part is missing: then nothing is written.
    """
    letter = _record(content, candidacy, actor=actor, now=now, appeal_id=appeal_id,
                     supersedes=supersedes, correction_reason=correction_reason, locale=locale)
    db.session.flush()  # the e-mail names the letter by its id
    _queue(letter, content, candidacy, actor=actor, now=now)
    return letter


def issue_many(items: list[tuple[LetterContent, Candidacy]], *, actor: User | None,
               now: datetime, locale: str = "nl") -> list[Letter]:
    """:func:`issue` for the first version of many letters at once (closing a round writes
    one per candidacy): the letters are inserted together, in one flush."""
    letters = [_record(content, candidacy, actor=actor, now=now, locale=locale)
               for content, candidacy in items]
    db.session.flush()
    for letter, (content, candidacy) in zip(letters, items, strict=True):
        _queue(letter, content, candidacy, actor=actor, now=now)
    return letters


def _record(content: LetterContent, candidacy: Candidacy, *, actor: User | None, now: datetime,
            appeal_id: int | None = None, supersedes: Letter | None = None,
            correction_reason: str | None = None, locale: str = "nl") -> Letter:
    version = (supersedes.version + 1) if supersedes else 1
    subject, html, text, ics = render(content, locale, version)
    _, addresses = recipients_of(candidacy)
    letter = Letter(kind=content.kind, reference=content.reference, version=version,
                    procedure_id=candidacy.procedure_id, candidacy_id=candidacy.id,
                    appeal_id=appeal_id, round=content.round, locale=locale, subject=subject,
                    recipients=addresses, html=html, text=text,
                    content_sha256=hashlib.sha256(html.encode("utf-8")).hexdigest(), ics=ics,
                    appeal_deadline=content.appeal_deadline, created_at=now,
                    created_by_id=actor.id if actor else None,
                    supersedes_id=supersedes.id if supersedes else None,
                    correction_reason=correction_reason)
    db.session.add(letter)
    return letter


def _queue(letter: Letter, content: LetterContent, candidacy: Candidacy, *,
           actor: User | None, now: datetime) -> None:
    queue_letter(letter, now=now,
                 domain=current_app.config.get("MAIL_DOMAIN", "lokalepartnerschappen.be"),
                 reply_to=content.sender.contacts[0].email if content.sender.contacts else None)
    audit("letter.issue", letter, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          step4=content.kind == LetterKind.EMERGENCY_OUTCOME, kind=content.kind,
          reference=content.reference, version=letter.version,
          content_sha256=letter.content_sha256)


def queue_letter(letter: Letter, *, now: datetime, domain: str,
                 reply_to: str | None = None) -> OutboxMessage:
    """Queue the letter's e-mail in the current transaction; its Message-ID follows from the
    letter's reference, version and recorded content, so a resent e-mail keeps it."""
    return queue_message(letter.recipients, letter.subject,
                         f"<{letter.reference.replace('/', '.')}.v{letter.version}."
                         f"{letter.content_sha256[:16]}@{domain}>", now=now, letter_id=letter.id,
                         reply_to=reply_to)


def verification_url(reference: str) -> str:
    """The public page that shows the SHA-256 and the sealing moment of every version of
    the letter ``reference``."""
    return external_url("letter_verification.verify", kenmerk=reference)


def sealed_pdf(letter: Letter, *, now: datetime) -> LetterPdf:
    """The letter's PDF, rendered, sealed, hashed and stored once, then always the same.

    Rendered from the recorded HTML (the real creation moment ``now``, the footer with the
    reference, "1 / 2" and where to check the seal), sealed, and stored with its SHA-256
    and an audit event in a transaction of its own, committed here. A second worker that
    rendered the same version at the same time loses the race on the letter's key and
    takes the stored one: there is never a second, different PDF of one version."""
    stored = db.session.get(LetterPdf, letter.id)
    if stored is not None:
        return stored
    seal = current_seal()
    area = get_required(Procedure, letter.procedure_id).work_area.name
    pdf = render_pdf(letter.html, reference=letter.reference, version=letter.version,
                     locale=letter.locale, created_at=now,
                     verify_url=verification_url(letter.reference),
                     online_url=external_url("applicant.letter", letter_id=letter.id))
    with force_locale(letter.locale):
        reason = gettext(SEAL_REASON, reference=letter.reference, version=letter.version,
                         area=area)
        location = gettext(SEAL_LOCATION)
    sealed = seal_pdf(pdf, seal, at=now, reason=reason, location=location)
    row = LetterPdf(letter_id=letter.id, pdf=sealed, sha256=hashlib.sha256(sealed).hexdigest(),
                    rendered_at=now, sealed_at=now, seal_fingerprint=seal.fingerprint)
    db.session.add(row)
    try:
        audit("letter.seal", letter, actor=None, now=now, procedure_id=letter.procedure_id,
              step4=letter.kind == LetterKind.EMERGENCY_OUTCOME, reference=letter.reference,
              version=letter.version, sha256=row.sha256, seal=seal.fingerprint)
        db.session.commit()
    except IntegrityError:  # another worker stored this version's PDF first
        db.session.rollback()
        return get_required(LetterPdf, letter.id)
    return row


def letter_email(message: OutboxMessage, sender: str, now: datetime) -> EmailMessage:
    """The e-mail of an outbox message: a letter's (a short note with the link to the
    letter's page, its text, its HTML, its sealed PDF and, for a pitch invitation, the
    .ics), or a plain message's own text. A letter's PDF is made first if it is not there
    yet (:func:`sealed_pdf`): the e-mail never leaves without it."""
    if message.letter_id is None:
        mail = envelope(message, sender)
        mail.set_content(message.body_text or "")
        attach_calendar(mail, message)
        return mail
    letter = get_required(Letter, message.letter_id)
    stored = sealed_pdf(letter, now=now)
    mail = envelope(message, sender)
    link = external_url("applicant.letter", letter_id=letter.id)
    with force_locale(letter.locale):
        note_text = render_template("mail/letter_note.txt", link=link).strip()
        note_html = render_template("mail/letter_note.html", link=link).strip()
    mail.set_content(f"{note_text}\n\n{'-' * 72}\n\n{letter.text}")
    mail.add_alternative(letter.html.replace("<main>", f"<main>\n{note_html}", 1),
                         subtype="html")
    mail.add_attachment(stored.pdf, maintype="application", subtype="pdf",
                        filename=letter.filename)
    if letter.ics:
        mail.add_attachment(letter.ics, maintype="text", subtype="calendar",
                            filename="pitch.ics", params={"method": "REQUEST",
                                                          "charset": "utf-8"})
    # last: setting the content moves or drops the Content-* headers set before it
    mail["Content-Language"] = letter.locale
    return mail


@signals.addendum_version_published.connect
def tell_submitted_candidates(procedure: Procedure, *, version, now: datetime) -> int:
    """Issue 12: a new version of the addendum is told to the organisations that already
    submitted, with what changed and the candidacy deadline; after a version that adds or
    changes needs or regional challenges, that they may update their candidacy (a
    correction) until the deadline. In Dutch, then in English (the organisation's language
    is not recorded). Returns the number of e-mails queued."""
    from matching.candidacies.queries import substantive_versions
    from matching.candidacies.rules import CandidacyState
    from matching.mail.outbox import queue_mail

    candidacies = list(db.session.scalars(
        select(Candidacy).where(Candidacy.procedure_id == procedure.id,
                                Candidacy.state == CandidacyState.SUBMITTED)
        .order_by(Candidacy.id)))
    if not candidacies:
        return 0
    substantive = version.number in substantive_versions(procedure)
    prefetch_recipients(candidacies)
    for candidacy in candidacies:
        _, addresses = recipients_of(candidacy)
        if not addresses:
            continue
        parts, subjects = [], []
        for locale in ("nl", "en"):
            with force_locale(locale):
                parts.append(render_template(
                    "mail/addendum_version.txt", procedure=procedure, version=version,
                    candidacy=candidacy, deadline=version.candidacy_deadline,
                    substantive=substantive,
                    link=external_url("public.addendum", procedure_id=procedure.id),
                    own=external_url("applicant.candidacy", candidacy_id=candidacy.id)).strip())
                subjects.append(gettext("Nieuwe versie van het addendum – %(area)s",
                                        area=procedure.work_area.name))
        body = f"{parts[0]}\n\n{'-' * 72}\n(English)\n\n{parts[1]}\n"
        queue_mail(addresses, f"{subjects[0]} / {subjects[1]}", body, now=now,
                   domain=current_app.config.get("MAIL_DOMAIN", "lokalepartnerschappen.be"),
                   key=f"addendum-{procedure.id}-v{version.number}-{candidacy.id}")
    return len(candidacies)
