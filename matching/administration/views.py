"""The administrator's pages: organisations, accounts and invitations; and the page where
an invitee sets their password. Thin views: access, form shape, one operation."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import raiseload, selectinload

from matching.accounts import operations as account_ops
from matching.accounts.forms import OrganisationForm
from matching.accounts.models import User
from matching.accounts.rules import (
    KIND_LABELS,
    ROLE_LABELS,
    OrganisationKind,
    Role,
    can_invite,
    is_administrator,
)
from matching.administration.queries import _invitation_form, _organisations
from matching.core.db import db
from matching.core.navigation import register_nav
from matching.core.web import FAILED, perform
from workareas.models import WorkArea

bp = Blueprint("admin", __name__)

register_nav("Organisaties", "admin.organisations",
             visible=lambda u: u.is_authenticated and is_administrator(u), order=60)
register_nav("Accounts", "admin.accounts",
             visible=lambda u: u.is_authenticated and is_administrator(u), order=61)
register_nav("Uitnodigen", "admin.invite", visible=can_invite, order=62)


def _require_admin():
    if not is_administrator(current_user):
        abort(404)


@bp.route("/beheer/organisaties", methods=["GET", "POST"])
@login_required
def organisations():
    _require_admin()
    form = OrganisationForm()
    status = 200
    if form.is_submitted():
        if form.validate() and perform(
                account_ops.register_organisation, form.name.data, form.enterprise_number.data,
                form.legal_form.data, OrganisationKind(form.kind.data),
                email=(form.email.data or "").strip().lower() or None, form=form,
                success=_("De organisatie is geregistreerd.")) is not FAILED:
            return redirect(url_for("admin.organisations"))
        status = 422
    return render_template("admin/organisations.html", form=form,
                           organisations=_organisations(), kind_labels=KIND_LABELS), status


@bp.get("/beheer/accounts")
@login_required
def accounts():
    _require_admin()
    users = db.session.scalars(select(User).options(selectinload(User.grants).raiseload("*"),
                                                    raiseload("*")).order_by(User.email)).all()
    areas = {a.id: a.name for a in db.session.scalars(select(WorkArea).options(raiseload("*")))}
    orgs = {o.id: o.name for o in _organisations()}
    return render_template("admin/accounts.html", users=users, role_labels=ROLE_LABELS,
                           areas=areas, orgs=orgs)


@bp.route("/beheer/uitnodigingen", methods=["GET", "POST"])
@login_required
def invite():
    """Administrators invite anyone; coordinators invite matchmakers, appeal matchmakers,
    observers and coordinators of their own work area (the operation decides)."""
    if not can_invite(current_user):
        abort(404)
    form = _invitation_form()
    status = 200
    if form.is_submitted():
        role = Role(form.role.data) if form.role.data in {r.value for r in Role} else None
        if form.validate() and perform(
                account_ops.invite_user, form.email.data or "", form.name.data or "", role,
                work_area_id=form.work_area_id.data if role == Role.COORDINATOR else None,
                organisation_id=form.organisation_id.data if role == Role.APPLICANT else None,
                form=form, success=_("De uitnodiging staat klaar om te verzenden; ze vertrekt "
                                   "binnen enkele minuten.")) is not FAILED:
            return redirect(url_for("admin.accounts") if is_administrator(current_user)
                            else url_for("admin.invite"))
        status = 422
    return render_template("admin/invite.html", form=form, role_labels=ROLE_LABELS), status
