"""The emergency procedure of step 4 in the browser (R-STEP4-1/2), for the members of the
local jury who sit for VDAB or the local government: start it (within the 8 weeks before
the partnership's start, motivated, confirmed first), re-score every partner per criterion,
see where the two blocs agree, rank and conclude (confirmed first: the outcome letters).

Thin views: access (anyone else answers 404, as the operations' PermissionDenied does),
the form's shape, one operation through ``perform``, redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from juries.emergency import operations as emergency_ops
from juries.emergency.forms import ConcludeEmergencyForm, EmergencyScoreForm, StartEmergencyForm
from juries.emergency.models import EmergencyProcedure
from juries.emergency.notifications import applicants_of, observers, step4_deciders
from juries.emergency.queries import partner_rows
from juries.emergency.rules import (
    EMERGENCY_BLOCS,
    check_emergency_ranking,
    emergency_window_closes,
    emergency_window_opens,
)
from juries.rules import BLOC_LABELS, SCALE
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import ASSESSMENT_QUESTIONS, CRITERION_LABELS, Criterion
from matching.core.dates import start_of_brussels_day
from matching.core.errors import DomainError, PermissionDenied, allowed
from matching.core.web import (
    FAILED,
    confirmation_page,
    confirmed,
    get_or_404,
    message_of,
    perform,
    utcnow,
    whole_number,
)
from workareas.models import Procedure
from workareas.rules import PROCEDURE_STATE_LABELS

bp = Blueprint("emergency", __name__)


def _seat_or_404(procedure_id: int):
    """A seat for VDAB or the local government on this procedure's jury (R-STEP4-2)."""
    procedure = get_or_404(Procedure, procedure_id)
    try:
        return procedure, emergency_ops.step4_seat(procedure, current_user)
    except PermissionDenied:
        abort(404)


def _why_not(procedure: Procedure) -> str | None:
    """Why the emergency procedure cannot start now (the operation's own check), or None."""
    try:
        emergency_ops.check_may_start(procedure, utcnow())
    except DomainError as error:
        return message_of(error)
    return None


def _overview(procedure: Procedure, seat, start_form=None, conclude_form=None, status=200):
    start = procedure.partnership_start_date
    opens = closes = None
    if start is not None:
        closes = emergency_window_closes(start_of_brussels_day(start))
        opens = emergency_window_opens(closes)
    current = emergency_ops.open_emergency(procedure)
    rows = partner_rows(current, emergency_ops.partners(procedure)) if current else []
    concluded = [e for e in emergency_ops.emergencies_of(procedure) if e is not current]
    selected = [r for r in rows if r.selected]
    return render_template(
        "jury/emergency.html", procedure=procedure, seat=seat, bloc_labels=BLOC_LABELS,
        blocs=EMERGENCY_BLOCS,
        state_labels=PROCEDURE_STATE_LABELS, criterion_labels=CRITERION_LABELS,
        start=start, opens=opens, closes=closes, why_not=_why_not(procedure),
        current=current, rows=rows, concluded=concluded, selected=selected,
        all_agreed=bool(rows) and all(r.complete for r in rows),
        start_form=start_form or StartEmergencyForm(formdata=None),
        conclude_form=conclude_form or ConcludeEmergencyForm(formdata=None),
        posted_ranks={k: request.form.get(k, "") for k in request.form
                      if k.startswith("rank-")}), status


@bp.get("/jury/procedures/<int:procedure_id>/noodprocedure")
@login_required
def overview(procedure_id: int):
    procedure, seat = _seat_or_404(procedure_id)
    return _overview(procedure, seat)


