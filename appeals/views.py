"""The appeal panel's pages: the appeals assigned to an appeal matchmaker and their
position on each (R-APP-3). Thin views: access check, form shape, one operation."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from appeals import operations as appeal_ops
from appeals.forms import PositionForm
from appeals.models import Appeal
from appeals.queries import panel_assignments
from appeals.rules import APPEAL_STATE_LABELS, POSITION_LABELS, Position
from juries.queries import round_decisions
from matching.accounts.rules import Role
from matching.candidacies.rules import (
    ASSESSMENT_QUESTIONS,
    CANDIDACY_STATE_LABELS,
    CRITERION_LABELS,
    Criterion,
)
from matching.core.navigation import register_nav
from matching.core.web import FAILED, get_or_404, perform

bp = Blueprint("panel", __name__)

register_nav("Weerwoorden", "panel.appeals",
             visible=lambda u: u.is_authenticated and u.has_role(Role.APPEAL_MATCHMAKER), order=35)


def _require_appeal_matchmaker():
    if not current_user.has_role(Role.APPEAL_MATCHMAKER):
        abort(404)


def _assigned_or_404(appeal_id: int):
    _require_appeal_matchmaker()
    appeal = get_or_404(Appeal, appeal_id)
    member = next((m for m in appeal.panel if m.user_id == current_user.id), None)
    if member is None:
        abort(404)
    return appeal, member


@bp.get("/weerwoorden")
@login_required
def appeals():
    _require_appeal_matchmaker()
    return render_template("panel/list.html", assignments=panel_assignments(current_user.id),
                           state_labels=APPEAL_STATE_LABELS)


@bp.route("/weerwoorden/<int:appeal_id>", methods=["GET", "POST"])
@login_required
def appeal(appeal_id: int):
    appeal, member = _assigned_or_404(appeal_id)
    form = PositionForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            if perform(appeal_ops.record_position, appeal, Position(form.position.data),
                       form.motivation.data, form=form,
                       success=_("Uw standpunt is vastgelegd.")) is not FAILED:
                return redirect(url_for("panel.appeal", appeal_id=appeal.id))
        status = 422
    candidacy = appeal.candidacy
    others = [m for m in appeal.panel if m.user_id != current_user.id]
    return render_template(
        "panel/appeal.html", appeal=appeal, member=member, others=others, form=form,
        candidacy=candidacy, decisions=round_decisions(candidacy.id, appeal.round),
        criteria=[(c, CRITERION_LABELS[c], ASSESSMENT_QUESTIONS[c]) for c in Criterion],
        answers={(a.criterion, a.question): a.text for a in candidacy.answers},
        criterion_labels=CRITERION_LABELS, position_labels=POSITION_LABELS,
        state_labels=APPEAL_STATE_LABELS, candidacy_labels=CANDIDACY_STATE_LABELS), status
