"""Read-only queries of the work area pages: the public list, feed and addendum, and which
work areas, procedures and candidacies the current coordinator may see (anything else
answers 404)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import raiseload, selectinload

from matching.accounts.models import User
from matching.accounts.rules import Role, can_coordinate
from matching.core.db import db
from workareas.models import AddendumVersion, Municipality, Procedure, WorkArea
from workareas.rules import ProcedureState

FEED_SIZE = 100


@dataclass(frozen=True)
class PublishedRow:
    """What the public list shows of one published procedure (issue 17: columns, not
    objects)."""

    id: int
    title: str
    state: ProcedureState
    area_name: str
    municipalities: str  # their names, joined
    candidacy_deadline: datetime | None


def candidacy_deadline_column():
    """:attr:`Procedure.candidacy_deadline` in SQL (issue 17), correlated with the
    statement's ``procedure``: the deadline of its latest published addendum version, else
    of its latest version (a draft)."""
    return (select(AddendumVersion.candidacy_deadline)
            .where(AddendumVersion.procedure_id == Procedure.id)
            .order_by(AddendumVersion.published_at.is_(None), AddendumVersion.number.desc())
            .limit(1).correlate(Procedure).scalar_subquery())


def published_procedures() -> list[PublishedRow]:
    """Every published procedure with what the public list shows, in 2 statements: the
    procedures with their work area's name and the deadline of their latest published
    version, then the municipalities of those work areas."""
    deadline = (select(AddendumVersion.candidacy_deadline)
                .where(AddendumVersion.procedure_id == Procedure.id,
                       AddendumVersion.published_at.is_not(None))
                .order_by(AddendumVersion.number.desc()).limit(1)
                .correlate(Procedure).scalar_subquery())
    rows = db.session.execute(
        select(Procedure.id, Procedure.title, Procedure.state, Procedure.work_area_id,
               WorkArea.name, deadline)
        .join(WorkArea, WorkArea.id == Procedure.work_area_id)
        .where(Procedure.state != ProcedureState.DRAFT)
        .order_by(Procedure.published_at.desc(), Procedure.id)).all()
    names: dict[int, list[str]] = defaultdict(list)
    if rows:
        for area_id, name in db.session.execute(
                select(Municipality.work_area_id, Municipality.name)
                .where(Municipality.work_area_id.in_({r[3] for r in rows}))
                .order_by(Municipality.work_area_id, Municipality.name)):
            names[area_id].append(name)
    return [PublishedRow(pid, title, state, area, ", ".join(names[area_id]), due)
            for pid, title, state, area_id, area, due in rows]


def is_coordinator(user) -> bool:
    """Whether the user coordinates at least one work area (for the menu)."""
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.COORDINATOR)


def coordinated_work_area_ids(user: User) -> list[int]:
    return sorted({g.work_area_id for g in user.grants
                   if g.role == Role.COORDINATOR and g.work_area_id is not None})


def coordinated_work_areas(user: User) -> list[WorkArea]:
    """The user's work areas with their procedures (a constant number of queries)."""
    ids = coordinated_work_area_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(
        select(WorkArea).where(WorkArea.id.in_(ids)).order_by(WorkArea.name)
        .options(selectinload(WorkArea.municipalities),
                 selectinload(WorkArea.procedures), raiseload("*"))))


def work_area_or_404(user: User, work_area_id: int) -> WorkArea:
    area = db.session.get(WorkArea, work_area_id)
    if area is None or not can_coordinate(user, area.id):
        abort(404)
    return area


def procedure_or_404(user: User, procedure_id: int) -> Procedure:
    """The procedure, if the user coordinates its work area; otherwise 404."""
    procedure = db.session.get(Procedure, procedure_id)
    if procedure is None or not can_coordinate(user, procedure.work_area_id):
        abort(404)
    return procedure


def procedure_for_addendum(user: User, procedure_id: int) -> Procedure:
    """The procedure with its versions' content, municipalities and pitch slots loaded."""
    procedure = db.session.scalar(
        select(Procedure).where(Procedure.id == procedure_id)
        .options(selectinload(Procedure.work_area).selectinload(WorkArea.municipalities),
                 selectinload(Procedure.pitch_slots),
                 selectinload(Procedure.pitch_sessions),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.needs),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.challenges),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.contacts)))
    if procedure is None or not can_coordinate(user, procedure.work_area_id):
        abort(404)
    return procedure
