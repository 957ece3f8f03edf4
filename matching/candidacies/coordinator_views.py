"""The coordinator's candidacy pages: closing the intake, inadmissible candidacies, the
procedure's letters with their delivery, and retrying a failed e-mail.

Thin views: access (a procedure the user does not coordinate answers 404), the form's
shape, one operation through :func:`perform`, redirect.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from matching.candidacies import operations as candidacy_ops
from matching.candidacies.forms import ReasonForm, RetryForm
from matching.candidacies.models import Letter
from matching.candidacies.operations import declare_inadmissible, retry_message
from matching.candidacies.queries import candidacy_or_404, outbox_counts, procedure_letters
from matching.core.db import db
from matching.core.web import FAILED, get_or_404, letter_page, perform
from matching.letters.content import LETTER_KIND_LABELS
from matching.mail.models import OutboxMessage, OutboxState
from workareas.queries import procedure_or_404
from workareas.rules import PROCEDURE_STATE_LABELS

bp = Blueprint("coordinator_candidacies", __name__)


@bp.post("/coordinatie/procedures/<int:procedure_id>/kandidaturen-afsluiten")
@login_required
def close_candidacies(procedure_id: int):
    procedure = procedure_or_404(current_user, procedure_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    result = perform(candidacy_ops.close_candidacies, procedure,
                     success=_("De kandidaturen zijn afgesloten."))
    if result is FAILED:
        return redirect(url_for("coordinator.dashboard"))
    return redirect(url_for("rounds.board", procedure_id=procedure_id, round_no=1))


@bp.route("/coordinatie/kandidaturen/<int:candidacy_id>/onontvankelijk", methods=["GET", "POST"])
@login_required
def inadmissible(candidacy_id: int):
    candidacy = candidacy_or_404(current_user, candidacy_id)
    form = ReasonForm()
    if form.validate_on_submit():
        result = perform(declare_inadmissible, candidacy, form.reason.data, form=form,
                         success=_("De kandidatuur is onontvankelijk verklaard."))
        if result is not FAILED:
            return redirect(url_for("rounds.board", procedure_id=candidacy.procedure_id,
                                    round_no=1))
        candidacy = candidacy_or_404(current_user, candidacy_id)
    status = 422 if form.is_submitted() else 200
    return render_template("coordinator/inadmissible.html", candidacy=candidacy,
                           form=form), status


@bp.get("/coordinatie/procedures/<int:procedure_id>/brieven")
@login_required
def letters(procedure_id: int):
    procedure = procedure_or_404(current_user, procedure_id)
    return render_template("coordinator/letters.html", procedure=procedure,
                           rows=procedure_letters(procedure), counts=outbox_counts(procedure),
                           OutboxState=OutboxState, form=RetryForm(formdata=None),
                           kind_labels=LETTER_KIND_LABELS,
                           state_labels=PROCEDURE_STATE_LABELS)


@bp.get("/coordinatie/brieven/<int:letter_id>")
@login_required
def letter(letter_id: int):
    """A letter of the procedure as it was recorded (its own HTML), for its coordinators."""
    item = get_or_404(Letter, letter_id)
    procedure_or_404(current_user, item.procedure_id)
    response = letter_page(item.html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.post("/coordinatie/outbox/<int:message_id>/opnieuw")
@login_required
def retry(message_id: int):
    message = get_or_404(OutboxMessage, message_id)
    letter = db.session.get(Letter, message.letter_id) if message.letter_id else None
    if letter is None:
        abort(404)
    procedure_id = letter.procedure_id
    procedure_or_404(current_user, procedure_id)
    if not RetryForm().validate_on_submit():
        abort(400)
    perform(retry_message, message,
            success=_("Het bericht staat opnieuw in de wachtrij; de verzendtaak verstuurt het."))
    return redirect(url_for(".letters", procedure_id=procedure_id))
