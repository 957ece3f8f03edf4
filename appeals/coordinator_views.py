"""The coordinator's appeal pages: the procedure's appeals (weerwoorden) and the
assignment of their panel of two independent appeal matchmakers (R-APP-3).

Thin views: access (a procedure the user does not coordinate answers 404), the form's
shape, one operation through :func:`perform`, redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload, raiseload, selectinload
from wtforms import SelectMultipleField, widgets

from appeals.models import Appeal, PanelMember
from appeals.operations import assign_panel
from matching.errors import N_
from matching.extensions import db
from matching.models.accounts import Role, RoleGrant, User
from matching.models.candidacies import Candidacy
from matching.statemachine import PROCEDURE_STATE_LABELS, AppealState
from matching.views_support import FAILED, perform
from workareas.coordinator_queries import procedure_or_404

bp = Blueprint("appeal_panels", __name__)

APPEAL_STATE_LABELS = {
    AppealState.FILED: N_("ingediend"),
    AppealState.UNDER_REVIEW: N_("in behandeling bij het panel"),
    AppealState.CONFIRMED: N_("niet-selectie bevestigd"),
    AppealState.REVERSED: N_("niet-selectie omgekeerd"),
}


class PanelForm(FlaskForm):
    panel = SelectMultipleField("Twee matchmakers voor weerwoorden", coerce=int,
                                validate_choice=False,
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput())


def appeal_matchmakers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(RoleGrant).where(RoleGrant.role == Role.APPEAL_MATCHMAKER)
        .order_by(User.name, User.id)))


def procedure_appeals(procedure) -> list[Appeal]:
    """The procedure's appeals with their organisation and panel (constant statements)."""
    return list(db.session.scalars(
        select(Appeal).join(Candidacy, Appeal.candidacy_id == Candidacy.id)
        .where(Candidacy.procedure_id == procedure.id)
        .options(joinedload(Appeal.candidacy).joinedload(Candidacy.organisation),
                 selectinload(Appeal.panel).joinedload(PanelMember.user), raiseload("*"))
        .order_by(Appeal.filed_at, Appeal.id)))


def _render(procedure, failed: tuple[int, PanelForm] | None = None, status: int = 200):
    people = appeal_matchmakers()
    forms = {}
    for appeal in procedure_appeals(procedure):
        form = failed[1] if failed and failed[0] == appeal.id else \
            PanelForm(formdata=None, prefix=f"appeal{appeal.id}")
        form.panel.choices = [(u.id, u.name) for u in people]
        forms[appeal] = form
    return render_template("coordinator/appeals.html", procedure=procedure, forms=forms,
                           state_labels=APPEAL_STATE_LABELS, AppealState=AppealState,
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
        elif perform(assign_panel, appeal, chosen, form=form,
                     success=_("Het panel van het weerwoord is toegewezen.")) is not FAILED:
            return redirect(url_for(".appeals", procedure_id=procedure_id))
    return _render(procedure_or_404(current_user, procedure_id), (appeal_id, form), 422)
