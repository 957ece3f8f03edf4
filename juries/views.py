"""The matchmakers' pages: their candidacies, the scoring page, conflicts, consensus and
ballots. Thin views: access check, form shape, one operation through ``perform``."""

from __future__ import annotations

from itertools import combinations
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import func, select

from juries import operations as jury_ops
from juries import round_operations as round_ops
from juries.emergency.rules import EMERGENCY_BLOCS
from juries.forms import (
    AssessmentForm,
    CloseBallotForm,
    ConflictForm,
    ConsensusForm,
    OpenBallotForm,
    PendingConsensusForm,
    PickPitchForm,
    VoteForm,
)
from juries.models import Assessment, Ballot, BallotState, ConsensusState, PendingConsensus
from juries.page_queries import JuryRow, jury_dashboard
from juries.queries import (
    pickable_pitch_slots,
    pitch_of,
    scoring_context,
    slot_label,
    visible_spread,
)
from juries.rules import BLOC_LABELS, SCALE, Bloc, ballot_can_close, ballot_outcome
from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy
from matching.candidacies.queries import own_candidacy
from matching.candidacies.rules import (
    ASSESSMENT_QUESTIONS,
    CANDIDACY_STATE_LABELS,
    CRITERION_LABELS,
    ROUND_ENTRY_STATE,
    Criterion,
)
from matching.core.db import db
from matching.core.errors import N_, PermissionDenied, allowed
from matching.core.navigation import register_nav
from matching.core.render import status_tag, translated, url_pattern
from matching.core.terms import mark_english_terms
from matching.core.web import FAILED, confirmation_page, confirmed, get_or_404, perform, utcnow
from workareas.models import PitchSlot
from workareas.rules import PROCEDURE_STATE_LABELS, ProcedureState

bp = Blueprint("jury", __name__)

register_nav(N_("Mijn jury"), "jury.dashboard",
             visible=lambda u: u.is_authenticated and u.has_role(Role.MATCHMAKER), order=30)


def _membership_or_404(candidacy: Candidacy):
    """Read access: a seat on the candidacy's jury, without a conflict; else 404."""
    try:
        return jury_ops.membership_of(candidacy, current_user)
    except PermissionDenied:
        abort(404)


def _round_or_404(round_no: int) -> int:
    if round_no not in ROUND_ENTRY_STATE:
        abort(404)
    return round_no


def _criterion_or_404(value: str) -> Criterion:
    try:
        return Criterion(value)
    except ValueError:
        abort(404)


def _assessment_form(criterion: Criterion, own=None, posted: bool = False):
    kwargs: dict[str, Any] = {"prefix": f"a-{criterion.value}"}
    if not posted:
        kwargs["formdata"] = None
        if own is not None:
            kwargs.update(score=own.score, note_1=own.note_1, note_2=own.note_2,
                          note_3=own.note_3, note_4=own.note_4)
    form = AssessmentForm(**kwargs)
    for i in range(1, len(ASSESSMENT_QUESTIONS[criterion]) + 1):
        getattr(form, f"note_{i}").label.text = _("Notitie bij vraag %(n)s", n=i)
    return form


#: Procedure states before a round started: the scoring page says so (not "not assessed").
NOT_STARTED = {1: (ProcedureState.DRAFT, ProcedureState.PUBLISHED,
                   ProcedureState.CANDIDACY_CLOSED),
               2: (ProcedureState.DRAFT, ProcedureState.PUBLISHED,
                   ProcedureState.CANDIDACY_CLOSED, ProcedureState.ROUND_1)}


