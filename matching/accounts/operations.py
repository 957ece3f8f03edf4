"""Operations on accounts and organisations: the only place they change.

Create and invite accounts, grant and revoke roles, deactivate, register organisations,
self-registration with e-mail confirmation, password reset and change, rectification
(signing in and the second factor: :mod:`matching.accounts.sign_in_operations`). Each
function checks the rules, changes the objects, records the audit event, and never commits:
the caller commits once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, text

from matching.accounts import notifications as account_mail
from matching.accounts.models import (
    Organisation,
    RoleGrant,
    User,
)
from matching.accounts.municipalities import by_code
from matching.accounts.passwords import hash_password
from matching.accounts.rules import (
    MIN_PASSWORD,
    OrganisationKind,
    Role,
    _check_password,
    check_contact_details,
    check_deactivation,
    check_enterprise_number,
    check_first_administrator,
    check_grant_scope,
    check_revocable,
    check_seat,
    check_self_registered_kind,
    require_administrator,
    require_may_grant,
)
from matching.accounts.sign_in_operations import end_sessions
from matching.audit.models import AuditEvent
from matching.audit.recording import audit
from matching.core.db import db
from matching.core.errors import N_, DomainError, DomainErrors, PermissionDenied
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
    audit("user.create", user, actor=actor, now=now, procedure_id=None,
          personal={"email": email})
    return user


def _lock_account(user: User) -> None:
    """Take the account's row lock (PostgreSQL; SQLite serialises writers anyway), so that
    two administrators granting or revoking the same role one after the other see each
    other's change: exactly one takes effect, the other is refused with a message."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _existing_grant(user: User, role: Role, work_area_id: int | None,
                    organisation_id: int | None) -> RoleGrant | None:
    return db.session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.role == role,
        RoleGrant.work_area_id.is_not_distinct_from(work_area_id),
        RoleGrant.organisation_id.is_not_distinct_from(organisation_id)))


@operation
def grant_role(user: User, role: Role, *, actor: User, now: datetime,
               work_area_id: int | None = None, organisation_id: int | None = None) -> RoleGrant:
    """Grant ``role`` (for a work area or organisation) to an account; one person may hold
    several roles and work areas. Audited with who granted it and when."""
    role = Role(role)
    require_may_grant(actor, role, work_area_id)
    check_grant_scope(role, work_area_id, organisation_id)
    if user.id is not None:
        _lock_account(user)
        if _existing_grant(user, role, work_area_id, organisation_id) is not None:
            raise DomainError(N_("Deze gebruiker heeft deze rol al."), field="role")
    elif user.has_role(role, work_area_id=work_area_id, organisation_id=organisation_id):
        raise DomainError(N_("Deze gebruiker heeft deze rol al."), field="role")
    granter = _person(actor)
    grant = RoleGrant(role=role, work_area_id=work_area_id, organisation_id=organisation_id,
                      granted_at=now, granted_by_id=granter.id if granter else None)
    user.grants.append(grant)
    db.session.flush()
    audit("role.grant", grant, actor=actor, now=now, procedure_id=None,
          personal={"user": user.email},
          role=role, work_area_id=work_area_id, organisation_id=organisation_id)
    return grant


@operation
def revoke_role(grant: RoleGrant, *, actor: User, now: datetime) -> None:
    """An administrator revokes one role grant (audited: who, when, which grant). A grant
    revoked meanwhile by someone else is refused, not revoked twice."""
    require_administrator(actor)
    user = grant.user
    _lock_account(user)
    if db.session.scalar(select(RoleGrant.id).where(RoleGrant.id == grant.id)) is None:
        raise DomainError(N_("Deze rol werd al ingetrokken."))
    if grant.role == Role.ADMINISTRATOR:
        others = db.session.scalars(
            select(RoleGrant.id).join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role == Role.ADMINISTRATOR, RoleGrant.id != grant.id,
                   User.deactivated_at.is_(None)).with_for_update(of=RoleGrant)).all()
        check_revocable(grant.role, len(others))
    audit("role.revoke", grant, actor=actor, now=now, procedure_id=None,
          personal={"user": user.email},
          role=grant.role, work_area_id=grant.work_area_id,
          organisation_id=grant.organisation_id, granted_at=grant.granted_at.isoformat())
    user.grants.remove(grant)
    db.session.flush()


@operation
def deactivate_user(user: User, *, actor: User, now: datetime) -> User:
    """An administrator deactivates an account: it can no longer sign in, every session of
    it ends on the server and its pending links are refused."""
    require_administrator(actor)
    _lock_account(user)
    db.session.refresh(user, ["deactivated_at"])
    check_deactivation(actor.id, user.id, user.deactivated_at is not None)
    user.deactivated_at = now
    end_sessions(user.id, now=now, reason="deactivated")
    audit("user.deactivate", user, actor=actor, now=now, procedure_id=None)
    return user


