"""The e-mails of accounts: the confirmation of a registration, a password reset link,
an invitation and the confirmation of a new e-mail address. Written from the templates in
``templates/mail/`` in the person's language, with a link built from the configured address
of the site (never from the request)."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale, get_locale, gettext

from matching.accounts.models import Organisation, User
from matching.accounts.rules import ROLE_LABELS, Role
from matching.core.errors import N_
from matching.core.web import external_url
from matching.mail.models import OutboxMessage
from matching.mail.outbox import queue_mail


def _locale() -> str:
    """The language of the person at hand: the one they use the site in (Dutch by default)."""
    locale = get_locale()
    return str(locale) if locale else "nl"


def _queue(to: str, subject: str, template: str, *, now: datetime, key: str,
           **context) -> OutboxMessage:
    with force_locale(_locale()):
        body = render_template(f"mail/{template}.txt", **context)
        subject = gettext(subject)
    return queue_mail(to, subject, body, now=now, domain=current_app.config["MAIL_DOMAIN"],
                      key=f"{key}.{secrets.token_hex(8)}")


def confirmation_mail(user: User, organisation: Organisation, token: str, *,
                      now: datetime) -> OutboxMessage:
    return _queue(user.email, N_("Bevestig uw account – Lokale partnerschappen"),
                  "account_confirmation", now=now, key=f"confirm.{user.id}", user=user,
                  organisation=organisation, link=external_url("accounts.confirm", token=token))


def reset_mail(user: User, token: str, *, now: datetime) -> OutboxMessage:
    return _queue(user.email, N_("Nieuw wachtwoord – Lokale partnerschappen"), "password_reset",
                  now=now, key=f"reset.{user.id}", user=user,
                  link=external_url("accounts.reset_password", token=token))


def invitation_mail(user: User, role: Role, inviter: User, token: str, *,
                    now: datetime) -> OutboxMessage:
    return _queue(user.email, N_("Uitnodiging: Lokale partnerschappen – matching"), "invitation",
                  now=now, key=f"invite.{user.id}", user=user, inviter=inviter,
                  role_label=ROLE_LABELS[role],
                  link=external_url("accounts.accept", token=token))


def email_change_mail(user: User, new_email: str, token: str, *,
                      now: datetime) -> OutboxMessage:
    """The confirmation link goes to the NEW address (it proves the person receives mail
    there); a notice goes to the current one (a stolen session cannot change it silently)."""
    _queue(user.email, N_("Wijziging van uw e-mailadres – Lokale partnerschappen"),
           "email_change_notice", now=now, key=f"email-notice.{user.id}", user=user)
    return _queue(new_email, N_("Bevestig uw nieuwe e-mailadres – Lokale partnerschappen"),
                  "email_change", now=now, key=f"email-change.{user.id}", user=user,
                  link=external_url("accounts.confirm_email", token=token))
