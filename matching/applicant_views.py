"""The applicant's pages: dashboard, candidacy form, attachments, letters, appeal.

An applicant acts for the organisation(s) of their applicant grants; another
organisation's candidacy, attachment or letter answers 404 (DOMAIN.md: an organisation
sees its own candidacy, letters and appeal, never another organisation's).
"""

from __future__ import annotations

import os

from flask import (Blueprint, Response, abort, current_app, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from sqlalchemy.orm import joinedload, raiseload, selectinload
from wtforms import (BooleanField, HiddenField, IntegerField, SelectMultipleField, TextAreaField,
                     widgets)
from wtforms.validators import DataRequired, Length, Optional

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import effective_appeal_deadline
from juries.operations import jury_of
from juries.rules import ASSESSMENT_QUESTIONS, Criterion
from matching import applicant_operations as app_ops
from matching import operations as ops
from matching.candidacy_rules import DECLARATION_TEXTS, Declaration
from matching.errors import N_
from matching.extensions import db
from matching.letters import compose as letters
from matching.letters.models import Letter
from matching.models.accounts import Role
from matching.models.candidacies import Attachment, Candidacy
from matching.models.organisations import Organisation
from matching.navigation import register_nav
from matching.statemachine import PROCEDURE_STATE_LABELS, CandidacyState, ProcedureState
from matching.web import letter_page
from matching.views_support import FAILED, perform
from workareas.models import Procedure

bp = Blueprint("applicant", __name__)

register_nav("Mijn kandidaturen", "applicant.dashboard",
             visible=lambda user: user.is_authenticated and user.has_role(Role.APPLICANT),
             order=10)

S = CandidacyState
CANDIDACY_STATE_LABELS = {
    S.DRAFT: N_("concept (nog niet ingediend)"),
    S.SUBMITTED: N_("ingediend"),
    S.INADMISSIBLE: N_("onontvankelijk"),
    S.WITHDRAWN: N_("ingetrokken"),
    S.SELECTED_FOR_PITCH: N_("geselecteerd voor de pitch"),
    S.NOT_SELECTED_R1: N_("niet geselecteerd na ronde 1"),
    S.ADMITTED_TO_STEP4: N_("toegelaten tot stap 4"),
    S.NOT_SELECTED_R2: N_("niet geselecteerd na ronde 2"),
}
#: The step indicator: the steps in order, and which step each state is at.
STEPS = (N_("ingediend"), N_("ronde 1"), N_("pitch"), N_("ronde 2"), N_("stap 4"))
STEP_OF_STATE = {S.SUBMITTED: 0, S.NOT_SELECTED_R1: 1, S.SELECTED_FOR_PITCH: 2,
                 S.NOT_SELECTED_R2: 3, S.ADMITTED_TO_STEP4: 4}
CRITERION_LABELS = {Criterion.CRUCIAL_CONTRIBUTION: N_("Cruciale bijdrage"),
                    Criterion.FIT_FOR_PARTNERSHIP: N_("Fit for partnership")}


# --- access ------------------------------------------------------------------------------

def organisation_ids(user) -> list[int]:
    return sorted({g.organisation_id for g in user.grants if g.role == Role.APPLICANT})


def own_candidacy(candidacy_id: int) -> Candidacy:
    """The candidacy, if the current user acts for its organisation; otherwise 404."""
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or candidacy.organisation_id not in organisation_ids(current_user):
        abort(404)
    return candidacy


def may_see_attachment(user, candidacy: Candidacy) -> bool:
    if candidacy.organisation_id in organisation_ids(user):
        return True
    if user.has_role(Role.OBSERVER):
        return True
    if candidacy.state == CandidacyState.DRAFT:
        return False
    jury = jury_of(candidacy.procedure)
    return jury is not None and any(m.user_id == user.id for m in jury.members)


def upload_dir() -> str:
    return current_app.config.get("UPLOAD_DIR") or os.path.join(current_app.instance_path,
                                                                 "uploads")


# --- forms -------------------------------------------------------------------------------

class StartForm(FlaskForm):
    organisation_id = IntegerField(validators=[Optional()])


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Reden van de intrekking", validators=[DataRequired(),
                                                                  Length(max=2000)])


class UploadForm(FlaskForm):
    file = FileField("Bijlage (PDF, DOCX of ODT, hoogstens 10 MB)", validators=[FileRequired()])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class AppealForm(FlaskForm):
    grounds = TextAreaField("Welke materiële fout werd gemaakt?",
                            validators=[DataRequired(), Length(max=10000)])
    referenced_documents = TextAreaField("Documentatie die niet of onvoldoende werd meegenomen "
                                         "(één per regel)", validators=[Length(max=5000)])
    attachment_ids = MultiCheckboxField("Bijlagen van uw kandidatuur", coerce=int,
                                        validators=[Optional()])


def answer_field(key: str) -> str:
    return "answer_" + key.replace(".", "_")