@bp.post("/jury/procedures/<int:procedure_id>/noodprocedure/starten")
@login_required
def start(procedure_id: int):
    procedure, seat = _seat_or_404(procedure_id)
    form = StartEmergencyForm()
    if form.validate_on_submit() and not confirmed() and allowed(
            emergency_ops.check_may_start, procedure, utcnow()):
        partners = emergency_ops.partners(procedure)
        people = sum(len(applicants_of(c.organisation_id)) for c in partners)
        others = [u for u in step4_deciders(procedure) if u.id != current_user.id]
        return confirmation_page(
            _("Noodprocedure starten voor %(title)s", title=procedure.title),
            [_("VDAB en het lokaal bestuur scoren alle %(n)s partners opnieuw op cruciale "
               "bijdrage en fit for partnership; beide organisaties moeten dezelfde score "
               "geven.", n=len(partners)),
             ngettext("%(num)s e-mail met uw motivering gaat naar de contactpersonen van de "
                      "partners: %(names)s.",
                      "%(num)s e-mails met uw motivering gaan naar de contactpersonen van de "
                      "partners: %(names)s.", people,
                      names=", ".join(c.organisation.name for c in partners)),
             ngettext("%(num)s e-mail gaat naar Europa WSE.",
                      "%(num)s e-mails gaan naar Europa WSE.", len(observers())),
             ngettext("%(num)s e-mail gaat naar de andere leden van VDAB en het lokaal bestuur "
                      "in de jury.",
                      "%(num)s e-mails gaan naar de andere leden van VDAB en het lokaal bestuur "
                      "in de jury.", len(others)),
             _("Uw motivering: %(text)s", text=form.motivation.data.strip())],
            _("Een gestarte noodprocedure en haar motivering blijven in het dossier; de "
              "e-mails worden verstuurd."),
            url_for("emergency.start", procedure_id=procedure.id),
            _("Bevestigen: noodprocedure starten"),
            url_for("emergency.overview", procedure_id=procedure.id),
            fields={"motivation": form.motivation.data})
    if form.validate_on_submit():
        if perform(emergency_ops.start_emergency, procedure, form.motivation.data, form=form,
                   success=_("De noodprocedure is gestart; de partners en Europa WSE krijgen "
                             "een e-mail.")) is not FAILED:
            return redirect(url_for("emergency.overview", procedure_id=procedure.id))
    return _overview(procedure, seat, start_form=form, status=422)


def _partner_or_404(procedure: Procedure, candidacy_id: int) -> Candidacy:
    candidacy = get_or_404(Candidacy, candidacy_id)
    if candidacy.procedure_id != procedure.id:
        abort(404)
    return candidacy


def _score_form(criterion: Criterion, own=None, posted: bool = False) -> EmergencyScoreForm:
    kwargs: dict = {"prefix": f"e-{criterion.value}"}
    if not posted:
        kwargs["formdata"] = None
        if own is not None:
            kwargs.update(score=own.score, motivation=own.motivation,
                          observed_behaviour=own.observed_behaviour or "")
    return EmergencyScoreForm(**kwargs)


def _partner_page(procedure: Procedure, seat, emergency: EmergencyProcedure,
                  candidacy: Candidacy, failed: dict | None = None, status=200):
    failed = failed or {}
    row = partner_rows(emergency, [candidacy])[0]
    criteria = []
    for c in row.criteria:
        own = c.by_bloc.get(seat.bloc)
        criteria.append(dict(
            row=c, label=CRITERION_LABELS[c.criterion], questions=ASSESSMENT_QUESTIONS[c.criterion],
            answers={a.question: a.text for a in candidacy.answers
                     if a.criterion == c.criterion},
            form=failed.get(c.criterion) or _score_form(c.criterion, own),
            behaviour=c.criterion == Criterion.FIT_FOR_PARTNERSHIP))
    return render_template(
        "jury/emergency_partner.html", procedure=procedure, seat=seat, emergency=emergency,
        candidacy=candidacy, criteria=criteria, bloc_labels=BLOC_LABELS, blocs=EMERGENCY_BLOCS,
        scale_labels=[f"{s} – {_(SCALE[s])}" for s in SCALE],
        open=emergency.state.value == "open"), status


def _emergency_for(procedure: Procedure, candidacy: Candidacy) -> EmergencyProcedure | None:
    """The open emergency procedure in which ``candidacy`` is a partner; else the latest
    concluded one that has its outcome; else None."""
    current = emergency_ops.open_emergency(procedure)
    if current is not None and candidacy in emergency_ops.partners(procedure):
        return current
    return next((e for e in reversed(emergency_ops.emergencies_of(procedure))
                 if any(o.candidacy_id == candidacy.id for o in e.outcomes)), None)


@bp.get("/jury/procedures/<int:procedure_id>/noodprocedure/partners/<int:candidacy_id>")
@login_required
def partner(procedure_id: int, candidacy_id: int):
    procedure, seat = _seat_or_404(procedure_id)
    candidacy = _partner_or_404(procedure, candidacy_id)
    emergency = _emergency_for(procedure, candidacy)
    if emergency is None:
        flash(_("Voor deze kandidatuur loopt geen noodprocedure."), "info")
        return redirect(url_for("emergency.overview", procedure_id=procedure.id))
    return _partner_page(procedure, seat, emergency, candidacy)


def _criterion_or_404(value: str) -> Criterion:
    try:
        return Criterion(value)
    except ValueError:
        abort(404)


@bp.post("/jury/procedures/<int:procedure_id>/noodprocedure/partners/<int:candidacy_id>"
         "/<criterion>")
