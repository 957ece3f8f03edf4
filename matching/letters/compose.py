"""Build each letter's content from the recorded facts, then issue it: render, store the
immutable bytes with their SHA-256, and queue the e-mail in the same transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from juries.models import JuryDecision, PitchAppointment
from juries.rules import CRITERION_LABELS, SCALE, THRESHOLD, Criterion
from matching.errors import N_
from matching.extensions import db
from matching.letters.content import (DECISION_KINDS, Contact, CriterionResult, LetterContent,
                                      LetterKind, PanelPosition, PitchMoment, RankedPartner,
                                      Recipient, Sender, check_complete)
from matching.letters.models import Letter
from matching.models.accounts import Role, RoleGrant, User
from matching.models.candidacies import Candidacy
from matching.recording import audit
from matching.rules import appeal_deadline, brussels_date, format_enterprise_number
from workareas.models import PitchSlot, Procedure

SUBJECTS = {
    LetterKind.CANDIDACY_RECEIPT: N_("Ontvangstbevestiging van uw kandidatuur – %(area)s"),
    LetterKind.ROUND1_SELECTED: N_("Beslissing ronde 1: uitnodiging voor een pitch – %(area)s"),
    LetterKind.ROUND1_NOT_SELECTED: N_("Beslissing ronde 1 over uw kandidatuur – %(area)s"),
    LetterKind.ROUND2_ADMITTED: N_("Beslissing ronde 2: toegelaten tot stap 4 – %(area)s"),
    LetterKind.ROUND2_NOT_ADMITTED: N_("Beslissing ronde 2 over uw kandidatuur – %(area)s"),
    LetterKind.APPEAL_RECEIPT: N_("Ontvangstbevestiging van uw weerwoord – %(area)s"),
    LetterKind.APPEAL_OUTCOME: N_("Uitspraak over uw weerwoord – %(area)s"),
    LetterKind.EMERGENCY_OUTCOME: N_("Uitkomst van de noodprocedure – %(area)s"),
}
#: R-APP-4: "het bestaande meldpunt van het Departement Werk & Sociale Economie"
COMPLAINTS_DESK = ("Meldpunt klachten Departement Werk en Sociale Economie – "
                   "https://www.vlaanderen.be/departement-werk-sociale-economie/"
                   "meldpunt-klachten-departement-werk-en-sociale-economie")


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


def _base(kind: LetterKind, candidacy: Candidacy, now: datetime, reference: str,
          **facts) -> LetterContent:
    recipient, _ = recipients_of(candidacy)
    return LetterContent(kind=kind, reference=reference, letter_date=brussels_date(now),
                         sender=sender_of(candidacy.procedure), recipient=recipient,
                         candidacy_reference=candidacy.reference,
                         procedure_title=candidacy.procedure.title, **facts)


def results_of(candidacy: Candidacy, round_no: int) -> tuple[CriterionResult, ...]:
    decisions = {d.criterion: d for d in db.session.scalars(select(JuryDecision).where(
        JuryDecision.candidacy_id == candidacy.id, JuryDecision.round == round_no))}
    return tuple(CriterionResult(c.value, CRITERION_LABELS[c], decisions[c].score,
                                 SCALE[decisions[c].score], decisions[c].motivation,
                                 decisions[c].method.value)
                 for c in Criterion if c in decisions)


def pitch_moment(candidacy: Candidacy) -> PitchMoment | None:
    appointment = db.session.scalar(select(PitchAppointment)
                                    .where(PitchAppointment.candidacy_id == candidacy.id))
    if appointment is None:
        return None
    slot = db.session.get(PitchSlot, appointment.slot_id)
    return PitchMoment(slot.starts_at, slot.ends_at, slot.location)


def appeal_how(procedure: Procedure) -> str:
    contacts = sender_of(procedure).contacts
    return contacts[0].email if contacts else ""


def candidacy_receipt(candidacy: Candidacy, now: datetime) -> LetterContent:
    version = candidacy.procedure.published_version
    titles = {c.code: c.title for c in version.challenges}
    return _base(LetterKind.CANDIDACY_RECEIPT, candidacy, now, f"{candidacy.reference}/ONTV",
                 submitted_at=candidacy.submitted_at,
                 challenges=tuple(titles.get(c.challenge_code, c.challenge_code)
                                  for c in candidacy.contributions),
                 next_steps=((N_("Deadline voor kandidaturen"), brussels_date(version.candidacy_deadline)),
                             (N_("Verwachte beslissing"), version.expected_decision_date)))


def round_decision(candidacy: Candidacy, round_no: int, kind: LetterKind,
                   now: datetime) -> LetterContent:
    """A round's decision; a non-selection states how and until when to appeal, counted
    from the letter's own date (the window is never shorter than what the letter says)."""
    not_selected = kind in (LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED)
    # The pitch invitation has its own reference: after a reversed appeal it follows the
    # non-selection letter of the same round without correcting it.
    suffix = "/PITCH" if kind == LetterKind.ROUND1_SELECTED else ""
    return _base(kind, candidacy, now, f"{candidacy.reference}/R{round_no}{suffix}", round=round_no,
                 results=results_of(candidacy, round_no), threshold=THRESHOLD,
                 pitch=pitch_moment(candidacy) if kind == LetterKind.ROUND1_SELECTED else None,
                 appeal_deadline=appeal_deadline(now) if not_selected else None,
                 appeal_how=appeal_how(candidacy.procedure) if not_selected else "")


