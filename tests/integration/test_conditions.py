"""The six conditions (R-OBS-1) on real records: each fails for the right reason and is
met again once repaired; ratification is refused with an unmet condition and freezes
the procedure once given.

Where the operations cannot produce the failure (they refuse it), the record is changed
directly in the database, as a migration or a hand edit could; conditions that the
database constraints make impossible to break (condition 2) are covered by the unit
tests on the pure functions (tests/unit/test_conditions.py).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import delete, select, text, update

from appeals import operations as appeal_ops
from appeals.rules import Position
from juries.models import JuryDecision
from matching.accounts.rules import Role
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Contribution, DecisionNotice
from matching.candidacies.rules import CandidacyState, Criterion
from matching.core.errors import DomainError, PermissionDenied
from matching.letters.seal import check_seal, current_seal
from matching.oversight.facts import Status
from matching.oversight.facts_queries import evaluate_procedure
from matching.oversight.models import FinalReport, Observation
from matching.oversight.operations import answer_observation, ratify, record_observation
from tests.helpers import bypass_append_only_trigger
from tests.support import refused, snapshot
from workareas import operations as area_ops
from workareas.models import AddendumVersion
from workareas.rules import ProcedureState


def statuses(world) -> dict[int, Status]:
    results = evaluate_procedure(world.procedure.id, world.clock.now, ratification=True)
    return {r.number: r.status for r in results}


def failures(world, number: int) -> list[str]:
    results = evaluate_procedure(world.procedure.id, world.clock.now, ratification=True)
    result = next(r for r in results if r.number == number)
    return [f.msgid % f.params if f.params else f.msgid for f in result.failures]


ALL_MET = {n: Status.MET for n in range(1, 7)}


@pytest.fixture
def decided(world, db):
    """A procedure decided from end to end (tests.support.World.decided_procedure)."""
    a, b, _ = world.decided_procedure()
    db.session.commit()
    assert world.procedure.state == ProcedureState.DECIDED
    return a, b


def test_a_clean_procedure_meets_all_six(world, decided):
    assert statuses(world) == ALL_MET


def test_before_the_decisions_the_conditions_are_not_yet_determinable(world, db):
    world.published_procedure()
    world.apply("Jobkracht vzw")
    got = statuses(world)
    assert got[1] == got[5] == got[6] == Status.UNDETERMINED
    assert got[3] == Status.UNDETERMINED  # nobody assessed yet, no failure either


def test_condition_1_a_state_that_does_not_follow_from_the_scores(world, db, decided):
    a, b = decided
    db.session.execute(update(JuryDecision).where(JuryDecision.candidacy_id == b.id,
                                                  JuryDecision.round == 1)
                       .values(score=4))  # B now has 4 and 4 but was not selected
    assert statuses(world)[1] == Status.NOT_MET
    assert any("volgt niet uit de scores van ronde 1" in f for f in failures(world, 1))
    db.session.execute(update(JuryDecision).where(
        JuryDecision.candidacy_id == b.id, JuryDecision.round == 1,
        JuryDecision.criterion == Criterion.CRUCIAL_CONTRIBUTION).values(score=2))
    assert statuses(world)[1] == Status.MET


def test_condition_3_a_deadline_five_weeks_after_publication(world, db, decided):
    version = world.procedure.published_version
    published = world.procedure.published_at
    db.session.execute(update(AddendumVersion).where(AddendumVersion.id == version.id)
                       .values(candidacy_deadline=published + timedelta(weeks=5)))
    assert statuses(world)[3] == Status.NOT_MET
    assert any("minder dan de vereiste 6 weken" in f for f in failures(world, 3))
    db.session.execute(update(AddendumVersion).where(AddendumVersion.id == version.id)
                       .values(candidacy_deadline=published + timedelta(weeks=6, hours=1)))
    assert statuses(world)[3] == Status.MET


def test_condition_3_a_timely_candidacy_that_was_never_assessed(world, db, decided):
    a, b = decided
    db.session.execute(delete(JuryDecision).where(JuryDecision.candidacy_id == b.id))
    db.session.execute(update(type(b)).where(type(b).id == b.id)
                       .values(state=CandidacyState.SUBMITTED))
    assert any("niet beoordeeld in ronde 1" in f for f in failures(world, 3))
    db.session.execute(update(type(b)).where(type(b).id == b.id).values(
        state=CandidacyState.INADMISSIBLE,
        inadmissible_reason="Kandidatuur zonder handtekening van de vertegenwoordiger."))
    # issue 12: declared inadmissible behind the operation's back, it never got its letter
    assert statuses(world)[3] == Status.NOT_MET
    assert any("zonder gemotiveerde brief" in f for f in failures(world, 3))


def test_condition_4_a_candidacy_that_addresses_no_challenge(world, db, decided):
    a, b = decided
    db.session.execute(delete(Contribution).where(Contribution.candidacy_id == b.id))
    assert statuses(world)[4] == Status.NOT_MET
    assert any("geen enkele regio-uitdaging" in f for f in failures(world, 4))
    db.session.add(Contribution(candidacy_id=b.id, challenge_code="RU2",
                                text="Wij begeleiden langdurig zieken naar werk."))
    db.session.flush()
    assert statuses(world)[4] == Status.MET


def test_condition_5_a_decision_whose_receipt_is_missing(world, db, decided):
    a, b = decided
    db.session.execute(delete(DecisionNotice).where(DecisionNotice.candidacy_id == b.id))
    assert statuses(world)[5] == Status.NOT_MET
    assert any("moment van ontvangst" in f for f in failures(world, 5))
    world.received(b, 1)
    assert statuses(world)[5] == Status.MET


def test_condition_5_a_decision_without_a_complete_jury(world, db, decided):
    a, b = decided
    db.session.execute(update(JuryDecision).where(JuryDecision.candidacy_id == b.id)
                       .values(jury_blocs="LOKAAL_BESTUUR,VDAB"))
    assert any("niet volledig" in f for f in failures(world, 5))


def test_condition_5_a_tampered_audit_trail(app, world, db, decided):
    bypass_append_only_trigger(db.session.connection())
    event_id = db.session.execute(text("SELECT min(id) FROM audit_event")).scalar()
    db.session.execute(text("UPDATE audit_event SET summary = '{}' WHERE id = :id"),
                       {"id": event_id})
    assert statuses(world)[5] == Status.NOT_MET
    assert any(f"gebeurtenis {event_id}" in f for f in failures(world, 5))


def test_condition_6_an_open_appeal(world, db):
    a, b, appeal = world.decided_procedure(appeal=True)
    assert statuses(world)[6] == Status.NOT_MET
    assert any("nog niet beslist" in f for f in failures(world, 6))
    # repaired: two matchmakers from outside the jury confirm the non-selection
    appeal_ops.assign_panel(appeal, world.panel[:2], actor=world.coordinator, now=world.clock.now)
    for member in world.panel[:2]:
        appeal_ops.record_position(appeal, Position.CONFIRM,
                                   "De jury woog de referentielijst wel degelijk mee in haar "
                                   "motivering.", actor=member, now=world.clock.now)
    got = statuses(world)
    assert got[6] == Status.MET, failures(world, 6)


def test_condition_6_not_determinable_while_an_appeal_window_runs(world, db, decided):
    a, b = decided
    db.session.execute(update(DecisionNotice).where(DecisionNotice.candidacy_id == b.id)
                       .values(received_at=world.clock.now - timedelta(days=2)))
    assert statuses(world)[6] == Status.UNDETERMINED


# --- observations, ratification, the freeze ----------------------------------------------------

def test_an_observation_and_its_answer(world, db, decided):
    observer = world.user("waarnemer", Role.OBSERVER)
    obs = record_observation(world.procedure, 3, "Waar werd het addendum gepubliceerd?",
                             actor=observer, now=world.clock.now)
    refused(db, answer_observation, obs, "kort", actor=world.coordinator, now=world.clock.now,
            match="minstens 10 tekens")
    answer_observation(obs, "Op de website van Europa WSE en via de nieuwsbrief.",
                       actor=world.coordinator, now=world.clock.now)
    assert obs.answer and obs.answered_by_id == world.coordinator.id
    refused(db, answer_observation, obs, "Nog een tweede antwoord erbij.",
            actor=world.coordinator, now=world.clock.now, match="al beantwoord")
    with pytest.raises(PermissionDenied):
        record_observation(world.procedure, 1, "Een matchmaker mag dit niet.",
                           actor=world.mm["vdab1"], now=world.clock.now)
    refused(db, record_observation, world.procedure, 7, "Een zevende voorwaarde bestaat niet.",
            actor=observer, now=world.clock.now, match="zes voorwaarden")


def test_ratification_is_refused_with_an_unmet_condition(world, db, decided):
    a, b = decided
    observer = world.user("waarnemer", Role.OBSERVER)
    db.session.execute(update(JuryDecision).where(JuryDecision.candidacy_id == b.id)
                       .values(jury_blocs="LOKAAL_BESTUUR,VDAB"))
    db.session.commit()
    error = refused(db, ratify, world.procedure, actor=observer, now=world.clock.now,
                    match="voorwaarde")
    assert error.params["numbers"] == "5"
    assert world.procedure.state == ProcedureState.DECIDED
    with pytest.raises(PermissionDenied):
        ratify(world.procedure, actor=world.coordinator, now=world.clock.now)


def test_ratification_stores_the_report_and_freezes_the_procedure(world, db, decided):
    a, b = decided
    observer = world.user("waarnemer", Role.OBSERVER)
    obs = record_observation(world.procedure, 6, "Werden de termijnen in de brieven vermeld?",
                             actor=observer, now=world.clock.now)
    report = ratify(world.procedure, actor=observer, now=world.clock.now)
    db.session.commit()
    assert world.procedure.state == ProcedureState.RATIFIED
    assert world.procedure.ratified_at == world.clock.now
    stored = db.session.scalar(select(FinalReport))
    assert stored is report and stored.pdf.startswith(b"%PDF")
    assert stored.sha256 == hashlib.sha256(stored.pdf).hexdigest()
    # sealed with the letters' seal, at the moment of ratification
    seal = check_seal(stored.pdf, {current_seal().fingerprint})
    assert seal.valid and seal.signed_at == world.clock.now == stored.sealed_at
    assert stored.seal_fingerprint == current_seal().fingerprint

    # Every later write on it is refused, and the rollback leaves the record as it was.
    before = snapshot(db)
    attempts = [
        lambda: candidacy_ops.withdraw_candidacy(b, "We trekken ons toch terug.",
                                       actor=world.applicant(b.organisation), now=world.clock.now),
        lambda: answer_observation(obs, "Ja, in elke brief van niet-selectie.",
                                   actor=world.coordinator, now=world.clock.now),
        lambda: record_observation(world.procedure, 1, "Nog een opmerking achteraf.",
                                   actor=observer, now=world.clock.now),
        lambda: ratify(world.procedure, actor=observer, now=world.clock.now),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError):
            attempt()
        db.session.rollback()
        assert snapshot(db) == before
    assert db.session.scalar(select(Observation.answer)) is None


def test_no_observation_on_a_procedure_not_yet_published(world, db):
    observer = world.user("waarnemer", Role.OBSERVER)
    draft = world.draft_procedure()
    refused(db, record_observation, draft, 4, "Het addendum mist nog een regio-uitdaging.",
            actor=observer, now=world.clock.now, match="nog niet gepubliceerd")
    area_ops.publish_addendum(draft, actor=world.coordinator, now=world.clock.now)
    refused(db, record_observation, draft, 4, "   kort   ", actor=observer, now=world.clock.now,
            match="minstens 10 tekens")
    observation = record_observation(draft, 4, "Het addendum mist nog een regio-uitdaging.",
                                     actor=observer, now=world.clock.now)
    assert observation.text == "Het addendum mist nog een regio-uitdaging."


def test_step_4_stays_possible_after_ratification(world, db, decided):
    """The emergency procedure (R-STEP4-*) happens after step 3 was ratified: the freeze
    concerns the record of step 3 only."""
    from juries.emergency import operations as emergency_ops
    from juries.emergency.models import EmergencyProcedure

    observer = world.user("waarnemer", Role.OBSERVER)
    ratify(world.procedure, actor=observer, now=world.clock.now)
    start = world.procedure.partnership_start_date
    world.clock.now = datetime.combine(start, time(9), tzinfo=UTC) - timedelta(weeks=4)
    emergency = emergency_ops.start_emergency(
        world.procedure, "De partners raken het niet eens over de rolverdeling.",
        actor=world.mm["vdab1"], now=world.clock.now)
    assert isinstance(emergency, EmergencyProcedure)


def test_pages_walk_only_the_events_after_the_checkpoint(app, world, db, decided):
    """``flask audit verify`` records a checkpoint; pages and ratification verify only what
    came after it (a change after it is found at once); a change before it is found by the
    next full walk, which a full ``audit_status`` does at once and ``flask audit verify``
    stores, after which ratification is refused too (issue 17)."""
    from matching.audit.models import AuditCheckpoint
    from matching.audit.queries import _audit_cache, audit_status, ratification_status

    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    checkpoint = db.session.scalar(select(AuditCheckpoint))
    head = db.session.execute(text("SELECT max(id), count(*) FROM audit_event")).one()
    assert checkpoint.intact and (checkpoint.last_event_id, checkpoint.events) == tuple(head)
    _audit_cache.clear()
    bypass_append_only_trigger(db.session.connection())  # the CLI committed: a new transaction
    old = checkpoint.last_event_id - 5
    db.session.execute(text("UPDATE audit_event SET summary = '{}' WHERE id = :id"), {"id": old})
    observer = world.user("waarnemer", Role.OBSERVER)  # new events after the checkpoint
    assert audit_status().intact  # the page trusts the checkpoint for what lies before it
    assert ratification_status().intact  # so does ratification, afresh from the checkpoint
    assert audit_status(full=True).broken_event == old
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])  # the nightly full walk
    assert result.exit_code == 1 and f"gebeurtenis {old} " in result.output
    _audit_cache.clear()
    assert ratification_status().broken_event == old  # the stored failure counts
    refused(db, ratify, world.procedure, actor=observer, now=world.clock.now, match="voorwaarde")


def test_no_ratification_before_the_procedure_is_decided(world, db):
    observer = world.user("waarnemer", Role.OBSERVER)
    world.published_procedure()
    world.apply("Jobkracht vzw")
    world.start_round_1()
    refused(db, ratify, world.procedure, actor=observer, now=world.clock.now,
            match="Dit kan niet in de huidige toestand")
