"""Issue 12: the emergency procedure of step 4 in the browser (R-STEP4-1/2): who may start
it and when (the window in Brussels time), the confirmation and the e-mails, the re-scores
per criterion with the behaviour observed in step 4, agreement and disagreement of VDAB and
the local government, the ranking and the outcome letters; refusals change nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select

from juries import operations as jury_ops
from juries.emergency import operations as emergency_ops
from juries.emergency.models import EmergencyProcedure, EmergencyScore, EmergencyState
from juries.rules import Bloc
from matching.accounts.rules import Role
from matching.candidacies.models import Letter
from matching.candidacies.rules import Criterion
from matching.core.dates import BRUSSELS
from matching.mail.models import OutboxMessage
from tests.support import ADDENDUM, login, snapshot
from workareas import operations as area_ops

CC, FFP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP
MOTIVATION = "Het partnerschap raakt het na drie overlegmomenten niet eens over de rollen."
IN_WINDOW = datetime(2025, 8, 1, 10, 0, tzinfo=BRUSSELS)


@pytest.fixture
def step4(world, db, pages_at_world_time):
    """Three partners admitted to step 4; the partnership starts on 1 September 2025."""
    w = world
    w.published_procedure()
    w.partners = [w.apply(n) for n in ("Jobkracht vzw", "De Brug vzw", "Werkplek cvso")]
    w.start_round_1()
    for c in w.partners:
        w.decide(c, 1, (3, 3))
    w.close_round(1)
    for c in w.partners:
        w.pitch(c)
        w.decide(c, 2, (4, 4))
    w.close_round(2)
    w.watcher = w.observer()
    db.session.commit()
    return w


def url(w, tail=""):
    return f"/jury/procedures/{w.procedure.id}/noodprocedure{tail}"


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def started(w, db):
    w.clock.now = IN_WINDOW
    emergency = emergency_ops.start_emergency(w.procedure, MOTIVATION, actor=w.mm["vdab1"],
                                              now=w.clock.now)
    db.session.commit()
    return emergency


def score(client, w, candidacy, criterion, value, behaviour=None):
    p = f"e-{criterion.value}-"
    data = {p + "score": value, p + "motivation": f"Motivering voor score {value} na overleg."}
    if behaviour is not None:
        data[p + "observed_behaviour"] = behaviour
    return client.post(url(w, f"/partners/{candidacy.id}/{criterion.value}"), data=data)


def test_the_page_says_when_the_window_opens_and_why_no_button(step4, db, client):
    w = step4
    w.clock.now = datetime(2025, 7, 6, 23, 59, tzinfo=BRUSSELS)  # one minute too early
    login(client, db, w.mm["vdab1"])
    page = client.get(url(w)).get_data(as_text=True)
    assert "van 07-07-2025 00:00 tot 01-09-2025 00:00 (Brusselse tijd)" in page
    assert "U kunt nu geen noodprocedure starten" in page and "8 weken" in page
    assert 'action="' + url(w, "/starten") not in page
    before = snapshot(db)
    r = client.post(url(w, "/starten"), data={"motivation": MOTIVATION, "bevestigd": "1"})
    assert r.status_code == 422 and "8 weken" in r.get_data(as_text=True)
    assert snapshot(db) == before
    w.clock.now = datetime(2025, 7, 7, 0, 0, tzinfo=BRUSSELS)  # the window opens
    page = client.get(url(w)).get_data(as_text=True)
    assert 'action="' + url(w, "/starten") in page


def test_the_jury_dashboard_links_to_the_emergency_procedure(step4, db, client):
    w = step4
    login(client, db, w.mm["lokaal1"])
    assert url(w) in client.get("/jury").get_data(as_text=True)
    login(client, db, w.mm["extern1"])  # the independent external does not decide in step 4
    assert url(w) not in client.get("/jury").get_data(as_text=True)


def test_starting_asks_to_confirm_then_tells_the_partnership_and_europa_wse(step4, db, client):
    w = step4
    w.clock.now = IN_WINDOW
    login(client, db, w.mm["lokaal1"])
    mails = count(db, OutboxMessage)
    r = client.post(url(w, "/starten"), data={"motivation": MOTIVATION})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Bevestigen: noodprocedure starten" in page
    assert "Jobkracht vzw" in page and "Europa WSE" in page and MOTIVATION in page
    assert count(db, EmergencyProcedure) == 0 and count(db, OutboxMessage) == mails
    r = client.post(url(w, "/starten"), data={"motivation": MOTIVATION, "bevestigd": "1"})
    assert r.status_code == 302
    emergency = db.session.scalar(select(EmergencyProcedure))
    assert emergency.state == EmergencyState.OPEN and emergency.motivation == MOTIVATION
    queued = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)
                                .offset(mails)).all()
    to = {m.to_addresses for m in queued}
    for c in w.partners:
        assert w.applicant(c.organisation).email in to
    assert w.watcher.email in to and w.mm["vdab1"].email in to
    assert w.mm["extern1"].email not in to and w.mm["lokaal1"].email not in to
    observer_mail = next(m for m in queued if m.to_addresses == w.watcher.email)
    assert MOTIVATION in observer_mail.body_text
    assert f"/observatie/procedures/{w.procedure.id}" in observer_mail.body_text
    page = client.get(url(w)).get_data(as_text=True)
    assert "Lopende noodprocedure" in page and MOTIVATION in page
    # a second start is refused: one is already open
    r = client.post(url(w, "/starten"), data={"motivation": MOTIVATION, "bevestigd": "1"})
    assert count(db, EmergencyProcedure) == 1


def test_an_empty_motivation_is_refused_next_to_the_field(step4, db, client):
    w = step4
    w.clock.now = IN_WINDOW
    login(client, db, w.mm["vdab1"])
    r = client.post(url(w, "/starten"), data={"motivation": "", "bevestigd": "1"})
    assert r.status_code == 422 and "Geef een motivering." in r.get_data(as_text=True)
    r = client.post(url(w, "/starten"), data={"motivation": "te kort", "bevestigd": "1"})
    assert r.status_code == 422 and "minstens 10 tekens" in r.get_data(as_text=True)
    assert count(db, EmergencyProcedure) == 0


@pytest.fixture
def other_area_member(step4, db):
    """A VDAB matchmaker on the jury of another work area's procedure."""
    w = step4
    coordinator2, area2 = w.other_coordinator()
    p2 = area_ops.create_procedure(area2, "Matching Gent", actor=coordinator2, now=w.clock.now)
    area_ops.edit_draft_addendum(p2, dict(ADDENDUM, candidacy_deadline=w.deadline(weeks=7)),
                                 actor=coordinator2, now=w.clock.now)
    gent = [w.user("gentvdab", Role.MATCHMAKER), w.user("gentlokaal", Role.MATCHMAKER),
            w.user("gentextern", Role.MATCHMAKER)]
    jury_ops.compose_jury(p2, list(zip(gent, (Bloc.VDAB, Bloc.LOKAAL_BESTUUR, Bloc.EXTERN),
                                       ("", "", ""), strict=True)),
                          actor=coordinator2, now=w.clock.now)
    db.session.commit()
    return gent[0]