def appeal_receipt(appeal, now: datetime) -> LetterContent:
    return _base(LetterKind.APPEAL_RECEIPT, appeal.candidacy, now,
                 f"{appeal.candidacy.reference}/W{appeal.round}", round=appeal.round,
                 appeal_filed_at=appeal.filed_at)


def appeal_outcome(appeal, now: datetime) -> LetterContent:
    return _base(LetterKind.APPEAL_OUTCOME, appeal.candidacy, now,
                 f"{appeal.candidacy.reference}/W{appeal.round}/U", round=appeal.round,
                 appeal_filed_at=appeal.filed_at, appeal_outcome=appeal.state.value,
                 panel=tuple(PanelPosition(m.position.value, m.motivation) for m in appeal.panel),
                 complaints_desk=COMPLAINTS_DESK)


def emergency_outcome(emergency, candidacy: Candidacy, now: datetime) -> LetterContent:
    partners = {o.candidacy_id: RankedPartner(o.candidacy.organisation.name, o.crucial_contribution,
                                              o.fit_for_partnership, o.selected, o.rank)
                for o in emergency.outcomes}
    ranking = tuple(sorted((p for p in partners.values() if p.rank is not None),
                           key=lambda p: p.rank))
    return _base(LetterKind.EMERGENCY_OUTCOME, candidacy, now,
                 f"{candidacy.reference}/NOOD{emergency.id}",
                 emergency_motivation=emergency.motivation, ranking=ranking,
                 ranking_motivation=emergency.ranking_motivation or "",
                 own_result=partners[candidacy.id])


def render(content: LetterContent, locale: str) -> tuple[str, str, str, bytes, bytes | None]:
    """Subject, HTML, text, PDF and (for a pitch invitation) the .ics of a letter."""
    from matching.letters.ics import pitch_invitation
    from matching.letters.render import render_html, render_pdf, render_text

    check_complete(content)
    with force_locale(locale):
        subject = gettext(SUBJECTS[content.kind], area=content.sender.work_area)
    html = render_html(content, locale)
    pdf = render_pdf(content, html, locale)
    text = render_text(content, locale, html)
    ics = pitch_invitation(content) if content.pitch and content.kind == LetterKind.ROUND1_SELECTED else None
    return subject, html, text, pdf, ics


def issue(content: LetterContent, candidacy: Candidacy, *, actor: User | None, now: datetime,
          appeal_id: int | None = None, supersedes: Letter | None = None,
          correction_reason: str | None = None, locale: str = "nl") -> Letter:
    """Write the letter and queue its e-mail in the current transaction (never commits).

    Refused (IncompleteLetter) when a mandatory part is missing: then nothing is written.
    """
    from matching.outbox import queue

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
    queue(letter, now=now, domain=current_app.config.get("MAIL_DOMAIN", "lokalepartnerschappen.be"))
    audit("letter.issue", letter, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          step4=content.kind == LetterKind.EMERGENCY_OUTCOME, kind=content.kind, reference=content.reference, version=letter.version,
          sha256=letter.pdf_sha256)
    return letter


def preview_round_decision(candidacy: Candidacy, round_no: int, selected: bool, now: datetime,
                           locale: str = "nl") -> str:
    """The decision letter as it would be sent, before the round closes: nothing is stored.

    Refused (IncompleteLetter) while a motivation is missing, so the jury sees what is
    still to be written before it can decide.
    """
    from matching.letters.render import render_html

    content = check_complete(round_decision(candidacy, round_no,
                                            decision_kind(round_no, selected), now))
    return render_html(content, locale)


def latest_letter(candidacy: Candidacy, kind: LetterKind) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.candidacy_id == candidacy.id,
                                                  Letter.kind == kind)
                             .order_by(Letter.version.desc()).limit(1))


def decision_kind(round_no: int, selected: bool) -> LetterKind:
    return next(k for k, r in DECISION_KINDS.items() if r == round_no
                and (k in (LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED)) == selected)


