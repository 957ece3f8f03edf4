"""Operations on candidacies: the only place they change.

Start, save, submit, withdraw, declare inadmissible, close the intake, attachments, the
receipt of a decision e-mail, and retrying a letter's failed e-mail. Each function checks
the rules, changes the objects, records the transition and the audit event, and never
commits: the caller commits once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from matching.accounts.models import Organisation, User
from matching.accounts.rules import require_applicant, require_coordinator
from matching.audit.models import Transition
from matching.audit.recording import audit, lock_for_change, transition
from matching.candidacies import notifications as candidacy_letters
from matching.candidacies import queries
from matching.candidacies.documents import EXTENSIONS, inspect_document
from matching.candidacies.models import (
    Answer,
    Attachment,
    AttachmentContent,
    Candidacy,
    CandidacyVersion,
    Contribution,
    DecisionNotice,
    Letter,
)
from matching.candidacies.notifications import letter_email
from matching.candidacies.rules import (
    MAX_ATTACHMENTS_PER_CANDIDACY,
    MAX_ATTACHMENTS_TOTAL,
    NOT_SELECTED_STATE,
    QUESTION_KEYS,
    CandidacyState,
    CandidacyStep,
    Criterion,
    Declaration,
    appeal_deadline,
    check_answers,
    check_attachment_quota,
    check_before_deadline,
    check_contributions,
    check_correctable,
    check_decision_round,
    check_declarations,
    check_editable,
    check_inadmissibility_open,
    check_may_apply,
    check_single_candidacy,
    check_withdrawable,
    next_candidacy_state,
)
from matching.core import signals
from matching.core.dates import to_utc
from matching.core.db import db, get_required
from matching.core.errors import N_, DomainError, DomainErrors, PermissionDenied
from matching.core.operation import operation
from matching.core.reasons import LAPSED
from matching.core.text import clean_filename
from matching.letters.content import DECISION_KINDS, INTAKE, LetterKind, check_complete
from matching.mail.models import OutboxMessage
from matching.mail.outbox import retry_failed, send_pending
from workareas.models import Municipality, Procedure, WorkAreaGovernment
from workareas.rules import (
    ProcedureState,
    ProcedureStep,
    check_intake_closable,
    next_procedure_state,
)


def _check_may_apply(procedure: Procedure, organisation: Organisation) -> None:
    """R-CAND-2 from the administrator's list and from the data (the organisation's seat
    among the work area's municipalities)."""
    involved = bool(db.session.get(WorkAreaGovernment, (procedure.work_area_id, organisation.id)))
    area_codes = frozenset(code for code in db.session.scalars(select(Municipality.nis_code)
                           .where(Municipality.work_area_id == procedure.work_area_id))
                           if code is not None)
    check_may_apply(organisation.kind, involved, organisation.seat_nis_code, area_codes)


@operation
def start_candidacy(procedure: Procedure, organisation: Organisation, *, actor: User,
                    now: datetime) -> Candidacy:
    """Open a draft candidacy for the organisation in a published procedure."""
    lock_for_change(procedure)
    require_applicant(actor, organisation.id)
    if procedure.state != ProcedureState.PUBLISHED:
        raise DomainError(N_("Voor deze procedure kan men zich niet (meer) kandidaat stellen."),
                          rule="R-CAND-3")
    check_before_deadline(now, procedure.required_candidacy_deadline)
    _check_may_apply(procedure, organisation)
    check_single_candidacy(db.session.execute(select(func.count(Candidacy.id)).where(
        Candidacy.procedure_id == procedure.id, Candidacy.organisation_id == organisation.id))
        .scalar_one())
    candidacy = Candidacy(
        organisation=organisation, procedure=procedure, created_at=now,
        state=CandidacyState.DRAFT,
        reference=f"KAND-{procedure.work_area_id:03d}-{procedure.sequence}-{organisation.id:05d}")
    db.session.add(candidacy)
    audit("candidacy.start", candidacy, actor=actor, now=now, procedure_id=procedure.id,
          organisation=organisation.name)
    return candidacy


