"""The coordinator's pages of a work area: procedures, the addendum (draft, publication,
new versions), pitch moments, closing the intake and inadmissible candidacies.

Thin views: access check (a work area the user does not coordinate answers 404), the
form's shape, one operation through :func:`perform`, redirect.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import (DateField, DateTimeLocalField, FieldList, Form, FormField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from matching.navigation import register_nav
from matching.rules import BRUSSELS, UTC, earliest_candidacy_deadline
from matching.statemachine import PROCEDURE_STATE_LABELS, ProcedureState
from matching.views_support import FAILED, perform, utcnow
from workareas import operations as area_ops
from workareas.coordinator_queries import (candidacy_or_404, coordinated_work_areas,
                                           is_coordinator, procedure_for_addendum,
                                           procedure_or_404, work_area_or_404)
from workareas.rules import addendum_gaps

bp = Blueprint("coordinator", __name__)

register_nav("Coördinatie", "coordinator.dashboard", visible=is_coordinator, order=40)

EMPTY_ROWS = 2
LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


# --- Brussels wall-clock time in the forms, aware UTC in the operations -------------------

def to_local(instant: datetime | None) -> datetime | None:
    return instant.astimezone(BRUSSELS).replace(tzinfo=None) if instant else None


def from_local(naive: datetime | None) -> datetime | None:
    return naive.replace(tzinfo=BRUSSELS).astimezone(UTC) if naive else None


# --- forms --------------------------------------------------------------------------------

class NeedRow(Form):
    title = StringField("Titel", validators=[Length(max=300)])
    description = TextAreaField("Beschrijving")
    motivation = TextAreaField("Motivering van de keuze")


class ChallengeRow(Form):
    code = StringField("Code", validators=[Length(max=20)])
    title = StringField("Titel", validators=[Length(max=300)])
    target_groups = TextAreaField("Doelgroepen")
    obstacles = TextAreaField("Obstakels")
    opportunities = TextAreaField("Mogelijkheden")
    objectives = TextAreaField("Doelstellingen")


class ContactRow(Form):
    name = StringField("Naam", validators=[Length(max=200)])
    organisation = StringField("Organisatie", validators=[Length(max=300)])
    email = StringField("E-mailadres", validators=[Length(max=254)])
    phone = StringField("Telefoon", validators=[Length(max=50)])


class AddendumForm(FlaskForm):
    delimitation = TextAreaField("Afbakening van het werkingsgebied")
    needs = FieldList(FormField(NeedRow))
    challenges = FieldList(FormField(ChallengeRow))
    contacts = FieldList(FormField(ContactRow))
    candidacy_deadline = DateTimeLocalField("Deadline voor kandidaturen (Brusselse tijd)",
                                            format=LOCAL_FORMAT, validators=[Optional()])
    expected_decision_date = DateField("Verwacht beslissingsmoment", validators=[Optional()])
    partnership_start_date = DateField("Start van het partnerschap", validators=[Optional()])
    change_note = TextAreaField("Wat verandert er in deze nieuwe versie?")


class ProcedureForm(FlaskForm):
    title = StringField("Titel van de procedure", validators=[Length(max=200)])


class PitchSlotForm(FlaskForm):
    starts_at = DateTimeLocalField("Begin (Brusselse tijd)", format=LOCAL_FORMAT,
                                   validators=[InputRequired()])
    ends_at = DateTimeLocalField("Einde (Brusselse tijd)", format=LOCAL_FORMAT,
                                 validators=[InputRequired()])
    location = StringField("Plaats of link", validators=[DataRequired(), Length(max=300)])


class ReasonForm(FlaskForm):
    reason = TextAreaField("Procedurele reden", validators=[DataRequired()])


def _row_values(row: Form) -> dict[str, str]:
    return {name: (field.data or "").strip() for name, field in row._fields.items()}


def addendum_content(form: AddendumForm) -> dict:
    """The operation's content dict; fully empty repeated rows are ignored."""
    def rows(field_list):
        return [values for values in (_row_values(e.form) for e in field_list.entries)
                if any(values.values())]
    return {
        "delimitation": (form.delimitation.data or "").strip(),
        "needs": rows(form.needs),
        "challenges": rows(form.challenges),
        "contacts": rows(form.contacts),
        "candidacy_deadline": from_local(form.candidacy_deadline.data),
        "expected_decision_date": form.expected_decision_date.data,
        "partnership_start_date": form.partnership_start_date.data,
    }


def form_from_version(version) -> AddendumForm:
    """The form filled with the version: its rows plus two empty ones per group."""
    content = area_ops.version_content(version)
    content["candidacy_deadline"] = to_local(content["candidacy_deadline"])
    form = AddendumForm(formdata=None, data=content)
    for field_list in (form.needs, form.challenges, form.contacts):
        for _i in range(EMPTY_ROWS):
            field_list.append_entry()
    return form


# --- pages --------------------------------------------------------------------------------

@bp.get("/coordinatie")
@login_required
def dashboard():
    if not is_coordinator(current_user):
        abort(404)
    return render_template("coordinator/dashboard.html",
                           areas=coordinated_work_areas(current_user),
                           state_labels=PROCEDURE_STATE_LABELS, form=ProcedureForm(),
                           ProcedureState=ProcedureState)


