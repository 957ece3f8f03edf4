"""The applicant's appeal (weerwoord) against a non-selection: the form with its deadline
(R-APP-1/2), and the appeal section of the applicant's candidacy page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from appeals import operations as appeal_ops
from appeals.forms import AppealForm
from appeals.queries import appeal_of, appeals_of
from appeals.rules import check_appeal_window
from matching.candidacies.models import Candidacy
from matching.candidacies.queries import appeal_deadline_of, decision_receipt, own_candidacy
from matching.candidacies.rules import MAX_ATTACHMENT, appeal_round
from matching.core import signals
from matching.core.errors import allowed
from matching.core.web import FAILED, perform, utcnow

bp = Blueprint("applicant_appeals", __name__)


def uploaded(storage) -> tuple[str, bytes] | None:
    """A form's uploaded file as (filename, bytes), None when no file was chosen; read up to
    one byte over the limit, so the operation refuses what is too large."""
    if storage is None or not getattr(storage, "filename", None):
        return None
    return storage.filename, storage.read(MAX_ATTACHMENT + 1)


@bp.route("/kandidaturen/<int:candidacy_id>/weerwoord", methods=["GET", "POST"])
@login_required
def appeal(candidacy_id: int):
    candidacy = own_candidacy(candidacy_id)
    round_no = appeal_round(candidacy.state)
    form = AppealForm()
    form.attachment_ids.choices = [(a.id, a.filename) for a in candidacy.attachments]
    if form.validate_on_submit():
        documents = [line.strip() for line in (form.referenced_documents.data or "").splitlines()
                     if line.strip()]
        if perform(appeal_ops.file_appeal, candidacy, form.grounds.data, documents,
                   attachment_ids=form.attachment_ids.data or [],
                   document=uploaded(form.document.data), form=form,
                   success=_("Uw weerwoord is ingediend. U ontvangt een ontvangstbevestiging "
                             "per e-mail.")) is not FAILED:
            return redirect(url_for("applicant.candidacy", candidacy_id=candidacy_id))
        candidacy = own_candidacy(candidacy_id)
    return render_template("applicant/appeal.html", candidacy=candidacy, form=form,
                           round_no=round_no, existing=appeal_of(candidacy, round_no),
                           deadline=appeal_deadline_of(candidacy, round_no),
                           window_closed=window_closed(candidacy, round_no)), \
        422 if form.errors else 200


def window_closed(candidacy: Candidacy, round_no: int | None) -> bool:
    """Whether the appeal window of the round's decision is over (the operation's own
    check): the form is then no longer offered (issue 13)."""
    if round_no is None:
        return False
    received_at, stated = decision_receipt(candidacy, round_no)
    return received_at is not None and not allowed(check_appeal_window, received_at, utcnow(),
                                                   stated_deadline=stated)


@signals.candidacy_page_sections.connect
def appeal_section(candidacy: Candidacy, *, viewer) -> Markup | None:
    """The candidacy page's appeal section: the appeals filed and the way to the form."""
    appeals = appeals_of(candidacy)
    round_no = appeal_round(candidacy.state)
    if not appeals and round_no is None:
        return None
    return Markup(render_template("applicant/_appeal_section.html", candidacy=candidacy,
                                  appeals=appeals, appeal_round=round_no,
                                  deadline=appeal_deadline_of(candidacy, round_no),
                                  window_closed=window_closed(candidacy, round_no)))
