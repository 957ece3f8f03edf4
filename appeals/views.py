"""The appeal panel's pages: the appeals assigned to an appeal matchmaker and their
position on each (R-APP-3). Thin views: access check, form shape, one operation."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import Position
from juries.page_queries import (APPEAL_STATE_LABELS, CANDIDACY_STATE_LABELS, panel_assignments,
                                 round_decisions)
from juries.rules import ASSESSMENT_QUESTIONS, CRITERION_LABELS, Criterion
from matching.errors import N_
from matching.models.accounts import Role
from matching.navigation import register_nav
from matching.views_support import FAILED, get_or_404, perform

bp = Blueprint("panel", __name__)

register_nav("Weerwoorden", "panel.appeals",
             visible=lambda u: u.is_authenticated and u.has_role(Role.APPEAL_MATCHMAKER), order=35)

POSITION_LABELS = {Position.CONFIRM: N_("De niet-selectie bevestigen"),
                   Position.REVERSE: N_("De niet-selectie omkeren")}


class PositionForm(FlaskForm):
    position = RadioField(_l("Uw standpunt"),
                          choices=[(p.value, POSITION_LABELS[p]) for p in Position],
                          validators=[InputRequired(message=_l("Kies: bevestigen of omkeren."))])
    motivation = TextAreaField(_l("Grondige motivering"),
                               validators=[InputRequired(message=_l(
                                   "Motiveer uw standpunt grondig (minstens 20 tekens).")),
                                   Length(max=10000)])


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