def _page(candidacy: Candidacy, round_no: int, member, failed: dict | None = None, status=200):
    """The scoring page; ``failed`` holds the submitted form that was refused."""
    failed = failed or {}
    ctx = scoring_context(candidacy, round_no, current_user.id)
    criteria = []
    for criterion in Criterion:
        ballots = ctx["ballots"].get(criterion, [])
        open_ballot = next((b for b in ballots if b.state == BallotState.OPEN), None)
        votes = open_ballot.votes_by_bloc() if open_ballot else {}
        criteria.append(dict(
            criterion=criterion,
            label=CRITERION_LABELS[criterion],
            questions=ASSESSMENT_QUESTIONS[criterion],
            answers={a.question: a.text for a in candidacy.answers if a.criterion == criterion},
            own=ctx["own"].get(criterion),
            decision=ctx["decisions"].get(criterion),
            pending=ctx["pending"].get(criterion),
            pending_form=PendingConsensusForm(formdata=None),
            spread=visible_spread(candidacy, round_no, criterion, current_user),
            assessment_form=failed.get(("assess", criterion))
            or _assessment_form(criterion, ctx["own"].get(criterion)),
            consensus_form=failed.get(("consensus", criterion))
            or ConsensusForm(formdata=None, prefix=f"c-{criterion.value}"),
            open_form=OpenBallotForm(formdata=None, prefix=f"o-{criterion.value}"),
            open_ballot=open_ballot,
            votes=votes,
            can_close=ballot_can_close(votes) if open_ballot else False,
            outcome=ballot_outcome(votes) if open_ballot else None,
            vote_form=(failed.get(("vote", open_ballot.id)) if open_ballot else None)
            or VoteForm(formdata=None, prefix=f"v-{criterion.value}"),
            close_form=(failed.get(("close", open_ballot.id)) if open_ballot else None)
            or CloseBallotForm(formdata=None, prefix=f"s-{criterion.value}"),
            earlier=[b for b in ballots if b.state != BallotState.OPEN],
        ))
    scoring_open = allowed(jury_ops.check_round_open, candidacy, round_no)
    not_started = candidacy.procedure.state in NOT_STARTED[round_no]
    return render_template(
        "jury/score.html", candidacy=candidacy, round_no=round_no, member=member,
        criteria=criteria, scoring_open=scoring_open, not_started=not_started, blocs_all=list(Bloc),
        scale_labels=[f"{s} – {_(SCALE[s])}" for s in SCALE],
        bloc_labels=BLOC_LABELS, state_labels=CANDIDACY_STATE_LABELS,
        conflict_form=failed.get("conflict") or ConflictForm(formdata=None), **ctx), status


def _back(candidacy: Candidacy, round_no: int):
    return redirect(url_for("jury.score", candidacy_id=candidacy.id, round_no=round_no))


def criteria_words(empty: str) -> dict[tuple[Criterion, ...], Markup]:
    """A dashboard cell's criteria in the reader's language, for every combination a row
    can have (in :class:`Criterion`'s order; ``empty`` when none is left), made once per
    page rather than per row (issue 17). A translation is markup, as a template's ``_``
    makes it; the call's English terms are marked as the ``en_terms`` filter does."""
    locale = str(get_locale() or "nl")
    label = {c: mark_english_terms(Markup(_(CRITERION_LABELS[c])), locale) for c in Criterion}
    words: dict[tuple[Criterion, ...], Markup] = {(): Markup(empty)}
    for n in range(1, len(label) + 1):
        for chosen in combinations(Criterion, n):
            words[chosen] = Markup(", ").join(label[c] for c in chosen)
    return words


