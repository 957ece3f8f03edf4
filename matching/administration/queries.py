"""What the administrator's pages read."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, select
from sqlalchemy.orm import raiseload, selectinload

from matching.accounts.forms import InvitationForm
from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.rules import (
    AREA_ROLES,
    ROLE_LABELS,
    AccountState,
    Role,
    grantable_roles,
    is_administrator,
)
from matching.core.db import db
from workareas.models import WorkArea


def _organisations():
    return db.session.scalars(select(Organisation).options(raiseload("*"))
                              .order_by(Organisation.name)).all()


def work_areas() -> list[WorkArea]:
    return list(db.session.scalars(select(WorkArea).options(raiseload("*"))
                                   .order_by(WorkArea.name)))


def _invitation_form(user):
    """The invitation form offers only what ``user`` may grant: an administrator every role
    and work area; a coordinator matchmakers, appeal matchmakers and coordinators of the
    work areas they coordinate (no "none": their invitee is always for one of them)."""
    form = InvitationForm()
    form.role.choices = [(r.value, _(ROLE_LABELS[r])) for r in grantable_roles(user)]
    if is_administrator(user):
        form.work_area_id.choices = [("", _("– geen –"))] + [
            (str(a.id), a.name) for a in work_areas()]
        form.organisation_id.choices = [("", _("– geen –"))] + [
            (str(o.id), o.name) for o in _organisations()]
    else:
        own = {g.work_area_id for g in user.grants if g.role == Role.COORDINATOR}
        form.work_area_id.choices = [(str(a.id), a.name) for a in work_areas() if a.id in own]
        form.organisation_id.choices = []
    return form


def grant_form_choices(form) -> None:
    form.role.choices = [(r.value, _(ROLE_LABELS[r])) for r in ROLE_LABELS]
    form.work_area_id.choices = [("", _("– geen –"))] + [(str(a.id), a.name)
                                                          for a in work_areas()]
    form.organisation_id.choices = [("", _("– geen –"))] + [(str(o.id), o.name)
                                                             for o in _organisations()]


def scoped(role: Role | None, value: int | None, kind: str) -> int | None:
    """The work area or organisation a grant of ``role`` takes from a form (shape only)."""
    if role is None:
        return None
    if kind == "work_area":
        return value if role in AREA_ROLES else None
    return value if role == Role.APPLICANT else None


def accounts(role: Role | None = None, work_area_id: int | None = None,
             state: AccountState | None = None) -> list[User]:
    """Every account (with its grants), filtered by role, work area and state; a constant
    number of statements."""
    query = select(User).options(selectinload(User.grants).raiseload("*"), raiseload("*"))
    if role is not None or work_area_id is not None:
        condition = RoleGrant.user_id == User.id
        if role is not None:
            condition &= RoleGrant.role == role
        if work_area_id is not None:
            condition &= RoleGrant.work_area_id == work_area_id
        query = query.where(exists().where(condition))
    if state == AccountState.DEACTIVATED:
        query = query.where(User.deactivated_at.is_not(None))
    elif state == AccountState.ACTIVE:
        query = query.where(User.deactivated_at.is_(None), User.active.is_(True))
    elif state == AccountState.INVITED:
        query = query.where(User.deactivated_at.is_(None), User.active.is_(False),
                            User.password_hash.is_(None))
    elif state == AccountState.UNCONFIRMED:
        query = query.where(User.deactivated_at.is_(None), User.active.is_(False),
                            User.password_hash.is_not(None))
    return list(db.session.scalars(query.order_by(User.email)))


def account(user_id: int) -> User | None:
    return db.session.scalar(select(User).where(User.id == user_id).options(
        selectinload(User.grants).selectinload(RoleGrant.granted_by)))
