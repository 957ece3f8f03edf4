"""The coordinator's appeal pages: the procedure's appeals (weerwoorden) and the
assignment of their panel of two independent appeal matchmakers (R-APP-3).

Thin views: access (a procedure the user does not coordinate answers 404), the form's
shape, one operation through :func:`perform`, redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from appeals.applicant_views import uploaded
from appeals.forms import PanelForm, RegisterAppealForm
from appeals.models import Appeal
from appeals.operations import assign_panel, register_appeal
from appeals.queries import appeal_matchmakers, appealable_candidacies, procedure_appeals
from appeals.rules import (
    APPEAL_CHANNEL_LABELS,
    APPEAL_STATE_LABELS,
    AppealChannel,
    AppealStep,
    next_appeal_state,
)
from matching.candidacies.models import Candidacy
from matching.core.db import db
from matching.core.errors import allowed
from matching.core.forms import mark_failed_submit
from matching.core.web import FAILED, perform
from workareas.forms import from_local
from workareas.queries import procedure_or_404
from workareas.rules import PROCEDURE_STATE_LABELS

bp = Blueprint("appeal_panels", __name__)


def _register_form(procedure, form: RegisterAppealForm | None = None) -> RegisterAppealForm:
    form = form or RegisterAppealForm(formdata=None, prefix="register")
    form.candidacy_id.choices = [(c.id, f"{c.organisation.name} ({c.reference})")
                                 for c in appealable_candidacies(procedure)]
    return form


def _render(procedure, failed: tuple[int, PanelForm] | None = None, status: int = 200,
            register: RegisterAppealForm | None = None):
    people = appeal_matchmakers()
    appeals = procedure_appeals(procedure)
    forms = {}  # only where a panel can be assigned now
    for appeal in appeals:
        if not allowed(next_appeal_state, appeal.state, AppealStep.ASSIGN_PANEL):
            continue
        form = failed[1] if failed and failed[0] == appeal.id else \
            PanelForm(formdata=None, prefix=f"appeal{appeal.id}")
        form.panel.choices = [(u.id, u.name) for u in people]
        forms[appeal] = form
    return render_template("coordinator/appeals.html", procedure=procedure, appeals=appeals,
                           forms=forms, state_labels=APPEAL_STATE_LABELS,
                           register=_register_form(procedure, register),
                           channel_labels=APPEAL_CHANNEL_LABELS,
                           procedure_state_labels=PROCEDURE_STATE_LABELS), status


@bp.get("/coordinatie/procedures/<int:procedure_id>/weerwoorden")
@login_required
def appeals(procedure_id: int):
    return _render(procedure_or_404(current_user, procedure_id))


@bp.post("/coordinatie/weerwoorden/<int:appeal_id>/panel")
@login_required
def assign(appeal_id: int):
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None:
        abort(404)
    procedure_id = appeal.candidacy.procedure_id
    procedure_or_404(current_user, procedure_id)
    form = PanelForm(prefix=f"appeal{appeal_id}")
    if form.validate_on_submit():
        people = {u.id: u for u in appeal_matchmakers()}
        chosen = [people.get(i) for i in form.panel.data or []]
        if None in chosen:
            form.panel.errors = [_("Kies enkel matchmakers voor weerwoorden.")]
            mark_failed_submit()
        elif perform(assign_panel, appeal, chosen, form=form,
                     success=_("Het panel van het weerwoord is toegewezen.")) is not FAILED:
            return redirect(url_for(".appeals", procedure_id=procedure_id))
    return _render(procedure_or_404(current_user, procedure_id), (appeal_id, form), 422)


@bp.post("/coordinatie/procedures/<int:procedure_id>/weerwoorden/registreren")
@login_required
def register(procedure_id: int):
    """Register an appeal that arrived by e-mail or post, with the moment it was received
    (issue 12: one appeal route, nothing lost)."""
    procedure = procedure_or_404(current_user, procedure_id)
    form = _register_form(procedure, RegisterAppealForm(prefix="register"))
    if form.validate_on_submit():
        candidacy = db.session.get(Candidacy, form.candidacy_id.data)
        if candidacy is None or candidacy.procedure_id != procedure.id:
            abort(404)
        documents = [line.strip() for line in (form.referenced_documents.data or "").splitlines()
                     if line.strip()]
        if perform(register_appeal, candidacy, form.grounds.data, documents,
                   channel=AppealChannel(form.channel.data),
                   received_at=from_local(form.received_at.data),
                   document=uploaded(form.document.data), form=form,
                   success=_("Het weerwoord is geregistreerd. De organisatie ontvangt een "
                             "ontvangstbevestiging.")) is not FAILED:
            return redirect(url_for(".appeals", procedure_id=procedure_id))
    return _render(procedure_or_404(current_user, procedure_id), status=422, register=form)
