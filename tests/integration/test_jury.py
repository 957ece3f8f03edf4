"""The local jury: composition, conflicts, individual scores, consensus, ballots, rounds."""

from datetime import timedelta

import pytest
from sqlalchemy import exc, select

from juries import operations as jury_ops
from juries import round_operations as round_ops
from juries.models import Ballot, BallotState, JuryDecision, Vote
from juries.rules import Bloc, Method
from matching.accounts.rules import Role
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.rules import CandidacyState, Criterion
from matching.core.errors import PermissionDenied
from tests.support import refused
from workareas.rules import ProcedureState

CC, FFP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP


@pytest.fixture
def round1(world):
    world.published_procedure()
    world.candidacy = world.apply("Jobkracht vzw")
    world.start_round_1()
    return world


def test_a_jury_of_five_without_an_external_cannot_be_composed(world, db):
    world.published_procedure()
    extra = world.user("lokaal2", Role.MATCHMAKER)
    world.mm["lokaal2"], world.blocs["lokaal2"] = extra, Bloc.LOKAAL_BESTUUR
    world.mm["vdab3"], world.blocs["vdab3"] = world.user("vdab3", Role.MATCHMAKER), Bloc.VDAB
    error = refused(db, world.compose_jury, ("vdab1", "vdab2", "vdab3", "lokaal1", "lokaal2"),
                    match="onafhankelijke externe")
    assert error.rule == "R-JURY-1"


def test_round_1_cannot_start_without_a_jury(world, db):
    p = world.published_procedure()
    world.apply("Jobkracht vzw")
    world.clock.now = p.candidacy_deadline + timedelta(minutes=1)
    candidacy_ops.close_candidacies(p, actor=world.coordinator, now=world.clock.now)
    refused(db, round_ops.start_round_1, p, actor=world.coordinator, now=world.clock.now,
            match="jury")


def test_a_conflict_that_empties_a_bloc_blocks_scoring_until_the_jury_is_recomposed(round1, db):
    w, c = round1, round1.candidacy
    jury_ops.declare_conflict(c, "Ik zit in de raad van bestuur.", actor=w.mm["extern1"],
                              now=w.clock.now)
    refused(db, jury_ops.record_assessment, c, 1, CC, 3, ["", "", "", ""], actor=w.mm["vdab1"],
            now=w.clock.now, match="belangenconflict")
    refused(db, jury_ops.record_assessment, c, 1, CC, 3, ["", "", "", ""],
            actor=w.mm["extern1"], now=w.clock.now, error=PermissionDenied)
    # recomposing without a second external for that candidacy is refused too
    refused(db, w.compose_jury, ("vdab1", "lokaal1", "extern1"), match="belangenconflict")
    w.compose_jury(("vdab1", "lokaal1", "extern1", "extern2"))
    jury_ops.record_assessment(c, 1, CC, 3, ["a", "b", "c", "d"], actor=w.mm["extern2"],
                               now=w.clock.now)


def test_only_jury_members_score_and_observers_change_nothing(round1, db):
    w = round1
    observer = w.user("observer", Role.OBSERVER)
    for outsider in (observer, w.coordinator, w.panel[0]):
        refused(db, jury_ops.record_assessment, w.candidacy, 1, CC, 3, [""] * 4, actor=outsider,
                now=w.clock.now, error=PermissionDenied)


def test_scores_are_between_1_and_4(round1, db):
    for bad in (0, 5):
        refused(db, jury_ops.record_assessment, round1.candidacy, 1, CC, bad, [""] * 4,
                actor=round1.mm["vdab1"], now=round1.clock.now, match="1 tot 4")


def test_consensus_needs_every_eligible_matchmaker_on_the_same_score(round1, db):
    w, c = round1, round1.candidacy
    for name, score in (("vdab1", 3), ("vdab2", 3), ("lokaal1", 3)):
        jury_ops.record_assessment(c, 1, CC, score, [""] * 4, actor=w.mm[name], now=w.clock.now)
    refused(db, jury_ops.record_consensus, c, 1, CC, 3, "Sterke lokale verankering.",
            actor=w.mm["vdab1"], now=w.clock.now, match="Extern1")
    jury_ops.record_assessment(c, 1, CC, 2, [""] * 4, actor=w.mm["extern1"], now=w.clock.now)
    refused(db, jury_ops.record_consensus, c, 1, CC, 3, "Sterke lokale verankering.",
            actor=w.mm["vdab1"], now=w.clock.now, match="geen consensus")
    jury_ops.record_assessment(c, 1, CC, 3, [""] * 4, actor=w.mm["extern1"], now=w.clock.now)
    refused(db, jury_ops.record_consensus, c, 1, CC, 3, "  ", actor=w.mm["vdab1"],
            now=w.clock.now, match="motivering")
    d = jury_ops.record_consensus(c, 1, CC, 3, "Sterke lokale verankering.",
                                  actor=w.mm["vdab1"], now=w.clock.now)
    assert (d.method, d.score, d.ballot_id) == (Method.CONSENSUS, 3, None)
    assert d.jury_blocs == "EXTERN,LOKAAL_BESTUUR,VDAB,VDAB"


