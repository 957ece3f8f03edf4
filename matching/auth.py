"""Login and logout. Repeated failed logins on one account slow it down and are logged;
the message is the same whether the account exists or not."""

from __future__ import annotations


from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Length

from matching.extensions import db
from matching.models.accounts import User
from matching import operations as ops
from matching.views_support import utcnow

bp = Blueprint("auth", __name__)

#: Compared against when the account does not exist, so both paths take as long.
_DUMMY_HASH = ("scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128)


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(), Length(max=200)])


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
            ops.record_login(user, now=now)
            db.session.commit()
            login_user(user)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/") and not target.startswith("//")
                            else url_for("index"))
        else:
            if user is None:
                check_password_hash(_DUMMY_HASH, form.password.data)  # same time either way
            else:
                ops.record_failed_login(user, now=now)
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
    return render_template("auth/account.html", user=current_user)
