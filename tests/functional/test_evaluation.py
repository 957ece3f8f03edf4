"""Europa WSE's evaluation (issue 12, "data for evaluation"): the page with the totals, the
selection funnel and the timelines as SVG charts with tables beside them, the totals and
emergency exports, and the evaluation columns of the candidacy export."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from appeals import operations as appeal_ops
from appeals.rules import Position
from juries import operations as jury_ops
from juries import round_operations as round_ops
from juries.emergency.models import EmergencyOutcome, EmergencyProcedure, EmergencyState
from juries.models import Ballot
from matching.accounts import operations as account_ops
from matching.accounts.rules import OrganisationKind, Role
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.rules import Criterion
from matching.oversight.exports import COLUMNS, EMERGENCY_COLUMNS, FLANDERS, TOTALS_COLUMNS
from tests.support import QueryCounter, login, snapshot
from workareas import operations as area_ops


def evaluated_world(world, db):
    """Regio Aalst: A admitted to step 4; B not selected after round 1, its appeal reversed
    by the panel (so it pitches and is admitted too); C inadmissible; D withdrawn; and an
    emergency procedure concluded with A selected and B not."""
    world.published_procedure()
    a = world.apply("Jobkracht vzw", OrganisationKind.NONPROFIT)
    b = world.apply("Buurtwerk De Brug")
    c = world.apply("Te Laat vzw")
    d = world.apply("Weg vzw")
    a.organisation.seat_nis_code = "41002"  # Aalst
    candidacy_ops.withdraw_candidacy(d, "We trekken ons terug.",
                                     actor=world.applicant(d.organisation), now=world.clock.now)
    world.clock.now = world.procedure.candidacy_deadline + timedelta(minutes=1)
    candidacy_ops.close_candidacies(world.procedure, actor=world.coordinator,
                                    now=world.clock.now)
    candidacy_ops.declare_inadmissible(c, "De kandidatuur kwam onvolledig binnen.",
                                       actor=world.coordinator, now=world.clock.now)
    world.compose_jury()
    round_ops.start_round_1(world.procedure, actor=world.coordinator, now=world.clock.now)
    world.decide(a, 1, (3, 4))
    world.decide(b, 1, (2, 3))
    world.close_round(1)
    world.received(b, 1)
    appeal = world.appeal(b)
    appeal_ops.assign_panel(appeal, world.panel[:2], actor=world.coordinator,
                            now=world.clock.now)
    for member in world.panel[:2]:
        appeal_ops.record_position(appeal, Position.REVERSE,
                                   "De referentielijst werd inderdaad niet meegenomen.",
                                   actor=member, now=world.clock.now)
    world.pitch(a)
    world.pitch(b)
    world.received(a, 1)
    world.decide(a, 2, (4, 3))
    world.decide(b, 2, (3, 3))
    world.close_round(2)
    emergency = EmergencyProcedure(procedure_id=world.procedure.id,
                                   state=EmergencyState.CONCLUDED,
                                   motivation="De partners raken het niet eens over de rollen.",
                                   started_at=world.clock.now, started_by_id=world.mm["vdab1"].id,
                                   concluded_at=world.clock.now)
    db.session.add(emergency)
    db.session.flush()
    db.session.add_all([
        EmergencyOutcome(emergency_id=emergency.id, candidacy_id=a.id, crucial_contribution=4,
                         fit_for_partnership=3, selected=True, rank=1),
        EmergencyOutcome(emergency_id=emergency.id, candidacy_id=b.id, crucial_contribution=2,
                         fit_for_partnership=3, selected=False, rank=None)])
    db.session.commit()
    return a, b, c, d, appeal


def read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_page_shows_totals_funnel_and_timeline_with_tables(world, db, client):
    evaluated_world(world, db)
    login(client, db, world.observer())
    before = snapshot(db)
    r = client.get("/observatie/evaluatie")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    totals = re.search(r'<caption id="totals-caption">.*?</table>', page, re.S).group(0)
    area_row = re.search(r"<tr>\s*<th scope=\"row\">Regio Aalst</th>(.*?)</tr>", totals,
                         re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", area_row, re.S)
    # procedures, candidacies, selected r1, selected r2, appeals, reversals, inadmissible,
    # withdrawn, median days, emergencies (concluded), selected in an emergency
    assert cells[:8] == ["1", "4", "1", "2", "1", "1", "1", "1"]
    assert cells[9] == "1 (1)" and cells[10] == "1 van 2 partners"
    assert "Vlaanderen (alle werkingsgebieden)" in totals
    # the funnel: an SVG with a title, a description and text labels, and its table
    svg = re.search(r"<svg role=\"img\" aria-labelledby=\"funnel-title-1 funnel-desc-1\""
                    r".*?</svg>", page, re.S).group(0)
    assert "<title id=\"funnel-title-1\">Selectietrechter van Regio Aalst</title>" in svg
    assert ("Kandidaturen: 4; Ontvankelijk: 3; Geselecteerd na ronde 1: 1; "
            "Geselecteerd na ronde 2: 2; Na weerwoord (toegelaten tot stap 4): 2; "
            "Bekrachtigd: 0") in svg
    assert "<text" in svg and ">Ontvankelijk</text>" in svg
    assert re.search(r"<th scope=\"row\">Ontvankelijk</th><td>3</td>", page)
    # the timeline: human-readable Brussels dates, never ISO, with its table
    timeline = re.search(r"<svg role=\"img\" aria-labelledby=\"timeline-title-1 "
                         r"timeline-desc-1\".*?</svg>", page, re.S).group(0)
    assert "Publicatie: 6 januari 2025 (dag 0)" in timeline
    assert "Bekrachtiging: nog niet" in timeline
    assert re.search(r"<th scope=\"row\">Uiterste indiendatum</th>\s*"
                     r"<td>24 februari 2025 om 10:00</td>\s*<td>49</td>", page)
    assert not re.search(r"\d{4}-\d\d-\d\dT", page) and "+00:00" not in page
    # wide tables scroll in a labelled, focusable region; no script on the page
    assert page.count('class="table-scroll" role="region"') == 3
    assert "<script" not in page
    db.session.rollback()
    assert snapshot(db) == before


def test_the_page_in_english(world, db, client):
    evaluated_world(world, db)
    login(client, db, world.observer())
    client.post("/taal", data={"lang": "en", "next": "/observatie/evaluatie"})
    page = client.get("/observatie/evaluatie").get_data(as_text=True)
    for english in ("Selection funnel per work area", "Selected after round 1",
                    "Flanders (all work areas)", "Timeline per procedure",
                    "Publication: 6 January 2025 (day 0)"):
        assert english in page, english


def test_observers_and_administrators_only(world, db, client):
    a, *_ = evaluated_world(world, db)
    urls = ("/observatie/evaluatie", "/observatie/evaluatie/totalen.csv",
            "/observatie/evaluatie/noodprocedures.csv")
    for url in urls:
        assert client.get(url).status_code == 302  # anonymous: the login page
    for user in (world.coordinator, world.mm["vdab1"], world.applicant(a.organisation),
                 world.panel[0]):
        login(client, db, user)
        for url in urls:
            assert client.get(url).status_code == 404, (user.email, url)
    for user in (world.observer(), world.admin):
        login(client, db, user)
        for url in urls:
            assert client.get(url).status_code == 200, (user.email, url)


def test_linked_from_the_observer_overview_and_task_list(world, db, client):
    world.published_procedure()
    db.session.commit()
    login(client, db, world.observer())
    assert "/observatie/evaluatie" in client.get("/observatie").get_data(as_text=True)
    assert "/observatie/evaluatie" in client.get("/taken").get_data(as_text=True)
    login(client, db, world.coordinator)
    assert "/observatie/evaluatie" not in client.get("/taken").get_data(as_text=True)


def test_the_totals_export(world, db, client):
    evaluated_world(world, db)
    login(client, db, world.admin)
    r = client.get("/observatie/evaluatie/totalen.csv")
    assert r.mimetype == "text/csv"
    assert 'filename="evaluatie-totalen.csv"' in r.headers["Content-Disposition"]
    rows = read_csv(r.data)
    assert list(rows[0]) == list(TOTALS_COLUMNS)
    assert [row["werkingsgebied"] for row in rows] == ["Regio Aalst", FLANDERS]
    area, flanders = rows
    assert {k: area[k] for k in ("kandidaturen", "ontvankelijk", "geselecteerd_ronde_1",
                                 "geselecteerd_ronde_2", "toegelaten_tot_stap_4",
                                 "weerwoorden", "omgekeerd_na_weerwoord", "onontvankelijk",
                                 "ingetrokken", "noodprocedures", "noodprocedure_partners",
                                 "noodprocedure_geselecteerd")} == {
        "kandidaturen": "4", "ontvankelijk": "3", "geselecteerd_ronde_1": "1",
        "geselecteerd_ronde_2": "2", "toegelaten_tot_stap_4": "2", "weerwoorden": "1",
        "omgekeerd_na_weerwoord": "1", "onontvankelijk": "1", "ingetrokken": "1",
        "noodprocedures": "1", "noodprocedure_partners": "2",
        "noodprocedure_geselecteerd": "1"}
    assert int(area["dagen_publicatie_tot_beslissing_mediaan"]) >= 49
    assert {k: v for k, v in flanders.items() if k != "werkingsgebied"} == \
        {k: v for k, v in area.items() if k != "werkingsgebied"}


def test_the_emergency_export(world, db, client):
    a, b, *_ = evaluated_world(world, db)
    login(client, db, world.observer())
    r = client.get("/observatie/evaluatie/noodprocedures.csv")
    rows = read_csv(r.data)
    assert list(rows[0]) == list(EMERGENCY_COLUMNS)
    assert [(row["kandidatuur"], row["organisatie"], row["score_cruciale_bijdrage"],
             row["geselecteerd"], row["rang"]) for row in rows] == [
        (a.reference, "Jobkracht vzw", "4", "ja", "1"),
        (b.reference, "Buurtwerk De Brug", "2", "nee", "")]
    assert rows[0]["gestart_op"] and rows[0]["werkingsgebied"] == "Regio Aalst"


def test_no_emergency_procedure_still_gives_a_header(world, db, client):
    world.published_procedure()
    db.session.commit()
    login(client, db, world.observer())
    data = client.get("/observatie/evaluatie/noodprocedures.csv").data.decode("utf-8-sig")
    assert data.strip() == ",".join(EMERGENCY_COLUMNS)


def test_the_candidacy_export_carries_the_evaluation_columns(world, db, client):
    a, b, c, d, appeal = evaluated_world(world, db)
    login(client, db, world.observer())
    rows = read_csv(client.get(f"/observatie/procedures/{world.procedure.id}/export.csv").data)
    assert list(rows[0]) == list(COLUMNS)
    by_key = {(row["kandidatuur"], row["ronde"]): row for row in rows}
    a1 = by_key[(a.reference, "1")]
    assert a1["organisatie_soort"] == "Vzw of andere organisatie zonder winstoogmerk"
    assert a1["organisatie_gemeente"] == "Aalst"
    assert a1["regio_uitdagingen"] == "RU1 Bereik van kwetsbare jongeren"
    for column in ("ingediend_op", "beslist_ronde_1_op", "beslissing_ronde_1_ontvangen_op",
                   "pitch_gehouden_op", "beslist_ronde_2_op"):
        assert re.fullmatch(r"\d\d-\d\d-\d{4} \d\d:\d\d", a1[column]), column
    assert a1["bekrachtigd_op"] == "" and a1["ingetrokken_op"] == ""
    assert a1["jury_cruciale_bijdrage"] == \
        "consensus: VDAB (2), lokaal bestuur (1), onafhankelijke externe (1)"
    b1 = by_key[(b.reference, "1")]
    assert b1["weerwoord_gronden"] == appeal.grounds
    assert b1["weerwoord_uitkomst"] == "omgekeerd" and b1["weerwoord_beslist_op"]
    assert b1["weerwoord_panel"] == ("lid 1: De niet-selectie omkeren; "
                                     "lid 2: De niet-selectie omkeren")
    assert b1["organisatie_gemeente"] == ""  # no seat recorded
    assert by_key[(c.reference, "")]["onontvankelijk_verklaard_op"]
    assert by_key[(d.reference, "")]["ingetrokken_op"]
    assert by_key[(b.reference, "2")]["weerwoord"] == ""  # the appeal was about round 1


def test_a_ballot_shows_each_blocs_vote(world, db, client):
    world.published_procedure()
    a = world.apply("Jobkracht vzw")
    world.start_round_1()
    world.consensus(a, 1, Criterion.CRUCIAL_CONTRIBUTION, 3)
    ffp = Criterion.FIT_FOR_PARTNERSHIP
    for user in world.eligible(a):
        jury_ops.record_assessment(a, 1, ffp, 3, ["ok"] * 4, actor=user, now=world.clock.now)
    ballot = jury_ops.open_ballot(a, 1, ffp, actor=world.mm["vdab1"], now=world.clock.now)
    for name, score in (("vdab1", 3), ("lokaal1", 3), ("extern1", 2)):
        jury_ops.cast_vote(ballot, score, actor=world.mm[name], now=world.clock.now)
    jury_ops.close_ballot(ballot, "De meerderheid vindt de fit voldoende aangetoond.",
                          actor=world.mm["vdab1"], now=world.clock.now)
    db.session.commit()
    assert db.session.scalar(select(Ballot.outcome_score)) == 3
    login(client, db, world.observer())
    rows = read_csv(client.get("/observatie/export.csv").data)
    assert rows[0]["jury_fit_for_partnership"] == \
        "stemming: VDAB 3, lokaal bestuur 3, onafhankelijke externe 2"


# --- query count ----------------------------------------------------------------------------

def add_procedures(world, db, n: int) -> None:
    """``n`` more work areas, each with a published procedure and one decided candidacy."""
    towns = ["Hasselt", "Genk", "Lommel", "Tongeren", "Maasmechelen", "Beringen", "Bree"]
    for i in range(n):
        world.area = area_ops.create_work_area(f"Regio {towns[i]}", "Limburg", [towns[i]], [],
                                               actor=world.admin, now=world.clock.now)
        db.session.flush()
        account_ops.grant_role(world.coordinator, Role.COORDINATOR, actor=world.admin,
                               now=world.clock.now, work_area_id=world.area.id)
        world.extra.append(world.area)
        world.published_procedure()
        world.apply(f"Organisatie {len(world.extra)}")
    db.session.commit()


def test_the_page_issues_the_same_number_of_statements_for_few_and_many(world, db, client):
    evaluated_world(world, db)
    world.extra = []
    login(client, db, world.observer())

    def count() -> int:
        with QueryCounter(db) as counter:
            r = client.get("/observatie/evaluatie")
            assert r.status_code == 200
        return counter.count

    few = count()
    add_procedures(world, db, 6)
    many = count()
    assert many == few
    assert client.get("/observatie/evaluatie").get_data(as_text=True).count(
        'aria-labelledby="timeline-title-') == 7


def test_an_inadmissibility_appeal_keeps_its_row_after_the_candidacy_was_decided(world, db):
    """Reversed on appeal, an inadmissible candidacy is decided in round 1 after all: the
    export still shows the appeal (round 0) on a row of its own (direct rows: only the
    export's reading matters here)."""
    from appeals.models import Appeal, PanelMember
    from appeals.rules import AppealState
    from juries.models import JuryDecision
    from juries.rules import Method
    from matching.oversight.exports import export_rows

    world.published_procedure()
    c = world.apply("Herkansing vzw")
    now = world.clock.now
    appeal = Appeal(candidacy_id=c.id, round=0, state=AppealState.REVERSED,
                    grounds="Ons formulier was wel volledig, zie de bijlage.", filed_at=now,
                    filed_by_id=world.applicant(c.organisation).id, decided_at=now)
    db.session.add(appeal)
    db.session.flush()
    db.session.add_all([PanelMember(appeal_id=appeal.id, user_id=p.id, position=Position.REVERSE,
                                    motivation="De bijlage was er wel.", decided_at=now)
                        for p in world.panel[:2]])
    for criterion in Criterion:
        db.session.add(JuryDecision(candidacy_id=c.id, round=1, criterion=criterion, score=3,
                                    motivation="Voldoende onderbouwd.", method=Method.CONSENSUS,
                                    decided_by_id=world.mm["vdab1"].id, decided_at=now,
                                    jury_blocs="EXTERN,LOKAAL_BESTUUR,VDAB"))
    db.session.commit()
    rows = list(export_rows([world.procedure.id], False))
    assert [row["ronde"] for row in rows] == [None, 1]
    assert rows[0]["weerwoord_uitkomst"] == "omgekeerd"
    assert rows[0]["weerwoord_gronden"] == appeal.grounds
    assert rows[0]["weerwoord_panel"].count("De niet-selectie omkeren") == 2
    assert rows[1]["weerwoord"] == "" and rows[1]["geselecteerd"] == "ja"