def test_two_of_three_blocs_decide_and_a_bloc_with_two_matchmakers_votes_once(round1, db):
    w, c = round1, round1.candidacy
    ballot = jury_ops.open_ballot(c, 1, CC, actor=w.mm["vdab1"], now=w.clock.now)
    refused(db, jury_ops.open_ballot, c, 1, CC, actor=w.mm["vdab1"], now=w.clock.now,
            match="loopt al")
    jury_ops.cast_vote(ballot, 3, actor=w.mm["vdab1"], now=w.clock.now)
    refused(db, jury_ops.cast_vote, ballot, 2, actor=w.mm["vdab2"], now=w.clock.now,
            match="één stem per organisatie")
    refused(db, jury_ops.close_ballot, ballot, "Motivering van de stemming.", actor=w.mm["vdab1"],
            now=w.clock.now, match="⅔")
    jury_ops.cast_vote(ballot, 2, actor=w.mm["lokaal1"], now=w.clock.now)
    jury_ops.cast_vote(ballot, 3, actor=w.mm["extern1"], now=w.clock.now)
    decision = jury_ops.close_ballot(ballot, "VDAB en extern zien een duidelijke meerwaarde.",
                                     actor=w.mm["lokaal1"], now=w.clock.now)
    assert (decision.score, decision.method, decision.ballot_id) == (3, Method.BALLOT, ballot.id)
    assert ballot.state == BallotState.DECIDED and ballot.outcome_score == 3


def test_three_different_scores_decide_nothing_and_every_ballot_is_kept(round1, db):
    w, c = round1, round1.candidacy
    first = jury_ops.open_ballot(c, 1, FFP, actor=w.mm["vdab1"], now=w.clock.now)
    for name, score in (("vdab2", 2), ("lokaal1", 3), ("extern1", 4)):
        jury_ops.cast_vote(first, score, actor=w.mm[name], now=w.clock.now)
    assert jury_ops.close_ballot(first, None, actor=w.mm["vdab1"], now=w.clock.now) is None
    assert first.state == BallotState.UNDECIDED and first.closed_at is not None
    second = jury_ops.open_ballot(c, 1, FFP, actor=w.mm["vdab1"], now=w.clock.now)
    jury_ops.cast_vote(second, 3, actor=w.mm["vdab2"], now=w.clock.now)
    jury_ops.cast_vote(second, 3, actor=w.mm["extern1"], now=w.clock.now)
    decision = jury_ops.close_ballot(second, "Na overleg: voldoende ervaring met samenwerking.",
                                     actor=w.mm["vdab1"], now=w.clock.now)
    assert decision.score == 3
    assert db.session.scalars(select(Ballot.state).where(Ballot.candidacy_id == c.id)).all() \
        == [BallotState.UNDECIDED, BallotState.DECIDED]


def test_the_database_refuses_a_second_vote_of_a_bloc(round1, db):
    w = round1
    ballot = jury_ops.open_ballot(w.candidacy, 1, CC, actor=w.mm["vdab1"], now=w.clock.now)
    jury_ops.cast_vote(ballot, 3, actor=w.mm["vdab1"], now=w.clock.now)
    db.session.commit()
    with pytest.raises(exc.IntegrityError):
        db.session.add(Vote(ballot_id=ballot.id, bloc=Bloc.VDAB, score=2,
                            cast_by_id=w.mm["vdab2"].id, cast_at=w.clock.now))
        db.session.flush()
    db.session.rollback()