def candidacy_form(candidacy: Candidacy, challenges):
    """The candidacy form for this addendum's regional challenges."""
    class CandidacyForm(FlaskForm):
        # Placeholders that receive the refusals the operations name (field=...).
        contributions = HiddenField()
        answers = HiddenField()
        declarations = HiddenField()
        partnership_fit = TextAreaField(_("Hoe is uw organisatie fit for partnership?"),
                                        validators=[Length(max=20000)])

    for c in challenges:
        setattr(CandidacyForm, f"challenge_{c.code}", BooleanField(f"{c.code} – {c.title}"))
        setattr(CandidacyForm, f"contribution_{c.code}",
                TextAreaField(_("Uw (unieke) bijdrage aan %(code)s", code=c.code),
                              validators=[Length(max=20000)]))
    for key in ops.QUESTION_KEYS:
        criterion, number = key.split(".")
        setattr(CandidacyForm, answer_field(key),
                TextAreaField(_(ASSESSMENT_QUESTIONS[Criterion(criterion)][int(number) - 1]),
                              validators=[Length(max=20000)]))
    for d in Declaration:
        setattr(CandidacyForm, f"declaration_{d.value}", BooleanField(_(DECLARATION_TEXTS[d])))

    contributions = {c.challenge_code: c.text for c in candidacy.contributions}
    data = {"partnership_fit": candidacy.partnership_fit}
    for c in challenges:
        data[f"challenge_{c.code}"] = c.code in contributions
        data[f"contribution_{c.code}"] = contributions.get(c.code, "")
    for a in candidacy.answers:
        data[answer_field(f"{a.criterion.value}.{a.question}")] = a.text
    for d, declared in ops.declarations_of(candidacy).items():
        data[f"declaration_{d.value}"] = declared
    return CandidacyForm(data=data)


def content_of(form, challenges) -> dict:
    return {
        "contributions": {c.code: form[f"contribution_{c.code}"].data or ""
                          for c in challenges if form[f"challenge_{c.code}"].data},
        "answers": {key: form[answer_field(key)].data or "" for key in ops.QUESTION_KEYS},
        "partnership_fit": form.partnership_fit.data or "",
        "declarations": {d: bool(form[f"declaration_{d.value}"].data) for d in Declaration},
    }


# --- dashboard -----------------------------------------------------------------------------

@bp.get("/mijn-kandidaturen")
@login_required
def dashboard():
    org_ids = organisation_ids(current_user)
    if not org_ids:
        abort(404)
    organisations = db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids))
                                       .order_by(Organisation.name)).all()
    candidacies = db.session.scalars(
        select(Candidacy).where(Candidacy.organisation_id.in_(org_ids))
        .options(joinedload(Candidacy.procedure).options(joinedload(Procedure.work_area),
                                                         selectinload(Procedure.versions)),
                 joinedload(Candidacy.organisation), raiseload("*"))
        .order_by(Candidacy.created_at.desc(), Candidacy.id.desc())).unique().all()
    applied = {(c.procedure_id, c.organisation_id) for c in candidacies}
    open_procedures = db.session.scalars(
        select(Procedure).where(Procedure.state == ProcedureState.PUBLISHED)
        .options(joinedload(Procedure.work_area), selectinload(Procedure.versions),
                 raiseload("*"))
        .order_by(Procedure.id)).unique().all()
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
    candidacy = perform(ops.start_candidacy, procedure, organisation,
                        success=_("Uw kandidatuur is aangemaakt als concept."))
    if candidacy is FAILED:
        return redirect(url_for("applicant.dashboard"))
    return redirect(url_for("applicant.candidacy", candidacy_id=candidacy.id))


# --- the candidacy -------------------------------------------------------------------------

def _challenges(candidacy: Candidacy):
    return candidacy.procedure.current_version.challenges


def render_candidacy(candidacy: Candidacy, *, form=None, upload_form=None, withdraw_form=None,
                     status: int = 200):
    challenges = _challenges(candidacy)
    if form is None and candidacy.state == CandidacyState.DRAFT:
        form = candidacy_form(candidacy, challenges)
    documents = db.session.execute(
        select(Letter.id, Letter.subject, Letter.created_at, Letter.version)
        .where(Letter.candidacy_id == candidacy.id).order_by(Letter.id)).all()
    appeals = db.session.scalars(select(Appeal).where(Appeal.candidacy_id == candidacy.id)
                                 .order_by(Appeal.round)).all()
    titles = {c.code: c.title for c in challenges}
    return render_template(
        "applicant/candidacy.html", candidacy=candidacy, form=form, challenges=challenges,
        titles=titles, upload_form=upload_form or UploadForm(),
        withdraw_form=withdraw_form or WithdrawForm(), letters=documents, appeals=appeals,
        question_keys=ops.QUESTION_KEYS, answer_field=answer_field, questions=ASSESSMENT_QUESTIONS,
        criteria=list(Criterion), criterion_labels=CRITERION_LABELS,
        declarations=list(Declaration), declaration_texts=DECLARATION_TEXTS,
        state_labels=CANDIDACY_STATE_LABELS, steps=STEPS, step_of_state=STEP_OF_STATE,
        appeal_round=appeal_ops.appeal_round(candidacy),
        withdrawable=candidacy.state not in (S.WITHDRAWN, S.INADMISSIBLE, S.ADMITTED_TO_STEP4),
    ), status


