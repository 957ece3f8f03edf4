"""The applicant's pages: dashboard, candidacy form, attachments, letters.

An applicant acts for the organisation(s) of their applicant grants; another
organisation's candidacy, attachment or letter answers 404 (DOMAIN.md: an organisation
sees its own candidacy, letters and appeal, never another organisation's).
"""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from matching.accounts.models import Organisation
from matching.accounts.rules import Role
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.forms import (
    StartForm,
    UploadForm,
    WithdrawForm,
    answer_field,
    candidacy_form,
    content_of,
)
from matching.candidacies.models import (
    Attachment,
    AttachmentContent,
    Candidacy,
    CandidacyVersion,
    Letter,
    LetterPdf,
)
from matching.candidacies.queries import (
    _challenges,
    applicant_dashboard,
    attachment_quota,
    may_read_attachments,
    organisation_ids,
    own_candidacy,
    own_letter,
    substantive_versions,
)
from matching.candidacies.rules import (
    ASSESSMENT_QUESTIONS,
    CANDIDACY_STATE_LABELS,
    CRITERION_LABELS,
    DECLARATION_TEXTS,
    MAX_ATTACHMENT,
    QUESTION_KEYS,
    STEP_OF_STATE,
    STEPS,
    CandidacyState,
    Criterion,
    Declaration,
    answers_outdated,
    check_before_deadline,
    check_correctable,
    check_editable,
    correction_lapsed,
)
from matching.core import signals
from matching.core.dates import format_brussels
from matching.core.db import db
from matching.core.errors import N_, DomainErrors, allowed
from matching.core.navigation import register_nav
from matching.core.web import (
    FAILED,
    confirmation_page,
    confirmed,
    letter_page,
    perform,
    show_errors,
    utcnow,
)
from workareas.models import Procedure
from workareas.rules import PROCEDURE_STATE_LABELS, ProcedureState

bp = Blueprint("applicant", __name__)

register_nav(N_("Mijn kandidaturen"), "applicant.dashboard",
             visible=lambda user: user.is_authenticated and user.has_role(Role.APPLICANT),
             order=10)

@bp.get("/mijn-kandidaturen")
@login_required
def dashboard():
    org_ids = organisation_ids(current_user)
    if not org_ids:
        abort(404)
    organisations, candidacies, published = applicant_dashboard(org_ids)
    applied = {(c.procedure_id, c.organisation_id) for c in candidacies}
    now = utcnow()  # an expired call is not offered (the same check as start_candidacy)
    open_procedures = [p for p in published if p.candidacy_deadline is not None
                       and allowed(check_before_deadline, now, p.candidacy_deadline)]
    return render_template("applicant/dashboard.html", organisations=organisations,
                           candidacies=candidacies, applied=applied,
                           open_procedures=open_procedures, steps=STEPS,
                           step_of_state=STEP_OF_STATE, state_labels=CANDIDACY_STATE_LABELS,
                           procedure_labels=PROCEDURE_STATE_LABELS, form=StartForm())


@bp.post("/procedures/<int:procedure_id>/kandidatuur")
@login_required
def start(procedure_id: int):
    org_ids = organisation_ids(current_user)
    form = StartForm()
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None or procedure.state == ProcedureState.DRAFT or not org_ids:
        abort(404)
    if not form.validate_on_submit():
        abort(400)
    organisation_id = form.organisation_id.data or org_ids[0]
    if organisation_id not in org_ids:
        abort(404)
    organisation = db.session.get(Organisation, organisation_id)
    candidacy = perform(candidacy_ops.start_candidacy, procedure, organisation,
                        success=_("Uw kandidatuur is aangemaakt als concept."))
    if candidacy is FAILED:
        return redirect(url_for("applicant.dashboard"))
    return redirect(url_for("applicant.candidacy", candidacy_id=candidacy.id))


