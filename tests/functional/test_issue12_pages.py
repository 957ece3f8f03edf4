"""Issue 12 in the browser (test client): the appeal form with the submitted attachments and a
clarifying document, the coordinator's registration of an appeal received by e-mail or post,
and the panel and the observer reading the whole record (attachments, letters)."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import AppealChannel
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Letter
from matching.core.dates import BRUSSELS
from tests.helpers import sample_pdf
from tests.support import ALL_DECLARED, ANSWERS, login


def rejected_with_attachment(world, db, app):
    w = world
    p = w.published_procedure()
    org = w.organisation("De Brug vzw")
    owner = w.applicant(org)
    mine = candidacy_ops.start_candidacy(p, org, actor=owner, now=w.clock.now)
    attachment = candidacy_ops.add_attachment(mine, "referenties.pdf", sample_pdf(),
                                              actor=owner, now=w.clock.now)
    candidacy_ops.save_candidacy(mine, actor=owner, now=w.clock.now,
                                 contributions={"RU1": "Wij bieden outreach via jeugdwerkers."},
                                 answers=ANSWERS, partnership_fit="Wij werken al jaren samen.",
                                 declarations=ALL_DECLARED)
    candidacy_ops.submit_candidacy(mine, actor=owner, now=w.clock.now)
    w.start_round_1()
    w.decide(mine, 1, (2, 3))
    w.close_round(1)
    db.session.commit()
    return mine, owner, attachment


def test_the_applicant_appeals_on_an_attachment_with_a_clarifying_document(
        world, db, client, app, pages_at_world_time):
    mine, owner, attachment = rejected_with_attachment(world, db, app)
    world.received(mine, 1, world.clock.now)
    db.session.commit()
    login(client, db, owner)
    page = client.get(f"/kandidaturen/{mine.id}/weerwoord").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "referenties.pdf" in page
    r = client.post(f"/kandidaturen/{mine.id}/weerwoord", data={
        "grounds": "De referentielijst werd niet meegenomen bij de beoordeling.",
        "referenced_documents": "", "attachment_ids": [str(attachment.id)],
        "document": (io.BytesIO(sample_pdf("Toelichting")), "toelichting.pdf")},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    appeal = db.session.scalar(select(Appeal))
    assert appeal.references[0].attachment_id == attachment.id
    assert appeal.document.filename == "toelichting.pdf"
    r = client.get(f"/weerwoorden/documenten/{appeal.document.id}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")


def test_the_coordinator_registers_an_appeal_received_by_e_mail(world, db, client, app,
                                                                pages_at_world_time):
    mine, _owner, _attachment = rejected_with_attachment(world, db, app)
    world.received(mine, 1, world.clock.now)
    db.session.commit()
    login(client, db, world.coordinator)
    url = f"/coordinatie/procedures/{mine.procedure_id}/weerwoorden"
    page = client.get(url).get_data(as_text=True)
    assert "per e-mail of per post binnenkwam" in page and "De Brug vzw" in page
    arrived = (world.clock.now.astimezone(BRUSSELS) + timedelta(days=2)).replace(second=0,
                                                                                  microsecond=0)
    world.clock.now = arrived + timedelta(days=1)  # registered the day after it arrived
    r = client.post(url + "/registreren", data={
        "register-candidacy_id": str(mine.id), "register-channel": "email",
        "register-received_at": arrived.strftime("%Y-%m-%dT%H:%M"),
        "register-grounds": "De referentielijst werd niet meegenomen bij de beoordeling.",
        "register-referenced_documents": "Bijlage: referenties.pdf"},
        content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    appeal = db.session.scalar(select(Appeal))
    assert appeal.channel == AppealChannel.EMAIL
    assert appeal.filed_at == arrived and appeal.registered_at == world.clock.now
    page = client.get(url).get_data(as_text=True)
    assert "per e-mail, geregistreerd door de coördinator" in page


def test_a_registration_without_a_moment_lists_every_problem(world, db, client, app):
    mine, _owner, _attachment = rejected_with_attachment(world, db, app)
    world.received(mine, 1, world.clock.now)
    db.session.commit()
    login(client, db, world.coordinator)
    url = f"/coordinatie/procedures/{mine.procedure_id}/weerwoorden"
    r = client.post(url + "/registreren", data={"register-candidacy_id": str(mine.id)})
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "error-summary" in page
    assert "Geef het moment waarop het weerwoord binnenkwam." in page
    assert "Kies: per e-mail of per post." in page
    assert db.session.scalar(select(Appeal)) is None


def test_the_panel_and_the_observer_read_attachments_scores_and_letters(world, db, client, app):
    mine, _owner, attachment = rejected_with_attachment(world, db, app)
    world.received(mine, 1, world.clock.now)
    appeal = world.appeal(mine)
    appeal_ops.assign_panel(appeal, world.panel[:2], actor=world.coordinator,
                            now=world.clock.now)
    observer = world.observer()
    db.session.commit()
    decision = db.session.scalar(select(Letter).where(
        Letter.candidacy_id == mine.id, Letter.kind == "round1_not_selected"))
    login(client, db, world.panel[0])
    page = client.get(f"/weerwoorden/{appeal.id}").get_data(as_text=True)
    assert f"/bijlagen/{attachment.id}" in page
    assert f"/weerwoorden/{appeal.id}/brieven/{decision.id}" in page
    assert client.get(f"/bijlagen/{attachment.id}").status_code == 200  # 404 before issue 12
    letter = client.get(f"/weerwoorden/{appeal.id}/brieven/{decision.id}")
    assert letter.status_code == 200 and "2 op 4" in letter.get_data(as_text=True)
    login(client, db, world.panel[2])  # not on this appeal's panel
    assert client.get(f"/bijlagen/{attachment.id}").status_code == 404
    login(client, db, observer)
    page = client.get(f"/observatie/kandidaturen/{mine.id}").get_data(as_text=True)
    assert "referenties.pdf" in page and "Motivering voor score 2" in page
    assert "Ons antwoord op vraag" in page and f"/observatie/brieven/{decision.id}" in page
    assert client.get(f"/observatie/brieven/{decision.id}").status_code == 200
    proc = client.get(f"/observatie/procedures/{mine.procedure_id}").get_data(as_text=True)
    assert f"/observatie/kandidaturen/{mine.id}" in proc
