"""Who may take which step: predicates over role grants and jury/panel membership.

Operations call the ``require_*`` functions; views use the ``can_*`` predicates
to decide what to show. Observers hold no grant that any operation accepts.
"""

from __future__ import annotations

from matching.errors import N_, PermissionDenied
from matching.models.accounts import Role, User


def _known(user) -> bool:
    """A logged-in user (Flask-Login's anonymous user holds no grant)."""
    return user is not None and getattr(user, "is_authenticated", False)


def is_administrator(user: User | None) -> bool:
    return _known(user) and user.has_role(Role.ADMINISTRATOR)


def can_coordinate(user: User | None, work_area_id: int) -> bool:
    return _known(user) and user.has_role(Role.COORDINATOR, work_area_id=work_area_id)


def can_act_for(user: User | None, organisation_id: int) -> bool:
    return _known(user) and user.has_role(Role.APPLICANT, organisation_id=organisation_id)


def require_administrator(user: User | None) -> None:
    if not is_administrator(user):
        raise PermissionDenied(N_("Enkel een beheerder kan dit doen."))


def require_coordinator(user: User | None, work_area_id: int) -> None:
    if not can_coordinate(user, work_area_id):
        raise PermissionDenied(N_("Enkel een coördinator van dit werkingsgebied kan dit doen."))


def require_applicant(user: User | None, organisation_id: int) -> None:
    if not can_act_for(user, organisation_id):
        raise PermissionDenied(N_("U treedt niet op voor deze organisatie."))


def require_role(user: User | None, role: Role, message: str) -> None:
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
    from matching.errors import DomainError

    if is_administrator(user):
        return
    if not can_invite(user):
        raise PermissionDenied(N_("Enkel een beheerder of een coördinator kan uitnodigen."))
    if role not in COORDINATOR_GRANTABLE or (
            role == Role.COORDINATOR and not can_coordinate(user, work_area_id)):
        raise DomainError(N_("Als coördinator kunt u matchmakers, weerwoord-matchmakers, "
                             "waarnemers en coördinatoren van uw eigen werkingsgebied "
                             "uitnodigen."), field="role")