class DashboardRows:
    """The rows of the jury dashboard's tables (issue 17: a matchmaker's page lists every
    candidacy of their juries, and a template loop cost more per row than the rest of the
    page). What every row repeats (the words, the state tags, the scoring links but for the
    candidacy's id, a cell's criteria for every combination) is made once per page; a row
    is its own values escaped into a fixed piece of HTML, as the template's loop wrote it
    (templates/jury/dashboard.html)."""

    #: A candidacy awaiting a round: its scoring link, what is left to score and to decide.
    AWAITING = ('\n      <tr>\n        <th scope="row"><a href="%s">%s</a> '
                '<span class="muted">(%s)</span></th>\n        <td>%s</td>\n'
                '        <td>%s</td>\n      </tr>\n    ')
    #: A candidacy awaiting no round: its state and the links to both rounds' pages.
    SETTLED = ('\n      <tr>\n        <th scope="row">%s <span class="muted">(%s)</span></th>\n'
               '        <td>%s</td>\n        <td><a href="%s">%s</a>\n'
               '            · <a href="%s">%s</a></td>\n      </tr>\n    ')

    def __init__(self):
        self.score_urls = {r: url_pattern("jury.score", "candidacy_id", round_no=r)
                           for r in ROUND_ENTRY_STATE}
        self.to_score = criteria_words(_("niets meer"))
        self.undecided = criteria_words(_("beide criteria beslist"))
        self.state_tags = {state: status_tag(label, state)
                           for state, label in translated(CANDIDACY_STATE_LABELS).items()}
        self.round_words = Markup(_("Ronde 1")), Markup(_("Ronde 2"))

    def awaiting(self, rows: list[JuryRow], round_no: int) -> Markup:
        url, to_score, undecided = self.score_urls[round_no], self.to_score, self.undecided
        return Markup("".join([self.AWAITING % (
            escape(url(r.id)), escape(r.organisation_name), escape(r.reference),
            to_score[r.to_score], undecided[r.undecided]) for r in rows]))

    def settled(self, rows: list[JuryRow]) -> Markup:
        url_1, url_2 = self.score_urls[1], self.score_urls[2]
        round_1, round_2 = self.round_words
        return Markup("".join([self.SETTLED % (
            escape(r.organisation_name), escape(r.reference), self.state_tags[r.state],
            escape(url_1(r.id)), round_1, escape(url_2(r.id)), round_2) for r in rows]))


@bp.get("/jury")
@login_required
def dashboard():
    groups = jury_dashboard(current_user.id)
    return render_template("jury/dashboard.html", groups=groups,
                           table_rows=DashboardRows() if groups else None,
                           procedure_labels=PROCEDURE_STATE_LABELS, bloc_labels=BLOC_LABELS,
                           step4_blocs=EMERGENCY_BLOCS,
                           step4_states=(ProcedureState.DECIDED, ProcedureState.RATIFIED))


@bp.get("/jury/kandidaturen/<int:candidacy_id>/ronde/<int:round_no>")
@login_required
def score(candidacy_id: int, round_no: int):
    candidacy = get_or_404(Candidacy, candidacy_id)
    member = _membership_or_404(candidacy)
    return _page(candidacy, _round_or_404(round_no), member)


@bp.post("/jury/kandidaturen/<int:candidacy_id>/ronde/<int:round_no>/score/<criterion>")
@login_required
def assess(candidacy_id: int, round_no: int, criterion: str):
    candidacy = get_or_404(Candidacy, candidacy_id)
    member = _membership_or_404(candidacy)
    round_no, criterion = _round_or_404(round_no), _criterion_or_404(criterion)
    form = _assessment_form(criterion, posted=True)
    if form.validate_on_submit():
        notes = [getattr(form, f"note_{i}").data or "" for i in range(1, 5)]
        if perform(jury_ops.record_assessment, candidacy, round_no, criterion, form.score.data,
                   notes, form=form, success=_("Uw score is bewaard.")) is not FAILED:
            return _back(candidacy, round_no)
    return _page(candidacy, round_no, member, {("assess", criterion): form}, 422)


@bp.post("/jury/kandidaturen/<int:candidacy_id>/ronde/<int:round_no>/consensus/<criterion>")
@login_required
def consensus(candidacy_id: int, round_no: int, criterion: str):
    candidacy = get_or_404(Candidacy, candidacy_id)
    member = _membership_or_404(candidacy)
    round_no, criterion = _round_or_404(round_no), _criterion_or_404(criterion)
    form = ConsensusForm(prefix=f"c-{criterion.value}")
    if form.validate_on_submit():
        result = perform(jury_ops.record_consensus, candidacy, round_no, criterion,
                         form.score.data, form.motivation.data, form=form)
        if result is not FAILED:
            if isinstance(result, PendingConsensus):
                flash(_("De consensus is vastgelegd en wacht op de bevestiging van een jurylid "
                        "van een andere organisatie: pas dan telt ze."), "info")
            else:
                flash(_("De consensus van de jury is vastgelegd."), "success")
            return _back(candidacy, round_no)
    return _page(candidacy, round_no, member, {("consensus", criterion): form}, 422)


