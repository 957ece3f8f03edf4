"""The appeal (weerwoord) and the emergency procedure of step 4."""

from datetime import date, datetime, timedelta

import pytest

from appeals import operations as appeal_ops
from appeals.rules import AppealState, Position
from juries.emergency import operations as emergency
from juries.emergency.models import EmergencyState
from matching.candidacies.rules import CandidacyState, Criterion
from matching.core.dates import BRUSSELS
from matching.core.errors import PermissionDenied
from tests.support import refused
from workareas.rules import ProcedureState

CC, FFP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP
MOTIVATION = "De referentielijst toont wel degelijk ervaring met de doelgroep."


@pytest.fixture
def rejected(world):
    """One candidacy selected and one not selected after round 1."""
    world.published_procedure()
    world.selected, world.rejected = world.apply("Jobkracht vzw"), world.apply("De Brug vzw")
    world.start_round_1()
    world.decide(world.selected, 1, (4, 3))
    world.decide(world.rejected, 1, (2, 3))
    world.close_round(1)
    return world


def test_an_appeal_waits_for_the_decision_email(rejected, db):
    refused(db, rejected.appeal, rejected.rejected, match="nog niet ontvangen")


def test_appeal_at_235959_on_day_14_accepted_and_at_midnight_refused(rejected, db):
    w = rejected
    received = datetime(2025, 3, 20, 16, 5, tzinfo=BRUSSELS)  # DST changes on 30 March
    w.clock.now = received.astimezone(BRUSSELS)
    w.received(w.rejected, 1, received)
    w.clock.now = datetime(2025, 4, 4, 0, 0, 0, tzinfo=BRUSSELS)
    refused(db, w.appeal, w.rejected, match="liep af op 03-04-2025 23:59")
    w.clock.now = datetime(2025, 4, 3, 23, 59, 59, tzinfo=BRUSSELS)
    appeal = w.appeal(w.rejected)
    assert appeal.state == AppealState.FILED and appeal.round == 1
    refused(db, w.appeal, w.rejected, match="al een weerwoord")


def test_a_selected_candidacy_cannot_appeal_and_grounds_need_documents(rejected, db):
    w = rejected
    w.received(w.selected, 1)
    w.received(w.rejected, 1)
    refused(db, w.appeal, w.selected, match="niet-geselecteerde")
    who = w.applicant(w.rejected.organisation)
    refused(db, appeal_ops.file_appeal, w.rejected,
            "Wij zijn het niet eens met de score van de jury.", [], actor=who, now=w.clock.now,
            match="documentatie")


def test_panel_members_come_from_outside_the_jury(rejected, db):
    w = rejected
    w.received(w.rejected, 1)
    appeal = w.appeal(w.rejected)
    assert refused(db, appeal_ops.assign_panel, appeal, [w.panel[0], w.mm["vdab1"]],
                   actor=w.coordinator, now=w.clock.now).rule == "R-APP-3"
    refused(db, appeal_ops.assign_panel, appeal, [w.panel[0]], actor=w.coordinator,
            now=w.clock.now, match="precies twee")
    refused(db, appeal_ops.assign_panel, appeal, [w.panel[0], w.admin], actor=w.coordinator,
            now=w.clock.now, match="Geen matchmaker voor weerwoorden")
    appeal_ops.assign_panel(appeal, w.panel[:2], actor=w.coordinator, now=w.clock.now)
    assert appeal.state == AppealState.UNDER_REVIEW


def test_a_split_panel_confirms(rejected, db):
    w = rejected
    w.received(w.rejected, 1)
    appeal = w.appeal(w.rejected)
    appeal_ops.assign_panel(appeal, w.panel[:2], actor=w.coordinator, now=w.clock.now)
    refused(db, appeal_ops.record_position, appeal, Position.REVERSE, MOTIVATION,
            actor=w.panel[2], now=w.clock.now, error=PermissionDenied)
    refused(db, appeal_ops.record_position, appeal, Position.REVERSE, "kort",
            actor=w.panel[0], now=w.clock.now, match="grondig")
    appeal_ops.record_position(appeal, Position.REVERSE, MOTIVATION, actor=w.panel[0],
                               now=w.clock.now)
    assert appeal.state == AppealState.UNDER_REVIEW
    appeal_ops.record_position(appeal, Position.CONFIRM, "De bijlage bevat geen nieuwe elementen.",
                               actor=w.panel[1], now=w.clock.now)
    assert appeal.state == AppealState.CONFIRMED and appeal.decided_at == w.clock.now
    assert w.rejected.state == CandidacyState.NOT_SELECTED_R1