def render_candidacy(candidacy: Candidacy, *, form=None, upload_form=None, withdraw_form=None,
                     status: int = 200):
    challenges = _challenges(candidacy)
    now = utcnow()
    editable = allowed(check_editable, candidacy.state, now,
                       candidacy.procedure.candidacy_deadline,
                       candidacy.correction_opened_at is not None)
    if form is None and editable:
        form = candidacy_form(candidacy, challenges)
    documents = db.session.execute(
        select(Letter.id, Letter.subject, Letter.created_at, Letter.version, Letter.reference,
               LetterPdf.sealed_at, LetterPdf.rendered_at)
        .outerjoin(LetterPdf, LetterPdf.letter_id == Letter.id)
        .where(Letter.candidacy_id == candidacy.id).order_by(Letter.id)).all()
    sections = [section for section in signals.ask(
        signals.candidacy_page_sections, candidacy, viewer=current_user) if section]
    titles = {c.code: c.title for c in challenges}
    return render_template(
        "applicant/candidacy.html", candidacy=candidacy, form=form, challenges=challenges,
        titles=titles, upload_form=upload_form or UploadForm(),
        withdraw_form=withdraw_form or WithdrawForm(), letters=documents, sections=sections,
        question_keys=QUESTION_KEYS, answer_field=answer_field, questions=ASSESSMENT_QUESTIONS,
        criteria=list(Criterion), criterion_labels=CRITERION_LABELS,
        declarations=list(Declaration), declaration_texts=DECLARATION_TEXTS,
        state_labels=CANDIDACY_STATE_LABELS, steps=STEPS, step_of_state=STEP_OF_STATE,
        withdrawable=allowed(candidacy_ops.check_withdrawal, candidacy),
        expired_draft=candidacy.state == CandidacyState.DRAFT and not editable,
        **version_facts(candidacy, now),
    ), status


def version_facts(candidacy: Candidacy, now) -> dict:
    """What the candidacy page says about its versions (issues 12 and 13): the versions,
    whether a correction is open or lapsed, whether one may be opened (the same rule as
    :func:`~matching.candidacies.operations.open_correction`), and whether the addendum
    changed its needs or challenges after the version it answered."""
    procedure = candidacy.procedure
    correcting = candidacy.correction_opened_at is not None
    latest = candidacy.latest_version
    deadline = procedure.candidacy_deadline
    return dict(
        versions=candidacy.versions, latest_version=latest, correcting=correcting,
        correctable=deadline is not None and allowed(
            check_correctable, candidacy.state, correcting,
            procedure.state == ProcedureState.PUBLISHED, now, deadline),
        lapsed=deadline is not None and correction_lapsed(correcting, now, deadline),
        outdated=candidacy.state == CandidacyState.SUBMITTED and answers_outdated(
            latest.addendum_version if latest else None, substantive_versions(procedure)),
        question_texts=question_texts(),
        version_declarations={d.value: text for d, text in DECLARATION_TEXTS.items()})


def question_texts() -> dict[str, str]:
    """The assessment question of each answer key ("crucial_contribution.1": its text)."""
    return {key: ASSESSMENT_QUESTIONS[Criterion(key.split(".")[0])][int(key.split(".")[1]) - 1]
            for key in QUESTION_KEYS}


