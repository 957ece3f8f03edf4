"""Issue 13 in the browser: correcting a submitted candidacy, the versions page; issue 12:
the candidacy page says the addendum changed after the submission."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from matching.candidacies.models import Candidacy
from tests.functional.test_applicant import form_data
from tests.support import login
from workareas import operations as area_ops


@pytest.fixture
def submitted(world, db, client, pages_at_world_time):
    world.published_procedure()
    c = world.apply("Buurtwerk De Brug")
    db.session.commit()
    login(client, db, world.applicant(c.organisation))
    return c


def test_a_correction_is_opened_edited_and_submitted_again_as_version_2(world, db, client,
                                                                         submitted):
    c = submitted
    page = client.get(f"/kandidaturen/{c.id}").get_data(as_text=True)
    assert "Kandidatuur corrigeren" in page and "Versie 1" in page
    assert client.post(f"/kandidaturen/{c.id}", data=form_data()).status_code == 409
    assert client.post(f"/kandidaturen/{c.id}/corrigeren").status_code == 302
    page = client.get(f"/kandidaturen/{c.id}").get_data(as_text=True)
    assert "U corrigeert uw kandidatuur" in page and "Opnieuw indienen" in page
    data = form_data(action="submit")
    data["contribution_RU1"] = "Een gecorrigeerde bijdrage: outreach en trajectbegeleiding."
    confirm = client.post(f"/kandidaturen/{c.id}", data=data)
    assert confirm.status_code == 200
    assert "Bevestigen: opnieuw indienen" in confirm.get_data(as_text=True)
    assert client.post(f"/kandidaturen/{c.id}",
                       data={"action": "submit", "bevestigd": "1"}).status_code == 302
    db.session.expire_all()
    c = db.session.get(Candidacy, c.id)
    assert [v.number for v in c.versions] == [1, 2] and c.correction_opened_at is None
    earlier = client.get(f"/kandidaturen/{c.id}/versies/1").get_data(as_text=True)
    assert "Dit is een eerdere versie" in earlier
    assert "Wij bieden outreach via onze jeugdwerkers." in earlier
    latest = client.get(f"/kandidaturen/{c.id}/versies/2").get_data(as_text=True)
    assert "Een gecorrigeerde bijdrage" in latest and "laatst ingediende versie" in latest
    assert client.get(f"/kandidaturen/{c.id}/versies/3").status_code == 404


def test_after_the_deadline_no_correction_is_offered_nor_accepted(world, db, client, submitted):
    c = submitted
    world.clock.now = c.procedure.candidacy_deadline + timedelta(seconds=1)
    page = client.get(f"/kandidaturen/{c.id}").get_data(as_text=True)
    assert "Kandidatuur corrigeren" not in page
    client.post(f"/kandidaturen/{c.id}/corrigeren")
    db.session.expire_all()
    assert db.session.get(Candidacy, c.id).correction_opened_at is None
    assert "verstreken" in client.get(f"/kandidaturen/{c.id}").get_data(as_text=True)


def test_a_lapsed_correction_says_the_last_submitted_version_stands(world, db, client,
                                                                    submitted):
    c = submitted
    client.post(f"/kandidaturen/{c.id}/corrigeren")
    data = form_data()
    data["contribution_RU1"] = "Een wijziging die nooit opnieuw werd ingediend, helaas."
    client.post(f"/kandidaturen/{c.id}", data=data)
    world.clock.now = c.procedure.candidacy_deadline + timedelta(seconds=1)
    page = client.get(f"/kandidaturen/{c.id}").get_data(as_text=True)
    assert "niet opnieuw ingediend vóór de deadline" in page
    assert "Wij bieden outreach via onze jeugdwerkers." in page
    assert "nooit opnieuw werd ingediend" not in page
    tasks = client.get("/taken").get_data(as_text=True)
    assert "werd niet opnieuw ingediend vóór de deadline" in tasks


def test_another_organisation_sees_no_version_and_cannot_correct(world, db, client, submitted):
    c = submitted
    other = world.organisation("Jobkracht vzw")
    db.session.commit()
    login(client, db, world.applicant(other))
    db.session.commit()
    assert client.get(f"/kandidaturen/{c.id}/versies/1").status_code == 404
    assert client.post(f"/kandidaturen/{c.id}/corrigeren").status_code == 404
    db.session.expire_all()
    assert db.session.get(Candidacy, c.id).correction_opened_at is None


def test_a_substantive_addendum_version_is_shown_on_the_candidacy(world, db, client, submitted):
    c = submitted
    p = c.procedure
    content = area_ops.version_content(p.current_version)
    content["challenges"].append({"code": "RU9", "title": "Digitale kloof",
                                  "target_groups": "Ouderen", "obstacles": "Geen toestel",
                                  "opportunities": "Bibliotheken", "objectives": "Toegang"})
    content["candidacy_deadline"] = world.clock.now + timedelta(weeks=7)
    area_ops.publish_new_version(p, content, "Regio-uitdaging digitale kloof toegevoegd",
                                 actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    page = client.get(f"/kandidaturen/{c.id}").get_data(as_text=True)
    assert "nieuwe of gewijzigde lokale noden of regio-uitdagingen" in page
    assert "antwoordt op versie 1 van het addendum" in page
    tasks = client.get("/taken").get_data(as_text=True)
    assert "Buurtwerk De Brug" in tasks and "aanpassen" in tasks
    assert db.session.scalar(select(Candidacy.id)) == c.id
