"""The administrator's pages: organisations, accounts and invitations; and the page where
an invitee sets their password. Thin views: access, form shape, one operation."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from matching.accounts import operations as account_ops
from matching.accounts.forms import (
    AccountFilterForm,
    ConfirmActionForm,
    GrantForm,
    OrganisationForm,
    seat_choices,
)
from matching.accounts.models import User
from matching.accounts.municipalities import municipalities
from matching.accounts.rules import (
    ACCOUNT_STATE_LABELS,
    KIND_LABELS,
    ROLE_LABELS,
    AccountState,
    OrganisationKind,
    Role,
    can_invite,
    is_administrator,
)
from matching.administration import queries as admin_queries
from matching.administration.queries import _invitation_form, _organisations
from matching.core.errors import N_
from matching.core.navigation import register_nav
from matching.core.web import FAILED, perform

bp = Blueprint("admin", __name__)

register_nav(N_("Organisaties"), "admin.organisations",
             visible=lambda u: u.is_authenticated and is_administrator(u), order=60)
register_nav(N_("Accounts"), "admin.accounts",
             visible=lambda u: u.is_authenticated and is_administrator(u), order=61)
register_nav(N_("Uitnodigen"), "admin.invite", visible=can_invite, order=62)


def _require_admin():
    if not is_administrator(current_user):
        abort(404)


@bp.route("/beheer/organisaties", methods=["GET", "POST"])
@login_required
def organisations():
    _require_admin()
    form = OrganisationForm()
    form.seat_nis_code.choices = seat_choices(_("– onbekend –"))
    status = 200
    if form.is_submitted():
        if form.validate() and perform(
                account_ops.register_organisation, form.name.data, form.enterprise_number.data,
                form.legal_form.data, OrganisationKind(form.kind.data),
                email=(form.email.data or "").strip().lower() or None,
                seat_nis_code=form.seat_nis_code.data or None, form=form,
                success=_("De organisatie is geregistreerd.")) is not FAILED:
            return redirect(url_for("admin.organisations"))
        status = 422
    return render_template("admin/organisations.html", form=form,
                           organisations=_organisations(), kind_labels=KIND_LABELS,
                           seats={m.nis_code: m.name for m in municipalities()}), status


def _enum_or_none(enum_cls, value):
    try:
        return enum_cls(value) if value else None
    except ValueError:
        return None


@bp.get("/beheer/accounts")
@login_required
def accounts():
    """Every account with its roles, filtered by role, work area and state (GET form)."""
    _require_admin()
    filters = AccountFilterForm(request.args)
    filters.role.choices = [("", _("alle rollen"))] + [(r.value, _(ROLE_LABELS[r]))
                                                        for r in ROLE_LABELS]
    filters.work_area_id.choices = [("", _("alle werkingsgebieden"))] + [
        (str(a.id), a.name) for a in admin_queries.work_areas()]
    filters.state.choices = [("", _("alle"))] + [(s.value, _(ACCOUNT_STATE_LABELS[s]))
                                                 for s in AccountState]
    users = admin_queries.accounts(_enum_or_none(Role, filters.role.data),
                                   filters.work_area_id.data,
                                   _enum_or_none(AccountState, filters.state.data))
    areas = {a.id: a.name for a in admin_queries.work_areas()}
    orgs = {o.id: o.name for o in _organisations()}
    return render_template("admin/accounts.html", users=users, role_labels=ROLE_LABELS,
                           areas=areas, orgs=orgs, filters=filters,
                           state_labels=ACCOUNT_STATE_LABELS)


def _account_or_404(user_id: int) -> User:
    _require_admin()
    user = admin_queries.account(user_id)
    if user is None:
        abort(404)
    return user


def _account_page(user: User, grant_form=None, status: int = 200):
    if grant_form is None:
        grant_form = GrantForm(formdata=None)
    admin_queries.grant_form_choices(grant_form)
    areas = {a.id: a.name for a in admin_queries.work_areas()}
    orgs = {o.id: o.name for o in _organisations()}
    return render_template("admin/account.html", account=user, grant_form=grant_form,
                           action_form=ConfirmActionForm(), role_labels=ROLE_LABELS,
                           areas=areas, orgs=orgs, state_labels=ACCOUNT_STATE_LABELS), status


@bp.get("/beheer/accounts/<int:user_id>")
@login_required
def account(user_id: int):
    return _account_page(_account_or_404(user_id))


@bp.post("/beheer/accounts/<int:user_id>/rollen")
@login_required
def grant(user_id: int):
    user = _account_or_404(user_id)
    form = GrantForm()
    role = _enum_or_none(Role, form.role.data)
    if form.validate() and perform(
            account_ops.grant_role, user, role,
            work_area_id=admin_queries.scoped(role, form.work_area_id.data, "work_area"),
            organisation_id=admin_queries.scoped(role, form.organisation_id.data, "org"),
            form=form, success=_("De rol is toegekend.")) is not FAILED:
        return redirect(url_for("admin.account", user_id=user_id))
    return _account_page(admin_queries.account(user_id) or user, form, 422)


@bp.post("/beheer/accounts/<int:user_id>/rollen/<int:grant_id>/intrekken")
@login_required
def revoke(user_id: int, grant_id: int):
    user = _account_or_404(user_id)
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        abort(404)
    if ConfirmActionForm().validate():
        perform(account_ops.revoke_role, grant, success=_("De rol is ingetrokken."))
    return redirect(url_for("admin.account", user_id=user_id))


@bp.post("/beheer/accounts/<int:user_id>/deactiveren")
@login_required
def deactivate(user_id: int):
    user = _account_or_404(user_id)
    if ConfirmActionForm().validate():
        perform(account_ops.deactivate_user, user,
                success=_("Het account is gedeactiveerd: het kan zich niet meer aanmelden."))
    return redirect(url_for("admin.account", user_id=user_id))


@bp.post("/beheer/accounts/<int:user_id>/heractiveren")
@login_required
def reactivate(user_id: int):
    user = _account_or_404(user_id)
    if ConfirmActionForm().validate():
        perform(account_ops.reactivate_user, user, success=_("Het account is opnieuw actief."))
    return redirect(url_for("admin.account", user_id=user_id))


@bp.route("/beheer/uitnodigingen", methods=["GET", "POST"])
@login_required
def invite():
    """Administrators invite anyone; coordinators invite matchmakers, appeal matchmakers
    and coordinators of their own work area (the form offers only those; the operation
    refuses anything else)."""
    if not can_invite(current_user):
        abort(404)
    form = _invitation_form(current_user)
    status = 200
    if form.is_submitted():
        role = _enum_or_none(Role, form.role.data)
        if form.validate() and perform(
                account_ops.invite_user, form.email.data or "", form.name.data or "", role,
                work_area_id=admin_queries.scoped(role, form.work_area_id.data, "work_area"),
                organisation_id=admin_queries.scoped(role, form.organisation_id.data, "org"),
                form=form, success=_("De uitnodiging staat klaar om te verzenden; ze vertrekt "
                                   "binnen enkele minuten.")) is not FAILED:
            return redirect(url_for("admin.accounts") if is_administrator(current_user)
                            else url_for("admin.invite"))
        status = 422
    return render_template("admin/invite.html", form=form, role_labels=ROLE_LABELS,
                           administrator=is_administrator(current_user)), status


register_nav(N_("Werkingsgebieden"), "admin.work_areas",
             visible=lambda u: u.is_authenticated and is_administrator(u), order=59)

# The work areas' pages live in their own module, on this blueprint.
from matching.administration import work_area_views  # noqa: E402,F401
