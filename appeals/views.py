"""The appeal panel's pages: the appeals assigned to an appeal matchmaker and their
position on each (R-APP-3). Thin views: access check, form shape, one operation."""

from __future__ import annotations

import io

from flask import Blueprint, abort, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from appeals import operations as appeal_ops
from appeals.forms import PositionForm
from appeals.models import Appeal, AppealDocument
from appeals.queries import panel_assignments
from appeals.rules import APPEAL_CHANNEL_LABELS, APPEAL_STATE_LABELS, POSITION_LABELS, Position
from juries.queries import round_decisions
from matching.accounts.rules import Role, can_coordinate
from matching.candidacies.models import Letter
from matching.candidacies.queries import candidacy_letters, organisation_ids
from matching.candidacies.rules import (
    ASSESSMENT_QUESTIONS,
    CANDIDACY_STATE_LABELS,
    CRITERION_LABELS,
    Criterion,
)
from matching.core.db import db
from matching.core.errors import N_
from matching.core.navigation import register_nav
from matching.core.web import FAILED, get_or_404, letter_page, perform

bp = Blueprint("panel", __name__)

register_nav(N_("Weerwoorden"), "panel.appeals",
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
        state_labels=APPEAL_STATE_LABELS, candidacy_labels=CANDIDACY_STATE_LABELS,
        channel_labels=APPEAL_CHANNEL_LABELS, letters=candidacy_letters(candidacy)), status


@bp.get("/weerwoorden/<int:appeal_id>/brieven/<int:letter_id>")
@login_required
def letter(appeal_id: int, letter_id: int):
    """A letter to the organisation whose appeal the panel judges (R-APP-3: the panel weighs
    the appeal against the jury's motivation, as the letter stated it)."""
    appeal, _member = _assigned_or_404(appeal_id)
    item = db.session.get(Letter, letter_id)
    if item is None or item.candidacy_id != appeal.candidacy_id:
        abort(404)
    response = letter_page(item.html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def may_read_appeal(user, appeal: Appeal) -> bool:
    """Who reads an appeal's clarifying document: the organisation that appealed, the
    coordinator of the work area, the appeal's panel and Europa WSE's observers."""
    candidacy = appeal.candidacy
    return (candidacy.organisation_id in organisation_ids(user)
            or can_coordinate(user, candidacy.procedure.work_area_id)
            or any(m.user_id == user.id for m in appeal.panel)
            or user.has_role(Role.OBSERVER))


@bp.get("/weerwoorden/documenten/<int:document_id>")
@login_required
def appeal_document(document_id: int):
    item = db.session.get(AppealDocument, document_id)
    if item is None or not may_read_appeal(current_user, item.appeal):
        abort(404)
    response = send_file(io.BytesIO(item.data), mimetype=item.media_type, as_attachment=True,
                         download_name=item.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
