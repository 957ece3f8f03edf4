"""Operations of applicants and the public: self-registration, e-mail confirmation,
password reset, saving-and-submitting a candidacy, attachments.

Each function checks the rules, changes the objects, records the audit event, and never
commits: the caller (``perform``) commits once, or rolls back on a refusal.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
import zipfile
from collections.abc import Callable, Mapping
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from matching import operations as ops
from matching.candidacy_rules import Declaration, OrganisationKind
from matching.errors import DomainError, N_
from matching.extensions import db
from matching.models.accounts import Role, RoleGrant, User
from matching.models.candidacies import Attachment, Candidacy
from matching.permissions import require_applicant
from matching.recording import audit
from matching.statemachine import CandidacyState

CONFIRM_SALT, CONFIRM_MAX_AGE = "confirm", 3 * 24 * 3600
RESET_SALT, RESET_MAX_AGE = "reset", 3600
MIN_PASSWORD = 12
MAX_ATTACHMENT = 10 * 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", ODT: ".odt"}


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


def _check_password(password: str, confirm: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(N_("Een wachtwoord telt minstens 12 tekens."), field="password")
    if password != confirm:
        raise DomainError(N_("De twee wachtwoorden zijn niet gelijk."), field="confirm")


# --- self-registration ---------------------------------------------------------------------

def register_applicant(organisation_name: str, enterprise_number: str, legal_form: str,
                       name: str, email: str, password: str, confirm: str, *,
                       confirm_link: Callable[[str], str], actor, now: datetime) -> User:
    """An organisation registers itself (always kind OTHER: VDAB and the local
    governments are created by the administrator) with its first applicant account.

    The account starts inactive and receives a confirmation link by e-mail (3 days).
    ``confirm_link`` turns a token into the absolute URL of the confirmation page.
    """
    _check_password(password, confirm)
    organisation = ops.register_organisation(organisation_name, enterprise_number, legal_form,
                                             OrganisationKind.OTHER, actor=None, now=now,
                                             email=email.strip().lower() or None)
    user = ops.create_user(email, name, password, actor=None, now=now)
    user.active = False
    grant = RoleGrant(role=Role.APPLICANT, organisation_id=organisation.id, granted_at=now)
    user.grants.append(grant)
    db.session.flush()
    audit("role.grant", grant, actor=None, now=now, procedure_id=None, user=user.email,
          role=Role.APPLICANT, organisation_id=organisation.id, self_registration=True)
    link = confirm_link(confirmation_token(user))
    from matching.outbox import queue_mail
    queue_mail(user.email, "Bevestig uw account – Lokale partnerschappen",
               f"Beste {user.name},\n\nU registreerde {organisation.name} voor de oproep "
               f"'Lokale partnerschappen'. Bevestig uw e-mailadres binnen 3 dagen via deze "
               f"link:\n\n{link}\n\nHebt u zich niet geregistreerd? Dan mag u deze e-mail "
               f"negeren.\n", now=now, domain=current_app.config["MAIL_DOMAIN"],
               key=f"confirm.{user.id}.{secrets.token_hex(8)}")
    return user


def confirm_account(token: str, *, actor, now: datetime) -> User:
    """Activate the account of a confirmation token; works once."""
    user = user_of_confirmation(token)
    user.active = True
    audit("user.confirm", user, actor=user, now=now, procedure_id=None)
    return user


def request_password_reset(email: str, *, reset_link: Callable[[str], str], actor,
                           now: datetime) -> None:
    """Queue a reset link (1 hour) when an active account has this address; says nothing
    either way, so the page cannot tell whether the address exists."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active:
        return None
    from matching.outbox import queue_mail
    queue_mail(user.email, "Nieuw wachtwoord – Lokale partnerschappen",
               f"Beste {user.name},\n\nKies binnen het uur een nieuw wachtwoord via deze "
               f"link:\n\n{reset_link(reset_token(user))}\n\nVroeg u dit niet aan? Dan mag u "
               f"deze e-mail negeren; uw wachtwoord blijft ongewijzigd.\n", now=now,
               domain=current_app.config["MAIL_DOMAIN"],
               key=f"reset.{user.id}.{secrets.token_hex(8)}")
    audit("user.reset_requested", user, actor=_person(actor), now=now, procedure_id=None)
    return None


def reset_password(token: str, password: str, confirm: str, *, actor, now: datetime) -> User:
    """Set a new password with a reset token; the token stops working afterwards."""
    user = user_of_reset(token)
    _check_password(password, confirm)
    user.set_password(password)
    user.failed_logins, user.throttled_until = 0, None
    audit("user.password_reset", user, actor=user, now=now, procedure_id=None)
    return user


# --- candidacies ---------------------------------------------------------------------------

def save_and_submit_candidacy(candidacy: Candidacy, *, actor: User, now: datetime,
                              contributions: Mapping[str, str], answers: Mapping[str, str],
                              partnership_fit: str,
                              declarations: Mapping[Declaration, bool]) -> Candidacy:
    """Save the draft, then submit it; a refusal of either leaves nothing saved (the
    caller rolls the transaction back)."""
    ops.save_candidacy(candidacy, actor=actor, now=now, contributions=contributions,
                         answers=answers, partnership_fit=partnership_fit,
                         declarations=declarations)
    return ops.submit_candidacy(candidacy, actor=actor, now=now)


def sniff_media_type(data: bytes) -> str | None:
    """The document type by CONTENT (never by name): PDF, DOCX or ODT, else None."""
    if data.startswith(b"%PDF-"):
        return PDF
    if not data.startswith(b"PK"):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                return DOCX
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.encode():
                return ODT
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError):
        return None
    return None


def add_attachment(candidacy: Candidacy, filename: str, data: bytes, *, upload_dir: str,
                   actor: User, now: datetime) -> Attachment:
    """R-CAND-3 "Bijlagen zijn toegestaan": PDF, DOCX or ODT, at most 10 MB, while the
    candidacy is a draft. The bytes go to ``upload_dir`` under a random name."""
    require_applicant(actor, candidacy.organisation_id)
    if candidacy.state != CandidacyState.DRAFT:
        raise DomainError(N_("Bijlagen kunnen enkel worden toegevoegd zolang de kandidatuur "
                             "een concept is."), field="file")
    if not data:
        raise DomainError(N_("Het bestand is leeg."), field="file")
    if len(data) > MAX_ATTACHMENT:
        raise DomainError(N_("Een bijlage is hoogstens 10 MB groot."), field="file")
    media_type = sniff_media_type(data)
    if media_type is None:
        raise DomainError(N_("Enkel PDF-, DOCX- of ODT-documenten zijn toegestaan; dit bestand "
                             "is er geen."), field="file")
    base = os.path.basename((filename or "").replace("\\", "/")).strip() or "bijlage"
    stem = os.path.splitext(base)[0][:200] or "bijlage"
    key = secrets.token_hex(16)
    os.makedirs(upload_dir, exist_ok=True)
    with open(os.path.join(upload_dir, key), "xb") as out:
        out.write(data)
    attachment = Attachment(filename=stem + EXTENSIONS[media_type], media_type=media_type,
                            size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                            storage_key=key, uploaded_at=now)
    candidacy.attachments.append(attachment)
    audit("attachment.add", attachment, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference,
          media_type=media_type, size=len(data), sha256=attachment.sha256)
    return attachment
