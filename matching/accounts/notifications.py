"""The e-mails of accounts: the confirmation of a registration, a password reset link,
an invitation and the confirmation of a new e-mail address. Written from the templates in
``templates/mail/`` in the person's language, with a link built from the configured address
of the site (never from the request)."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import select

from matching.accounts.models import DigestItem, Organisation, RoleGrant, User
from matching.accounts.rules import ROLE_LABELS, Role
from matching.core.db import db
from matching.core.errors import N_
from matching.core.web import external_url
from matching.mail.models import OutboxMessage
from matching.mail.outbox import queue_mail, queue_message


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
                    now: datetime, work_area: str | None = None) -> OutboxMessage:
    """The invitation names the role, the work area (if any) and who invited."""
    return _queue(user.email, N_("Uitnodiging: Lokale partnerschappen – matching"), "invitation",
                  now=now, key=f"invite.{user.id}", user=user, inviter=inviter,
                  role_label=ROLE_LABELS[role], work_area=work_area,
                  link=external_url("accounts.accept", token=token))


def role_granted_mail(user: User, role: Role, inviter: User, *, now: datetime,
                      work_area: str | None = None) -> OutboxMessage:
    """An existing account got a new role: the same facts, a link to sign in."""
    return _queue(user.email, N_("Nieuwe rol: Lokale partnerschappen – matching"),
                  "role_granted", now=now, key=f"grant.{user.id}", user=user, inviter=inviter,
                  role_label=ROLE_LABELS[role], work_area=work_area,
                  link=external_url("accounts.login"))


def already_registered_mail(user: User, *, now: datetime) -> OutboxMessage:
    """Someone registered with an address that has an account: its owner is told (the page
    says the same as for a new address, so it does not reveal which addresses exist)."""
    return _queue(user.email, N_("Registratie met uw e-mailadres – Lokale partnerschappen"),
                  "already_registered", now=now, key=f"registered.{user.id}", user=user,
                  login=external_url("accounts.login"),
                  forgot=external_url("accounts.forgot_password"))


# --- notifications: "it is your turn" ----------------------------------------------------

def coordinators_of(work_area_id: int) -> list[User]:
    """The active coordinators of a work area (who hear of appeals, conflicts …)."""
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.COORDINATOR, RoleGrant.work_area_id == work_area_id,
               User.active.is_(True), User.deactivated_at.is_(None))
        .order_by(User.id)).unique())


def message_id_for(key: str) -> str:
    """The Message-ID of a notification keyed ``key``: stable, so the same notification
    queued twice is refused by the outbox's unique Message-ID."""
    return f"<{key}@{current_app.config['MAIL_DOMAIN']}>"


def notify(users, subject: str, template: str, *, now: datetime, key: str, link: str,
           subject_params: dict | None = None, **context) -> list[OutboxMessage]:
    """Queue one e-mail per person (each once, inactive accounts skipped) from
    ``templates/mail/<template>.txt``, in the language the person last used the site in
    (Dutch by default), with ``link`` (built from ``BASE_URL``) to the page where they act.
    ``subject`` is a Dutch msgid; ``key`` names the event (with the person's id it makes
    the Message-ID)."""
    queued, seen = [], set()
    for user in users:
        if user is None or user.id in seen or not user.is_active:
            continue
        seen.add(user.id)
        with force_locale(user.locale or "nl"):
            body = render_template(f"mail/{template}.txt", user=user, link=link, **context)
            title = gettext(subject, **(subject_params or {}))
        if user.digest:  # kept for the daily overview
            db.session.add(DigestItem(user_id=user.id, subject=title, body=body, created_at=now))
            continue
        queued.append(queue_message(user.email, title, message_id_for(f"{key}.{user.id}"),
                                    now=now, body=body))
    return queued


def digest_mail(user: User, items: list[DigestItem], *, now: datetime,
                day: str) -> OutboxMessage:
    """The daily overview of a person who chose one: every notification kept since the last."""
    with force_locale(user.locale or "nl"):
        body = render_template("mail/digest.txt", user=user, items=items,
                               link=external_url("tasks.tasks"))
        title = gettext("Uw dagelijks overzicht – Lokale partnerschappen")
    for item in items:
        item.sent_at = now
    return queue_message(user.email, title, message_id_for(f"digest.{user.id}.{day}"), now=now,
                         body=body)
def email_change_mail(user: User, new_email: str, token: str, *,
                      now: datetime) -> OutboxMessage:
    """The confirmation link goes to the NEW address (it proves the person receives mail
    there); a notice goes to the current one (a stolen session cannot change it silently)."""
    _queue(user.email, N_("Wijziging van uw e-mailadres – Lokale partnerschappen"),
           "email_change_notice", now=now, key=f"email-notice.{user.id}", user=user)
    return _queue(new_email, N_("Bevestig uw nieuwe e-mailadres – Lokale partnerschappen"),
                  "email_change", now=now, key=f"email-change.{user.id}", user=user,
                  link=external_url("accounts.confirm_email", token=token))
