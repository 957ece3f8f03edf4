"""The coordinator's pages of a work area: procedures, the addendum (draft, publication,
new versions), pitch moments, closing the intake and inadmissible candidacies.

Thin views: access check (a work area the user does not coordinate answers 404), the
form's shape, one operation through :func:`perform`, redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from matching.core.dates import format_brussels
from matching.core.errors import N_, DomainError, allowed
from matching.core.navigation import register_nav
from matching.core.web import (
    FAILED,
    confirmation_page,
    confirmed,
    perform,
    show_errors,
    utcnow,
)
from workareas import operations as area_ops
from workareas.forms import (
    AddendumForm,
    LetterSenderForm,
    PitchSlotForm,
    ProcedureForm,
    addendum_content,
    form_from_version,
    from_local,
)
from workareas.queries import (
    coordinated_work_areas,
    is_coordinator,
    procedure_for_addendum,
    work_area_or_404,
)
from workareas.rules import (
    PROCEDURE_STATE_LABELS,
    ProcedureState,
    addendum_gaps,
    check_candidacy_period,
    check_intake_closable,
    check_new_version_open,
    earliest_candidacy_deadline,
)

bp = Blueprint("coordinator", __name__)

register_nav(N_("Coördinatie"), "coordinator.dashboard", visible=is_coordinator, order=40)


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
                        changes_procedure_id=form.changes_procedure_id.data or None,
                        success=_("De procedure is aangemaakt, met een leeg ontwerp-addendum."))
    if procedure is FAILED:
        return redirect(url_for(".dashboard"))
    return redirect(url_for(".addendum", procedure_id=procedure.id))


def render_addendum(procedure, form: AddendumForm, slot_form: PitchSlotForm | None = None,
                    status: int = 200, sender_form: LetterSenderForm | None = None):
    version = procedure.current_version
    now = utcnow()
    start = procedure.published_at or now
    earliest = earliest_candidacy_deadline(start)
    deadline = version.candidacy_deadline
    gaps = addendum_gaps(area_ops.summarise(procedure, version))
    return render_template(
        "coordinator/addendum.html", procedure=procedure, version=version, form=form,
        slot_form=slot_form or PitchSlotForm(formdata=None), earliest=earliest,
        sender_form=sender_form or LetterSenderForm(formdata=None, obj=procedure.work_area),
        deadline_ok=deadline is not None and allowed(check_candidacy_period, start, deadline),
        gaps=gaps,
        state_labels=PROCEDURE_STATE_LABELS, ProcedureState=ProcedureState,
        is_draft=procedure.state == ProcedureState.DRAFT,
        new_version_open=allowed(check_new_version_open, procedure.state),
        intake_open=procedure.state == ProcedureState.PUBLISHED,
        intake_closable=allowed(check_intake_closable, procedure.state, now, deadline)), status


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
    if not confirmed():
        try:  # a refusal shows at once, next to its field, before any confirmation
            area_ops.check_publish(procedure, utcnow())
        except DomainError as error:
            show_errors(error, form)
            return render_addendum(procedure, form, status=422)
        deadline = procedure.candidacy_deadline
        return confirmation_page(
            _("Het addendum van %(title)s publiceren", title=procedure.title),
            [_("Het addendum (lokale noden, regio-uitdagingen, timing en contactpersonen) "
               "wordt openbaar op de lijst van gepubliceerde addenda en in de Atom-feed."),
             _("Organisaties kunnen zich kandidaat stellen tot %(deadline)s.",
               deadline=format_brussels(deadline)) if deadline else
             _("Er is nog geen deadline voor kandidaturen: de publicatie wordt dan geweigerd."),
             _("De zes weken tot de deadline tellen vanaf nu.")],
            _("Daarna wijzigt het addendum alleen nog via een nieuwe, zichtbare versie."),
            url_for(".publish", procedure_id=procedure_id), _("Bevestigen: publiceren"),
            url_for(".addendum", procedure_id=procedure_id))
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


@bp.post("/coordinatie/procedures/<int:procedure_id>/afzender")
@login_required
def letter_sender(procedure_id: int):
    """The sender of the work area's letters, set from the addendum page of a procedure."""
    procedure = procedure_for_addendum(current_user, procedure_id)
    sender_form = LetterSenderForm()
    if sender_form.validate_on_submit():
        result = perform(area_ops.set_letter_sender, procedure.work_area,
                         sender_form.postal_address.data or "",
                         sender_form.signatory_name.data or "",
                         sender_form.signatory_function.data or "", form=sender_form,
                         success=_("De afzender van de brieven is bewaard."))
        if result is not FAILED:
            return redirect(url_for(".addendum", procedure_id=procedure_id) + "#afzender")
        procedure = procedure_for_addendum(current_user, procedure_id)
    return render_addendum(procedure, form_from_version(procedure.current_version),
                           sender_form=sender_form, status=422)
