"""Pure rules of accounts and organisations: roles and who may do what, the enterprise
number, the second factor and the lifetime of a session, passwords.

No Flask, no SQLAlchemy, no clock. The permission predicates take any object with
``is_authenticated`` and ``has_role`` (an account, or Flask-Login's anonymous user).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Set as AbstractSet
from datetime import timedelta
from typing import Protocol, TypeGuard

from matching.core.errors import N_, DomainError, PermissionDenied


class Role(str, enum.Enum):
    ADMINISTRATOR = "administrator"
    OBSERVER = "observer"
    COORDINATOR = "coordinator"  # of one work area
    MATCHMAKER = "matchmaker"  # may be put on a jury; the bloc is on the membership
    APPEAL_MATCHMAKER = "appeal_matchmaker"
    APPLICANT = "applicant"  # for one organisation


ROLE_LABELS = {Role.COORDINATOR: N_("Coördinator van een werkingsgebied"),
               Role.MATCHMAKER: N_("Matchmaker"),
               Role.APPEAL_MATCHMAKER: N_("Matchmaker voor weerwoorden"),
               Role.OBSERVER: N_("Waarnemer (Europa WSE)"),
               Role.ADMINISTRATOR: N_("Beheerder"),
               Role.APPLICANT: N_("Aanvrager voor een organisatie")}


class OrganisationKind(str, enum.Enum):
    VDAB = "VDAB"
    MUNICIPALITY = "MUNICIPALITY"
    OCMW = "OCMW"
    #: An intermunicipal body (intergemeentelijk samenwerkingsverband) or another local
    #: government (e.g. a welfare association); before issue 11 every local government.
    LOCAL_GOVERNMENT = "LOCAL_GOVERNMENT"
    NONPROFIT = "NONPROFIT"
    COMPANY = "COMPANY"
    EDUCATION = "EDUCATION"
    OTHER = "OTHER"


KIND_LABELS = {OrganisationKind.VDAB: N_("VDAB"),
               OrganisationKind.MUNICIPALITY: N_("Gemeente of stad"),
               OrganisationKind.OCMW: N_("OCMW"),
               OrganisationKind.LOCAL_GOVERNMENT: N_("Intergemeentelijk samenwerkingsverband "
                                                     "of ander lokaal bestuur"),
               OrganisationKind.NONPROFIT: N_("Vzw of andere organisatie zonder winstoogmerk"),
               OrganisationKind.COMPANY: N_("Onderneming"),
               OrganisationKind.EDUCATION: N_("Onderwijsinstelling"),
               OrganisationKind.OTHER: N_("Andere organisatie")}

#: The kinds that are a local government (lokaal bestuur: "gemeente, OCMW,
#: intergemeentelijk samenwerkingsverband", DOMAIN.md glossary).
LOCAL_GOVERNMENT_KINDS = frozenset({OrganisationKind.MUNICIPALITY, OrganisationKind.OCMW,
                                    OrganisationKind.LOCAL_GOVERNMENT})

#: What an organisation registering itself may say it is: anything but VDAB (a fixed
#: partner, registered by the administrator). A local government says so, and R-CAND-2
#: then follows from its seat.
SELF_REGISTERED_KINDS = tuple(k for k in OrganisationKind if k != OrganisationKind.VDAB)


def check_self_registered_kind(kind: OrganisationKind | None) -> OrganisationKind:
    if kind not in SELF_REGISTERED_KINDS:
        raise DomainError(N_("Kies de soort organisatie (VDAB wordt door de beheerder "
                             "geregistreerd)."), field="kind")
    return kind


def check_seat(code: str | None, known_codes: AbstractSet[str], *, required: bool) -> None:
    """The seat is one of the Flemish municipalities of the reference list (or, for the
    administrator, unknown)."""
    if code is None and not required:
        return
    if code not in known_codes:
        raise DomainError(N_("Kies de gemeente van de zetel van de organisatie."),
                          field="seat_nis_code")


def is_local_government(kind: OrganisationKind) -> bool:
    return kind in LOCAL_GOVERNMENT_KINDS


class Person(Protocol):
    """Whoever acts: an account, or Flask-Login's anonymous visitor."""

    @property
    def is_authenticated(self) -> bool: ...

    def has_role(self, role: Role, *, work_area_id: int | None = None,
                 organisation_id: int | None = None) -> bool: ...


def _known(user: object) -> TypeGuard[Person]:
    """A logged-in user (Flask-Login's anonymous user holds no grant)."""
    return user is not None and getattr(user, "is_authenticated", False)


