"""The public pages: the list of published addenda, its Atom feed, one addendum."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from tests.support import ADDENDUM, T0, QueryCounter, addendum_as_objects
from workareas import operations as area_ops
from workareas.models import AddendumVersion, Municipality, Procedure, WorkArea
from workareas.rules import ProcedureState

ATOM = "{http://www.w3.org/2005/Atom}"


def add_published(db, n: int, start: int = 0) -> None:
    rows = []
    for i in range(start, start + n):
        area = WorkArea(name=f"Gebied {i}", province="Limburg",
                        municipalities=[Municipality(name=f"Gemeente {i}a"),
                                        Municipality(name=f"Gemeente {i}b")])
        rows.append(Procedure(
            work_area=area, sequence=1, title=f"Matching {i}", state=ProcedureState.PUBLISHED,
            created_at=T0, published_at=T0,
            versions=[AddendumVersion(number=1, created_at=T0, published_at=T0,
                                      candidacy_deadline=T0 + timedelta(weeks=7))]))
    db.session.add_all(rows)
    db.session.commit()


def test_the_list_shows_published_addenda_and_hides_drafts(world, db, client):
    world.published_procedure()
    # a complete draft addendum in another work area: not published, so not public
    coordinator2, area2 = world.other_coordinator()
    draft = area_ops.create_procedure(area2, "Matching Gent", actor=coordinator2,
                                      now=world.clock.now)
    area_ops.edit_draft_addendum(draft, dict(ADDENDUM, candidacy_deadline=world.deadline(weeks=7),
                                             delimitation="Het werkingsgebied Gent-Centrum."),
                                 actor=coordinator2, now=world.clock.now)
    # and a work area without any procedure yet
    area_ops.create_work_area("Regio Brugge", "West-Vlaanderen", ["Brugge"], [],
                              actor=world.admin, now=world.clock.now)
    db.session.commit()
    assert draft.state == ProcedureState.DRAFT
    html = client.get("/addenda").get_data(as_text=True)
    assert "Regio Aalst" in html and "Erpe-Mere" in html and "kandidaturen open" in html
    for hidden in ("Regio Gent", "Matching Gent", "Gent-Centrum", "Regio Brugge"):
        assert hidden not in html, hidden
    assert f"/addenda/{draft.id}" not in html
    assert "<caption>" in html and 'scope="col"' in html
    # nor does the feed announce it
    feed = client.get("/addenda/feed.atom").get_data(as_text=True)
    assert "Regio Aalst" in feed and "Regio Gent" not in feed and "Matching Gent" not in feed


def test_a_draft_procedure_answers_404(world, db, client):
    draft = world.draft_procedure()
    db.session.commit()
    assert client.get(f"/addenda/{draft.id}").status_code == 404
    assert client.get("/addenda/999999").status_code == 404


def test_the_addendum_page_and_its_versions(world, db, client):
    p = world.published_procedure()
    world.clock.advance(days=1)
    content = area_ops.version_content(p.current_version)
    content["challenges"][0]["objectives"] = "Dubbel zoveel jongeren in begeleiding"
    area_ops.publish_new_version(p, content, "Doelstelling RU1 verduidelijkt.",
                                 actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    html = client.get(f"/addenda/{p.id}").get_data(as_text=True)
    for text in ("Toeleiding naar werk", "Uit de persona-analyse", "NEET-jongeren",
                 "Wantrouwen tegenover diensten", "Jeugdwerkingen", "Dubbel zoveel jongeren",
                 "Stadhuis Aalst", "an@example.be", "Doelstelling RU1 verduidelijkt.",
                 "Lede"):
        assert text in html, text
    old = client.get(f"/addenda/{p.id}?versie=1").get_data(as_text=True)
    assert "Meer jongeren in begeleiding" in old and "oudere versie" in old
    assert client.get(f"/addenda/{p.id}?versie=7").status_code == 404
    for number in (None, 1, 2):  # issue 17: read as columns, what the objects gave
        served, from_objects = addendum_as_objects(client, p.id, number)
        assert served == from_objects, number


def test_the_atom_feed_lists_every_published_version_newest_first(world, db, client):
    p = world.published_procedure()
    world.clock.advance(days=2)
    area_ops.publish_new_version(p, area_ops.version_content(p.current_version),
                                 "Contactpersoon toegevoegd.", actor=world.coordinator,
                                 now=world.clock.now)
    db.session.commit()
    response = client.get("/addenda/feed.atom")
    assert response.status_code == 200
    assert response.content_type.startswith("application/atom+xml")
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text and root.find(f"{ATOM}updated").text
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        for tag in ("id", "updated", "title"):
            assert entry.find(f"{ATOM}{tag}").text
        assert entry.find(f"{ATOM}link").get("href")
    assert "versie=2" in entries[0].find(f"{ATOM}id").text
    assert "Contactpersoon toegevoegd." in entries[0].find(f"{ATOM}summary").text


def test_the_list_issues_as_many_queries_for_5_as_for_200_addenda(db, client):
    add_published(db, 5)
    with QueryCounter(db) as five:
        assert client.get("/addenda").status_code == 200
    add_published(db, 195, start=5)
    with QueryCounter(db) as two_hundred:
        html = client.get("/addenda").get_data(as_text=True)
    assert "Gebied 199" in html
    assert five.count == two_hundred.count
    with QueryCounter(db) as feed_five:
        client.get("/addenda/feed.atom")
    assert feed_five.count <= 2
