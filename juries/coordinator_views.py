"""The coordinator's jury pages: composition (R-JURY-1), starting round 1, the round
boards with what is still missing, pitches (R-PITCH-1), the letters of the procedure
with their delivery, letter previews, and retrying a failed e-mail.

Thin views: access (a procedure the user does not coordinate answers 404), the form's
shape, one operation through :func:`perform`, redirect.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from juries import operations as jury_ops
from juries import round_operations as round_ops
from juries.board_rows import board_rows_html
from juries.forms import (
    JuryForm,
    PitchHeldForm,
    PitchNoShowForm,
    PitchSessionForm,
    PlanPitchForm,
)
from juries.notifications import preview_round_decision
from juries.page_queries import broken_juries, jury_member_blocs, round_board_lines
from juries.queries import (
    free_pitch_slots,
    jury_with_members,
    matchmakers,
    pitch_planning,
    round_board_rows,
    slot_label,
    would_be_selected,
)
from juries.rules import (
    BLOC_LABELS,
    Bloc,
    PitchOutcome,
    admitted_after_round_2,
    jury_is_complete,
    missing_blocs,
    passes_threshold,
)
from matching.candidacies.queries import candidacy_or_404
from matching.candidacies.rules import CRITERION_LABELS, Criterion, check_inadmissibility_open
from matching.core.db import db
from matching.core.errors import DomainError, PermissionDenied, allowed
from matching.core.forms import mark_failed_submit
from matching.core.web import FAILED, letter_page, message_of, perform, utcnow
from matching.letters.content import IncompleteLetter
from workareas import operations as area_ops
from workareas.forms import from_local
from workareas.models import PitchSlot
from workareas.queries import procedure_or_404
from workareas.rules import (
    PROCEDURE_STATE_LABELS,
    ProcedureState,
    ProcedureStep,
    SessionPlan,
    next_procedure_state,
)

CLOSE_STEP = {1: ProcedureStep.CLOSE_ROUND_1, 2: ProcedureStep.CLOSE_ROUND_2}


def round_is_open(procedure, round_no: int, waiting: int) -> bool:
    """Whether the round can still be closed (the same table the operation asks): in its
    own state; after it (round 1 in round 2 or decided, round 2 in a decided procedure) only
    while a candidacy awaits it (an appeal reversed, an inadmissibility overturned)."""
    if not allowed(next_procedure_state, procedure.state, CLOSE_STEP[round_no]):
        return False
    own = ProcedureState.ROUND_1 if round_no == 1 else ProcedureState.ROUND_2
    return procedure.state == own or waiting > 0

bp = Blueprint("rounds", __name__)


def _compose(procedure, members, *, actor, now, chair=None):
    """compose_jury, with a refusal of the composition shown next to the jury form."""
    try:
        return jury_ops.compose_jury(procedure, members, actor=actor, now=now, chair=chair)
    except PermissionDenied:
        raise
    except DomainError as error:
        error.field = error.field or "members"
        raise


def _render_jury(procedure, form, candidates, status=200, blocs=None):
    jury = jury_with_members(procedure)
    if blocs is None:
        blocs = [m.bloc for m in jury.members] if jury else []
    return render_template(
        "coordinator/jury.html", procedure=procedure, form=form, jury=jury,
        # a posted form may have other rows than there are matchmakers now: pair what is there
        rows=list(zip(form.rows.entries, candidates, strict=False)),
        complete=jury_is_complete(blocs),
        missing=[BLOC_LABELS[b] for b in missing_blocs(blocs)], count=len(blocs),
        bloc_labels=BLOC_LABELS, state_labels=PROCEDURE_STATE_LABELS,
        can_start=allowed(next_procedure_state, procedure.state, ProcedureStep.START_ROUND_1),
        broken=broken_juries(procedure),
        chair_id=(request.form.get("chair", "") if request.method == "POST"
                  else next((str(m.user_id) for m in jury.members if m.chair), "") if jury
                  else ""),
    ), status


@bp.route("/coordinatie/procedures/<int:procedure_id>/jury", methods=["GET", "POST"])
@login_required
def jury(procedure_id: int):
    procedure = procedure_or_404(current_user, procedure_id)
    candidates = matchmakers()
    by_id = {str(u.id): u for u in candidates}
    form = JuryForm()
    if not form.is_submitted():
        current = jury_with_members(procedure)
        seats = {m.user_id: m for m in current.members} if current else {}
        form = JuryForm(formdata=None, data={"rows": [
            {"user_id": str(u.id), "selected": u.id in seats,
             "bloc": seats[u.id].bloc.value if u.id in seats else "",
             "affiliation": seats[u.id].affiliation if u.id in seats else ""}
            for u in candidates]})
        return _render_jury(procedure, form, candidates)
    posted = [by_id.get(e.form.user_id.data) for e in form.rows.entries]
    known = [u for u in posted if u is not None]
    if len(known) != len(posted):  # a row names no matchmaker
        abort(400)
    if form.validate():
        chosen = [(u, e.form) for u, e in zip(known, form.rows.entries, strict=True)
                  if e.form.selected.data]
        no_bloc = [u.name for u, row in chosen if not row.bloc.data]
        if no_bloc:
            form.members.errors = [_("Kies de geleding van %(names)s.", names=", ".join(no_bloc))]
            mark_failed_submit()
        else:
            members = [(u, Bloc(row.bloc.data), row.affiliation.data or "") for u, row in chosen]
            result = perform(_compose, procedure, members, form=form,
                             chair=by_id.get(request.form.get("chair", "")),
                             success=_("De jury is samengesteld."))
            if result is not FAILED:
                return redirect(url_for(".jury", procedure_id=procedure_id))
            procedure = procedure_or_404(current_user, procedure_id)
    blocs = [Bloc(e.form.bloc.data) for e in form.rows.entries
             if e.form.selected.data and e.form.bloc.data in Bloc._value2member_map_]
    return _render_jury(procedure, form, posted, status=422, blocs=blocs)


@bp.post("/coordinatie/procedures/<int:procedure_id>/ronde-1-starten")
@login_required
def start_round_1(procedure_id: int):
    procedure = procedure_or_404(current_user, procedure_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    if perform(round_ops.start_round_1, procedure,
               success=_("Ronde 1 is gestart: de jury kan beoordelen.")) is FAILED:
        return redirect(url_for(".jury", procedure_id=procedure_id))
    return redirect(url_for(".board", procedure_id=procedure_id, round_no=1))


# --- round boards and pitches -------------------------------------------------------------

def _render_board(procedure, round_no, status=200, failed=None):
    """``failed`` = (candidacy id, form name, form) of a refused pitch form.

    Issue 17: the rows are the columns shown (:func:`round_board_lines`), not the objects
    the closing of the round loads; what the page offers per row is asked of the same rules
    as the operations, with what is per page (the time, the free slots) computed once."""
    rows = round_board_lines(procedure, round_no)
    now = utcnow()
    forms = {}  # only where the page shows them: round 2, pitch not yet held
    may_record: dict[int, bool] = {}
    slots = free_pitch_slots(procedure, now) if round_no == 2 else []
    if round_no == 2:
        choices = [(s.id, slot_label(s)) for s in slots]
        for row in rows:
            if row.pitch and row.pitch.held_at:
                continue
            own = {"plan": PlanPitchForm(formdata=None, prefix=f"pitch{row.id}"),
                   "held": PitchHeldForm(formdata=None, prefix=f"held{row.id}"),
                   "no_show": PitchNoShowForm(formdata=None, prefix=f"noshow{row.id}")}
            if failed and failed[0] == row.id:
                own[failed[1]] = failed[2]
            own["plan"].slot.choices = list(choices)
            forms[row.id] = own
            # the same rule as the operations (held and no-show open alike): a planned
            # pitch whose moment began, recorded neither way
            may_record[row.id] = round_ops.board_pitch_outcome_open(
                row.pitch, PitchOutcome.HELD, now)
    members = jury_member_blocs(procedure)
    return render_template(
        "coordinator/board.html", procedure=procedure, round_no=round_no, rows=rows,
        board_rows=board_rows_html, forms=forms, may_record=may_record, criteria=list(Criterion),
        criterion_labels=CRITERION_LABELS,
        ready=sum(1 for r in rows if r.readiness.ready), state_labels=PROCEDURE_STATE_LABELS,
        may_declare_inadmissible=allowed(check_inadmissibility_open, procedure.state),
        has_slots=bool(slots), broken=broken_juries(procedure, members), bloc_labels=BLOC_LABELS,
        is_open=round_is_open(procedure, round_no, len(rows)),
        can_start=round_no == 1 and allowed(next_procedure_state, procedure.state,
                                            ProcedureStep.START_ROUND_1),
        # (shown only before round 1)
        jury_complete=jury_is_complete([bloc for _, bloc in members])), status


def _round_or_404(round_no: int) -> int:
    if round_no not in (1, 2):
        abort(404)
    return round_no


@bp.get("/coordinatie/procedures/<int:procedure_id>/rondes/<int:round_no>")
@login_required
def board(procedure_id: int, round_no: int):
    procedure = procedure_or_404(current_user, procedure_id)
    return _render_board(procedure, _round_or_404(round_no))


@bp.route("/coordinatie/procedures/<int:procedure_id>/rondes/<int:round_no>/afsluiten",
          methods=["GET", "POST"])
@login_required
def close_round(procedure_id: int, round_no: int):
    """GET: what closing will do (how many letters, to whom, what can no longer change),
    with the button that confirms; POST: close the round."""
    procedure = procedure_or_404(current_user, procedure_id)
    _round_or_404(round_no)
    if request.method == "GET":
        rows = round_board_rows(procedure, round_no)
        selected = [r for r in rows if r.readiness.ready and (
            passes_threshold({c: d.score for c, d in r.decisions.items()}) if round_no == 1
            else admitted_after_round_2({c: d.score for c, d in r.decisions.items()},
                                        no_show=bool(r.pitch and r.pitch.no_show_at)))]
        not_selected = [r for r in rows if r.readiness.ready and r not in selected]
        return render_template(
            "coordinator/confirm_close.html", procedure=procedure, round_no=round_no,
            rows=rows, selected=selected, not_selected=not_selected,
            not_ready=[r for r in rows if not r.readiness.ready],
            is_open=round_is_open(procedure, round_no, len(rows)))
    if not FlaskForm().validate_on_submit():
        abort(400)
    perform(round_ops.close_round, procedure, round_no,
            success=_("Ronde %(round)s is afgesloten; de beslissingsbrieven staan klaar voor "
                      "verzending.", round=round_no))
    return redirect(url_for(".board", procedure_id=procedure_id, round_no=round_no))


@bp.post("/coordinatie/kandidaturen/<int:candidacy_id>/pitch")
@login_required
def plan_pitch(candidacy_id: int):
    candidacy = candidacy_or_404(current_user, candidacy_id)
    procedure_id = candidacy.procedure_id
    form = PlanPitchForm(prefix=f"pitch{candidacy_id}")
    if form.validate_on_submit():
        slot = db.session.get(PitchSlot, form.slot.data) if form.slot.data else None
        if slot is None:
            form.slot.errors = [_("Kies een vrij pitch-moment.")]
            mark_failed_submit()
        elif perform(round_ops.plan_pitch, candidacy, slot, form=form,
                     success=_("De pitch is gepland en de uitnodiging staat klaar.")) is not FAILED:
            return redirect(url_for(".board", procedure_id=procedure_id, round_no=2))
    procedure = procedure_or_404(current_user, procedure_id)
    return _render_board(procedure, 2, status=422, failed=(candidacy_id, "plan", form))


def _record_pitch_outcome(candidacy_id: int, form_class, prefix: str, failed_as: str,
                          operation, text_field: str, success: str):
    """A pitch's outcome from its row of the round-2 board (issue 13): the coordinator's
    candidacy (else 404), the row's form, ``operation`` with the form's ``text_field``,
    committed once (``perform``); back to the board, or the board again with the form's
    errors next to its row (422)."""
    candidacy = candidacy_or_404(current_user, candidacy_id)
    procedure_id = candidacy.procedure_id
    form = form_class(prefix=f"{prefix}{candidacy_id}")
    if form.validate_on_submit() and perform(
            operation, candidacy, form[text_field].data, form=form,
            success=success) is not FAILED:
        return redirect(url_for(".board", procedure_id=procedure_id, round_no=2))
    procedure = procedure_or_404(current_user, procedure_id)
    return _render_board(procedure, 2, status=422, failed=(candidacy_id, failed_as, form))


@bp.post("/coordinatie/kandidaturen/<int:candidacy_id>/pitch-gehouden")
@login_required
def pitch_held(candidacy_id: int):
    return _record_pitch_outcome(candidacy_id, PitchHeldForm, "held", "held",
                                 round_ops.record_pitch_held, "report",
                                 _("De pitch is geregistreerd."))


@bp.post("/coordinatie/kandidaturen/<int:candidacy_id>/niet-opgedaagd")
@login_required
def pitch_no_show(candidacy_id: int):
    """Issue 13: the organisation did not come to its pitch."""
    return _record_pitch_outcome(candidacy_id, PitchNoShowForm, "noshow", "no_show",
                                 round_ops.record_no_show, "note",
                                 _("Geregistreerd: de organisatie is niet opgedaagd."))


# --- pitch sessions: planning the days (issue 13) -------------------------------------------

def _render_planning(procedure, form=None, status=200):
    appointments = pitch_planning(procedure)
    waiting = [r.candidacy for r in round_board_rows(procedure, 2) if r.pitch is None] \
        if procedure.state == ProcedureState.ROUND_2 else []
    return render_template(
        "coordinator/pitch_planning.html", procedure=procedure,
        sessions=procedure.pitch_sessions, appointments=appointments, waiting=waiting,
        moments=[s for s in procedure.pitch_slots if s.session_id is None],
        form=form or PitchSessionForm(formdata=None), slot_label=slot_label,
        may_add=procedure.state != ProcedureState.RATIFIED), status


@bp.get("/coordinatie/procedures/<int:procedure_id>/pitchplanning")
@login_required
def pitch_planning_page(procedure_id: int):
    """The pitch days of the procedure: each session with its slots and who pitches in
    each, the pitch moments without a session, the selected candidacies still without a
    slot, and the form for a new session."""
    return _render_planning(procedure_or_404(current_user, procedure_id))


@bp.post("/coordinatie/procedures/<int:procedure_id>/pitchsessies")
@login_required
def add_pitch_session(procedure_id: int):
    procedure = procedure_or_404(current_user, procedure_id)
    form = PitchSessionForm()
    if form.validate_on_submit():
        starts = from_local(datetime.combine(form.day.data, form.starts_at.data)) or abort(400)
        ends = from_local(datetime.combine(form.day.data, form.ends_at.data)) or abort(400)
        plan = SessionPlan(starts, ends,
                           form.slot_minutes.data, form.break_minutes.data,
                           form.pause_after.data or None, form.pause_minutes.data or 0)
        if perform(area_ops.add_pitch_session, procedure, plan, form.location.data,
                   pick_until=from_local(form.pick_until.data), form=form,
                   success=_("De pitchsessie is toegevoegd.")) is not FAILED:
            return redirect(url_for(".pitch_planning_page", procedure_id=procedure_id))
        procedure = procedure_or_404(current_user, procedure_id)
    return _render_planning(procedure, form, status=422)


@bp.get("/coordinatie/kandidaturen/<int:candidacy_id>/voorbeeld/<int:round_no>")
@login_required
def preview(candidacy_id: int, round_no: int):
    candidacy = candidacy_or_404(current_user, candidacy_id)
    _round_or_404(round_no)
    try:
        html = preview_round_decision(candidacy, round_no,
                                      would_be_selected(candidacy, round_no), utcnow())
    except IncompleteLetter as error:
        return render_template("coordinator/preview_incomplete.html", candidacy=candidacy,
                               round_no=round_no, message=message_of(error)), 422
    return letter_page(html)