def test_a_reversal_after_round_1_leads_to_its_own_pitch_and_round_2(rejected, db):
    w = rejected
    w.pitch(w.selected)
    w.decide(w.selected, 2, (3, 3))
    w.close_round(2)
    assert w.procedure.state == ProcedureState.DECIDED
    w.received(w.rejected, 1)
    appeal = w.appeal(w.rejected)
    appeal_ops.assign_panel(appeal, w.panel[:2], actor=w.coordinator, now=w.clock.now)
    for member in w.panel[:2]:
        appeal_ops.record_position(appeal, Position.REVERSE, MOTIVATION, actor=member,
                                   now=w.clock.now)
    assert appeal.state == AppealState.REVERSED
    assert w.rejected.state == CandidacyState.SELECTED_FOR_PITCH
    w.pitch(w.rejected)
    w.decide(w.rejected, 2, (3, 4))
    assert w.close_round(2) == 1
    assert w.rejected.state == CandidacyState.ADMITTED_TO_STEP4
    refused(db, w.close_round, 2, match="geen kandidatuur")


def test_a_reversal_after_round_2_admits_to_step4(rejected, db):
    w = rejected
    w.pitch(w.selected)
    w.decide(w.selected, 2, (2, 3))
    w.close_round(2)
    w.received(w.selected, 2)
    appeal = w.appeal(w.selected)
    assert appeal.round == 2
    appeal_ops.assign_panel(appeal, w.panel[1:], actor=w.coordinator, now=w.clock.now)
    for member in w.panel[1:]:
        appeal_ops.record_position(appeal, Position.REVERSE, MOTIVATION, actor=member,
                                   now=w.clock.now)
    assert w.selected.state == CandidacyState.ADMITTED_TO_STEP4


@pytest.fixture
def step4(world):
    """Three partners admitted to step 4; the partnership starts on 1 September 2025."""
    world.published_procedure()
    partners = [world.apply(n) for n in ("Jobkracht vzw", "De Brug vzw", "Werkplek cvso")]
    world.start_round_1()
    for c in partners:
        world.decide(c, 1, (3, 3))
    world.close_round(1)
    for c in partners:
        world.pitch(c)
        world.decide(c, 2, (4, 4))
    world.close_round(2)
    world.partners = partners
    return world


def _start(world, when):
    world.clock.now = when
    return emergency.start_emergency(world.procedure,
                                     "Het partnerschap raakt het niet eens over de rollen.",
                                     actor=world.mm["vdab1"], now=when)


def test_the_emergency_procedure_opens_only_in_the_8_weeks_before_the_start(step4, db):
    w = step4
    assert w.procedure.partnership_start_date == date(2025, 9, 1)
    opens = datetime(2025, 7, 7, 0, 0, tzinfo=BRUSSELS)  # 8 weeks before 1 September
    w.clock.now = opens - timedelta(minutes=1)
    refused(db, emergency.start_emergency, w.procedure, "Het partnerschap raakt het niet eens.",
            actor=w.mm["vdab1"], now=w.clock.now, match="8 weken")
    refused(db, emergency.start_emergency, w.procedure, "Het partnerschap raakt het niet eens.",
            actor=w.mm["extern1"], now=opens, error=PermissionDenied)
    assert _start(w, opens).state == EmergencyState.OPEN


def test_vdab_and_local_government_must_agree_and_several_selected_are_ranked(step4, db):
    w = step4
    ep = _start(w, datetime(2025, 8, 1, 10, 0, tzinfo=BRUSSELS))
    a, b, c = w.partners
    scores = {a: (4, 3), b: (3, 3), c: (2, 4)}
    for partner, (cc, ffp) in scores.items():
        for who in ("vdab1", "lokaal1"):
            emergency.record_emergency_score(ep, partner, CC, cc, "Motivering cruciale bijdrage.",
                                             actor=w.mm[who], now=w.clock.now)
            emergency.record_emergency_score(ep, partner, FFP, ffp, "Gedrag in stap 4 bekeken.",
                                             "Nam deel aan alle werkgroepen in stap 4.",
                                             actor=w.mm[who], now=w.clock.now)
    refused(db, emergency.record_emergency_score, ep, a, CC, 4, "Motivering van de externe.",
            actor=w.mm["extern1"], now=w.clock.now, error=PermissionDenied)
    emergency.record_emergency_score(ep, c, CC, 3, "Lokaal bestuur ziet het anders.",
                                     actor=w.mm["lokaal1"], now=w.clock.now)
    refused(db, emergency.conclude_emergency, ep, [a, b], "Rangschikking op cruciale bijdrage.",
            actor=w.mm["vdab1"], now=w.clock.now, match="nog niet eens")
    emergency.record_emergency_score(ep, c, CC, 2, "Na overleg toch een 2.",
                                     actor=w.mm["lokaal1"], now=w.clock.now)
    refused(db, emergency.conclude_emergency, ep, [a], "Rangschikking op cruciale bijdrage.",
            actor=w.mm["vdab1"], now=w.clock.now, match="precies één keer")
    refused(db, emergency.conclude_emergency, ep, [a, b], "", actor=w.mm["vdab1"],
            now=w.clock.now, match="motivering")
    outcomes = emergency.conclude_emergency(ep, [b, a], "De Brug heeft het sterkste netwerk.",
                                            actor=w.mm["lokaal1"], now=w.clock.now)
    result = {o.candidacy_id: (o.selected, o.rank) for o in outcomes}
    assert result == {a.id: (True, 2), b.id: (True, 1), c.id: (False, None)}
    assert ep.state == EmergencyState.CONCLUDED