def is_administrator(user: Person | None) -> bool:
    return _known(user) and user.has_role(Role.ADMINISTRATOR)


def can_coordinate(user: Person | None, work_area_id: int) -> bool:
    return _known(user) and user.has_role(Role.COORDINATOR, work_area_id=work_area_id)


def can_act_for(user: Person | None, organisation_id: int) -> bool:
    return _known(user) and user.has_role(Role.APPLICANT, organisation_id=organisation_id)


def require_administrator(user: Person | None) -> None:
    if not is_administrator(user):
        raise PermissionDenied(N_("Enkel een beheerder kan dit doen."))


def require_coordinator(user: Person | None, work_area_id: int) -> None:
    if not can_coordinate(user, work_area_id):
        raise PermissionDenied(N_("Enkel een coördinator van dit werkingsgebied kan dit doen."))


def require_applicant(user: Person | None, organisation_id: int) -> None:
    if not can_act_for(user, organisation_id):
        raise PermissionDenied(N_("U treedt niet op voor deze organisatie."))


def require_role(user: Person | None, role: Role, message: str) -> None:
    if not _known(user) or not user.has_role(role):
        raise PermissionDenied(message)


#: Roles a coordinator may hand out, always for a work area they coordinate (issue 11):
#: the matchmakers, appeal matchmakers and coordinators of their own work area. Observers
#: and administrators are Europa WSE's and are granted by an administrator only.
COORDINATOR_GRANTABLE = frozenset({Role.MATCHMAKER, Role.APPEAL_MATCHMAKER, Role.COORDINATOR})

#: Roles whose grant may name a work area (a coordinator's must).
AREA_ROLES = frozenset({Role.COORDINATOR, Role.MATCHMAKER, Role.APPEAL_MATCHMAKER})


def can_invite(user) -> bool:
    """Administrators and coordinators invite people by e-mail."""
    return _known(user) and (user.has_role(Role.ADMINISTRATOR) or user.has_role(Role.COORDINATOR))


def grantable_roles(user) -> list[Role]:
    """The roles ``user`` may hand out, in the order of :data:`ROLE_LABELS` (the invitation
    form offers exactly these)."""
    if is_administrator(user):
        return list(ROLE_LABELS)
    if can_invite(user):
        return [r for r in ROLE_LABELS if r in COORDINATOR_GRANTABLE]
    return []


def require_may_grant(user, role: Role, work_area_id: int | None) -> None:
    """An administrator grants any role; a coordinator grants matchmaker, appeal
    matchmaker and coordinator, each for a work area they coordinate (DOMAIN.md, actors:
    the coordinator may "invite matchmakers, appeal matchmakers and coordinators of their
    own work area"; the observer is "granted only by an administrator")."""

    if is_administrator(user):
        return
    if not can_invite(user):
        raise PermissionDenied(N_("Enkel een beheerder of een coördinator kan uitnodigen."))
    if (role not in COORDINATOR_GRANTABLE or work_area_id is None
            or not can_coordinate(user, work_area_id)):
        raise DomainError(N_("Als coördinator kunt u enkel matchmakers, weerwoord-matchmakers "
                             "en coördinatoren van uw eigen werkingsgebied uitnodigen."),
                          field="role")


def check_grant_scope(role: Role, work_area_id: int | None,
                      organisation_id: int | None) -> None:
    """A coordinator belongs to exactly one work area, an applicant to exactly one
    organisation; a matchmaker or appeal matchmaker may name a work area; the others
    name neither."""
    if role == Role.COORDINATOR and work_area_id is None:
        raise DomainError(N_("Een coördinator hoort bij precies één werkingsgebied."),
                          field="work_area_id")
    if work_area_id is not None and role not in AREA_ROLES:
        raise DomainError(N_("Deze rol hoort niet bij een werkingsgebied."),
                          field="work_area_id")
    if (role == Role.APPLICANT) != (organisation_id is not None):
        raise DomainError(N_("Een aanvrager hoort bij precies één organisatie."),
                          field="organisation_id")


def check_revocable(role: Role, administrators_left: int) -> None:
    """The last administrator's role cannot be revoked: nobody could grant it again."""
    if role == Role.ADMINISTRATOR and administrators_left < 1:
        raise DomainError(N_("Dit is de laatste beheerder: die rol kan niet worden "
                             "ingetrokken."))


def check_deactivation(actor_id: int, user_id: int, already: bool) -> None:
    if actor_id == user_id:
        raise DomainError(N_("U kunt uw eigen account niet deactiveren."))
    if already:
        raise DomainError(N_("Dit account is al gedeactiveerd."))


