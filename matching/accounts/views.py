"""Sign-in and sign-out, the account page, self-registration of an organisation with e-mail
confirmation, password reset, accepting an invitation, the second factor. Tokens are
signed (itsdangerous) and checked by the operations. Sessions are kept on the server
(:mod:`matching.accounts.sessions`). The forms that cost a password hash or send an
e-mail are rate limited per address and per address and account
(:mod:`matching.core.limits`), before any hash is computed; the message is the same
whether the account exists or not."""

from __future__ import annotations

import pyotp
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import select

from matching.accounts import operations as account_ops
from matching.accounts import sign_in_operations as sign_in_ops
from matching.accounts.forms import (
    AcceptForm,
    ChangePasswordForm,
    ConfirmForm,
    ContactDetailsForm,
    EmailChangeForm,
    EnrolForm,
    ForgotForm,
    LoginForm,
    RegistrationForm,
    ResetForm,
    ResetSecondFactorForm,
    SecondFactorForm,
    StartEnrolmentForm,
    seat_choices,
)
from matching.accounts.models import User
from matching.accounts.passwords import spend_unknown_account_check
from matching.accounts.rules import ROLE_LABELS, OrganisationKind, Role, second_factor_required
from matching.accounts.sessions import SESSION_KEY, current_session
from matching.core.db import db
from matching.core.errors import N_, DomainError
from matching.core.forms import mark_failed_submit
from matching.core.fresh_forms import FreshForm, FreshFragment
from matching.core.limits import (
    address_and_form_email,
    address_limit_breached,
    client_address,
    failed,
    limit,
    limiter,
)
from matching.core.navigation import register_nav
from matching.core.render import fixed_url_for, link_context
from matching.core.web import FAILED, get_or_404, message_of, perform, safe_target, utcnow

bp = Blueprint("accounts", __name__)


def address_and_pending_account() -> str:
    """The pair key of the second step: the client's address and the account whose
    password it gave."""
    pending = current_session(pending=True)
    return f"{client_address()}|{pending.user_id if pending else '-'}"

register_nav(N_("Registreren"), "accounts.register",
             visible=lambda user: not user.is_authenticated, order=90)

def _fresh_cookie(token: str | None, *, target: str | None = None) -> None:
    """A fresh session cookie: the session id and the CSRF token change at sign-in and
    sign-out (only the language choice, and where to go after the second step, carry over).
    At sign-in the new CSRF secret is made at once, by Flask-WTF as at a form's first
    rendering (issue 17): the cookie a browser gets with its session already holds it, so
    the pages after it do not each answer with a new cookie (a client that keeps the first
    cookie, as a benchmark does, made every page mint a secret and sign a cookie anew); the
    page rendered in this very request (the recovery codes) shows a token of that secret."""
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    if target:
        session["next_after_sign_in"] = target
    if token:
        session[SESSION_KEY] = token
        g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)
        generate_csrf()


