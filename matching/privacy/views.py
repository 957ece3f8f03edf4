"""The privacy notice and the accessibility statement (public), each signed-in person's own
data as a page and as JSON, and the same produced by an administrator for a person who asks
by other means (a POST: recorded in the audit trail,
:func:`matching.privacy.operations.produce_personal_data`)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user, login_required

from matching.accounts.models import User
from matching.accounts.rules import is_administrator
from matching.core.web import FAILED, perform, utcnow
from matching.privacy import operations as privacy_ops
from matching.privacy.forms import PersonLookupForm
from matching.privacy.notice import retention_of
from matching.privacy.queries import as_json, personal_data

bp = Blueprint("privacy", __name__)


@bp.get("/privacyverklaring")
def notice():
    config = current_app.config
    return render_template("privacy/notice.html", retention=retention_of(config),
                           dpo_name=config["PRIVACY_DPO_NAME"],
                           dpo_email=config["PRIVACY_DPO_EMAIL"])


@bp.get("/toegankelijkheidsverklaring")
def accessibility():
    """The accessibility statement (issue 16), public and linked from every page's footer,
    as the Flemish government asks of its websites and extranets (EN 301 549, WCAG 2.1 AA):
    the standard, how far the site complies, the known exceptions, and whom to tell."""
    config = current_app.config
    return render_template("privacy/accessibility.html",
                           contact_name=config["ACCESSIBILITY_CONTACT_NAME"],
                           contact_email=config["ACCESSIBILITY_CONTACT_EMAIL"])


def _page(person: User, *, produced_for_admin: bool = False):
    return render_template("privacy/my_data.html", person=person,
                           sections=personal_data(person), produced_at=utcnow(),
                           produced_for_admin=produced_for_admin)


def _download(person: User) -> Response:
    body = {"person": person.email, "produced_at": utcnow().isoformat(timespec="seconds"),
            **as_json(personal_data(person))}
    response = Response(json.dumps(body, ensure_ascii=False, indent=2, default=str),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="mijn-gegevens.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/mijn-gegevens")
@login_required
def my_data():
    response = Response(_page(current_user._get_current_object()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/mijn-gegevens.json")
@login_required
def my_data_json():
    return _download(current_user._get_current_object())


@bp.route("/beheer/persoonsgegevens", methods=["GET", "POST"])
@login_required
def produce():
    """An administrator produces a person's data (linked from their account page)."""
    if not is_administrator(current_user):
        abort(404)
    form = PersonLookupForm()
    if not form.is_submitted():
        return render_template("privacy/produce.html", form=form)
    if form.validate():
        person = perform(privacy_ops.produce_personal_data, form.email.data,
                         form.reason.data, form=form)
        if person is not FAILED:
            if form.format.data == "json":
                return _download(person)
            response = Response(_page(person, produced_for_admin=True))
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("privacy/produce.html", form=form), 422
