"""Sign-in and sign-out, the account page, self-registration of an organisation with e-mail
confirmation, password reset, and accepting an invitation. Tokens are signed
(itsdangerous) and checked by the operations. Repeated failed logins on one account slow
it down and are logged; the message is the same whether the account exists or not."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash

from matching.accounts import operations as account_ops
from matching.accounts.forms import (
    AcceptForm,
    ConfirmForm,
    ContactDetailsForm,
    EmailChangeForm,
    ForgotForm,
    LoginForm,
    RegistrationForm,
    ResetForm,
)
from matching.accounts.models import User
from matching.core.db import db
from matching.core.errors import DomainError
from matching.core.navigation import register_nav
from matching.core.web import FAILED, message_of, perform, utcnow

bp = Blueprint("accounts", __name__)

register_nav("Registreren", "accounts.register",
             visible=lambda user: not user.is_authenticated, order=90)

#: Compared against when the account does not exist, so both paths take as long.
_DUMMY_HASH = ("scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128)


@bp.route("/aanmelden", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        now = utcnow()
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None and user.throttled_until and user.throttled_until > now:
            current_app.logger.warning("login throttled for account %s", user.id)
            form.password.errors.append(_("Te veel mislukte pogingen. Probeer het over enkele "
                                          "ogenblikken opnieuw."))
        elif user is not None and user.active and user.check_password(form.password.data):
            account_ops.record_login(user, now=now)
            db.session.commit()
            login_user(user)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//")
                            else url_for("index"))
        else:
            if user is None:
                check_password_hash(_DUMMY_HASH, form.password.data)  # same time either way
            else:
                account_ops.record_failed_login(user, now=now)
                db.session.commit()
                current_app.logger.warning("failed login %d for account %s", user.failed_logins,
                                           user.id)
            form.password.errors.append(_("Het e-mailadres of het wachtwoord is niet juist."))
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.post("/afmelden")
@login_required
def logout():
    logout_user()
    flash(_("U bent afgemeld."), "info")
    return redirect(url_for("index"))


@bp.get("/mijn-account")
@login_required
def account():
    form = ContactDetailsForm(obj=current_user)
    return render_template("auth/account.html", user=current_user, contact_form=form,
                           email_form=EmailChangeForm(formdata=None))


@bp.post("/mijn-account/gegevens")
@login_required
def contact_details():
    """Rectification: the person corrects their own name and phone number."""
    form = ContactDetailsForm()
    if form.validate_on_submit() and perform(
            account_ops.correct_contact_details, current_user._get_current_object(),
            form.name.data, form.phone.data or "", form=form,
            success=_("Uw gegevens zijn verbeterd.")) is not FAILED:
        return redirect(url_for("accounts.account"))
    return render_template("auth/account.html", user=current_user, contact_form=form,
                           email_form=EmailChangeForm(formdata=None)), 422


@bp.post("/mijn-account/e-mailadres")
@login_required
def change_email():
    """Rectification of the e-mail address: confirmed from the new address."""
    form = EmailChangeForm()
    if form.validate_on_submit() and perform(
            account_ops.request_email_change, current_user._get_current_object(),
            form.email.data, form=form,
            success=_("We stuurden een link naar het nieuwe adres. Uw e-mailadres wijzigt "
                      "zodra u die link gebruikt (binnen drie dagen).")) is not FAILED:
        return redirect(url_for("accounts.account"))
    return render_template("auth/account.html", user=current_user, email_form=form,
                           contact_form=ContactDetailsForm(obj=current_user)), 422


@bp.route("/e-mailadres-bevestigen/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """The link sent to the new address; GET shows it, POST changes the address."""
    form = ConfirmForm()
    try:
        user, new_email = account_ops.email_change_of(token)  # read only
    except DomainError as error:
        return render_template("accounts/confirm_email.html", form=form,
                               problem=message_of(error)), 404
    if form.validate_on_submit():
        if perform(account_ops.confirm_email_change, token, form=form,
                   success=_("Uw e-mailadres is gewijzigd.")) is not FAILED:
            return redirect(url_for("accounts.account" if current_user.is_authenticated
                                    else "accounts.login"))
        return render_template("accounts/confirm_email.html", form=form, problem=None,
                               new_email=new_email), 422
    return render_template("accounts/confirm_email.html", form=form, problem=None,
                           new_email=new_email)


def _status(form) -> int:
    return 422 if form.errors else 200


@bp.route("/registreren", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        result = perform(account_ops.register_applicant, form.organisation_name.data,
                         form.enterprise_number.data, form.legal_form.data, form.name.data,
                         form.email.data, form.password.data, form.confirm.data, form=form)
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
        if perform(account_ops.confirm_account, token, form=form,
                   success=_("Uw account is bevestigd. U kunt zich nu aanmelden.")) is not FAILED:
            return redirect(url_for("accounts.login"))
        return render_template("accounts/confirm.html", form=form, problem=None), 422
    try:
        user = account_ops.user_of_confirmation(token)  # read only: GET changes nothing
    except DomainError as error:
        return render_template("accounts/confirm.html", form=form, problem=message_of(error)), 404
    return render_template("accounts/confirm.html", form=form, problem=None, user=user)


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        result = perform(account_ops.request_password_reset, form.email.data, form=form)
        if result is not FAILED:
            return render_template("accounts/forgot_sent.html")
    return render_template("accounts/forgot.html", form=form), _status(form)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    form = ResetForm()
    try:
        account_ops.user_of_reset(token)
    except DomainError as error:
        return render_template("accounts/reset.html", form=None, problem=message_of(error)), 404
    if form.validate_on_submit():
        if perform(account_ops.reset_password, token, form.password.data, form.confirm.data,
                   form=form, success=_("Uw wachtwoord is gewijzigd. U kunt zich nu "
                                        "aanmelden.")) is not FAILED:
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form, problem=None), _status(form)


@bp.route("/uitnodiging/<token>", methods=["GET", "POST"])
def accept(token: str):
    user = account_ops.invited_user(token)
    if user is None:
        abort(404)
    form = AcceptForm()
    status = 200
    if form.is_submitted():
        if form.validate() and perform(
                account_ops.accept_invitation, user, form.password.data, form=form,
                success=_("Uw account is actief. U kunt zich nu aanmelden.")) is not FAILED:
            return redirect(url_for("accounts.login"))
        status = 422
    return render_template("admin/accept.html", form=form, user=user), status