@bp.route("/kandidaturen/<int:candidacy_id>", methods=["GET", "POST"])
@login_required
def candidacy(candidacy_id: int):
    candidacy = own_candidacy(candidacy_id)
    if request.method == "GET" or candidacy.state != CandidacyState.DRAFT:
        if request.method == "POST":
            abort(409)
        return render_candidacy(candidacy)
    challenges = _challenges(candidacy)
    form = candidacy_form(candidacy, challenges)
    if form.validate_on_submit():
        content = content_of(form, challenges)
        if request.form.get("action") == "submit":
            result = perform(app_ops.save_and_submit_candidacy, candidacy, form=form,
                             success=_("Uw kandidatuur is ingediend. U ontvangt een "
                                       "ontvangstbevestiging per e-mail."), **content)
        else:
            result = perform(ops.save_candidacy, candidacy, form=form,
                             success=_("Uw concept is opgeslagen."), **content)
        if result is not FAILED:
            return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))
        candidacy = own_candidacy(candidacy_id)  # after the rollback, as stored
    return render_candidacy(candidacy, form=form, status=422)


@bp.post("/kandidaturen/<int:candidacy_id>/intrekken")
@login_required
def withdraw(candidacy_id: int):
    candidacy = own_candidacy(candidacy_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        if perform(ops.withdraw_candidacy, candidacy, form.reason.data, form=form,
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
        data = form.file.data.read(app_ops.MAX_ATTACHMENT + 1)
        if perform(app_ops.add_attachment, candidacy, form.file.data.filename or "", data,
                   upload_dir=upload_dir(), form=form,
                   success=_("De bijlage is toegevoegd.")) is not FAILED:
            return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))
        candidacy = own_candidacy(candidacy_id)
    return render_candidacy(candidacy, upload_form=form, status=422)


@bp.get("/bijlagen/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    item = db.session.get(Attachment, attachment_id)
    if item is None or not may_see_attachment(current_user, item.candidacy):
        abort(404)
    path = os.path.join(upload_dir(), item.storage_key)
    if not os.path.isfile(path):
        abort(404)
    response = send_file(path, mimetype=item.media_type, as_attachment=True,
                         download_name=item.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- letters -------------------------------------------------------------------------------

def own_letter(letter_id: int) -> Letter:
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.candidacy_id is None:
        abort(404)
    own_candidacy(letter.candidacy_id)
    return letter


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
    response = Response(item.pdf, content_type="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{item.filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the appeal ----------------------------------------------------------------------------

def appeal_deadline_of(candidacy: Candidacy, round_no: int | None):
    """The deadline the applicant sees: the later of 14 days after receipt and what the
    decision letter stated (appeals.rules.effective_appeal_deadline)."""
    if round_no is None:
        return None
    notice = candidacy.notice(round_no)
    if notice is None:
        return None
    stated = letters.latest_letter(candidacy, letters.decision_kind(round_no, selected=False))
    return effective_appeal_deadline(notice.received_at,
                                     stated.appeal_deadline if stated else None)


@bp.route("/kandidaturen/<int:candidacy_id>/weerwoord", methods=["GET", "POST"])
@login_required
def appeal(candidacy_id: int):
    candidacy = own_candidacy(candidacy_id)
    round_no = appeal_ops.appeal_round(candidacy)
    form = AppealForm()
    form.attachment_ids.choices = [(a.id, a.filename) for a in candidacy.attachments]
    if form.validate_on_submit():
        chosen = {a.id: a.filename for a in candidacy.attachments}
        documents = [line.strip() for line in (form.referenced_documents.data or "").splitlines()
                     if line.strip()]
        documents += [_("Bijlage: %(name)s", name=chosen[i]) for i in form.attachment_ids.data
                      if i in chosen]
        if perform(appeal_ops.file_appeal, candidacy, form.grounds.data, documents, form=form,
                   success=_("Uw weerwoord is ingediend. U ontvangt een ontvangstbevestiging "
                             "per e-mail.")) is not FAILED:
            return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))
        candidacy = own_candidacy(candidacy_id)
    existing = db.session.scalar(select(Appeal).where(Appeal.candidacy_id == candidacy.id,
                                                      Appeal.round == round_no)) \
        if round_no else None
    return render_template("applicant/appeal.html", candidacy=candidacy, form=form,
                           round_no=round_no, existing=existing,
                           deadline=appeal_deadline_of(candidacy, round_no)), \
        422 if form.errors else 200