@operation
def reactivate_user(user: User, *, actor: User, now: datetime) -> User:
    require_administrator(actor)
    _lock_account(user)
    db.session.refresh(user, ["deactivated_at"])
    if user.deactivated_at is None:
        raise DomainError(N_("Dit account is niet gedeactiveerd."))
    user.deactivated_at = None
    audit("user.reactivate", user, actor=actor, now=now, procedure_id=None)
    return user


@operation
def create_first_administrator(email: str, name: str, password: str, *,
                               now: datetime) -> User:
    """``flask create-admin``: the first administrator of a fresh installation."""
    check_first_administrator(len(db.session.scalars(
        select(RoleGrant.id).where(RoleGrant.role == Role.ADMINISTRATOR)).all()))
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        user = create_user(email, name, password, actor=None, now=now)
    else:
        if len(password) < MIN_PASSWORD:
            raise DomainError(N_("Een wachtwoord telt minstens 12 tekens."), field="password")
        user.set_password(password)
        user.active, user.deactivated_at = True, None
    grant = RoleGrant(role=Role.ADMINISTRATOR, granted_at=now)
    user.grants.append(grant)
    db.session.flush()
    audit("role.grant", grant, actor=None, now=now, procedure_id=None,
          personal={"user": user.email}, role=Role.ADMINISTRATOR, first_administrator=True)
    return user


def _check_organisation(name: str, enterprise_number: str, legal_form: str,
                        seat_nis_code: str | None = None) -> str:
    """What registering an organisation refuses; returns the enterprise number's digits.
    Its seat (optional for the administrator) is a municipality of the reference list."""
    digits = check_enterprise_number(enterprise_number)
    check_seat(seat_nis_code, by_code().keys(), required=False)
    if not name.strip():
        raise DomainError(N_("Geef de naam van de organisatie."), field="name")
    if not legal_form.strip():
        raise DomainError(N_("Geef de rechtsvorm van de organisatie."), field="legal_form")
    if db.session.scalar(select(Organisation.id).where(Organisation.enterprise_number == digits)):
        raise DomainError(N_("Er is al een organisatie met ondernemingsnummer %(number)s."),
                          field="enterprise_number", number=enterprise_number)
    return digits


@operation
def register_organisation(name: str, enterprise_number: str, legal_form: str,
                          kind: OrganisationKind, *, actor: User | None, now: datetime,
                          email: str | None = None,
                          seat_nis_code: str | None = None) -> Organisation:
    """Register an organisation; its enterprise number must pass the mod-97 check."""
    digits = _check_organisation(name, enterprise_number, legal_form, seat_nis_code)
    organisation = Organisation(name=name.strip(), enterprise_number=digits,
                                legal_form=legal_form.strip(), kind=OrganisationKind(kind),
                                email=email, seat_nis_code=seat_nis_code)
    db.session.add(organisation)
    audit("organisation.register", organisation, actor=actor, now=now, procedure_id=None,
          name=organisation.name, kind=organisation.kind, seat=seat_nis_code)
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
    if user.deactivated_at is not None:
        raise DomainError(N_("Deze link is ongeldig."))
    if user.active:
        raise DomainError(N_("Dit account is al bevestigd. U kunt zich aanmelden."))
    return user


def user_of_reset(token: str) -> User:
    """The account a reset token is for (refused when invalid, expired or already used)."""
    data = _load(token, RESET_SALT, RESET_MAX_AGE)
    user = db.session.get(User, data["u"])
    if user is None or not user.is_active or data.get("p") != _fingerprint(user):
        raise DomainError(N_("Deze link is ongeldig of werd al gebruikt."))
    return user


@operation
def register_applicant(organisation_name: str, enterprise_number: str, legal_form: str,
                       name: str, email: str, password: str, confirm: str, *,
                       actor, now: datetime, kind: OrganisationKind | None = None,
                       seat_nis_code: str | None = None) -> User | None:
    """An organisation registers itself, with its kind (anything but VDAB) and the
    municipality of its seat (R-CAND-2 follows from both), and its first applicant account.

    The account starts inactive and receives a confirmation link by e-mail (3 days). When
    the address already has an account, nothing is created and its owner gets an e-mail
    instead; the answer, and the work done (one password hash), are the same, so the page
    does not reveal which addresses exist. Returns the new account, or None then. The kind,
    the seat, the password and the enterprise number are checked together, so the form
    shows every problem at once.
    """
    problems = []
    for check in (lambda: check_self_registered_kind(kind),
                  lambda: check_seat(seat_nis_code, by_code().keys(), required=True),
                  lambda: _check_password(password, confirm),
                  lambda: check_enterprise_number(enterprise_number)):
        try:
            check()
        except DomainError as error:
            problems.append(error)
    if problems:
        raise DomainErrors(problems)
    kind = check_self_registered_kind(kind)
    existing = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if existing is not None:
        _check_organisation(organisation_name, enterprise_number, legal_form, seat_nis_code)
        if not name.strip():
            raise DomainError(N_("Geef een naam."), field="name")
        hash_password(password)  # the same work as a new account
        account_mail.already_registered_mail(existing, now=now)
        audit("user.registration_for_existing_address", existing, actor=None, now=now,
              procedure_id=None)
        return None
    organisation = register_organisation(organisation_name, enterprise_number, legal_form,
                                         kind, actor=None, now=now,
                                         email=email.strip().lower() or None,
                                         seat_nis_code=seat_nis_code)
    user = create_user(email, name, password, actor=None, now=now)
    user.active = False
    grant = RoleGrant(role=Role.APPLICANT, organisation_id=organisation.id, granted_at=now)
    user.grants.append(grant)
    db.session.flush()
    audit("role.grant", grant, actor=None, now=now, procedure_id=None,
          personal={"user": user.email}, role=Role.APPLICANT,
          organisation_id=organisation.id, self_registration=True)
    account_mail.confirmation_mail(user, organisation, confirmation_token(user), now=now)
    return user


