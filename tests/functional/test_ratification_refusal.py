"""Issue 11: only an observer of Europa WSE ratifies; an observer can refuse to ratify
with a motivation; the coordinators get a mail and answer on the page; the observer then
decides again (ratify, or refuse again); all of it is in the audit trail and the final
report."""

from __future__ import annotations

from sqlalchemy import select

from matching.accounts.rules import Role
from matching.audit.models import AuditEvent
from matching.mail.models import OutboxMessage
from matching.oversight import operations as oversight_ops
from matching.oversight.models import RatificationRefusal
from matching.oversight.report import final_report_html
from tests.support import login, refused, snapshot
from workareas.rules import ProcedureState


def test_only_an_observer_ratifies(world, db):
    world.decided_procedure()
    p = world.procedure
    db.session.commit()
    for actor in (world.admin, world.coordinator, world.mm["vdab1"],
                  world.user("coordinator2", Role.COORDINATOR, work_area_id=world.area.id)):
        error = refused(db, oversight_ops.ratify, p, actor=actor, now=world.clock.now)
        assert "Enkel een waarnemer van Europa WSE" in error.message
    for actor in (world.admin, world.coordinator):
        refused(db, oversight_ops.refuse_ratification, p, "Een motivering van de weigering.",
                actor=actor, now=world.clock.now)


def test_refuse_answer_and_decide_again(app, world, db, client, pages_at_world_time):
    world.decided_procedure()
    observer = world.observer()
    url = f"/observatie/procedures/{world.procedure.id}"
    login(client, db, observer)
    page = client.get(f"{url}/voorwaarden").get_data(as_text=True)
    assert "Bekrachtiging weigeren" in page
    before = snapshot(db)
    r = client.post(f"{url}/weigeren", data={"motivation": "kort"})
    assert r.status_code == 422 and "Schrijf minstens 10 tekens." in r.get_data(as_text=True)
    assert snapshot(db) == before
    r = client.post(f"{url}/weigeren", data={"motivation": "De publicatie van het addendum "
                                                           "is niet gedocumenteerd."})
    assert r.status_code == 302
    refusal = db.session.scalar(select(RatificationRefusal))
    mail = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.subject.like("Europa WSE bekrachtigt%")))
    assert mail.to_addresses == "coord@example.be"
    assert "niet gedocumenteerd" in mail.body_text and f"{url}/voorwaarden" in mail.body_text

    # before the answer the observer cannot decide again (neither way)
    before = snapshot(db)
    r = client.post(f"{url}/bekrachtigen")
    assert r.status_code == 422 and "nog niet beantwoord" in r.get_data(as_text=True)
    r = client.post(f"{url}/weigeren", data={"motivation": "Nog een weigering, te vroeg."})
    assert r.status_code == 422
    assert snapshot(db) == before

    # an observer cannot answer; another coordinator's answer: 404
    r = client.post(f"/observatie/weigeringen/{refusal.id}/antwoord",
                    data={f"ref{refusal.id}-answer": "Een antwoord van de waarnemer."})
    assert r.status_code == 404
    login(client, db, world.coordinator)
    page = client.get(f"{url}/voorwaarden").get_data(as_text=True)
    assert "niet gedocumenteerd" in page and "Bekrachtiging weigeren" not in page
    r = client.post(f"/observatie/weigeringen/{refusal.id}/antwoord",
                    data={f"ref{refusal.id}-answer": "Het addendum stond zes weken online."})
    assert r.status_code == 302
    r = client.post(f"/observatie/weigeringen/{refusal.id}/antwoord",
                    data={f"ref{refusal.id}-answer": "Een tweede antwoord op hetzelfde."})
    assert r.status_code == 422 and "al beantwoord" in r.get_data(as_text=True)

    # the observer decides again: refuses again, then (after the answer) ratifies
    login(client, db, observer)
    r = client.post(f"{url}/weigeren", data={"motivation": "Het bewijs van de publicatie "
                                                           "ontbreekt nog steeds."})
    assert r.status_code == 302
    second = db.session.scalars(select(RatificationRefusal).order_by(
        RatificationRefusal.id.desc())).first()
    login(client, db, world.coordinator)
    assert client.post(f"/observatie/weigeringen/{second.id}/antwoord",
                       data={f"ref{second.id}-answer": "Zie de bijlage bij het addendum."}
                       ).status_code == 302
    login(client, db, observer)
    assert client.post(f"{url}/bekrachtigen", data={"bevestigd": "1"}).status_code == 302
    db.session.expire_all()
    assert world.procedure.state == ProcedureState.RATIFIED

    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.procedure_id == world.procedure.id,
        AuditEvent.action.like("ratification.%")).order_by(AuditEvent.id)).all()
    assert actions == ["ratification.refuse", "ratification.refusal_answer",
                       "ratification.refuse", "ratification.refusal_answer"]
    html = final_report_html(world.procedure.id, world.clock.now)
    assert "Weigeringen om te bekrachtigen" in html
    assert "niet gedocumenteerd" in html and "Het addendum stond zes weken online." in html
    assert "ontbreekt nog steeds" in html and "Zie de bijlage bij het addendum." in html
    # once ratified: no more refusal or answer
    page = client.get(f"{url}/voorwaarden").get_data(as_text=True)
    assert "Bekrachtiging weigeren" not in page


def test_a_procedure_not_yet_decided_cannot_be_refused(world, db):
    world.published_procedure()
    observer = world.observer()
    error = refused(db, oversight_ops.refuse_ratification, world.procedure,
                    "Een motivering van de weigering.", actor=observer, now=world.clock.now)
    assert error.message
