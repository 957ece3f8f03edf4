"""Europa WSE's read-only pages: the overview, one procedure's full record, and no writes."""

import re

from juries.models import Assessment
from matching.candidacies.rules import Criterion
from tests.support import login, snapshot, statements_for
from workareas.models import Procedure, WorkArea
from workareas.rules import ProcedureState


def round_1_closed(world):
    """Jobkracht selected for the pitch, Werkwinkel not (its letter received)."""
    c1, c2 = world.in_round_1("Jobkracht vzw", "Werkwinkel vzw")
    world.round_1_closed(c1, c2)
    return c1, c2


def decided_world(world, db):
    """As :func:`round_1_closed`, and Werkwinkel filed an appeal (committed)."""
    c1, c2 = round_1_closed(world)
    world.appeal(c2)
    db.session.commit()
    return c1, c2


def test_the_overview_shows_areas_procedures_counts_and_open_appeals(world, db, client):
    decided_world(world, db)
    login(client, db, world.observer())
    r = client.get("/observatie")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "Regio Aalst" in page and "Matching 2025" in page
    assert "geselecteerd voor de pitch: 1" in page and "niet geselecteerd na ronde 1: 1" in page
    # the appeal Werkwinkel filed is open: the column of open appeals counts it
    assert re.search(r"niet geselecteerd na ronde 1: 1</li></ul></td>\s*<td>1</td>", page)
    assert "Observatie" in page and "<form method=\"post\" action=\"/observatie" not in page


def test_the_procedure_record_shows_everything(world, db, client):
    c1, c2 = decided_world(world, db)
    login(client, db, world.observer())
    page = client.get(f"/observatie/procedures/{world.procedure.id}").get_data(as_text=True)
    for expected in ("Versie 1", "Toeleiding naar werk", "Vdab1", "Jobkracht vzw",
                     "Motivering voor score 3 op crucial_contribution.", "consensus",
                     "De bijlage met onze referenties", "beslissing ronde 1: niet geselecteerd",
                     "SHA-256", "ingediend", "niet geselecteerd na ronde 1", "Coord",
                     "individuele score gegeven"):
        assert expected in page, expected
    # issue 16: states, actions and letter kinds in words, never their codes or JSON
    for code in ("round1_not_selected", "not_selected_r1", "assessment.record", '{"'):
        assert code not in page, code
    # nothing on the observer's pages changes anything: no forms but logout and language
    assert page.count("<form") == 2
    assert client.get("/observatie/procedures/99999").status_code == 404


def test_only_observers_see_the_pages(world, db, client):
    world.published_procedure()
    db.session.commit()
    assert client.get("/observatie").status_code == 302
    login(client, db, world.mm["vdab1"])
    assert client.get("/observatie").status_code == 404
    assert client.get(f"/observatie/procedures/{world.procedure.id}").status_code == 404


def test_an_observer_cannot_score_vote_or_decide(world, db, client):
    (c,) = world.in_round_1("Jobkracht vzw")
    login(client, db, world.observer())
    before = snapshot(db)
    base = f"/jury/kandidaturen/{c.id}/ronde/1"
    cc = Criterion.CRUCIAL_CONTRIBUTION.value
    assert client.get(base).status_code == 404
    assert client.post(f"{base}/score/{cc}", data={f"a-{cc}-score": 3}).status_code == 404
    assert client.post(f"{base}/consensus/{cc}",
                       data={f"c-{cc}-score": 3, f"c-{cc}-motivation": "Tien tekens of meer."}
                       ).status_code == 404
    assert client.post(f"{base}/stemming/{cc}").status_code == 404
    assert client.post(f"/jury/kandidaturen/{c.id}/conflict",
                       data={"reason": "geen"}).status_code == 404
    assert client.post("/beheer/organisaties", data={}).status_code == 404
    assert client.post("/weerwoorden/1", data={}).status_code == 404
    db.session.rollback()
    assert snapshot(db) == before and world.count(Assessment) == 0


def make_procedures(db, numbers: range, now):
    """A draft procedure in a new work area "Gebied i" for each ``i`` in ``numbers``."""
    areas = [WorkArea(name=f"Gebied {i:04d}", province="Limburg") for i in numbers]
    db.session.add_all(areas)
    db.session.flush()
    db.session.add_all([Procedure(work_area_id=a.id, sequence=1, title=f"Procedure {i}",
                                  state=ProcedureState.DRAFT, created_at=now)
                        for i, a in zip(numbers, areas, strict=True)])
    db.session.commit()


def count_overview(client, db):
    client.get("/observatie")  # the audit trail is verified once per new chain head
    return statements_for(client, db, "/observatie")[0]


def test_the_overview_issues_the_same_number_of_statements_for_5_and_200(world, db, client):
    decided_world(world, db)
    login(client, db, world.observer())
    make_procedures(db, range(4), world.clock.now)  # 5 procedures in all
    small = count_overview(client, db)
    make_procedures(db, range(4, 199), world.clock.now)
    assert db.session.query(Procedure).count() == 200
    assert count_overview(client, db) == small


def test_the_audit_trail_speaks_words_in_brussels_time(world, db, client):
    """Issue 13: actions as words, details as sentences, no JSON or codes."""
    from juries import round_operations as round_ops  # noqa: F401
    world.in_round_1("Jobkracht vzw")
    login(client, db, world.observer())
    page = client.get(f"/observatie/procedures/{world.procedure.id}/audit").get_data(
        as_text=True)
    assert "ronde 1 gestart" in page and "kandidatuur ingediend" in page
    assert "van kandidaturen afgesloten naar ronde 1 (beoordeling op papier)" in page
    assert "procedure.start_round_1" not in page and '{"' not in page and "&#34;" not in page
    assert "Wanneer (Brusselse tijd)" in page


def test_the_overview_counts_again_what_an_operation_changed(world, db, client):
    """Issue 17: the candidacies per state and the open appeals are kept per procedure while
    its audit mark stays; an operation moves the mark, so the next view counts again."""
    _, c2 = round_1_closed(world)
    login(client, db, world.observer())
    page = client.get("/observatie").get_data(as_text=True)
    assert re.search(r"niet geselecteerd na ronde 1: 1</li></ul></td>\s*<td>0</td>", page)
    world.appeal(c2)
    db.session.commit()
    page = client.get("/observatie").get_data(as_text=True)
    assert re.search(r"niet geselecteerd na ronde 1: 1</li></ul></td>\s*<td>1</td>", page)


def test_a_change_outside_the_operations_shows_after_the_ttl(world, db, client, monkeypatch):
    from matching.candidacies.models import Candidacy
    from matching.candidacies.rules import CandidacyState
    from matching.oversight import queries

    c1, _ = decided_world(world, db)
    login(client, db, world.observer())
    assert "geselecteerd voor de pitch: 1" in client.get("/observatie").get_data(as_text=True)
    # no operation, so no audit event: as a change made directly in the database
    db.session.get(Candidacy, c1.id).state = CandidacyState.NOT_SELECTED_R1
    db.session.commit()
    page = client.get("/observatie").get_data(as_text=True)
    assert "geselecteerd voor de pitch: 1" in page and "ronde 1: 2" not in page  # kept
    monkeypatch.setattr(queries, "FIGURES_TTL", 0.0)
    page = client.get("/observatie").get_data(as_text=True)
    assert "geselecteerd voor de pitch: 1" not in page and "ronde 1: 2" in page
