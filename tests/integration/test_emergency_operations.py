"""Issue 12: the emergency procedure's operations refuse without changing anything
(R-STEP4-1/2), and its start tells the partnership and Europa WSE by e-mail."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from juries.emergency import operations as emergency
from juries.emergency.models import EmergencyProcedure, EmergencyState
from matching.candidacies.rules import Criterion
from matching.core.dates import BRUSSELS
from matching.core.errors import PermissionDenied
from matching.mail.models import OutboxMessage
from tests.support import refused

CC, FFP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP
MOTIVATION = "Het partnerschap raakt het niet eens over de rollen in stap 4."
IN_WINDOW = datetime(2025, 8, 1, 10, 0, tzinfo=BRUSSELS)


@pytest.fixture
def step4(world):
    """Two partners in step 4 (one not selected after round 1); the partnership starts on
    1 September 2025."""
    world.published_procedure()
    world.partners = [world.apply("Jobkracht vzw"), world.apply("De Brug vzw")]
    world.outsider = world.apply("Weg vzw")
    world.start_round_1()
    for c in world.partners:
        world.decide(c, 1, (3, 3))
    world.decide(world.outsider, 1, (2, 2))
    world.close_round(1)
    for c in world.partners:
        world.pitch(c)
        world.decide(c, 2, (4, 4))
    world.close_round(2)
    world.watcher = world.observer()
    return world


def test_starting_before_step_4_or_outside_the_window_or_twice_is_refused(world, step4, db):
    w = step4
    w.clock.now = datetime(2025, 9, 1, 0, 0, tzinfo=BRUSSELS)  # the partnership started
    refused(db, emergency.start_emergency, w.procedure, MOTIVATION, actor=w.mm["vdab1"],
            now=w.clock.now, match="8 weken")
    w.clock.now = IN_WINDOW
    refused(db, emergency.start_emergency, w.procedure, "kort", actor=w.mm["vdab1"],
            now=w.clock.now, match="minstens 10 tekens")
    for who in ("extern1",):
        refused(db, emergency.start_emergency, w.procedure, MOTIVATION, actor=w.mm[who],
                now=w.clock.now, error=PermissionDenied)
    refused(db, emergency.start_emergency, w.procedure, MOTIVATION, actor=w.coordinator,
            now=w.clock.now, error=PermissionDenied)
    started = emergency.start_emergency(w.procedure, MOTIVATION, actor=w.mm["vdab1"],
                                        now=w.clock.now)
    assert started.state == EmergencyState.OPEN
    refused(db, emergency.start_emergency, w.procedure, MOTIVATION, actor=w.mm["lokaal1"],
            now=w.clock.now, match="al een noodprocedure")


def test_no_emergency_procedure_before_the_decision_of_round_2(world, db):
    world.published_procedure()
    world.apply("Jobkracht vzw")
    world.start_round_1()
    refused(db, emergency.start_emergency, world.procedure, MOTIVATION,
            actor=world.mm["vdab1"], now=IN_WINDOW, match="na de beslissing van ronde 2")
    with pytest.raises(Exception, match="na de beslissing"):
        emergency.check_may_start(world.procedure, IN_WINDOW)


def test_the_start_queues_mails_to_partners_europa_wse_and_the_other_deciders(step4, db):
    w = step4
    w.clock.now = IN_WINDOW
    before = set(db.session.scalars(select(OutboxMessage.id)))
    emergency.start_emergency(w.procedure, MOTIVATION, actor=w.mm["vdab1"], now=w.clock.now)
    db.session.flush()
    new = [m for m in db.session.scalars(select(OutboxMessage)) if m.id not in before]
    to = sorted(m.to_addresses for m in new)
    expected = sorted([w.applicant(c.organisation).email for c in w.partners]
                      + [w.watcher.email, w.mm["vdab2"].email, w.mm["lokaal1"].email])
    assert to == expected  # not the outsider, the external, nor the one who started it
    assert all(MOTIVATION in m.body_text for m in new)


def test_a_score_is_refused_without_changes(step4, db):
    w = step4
    w.clock.now = IN_WINDOW
    ep = emergency.start_emergency(w.procedure, MOTIVATION, actor=w.mm["vdab1"],
                                   now=w.clock.now)
    a, _b = w.partners
    refused(db, emergency.record_emergency_score, ep, a, FFP, 3, "Motivering van de score.",
            actor=w.mm["vdab1"], now=w.clock.now, match="gedrag")
    refused(db, emergency.record_emergency_score, ep, a, CC, 3, "Motivering van de score.",
            "Gedrag hoort hier niet.", actor=w.mm["vdab1"], now=w.clock.now,
            match="enkel bij fit for partnership")
    refused(db, emergency.record_emergency_score, ep, w.outsider, CC, 3,
            "Motivering van de score.", actor=w.mm["vdab1"], now=w.clock.now,
            match="Enkel partners uit stap 4")
    refused(db, emergency.record_emergency_score, ep, a, CC, 5, "Motivering van de score.",
            actor=w.mm["vdab1"], now=w.clock.now)
    refused(db, emergency.record_emergency_score, ep, a, CC, 3, "Motivering van de score.",
            actor=w.mm["extern1"], now=w.clock.now, error=PermissionDenied)
    row = emergency.record_emergency_score(ep, a, FFP, 3, "Motivering van de score.",
                                           "  Nam deel aan alle werkgroepen.  ",
                                           actor=w.mm["vdab1"], now=w.clock.now)
    assert row.observed_behaviour == "Nam deel aan alle werkgroepen."


def test_a_concluded_emergency_procedure_refuses_scores_and_a_second_conclusion(step4, db):
    w = step4
    w.clock.now = IN_WINDOW
    ep = emergency.start_emergency(w.procedure, MOTIVATION, actor=w.mm["vdab1"],
                                   now=w.clock.now)
    a, b = w.partners
    for who in ("vdab1", "lokaal1"):
        for partner, cc in ((a, 4), (b, 2)):
            emergency.record_emergency_score(ep, partner, CC, cc, "Motivering van de score.",
                                             actor=w.mm[who], now=w.clock.now)
            emergency.record_emergency_score(ep, partner, FFP, 3, "Motivering van de score.",
                                             "Nam deel aan alle werkgroepen.",
                                             actor=w.mm[who], now=w.clock.now)
    refused(db, emergency.conclude_emergency, ep, [a], "Rangschikking zonder reden.",
            actor=w.mm["vdab1"], now=w.clock.now, match="enkel nodig")
    emergency.conclude_emergency(ep, [], None, actor=w.mm["vdab1"], now=w.clock.now)
    assert db.session.scalar(select(EmergencyProcedure.state)) == EmergencyState.CONCLUDED
    refused(db, emergency.conclude_emergency, ep, [], None, actor=w.mm["vdab1"],
            now=w.clock.now, match="al afgesloten")
    refused(db, emergency.record_emergency_score, ep, a, CC, 3, "Motivering van de score.",
            actor=w.mm["vdab1"], now=w.clock.now, match="afgesloten")
