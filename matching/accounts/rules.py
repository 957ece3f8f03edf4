"""Pure rules of accounts and organisations: roles and who may do what, the enterprise
number, the sign-in throttle, passwords.

No Flask, no SQLAlchemy, no clock. The permission predicates take any object with
``is_authenticated`` and ``has_role`` (an account, or Flask-Login's anonymous user).
"""

from __future__ import annotations

import enum
import re
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
    LOCAL_GOVERNMENT = "LOCAL_GOVERNMENT"
    OTHER = "OTHER"


KIND_LABELS = {OrganisationKind.VDAB: N_("VDAB"),
               OrganisationKind.LOCAL_GOVERNMENT: N_("Lokaal bestuur"),
               OrganisationKind.OTHER: N_("Andere organisatie")}


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


#: Roles a coordinator may hand out (coordinator only for their own work area): they
#: invite the matchmakers, appeal matchmakers and observers of their procedure.
COORDINATOR_GRANTABLE = frozenset({Role.MATCHMAKER, Role.APPEAL_MATCHMAKER, Role.OBSERVER,
                                   Role.COORDINATOR})


def can_invite(user) -> bool:
    """Administrators and coordinators invite people by e-mail."""
    return _known(user) and (user.has_role(Role.ADMINISTRATOR) or user.has_role(Role.COORDINATOR))


def require_may_grant(user, role: Role, work_area_id: int | None) -> None:
    """An administrator grants any role; a coordinator grants matchmaker, appeal
    matchmaker, observer, and coordinator of a work area they coordinate."""

    if is_administrator(user):
        return
    if not can_invite(user):
        raise PermissionDenied(N_("Enkel een beheerder of een coördinator kan uitnodigen."))
    # A coordinator grant without a work area is refused by grant_role itself ("precies één
    # werkingsgebied"); here only a work area the user does not coordinate is refused.
    if role not in COORDINATOR_GRANTABLE or (
            role == Role.COORDINATOR and work_area_id is not None
            and not can_coordinate(user, work_area_id)):
        raise DomainError(N_("Als coördinator kunt u matchmakers, weerwoord-matchmakers, "
                             "waarnemers en coördinatoren van uw eigen werkingsgebied "
                             "uitnodigen."), field="role")


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


#: Failed logins before an account is slowed down; each further failure doubles the wait.
FREE_LOGIN_ATTEMPTS = 5


MAX_LOGIN_WAIT = timedelta(minutes=15)


def login_throttle(failed_logins: int) -> timedelta:
    """How long an account waits after ``failed_logins`` consecutive failures: nothing for
    the first attempts, then 2, 4, 8 … seconds, at most 15 minutes."""
    if failed_logins < FREE_LOGIN_ATTEMPTS:
        return timedelta(0)
    doublings = min(failed_logins - FREE_LOGIN_ATTEMPTS + 1, 20)  # 2**20 s already exceeds the cap
    return min(timedelta(seconds=2 ** doublings), MAX_LOGIN_WAIT)


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
