"""Issue 13: the jury's consensus is recorded by the chair (final at once), or by any other
member and then confirmed by a member of another organisation before it counts; advice that
fits the situation; a pending consensus blocks closing the round."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, select

from juries import operations as jury_ops
from juries.models import ConsensusState, JuryDecision, JuryMembership, PendingConsensus
from juries.queries import consensus_to_confirm, decision_for, jury_of, round_board_rows
from matching.candidacies.rules import Criterion
from matching.mail.models import OutboxMessage
from tests.support import refused

CC, FP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP
MOTIVATION = "Motivering van de consensus van de jury."


@pytest.fixture
def scored(world):
    """Round 1 with one candidacy; vdab1 chairs the jury; everyone scored 3 on CC."""
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.start_round_1()
    for user in world.eligible(c):
        jury_ops.record_assessment(c, 1, CC, 3, ["ok"] * 4, actor=user, now=world.clock.now)
    world.candidacy = c
    return world


def test_the_chair_records_the_consensus_and_it_is_final(scored, db):
    w, c = scored, scored.candidacy
    assert [m.user.name for m in jury_of(w.procedure).members if m.chair] == ["Vdab1"]
    decision = jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["vdab1"],
                                         now=w.clock.now)
    assert isinstance(decision, JuryDecision) and decision.score == 3
    assert decision_for(c, 1, CC) is decision
    assert not db.session.scalars(select(PendingConsensus)).all()


def test_another_member_records_a_pending_consensus_that_decides_nothing(scored, db):
    w, c = scored, scored.candidacy
    pending = jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["vdab2"],
                                        now=w.clock.now)
    assert isinstance(pending, PendingConsensus) and pending.state == ConsensusState.PENDING
    assert decision_for(c, 1, CC) is None
    [row] = round_board_rows(w.procedure, 1)
    assert row.readiness.awaiting_confirmation == (CC,) and not row.readiness.ready
    # the members of the other organisations are told, with a link to the scoring page
    for name in ("lokaal1", "extern1"):
        [mail] = db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.to_addresses == f"{name}@example.be",
            OutboxMessage.subject.contains("Consensus te bevestigen"))).all()
        assert f"/jury/kandidaturen/{c.id}/ronde/1" in mail.body_text
        assert "Vdab2" in mail.body_text and "score 3" in mail.body_text
    assert not db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.to_addresses == "vdab1@example.be",
        OutboxMessage.subject.contains("Consensus te bevestigen"))).all()
    # ... and see it in their task list
    assert [p.id for p in consensus_to_confirm(w.mm["lokaal1"].id)] == [pending.id]
    assert consensus_to_confirm(w.mm["vdab1"].id) == []  # same organisation
    assert consensus_to_confirm(w.mm["vdab2"].id) == []  # the recorder
    # a second one while it waits is refused
    refused(db, jury_ops.record_consensus, c, 1, CC, 3, MOTIVATION, actor=w.mm["lokaal1"],
            now=w.clock.now, match="wacht al een consensus")


def test_confirmation_by_the_recorder_or_the_same_organisation_is_refused(scored, db):
    w, c = scored, scored.candidacy
    pending = jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["vdab2"],
                                        now=w.clock.now)
    refused(db, jury_ops.confirm_consensus, pending, actor=w.mm["vdab2"], now=w.clock.now,
            match="zelf vastgelegd|zelf vast")
    refused(db, jury_ops.confirm_consensus, pending, actor=w.mm["vdab1"], now=w.clock.now,
            match="dezelfde organisatie")
    assert pending.state == ConsensusState.PENDING and decision_for(c, 1, CC) is None
    decision = jury_ops.confirm_consensus(pending, actor=w.mm["extern1"], now=w.clock.now)
    assert (decision.score, decision.motivation, decision.decided_by_id) == (
        3, MOTIVATION, w.mm["extern1"].id)
    assert pending.state == ConsensusState.CONFIRMED and pending.decision_id == decision.id
    refused(db, jury_ops.confirm_consensus, pending, actor=w.mm["lokaal1"], now=w.clock.now,
            match="wacht niet meer")


def test_confirmation_checks_the_consensus_again(scored, db):
    w, c = scored, scored.candidacy
    pending = jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["vdab2"],
                                        now=w.clock.now)
    jury_ops.record_assessment(c, 1, CC, 2, ["ok"] * 4, actor=w.mm["extern1"],
                               now=w.clock.now)
    refused(db, jury_ops.confirm_consensus, pending, actor=w.mm["lokaal1"], now=w.clock.now,
            match="scores verschillen")


def test_the_recorder_withdraws_a_pending_consensus(scored, db):
    w, c = scored, scored.candidacy
    pending = jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["vdab2"],
                                        now=w.clock.now)
    refused(db, jury_ops.withdraw_consensus, pending, actor=w.mm["lokaal1"], now=w.clock.now,
            match="Enkel wie")
    jury_ops.withdraw_consensus(pending, actor=w.mm["vdab2"], now=w.clock.now)
    assert pending.state == ConsensusState.WITHDRAWN
    assert consensus_to_confirm(w.mm["lokaal1"].id) == []
    # now the chair records it
    assert jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["vdab1"],
                                     now=w.clock.now).score == 3


def test_the_chairs_decision_supersedes_a_pending_consensus(scored, db):
    w, c = scored, scored.candidacy
    pending = jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["lokaal1"],
                                        now=w.clock.now)
    jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["vdab1"], now=w.clock.now)
    assert pending.state == ConsensusState.WITHDRAWN
    assert consensus_to_confirm(w.mm["extern1"].id) == []


def test_a_pending_consensus_blocks_closing_the_round(scored, db):
    w, c = scored, scored.candidacy
    w.consensus(c, 1, FP, 3)  # decided by the chair
    pending = jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=w.mm["vdab2"],
                                        now=w.clock.now)
    refused(db, w.close_round, 1, match="wacht nog op bevestiging")
    jury_ops.confirm_consensus(pending, actor=w.mm["lokaal1"], now=w.clock.now)
    assert w.close_round(1) == 1


def test_a_jury_without_chair_needs_a_confirmation_for_every_consensus(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.compose_jury(chair=None)
    world.start_round_1()
    for user in world.eligible(c):
        jury_ops.record_assessment(c, 1, CC, 3, ["ok"] * 4, actor=user, now=world.clock.now)
    result = jury_ops.record_consensus(c, 1, CC, 3, MOTIVATION, actor=world.mm["vdab1"],
                                      now=world.clock.now)
    assert isinstance(result, PendingConsensus)


@pytest.mark.parametrize("scores, entered, advice", [
    ((3, 3, 3, None), 3, "Nog geen individuele score van: Extern1"),
    ((3, 3, 3, 3), 4, "Alle matchmakers gaven score 3, niet 4"),
    ((3, 3, 3, 2), 3, "de individuele scores verschillen"),
])
def test_the_advice_fits_the_situation(world, db, scores, entered, advice):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.start_round_1()
    for name, score in zip(("vdab1", "vdab2", "lokaal1", "extern1"), scores, strict=True):
        if score is not None:
            jury_ops.record_assessment(c, 1, FP, score, ["ok"] * 4, actor=world.mm[name],
                                       now=world.clock.now)
    error = refused(db, jury_ops.record_consensus, c, 1, FP, entered, MOTIVATION,
                    actor=world.mm["vdab1"], now=world.clock.now, match=advice)
    if "Alle matchmakers" in advice:
        assert "verschillen" not in str(error)


def test_one_chair_per_jury_in_the_database(world, db):
    world.published_procedure()
    world.compose_jury()
    seats = jury_of(world.procedure).members
    with pytest.raises(exc.IntegrityError):
        with db.session.begin_nested():
            for seat in seats:
                seat.chair = True
            db.session.flush()


def test_the_coordinator_moves_the_chair(world, db):
    world.published_procedure()
    world.compose_jury()
    world.compose_jury(chair="extern1")
    db.session.flush()
    chairs = db.session.scalars(select(JuryMembership).where(JuryMembership.chair)).all()
    assert [m.user.name for m in chairs] == ["Extern1"]
    refused(db, jury_ops.compose_jury, world.procedure,
            [(world.mm[n], world.blocs[n], "") for n in ("vdab1", "lokaal1", "extern1")],
            actor=world.coordinator, now=world.clock.now, chair=world.mm["extern2"],
            match="voorzitter moet lid")
