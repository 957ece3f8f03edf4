"""Europa WSE's read-only pages (R-OBS-1): every work area and procedure, and every record
of one procedure. This blueprint has no POST route: observers never change anything."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from juries.page_queries import (APPEAL_STATE_LABELS, CANDIDACY_STATE_LABELS, observer_overview,
                                 procedure_record)
from juries.rules import BLOC_LABELS, CRITERION_LABELS, Bloc
from matching.models.accounts import Role
from matching.navigation import register_nav
from matching.statemachine import PROCEDURE_STATE_LABELS, CandidacyState

bp = Blueprint("observer", __name__)

register_nav("Observatie", "observer.overview",
             visible=lambda u: u.is_authenticated and u.has_role(Role.OBSERVER), order=40)


@bp.before_request
@login_required
def _observers_only():
    if not current_user.has_role(Role.OBSERVER):
        abort(404)


@bp.get("/observatie")
def overview():
    areas, counts, open_appeals = observer_overview()
    return render_template("observer/overview.html", areas=areas, counts=counts,
                           open_appeals=open_appeals, states=list(CandidacyState),
                           state_labels=CANDIDACY_STATE_LABELS,
                           procedure_labels=PROCEDURE_STATE_LABELS)


@bp.get("/observatie/procedures/<int:procedure_id>")
def procedure(procedure_id: int):
    record = procedure_record(procedure_id)
    if record is None:
        abort(404)
    return render_template("observer/procedure.html", **record, blocs=list(Bloc),
                           bloc_labels=BLOC_LABELS, criterion_labels=CRITERION_LABELS,
                           state_labels=CANDIDACY_STATE_LABELS,
                           appeal_labels=APPEAL_STATE_LABELS,
                           procedure_labels=PROCEDURE_STATE_LABELS)
