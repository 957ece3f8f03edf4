"""Operations on accounts and organisations: the only place they change.

Create and invite accounts, grant roles, register organisations, self-registration with
e-mail confirmation, password reset, sign-in bookkeeping. Each function checks the rules,
changes the objects, records the audit event, and never commits: the caller commits once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from matching.accounts import notifications as account_mail
from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.rules import (
    MIN_PASSWORD,
    OrganisationKind,
    Role,
    _check_password,
    check_contact_details,
    check_enterprise_number,
    login_throttle,
    require_may_grant,
)
from matching.audit.recording import audit
from matching.core.db import db
from matching.core.errors import N_, DomainError, PermissionDenied
from matching.core.operation import operation


@operation
def create_user(email: str, name: str, password: str | None, *, actor: User | None,
                now: datetime) -> User:
    """Create an account (by an administrator, or by self-registration when actor is None)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise DomainError(N_("Geef een geldig e-mailadres."), field="email")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError(N_("Er bestaat al een account met dit e-mailadres."), field="email")
    if not name.strip():
        raise DomainError(N_("Geef een naam."), field="name")
    user = User(email=email, name=name.strip(), created_at=now, active=True)
    if password is not None:
        if len(password) < 12:
            raise DomainError(N_("Een wachtwoord telt minstens 12 tekens."), field="password")
        user.set_password(password)
    db.session.add(user)
    audit("user.create", user, actor=actor, now=now, procedure_id=None, email=email)
    return user


@operation
def record_login(user: User, *, now: datetime) -> None:
    """A successful login resets the throttle."""
    user.failed_logins, user.throttled_until = 0, None
    audit("user.login", user, actor=user, now=now, procedure_id=None)


@operation
def record_failed_login(user: User, *, now: datetime) -> None:
    """A failed login on an existing account counts and may slow the account down."""
    user.failed_logins += 1
    wait = login_throttle(user.failed_logins)
    user.throttled_until = now + wait if wait else None
    audit("user.login_failed", user, actor=None, now=now, procedure_id=None,
          failed=user.failed_logins)


@operation
def grant_role(user: User, role: Role, *, actor: User, now: datetime,
               work_area_id: int | None = None, organisation_id: int | None = None) -> RoleGrant:
    require_may_grant(actor, Role(role), work_area_id)
    if (role == Role.COORDINATOR) != (work_area_id is not None):
        raise DomainError(N_("Een coördinator hoort bij precies één werkingsgebied."))
    if (role == Role.APPLICANT) != (organisation_id is not None):
        raise DomainError(N_("Een aanvrager hoort bij precies één organisatie."))
    if user.has_role(role, work_area_id=work_area_id, organisation_id=organisation_id):
        raise DomainError(N_("Deze gebruiker heeft deze rol al."))
    grant = RoleGrant(role=role, work_area_id=work_area_id, organisation_id=organisation_id,
                      granted_at=now)
    user.grants.append(grant)
    audit("role.grant", grant, actor=actor, now=now, procedure_id=None, user=user.email,
          role=role, work_area_id=work_area_id, organisation_id=organisation_id)
    return grant


@operation
def register_organisation(name: str, enterprise_number: str, legal_form: str,
                          kind: OrganisationKind, *, actor: User | None, now: datetime,
                          email: str | None = None) -> Organisation:
    """Register an organisation; its enterprise number must pass the mod-97 check."""
    digits = check_enterprise_number(enterprise_number)
    if not name.strip():
        raise DomainError(N_("Geef de naam van de organisatie."), field="name")
    if not legal_form.strip():
        raise DomainError(N_("Geef de rechtsvorm van de organisatie."), field="legal_form")
    if db.session.scalar(select(Organisation.id).where(Organisation.enterprise_number == digits)):
        raise DomainError(N_("Er is al een organisatie met ondernemingsnummer %(number)s."),
                          field="enterprise_number", number=enterprise_number)
    organisation = Organisation(name=name.strip(), enterprise_number=digits,
                                legal_form=legal_form.strip(), kind=OrganisationKind(kind),
                                email=email)
    db.session.add(organisation)
    audit("organisation.register", organisation, actor=actor, now=now, procedure_id=None,
          name=organisation.name, kind=organisation.kind)
    return organisation