@operation
def save_candidacy(candidacy: Candidacy, *, actor: User, now: datetime,
                   contributions: Mapping[str, str], answers: Mapping[str, str],
                   partnership_fit: str, declarations: Mapping[Declaration, bool]) -> Candidacy:
    """Save the draft's content (contributions per regional challenge, the eight answers,
    the declarations). A draft may be incomplete; submission checks completeness."""
    lock_for_change(candidacy)
    require_applicant(actor, candidacy.organisation_id)
    check_editable(candidacy.state, now, candidacy.procedure.required_candidacy_deadline,
                   candidacy.correction_opened_at is not None)
    offered = {c.code for c in candidacy.procedure.current_version.challenges}
    chosen = {k: v.strip() for k, v in contributions.items() if (v or "").strip()}
    if not set(chosen) <= offered:
        raise DomainError(N_("Een gekozen regio-uitdaging hoort niet bij dit addendum."),
                          rule="R-CAND-3", field="contributions")
    unknown = set(answers) - set(QUESTION_KEYS)
    if unknown:
        raise DomainError(N_("Onbekende beoordelingsvraag."), field="answers")
    if candidacy.contributions or candidacy.answers:
        # Saved again: the old rows go first, so the new ones may take their keys.
        candidacy.contributions, candidacy.answers = [], []
        db.session.flush()
    candidacy.contributions = [Contribution(challenge_code=k, text=v)
                               for k, v in sorted(chosen.items())]
    candidacy.answers = [
        Answer(criterion=Criterion(key.split(".")[0]), question=int(key.split(".")[1]),
               text=answers[key].strip())
        for key in QUESTION_KEYS if (answers.get(key) or "").strip()]
    candidacy.partnership_fit = partnership_fit.strip()
    candidacy.declares_individual = bool(declarations.get(Declaration.INDIVIDUAL))
    candidacy.declares_not_invoice_only = bool(declarations.get(Declaration.NOT_INVOICE_ONLY))
    candidacy.declares_partnership_commitment = bool(
        declarations.get(Declaration.PARTNERSHIP_COMMITMENT))
    candidacy.declares_quality_framework = bool(declarations.get(Declaration.QUALITY_FRAMEWORK))
    audit("candidacy.save", candidacy, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          contributions=sorted(chosen), answers=len(candidacy.answers))
    return candidacy


def declarations_of(candidacy: Candidacy) -> dict[Declaration, bool]:
    return {Declaration.INDIVIDUAL: candidacy.declares_individual,
            Declaration.NOT_INVOICE_ONLY: candidacy.declares_not_invoice_only,
            Declaration.PARTNERSHIP_COMMITMENT: candidacy.declares_partnership_commitment,
            Declaration.QUALITY_FRAMEWORK: bool(candidacy.declares_quality_framework)}


def submission_problems(candidacy: Candidacy) -> list[DomainError]:
    """Every part still missing before the candidacy can be submitted (R-CAND-1/2/3):
    the declarations, the contributions, the answers, fit for partnership — all of them,
    so the form shows every problem at once. The applicant's page asks this too."""
    procedure = candidacy.procedure
    checks = (
        lambda: check_declarations(declarations_of(candidacy)),
        lambda: check_contributions({c.challenge_code: c.text for c in candidacy.contributions},
                                    {c.code for c in procedure.current_version.challenges}),
        lambda: check_answers({f"{a.criterion.value}.{a.question}": a.text
                               for a in candidacy.answers}, QUESTION_KEYS),
        lambda: check_partnership_fit(candidacy.partnership_fit),
    )
    problems = []
    for check in checks:
        try:
            check()
        except DomainError as error:
            problems.append(error)
    return problems


def check_partnership_fit(text: str) -> None:
    if len(text) < 20:
        raise DomainError(N_("Beschrijf hoe uw organisatie fit for partnership is (minstens 20 "
                             "tekens)."), rule="R-CAND-3", field="partnership_fit")