def _pending_or_404(pending_id: int) -> tuple[PendingConsensus, Candidacy]:
    pending = get_or_404(PendingConsensus, pending_id)
    candidacy = get_or_404(Candidacy, pending.candidacy_id)
    _membership_or_404(candidacy)
    return pending, candidacy


@bp.post("/jury/consensus/<int:pending_id>/bevestigen")
@login_required
def confirm_consensus(pending_id: int):
    """A member of another organisation confirms the consensus: it becomes the jury's
    decision (irreversible, so a confirmation page first)."""
    pending, candidacy = _pending_or_404(pending_id)
    form = PendingConsensusForm()
    if not form.validate_on_submit():
        return _back(candidacy, pending.round)
    back = url_for("jury.score", candidacy_id=candidacy.id, round_no=pending.round)
    if pending.state == ConsensusState.PENDING and not confirmed():
        return confirmation_page(
            _("Consensus bevestigen voor %(name)s", name=candidacy.organisation.name),
            [_("%(c)s, ronde %(round)s: score %(score)s, vastgelegd door %(name)s.",
               c=_(CRITERION_LABELS[pending.criterion]), round=pending.round,
               score=pending.score, name=pending.recorded_by.name),
             _("Motivering: %(text)s", text=pending.motivation),
             _("Met uw bevestiging wordt dit de beslissing van de jury over dit criterium; ze "
               "komt met de motivering in de beslissingsbrief.")],
            _("Een bevestigde consensus kan niet meer wijzigen."),
            url_for("jury.confirm_consensus", pending_id=pending.id),
            _("Bevestigen: consensus"), back)
    perform(jury_ops.confirm_consensus, pending,
            success=_("De consensus is bevestigd: ze is nu de beslissing van de jury."))
    return redirect(back)


@bp.post("/jury/consensus/<int:pending_id>/intrekken")
@login_required
def withdraw_consensus(pending_id: int):
    """The recorder withdraws a consensus that still awaits confirmation."""
    pending, candidacy = _pending_or_404(pending_id)
    form = PendingConsensusForm()
    if form.validate_on_submit():
        perform(jury_ops.withdraw_consensus, pending,
                success=_("De consensus is ingetrokken."))
    return _back(candidacy, pending.round)


@bp.post("/jury/kandidaturen/<int:candidacy_id>/ronde/<int:round_no>/stemming/<criterion>")
@login_required
def open_ballot(candidacy_id: int, round_no: int, criterion: str):
    candidacy = get_or_404(Candidacy, candidacy_id)
    _membership_or_404(candidacy)
    round_no, criterion = _round_or_404(round_no), _criterion_or_404(criterion)
    form = OpenBallotForm(prefix=f"o-{criterion.value}")
    if form.validate_on_submit():
        perform(jury_ops.open_ballot, candidacy, round_no, criterion, form=form,
                success=_("De stemming is geopend."))
    return _back(candidacy, round_no)


def _ballot_or_404(ballot_id: int) -> tuple[Ballot, Candidacy, object]:
    ballot = get_or_404(Ballot, ballot_id)
    candidacy = get_or_404(Candidacy, ballot.candidacy_id)
    return ballot, candidacy, _membership_or_404(candidacy)


@bp.post("/jury/stemmingen/<int:ballot_id>/stem")
@login_required
def vote(ballot_id: int):
    ballot, candidacy, member = _ballot_or_404(ballot_id)
    form = VoteForm(prefix=f"v-{ballot.criterion.value}")
    if form.validate_on_submit():
        if perform(jury_ops.cast_vote, ballot, form.score.data, form=form,
                   success=_("De stem van uw organisatie is geteld.")) is not FAILED:
            return _back(candidacy, ballot.round)
    return _page(candidacy, ballot.round, member, {("vote", ballot.id): form}, 422)


@bp.post("/jury/stemmingen/<int:ballot_id>/sluiten")
@login_required
def close(ballot_id: int):
    ballot, candidacy, member = _ballot_or_404(ballot_id)
    form = CloseBallotForm(prefix=f"s-{ballot.criterion.value}")
    if form.validate_on_submit():
        result = perform(jury_ops.close_ballot, ballot, form.motivation.data, form=form)
        if result is not FAILED:
            if result is None:
                flash(_("Geen ⅔-meerderheid: de stemming beslist niets. Overleg en open een "
                        "nieuwe stemming."), "info")
            else:
                flash(_("De stemming is afgesloten met score %(score)s.", score=result.score),
                      "success")
            return _back(candidacy, ballot.round)
    return _page(candidacy, ballot.round, member, {("close", ballot.id): form}, 422)