def test_who_may_not_act_gets_404_and_changes_nothing(step4, db, app, client, other_area_member):
    w = step4
    emergency = started(w, db)
    a = w.partners[0]
    outsiders = [w.mm["extern1"], other_area_member, w.coordinator, w.watcher, w.admin,
                 w.applicant(a.organisation), w.panel[0]]
    clients = []
    for who in outsiders:  # signed in first: signing in is recorded
        clients.append((who, app.test_client()))
        login(clients[-1][1], db, who)
    before = snapshot(db)
    for who, client in clients:
        assert client.get(url(w)).status_code == 404, who.email
        assert client.get(url(w, f"/partners/{a.id}")).status_code == 404, who.email
        assert score(client, w, a, CC, 3).status_code == 404, who.email
        assert client.post(url(w, "/starten"),
                           data={"motivation": MOTIVATION, "bevestigd": "1"}).status_code == 404
        assert client.post(url(w, "/afsluiten"), data={"bevestigd": "1"}).status_code == 404
    assert snapshot(db) == before
    assert emergency.state == EmergencyState.OPEN


def test_rescores_show_agreement_and_disagreement_then_conclude_with_a_ranking(
        step4, db, client, app):
    w = step4
    started(w, db)
    a, b, c = w.partners
    vdab, lokaal = app.test_client(), app.test_client()
    login(vdab, db, w.mm["vdab1"])
    login(lokaal, db, w.mm["lokaal1"])
    page = vdab.get(url(w, f"/partners/{a.id}")).get_data(as_text=True)
    assert "Beoordelingsvragen" in page and "gedrag" in page
    # fit for partnership needs the behaviour observed in step 4; refused, nothing stored
    r = score(vdab, w, a, FFP, 3)
    assert r.status_code == 422 and "gedrag dat de partner in stap 4" in r.get_data(as_text=True)
    assert count(db, EmergencyScore) == 0
    behaviour = "Nam actief deel aan alle werkgroepen van stap 4."
    wanted = {a: (4, 3), b: (3, 3), c: (2, 4)}
    for client_ in (vdab, lokaal):
        for partner, (cc, ffp) in wanted.items():
            assert score(client_, w, partner, CC, cc).status_code == 302
            assert score(client_, w, partner, FFP, ffp, behaviour).status_code == 302
    assert score(lokaal, w, c, CC, 3).status_code == 302  # the local government differs
    page = vdab.get(url(w, f"/partners/{c.id}")).get_data(as_text=True)
    assert "zijn het niet eens" in page and behaviour in page
    page = vdab.get(url(w)).get_data(as_text=True)
    assert "niet eens" in page and "U kunt afsluiten zodra" in page
    before = snapshot(db)
    r = vdab.post(url(w, "/afsluiten"), data={"bevestigd": "1"})
    assert r.status_code == 422 and "nog niet eens" in r.get_data(as_text=True)
    assert snapshot(db) == before
    assert score(lokaal, w, c, CC, 2).status_code == 302  # agreed after consultation
    page = vdab.get(url(w)).get_data(as_text=True)
    assert "eens: score 2" in page and f'name="rank-{a.id}"' in page
    assert f'name="rank-{c.id}"' not in page  # not selected: not ranked
    before = snapshot(db)
    # a ranking with a place twice is refused next to the motivation, nothing changes
    r = vdab.post(url(w, "/afsluiten"), data={f"rank-{a.id}": "1", f"rank-{b.id}": "1",
                                               "ranking_motivation": "De Brug is sterker."})
    assert r.status_code == 422 and "een andere plaats" in r.get_data(as_text=True)
    # without its motivation: refused (by the rule) before any confirmation
    r = vdab.post(url(w, "/afsluiten"), data={f"rank-{a.id}": "2", f"rank-{b.id}": "1",
                                               "ranking_motivation": "", "bevestigd": "1"})
    assert r.status_code == 422 and "motivering" in r.get_data(as_text=True)
    assert snapshot(db) == before
    data = {f"rank-{a.id}": "2", f"rank-{b.id}": "1",
            "ranking_motivation": "De Brug heeft het sterkste netwerk in de regio."}
    r = vdab.post(url(w, "/afsluiten"), data=data)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "3 uitkomstbrieven" in page
    assert "De Brug vzw: geselecteerd, plaats 1" in page
    assert "Werkplek cvso: niet geselecteerd" in page
    assert snapshot(db) == before
    r = vdab.post(url(w, "/afsluiten"), data={**data, "bevestigd": "1"})
    assert r.status_code == 302
    emergency = db.session.scalar(select(EmergencyProcedure))
    assert emergency.state == EmergencyState.CONCLUDED
    assert {o.candidacy_id: (o.selected, o.rank) for o in emergency.outcomes} == {
        a.id: (True, 2), b.id: (True, 1), c.id: (False, None)}
    letters = db.session.scalars(select(Letter).where(Letter.kind == "emergency_outcome")).all()
    assert sorted(x.candidacy_id for x in letters) == sorted(p.id for p in w.partners)
    page = vdab.get(url(w)).get_data(as_text=True)
    assert "De Brug heeft het sterkste netwerk" in page and "Uitkomst per partner" in page