@operation
def submit_candidacy(candidacy: Candidacy, *, actor: User, now: datetime) -> Candidacy:
    """Submit before the deadline (R-CAND-3), with the declarations (R-CAND-1/2). Every
    submission writes a version of the content (issue 13); a corrected candidacy is
    submitted again the same way, as its next version, and keeps its state."""
    lock_for_change(candidacy)
    require_applicant(actor, candidacy.organisation_id)
    correcting = candidacy.correction_opened_at is not None
    new_state = candidacy.state if correcting else next_candidacy_state(candidacy.state,
                                                                        CandidacyStep.SUBMIT)
    procedure = candidacy.procedure
    if procedure.state != ProcedureState.PUBLISHED:
        raise DomainError(N_("Voor deze procedure kan men zich niet (meer) kandidaat stellen."),
                          rule="R-CAND-3")
    check_before_deadline(now, procedure.required_candidacy_deadline)
    _check_may_apply(procedure, candidacy.organisation)
    problems = submission_problems(candidacy)
    if problems:
        raise DomainErrors(problems)
    db.session.flush()  # the attachments' ids, for the version
    candidacy.submitted_at = now
    if correcting:
        candidacy.correction_opened_at = None
        version = _write_version(candidacy, now)
        audit("candidacy.resubmit", candidacy, actor=actor, now=now, procedure_id=procedure.id,
              version=version.number, addendum_version=version.addendum_version)
    else:
        transition(candidacy, CandidacyStep.SUBMIT, new_state, actor=actor, now=now,
                   procedure_id=procedure.id)
        version = _write_version(candidacy, now)
    candidacy_letters.issue(candidacy_letters.candidacy_receipt(candidacy, now, version),
                            candidacy, actor=actor, now=now)
    return candidacy


def _snapshot(candidacy: Candidacy) -> dict[str, Any]:
    """The candidacy's content as submitted: what a :class:`CandidacyVersion` keeps."""
    return {
        "contributions": {c.challenge_code: c.text for c in candidacy.contributions},
        "answers": {f"{a.criterion.value}.{a.question}": a.text for a in candidacy.answers},
        "partnership_fit": candidacy.partnership_fit,
        "declarations": {d.value: bool(v) for d, v in declarations_of(candidacy).items()},
        "attachments": [{"id": a.id, "filename": a.filename, "size": a.size,
                         "sha256": a.sha256} for a in candidacy.attachments],
    }


def _addendum_in_force(procedure: Procedure, at: datetime) -> int:
    """The number of the latest addendum version published by ``at`` (the first one for a
    candidacy that cannot be placed)."""
    published = [v.number for v in procedure.versions
                 if v.published_at is not None and to_utc(v.published_at) <= to_utc(at)]
    return published[-1] if published else 1


def _write_version(candidacy: Candidacy, now: datetime) -> CandidacyVersion:
    version = CandidacyVersion(
        number=len(candidacy.versions) + 1, submitted_at=now,
        addendum_version=_addendum_in_force(candidacy.procedure, now),
        content=_snapshot(candidacy))
    candidacy.versions.append(version)
    return version


def _versioned_attachment_ids(candidacy: Candidacy) -> set[int]:
    return {a["id"] for v in candidacy.versions for a in v.content.get("attachments", [])}


@operation
def open_correction(candidacy: Candidacy, *, actor: User, now: datetime) -> Candidacy:
    """Issue 13: the organisation opens a correction of its submitted candidacy, until the
    deadline. Its answers and attachments can then be changed and submitted again as a new
    version; until then (and if that does not happen before the deadline) the last
    submitted version stands. A candidacy submitted before versions were kept gets its
    first version now, from what it holds (unchanged since its submission)."""
    lock_for_change(candidacy)
    require_applicant(actor, candidacy.organisation_id)
    procedure = candidacy.procedure
    check_correctable(candidacy.state, candidacy.correction_opened_at is not None,
                      procedure.state == ProcedureState.PUBLISHED, now,
                      procedure.required_candidacy_deadline)
    if not candidacy.versions and candidacy.submitted_at is not None:
        _write_version(candidacy, candidacy.submitted_at)
    candidacy.correction_opened_at = now
    latest = candidacy.versions[-1]
    audit("candidacy.open_correction", candidacy, actor=actor, now=now,
          procedure_id=procedure.id, version=latest.number)
    return candidacy