def test_the_database_refuses_scores_outside_1_to_4(round1, db):
    w = round1
    d = w.consensus(w.candidacy, 1, CC, 3)
    db.session.commit()
    d.score = 5
    with pytest.raises(exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_round_closes_only_when_every_candidacy_has_two_motivated_scores(round1, db):
    w, c = round1, round1.candidacy
    w.consensus(c, 1, CC, 4)
    error = refused(db, w.close_round, 1, match="Jobkracht")
    assert error.rule == "R-JURY-6"
    w.consensus(c, 1, FFP, 3)
    assert w.close_round(1) == 1
    assert c.state == CandidacyState.SELECTED_FOR_PITCH
    assert w.procedure.state == ProcedureState.ROUND_2


def test_round_2_scores_wait_for_the_pitch(round1, db):
    w, c = round1, round1.candidacy
    w.decide(c, 1, (3, 3))
    w.close_round(1)
    refused(db, jury_ops.record_assessment, c, 2, CC, 3, [""] * 4, actor=w.mm["vdab1"],
            now=w.clock.now, match="pitch")
    w.pitch(c)
    w.decide(c, 2, (3, 2))
    w.close_round(2)
    assert c.state == CandidacyState.NOT_SELECTED_R2
    decisions = db.session.scalars(select(JuryDecision)
                                   .where(JuryDecision.candidacy_id == c.id)).all()
    assert sorted((d.round, d.criterion.value, d.score) for d in decisions) == [
        (1, "crucial_contribution", 3), (1, "fit_for_partnership", 3),
        (2, "crucial_contribution", 3), (2, "fit_for_partnership", 2)]


def test_threshold_needs_three_on_both_criteria(world, db):
    """R-JURY-5: selected after round 1, and after round 2, only with at least 3 on both
    criteria; a 4 on one criterion does not make up for a 2 on the other."""
    world.published_procedure()
    round_1 = {"Vier en twee": (4, 2), "Twee en vier": (2, 4), "Drie en drie": (3, 3),
               "Vier en vier": (4, 4)}
    c = {name: world.apply(name) for name in round_1}
    world.start_round_1()
    for name, scores in round_1.items():
        world.decide(c[name], 1, scores)
    world.close_round(1)
    assert {name: c[name].state for name in round_1} == {
        "Vier en twee": CandidacyState.NOT_SELECTED_R1,
        "Twee en vier": CandidacyState.NOT_SELECTED_R1,
        "Drie en drie": CandidacyState.SELECTED_FOR_PITCH,
        "Vier en vier": CandidacyState.SELECTED_FOR_PITCH}
    round_2 = {"Drie en drie": (3, 3), "Vier en vier": (4, 2)}
    for name, scores in round_2.items():
        world.pitch(c[name])
        world.decide(c[name], 2, scores)
    world.close_round(2)
    assert c["Drie en drie"].state == CandidacyState.ADMITTED_TO_STEP4
    assert c["Vier en vier"].state == CandidacyState.NOT_SELECTED_R2


def test_pitch_slots_are_taken_once_and_must_lie_ahead(world, db):
    w = world
    w.published_procedure()
    a, b = w.apply("Jobkracht vzw"), w.apply("Werkwinkel vzw")
    w.start_round_1()
    w.decide(a, 1, (3, 3))
    w.decide(b, 1, (3, 3))
    w.close_round(1)
    first, second, third = w.procedure.pitch_slots[:3]
    round_ops.plan_pitch(a, first, actor=w.coordinator, now=w.clock.now)
    # taken once: the moment planned for one candidacy is refused for another
    refused(db, round_ops.plan_pitch, b, first, actor=w.coordinator, now=w.clock.now,
            match="gekozen of toegewezen")
    # the pitch is not held before its moment
    refused(db, round_ops.record_pitch_held, a, "Vlotte pitch met veel voorbeelden.",
            actor=w.coordinator, now=w.clock.now, match="begin")
    # must lie ahead: a moment that has begun is no longer offered
    w.clock.now = second.starts_at
    refused(db, round_ops.plan_pitch, b, second, actor=w.coordinator, now=w.clock.now,
            match="al voorbij")
    # only the coordinator plans
    refused(db, round_ops.plan_pitch, b, third, actor=w.mm["vdab1"], now=w.clock.now,
            error=PermissionDenied)
    assert round_ops.plan_pitch(b, third, actor=w.coordinator, now=w.clock.now).slot_id == third.id


def test_no_anchoring_the_spread_shows_only_after_ones_own_score(round1, db):
    from juries.queries import visible_spread

    w, c = round1, round1.candidacy
    jury_ops.record_assessment(c, 1, CC, 4, [""] * 4, actor=w.mm["vdab1"], now=w.clock.now)
    assert visible_spread(c, 1, CC, w.mm["lokaal1"]) is None
    jury_ops.record_assessment(c, 1, CC, 2, [""] * 4, actor=w.mm["lokaal1"], now=w.clock.now)
    spread = visible_spread(c, 1, CC, w.mm["lokaal1"])
    assert spread.scores == {w.mm["vdab1"].id: 4, w.mm["lokaal1"].id: 2}
    assert set(spread.missing) == {w.mm["vdab2"].id, w.mm["extern1"].id} and not spread.agreed
    assert visible_spread(c, 1, CC, w.coordinator) is None


def test_a_ballot_left_open_cannot_decide_a_second_time(round1, db):
    w, c = round1, round1.candidacy
    ballot = jury_ops.open_ballot(c, 1, CC, actor=w.mm["vdab1"], now=w.clock.now)
    jury_ops.cast_vote(ballot, 3, actor=w.mm["vdab1"], now=w.clock.now)
    w.consensus(c, 1, CC, 2)  # the jury reached consensus meanwhile
    refused(db, jury_ops.cast_vote, ballot, 3, actor=w.mm["extern1"], now=w.clock.now,
            match="besliste al")
    refused(db, jury_ops.close_ballot, ballot, "Motivering van de stemming.",
            actor=w.mm["vdab1"], now=w.clock.now, match="besliste al")