@bp.post("/coordinatie/werkingsgebieden/<int:area_id>/procedures")
@login_required
def create_procedure(area_id: int):
    area = work_area_or_404(current_user, area_id)
    form = ProcedureForm()
    if not form.validate_on_submit():
        return render_template("coordinator/dashboard.html",
                               areas=coordinated_work_areas(current_user),
                               state_labels=PROCEDURE_STATE_LABELS, form=form,
                               ProcedureState=ProcedureState), 422
    procedure = perform(area_ops.create_procedure, area, form.title.data or "",
                        success=_("De procedure is aangemaakt, met een leeg ontwerp-addendum."))
    if procedure is FAILED:
        return redirect(url_for(".dashboard"))
    return redirect(url_for(".addendum", procedure_id=procedure.id))


def render_addendum(procedure, form: AddendumForm, slot_form: PitchSlotForm | None = None,
                    status: int = 200):
    version = procedure.current_version
    now = utcnow()
    start = procedure.published_at or now
    earliest = earliest_candidacy_deadline(start)
    deadline = version.candidacy_deadline
    gaps = addendum_gaps(area_ops.summarise(procedure, version))
    return render_template(
        "coordinator/addendum.html", procedure=procedure, version=version, form=form,
        slot_form=slot_form or PitchSlotForm(formdata=None), earliest=earliest,
        deadline_ok=deadline is not None and deadline >= earliest, gaps=gaps,
        state_labels=PROCEDURE_STATE_LABELS, ProcedureState=ProcedureState,
        is_draft=procedure.state == ProcedureState.DRAFT), status


@bp.route("/coordinatie/procedures/<int:procedure_id>/addendum", methods=["GET", "POST"])
@login_required
def addendum(procedure_id: int):
    procedure = procedure_for_addendum(current_user, procedure_id)
    if not (form := AddendumForm()).is_submitted():
        return render_addendum(procedure, form_from_version(procedure.current_version))
    if form.validate():
        content = addendum_content(form)
        if procedure.state == ProcedureState.DRAFT:
            result = perform(area_ops.edit_draft_addendum, procedure, content, form=form,
                             success=_("Het ontwerp-addendum is bewaard."))
        else:
            result = perform(area_ops.publish_new_version, procedure, content,
                             form.change_note.data or "", form=form,
                             success=_("De nieuwe versie van het addendum is gepubliceerd."))
        if result is not FAILED:
            return redirect(url_for(".addendum", procedure_id=procedure.id))
        procedure = procedure_for_addendum(current_user, procedure_id)
    return render_addendum(procedure, form, status=422)


@bp.post("/coordinatie/procedures/<int:procedure_id>/publiceren")
@login_required
def publish(procedure_id: int):
    procedure = procedure_for_addendum(current_user, procedure_id)
    if not FlaskForm().validate_on_submit():  # the CSRF token only
        abort(400)
    form = form_from_version(procedure.current_version)
    result = perform(area_ops.publish_addendum, procedure, form=form,
                     success=_("Het addendum is gepubliceerd: de kandidaturen staan open."))
    if result is not FAILED:
        return redirect(url_for(".addendum", procedure_id=procedure_id))
    return render_addendum(procedure_for_addendum(current_user, procedure_id), form, status=422)


@bp.post("/coordinatie/procedures/<int:procedure_id>/pitchmomenten")
@login_required
def add_pitch_slot(procedure_id: int):
    procedure = procedure_for_addendum(current_user, procedure_id)
    slot_form = PitchSlotForm()
    if slot_form.validate_on_submit():
        result = perform(area_ops.add_pitch_slot, procedure, from_local(slot_form.starts_at.data),
                         from_local(slot_form.ends_at.data), slot_form.location.data,
                         form=slot_form, success=_("Het pitch-moment is toegevoegd."))
        if result is not FAILED:
            return redirect(url_for(".addendum", procedure_id=procedure_id))
        procedure = procedure_for_addendum(current_user, procedure_id)
    return render_addendum(procedure, form_from_version(procedure.current_version), slot_form,
                           status=422)


@bp.post("/coordinatie/procedures/<int:procedure_id>/kandidaturen-afsluiten")
@login_required
def close_candidacies(procedure_id: int):
    procedure = procedure_or_404(current_user, procedure_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    result = perform(area_ops.close_candidacies, procedure,
                     success=_("De kandidaturen zijn afgesloten."))
    if result is FAILED:
        return redirect(url_for(".dashboard"))
    return redirect(url_for("rounds.board", procedure_id=procedure_id, round_no=1))


@bp.route("/coordinatie/kandidaturen/<int:candidacy_id>/onontvankelijk", methods=["GET", "POST"])
@login_required
def inadmissible(candidacy_id: int):
    from matching.operations import declare_inadmissible

    candidacy = candidacy_or_404(current_user, candidacy_id)
    form = ReasonForm()
    if form.validate_on_submit():
        result = perform(declare_inadmissible, candidacy, form.reason.data, form=form,
                         success=_("De kandidatuur is onontvankelijk verklaard."))
        if result is not FAILED:
            return redirect(url_for("rounds.board", procedure_id=candidacy.procedure_id,
                                    round_no=1))
        candidacy = candidacy_or_404(current_user, candidacy_id)
    status = 422 if form.is_submitted() else 200
    return render_template("coordinator/inadmissible.html", candidacy=candidacy,
                           form=form), status