class AccountState(str, enum.Enum):
    ACTIVE = "active"
    INVITED = "invited"  # no password yet
    UNCONFIRMED = "unconfirmed"  # registered, e-mail not confirmed
    DEACTIVATED = "deactivated"


ACCOUNT_STATE_LABELS = {AccountState.ACTIVE: N_("actief"),
                        AccountState.INVITED: N_("uitgenodigd"),
                        AccountState.UNCONFIRMED: N_("niet bevestigd"),
                        AccountState.DEACTIVATED: N_("gedeactiveerd")}


def account_state(*, active: bool, has_password: bool, deactivated: bool) -> AccountState:
    if deactivated:
        return AccountState.DEACTIVATED
    if active:
        return AccountState.ACTIVE
    return AccountState.UNCONFIRMED if has_password else AccountState.INVITED


def check_first_administrator(administrators: int) -> None:
    """``flask create-admin`` makes the first administrator of a fresh installation only."""
    if administrators:
        raise DomainError(N_("Er is al een beheerder."))


def is_valid_enterprise_number(value: str) -> bool:
    """Belgian enterprise number (KBO/BCE): 10 digits, the last two a mod-97 check.

    The check digits equal 97 minus the first eight digits modulo 97; the first
    digit is 0 or 1. Dots, spaces and a leading 'BE' are tolerated.
    """
    digits = normalise_enterprise_number(value)
    if digits is None:
        return False
    body, check = int(digits[:8]), int(digits[8:])
    return digits[0] in "01" and 97 - (body % 97) == check


def normalise_enterprise_number(value: str) -> str | None:
    """'BE 0123.456.749' → '0123456749'; None when it is not 10 digits."""
    cleaned = value.strip().upper().removeprefix("BE").replace(".", "").replace(" ", "")
    if len(cleaned) == 9:  # old form without the leading 0
        cleaned = "0" + cleaned
    if len(cleaned) != 10 or not (cleaned.isascii() and cleaned.isdigit()):
        return None
    return cleaned


def check_enterprise_number(value: str) -> str:
    """Return the normalised enterprise number or refuse it with a clear message."""
    digits = normalise_enterprise_number(value)
    if digits is None or not is_valid_enterprise_number(digits):
        raise DomainError(
            N_("Het ondernemingsnummer %(value)s is ongeldig: 10 cijfers met een correcte "
               "controle (modulo 97)."),
            field="enterprise_number",
            value=value,
        )
    return digits


def format_enterprise_number(digits: str) -> str:
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}"


#: The roles that sign in with a second factor (OWASP ASVS 5.0 level 2: every account that
#: decides, scores, observes or administers); applicants may add one.
SECOND_FACTOR_ROLES = frozenset({Role.ADMINISTRATOR, Role.OBSERVER, Role.COORDINATOR,
                                 Role.MATCHMAKER, Role.APPEAL_MATCHMAKER})


def second_factor_required(roles) -> bool:
    """Whether an account holding ``roles`` must sign in with a second factor."""
    return any(Role(role) in SECOND_FACTOR_ROLES for role in roles)


def session_expired(created_at, last_seen_at, now, *, idle: timedelta,
                    lifetime: timedelta) -> str | None:
    """Why a signed-in session no longer counts at ``now`` ("idle" after ``idle`` without a
    request, "lifetime" ``lifetime`` after sign-in), or None while it does."""
    if now - created_at >= lifetime:
        return "lifetime"
    if now - last_seen_at >= idle:
        return "idle"
    return None


MIN_PASSWORD = 12


def _check_password(password: str, confirm: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(N_("Een wachtwoord telt minstens 12 tekens."), field="password")
    if password != confirm:
        raise DomainError(N_("De twee wachtwoorden zijn niet gelijk."), field="confirm")


#: A phone number as people write it: digits, spaces, + . / - ( ), at most 50 characters.
_PHONE = re.compile(r"\+?[0-9 ./()-]{6,49}")


def check_contact_details(name: str, phone: str) -> None:
    """What a person may write as their own name and phone number (rectification)."""
    if not name.strip():
        raise DomainError(N_("Geef uw naam."), field="name")
    if len(name) > 200:
        raise DomainError(N_("Een naam telt hoogstens 200 tekens."), field="name")
    if phone and (not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < 6):
        raise DomainError(N_("Geef een telefoonnummer met cijfers, bijvoorbeeld "
                             "+32 9 123 45 67, of laat het leeg."), field="phone")