def conclude_by_operations(w, db):
    """Started, re-scored (A 4/3, B 3/3, C 2/4) and concluded with B before A."""
    emergency = started(w, db)
    a, b, c = w.partners
    for who in ("vdab1", "lokaal1"):
        for partner, (cc, ffp) in {a: (4, 3), b: (3, 3), c: (2, 4)}.items():
            emergency_ops.record_emergency_score(emergency, partner, CC, cc,
                                                 "Motivering cruciale bijdrage.",
                                                 actor=w.mm[who], now=w.clock.now)
            emergency_ops.record_emergency_score(emergency, partner, FFP, ffp,
                                                 "Motivering fit for partnership.",
                                                 "Kwam niet naar twee werkgroepen.",
                                                 actor=w.mm[who], now=w.clock.now)
    emergency_ops.conclude_emergency(emergency, [b, a], "De Brug heeft het sterkste netwerk.",
                                     actor=w.mm["lokaal1"], now=w.clock.now)
    db.session.commit()
    return emergency


def test_europa_wse_sees_it_on_the_procedure_page_in_the_report_and_the_exports(
        step4, db, client):
    from matching.oversight.exports import export_rows
    from matching.oversight.report import final_report_html

    w = step4
    conclude_by_operations(w, db)
    login(client, db, w.watcher)
    page = client.get(f"/observatie/procedures/{w.procedure.id}").get_data(as_text=True)
    assert "Noodprocedure van stap 4" in page and MOTIVATION in page
    assert "Kwam niet naar twee werkgroepen." in page and "Uitkomst per partner" in page
    assert "De Brug heeft het sterkste netwerk." in page
    report = final_report_html(w.procedure.id, w.clock.now)
    assert "Noodprocedure van stap 4, gestart op" in report and MOTIVATION in report
    assert "plaats 1 in de rangschikking" in report and "niet geselecteerd" in report
    rows = {r["organisatie"]: r for r in export_rows([w.procedure.id], False)}
    brug = rows["De Brug vzw"]
    assert brug["noodprocedure_motivering"] == MOTIVATION
    assert brug["noodprocedure_gestart_op"] == "01-08-2025 10:00"
    assert (brug["noodprocedure_score_cruciale_bijdrage"],
            brug["noodprocedure_score_fit_for_partnership"]) == (3, 3)
    assert (brug["noodprocedure_geselecteerd"], brug["noodprocedure_plaats"]) == ("ja", 1)
    assert rows["Werkplek cvso"]["noodprocedure_geselecteerd"] == "nee"
    assert brug["noodprocedure_motivering_rangschikking"] == "De Brug heeft het sterkste netwerk."


