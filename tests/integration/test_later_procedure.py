"""R-DYN-1 (issue 12): a later procedure of a work area names the ratified procedure whose
partnership it changes."""

from sqlalchemy import select, update

from matching.audit.models import AuditEvent
from tests.support import refused
from workareas import operations as area_ops
from workareas.models import Procedure
from workareas.rules import ProcedureState


def _as_ratified(db, world, procedure):
    """The earlier procedure as Europa WSE left it (ratifying takes the whole procedure)."""
    db.session.execute(update(Procedure).where(Procedure.id == procedure.id).values(
        state=ProcedureState.RATIFIED, published_at=world.clock.now,
        ratified_at=world.clock.now))
    db.session.commit()
    db.session.expire_all()


def test_a_later_procedure_links_to_the_ratified_procedure_it_changes(world, db):
    first = world.draft_procedure()
    db.session.commit()
    error = refused(db, area_ops.create_procedure, world.area, "Tweede",
                    actor=world.coordinator, now=world.clock.now,
                    changes_procedure_id=first.id, match="bekrachtigde")
    assert error.rule == "R-DYN-1"
    _as_ratified(db, world, first)
    later = area_ops.create_procedure(world.area, "Right to challenge",
                                      actor=world.coordinator, now=world.clock.now,
                                      changes_procedure_id=first.id)
    db.session.commit()
    assert later.changes_procedure_id == first.id and later.changes_procedure.title == first.title
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "procedure.create")
                               .order_by(AuditEvent.id.desc())).first()
    assert '"changes_procedure": 1' in event.summary


def test_another_work_areas_procedure_or_none_that_exists_is_refused(world, db):
    first = world.draft_procedure()
    _as_ratified(db, world, first)
    coordinator2, area2 = world.other_coordinator()
    db.session.commit()
    refused(db, area_ops.create_procedure, area2, "Gent", actor=coordinator2,
            now=world.clock.now, changes_procedure_id=first.id, match="hetzelfde werkingsgebied")
    refused(db, area_ops.create_procedure, world.area, "Nergens", actor=world.coordinator,
            now=world.clock.now, changes_procedure_id=99999, match="hetzelfde werkingsgebied")


def test_a_new_partnership_names_no_earlier_procedure(world, db):
    first = world.draft_procedure()
    _as_ratified(db, world, first)
    later = area_ops.create_procedure(world.area, "Nieuw", actor=world.coordinator,
                                      now=world.clock.now)
    assert later.changes_procedure is None
