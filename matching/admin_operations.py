"""Operations of the administrator on accounts: invite a person by e-mail, and the
invitee's acceptance. Like every operation: check the rules, change the objects, audit,
never commit."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from matching import operations as ops
from matching.errors import DomainError, N_
from matching.extensions import db
from matching.models.accounts import Role, User
from matching.outbox import queue_mail
from matching.permissions import require_may_grant
from matching.recording import audit

#: The invitation link works for 7 days, and once (until a password is set).
INVITATION_MAX_AGE = 7 * 24 * 3600
INVITATION_SALT = "invite"
MIN_PASSWORD = 12


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(user: User) -> str:
    return _serializer().dumps({"user": user.id})


def invited_user(token: str) -> User | None:
    """The invited account the token is for, while it is valid and not yet used."""
    try:
        data = _serializer().loads(token, max_age=INVITATION_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.password_hash is not None:
        return None  # the token works once: the account has its password already
    return user


def invite_user(email: str, name: str, role: Role, *, actor: User, now: datetime,
                link: Callable[[str], str], work_area_id: int | None = None,
                organisation_id: int | None = None) -> User:
    """Create an inactive account with one role and queue an invitation e-mail with a
    signed link (7 days) where the invitee sets a password."""
    role = Role(role)
    require_may_grant(actor, role, work_area_id)
    user = ops.create_user(email, name, None, actor=actor, now=now)
    user.active = False
    ops.grant_role(user, role, actor=actor, now=now, work_area_id=work_area_id,
                   organisation_id=organisation_id)
    url = link(invitation_token(user))
    body = (f"Beste {user.name},\n\n"
            f"U bent uitgenodigd voor het matchingsplatform van de oproep "
            f"\u201eLokale partnerschappen\u201d (ESF+).\n\n"
            f"Kies uw wachtwoord via deze link (7 dagen geldig, eenmalig te gebruiken):\n{url}\n\n"
            f"Met vriendelijke groeten,\nEuropa WSE\n")
    queue_mail(user.email, "Uitnodiging: Lokale partnerschappen \u2013 matching", body, now=now,
               domain=current_app.config["MAIL_DOMAIN"],
               key=f"invite.{user.id}.{secrets.token_hex(8)}")
    audit("user.invite", user, actor=actor, now=now, procedure_id=None, email=user.email,
          role=role)
    return user


def accept_invitation(user: User, password: str, *, actor=None, now: datetime) -> User:
    """The invitee sets a password (at least 12 characters); the account becomes active.
    ``actor`` (anonymous) is ignored: the invitee acts for themself."""
    if user.password_hash is not None:
        raise DomainError(N_("Deze uitnodiging werd al gebruikt."))
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(N_("Een wachtwoord telt minstens 12 tekens."), field="password")
    user.set_password(password)
    user.active = True
    audit("user.accept_invitation", user, actor=user, now=now, procedure_id=None)
    return user
