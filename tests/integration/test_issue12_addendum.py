"""Issue 12: a new version of the addendum that adds or changes needs or regional challenges
gives six weeks again (R-ADD-2), and the organisations that already submitted are told."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from matching.mail.models import OutboxMessage
from tests.support import refused
from workareas import operations as area_ops


def test_a_late_new_need_is_refused_and_changes_nothing(world, db):
    p = world.published_procedure()
    world.apply("Jobkracht vzw")
    world.clock.now = p.candidacy_deadline - timedelta(days=3)
    content = area_ops.version_content(p.current_version)
    content["needs"].append({"title": "Mobiliteit", "motivation": "Geen bus 's avonds."})
    refused(db, area_ops.publish_new_version, p, content, "Nood mobiliteit toegevoegd",
            actor=world.coordinator, now=world.clock.now, match="opnieuw minstens 6 weken")
    assert [v.number for v in p.versions] == [1]


def test_a_new_version_tells_the_organisations_that_submitted(world, db):
    p = world.published_procedure()
    submitted = world.apply("Jobkracht vzw")
    world.clock.advance(days=2)
    before = set(db.session.scalars(select(OutboxMessage.id)))
    content = area_ops.version_content(p.current_version)
    content["challenges"][0]["objectives"] = "Dubbel zoveel jongeren in begeleiding"
    content["candidacy_deadline"] = world.clock.now + timedelta(weeks=6, hours=2)
    version = area_ops.publish_new_version(p, content, "Doelstelling RU1 verduidelijkt.",
                                           actor=world.coordinator, now=world.clock.now)
    db.session.flush()
    new = [m for m in db.session.scalars(select(OutboxMessage)) if m.id not in before]
    assert len(new) == 1
    mail = new[0]
    assert "Nieuwe versie van het addendum" in mail.subject
    assert submitted.reference in mail.body_text and "Doelstelling RU1 verduidelijkt." in \
        mail.body_text
    assert f"/addenda/{p.id}" in mail.body_text and version.number == 2
