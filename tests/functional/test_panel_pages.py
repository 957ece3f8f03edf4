"""The appeal matchmakers' pages: their appeals and their positions (R-APP-3)."""

from sqlalchemy import select

from appeals import operations as appeal_ops
from appeals.models import PanelMember
from appeals.rules import AppealState
from tests.support import login, snapshot


def appeal_under_review(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.start_round_1()
    world.decide(c, 1, (2, 3))
    world.close_round(1)
    world.received(c, 1)
    appeal = world.appeal(c)
    appeal_ops.assign_panel(appeal, world.panel[:2], actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    return appeal


def test_the_panel_member_sees_the_appeal_and_the_jury_motivation(world, db, client):
    appeal = appeal_under_review(world, db)
    login(client, db, world.panel[0])
    page = client.get("/weerwoorden").get_data(as_text=True)
    assert "Jobkracht vzw" in page and "Weerwoorden" in page
    r = client.get(f"/weerwoorden/{appeal.id}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "De bijlage met onze referenties werd niet meegenomen" in page
    assert "Bijlage 2: referentielijst" in page
    assert "Motivering voor score 2 op crucial_contribution." in page
    assert "Ons antwoord op vraag fit_for_partnership.4" in page
    assert "<fieldset" in page and "De niet-selectie omkeren" in page


def test_positions_one_after_the_other_and_the_others_only_after_ones_own(world, db, client):
    appeal = appeal_under_review(world, db)
    login(client, db, world.panel[0])
    r = client.post(f"/weerwoorden/{appeal.id}",
                    data={"position": "reverse",
                          "motivation": "De referentielijst toont de ervaring aan."})
    assert r.status_code == 302
    login(client, db, world.panel[1])
    page = client.get(f"/weerwoorden/{appeal.id}").get_data(as_text=True)
    assert "De referentielijst toont de ervaring aan." not in page
    r = client.post(f"/weerwoorden/{appeal.id}",
                    data={"position": "reverse",
                          "motivation": "Eens: de bijlage werd over het hoofd gezien."})
    assert r.status_code == 302
    page = client.get(f"/weerwoorden/{appeal.id}").get_data(as_text=True)
    assert "De referentielijst toont de ervaring aan." in page
    db.session.expire_all()
    assert db.session.get(type(appeal), appeal.id).state == AppealState.REVERSED


def test_a_position_without_motivation_is_refused(world, db, client):
    appeal = appeal_under_review(world, db)
    login(client, db, world.panel[0])
    before = snapshot(db)
    for data in ({"position": "confirm", "motivation": ""},
                 {"position": "confirm", "motivation": "te kort"},
                 {"motivation": "Een voldoende lange motivering zonder keuze."}):
        r = client.post(f"/weerwoorden/{appeal.id}", data=data)
        page = r.get_data(as_text=True)
        assert r.status_code == 422 and 'class="error-summary"' in page
        assert "Motiveer uw standpunt grondig" in page or "Kies: bevestigen of omkeren." in page
    db.session.rollback()
    assert snapshot(db) == before
    assert db.session.scalar(select(PanelMember.position).where(
        PanelMember.user_id == world.panel[0].id)) is None


def test_unassigned_appeal_matchmakers_and_others_get_404(world, db, client):
    appeal = appeal_under_review(world, db)
    for user in (world.panel[2], world.mm["vdab1"], world.coordinator):
        login(client, db, user)
        assert client.get(f"/weerwoorden/{appeal.id}").status_code == 404
        response = client.post(f"/weerwoorden/{appeal.id}",
                               data={"position": "reverse",
                                     "motivation": "Een voldoende lange motivering."})
        assert response.status_code == 404
    login(client, db, world.panel[2])
    assert "Jobkracht vzw" not in client.get("/weerwoorden").get_data(as_text=True)
    assert client.get("/weerwoorden/99999").status_code == 404
    assert all(m.position is None for m in db.session.scalars(select(PanelMember)))