def restore_latest_version(candidacy: Candidacy, now: datetime) -> CandidacyVersion:
    """Put the last submitted version back as the candidacy's content: a correction that
    was not submitted again (it lapsed at the deadline, or the candidacy is withdrawn)
    leaves nothing of its changes. Attachments added in it go; those removed in it
    return."""
    latest = candidacy.versions[-1]
    content = latest.content
    candidacy.contributions, candidacy.answers = [], []
    db.session.flush()
    candidacy.contributions = [Contribution(challenge_code=k, text=v)
                               for k, v in sorted(content["contributions"].items())]
    candidacy.answers = [
        Answer(criterion=Criterion(key.split(".")[0]), question=int(key.split(".")[1]),
               text=text) for key, text in sorted(content["answers"].items())]
    candidacy.partnership_fit = content["partnership_fit"]
    declared = content["declarations"]
    candidacy.declares_individual = declared[Declaration.INDIVIDUAL.value]
    candidacy.declares_not_invoice_only = declared[Declaration.NOT_INVOICE_ONLY.value]
    candidacy.declares_partnership_commitment = declared[Declaration.PARTNERSHIP_COMMITMENT.value]
    candidacy.declares_quality_framework = declared.get(Declaration.QUALITY_FRAMEWORK.value,
                                                        candidacy.declares_quality_framework)
    kept = {a["id"] for a in content["attachments"]}
    versioned = _versioned_attachment_ids(candidacy)
    for item in db.session.scalars(select(Attachment)
                                   .where(Attachment.candidacy_id == candidacy.id)):
        if item.id in kept:
            item.removed_at = None
        elif item.id in versioned:
            item.removed_at = item.removed_at or now
        else:
            db.session.delete(item)
    candidacy.correction_opened_at = None
    db.session.flush()
    db.session.expire(candidacy, ["attachments"])
    return latest


def lapse_correction(candidacy: Candidacy, *, actor: User | None, now: datetime) -> None:
    """A correction not submitted again by the deadline lapses: the last submitted version
    stands (issue 13). Done when the intake closes, before any jury reads."""
    latest = restore_latest_version(candidacy, now)
    audit("candidacy.correction_lapsed", candidacy, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, version=latest.number)


def check_withdrawal(candidacy: Candidacy) -> None:
    """Whether the candidacy can be withdrawn now (the applicant's page asks this too)."""
    blockers = [msgid for msgid in signals.ask(signals.withdrawal_blockers, candidacy) if msgid]
    check_withdrawable(candidacy.state, candidacy.procedure.state == ProcedureState.RATIFIED,
                       blockers)


@operation
def withdraw_candidacy(candidacy: Candidacy, reason: str, *, actor: User,
                       now: datetime) -> Candidacy:
    """The applicant withdraws, any time before the final decision."""
    lock_for_change(candidacy)
    require_applicant(actor, candidacy.organisation_id)
    check_withdrawal(candidacy)
    new_state = next_candidacy_state(candidacy.state, CandidacyStep.WITHDRAW)
    if candidacy.correction_opened_at is not None:  # what was submitted is what is withdrawn
        restore_latest_version(candidacy, now)
    candidacy.withdrawn_at = now
    candidacy.withdrawal_reason = reason.strip() or None
    transition(candidacy, CandidacyStep.WITHDRAW, new_state, actor=actor, now=now,
               procedure_id=candidacy.procedure_id, reason=reason.strip(),
               personal_reason=True)
    return candidacy


@operation
def declare_inadmissible(candidacy: Candidacy, reason: str, *, actor: User,
                         now: datetime) -> Candidacy:
    """Refuse a candidacy at the deadline check, with its procedural reason: a motivated
    decision whose letter names the appeal form and its deadline (issue 12; call text,
    section 6: "Alle kandidaten ontvangen een e-mail met de gemotiveerde beslissing")."""
    lock_for_change(candidacy)
    require_coordinator(actor, candidacy.procedure.work_area_id)
    check_inadmissibility_open(candidacy.procedure.state)
    if len(reason.strip()) < 10:
        raise DomainError(N_("Geef de procedurele reden van de onontvankelijkheid (minstens 10 "
                             "tekens)."), field="reason")
    new_state = next_candidacy_state(candidacy.state, CandidacyStep.DECLARE_INADMISSIBLE)
    candidacy.inadmissible_reason = reason.strip()
    with db.session.no_autoflush:  # the reason is set, the state follows in transition()
        content = check_complete(candidacy_letters.inadmissibility(candidacy, now))
    transition(candidacy, CandidacyStep.DECLARE_INADMISSIBLE, new_state, actor=actor, now=now,
               procedure_id=candidacy.procedure_id, reason=reason.strip())
    candidacy_letters.issue(content, candidacy, actor=actor, now=now)
    return candidacy


