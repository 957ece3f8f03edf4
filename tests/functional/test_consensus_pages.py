"""Issue 13: the scoring page records a consensus that awaits confirmation, shows it, and
lets a member of another organisation confirm it (through a confirmation page) or the
recorder withdraw it; the task list and the round board show it."""

from sqlalchemy import select

from juries import operations as jury_ops
from juries.models import ConsensusState, JuryDecision, PendingConsensus
from matching.candidacies.rules import Criterion
from tests.support import login, snapshot

CC = Criterion.CRUCIAL_CONTRIBUTION


def scored(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.start_round_1()
    for user in world.eligible(c):
        jury_ops.record_assessment(c, 1, CC, 3, ["ok"] * 4, actor=user, now=world.clock.now)
    db.session.commit()
    return c


def record(client, c, score=3):
    return client.post(f"/jury/kandidaturen/{c.id}/ronde/1/consensus/{CC.value}",
                       data={"c-crucial_contribution-score": score,
                             "c-crucial_contribution-motivation": "Sterke lokale verankering."},
                       follow_redirects=True)


def test_a_member_records_and_another_organisation_confirms(world, db, client, app):
    c = scored(world, db)
    login(client, db, world.mm["vdab2"])
    page = client.get(f"/jury/kandidaturen/{c.id}/ronde/1").get_data(as_text=True)
    assert "bevestigt de consensus daarna" in page
    page = record(client, c).get_data(as_text=True)
    assert "wacht op de bevestiging" in page
    assert "Consensus wacht op bevestiging" in page and "Consensus intrekken" in page
    assert db.session.scalar(select(JuryDecision)) is None
    pending = db.session.scalar(select(PendingConsensus))

    # the same organisation sees it but cannot confirm it; a forced POST changes nothing
    other = app.test_client()
    login(other, db, world.mm["vdab1"])
    page = other.get(f"/jury/kandidaturen/{c.id}/ronde/1").get_data(as_text=True)
    assert "dezelfde organisatie" in page and "Consensus bevestigen" not in page
    before = snapshot(db)
    page = other.post(f"/jury/consensus/{pending.id}/bevestigen", data={"bevestigd": "1"},
                      follow_redirects=True).get_data(as_text=True)
    assert "dezelfde organisatie" in page
    db.session.expire_all()
    assert snapshot(db) == before

    # another organisation: the task list, then the button, the confirmation page, confirmed
    third = app.test_client()
    login(third, db, world.mm["extern1"])
    tasks = third.get("/taken").get_data(as_text=True)
    assert "Bevestig de consensus over Cruciale bijdrage van Jobkracht vzw" in tasks
    page = third.get(f"/jury/kandidaturen/{c.id}/ronde/1").get_data(as_text=True)
    assert "Consensus bevestigen" in page
    confirm = third.post(f"/jury/consensus/{pending.id}/bevestigen", data={})
    assert confirm.status_code == 200
    text = confirm.get_data(as_text=True)
    assert "Wat er gebeurt als u bevestigt" in text and "Sterke lokale verankering." in text
    assert 'name="bevestigd" value="1"' in text
    assert db.session.scalar(select(JuryDecision)) is None  # not yet
    page = third.post(f"/jury/consensus/{pending.id}/bevestigen", data={"bevestigd": "1"},
                      follow_redirects=True).get_data(as_text=True)
    assert "De consensus is bevestigd" in page
    db.session.expire_all()
    decision = db.session.scalar(select(JuryDecision))
    assert decision.score == 3 and decision.decided_by_id == world.mm["extern1"].id
    assert "Bevestig de consensus" not in third.get("/taken").get_data(as_text=True)


def test_the_recorder_withdraws_and_the_board_shows_the_wait(world, db, client, app):
    c = scored(world, db)
    login(client, db, world.mm["lokaal1"])
    record(client, c)
    pending = db.session.scalar(select(PendingConsensus))
    coordinator = app.test_client()
    login(coordinator, db, world.coordinator)
    board = coordinator.get(f"/coordinatie/procedures/{world.procedure.id}/rondes/1")
    assert "consensus wacht op bevestiging" in board.get_data(as_text=True)
    page = client.post(f"/jury/consensus/{pending.id}/intrekken", data={},
                       follow_redirects=True).get_data(as_text=True)
    assert "De consensus is ingetrokken" in page
    db.session.expire_all()
    assert db.session.get(PendingConsensus, pending.id).state == ConsensusState.WITHDRAWN


def test_the_chair_records_a_final_consensus_and_the_advice_fits(world, db, client):
    c = scored(world, db)
    login(client, db, world.mm["vdab1"])
    page = client.get(f"/jury/kandidaturen/{c.id}/ronde/1").get_data(as_text=True)
    assert "U bent voorzitter van de jury" in page
    page = record(client, c, score=4).get_data(as_text=True)
    assert "Alle matchmakers gaven score 3, niet 4" in page and "scores verschillen" not in page
    page = record(client, c).get_data(as_text=True)
    assert "De consensus van de jury is vastgelegd." in page
    assert db.session.scalar(select(JuryDecision)).score == 3