def test_an_open_emergency_procedure_shows_in_the_export_without_an_outcome(step4, db):
    from matching.oversight.exports import export_rows

    w = step4
    started(w, db)
    row = next(iter(export_rows([w.procedure.id], False)))
    assert row["noodprocedure_motivering"] == MOTIVATION
    assert row["noodprocedure_geselecteerd"] == "" and row["noodprocedure_afgesloten_op"] == ""


def test_the_task_list_says_what_the_emergency_procedure_waits_for(step4, db, client):
    w = step4
    emergency = started(w, db)
    login(client, db, w.mm["lokaal1"])
    page = client.get("/taken").get_data(as_text=True)
    assert "Noodprocedure: 3 partners wachten op de score van uw organisatie." in page
    a = w.partners[0]
    for who, value in (("vdab1", 3), ("lokaal1", 2)):
        for partner in w.partners:
            emergency_ops.record_emergency_score(emergency, partner, CC,
                                                 value if partner is a else 3,
                                                 "Motivering cruciale bijdrage.",
                                                 actor=w.mm[who], now=w.clock.now)
            emergency_ops.record_emergency_score(emergency, partner, FFP, 3,
                                                 "Motivering fit for partnership.",
                                                 "Nam deel aan de werkgroepen.",
                                                 actor=w.mm[who], now=w.clock.now)
    db.session.commit()
    page = client.get("/taken").get_data(as_text=True)
    assert "wachten op de score" not in page
    assert "VDAB en het lokaal bestuur zijn het over 1 scores niet eens." in page
    emergency_ops.record_emergency_score(emergency, a, CC, 3, "Na overleg toch een 3.",
                                         actor=w.mm["lokaal1"], now=w.clock.now)
    db.session.commit()
    page = client.get("/taken").get_data(as_text=True)
    assert "alle scores staan vast; rangschik" in page
    login(client, db, w.mm["extern1"])  # the independent external has no such task
    assert "Noodprocedure" not in client.get("/taken").get_data(as_text=True)