@operation
def record_decision_received(candidacy: Candidacy, round_no: int, received_at: datetime, *,
                             actor: User | None, now: datetime) -> DecisionNotice:
    """The decision e-mail of a round was received: this starts the appeal window (R-APP-1).

    ``actor`` is None when the mail worker records the SMTP server's acceptance.
    """
    lock_for_change(candidacy)
    check_decision_round(round_no)
    decision = _round_decision(candidacy, round_no)
    if decision is None:
        raise DomainError(N_("Er is nog geen beslissing van ronde %(round)s voor deze "
                             "kandidatuur."), round=round_no)
    decided_at, step = decision
    if to_utc(received_at) < decided_at:
        raise DomainError(N_("Een beslissing kan niet ontvangen zijn vóór ze genomen werd."),
                          field="received_at")
    if candidacy.notice(round_no) is not None:
        raise DomainError(N_("De ontvangst van deze beslissing is al geregistreerd."))
    if to_utc(received_at) > to_utc(now):
        raise DomainError(N_("Een ontvangst ligt niet in de toekomst."), field="received_at")
    notice = DecisionNotice(round=round_no, received_at=received_at,
                            selected=step in (CandidacyStep.SELECT_R1, CandidacyStep.ADMIT_R2))
    candidacy.notices.append(notice)
    audit("decision_notice.received", notice, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, round=round_no, received_at=received_at)
    if not notice.selected:
        _, stated = queries.decision_receipt(candidacy, round_no)
        if stated is not None and appeal_deadline(received_at) > to_utc(stated):
            # one deadline everywhere: the letter is corrected to the deadline counted
            # from the receipt (R-APP-1 "tot 14 dagen na ontvangst van de e-mail")
            if round_no == INTAKE:
                earlier = queries.latest_letter(candidacy, LetterKind.INADMISSIBLE)
                candidacy_letters.issue(
                    candidacy_letters.inadmissibility(candidacy, now, received_at), candidacy,
                    actor=actor, now=now, supersedes=earlier,
                    correction_reason="Beslissing later ontvangen: termijn voor het weerwoord "
                                      "vanaf de ontvangst")
            else:
                signals.ask(signals.appeal_deadline_moved, candidacy, round_no=round_no,
                            received_at=received_at, now=now, actor=actor)
    return notice


def record_letter_accepted(message: OutboxMessage, accepted_at: datetime) -> None:
    """The mail worker's callback when the server accepted an e-mail: for the first version
    of a decision letter, that moment is the decision's receipt (R-APP-1)."""
    if message.letter_id is None:
        return
    letter = get_required(Letter, message.letter_id)
    if (letter.kind in DECISION_KINDS or letter.kind == LetterKind.INADMISSIBLE) \
            and letter.version == 1:
        if letter.candidacy_id is None or letter.round is None:  # issued from a decision
            raise RuntimeError(f"decision letter {letter.reference} names no candidacy or round")
        candidacy = get_required(Candidacy, letter.candidacy_id)
        if candidacy.notice(letter.round) is None:
            record_decision_received(candidacy, letter.round, accepted_at, actor=None,
                                     now=accepted_at)


def send_outbox(config: dict, **options: Any) -> dict[str, int]:
    """The mail worker's round (``flask outbox send``): send what is due, letters with their
    sealed PDF (rendered, sealed and stored first when it is not there yet:
    :func:`~matching.candidacies.notifications.sealed_pdf`), and record the receipt of
    decisions. ``options`` go to :func:`matching.mail.outbox.send_pending` (clock, limit,
    before_send, after_accept)."""
    return send_pending(config, build=letter_email, on_accepted=record_letter_accepted,
                        **options)