@bp.post("/jury/kandidaturen/<int:candidacy_id>/conflict")
@login_required
def conflict(candidacy_id: int):
    candidacy = get_or_404(Candidacy, candidacy_id)
    member = _membership_or_404(candidacy)
    form = ConflictForm()
    if form.validate_on_submit() and not confirmed() and allowed(
            jury_ops.check_conflict_reason, form.reason.data):
        own = db.session.scalar(select(func.count(Assessment.id)).where(
            Assessment.user_id == current_user.id, Assessment.candidacy_id == candidacy.id))
        return confirmation_page(
            _("Belangenconflict melden voor %(name)s", name=candidacy.organisation.name),
            [_("U neemt niet meer deel aan de beoordeling van deze kandidatuur: u scoort en "
               "stemt er niet meer over."),
             _("Uw %(n)s individuele scores voor deze kandidatuur vervallen.", n=own)
             if own else "",
             _("De coördinatoren van het werkingsgebied krijgen een e-mail; als de jury "
               "daardoor niet meer voldoet, vullen zij ze aan."),
             _("Uw reden: %(reason)s", reason=form.reason.data.strip())],
            _("Een gemeld belangenconflict blijft in het dossier en kan niet worden "
              "ingetrokken."),
            url_for("jury.conflict", candidacy_id=candidacy_id), _("Bevestigen: conflict melden"),
            url_for("jury.score", candidacy_id=candidacy_id,
                    round_no=2 if candidacy.state == ROUND_ENTRY_STATE[2] else 1),
            fields={"reason": form.reason.data})
    if form.validate_on_submit():
        if perform(jury_ops.declare_conflict, candidacy, form.reason.data, form=form,
                   success=_("Uw belangenconflict is gemeld: u neemt niet meer deel aan de "
                             "beoordeling van deze kandidatuur.")) is not FAILED:
            return redirect(url_for("jury.dashboard"))
    round_no = 2 if candidacy.state == ROUND_ENTRY_STATE[2] else 1
    return _page(candidacy, round_no, member, {"conflict": form}, 422)


# --- the organisation chooses its pitch slot (issue 13) -----------------------------------

@bp.route("/kandidaturen/<int:candidacy_id>/pitch-kiezen", methods=["GET", "POST"])
@login_required
def pick_pitch(candidacy_id: int):
    """The organisation's page: its planned pitch, or the free slots it may choose from
    until the session's date (first come, first served)."""
    candidacy = own_candidacy(candidacy_id)
    appointment = pitch_of(candidacy)
    selected = candidacy.state == ROUND_ENTRY_STATE[2]
    slots = pickable_pitch_slots(candidacy.procedure, utcnow()) \
        if selected and appointment is None else []
    form = PickPitchForm()
    form.slot.choices = [(s.id, slot_label(s)) for s in slots]
    status = 200
    if form.is_submitted():
        if form.validate():
            slot = db.session.get(PitchSlot, form.slot.data)
            if slot is None or slot.procedure_id != candidacy.procedure_id:
                form.slot.errors = [_("Kies een vrij moment uit de lijst.")]
            elif perform(round_ops.pick_pitch_slot, candidacy, slot, form=form,
                         success=_("Uw pitch is gepland; de uitnodiging met het moment komt per "
                                   "e-mail.")) is not FAILED:
                return redirect(url_for(".pick_pitch", candidacy_id=candidacy_id))
        status = 422
        slots = pickable_pitch_slots(candidacy.procedure, utcnow())
        form.slot.choices = [(s.id, slot_label(s)) for s in slots]
    return render_template("applicant/pitch_pick.html", candidacy=candidacy,
                           appointment=pitch_of(candidacy), selected=selected, slots=slots,
                           form=form, slot_label=slot_label), status