@bp.route("/kandidaturen/<int:candidacy_id>", methods=["GET", "POST"])
@login_required
def candidacy(candidacy_id: int):
    candidacy = own_candidacy(candidacy_id)
    changeable = candidacy.state == CandidacyState.DRAFT or (
        candidacy.state == CandidacyState.SUBMITTED and candidacy.correction_opened_at is not None)
    if request.method == "GET" or not changeable:
        if request.method == "POST":
            abort(409)
        return render_candidacy(candidacy)
    if request.form.get("action") == "submit" and confirmed():
        # The confirmation page's button: submit the draft saved just before it.
        if not FlaskForm().validate_on_submit():
            abort(400)
        if perform(candidacy_ops.submit_candidacy, candidacy,
                   success=_("Uw kandidatuur is ingediend. U ontvangt een "
                             "ontvangstbevestiging per e-mail.")) is not FAILED:
            return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))
        return render_candidacy(own_candidacy(candidacy_id), status=422)
    challenges = _challenges(candidacy)
    form = candidacy_form(candidacy, challenges)
    if form.validate_on_submit():
        content = content_of(form, challenges)
        if request.form.get("action") == "upload":
            return _save_and_upload(candidacy, form, content)
        if request.form.get("action") == "submit":
            # Save what was typed first (nothing is lost), then ask to confirm.
            if perform(candidacy_ops.save_candidacy, candidacy, form=form, **content) \
                    is FAILED:
                return render_candidacy(own_candidacy(candidacy_id), form=form, status=422)
            candidacy = own_candidacy(candidacy_id)
            problems = candidacy_ops.submission_problems(candidacy)
            if problems:  # every problem at once, next to its field; the draft is saved
                flash(_("Uw concept is opgeslagen, maar kan nog niet worden ingediend."), "info")
                show_errors(DomainErrors(problems), form)
                return render_candidacy(candidacy, form=form, status=422)
            return _confirm_submission(candidacy)
        result = perform(candidacy_ops.save_candidacy, candidacy, form=form,
                         success=_("Uw concept is opgeslagen."), **content)
        if result is not FAILED:
            return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))
        candidacy = own_candidacy(candidacy_id)  # after the rollback, as stored
    return render_candidacy(candidacy, form=form, status=422)


def _save_and_upload(candidacy: Candidacy, form, content: dict):
    """An attachment added from the candidacy form: what was typed is saved as the draft
    first (an upload never throws work away), then the file is added."""
    candidacy_id = candidacy.id
    if perform(candidacy_ops.save_candidacy, candidacy, form=form, **content) is FAILED:
        return render_candidacy(own_candidacy(candidacy_id), form=form, status=422)
    upload = request.files.get("bijlage")
    if upload is None or not upload.filename:
        flash(_("Uw concept is opgeslagen. Kies een bestand om als bijlage toe te voegen."),
              "info")
    else:
        data = upload.read(MAX_ATTACHMENT + 1)
        perform(candidacy_ops.add_attachment, own_candidacy(candidacy_id), upload.filename, data,
                **attachment_quota(),
                success=_("Uw concept is opgeslagen en de bijlage is toegevoegd."))
    return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id) + "#bijlagen")


def _confirm_submission(candidacy: Candidacy) -> str:
    deadline = candidacy.procedure.candidacy_deadline
    organisation = candidacy.organisation
    if candidacy.correction_opened_at is not None:
        number = len(candidacy.versions) + 1
        return confirmation_page(
            _("De gecorrigeerde kandidatuur van %(name)s opnieuw indienen",
              name=organisation.name),
            [_("Uw wijzigingen zijn opgeslagen. Na het indienen is dit versie %(n)s van uw "
               "kandidatuur: de jury beoordeelt die versie. De vorige versies blijven "
               "bewaard.", n=number),
             _("U ontvangt een ontvangstbevestiging per e-mail (%(to)s).",
               to=organisation.email or _("het adres van uw organisatie")),
             _("De deadline is %(deadline)s.", deadline=format_brussels(deadline))
             if deadline else ""],
            _("Tot de deadline kunt u opnieuw corrigeren; daarna niet meer."),
            url_for("applicant.candidacy", candidacy_id=candidacy.id),
            _("Bevestigen: opnieuw indienen"),
            url_for("applicant.candidacy", candidacy_id=candidacy.id),
            fields={"action": "submit"})
    return confirmation_page(
        _("De kandidatuur van %(name)s indienen", name=organisation.name),
        [_("Uw concept is opgeslagen. Na het indienen beoordeelt de lokale jury van %(area)s "
           "deze kandidatuur.", area=candidacy.procedure.work_area.name),
         _("U ontvangt een ontvangstbevestiging per e-mail (%(to)s).",
           to=organisation.email or _("het adres van uw organisatie")),
         _("De deadline is %(deadline)s.", deadline=format_brussels(deadline))
         if deadline else ""],
        _("Na het indienen kunt u de antwoorden niet meer wijzigen; intrekken blijft mogelijk."),
        url_for("applicant.candidacy", candidacy_id=candidacy.id), _("Bevestigen: indienen"),
        url_for("applicant.candidacy", candidacy_id=candidacy.id), fields={"action": "submit"})


