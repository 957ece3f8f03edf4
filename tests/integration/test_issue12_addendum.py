"""Issue 12: a new version of the addendum that adds or changes needs or regional challenges
gives six weeks again (R-ADD-2), and the organisations that already submitted are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
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


def test_after_the_intake_only_the_timing_changes_as_a_new_version(world, db):
    """Issue 12: the expected decision date and the partnership's start do not freeze when the
    intake closes (the emergency procedure's window opens from that start); the needs, the
    challenges and the deadline do, and a refused version changes nothing."""
    p = world.published_procedure()
    world.apply("Jobkracht vzw")
    world.start_round_1()
    content = area_ops.version_content(p.current_version)
    content["needs"].append({"title": "Mobiliteit", "motivation": "Geen bus 's avonds."})
    refused(db, area_ops.publish_new_version, p, content, "Nood mobiliteit toegevoegd",
            actor=world.coordinator, now=world.clock.now, match="enkel de lokale timing")
    content = area_ops.version_content(p.current_version)
    content["candidacy_deadline"] = content["candidacy_deadline"] + timedelta(days=7)
    refused(db, area_ops.publish_new_version, p, content, "Deadline verschoven",
            actor=world.coordinator, now=world.clock.now, match="enkel de lokale timing")
    assert [v.number for v in p.versions] == [1]
    content = area_ops.version_content(p.current_version)
    start = content["partnership_start_date"] + timedelta(days=30)
    content["partnership_start_date"] = start
    version = area_ops.publish_new_version(p, content, "Start van het partnerschap verschoven.",
                                           actor=world.coordinator, now=world.clock.now)
    assert version.number == 2 and p.current_version.partnership_start_date == start
    assert p.current_version.needs and len(p.current_version.needs) == len(p.versions[0].needs)


def test_a_pitch_session_planned_after_the_intake_is_a_new_version_of_the_timing(world, db):
    from workareas.rules import SessionPlan

    p = world.published_procedure()
    world.apply("Jobkracht vzw")
    world.start_round_1()
    before = len(p.versions)
    begin = world.clock.now + timedelta(days=20)
    area_ops.add_pitch_session(p, SessionPlan(begin, begin + timedelta(hours=2), 30, 10),
                               "Stadhuis Aalst", actor=world.coordinator, now=world.clock.now)
    assert len(p.versions) == before + 1
    assert "Stadhuis Aalst" in p.current_version.change_note


def test_a_ratified_procedure_takes_no_new_version():
    from matching.core.errors import DomainError
    from workareas.rules import ProcedureState, check_new_version_open

    for state in (ProcedureState.DRAFT, ProcedureState.RATIFIED):
        with pytest.raises(DomainError, match="tussen de publicatie en de bekrachtiging"):
            check_new_version_open(state)
        with pytest.raises(DomainError):
            check_new_version_open(state, timing_only=True)
    for state in (ProcedureState.CANDIDACY_CLOSED, ProcedureState.ROUND_1,
                  ProcedureState.ROUND_2, ProcedureState.DECIDED):
        check_new_version_open(state)
        with pytest.raises(DomainError, match="enkel de lokale timing"):
            check_new_version_open(state, timing_only=False)
    check_new_version_open(ProcedureState.PUBLISHED, timing_only=False)