@bp.route("/aanmelden", methods=["GET", "POST"])
@limiter.limit(limit("sign_in_address"), methods=["POST"], on_breach=address_limit_breached)
@limiter.limit(limit("sign_in_account"), key_func=address_and_form_email, methods=["POST"],
               deduct_when=failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        now = utcnow()
        email = form.email.data.strip().lower()
        user = db.session.scalar(select(User).where(User.email == email))
        target = safe_target(request.args.get("next"))
        password_ok = user is not None and user.check_password(form.password.data)
        if user is not None and password_ok and account_ops.awaits_confirmation(user):
            # The right password of an account never confirmed: say so, and offer a new
            # confirmation mail (only who knows the password learns this).
            return render_template("auth/login.html", form=form, unconfirmed=user.email), 422
        if user is not None and user.is_active and password_ok:
            user.locale = str(get_locale() or "nl")  # their notifications' language
            roles = [grant.role for grant in user.grants]
            if second_factor_required(roles) or user.totp_confirmed_at is not None:
                if user.totp_confirmed_at is None:
                    sign_in_ops.begin_enrolment(user, now=now)
                token = sign_in_ops.start_session(user, now=now, pending=True)
                db.session.commit()
                _fresh_cookie(token, target=target)
                return redirect(url_for("accounts.second_factor"))
            sign_in_ops.record_login(user, now=now)
            token = sign_in_ops.start_session(user, now=now)
            db.session.commit()
            _fresh_cookie(token)
            return redirect(target)
        if user is None:
            spend_unknown_account_check(form.password.data)  # same time either way
        else:
            sign_in_ops.record_failed_login(user, now=now)
            db.session.commit()
            current_app.logger.warning("failed login for account %s", user.id)
        form.password.errors.append(_("Het e-mailadres of het wachtwoord is niet juist."))
        mark_failed_submit()
    return render_template("auth/login.html", form=form), 200 if not form.errors else 422


@bp.route("/aanmelden/code", methods=["GET", "POST"])
@limiter.limit(limit("second_factor_address"), methods=["POST"], on_breach=address_limit_breached)
@limiter.limit(limit("second_factor_account"), key_func=lambda: address_and_pending_account(),
               methods=["POST"], deduct_when=failed)
def second_factor():
    """The second step of signing in: the app's code, or enrolment when the account has
    none yet (the secret was made at the password step, kept on the server)."""
    pending = current_session(pending=True)
    if pending is None:
        flash(_("Meld u opnieuw aan."), "info")
        return redirect(url_for("accounts.login"))
    user = pending.user
    enrolling = user.totp_confirmed_at is None
    form = EnrolForm() if enrolling else SecondFactorForm()
    if form.validate_on_submit():
        now = utcnow()
        try:
            if enrolling:
                codes = sign_in_ops.confirm_enrolment(user, form.code.data, now=now)
            else:
                sign_in_ops.check_second_factor(user, form.code.data, now=now)
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(message_of(error))
            mark_failed_submit()
            form.code.data = ""  # a code is not shown again
            if not enrolling:
                sign_in_ops.record_failed_login(user, now=now, step="second_factor")
                db.session.commit()
        else:
            target = safe_target(session.get("next_after_sign_in"))
            token = sign_in_ops.complete_sign_in(pending, now=now)
            db.session.commit()
            _fresh_cookie(token)
            if enrolling:
                return render_template("auth/recovery_codes.html", codes=codes, target=target)
            return redirect(target)
    status = 422 if form.errors else 200
    if enrolling:
        return render_template("auth/enrol.html", form=form, **_enrolment(user)), status
    demo = current_app.config.get("DEMO_TOTP_SECRET")
    demo_code = pyotp.TOTP(demo).at(utcnow()) if demo and user.totp_secret == demo else None
    return render_template("auth/second_factor.html", form=form, demo_code=demo_code), status


def _enrolment(user: User) -> dict:
    """What the enrolment page shows: the QR code (SVG, inline) and the secret as text."""
    import segno  # only here (issue 17: not in every worker at start)

    uri = pyotp.TOTP(user.totp_secret or "").provisioning_uri(
        name=user.email, issuer_name="Lokale partnerschappen")
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff",
                                                 title=_("QR-code voor uw authenticator-app"))
    secret = user.totp_secret or ""
    return {"qr_svg": Markup(svg),
            "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))}


@bp.route("/mijn-account/tweestapsverificatie", methods=["GET", "POST"])
@login_required
def enrol():
    """An applicant adds a second factor (the other roles enrol at sign-in)."""
    user = current_user._get_current_object()
    if user.totp_confirmed_at is not None:
        flash(_("Tweestapsverificatie is voor uw account al ingesteld."), "info")
        return redirect(url_for("accounts.account"))
    start = StartEnrolmentForm(prefix="start")
    if not user.totp_secret and start.validate_on_submit():
        perform(sign_in_ops.begin_enrolment, user)
        return redirect(url_for("accounts.enrol"))
    form = EnrolForm()
    if user.totp_secret and form.validate_on_submit():
        codes = perform(sign_in_ops.confirm_enrolment, user, form.code.data, form=form)
        if codes is not FAILED:
            return render_template("auth/recovery_codes.html", codes=codes,
                                   target=url_for("accounts.account"))
    if not user.totp_secret:
        return render_template("auth/enrol_start.html", form=start)
    return (render_template("auth/enrol.html", form=form, **_enrolment(user)),
            422 if form.errors else 200)


@bp.post("/afmelden")
def logout():
    account_session = current_session() or current_session(pending=True)
    if account_session is not None:
        sign_in_ops.end_session(account_session, now=utcnow(), reason="logout")
        db.session.commit()
    _fresh_cookie(None)
    flash(_("U bent afgemeld."), "info")
    return redirect(url_for("index"))


@bp.route("/beheer/accounts/<int:user_id>/tweestapsverificatie", methods=["GET", "POST"])
@login_required
def reset_second_factor(user_id: int):
    """The administrator resets someone's second factor (asked to confirm first)."""
    if not current_user.has_role(Role.ADMINISTRATOR):
        abort(404)
    user = get_or_404(User, user_id)
    form = ResetSecondFactorForm()
    if form.validate_on_submit():
        if perform(sign_in_ops.reset_second_factor, user,
                   success=_("De tweestapsverificatie van %(name)s is hersteld: bij de "
                             "volgende aanmelding stelt die ze opnieuw in.",
                             name=user.name)) is not FAILED:
            return redirect(url_for("admin.accounts"))
    return render_template("admin/reset_second_factor.html", form=form, user=user)


@bp.route("/mijn-account/wachtwoord", methods=["GET", "POST"])
@login_required
@limiter.limit(limit("new_password_address"), methods=["POST"])
def change_password():
    """A new password ends every session of the account, on every device; this browser
    gets a new one."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if perform(account_ops.change_password, user, form.current.data, form.password.data,
                   form.confirm.data, form=form) is not FAILED:
            token = sign_in_ops.start_session(user, now=utcnow())
            db.session.commit()
            _fresh_cookie(token)
            flash(_("Uw wachtwoord is gewijzigd. Op andere toestellen bent u afgemeld."),
                  "success")
            return redirect(url_for("accounts.account"))
    return render_template("auth/change_password.html", form=form), _status(form)


#: The account page's forms (issue 17): as first shown, rendered by WTForms once per language
#: and CSRF setting through the macros of ``_ACCOUNT_FORMS``; a submitted form is validated
#: and, when refused, rendered by WTForms through the same macro, with its errors.
_ACCOUNT_FORMS = "auth/_account_forms.html"
_CONTACT_FORM = FreshForm(_ACCOUNT_FORMS, "contact_section",
                          lambda: ContactDetailsForm(formdata=None), fields=("name", "phone"),
                          arguments=("action",))
_EMAIL_FORM = FreshForm(_ACCOUNT_FORMS, "email_section",
                        lambda: EmailChangeForm(formdata=None), arguments=("action",))


#: The account page's own content (issue 17): rendered once per language, roles, settings and
#: link context, with the name, the address, the forms and the CSRF token joined per request.
_ACCOUNT_MAIN = FreshFragment("auth/_account_main.html", "account_main",
                              ("user_name", "email", "csrf", "contact_html", "email_html"))


def _account_page(*, contact_form: ContactDetailsForm | None = None,
                  email_form: EmailChangeForm | None = None) -> str:
    """The account page, with the form that was submitted and refused (if any)."""
    user = current_user._get_current_object()  # (not the proxy, for every attribute read)
    contact_action = fixed_url_for("accounts.contact_details")
    email_action = fixed_url_for("accounts.change_email")
    contact_html = (
        _CONTACT_FORM.render({"name": user.name, "phone": user.phone}, action=contact_action)
        if contact_form is None else
        get_template_attribute(_ACCOUNT_FORMS, "contact_section")(contact_form, contact_action))
    email_html = (
        _EMAIL_FORM.render({}, action=email_action) if email_form is None else
        get_template_attribute(_ACCOUNT_FORMS, "email_section")(email_form, email_action))
    return render_template("auth/account.html",
                           main_html=_account_main(user, contact_html, email_html))


def _account_main(user: User, contact_html: Markup, email_html: Markup) -> Markup:
    """The account page's own content: its fragment for the account's roles and settings,
    with its name, address and the forms joined in."""
    roles = tuple(grant.role for grant in user.grants)
    totp_set, digest = bool(user.totp_confirmed_at), bool(user.digest)
    administrator = user.has_role(Role.ADMINISTRATOR)
    return _ACCOUNT_MAIN.render(
        (str(get_locale()), roles, totp_set, digest, administrator, link_context()),
        {"user_name": user.name, "email": user.email, "csrf": generate_csrf(),
         "contact_html": contact_html, "email_html": email_html},
        roles=roles, role_labels=ROLE_LABELS, totp_set=totp_set, digest=digest,
        administrator=administrator)


@bp.get("/mijn-account")
@login_required
def account():
    return _account_page()


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
    return _account_page(contact_form=form), 422


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
    return _account_page(email_form=form), 422


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


@bp.post("/mijn-account/meldingen")
@login_required
def notifications():
    """The choice between separate notification e-mails and one daily overview."""
    if not ConfirmForm().validate_on_submit():  # the CSRF token only
        abort(400)
    perform(account_ops.set_digest, current_user._get_current_object(),
            request.form.get("digest") == "1", success=_("Uw keuze is bewaard."))
    return redirect(url_for("accounts.account"))


def _kind(value: str | None) -> OrganisationKind | None:
    """The kind a form names (shape only; the operation decides whether it may)."""
    try:
        return OrganisationKind(value) if value else None
    except ValueError:
        return None


def _status(form) -> int:
    return 422 if form.errors else 200


@bp.route("/registreren", methods=["GET", "POST"])
@limiter.limit(limit("registration_address"), methods=["POST"], on_breach=address_limit_breached)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("index"))
    form = RegistrationForm()
    form.seat_nis_code.choices = seat_choices(_("– kies een gemeente –"))
    if form.validate_on_submit():
        result = perform(account_ops.register_applicant, form.organisation_name.data,
                         form.enterprise_number.data, form.legal_form.data, form.name.data,
                         form.email.data, form.password.data, form.confirm.data, form=form,
                         kind=_kind(form.kind.data), seat_nis_code=form.seat_nis_code.data or None)
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


@bp.route("/bevestiging-opnieuw", methods=["GET", "POST"])
@limiter.limit(limit("reset_address"), methods=["POST"], on_breach=address_limit_breached)
@limiter.limit(limit("reset_account"), key_func=address_and_form_email, methods=["POST"])
def resend_confirmation():
    """A new confirmation mail for an account not yet confirmed (the same answer whether the
    address exists or not)."""
    form = ForgotForm()
    if not form.is_submitted() and request.args.get("email"):
        form.email.data = request.args["email"]
    if form.validate_on_submit():
        if perform(account_ops.resend_confirmation, form.email.data, form=form) is not FAILED:
            return render_template("accounts/resend_sent.html")
    return render_template("accounts/resend.html", form=form), _status(form)


@bp.route("/wachtwoord-vergeten", methods=["GET", "POST"])
@limiter.limit(limit("reset_address"), methods=["POST"], on_breach=address_limit_breached)
@limiter.limit(limit("reset_account"), key_func=address_and_form_email, methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        result = perform(account_ops.request_password_reset, form.email.data, form=form)
        if result is not FAILED:
            return render_template("accounts/forgot_sent.html")
    return render_template("accounts/forgot.html", form=form), _status(form)


@bp.route("/wachtwoord-herstellen/<token>", methods=["GET", "POST"])
@limiter.limit(limit("new_password_address"), methods=["POST"])
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
@limiter.limit(limit("new_password_address"), methods=["POST"])
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