def _round_decision(candidacy: Candidacy, round_no: int) -> tuple[datetime, CandidacyStep] | None:
    """When the jury's decision of ``round_no`` was taken for the candidacy, and which it
    was (the first one: a reversal on appeal does not change what the e-mail said)."""
    steps = {INTAKE: (CandidacyStep.DECLARE_INADMISSIBLE,),
             1: (CandidacyStep.SELECT_R1, CandidacyStep.REJECT_R1),
             2: (CandidacyStep.ADMIT_R2, CandidacyStep.REJECT_R2)}[round_no]
    row = db.session.execute(select(Transition.at, Transition.step).where(
        Transition.object_type == "candidacy", Transition.object_id == candidacy.id,
        Transition.step.in_([s.value for s in steps])).order_by(Transition.id).limit(1)).first()
    return (row.at, CandidacyStep(row.step)) if row else None


def is_not_selected(candidacy: Candidacy, round_no: int) -> bool:
    return candidacy.state == NOT_SELECTED_STATE[round_no]


@operation
def save_and_submit_candidacy(candidacy: Candidacy, *, actor: User, now: datetime,
                              contributions: Mapping[str, str], answers: Mapping[str, str],
                              partnership_fit: str,
                              declarations: Mapping[Declaration, bool]) -> Candidacy:
    """Save the draft, then submit it; a refusal of either leaves nothing saved (the
    caller rolls the transaction back)."""
    save_candidacy(candidacy, actor=actor, now=now, contributions=contributions,
                         answers=answers, partnership_fit=partnership_fit,
                         declarations=declarations)
    return submit_candidacy(candidacy, actor=actor, now=now)


def checked_upload(filename: str, data: bytes) -> dict[str, Any]:
    """Check an uploaded document by its structure (``documents.inspect_document``: PDF,
    DOCX or ODT, at most 10 MB, no zip bomb, macro, executable, script, embedded file or
    polyglot) and return the columns that describe it (a candidacy's attachment, an appeal's
    clarifying document). Nothing is written anywhere: the caller stores the bytes in the
    database, in its transaction. The name keeps letters and digits and loses control and
    bidi characters."""
    if not data:
        raise DomainError(N_("Het bestand is leeg."), field="file", rule="upload.empty")
    media_type = inspect_document(data)
    return dict(filename=clean_filename(filename) + EXTENSIONS[media_type],
                media_type=media_type, size=len(data),
                sha256=hashlib.sha256(data).hexdigest(), storage_key=secrets.token_hex(16))


@operation
def add_attachment(candidacy: Candidacy, filename: str, data: bytes, *, actor: User,
                   now: datetime, max_count: int = MAX_ATTACHMENTS_PER_CANDIDACY,
                   max_total: int = MAX_ATTACHMENTS_TOTAL) -> Attachment:
    """R-CAND-3 "Bijlagen zijn toegestaan": PDF, DOCX or ODT, at most 10 MB, while the
    candidacy is a draft, within the candidacy's quota (``check_attachment_quota``), and only
    after its structure was checked (``documents.inspect_document``: no zip bomb, macro,
    executable, script, embedded file or polyglot). The bytes are stored in the database in
    this transaction (``AttachmentContent``): nothing is written anywhere before the commit.
    The name keeps letters and digits and loses control and bidi characters. The
    candidacy's row is locked first, so two uploads at once cannot pass the quota together."""
    lock_for_change(candidacy)
    require_applicant(actor, candidacy.organisation_id)
    if candidacy.state != CandidacyState.DRAFT and candidacy.correction_opened_at is None:
        raise DomainError(N_("Bijlagen kunnen enkel worden toegevoegd zolang de kandidatuur "
                             "een concept is of in correctie."), field="file")
    check_attachment_quota([a.size for a in candidacy.attachments], len(data),
                           max_count=max_count, max_total=max_total)
    attachment = Attachment(**checked_upload(filename, data), uploaded_at=now,
                            content=AttachmentContent(data=data))
    candidacy.attachments.append(attachment)
    audit("attachment.add", attachment, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference,
          media_type=attachment.media_type, size=attachment.size, sha256=attachment.sha256)
    return attachment


