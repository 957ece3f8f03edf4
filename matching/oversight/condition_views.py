"""The six conditions of a procedure (R-OBS-1), the observations on them and their
answers, the ratification, and the final report of step 3.

Who sees what: observers (Europa WSE) and the coordinators of the work area see the
conditions, the observations and the final report; only observers record an observation
or ratify, only the coordinators answer. Anyone else gets 404 (another's object).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from matching.accounts.rules import Role, can_coordinate
from matching.audit.queries import latest_checkpoint_age
from matching.core.dates import format_brussels
from matching.core.db import db
from matching.core.errors import DomainError, allowed
from matching.core.web import FAILED, confirmation_page, confirmed, perform, show_errors, utcnow
from matching.oversight.facts import STATUS_LABELS, TITLES, Status
from matching.oversight.facts_queries import ProcedureRow, with_published_addendum
from matching.oversight.forms import AnswerForm, ObservationForm, RatifyForm, RefusalForm
from matching.oversight.kept_conditions import evaluate_for_page
from matching.oversight.models import FinalReport, Observation, RatificationRefusal
from matching.oversight.operations import (
    answer_observation,
    answer_refusal,
    check_ratification_open,
    ratify,
    record_observation,
    refuse_ratification,
)
from matching.oversight.report import build_final_report
from matching.oversight.rules import unmet
from workareas.models import Procedure, WorkArea
from workareas.rules import (
    PROCEDURE_STATE_LABELS,
    ProcedureState,
    ProcedureStep,
    next_procedure_state,
)

bp = Blueprint("conditions", __name__)


def _is_observer() -> bool:
    return current_user.has_role(Role.OBSERVER)


# issue 17: the page's statements built once (no statement built, no cache key computed per
# request). (Not the work area joined to the procedure as a relationship: an operation locks
# the procedure by refreshing it FOR UPDATE, which PostgreSQL refuses on the nullable side of
# an outer join; the page's own statement below reads the work area's name as a column.)
_PROCEDURE = select(Procedure).where(Procedure.id == bindparam("procedure_id"))
_REFUSALS = (
    select(RatificationRefusal).where(RatificationRefusal.procedure_id == bindparam("procedure_id"))
    .options(selectinload(RatificationRefusal.observer),
             selectinload(RatificationRefusal.answered_by))
    .order_by(RatificationRefusal.id))
_OBSERVATIONS = (
    select(Observation).where(Observation.procedure_id == bindparam("procedure_id"))
    .options(selectinload(Observation.observer), selectinload(Observation.answered_by))
    .order_by(Observation.condition, Observation.id))


class _Report(NamedTuple):
    sha256: str
    created_at: datetime


class _Extras(NamedTuple):
    """What the page shows beside the procedure and its conditions."""

    area_name: str
    report: _Report | None  # the final report stored at the ratification
    refusals: bool  # there are refusals to ratify (else they are not loaded)
    observations: bool  # there are observations (else they are not loaded)


def _with_extras(*leading):
    """A statement of ``leading`` and the page's extras (:class:`_Extras`, in its order) of
    the procedure ``procedure_id``: one statement for the work area's name, the final
    report and whether refusals and observations exist (most procedures have none: then
    their statements are not sent)."""
    return (
        select(*leading, WorkArea.name, FinalReport.sha256, FinalReport.created_at,
               select(RatificationRefusal.id)
               .where(RatificationRefusal.procedure_id == Procedure.id).exists(),
               select(Observation.id).where(Observation.procedure_id == Procedure.id).exists())
        .select_from(Procedure)
        .join(WorkArea, WorkArea.id == Procedure.work_area_id)
        .outerjoin(FinalReport, FinalReport.procedure_id == Procedure.id)
        .where(Procedure.id == bindparam("procedure_id")))


_EXTRAS = _with_extras()
#: The conditions page: the procedure, its extras and (last) its published addendum's
#: columns of the facts in one statement.
_PROCEDURE_PAGE = with_published_addendum(_with_extras(Procedure))


def _extras(row) -> _Extras:
    name, sha256, created_at, refusals, observations = row
    return _Extras(name, _Report(sha256, created_at) if sha256 is not None else None,
                   bool(refusals), bool(observations))


def _allowed_or_404(procedure: Procedure | None) -> Procedure:
    """The procedure, if the user observes or coordinates it; 404 otherwise."""
    if procedure is None or not (_is_observer()
                                 or can_coordinate(current_user, procedure.work_area_id)):
        abort(404)
    return procedure


def _procedure_or_404(procedure_id: int) -> Procedure:
    """The procedure, if the user observes or coordinates it; 404 otherwise."""
    return _allowed_or_404(db.session.scalar(_PROCEDURE, {"procedure_id": procedure_id}))


def _render(procedure: Procedure, observation_form=None, answer_forms=None, status=200,
            refusal_form=None, refusal_answer_forms=None, extras: _Extras | None = None,
            row: ProcedureRow | None = None):
    results = evaluate_for_page(procedure.id, utcnow(), row=row)
    this = {"procedure_id": procedure.id}
    if extras is None:
        extras = _extras(db.session.execute(_EXTRAS, this).one())
    refusals = db.session.scalars(_REFUSALS, this).all() if extras.refusals else []
    refusal_answer_forms = refusal_answer_forms or {}
    observations = db.session.scalars(_OBSERVATIONS, this).all() if extras.observations else []
    by_condition: dict[int, list[Observation]] = {}
    for o in observations:
        by_condition.setdefault(o.condition, []).append(o)
    coordinator = can_coordinate(current_user, procedure.work_area_id)
    answer_forms = answer_forms or {}
    if coordinator:
        for o in observations:
            if o.answer is None and o.id not in answer_forms:
                answer_forms[o.id] = AnswerForm(formdata=None, prefix=f"obs{o.id}")
        for r in refusals:
            if r.answer is None and r.id not in refusal_answer_forms:
                refusal_answer_forms[r.id] = AnswerForm(formdata=None, prefix=f"ref{r.id}")
    return render_template(
        "conditions/procedure.html", procedure=procedure, area_name=extras.area_name,
        results=results,
        titles=TITLES,
        status_labels=STATUS_LABELS, Status=Status, by_condition=by_condition,
        observer=_is_observer(), coordinator=coordinator,
        observation_form=observation_form or ObservationForm(formdata=None),
        answer_forms=answer_forms, ratify_form=RatifyForm(formdata=None),
        refusals=refusals, refusal_answer_forms=refusal_answer_forms,
        refusal_form=refusal_form or RefusalForm(formdata=None),
        awaiting_answer=any(r.answer is None for r in refusals),
        unmet=unmet(results), frozen=procedure.state == ProcedureState.RATIFIED,
        may_ratify=allowed(next_procedure_state, procedure.state, ProcedureStep.RATIFY),
        report=extras.report,
        procedure_labels=PROCEDURE_STATE_LABELS), status


@bp.get("/observatie/procedures/<int:procedure_id>/voorwaarden")
@login_required
def conditions(procedure_id: int):
    row = db.session.execute(_PROCEDURE_PAGE, {"procedure_id": procedure_id}).first()
    if row is None:
        abort(404)
    procedure = _allowed_or_404(row[0])
    return _render(procedure, extras=_extras(row[1:-2]), row=_facts_row(row))


def _facts_row(row) -> ProcedureRow:
    """What the facts read of the procedure, from a row of :data:`_PROCEDURE_PAGE`."""
    procedure, version_id, deadline = row[0], row[-2], row[-1]
    return ProcedureRow(procedure.id, procedure.state, procedure.published_at,
                        procedure.work_area_id, version_id, deadline)


@bp.post("/observatie/procedures/<int:procedure_id>/opmerkingen")
@login_required
def observe(procedure_id: int):
    procedure = _procedure_or_404(procedure_id)
    if not _is_observer():
        abort(404)
    form = ObservationForm()
    if form.validate_on_submit() and perform(
            record_observation, procedure, form.condition.data, form.text.data, form=form,
            success=_("Uw opmerking is bewaard; de coördinatoren kunnen ze beantwoorden.")
    ) is not FAILED:
        return redirect(url_for(".conditions", procedure_id=procedure.id))
    return _render(procedure, observation_form=form, status=422)


@bp.post("/observatie/opmerkingen/<int:observation_id>/antwoord")
@login_required
def answer(observation_id: int):
    observation = db.session.get(Observation, observation_id)
    if observation is None:
        abort(404)
    procedure = _procedure_or_404(observation.procedure_id)
    if not can_coordinate(current_user, procedure.work_area_id):
        abort(404)
    form = AnswerForm(prefix=f"obs{observation.id}")
    if form.validate_on_submit() and perform(
            answer_observation, observation, form.answer.data, form=form,
            success=_("Uw antwoord is bewaard.")) is not FAILED:
        return redirect(url_for(".conditions", procedure_id=procedure.id))
    return _render(procedure, answer_forms={observation.id: form}, status=422)


@bp.post("/observatie/procedures/<int:procedure_id>/bekrachtigen")
@login_required
def ratify_procedure(procedure_id: int):
    procedure = _procedure_or_404(procedure_id)
    if not _is_observer():
        abort(404)
    form = RatifyForm()
    if form.validate_on_submit() and not confirmed():
        try:  # refused at once when it cannot happen now, not after the confirmation
            check_ratification_open(procedure)
        except DomainError as error:
            show_errors(error)
            return _render(procedure, status=422)
        return confirmation_page(
            _("%(title)s bekrachtigen", title=procedure.title),
            [_("Europa WSE bekrachtigt het verloop van stap 3 in %(area)s.",
               area=procedure.work_area.name),
             _("Het eindverslag van stap 3 wordt opgemaakt, verzegeld en bewaard, met de "
               "vingerafdruk van de audittrail."),
             _audit_check_wording()],
            _("Daarna is de procedure bevroren: geen enkele stap van stap 3 kan nog wijzigen "
              "(de noodprocedure van stap 4 blijft mogelijk). Een bekrachtiging kan niet "
              "ongedaan worden gemaakt."),
            url_for(".ratify_procedure", procedure_id=procedure_id),
            _("Bevestigen: bekrachtigen"), url_for(".conditions", procedure_id=procedure_id))
    if form.validate_on_submit() and perform(
            ratify, procedure,
            success=_("De procedure is bekrachtigd; het eindverslag is bewaard.")) is not FAILED:
        return redirect(url_for(".conditions", procedure_id=procedure.id))
    return _render(procedure, status=422)


def _audit_check_wording() -> str:
    """What the ratification will verify of the audit trail: from the latest full check
    (``flask audit verify``, nightly) when it is recent, else the whole trail."""
    age = latest_checkpoint_age()
    if age.usable and age.checked_at is not None:
        return _("De audittrail wordt eerst gecontroleerd: elke gebeurtenis sinds de laatste "
                 "volledige controle van %(moment)s, en die controle zelf. Als een van de zes "
                 "voorwaarden niet voldaan is, wordt de bekrachtiging geweigerd.",
                 moment=format_brussels(age.checked_at))
    if age.checked_at is not None:
        return _("De volledige audittrail wordt eerst opnieuw gecontroleerd, want de laatste "
                 "volledige controle (%(moment)s) is ouder dan twee dagen; dat kan even duren. "
                 "Als een van de zes voorwaarden niet voldaan is, wordt de bekrachtiging "
                 "geweigerd.", moment=format_brussels(age.checked_at))
    return _("De volledige audittrail wordt eerst opnieuw gecontroleerd; als een van de zes "
             "voorwaarden niet voldaan is, wordt de bekrachtiging geweigerd.")


@bp.post("/observatie/procedures/<int:procedure_id>/weigeren")
@login_required
def refuse(procedure_id: int):
    """Issue 11: an observer refuses to ratify, with a motivation."""
    procedure = _procedure_or_404(procedure_id)
    if not _is_observer():
        abort(404)
    form = RefusalForm()
    if form.validate_on_submit() and perform(
            refuse_ratification, procedure, form.motivation.data, form=form,
            success=_("Uw weigering is bewaard; de coördinatoren kunnen ze beantwoorden.")
    ) is not FAILED:
        return redirect(url_for(".conditions", procedure_id=procedure.id))
    return _render(procedure, refusal_form=form, status=422)


@bp.post("/observatie/weigeringen/<int:refusal_id>/antwoord")
@login_required
def answer_refusal_view(refusal_id: int):
    refusal = db.session.get(RatificationRefusal, refusal_id)
    if refusal is None:
        abort(404)
    procedure = _procedure_or_404(refusal.procedure_id)
    if not can_coordinate(current_user, procedure.work_area_id):
        abort(404)
    form = AnswerForm(prefix=f"ref{refusal.id}")
    if form.validate_on_submit() and perform(
            answer_refusal, refusal, form.answer.data, form=form,
            success=_("Uw antwoord is bewaard; Europa WSE beslist opnieuw.")) is not FAILED:
        return redirect(url_for(".conditions", procedure_id=procedure.id))
    return _render(procedure, refusal_answer_forms={refusal.id: form}, status=422)


@bp.get("/observatie/procedures/<int:procedure_id>/eindverslag.pdf")
@login_required
def final_report(procedure_id: int):
    """The final report of step 3: the stored one once ratified (with its hash), else
    generated on demand from the record as it stands."""

    procedure = _procedure_or_404(procedure_id)
    stored = db.session.scalar(select(FinalReport).where(FinalReport.procedure_id == procedure.id))
    pdf = stored.pdf if stored else build_final_report(procedure.id, utcnow())
    response = Response(pdf, mimetype="application/pdf")
    kind = "bekrachtigd" if stored else "voorlopig"
    response.headers["Content-Disposition"] = (
        f'inline; filename="eindverslag-stap-3-procedure-{procedure.id}-{kind}.pdf"')
    response.headers["Cache-Control"] = "no-store"
    if stored:
        response.headers["X-Content-SHA256"] = stored.sha256
    return response
