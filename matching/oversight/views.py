"""Europa WSE's pages: every work area and procedure read-only, the six conditions with their
evidence, observations and answers, ratification, the final report, the audit trail and the
exports."""

from __future__ import annotations

from collections.abc import Iterator

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from appeals.queries import appeals_of
from appeals.rules import APPEAL_CHANNEL_LABELS, APPEAL_STATE_LABELS, POSITION_LABELS
from juries.emergency.operations import emergencies_of
from juries.models import JuryDecision
from juries.rules import BLOC_LABELS, Bloc
from matching.accounts.rules import Role, can_coordinate, is_administrator
from matching.candidacies.models import Candidacy, Letter
from matching.candidacies.queries import candidacy_letters
from matching.candidacies.rules import (
    ASSESSMENT_QUESTIONS,
    CANDIDACY_STATE_LABELS,
    CRITERION_LABELS,
    CandidacyState,
    Criterion,
)
from matching.core.db import db
from matching.core.errors import N_
from matching.core.navigation import register_nav
from matching.core.web import letter_page, utcnow
from matching.letters.content import LETTER_KIND_LABELS
from matching.letters.render import DEADLINE_WORDING, format_clock, format_day
from matching.oversight import evaluation as figures
from matching.oversight import exports
from matching.oversight import trail as trail_words
from matching.oversight.facts import Status
from matching.oversight.kept_conditions import evaluate_overview, procedure_marks
from matching.oversight.queries import (
    TRAIL_LIMIT,
    audit_trail,
    evaluation_facts,
    observer_overview,
    procedure_record,
)
from workareas.models import Procedure
from workareas.rules import PROCEDURE_STATE_LABELS

bp = Blueprint("observer", __name__)

register_nav(N_("Observatie"), "observer.overview",
             visible=lambda u: u.is_authenticated and u.has_role(Role.OBSERVER), order=40)


@bp.before_request
@login_required
def _observers_only():
    if request.endpoint in _EXPORT_ENDPOINTS or request.endpoint in _EVALUATION_ENDPOINTS:
        return None  # these decide access themselves (observers, admins, coordinators)
    if not current_user.has_role(Role.OBSERVER):
        abort(404)


@bp.get("/observatie")
def overview():
    marks = procedure_marks()
    areas, counts, open_appeals = observer_overview(marks)
    # Per procedure what its row shows of the six conditions: how many are met, which not.
    summary = {pid: {"met": sum(1 for r in results if r.status == Status.MET),
                     "failed": [r.number for r in results if r.status == Status.NOT_MET]}
               for pid, results in evaluate_overview(utcnow(), marks).items()}
    # and its candidacies per state, in the states' order, the states it has (issue 17: not
    # every state tried in the template for every row)
    per_state = {pid: [(s, per[s]) for s in CandidacyState if per.get(s)]
                 for pid, per in counts.items()}
    return render_template("observer/overview.html", areas=areas, counts=per_state,
                           open_appeals=open_appeals, conditions_summary=summary,
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
                           procedure_labels=PROCEDURE_STATE_LABELS,
                           kind_labels=LETTER_KIND_LABELS,
                           emergencies=emergencies_of(record["procedure"]),
                           action_label=trail_words.action_label,
                           object_label=trail_words.object_label, details=trail_words.details,
                           object_name=trail_words.object_name,
                           state_label=trail_words.state_label)


@bp.get("/observatie/kandidaturen/<int:candidacy_id>")
def candidacy(candidacy_id: int):
    """The complete candidacy as submitted, with its attachments, the jury's scores and
    motivations per criterion, its appeals and its letters (R-OBS-1, issue 12)."""
    item = db.session.get(Candidacy, candidacy_id)
    if item is None or item.state == CandidacyState.DRAFT:
        abort(404)
    decisions = list(db.session.scalars(select(JuryDecision).where(
        JuryDecision.candidacy_id == item.id).order_by(JuryDecision.round,
                                                        JuryDecision.criterion)))
    return render_template(
        "observer/candidacy.html", candidacy=item, decisions=decisions,
        appeals=appeals_of(item), letters=candidacy_letters(item),
        criteria=[(c, CRITERION_LABELS[c], ASSESSMENT_QUESTIONS[c]) for c in Criterion],
        answers={(a.criterion, a.question): a.text for a in item.answers},
        criterion_labels=CRITERION_LABELS, state_labels=CANDIDACY_STATE_LABELS,
        appeal_labels=APPEAL_STATE_LABELS, channel_labels=APPEAL_CHANNEL_LABELS,
        position_labels=POSITION_LABELS)