@operation
def remove_attachment(candidacy: Candidacy, attachment: Attachment, *, actor: User,
                      now: datetime) -> None:
    """Remove an attachment of a draft, until the deadline (issue 13). Its bytes (in the
    database) go with it, in the same transaction; the audit event keeps the file's name and
    SHA-256."""
    lock_for_change(candidacy)
    require_applicant(actor, candidacy.organisation_id)
    if attachment.candidacy_id != candidacy.id:
        raise PermissionDenied(N_("Deze bijlage hoort niet bij deze kandidatuur."))
    check_editable(candidacy.state, now, candidacy.procedure.required_candidacy_deadline,
                   candidacy.correction_opened_at is not None)
    if attachment.id in _versioned_attachment_ids(candidacy):
        # named by a submitted version: kept for it, no longer part of the content
        attachment.removed_at = now
        audit("attachment.remove", attachment, actor=actor, now=now,
              procedure_id=candidacy.procedure_id, candidacy=candidacy.reference,
              filename=attachment.filename, sha256=attachment.sha256, kept_for_version=True)
        db.session.flush()
        db.session.expire(candidacy, ["attachments"])
        return
    audit("attachment.remove", attachment, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference,
          filename=attachment.filename, sha256=attachment.sha256)
    candidacy.attachments.remove(attachment)  # delete-orphan: its row and its bytes go


@operation
def close_candidacies(procedure: Procedure, *, actor: User, now: datetime) -> int:
    """Close the intake after the deadline; unsubmitted drafts lapse (withdrawn)."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    check_intake_closable(procedure.state, now, procedure.candidacy_deadline)
    new_state = next_procedure_state(procedure.state, ProcedureStep.CLOSE_CANDIDACIES)
    drafts = db.session.scalars(select(Candidacy).where(
        Candidacy.procedure_id == procedure.id, Candidacy.state == CandidacyState.DRAFT)).all()
    for candidacy in drafts:
        candidacy.withdrawn_at = now
        candidacy.withdrawal_reason = LAPSED
        transition(candidacy, CandidacyStep.WITHDRAW,
                   next_candidacy_state(candidacy.state, CandidacyStep.WITHDRAW),
                   actor=actor, now=now, procedure_id=procedure.id,
                   reason=LAPSED)
    correcting = db.session.scalars(select(Candidacy).where(
        Candidacy.procedure_id == procedure.id, Candidacy.correction_opened_at.is_not(None))
        .order_by(Candidacy.id)).all()
    for candidacy in correcting:
        lapse_correction(candidacy, actor=actor, now=now)
    transition(procedure, ProcedureStep.CLOSE_CANDIDACIES, new_state, actor=actor, now=now,
               procedure_id=procedure.id)
    return len(drafts)


@operation
def retry_message(message: OutboxMessage, *, actor: User, now: datetime) -> OutboxMessage:
    """Put a failed letter e-mail back in the queue; the worker sends it on its next run."""
    letter = db.session.get(Letter, message.letter_id) if message.letter_id else None
    if letter is None:
        # Account e-mails belong to no work area: not the coordinator's.
        raise PermissionDenied(N_("Enkel een coördinator van dit werkingsgebied kan dit doen."))
    procedure = get_required(Procedure, letter.procedure_id)
    require_coordinator(actor, procedure.work_area_id)
    attempts = message.attempts
    retry_failed(message, now=now)
    audit("outbox.retry", message, actor=actor, now=now, procedure_id=procedure.id,
          letter=letter.reference, version=letter.version, attempts_before=attempts,
          last_error=message.last_error)
    return message


@signals.challenge_codes_in_use.connect
def _challenges_answered(procedure: Procedure) -> set[str]:
    """The regional challenges the procedure's candidacies contribute to: a new version of
    the addendum may not drop them (R-ADD-3)."""
    return set(db.session.scalars(
        select(Contribution.challenge_code).join(Candidacy)
        .where(Candidacy.procedure_id == procedure.id)))