CONFIRM_SALT, CONFIRM_MAX_AGE = "confirm", 3 * 24 * 3600


RESET_SALT, RESET_MAX_AGE = "reset", 3600


def _person(actor) -> User | None:
    """The acting account, or None for an anonymous visitor (self-service pages)."""
    return actor if getattr(actor, "is_authenticated", False) else None


# --- signed tokens ------------------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    """Binds a reset token to the current password: once the password changes, the token
    no longer works (so it works once)."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def confirmation_token(user: User) -> str:
    return _serializer(CONFIRM_SALT).dumps({"u": user.id, "e": user.email})


def reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"u": user.id, "p": _fingerprint(user)})


def _load(token: str, salt: str, max_age: int) -> dict:
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(N_("Deze link is verlopen. Vraag een nieuwe aan.")) from None
    except BadSignature:
        raise DomainError(N_("Deze link is ongeldig.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise DomainError(N_("Deze link is ongeldig."))
    return data


def user_of_confirmation(token: str) -> User:
    """The inactive account a confirmation token is for (refused when invalid or used)."""
    data = _load(token, CONFIRM_SALT, CONFIRM_MAX_AGE)
    user = db.session.get(User, data["u"])
    if user is None or user.email != data.get("e"):
        raise DomainError(N_("Deze link is ongeldig."))
    if user.active:
        raise DomainError(N_("Dit account is al bevestigd. U kunt zich aanmelden."))
    return user


def user_of_reset(token: str) -> User:
    """The account a reset token is for (refused when invalid, expired or already used)."""
    data = _load(token, RESET_SALT, RESET_MAX_AGE)
    user = db.session.get(User, data["u"])
    if user is None or not user.active or data.get("p") != _fingerprint(user):
        raise DomainError(N_("Deze link is ongeldig of werd al gebruikt."))
    return user


@operation
def register_applicant(organisation_name: str, enterprise_number: str, legal_form: str,
                       name: str, email: str, password: str, confirm: str, *,
                       actor, now: datetime) -> User:
    """An organisation registers itself (always kind OTHER: VDAB and the local
    governments are created by the administrator) with its first applicant account.

    The account starts inactive and receives a confirmation link by e-mail (3 days).
    """
    _check_password(password, confirm)
    organisation = register_organisation(organisation_name, enterprise_number, legal_form,
                                             OrganisationKind.OTHER, actor=None, now=now,
                                             email=email.strip().lower() or None)
    user = create_user(email, name, password, actor=None, now=now)
    user.active = False
    grant = RoleGrant(role=Role.APPLICANT, organisation_id=organisation.id, granted_at=now)
    user.grants.append(grant)
    db.session.flush()
    audit("role.grant", grant, actor=None, now=now, procedure_id=None, user=user.email,
          role=Role.APPLICANT, organisation_id=organisation.id, self_registration=True)
    account_mail.confirmation_mail(user, organisation, confirmation_token(user), now=now)
    return user


@operation
def confirm_account(token: str, *, actor, now: datetime) -> User:
    """Activate the account of a confirmation token; works once."""
    user = user_of_confirmation(token)
    user.active = True
    audit("user.confirm", user, actor=user, now=now, procedure_id=None)
    return user


@operation
def request_password_reset(email: str, *, actor, now: datetime) -> None:
    """Queue a reset link (1 hour) when an active account has this address; says nothing
    either way, so the page cannot tell whether the address exists."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return None
    account_mail.reset_mail(user, reset_token(user), now=now)
    audit("user.reset_requested", user, actor=_person(actor), now=now, procedure_id=None)
    return None


@operation
def reset_password(token: str, password: str, confirm: str, *, actor, now: datetime) -> User:
    """Set a new password with a reset token; the token stops working afterwards."""
    user = user_of_reset(token)
    _check_password(password, confirm)
    user.set_password(password)
    user.failed_logins, user.throttled_until = 0, None
    audit("user.password_reset", user, actor=user, now=now, procedure_id=None)
    return user


#: The invitation link works for 7 days, and once (until a password is set).
INVITATION_MAX_AGE = 7 * 24 * 3600


INVITATION_SALT = "invite"


def _invitation_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)


def invitation_token(user: User) -> str:
    return _invitation_serializer().dumps({"user": user.id})


def invited_user(token: str) -> User | None:
    """The invited account the token is for, while it is valid and not yet used."""
    try:
        data = _invitation_serializer().loads(token, max_age=INVITATION_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or user.password_hash is not None:
        return None  # the token works once: the account has its password already
    return user


@operation
def invite_user(email: str, name: str, role: Role, *, actor: User, now: datetime,
                work_area_id: int | None = None, organisation_id: int | None = None) -> User:
    """Create an inactive account with one role and queue an invitation e-mail with a
    signed link (7 days) where the invitee sets a password."""
    role = Role(role)
    require_may_grant(actor, role, work_area_id)
    user = create_user(email, name, None, actor=actor, now=now)
    user.active = False
    grant_role(user, role, actor=actor, now=now, work_area_id=work_area_id,
                   organisation_id=organisation_id)
    account_mail.invitation_mail(user, role, actor, invitation_token(user), now=now)
    audit("user.invite", user, actor=actor, now=now, procedure_id=None, email=user.email,
          role=role)
    return user


@operation
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


@operation
def correct_contact_details(user: User, name: str, phone: str, *, actor,
                            now: datetime) -> User:
    """A person corrects their own name and phone number (GDPR art. 16); the audit event
    names the fields that changed, not their values. The e-mail address is not changed
    here: it is the sign-in name and the address letters go to, so only an administrator
    changes it. Corrections of what is part of a decision (a motivation, a letter) go
    through the existing correction paths (a letter's new version with a reason)."""
    if _person(actor) is None or actor.id != user.id:
        raise PermissionDenied(N_("U kunt enkel uw eigen gegevens verbeteren."))
    name, phone = name.strip(), " ".join(phone.split())
    check_contact_details(name, phone)
    changed = [f for f, old, new in (("name", user.name, name), ("phone", user.phone, phone))
               if old != new]
    if not changed:
        raise DomainError(N_("Er is niets gewijzigd."))
    user.name, user.phone = name, phone
    audit("user.correct", user, actor=actor, now=now, procedure_id=None, fields=changed)
    return user


#: The link that confirms a new e-mail address works for 3 days, and once.
EMAIL_CHANGE_SALT, EMAIL_CHANGE_MAX_AGE = "email-change", 3 * 24 * 3600


def email_change_token(user: User, new_email: str) -> str:
    """Names the account, the new address and the current one: once the address changed,
    the token no longer matches (so it works once)."""
    return _serializer(EMAIL_CHANGE_SALT).dumps({"u": user.id, "e": new_email, "o": user.email})


def email_change_of(token: str) -> tuple[User, str]:
    """The account and the new address of a confirmation link (refused when invalid,
    expired or used)."""
    data = _load(token, EMAIL_CHANGE_SALT, EMAIL_CHANGE_MAX_AGE)
    user = db.session.get(User, data["u"])
    new_email = data.get("e")
    if user is None or not isinstance(new_email, str) or user.email != data.get("o"):
        raise DomainError(N_("Deze link is ongeldig of werd al gebruikt."))
    return user, new_email


def _check_new_email(email: str, user: User) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise DomainError(N_("Geef een geldig e-mailadres."), field="email")
    if email == user.email:
        raise DomainError(N_("Dit is al uw e-mailadres."), field="email")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError(N_("Er bestaat al een account met dit e-mailadres."), field="email")
    return email


@operation
def request_email_change(user: User, new_email: str, *, actor, now: datetime) -> str:
    """A person asks to use another e-mail address (rectification): a link to confirm it
    goes to the new address, a notice to the current one; nothing changes until the link
    is used. The audit event names no address."""
    if _person(actor) is None or actor.id != user.id:
        raise PermissionDenied(N_("U kunt enkel uw eigen gegevens verbeteren."))
    new_email = _check_new_email(new_email, user)
    account_mail.email_change_mail(user, new_email, email_change_token(user, new_email),
                                   now=now)
    audit("user.email_change_requested", user, actor=actor, now=now, procedure_id=None)
    return new_email


@operation
def confirm_email_change(token: str, *, actor, now: datetime) -> User:
    """The link from the new address: the account's address becomes the new one (checked
    again: another account may have taken it meanwhile). Works once."""
    user, new_email = email_change_of(token)
    user.email = _check_new_email(new_email, user)
    audit("user.email_change", user, actor=user, now=now, procedure_id=None)
    return user
