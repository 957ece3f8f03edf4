"""Self-registration of an organisation with its applicant account, e-mail confirmation
and password reset. Tokens are signed (itsdangerous) and checked by the operations."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from matching import applicant_operations as app_ops
from matching.errors import DomainError
from matching.navigation import register_nav
from matching.views_support import FAILED, message_of, perform

bp = Blueprint("accounts", __name__)

register_nav("Registreren", "accounts.register",
             visible=lambda user: not user.is_authenticated, order=90)


class RegistrationForm(FlaskForm):
    organisation_name = StringField("Naam van de organisatie",
                                    validators=[DataRequired(), Length(max=300)])
    enterprise_number = StringField("Ondernemingsnummer",
                                    validators=[DataRequired(), Length(max=20)])
    legal_form = StringField("Rechtsvorm", validators=[DataRequired(), Length(max=100)])
    name = StringField("Uw naam", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Uw e-mailadres", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("Herhaal het wachtwoord", validators=[DataRequired(), Length(max=200)])


class ConfirmForm(FlaskForm):
    pass


class ForgotForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField("Nieuw wachtwoord", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("Herhaal het nieuwe wachtwoord",
                            validators=[DataRequired(), Length(max=200)])


def _status(form) -> int:
    return 422 if form.errors else 200


@bp.route("/registreren", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        result = perform(app_ops.register_applicant, form.organisation_name.data,
                         form.enterprise_number.data, form.legal_form.data, form.name.data,
                         form.email.data, form.password.data, form.confirm.data, form=form,
                         confirm_link=lambda token: url_for("accounts.confirm", token=token,
                                                            _external=True))
        if result is not FAILED:
            return redirect(url_for("accounts.registered"))
    return render_template("accounts/register.html", form=form), _status(form)


@bp.get("/registreren/verstuurd")
def registered():
    return render_template("accounts/registered.html")


@bp.route("/bevestigen/<token>", methods=["GET", "POST"])
def confirm(token: str):
    form = ConfirmForm()
    if form.validate_on_submit():
        if perform(app_ops.confirm_account, token, form=form,
                   success=_("Uw account is bevestigd. U kunt zich nu aanmelden.")) is not FAILED:
            return redirect(url_for("auth.login"))
        return render_template("accounts/confirm.html", form=form, problem=None), 422
    try:
        user = app_ops.user_of_confirmation(token)  # read only: GET changes nothing
    except DomainError as error:
        return render_template("accounts/confirm.html", form=form, problem=message_of(error)), 404
    return render_template("accounts/confirm.html", form=form, problem=None, user=user)


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        result = perform(app_ops.request_password_reset, form.email.data, form=form,
                         reset_link=lambda token: url_for("accounts.reset_password",
                                                          token=token, _external=True))
        if result is not FAILED:
            return render_template("accounts/forgot_sent.html")
    return render_template("accounts/forgot.html", form=form), _status(form)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetForm()
    try:
        app_ops.user_of_reset(token)
    except DomainError as error:
        return render_template("accounts/reset.html", form=None, problem=message_of(error)), 404
    if form.validate_on_submit():
        if perform(app_ops.reset_password, token, form.password.data, form.confirm.data,
                   form=form, success=_("Uw wachtwoord is gewijzigd. U kunt zich nu "
                                        "aanmelden.")) is not FAILED:
            return redirect(url_for("auth.login"))
    return render_template("accounts/reset.html", form=form, problem=None), _status(form)