@bp.post("/kandidaturen/<int:candidacy_id>/corrigeren")
@login_required
def open_correction(candidacy_id: int):
    """Issue 13: open a correction of the submitted candidacy (until the deadline)."""
    candidacy = own_candidacy(candidacy_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    perform(candidacy_ops.open_correction, candidacy,
            success=_("U kunt uw kandidatuur nu corrigeren. Dien ze opnieuw in vóór de "
                      "deadline; anders blijft de laatst ingediende versie gelden."))
    return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))


@bp.get("/kandidaturen/<int:candidacy_id>/versies/<int:number>")
@login_required
def version(candidacy_id: int, number: int):
    """A submitted version of a candidacy, as it was submitted: for the organisation and
    for whoever reads the candidacy's attachments (the jury, the appeal panel, the
    observers)."""
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or not may_read_attachments(current_user, candidacy):
        abort(404)
    item = db.session.scalar(select(CandidacyVersion).where(
        CandidacyVersion.candidacy_id == candidacy.id, CandidacyVersion.number == number))
    if item is None:
        abort(404)
    titles = {c.code: c.title for c in _challenges(candidacy)}
    return render_template(
        "applicant/version.html", candidacy=candidacy, version=item, titles=titles,
        questions=question_texts(), question_keys=QUESTION_KEYS,
        declaration_texts={d.value: text for d, text in DECLARATION_TEXTS.items()},
        latest=candidacy.latest_version)


@bp.post("/kandidaturen/<int:candidacy_id>/intrekken")
@login_required
def withdraw(candidacy_id: int):
    candidacy = own_candidacy(candidacy_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        if perform(candidacy_ops.withdraw_candidacy, candidacy, form.reason.data, form=form,
                   success=_("Uw kandidatuur is ingetrokken.")) is not FAILED:
            return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))
        candidacy = own_candidacy(candidacy_id)
    return render_candidacy(candidacy, withdraw_form=form, status=422)


@bp.post("/kandidaturen/<int:candidacy_id>/bijlagen")
@login_required
def upload(candidacy_id: int):
    candidacy = own_candidacy(candidacy_id)
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read(MAX_ATTACHMENT + 1)
        if perform(candidacy_ops.add_attachment, candidacy, form.file.data.filename or "", data,
                   form=form, **attachment_quota(),
                   success=_("De bijlage is toegevoegd.")) is not FAILED:
            return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))
        candidacy = own_candidacy(candidacy_id)
    return render_candidacy(candidacy, upload_form=form, status=422)


@bp.post("/kandidaturen/<int:candidacy_id>/bijlagen/<int:attachment_id>/verwijderen")
@login_required
def remove_attachment(candidacy_id: int, attachment_id: int):
    candidacy = own_candidacy(candidacy_id)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.candidacy_id != candidacy.id or item.removed_at is not None:
        abort(404)  # one removed in a correction is kept for its version, not removed twice
    if not FlaskForm().validate_on_submit():
        abort(400)
    perform(candidacy_ops.remove_attachment, candidacy, item,
            success=_("De bijlage %(name)s is verwijderd.", name=item.filename))
    return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id) + "#bijlagen")


@bp.get("/bijlagen/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None or not may_read_attachments(current_user, item.candidacy):
        abort(404)
    stored = db.session.get(AttachmentContent, item.id)
    if stored is None:  # uploaded before issue 14 and not yet moved in (flask attachments sweep)
        abort(404)
    response = send_file(io.BytesIO(stored.data), mimetype=item.media_type, as_attachment=True,
                         download_name=item.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/brieven/<int:letter_id>")
@login_required
def letter(letter_id: int):
    item = own_letter(letter_id)
    response = letter_page(item.html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/brieven/<int:letter_id>.pdf")
@login_required
def letter_pdf(letter_id: int):
    item = own_letter(letter_id)
    stored = db.session.get(LetterPdf, item.id)
    if stored is None:  # the mail worker has not made it yet: the page says so
        abort(404)
    response = Response(stored.pdf, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{item.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