def awaits_confirmation(user: User) -> bool:
    """A self-registered account whose e-mail address was never confirmed (inactive, and
    no confirmation recorded), as opposed to one an administrator deactivated."""
    if user.active or user.deactivated_at is not None:
        return False
    return not db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "user.confirm", AuditEvent.object_type == "user_account",
        AuditEvent.object_id == user.id).limit(1))


@operation
def set_digest(user: User, digest: bool, *, actor, now: datetime) -> None:
    """A person chooses one daily overview instead of separate notification e-mails."""
    if actor is None or actor.id != user.id:
        raise PermissionDenied(N_("Enkel uzelf kiest hoe u meldingen ontvangt."))
    user.digest = bool(digest)
    audit("user.preferences", user, actor=actor, now=now, procedure_id=None, digest=user.digest)


@operation
def resend_confirmation(email: str, *, actor, now: datetime) -> None:
    """Queue a new confirmation link for an account still awaiting confirmation; says
    nothing either way (the page cannot tell whether the address exists)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not awaits_confirmation(user):
        return None
    organisation_id = next((g.organisation_id for g in user.grants
                            if g.role == Role.APPLICANT and g.organisation_id), None)
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None:
        return None
    account_mail.confirmation_mail(user, organisation, confirmation_token(user), now=now)
    audit("user.confirmation_resent", user, actor=None, now=now, procedure_id=None)
    return None


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
    if user is None or not user.is_active:
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
    end_sessions(user.id, now=now, reason="password_reset")
    audit("user.password_reset", user, actor=user, now=now, procedure_id=None)
    return user


@operation
def change_password(user: User, current: str, password: str, confirm: str, *, actor,
                    now: datetime) -> User:
    """The account's owner changes the password (knowing the current one); every session of
    the account ends (the caller starts a new one for the browser that changed it)."""
    if actor is None or getattr(actor, "id", None) != user.id:
        raise PermissionDenied(N_("Alleen de eigenaar wijzigt het wachtwoord."))
    if not user.check_password(current):
        raise DomainError(N_("Het huidige wachtwoord is niet juist."), field="current")
    _check_password(password, confirm)
    user.set_password(password)
    end_sessions(user.id, now=now, reason="password_change")
    audit("user.password_change", user, actor=user, now=now, procedure_id=None)
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
    if user is None or user.password_hash is not None or user.deactivated_at is not None:
        return None  # the token works once: the account has its password already
    return user


@operation
def invite_user(email: str, name: str, role: Role, *, actor: User, now: datetime,
                work_area_id: int | None = None, organisation_id: int | None = None) -> User:
    """Invite someone with one role. A new address gets an inactive account and an
    invitation e-mail with a signed link (7 days) where they set a password; an existing
    account gets the new grant (one person may hold several roles and work areas) and an
    e-mail saying so. Either e-mail names the role, the work area and who invited."""
    role = Role(role)
    require_may_grant(actor, role, work_area_id)
    check_grant_scope(role, work_area_id, organisation_id)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is not None and user.deactivated_at is not None:
        raise DomainError(N_("Het account met dit e-mailadres is gedeactiveerd; een "
                             "beheerder kan het heractiveren."), field="email")
    new = user is None
    if user is None:
        user = create_user(email, name, None, actor=actor, now=now)
        user.active = False
        db.session.flush()
    grant_role(user, role, actor=actor, now=now, work_area_id=work_area_id,
               organisation_id=organisation_id)
    area = _work_area_name(work_area_id)
    if user.password_hash is None:
        account_mail.invitation_mail(user, role, actor, invitation_token(user), now=now,
                                     work_area=area)
    else:
        account_mail.role_granted_mail(user, role, actor, now=now, work_area=area)
    audit("user.invite", user, actor=actor, now=now, procedure_id=None,
          personal={"email": user.email},
          role=role, work_area_id=work_area_id, new_account=new)
    return user


def _work_area_name(work_area_id: int | None) -> str | None:
    """The work area's name, read without importing workareas (it depends on accounts)."""
    if work_area_id is None:
        return None
    return db.session.scalar(text("SELECT name FROM work_area WHERE id = :id"),
                             {"id": work_area_id})


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
