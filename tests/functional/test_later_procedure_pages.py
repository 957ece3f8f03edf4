"""R-DYN-1 (issue 12) on the pages: the coordinator starts a later procedure that changes
the partnership of a ratified one; the public addendum, the coordinator's and the
observer's procedure pages and the final report say so."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from matching.accounts.rules import Role
from matching.oversight.report import final_report_html
from tests.support import ADDENDUM, addendum_as_objects, login
from workareas import operations as area_ops
from workareas.models import Procedure
from workareas.rules import ProcedureState

LINE = "Deze procedure is een latere matching"


def test_a_later_procedure_is_started_and_shown_with_the_partnership_it_changes(
        world, db, client, pages_at_world_time):
    first = world.draft_procedure()
    db.session.execute(update(Procedure).where(Procedure.id == first.id).values(
        state=ProcedureState.RATIFIED, published_at=world.clock.now,
        ratified_at=world.clock.now))  # as Europa WSE left it
    observer = world.user("waarnemer", Role.OBSERVER)
    db.session.commit()
    login(client, db, world.coordinator)
    page = client.get("/coordinatie").get_data(as_text=True)
    assert "Wijzigt deze procedure een bestaand partnerschap?" in page
    assert f'<option value="{first.id}">' in page
    response = client.post(f"/coordinatie/werkingsgebieden/{world.area.id}/procedures",
                           data={"title": "Right to challenge", "changes_procedure_id": first.id})
    assert response.status_code == 302
    later = db.session.scalar(select(Procedure).where(Procedure.title == "Right to challenge"))
    assert later.changes_procedure_id == first.id
    assert LINE in client.get(response.headers["Location"]).get_data(as_text=True)
    deadline = world.deadline(weeks=7)
    area_ops.edit_draft_addendum(later, dict(ADDENDUM, candidacy_deadline=deadline),
                                 actor=world.coordinator, now=world.clock.now)
    start = deadline + timedelta(days=14)
    area_ops.add_pitch_slot(later, start, start + timedelta(minutes=45), "Stadhuis Aalst",
                            actor=world.coordinator, now=world.clock.now)
    area_ops.publish_addendum(later, actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    public = client.get(f"/addenda/{later.id}").get_data(as_text=True)
    assert LINE in public and first.title in public
    client.post("/afmelden", follow_redirects=True)  # anonymous, its message shown
    served, from_objects = addendum_as_objects(client, later.id)  # issue 17: read as columns
    assert served == from_objects
    login(client, db, observer)
    db.session.commit()
    assert LINE in client.get(f"/observatie/procedures/{later.id}").get_data(as_text=True)
    report = final_report_html(later.id, world.clock.now)
    assert "Wijzigt het partnerschap van" in report and "(een latere matching)" in report
    assert "geen: een nieuw partnerschap" in final_report_html(first.id, world.clock.now)


def test_a_procedure_of_another_area_is_refused_with_a_message(world, db, client,
                                                                pages_at_world_time):
    first = world.draft_procedure()
    db.session.execute(update(Procedure).where(Procedure.id == first.id).values(
        state=ProcedureState.RATIFIED, published_at=world.clock.now,
        ratified_at=world.clock.now))
    coordinator2, area2 = world.other_coordinator()
    db.session.commit()
    login(client, db, coordinator2)
    response = client.post(f"/coordinatie/werkingsgebieden/{area2.id}/procedures",
                           data={"title": "Gent", "changes_procedure_id": first.id},
                           follow_redirects=True)
    assert "hetzelfde werkingsgebied" in response.get_data(as_text=True)
    assert db.session.scalar(select(Procedure).where(Procedure.title == "Gent")) is None