@login_required
def score(procedure_id: int, candidacy_id: int, criterion: str):
    procedure, seat = _seat_or_404(procedure_id)
    candidacy = _partner_or_404(procedure, candidacy_id)
    chosen = _criterion_or_404(criterion)
    emergency = emergency_ops.open_emergency(procedure)
    if emergency is None:
        flash(_("Er loopt geen noodprocedure: er valt niets te scoren."), "error")
        return redirect(url_for("emergency.overview", procedure_id=procedure.id))
    form = _score_form(chosen, posted=True)
    if form.validate_on_submit():
        if perform(emergency_ops.record_emergency_score, emergency, candidacy, chosen,
                   form.score.data, form.motivation.data, form.observed_behaviour.data,
                   form=form, success=_("De score van uw organisatie is bewaard.")) is not FAILED:
            return redirect(url_for("emergency.partner", procedure_id=procedure.id,
                                    candidacy_id=candidacy.id) + f"#crit-{chosen.value}")
    return _partner_page(procedure, seat, emergency, candidacy, {chosen: form}, 422)


def _ranking(rows) -> list[Candidacy] | None:
    """The selected partners in the order of the posted places (``rank-<id>``), or None
    when a place is missing or given twice (the form's shape)."""
    places: dict[int, int] = {}
    for r in rows:
        place = whole_number(request.form.get(f"rank-{r.candidacy.id}"))
        if place is None:
            return None
        places[r.candidacy.id] = place
    if sorted(places.values()) != list(range(1, len(rows) + 1)):
        return None
    return [r.candidacy for r in sorted(rows, key=lambda r: places[r.candidacy.id])]


@bp.post("/jury/procedures/<int:procedure_id>/noodprocedure/afsluiten")
@login_required
def conclude(procedure_id: int):
    procedure, seat = _seat_or_404(procedure_id)
    emergency = emergency_ops.open_emergency(procedure)
    if emergency is None:
        flash(_("Er loopt geen noodprocedure om af te sluiten."), "error")
        return redirect(url_for("emergency.overview", procedure_id=procedure.id))
    form = ConcludeEmergencyForm()
    rows = partner_rows(emergency, emergency_ops.partners(procedure))
    selected = [r for r in rows if r.selected]
    ranking: list[Candidacy] | None = []
    complete = all(r.complete for r in rows)  # else the operation says who disagrees
    if complete and len(selected) > 1:
        ranking = _ranking(selected)
        if ranking is None:
            form.validate_on_submit()
            form.ranking_motivation.errors = list(form.ranking_motivation.errors) + [
                _("Geef elke geselecteerde partner een andere plaats, van 1 tot %(n)s.",
                  n=len(selected))]
            return _overview(procedure, seat, conclude_form=form, status=422)
    if form.validate_on_submit() and not confirmed() and complete \
            and allowed(check_emergency_ranking, [r.candidacy.id for r in selected],
                        [c.id for c in ranking or []], form.ranking_motivation.data):
        lines = [ngettext("%(num)s uitkomstbrief wordt verstuurd, één per partner:",
                          "%(num)s uitkomstbrieven worden verstuurd, één per partner:",
                          len(rows))]
        lines += [_("%(name)s: geselecteerd%(rank)s (cruciale bijdrage %(cc)s, fit for "
                    "partnership %(ffp)s)", name=r.candidacy.organisation.name,
                    rank=(_(", plaats %(n)s", n=ranking.index(r.candidacy) + 1)
                          if ranking and r.candidacy in ranking else ""),
                    cc=r.criteria[0].agreed, ffp=r.criteria[1].agreed)
                  if r.selected else
                  _("%(name)s: niet geselecteerd (cruciale bijdrage %(cc)s, fit for "
                    "partnership %(ffp)s)", name=r.candidacy.organisation.name,
                    cc=r.criteria[0].agreed, ffp=r.criteria[1].agreed) for r in rows]
        lines.append(_("Elke brief vermeldt uw motivering bij de start, de rangschikking en "
                       "haar motivering, en gaat naar het e-mailadres van de organisatie en "
                       "haar contactpersonen."))
        fields = {"ranking_motivation": form.ranking_motivation.data or ""}
        fields.update({f"rank-{r.candidacy.id}": request.form.get(f"rank-{r.candidacy.id}", "")
                       for r in selected})
        return confirmation_page(
            _("Noodprocedure afsluiten voor %(title)s", title=procedure.title), lines,
            _("De uitkomst en de brieven kunnen daarna niet meer worden gewijzigd."),
            url_for("emergency.conclude", procedure_id=procedure.id),
            _("Bevestigen: afsluiten en brieven versturen"),
            url_for("emergency.overview", procedure_id=procedure.id), fields=fields)
    if form.validate_on_submit():
        if perform(emergency_ops.conclude_emergency, emergency, ranking or [],
                   form.ranking_motivation.data, form=form,
                   success=_("De noodprocedure is afgesloten; de uitkomstbrieven worden "
                             "verstuurd.")) is not FAILED:
            return redirect(url_for("emergency.overview", procedure_id=procedure.id))
    return _overview(procedure, seat, conclude_form=form, status=422)
