"""The administrator's pages: organisations, accounts and invitations; and the page where
an invitee sets their password. Thin views: access, form shape, one operation."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import raiseload, selectinload
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from matching import admin_operations as admin_ops
from matching import operations as ops
from matching.candidacy_rules import OrganisationKind
from matching.errors import N_
from matching.extensions import db
from matching.models.accounts import Role, User
from matching.models.organisations import Organisation
from matching.navigation import register_nav
from matching.permissions import can_invite, is_administrator
from matching.views_support import FAILED, perform
from workareas.models import WorkArea

bp = Blueprint("admin", __name__)

register_nav("Organisaties", "admin.organisations", visible=lambda u: u.is_authenticated and is_administrator(u), order=60)
register_nav("Accounts", "admin.accounts", visible=lambda u: u.is_authenticated and is_administrator(u), order=61)
register_nav("Uitnodigen", "admin.invite", visible=can_invite, order=62)

KIND_LABELS = {OrganisationKind.VDAB: N_("VDAB"),
               OrganisationKind.LOCAL_GOVERNMENT: N_("Lokaal bestuur"),
               OrganisationKind.OTHER: N_("Andere organisatie")}
ROLE_LABELS = {Role.COORDINATOR: N_("Coördinator van een werkingsgebied"),
               Role.MATCHMAKER: N_("Matchmaker"),
               Role.APPEAL_MATCHMAKER: N_("Matchmaker voor weerwoorden"),
               Role.OBSERVER: N_("Waarnemer (Europa WSE)"),
               Role.ADMINISTRATOR: N_("Beheerder"),
               Role.APPLICANT: N_("Aanvrager voor een organisatie")}


class OrganisationForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[InputRequired(message=_l("Geef de naam van de organisatie.")),
                                               Length(max=300)])
    enterprise_number = StringField(_l("Ondernemingsnummer"),
                                    validators=[InputRequired(message=_l("Geef het ondernemingsnummer.")),
                                                Length(max=20)])
    legal_form = StringField(_l("Rechtsvorm"), validators=[InputRequired(message=_l(
        "Geef de rechtsvorm van de organisatie.")), Length(max=100)])
    kind = RadioField(_l("Soort organisatie"), choices=[(k.value, KIND_LABELS[k]) for k in OrganisationKind],
                      validators=[InputRequired(message=_l("Kies de soort organisatie."))])
    email = EmailField(_l("E-mailadres (optioneel)"), validators=[Optional(), Length(max=254)])


def _optional_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class InvitationForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[InputRequired(message=_l("Geef een geldig e-mailadres.")),
                                                      Length(max=254)])
    name = StringField(_l("Naam"), validators=[InputRequired(message=_l("Geef een naam.")), Length(max=200)])
    role = RadioField(_l("Rol"), choices=[(r.value, ROLE_LABELS[r]) for r in ROLE_LABELS],
                      validators=[InputRequired(message=_l("Kies een rol."))])
    work_area_id = SelectField(_l("Werkingsgebied (voor een coördinator)"), coerce=_optional_int,
                               validate_choice=False)
    organisation_id = SelectField(_l("Organisatie (voor een aanvrager)"), coerce=_optional_int,
                                  validate_choice=False)


class AcceptForm(FlaskForm):
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[InputRequired(message=_l(
        "Een wachtwoord telt minstens 12 tekens.")), Length(max=200)])
    confirm = PasswordField(_l("Herhaal het wachtwoord"), validators=[EqualTo(
        "password", message=_l("De twee wachtwoorden verschillen."))])


def _require_admin():
    if not is_administrator(current_user):
        abort(404)


def _organisations():
    return db.session.scalars(select(Organisation).options(raiseload("*"))
                              .order_by(Organisation.name)).all()


@bp.route("/beheer/organisaties", methods=["GET", "POST"])
@login_required
def organisations():
    _require_admin()
    form = OrganisationForm()
    status = 200
    if form.is_submitted():
        if form.validate() and perform(
                ops.register_organisation, form.name.data, form.enterprise_number.data,
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


def _invitation_form():
    form = InvitationForm()
    form.work_area_id.choices = [("", _("– geen –"))] + [
        (str(a.id), a.name) for a in db.session.scalars(
            select(WorkArea).options(raiseload("*")).order_by(WorkArea.name))]
    form.organisation_id.choices = [("", _("– geen –"))] + [
        (str(o.id), o.name) for o in _organisations()]
    return form


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
                admin_ops.invite_user, form.email.data or "", form.name.data or "", role,
                link=lambda token: url_for("admin.accept", token=token, _external=True),
                work_area_id=form.work_area_id.data if role == Role.COORDINATOR else None,
                organisation_id=form.organisation_id.data if role == Role.APPLICANT else None,
                form=form, success=_("De uitnodiging is verstuurd.")) is not FAILED:
            return redirect(url_for("admin.accounts") if is_administrator(current_user)
                            else url_for("admin.invite"))
        status = 422
    return render_template("admin/invite.html", form=form, role_labels=ROLE_LABELS), status


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def accept(token: str):
    user = admin_ops.invited_user(token)
    if user is None:
        abort(404)
    form = AcceptForm()
    status = 200
    if form.is_submitted():
        if form.validate() and perform(
                admin_ops.accept_invitation, user, form.password.data, form=form,
                success=_("Uw account is actief. U kunt zich nu aanmelden.")) is not FAILED:
            return redirect(url_for("auth.login"))
        status = 422
    return render_template("admin/accept.html", form=form, user=user), status
