"""Read-only queries of the work area pages: the public list, feed and addendum, and which
work areas, procedures and candidacies the current coordinator may see (anything else
answers 404)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from flask import abort
from sqlalchemy import BindParameter, bindparam, select
from sqlalchemy.orm import aliased, raiseload, selectinload

from matching.accounts.models import User
from matching.accounts.rules import Role, can_coordinate
from matching.core.db import db
from workareas.models import (
    AddendumVersion,
    ContactPerson,
    LocalNeed,
    Municipality,
    PitchSession,
    PitchSlot,
    Procedure,
    RegionalChallenge,
    WorkArea,
)
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


# --- the public addendum page (issue 17) -----------------------------------------------------

@dataclass(frozen=True)
class PublicAddendum:
    """What the public addendum page shows, read as columns (issue 17): the procedure with
    its work area, municipalities, the earlier procedure it changes and its pitch moments
    (``procedure``), its published versions oldest first (``published``) and the version
    shown with its needs, challenges and contact persons (``version``). The attribute names
    are the models', so the template reads them as it read the objects."""

    procedure: Any
    published: list[Any]
    version: Any


@cache
def _addendum_statements():
    """The page's statements, built once per process with the procedure (and version) as
    bound parameters: building them cost about as much as running them."""
    pid: BindParameter[int] = bindparam("procedure_id")
    vid: BindParameter[int] = bindparam("version_id")
    earlier = aliased(Procedure)
    procedure = (
        select(Procedure.id, Procedure.title, Procedure.state, Procedure.work_area_id,
               WorkArea.name, WorkArea.province, earlier.title, earlier.sequence,
               earlier.ratified_at)
        .join(WorkArea, WorkArea.id == Procedure.work_area_id)
        .outerjoin(earlier, earlier.id == Procedure.changes_procedure_id)
        .where(Procedure.id == pid, Procedure.state != ProcedureState.DRAFT))
    municipalities = (select(Municipality.name).where(Municipality.work_area_id == bindparam(
        "work_area_id")).order_by(Municipality.name))
    versions = (
        select(AddendumVersion.id, AddendumVersion.number, AddendumVersion.published_at,
               AddendumVersion.change_note, AddendumVersion.delimitation,
               AddendumVersion.candidacy_deadline, AddendumVersion.expected_decision_date,
               AddendumVersion.partnership_start_date)
        .where(AddendumVersion.procedure_id == pid, AddendumVersion.published_at.is_not(None))
        .order_by(AddendumVersion.number))
    needs = (select(LocalNeed.id, LocalNeed.title, LocalNeed.description, LocalNeed.motivation)
             .where(LocalNeed.version_id == vid).order_by(LocalNeed.position))
    challenges = (
        select(RegionalChallenge.id, RegionalChallenge.code, RegionalChallenge.title,
               RegionalChallenge.target_groups, RegionalChallenge.obstacles,
               RegionalChallenge.opportunities, RegionalChallenge.objectives)
        .where(RegionalChallenge.version_id == vid).order_by(RegionalChallenge.position))
    contacts = (select(ContactPerson.name, ContactPerson.organisation, ContactPerson.email,
                       ContactPerson.phone)
                .where(ContactPerson.version_id == vid).order_by(ContactPerson.position))
    sessions = (select(PitchSession.starts_at, PitchSession.ends_at, PitchSession.location,
                       PitchSession.slot_minutes)
                .where(PitchSession.procedure_id == pid).order_by(PitchSession.starts_at))
    slots = (select(PitchSlot.session_id, PitchSlot.starts_at, PitchSlot.ends_at,
                    PitchSlot.location)
             .where(PitchSlot.procedure_id == pid).order_by(PitchSlot.starts_at))
    return procedure, municipalities, versions, needs, challenges, contacts, sessions, slots


def public_addendum(procedure_id: int, number: int | None) -> PublicAddendum | None:
    """The public page of a procedure's addendum: version ``number`` (None: the latest
    published one); None if the procedure is a draft, has no published version or no
    version ``number``."""
    (procedure_stmt, municipalities, versions, needs, challenges, contacts, sessions,
     slots) = _addendum_statements()
    # Core statements run on the session's connection: columns, no ORM execution (its
    # compile state cost about as much as each of these small statements).
    run = db.session.connection().execute
    row = run(procedure_stmt, {"procedure_id": procedure_id}).first()
    if row is None:
        return None
    published = list(run(versions, {"procedure_id": procedure_id}))
    if not published:
        return None
    shown = published[-1] if number is None else next(
        (v for v in published if v.number == number), None)
    if shown is None:
        return None
    by_version = {"version_id": shown.id}
    version = SimpleNamespace(**shown._asdict(), needs=list(run(needs, by_version)),
                              challenges=list(run(challenges, by_version)),
                              contacts=list(run(contacts, by_version)))
    (pid, title, state, work_area_id, area_name, province, earlier_title, earlier_sequence,
     earlier_ratified_at) = row
    work_area = SimpleNamespace(
        name=area_name, province=province,
        municipalities=list(run(municipalities, {"work_area_id": work_area_id})))
    changes = None if earlier_title is None else SimpleNamespace(
        title=earlier_title, sequence=earlier_sequence, ratified_at=earlier_ratified_at)
    procedure = SimpleNamespace(
        id=pid, title=title, state=state, work_area=work_area, changes_procedure=changes,
        pitch_sessions=list(run(sessions, {"procedure_id": procedure_id})),
        pitch_slots=list(run(slots, {"procedure_id": procedure_id})))
    return PublicAddendum(procedure, published, version)
