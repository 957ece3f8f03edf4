"""Issue 11: the administrator creates and edits work areas in the browser (name,
province, municipalities of the reference list, the local governments involved since
step 2, contact persons); every change is in the audit trail."""

from __future__ import annotations

import json

from sqlalchemy import select

from matching.accounts.rules import OrganisationKind
from matching.audit.models import AuditEvent
from tests.support import login, snapshot
from workareas.models import WorkArea, WorkAreaContact


def area_data(**kw):
    data = {"name": "Regio Meetjesland", "province": "Oost-Vlaanderen",
            "municipalities": ["44019", "43002"], "involved_governments": []}
    data.update(kw)
    return data


def test_the_administrator_creates_and_edits_a_work_area(world, db, client):
    ocmw = world.organisation("OCMW Eeklo", OrganisationKind.OCMW)
    db.session.commit()
    login(client, db, world.admin)
    page = client.get("/beheer/werkingsgebieden").get_data(as_text=True)
    assert "Regio Aalst" in page and "Tongeren-Borgloon" in page and 'value="73111"' in page
    assert 'href="/beheer/werkingsgebieden"' in page  # in the administrator's navigation
    r = client.post("/beheer/werkingsgebieden",
                    data=area_data(involved_governments=[str(ocmw.id), str(world.city.id)]))
    assert r.status_code == 302
    area = db.session.scalar(select(WorkArea).where(WorkArea.name == "Regio Meetjesland"))
    assert {(m.nis_code, m.name) for m in area.municipalities} == {("44019", "Evergem"),
                                                                   ("43002", "Assenede")}
    assert {o.name for o in area.involved_governments} == {"OCMW Eeklo", "Stad Aalst"}
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "work_area.create",
                                                         AuditEvent.object_id == area.id))
    assert created.actor_id == world.admin.id

    r = client.post(f"/beheer/werkingsgebieden/{area.id}",
                    data=area_data(name="Regio Meetjesland-Eeklo",
                                   municipalities=["44019", "43005"],
                                   involved_governments=[str(ocmw.id)]))
    assert r.status_code == 302
    db.session.expire_all()
    area = db.session.get(WorkArea, area.id)
    assert area.name == "Regio Meetjesland-Eeklo"
    assert {m.nis_code for m in area.municipalities} == {"44019", "43005"}
    assert [o.name for o in area.involved_governments] == ["OCMW Eeklo"]
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "work_area.update"))
    summary = json.loads(update.summary)
    assert summary["municipalities_added"] == ["43005"]
    assert summary["municipalities_removed"] == ["43002"]
    assert summary["governments_removed"] == [world.city.id]
    assert summary["name"] == "Regio Meetjesland-Eeklo"


def test_bad_work_areas_are_refused_next_to_the_field_and_change_nothing(world, db, client):
    company = world.organisation("Bedrijf nv", OrganisationKind.COMPANY)
    db.session.commit()
    login(client, db, world.admin)
    before = snapshot(db)
    for data, message in [
        (area_data(municipalities=[]), "Kies minstens één gemeente"),
        (area_data(municipalities=["99999"]), "Onbekende gemeente"),
        (area_data(province="Brussel"), "vijf Vlaamse provincies"),
        (area_data(name="Regio Aalst"), "Er bestaat al een werkingsgebied"),
        (area_data(name=""), "Geef het werkingsgebied een naam")]:
        r = client.post("/beheer/werkingsgebieden", data=data)
        assert r.status_code == 422 and message in r.get_data(as_text=True), message
    db.session.rollback()
    assert snapshot(db) == before
    # an organisation that is not a local government is not listed and not accepted
    r = client.post("/beheer/werkingsgebieden",
                    data=area_data(involved_governments=[str(company.id)]))
    assert r.status_code == 302  # ignored: only local governments are offered
    db.session.rollback()
    area = db.session.scalar(select(WorkArea).where(WorkArea.name == "Regio Meetjesland"))
    assert area.involved_governments == []


def test_contact_persons_are_added_and_removed_audited(world, db, client):
    login(client, db, world.admin)
    url = f"/beheer/werkingsgebieden/{world.area.id}"
    r = client.post(url + "/contactpersonen", data={"name": "An Peeters", "organisation":
                                                    "Stad Aalst", "email": "An@Aalst.be",
                                                    "phone": "053 00 00 00"})
    assert r.status_code == 302
    contact = db.session.scalar(select(WorkAreaContact))
    assert contact.email == "an@aalst.be" and contact.work_area_id == world.area.id
    page = client.get(url).get_data(as_text=True)
    assert "An Peeters" in page and 'autocomplete="email"' in page
    r = client.post(url + "/contactpersonen", data={"name": "X", "email": "geen adres"})
    assert r.status_code == 422 and "Geef een geldig e-mailadres" in r.get_data(as_text=True)
    assert client.post(f"{url}/contactpersonen/{contact.id}/verwijderen").status_code == 302
    assert db.session.scalar(select(WorkAreaContact)) is None
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.like("work_area.contact%"))).all()
    assert actions == ["work_area.contact_add", "work_area.contact_remove"]


def test_only_the_administrator_reaches_the_work_areas(world, db, client):
    db.session.commit()
    for user in (world.coordinator, world.mm["vdab1"]):
        login(client, db, user)
        before = snapshot(db)
        assert client.get("/beheer/werkingsgebieden").status_code == 404
        assert client.get(f"/beheer/werkingsgebieden/{world.area.id}").status_code == 404
        assert client.post("/beheer/werkingsgebieden", data=area_data()).status_code == 404
        assert client.post(f"/beheer/werkingsgebieden/{world.area.id}/contactpersonen",
                           data={"name": "X", "email": "x@x.be"}).status_code == 404
        db.session.rollback()
        assert snapshot(db) == before