@bp.get("/observatie/brieven/<int:letter_id>")
def letter(letter_id: int):
    """A letter as its recipient reads it (its recorded HTML)."""
    item = db.session.get(Letter, letter_id)
    if item is None:
        abort(404)
    response = letter_page(item.html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/observatie/procedures/<int:procedure_id>/audit")
def trail(procedure_id: int):
    """The audit trail of one procedure, filterable by candidacy and by actor (GET form)."""
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None:
        abort(404)
    candidacy_id = request.args.get("kandidatuur", type=int)
    actor_id = request.args.get("persoon", type=int)
    trail = audit_trail(procedure.id, candidacy_id=candidacy_id, actor_id=actor_id,
                        limit=TRAIL_LIMIT)
    return render_template("observer/trail.html", procedure=procedure, **trail,
                           candidacy_id=candidacy_id, actor_id=actor_id, limit=TRAIL_LIMIT,
                           action_label=trail_words.action_label,
                           object_label=trail_words.object_label, details=trail_words.details)


# --- exports for evaluators (CSV and XLSX) ----------------------------------------------------

_EXPORT_ENDPOINTS = frozenset({"observer.export_all_csv", "observer.export_all_xlsx",
                               "observer.export_procedure_csv",
                               "observer.export_procedure_xlsx"})


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _personal_data(may_see: bool) -> bool:
    """Whether the export carries personal data: only when asked AND allowed.

    Who may export (a GET that changes nothing): every procedure at once, observers
    (Europa WSE) and administrators; one procedure, observers, administrators and a
    coordinator of its work area; anyone else gets 404 (another's object answers 404),
    anonymous users the login page.

    Personal data (``?persoonsgegevens=1``: the organisation's e-mail address and the
    names and e-mail addresses of the people acting for it) may be seen by
    administrators (who manage the accounts) and, for their own procedure, by its
    coordinator (who sends the decisions to these people). Our reading for observers:
    they read the procedure's record to evaluate it (R-OBS-1), which needs no contact
    details, so an observer who asks gets the export WITHOUT personal data (data
    minimisation); the request is not refused, the extra columns are simply left out.
    """
    return may_see and request.args.get("persoonsgegevens") in ("1", "ja", "true")


def _streamed(pieces: Iterator[bytes], mimetype: str, filename: str) -> Response:
    """A download sent as it is made (issue 17: constant memory, linear time).

    Who may download what was decided before (the access check, the personal data); the
    generator runs inside the request's context (``stream_with_context``), so the
    database session stays open until the last piece is sent and is closed with the
    context afterwards, also when the client goes away (the generator is closed). It only
    reads. A failure half-way is logged and raised again, so that the server breaks the
    transfer off: the client sees an incomplete download, never a file that looks whole."""

    def guarded() -> Iterator[bytes]:
        try:
            yield from pieces
        except Exception:
            current_app.logger.exception("export %s broken off", filename)
            raise

    response = Response(stream_with_context(guarded()), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _export_response(procedure_ids, include_personal: bool, fmt: str, name: str) -> Response:
    rows = exports.export_rows(procedure_ids, include_personal)
    header = exports.columns(include_personal)
    if fmt == "csv":
        return _streamed(exports.iter_csv(rows, header), "text/csv; charset=utf-8",
                         f"{name}.csv")
    return _streamed(exports.iter_xlsx(rows, header), _XLSX, f"{name}.xlsx")


def _export_all(fmt: str) -> Response:
    """Every procedure at once: observers and administrators."""
    admin = is_administrator(current_user)
    if not (admin or current_user.has_role(Role.OBSERVER)):
        abort(404)
    return _export_response(None, _personal_data(admin), fmt,
                            "kandidaturen-alle-procedures")


def _export_procedure(procedure_id: int, fmt: str) -> Response:
    """One procedure: observers, administrators and the coordinators of its work area."""
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None:
        abort(404)
    may_see_personal = (is_administrator(current_user)
                        or can_coordinate(current_user, procedure.work_area_id))
    if not (may_see_personal or current_user.has_role(Role.OBSERVER)):
        abort(404)
    return _export_response([procedure.id], _personal_data(may_see_personal), fmt,
                            f"kandidaturen-procedure-{procedure.id}")


@bp.get("/observatie/export.csv")
def export_all_csv():
    return _export_all("csv")


@bp.get("/observatie/export.xlsx")
def export_all_xlsx():
    return _export_all("xlsx")


@bp.get("/observatie/procedures/<int:procedure_id>/export.csv")
def export_procedure_csv(procedure_id: int):
    return _export_procedure(procedure_id, "csv")


@bp.get("/observatie/procedures/<int:procedure_id>/export.xlsx")
def export_procedure_xlsx(procedure_id: int):
    return _export_procedure(procedure_id, "xlsx")


# --- evaluation for Europa WSE (issue 12) -----------------------------------------------------

_EVALUATION_ENDPOINTS = frozenset({"observer.evaluation", "observer.export_totals_csv",
                                   "observer.export_emergencies_csv"})


def _observers_and_administrators() -> None:
    """The evaluation of every procedure: observers (Europa WSE) and administrators; anyone
    else 404, as for the export of every procedure."""
    if not (is_administrator(current_user) or current_user.has_role(Role.OBSERVER)):
        abort(404)


#: The funnel chart: the width of the bars' area, the height of a bar and of a row.
FUNNEL_WIDTH, BAR_HEIGHT, ROW_HEIGHT = 300, 18, 44
#: The timeline chart: its width and the left and right margins of its line (narrow, so that
#: its text stays legible when the chart shrinks to a 320 px screen).
TIMELINE_WIDTH, TIMELINE_MARGIN = 400, 12


def _day(instant) -> str:
    """'6 januari 2025' (Brussels), in the reader's language."""
    return format_day(instant, str(get_locale() or "nl"))


def _moment(instant) -> str:
    """'6 januari 2025 om 10:00' (Brussels), in the reader's language."""
    return gettext(DEADLINE_WORDING, date=_day(instant), time=format_clock(instant))


@bp.get("/observatie/evaluatie")
def evaluation():
    """The totals per work area and for Flanders, the selection funnel per work area and each
    procedure's timeline, as tables and as SVG charts with the same numbers."""
    _observers_and_administrators()
    result = figures.evaluate(*evaluation_facts())
    funnels = []
    for area in result.areas:
        stages = area.totals.funnel()
        lengths = figures.bar_lengths([n for _, n in stages], FUNNEL_WIDTH)
        funnels.append((area, [(label, n, length)
                               for (label, n), length in zip(stages, lengths, strict=True)]))
    timelines = [(p, figures.timeline(p)) for p in result.procedures]
    return render_template(
        "observer/evaluation.html", evaluation=result, funnels=funnels, timelines=timelines,
        total_columns=figures.TOTAL_COLUMNS, procedure_labels=PROCEDURE_STATE_LABELS,
        funnel_width=FUNNEL_WIDTH, bar_height=BAR_HEIGHT, row_height=ROW_HEIGHT,
        timeline_width=TIMELINE_WIDTH, timeline_margin=TIMELINE_MARGIN, day=_day,
        moment=_moment)


def _csv_response(rows, header, name: str) -> Response:
    return _streamed(exports.iter_csv(rows, header), "text/csv; charset=utf-8", f"{name}.csv")


@bp.get("/observatie/evaluatie/totalen.csv")
def export_totals_csv():
    """Per work area and for all of Flanders the totals, the time from publication to
    decision and the emergency procedures' outcomes (no personal data)."""
    _observers_and_administrators()
    result = figures.evaluate(*evaluation_facts())
    return _csv_response(exports.totals_rows(result), exports.TOTALS_COLUMNS,
                         "evaluatie-totalen")


@bp.get("/observatie/evaluatie/noodprocedures.csv")
def export_emergencies_csv():
    """Every emergency procedure (R-STEP4-1) with the outcome per partner (no personal
    data: the organisation, its agreed scores, selected or not, its rank)."""
    _observers_and_administrators()
    return _csv_response(exports.emergency_rows(), exports.EMERGENCY_COLUMNS,
                         "evaluatie-noodprocedures")
