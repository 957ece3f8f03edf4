"""Personal data (issue 18): the privacy notice, each person's own data (page and JSON),
an administrator producing it on request, and rectification of one's contact details.

The export test builds a world with two people of each role, every one of whom leaves
records of their own kind (with a marker unique to them in every text they write), and
checks that each person's export holds every kind of record about them and nothing (no
name, no address, no text) of anyone else."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from appeals import operations as appeal_ops
from appeals.rules import Position
from juries import operations as jury_ops
from matching.accounts import operations as account_ops
from matching.accounts import sign_in_operations as sign_in_ops
from matching.accounts.models import User
from matching.accounts.rules import Role
from matching.audit.models import AuditEvent
from matching.candidacies.rules import Criterion
from matching.core.errors import PermissionDenied
from matching.oversight.operations import answer_observation, record_observation
from matching.privacy.operations import produce_personal_data
from tests.support import ADDENDUM, QueryCounter, login, record_and_confirm, refused
from workareas import operations as area_ops

NAMES = ("Anna Aerts", "Bert Bosmans", "Carla Claes", "Dirk Dewulf", "Eva Eeckhout",
         "Frank Fierens", "Greet Goossens", "Hans Hermans", "Ilse Iserbyt", "Jan Janssens",
         "Karel Kuipers", "Lies Lambrecht", "Mona Maes", "Nico Nys", "Olga Orye",
         "Piet Peeters", "Rita Raes", "Staf Smet", "Tine Thys", "Urbain Uyttendaele")


def marker(user: User) -> str:
    return f"MRK{user.id}X"


def text_of(user: User, what: str) -> str:
    return f"{marker(user)} {what} van deze persoon, met genoeg woorden."


def build(w, db):
    """Two people of each role, each with the records of their role; returns them by key."""
    p = w.published_procedure()
    a1, a2, c3 = w.apply("Jobkracht vzw"), w.apply("Buurtwerk De Brug"), w.apply("Derde vzw")
    people = {"applicant1": w.applicant(a1.organisation),
              "applicant2": w.applicant(a2.organisation),
              "matchmaker1": w.mm["vdab1"], "matchmaker2": w.mm["lokaal1"],
              "panel1": w.panel[0], "panel2": w.panel[1],
              "coordinator1": w.coordinator,
              "observer1": w.user("waarnemer1", Role.OBSERVER),
              "observer2": w.user("waarnemer2", Role.OBSERVER),
              "admin1": w.admin, "admin2": w.user("beheerder2", Role.ADMINISTRATOR)}
    coordinator2, area2 = w.other_coordinator()
    people["coordinator2"] = coordinator2
    m1, m2 = people["matchmaker1"], people["matchmaker2"]

    w.start_round_1()
    now = w.clock.now
    jury_ops.declare_conflict(c3, text_of(m1, "Belangenconflict"), actor=m1, now=now)
    for candidacy, score in ((a1, 2), (a2, 2), (c3, 3)):
        for criterion in Criterion:
            for user in w.eligible(candidacy):
                jury_ops.record_assessment(candidacy, 1, criterion, score,
                                           [text_of(user, "Notitie")] * 4, actor=user, now=now)
    for criterion in Criterion:
        jury_ops.record_consensus(a1, 1, criterion, 2, text_of(m1, "Motivering"), actor=m1,
                                  now=now)
        record_and_confirm(c3, 1, criterion, 3, "Motivering van de jury voor c3.", now=now)
    # m2 is not the chair: their consensus counts once extern1 (another organisation) confirms
    pending = jury_ops.record_consensus(a2, 1, Criterion.CRUCIAL_CONTRIBUTION, 2,
                                        text_of(m2, "Motivering"), actor=m2, now=now)
    jury_ops.confirm_consensus(pending, actor=w.mm["extern1"], now=now)
    ballot = jury_ops.open_ballot(a2, 1, Criterion.FIT_FOR_PARTNERSHIP, actor=m1, now=now)
    for user in (m1, m2, w.mm["extern1"]):
        jury_ops.cast_vote(ballot, 2, actor=user, now=now)
    jury_ops.close_ballot(ballot, text_of(m2, "Stemmotivering"), actor=m2, now=now)
    w.close_round(1)
    w.received(a1, 1)
    w.received(a2, 1)
    now = w.clock.now
    appeals = [appeal_ops.file_appeal(c, text_of(people[key], "Weerwoord"), ["Bijlage 2"],
                                      actor=people[key], now=now)
               for c, key in ((a1, "applicant1"), (a2, "applicant2"))]
    for appeal in appeals:
        appeal_ops.assign_panel(appeal, [people["panel1"], people["panel2"]],
                                actor=w.coordinator, now=now)
    for key in ("panel1", "panel2"):
        appeal_ops.record_position(appeals[0], Position.CONFIRM,
                                   text_of(people[key], "Standpunt"), actor=people[key], now=now)

    p2 = area_ops.create_procedure(area2, "Matching Gent", actor=coordinator2, now=now)
    deadline = w.deadline(weeks=7)
    area_ops.edit_draft_addendum(p2, dict(ADDENDUM, candidacy_deadline=deadline),
                                 actor=coordinator2, now=now)
    pitch = deadline + timedelta(days=14)
    area_ops.add_pitch_slot(p2, pitch, pitch + timedelta(hours=1), "Stadhuis Gent",
                            actor=coordinator2, now=now)
    area_ops.publish_addendum(p2, actor=coordinator2, now=now)
    for observer, procedure, coordinator in ((people["observer1"], p, w.coordinator),
                                             (people["observer2"], p2, coordinator2)):
        observation = record_observation(procedure, 3, text_of(observer, "Waarneming"),
                                         actor=observer, now=now)
        answer_observation(observation, text_of(coordinator, "Antwoord"), actor=coordinator,
                           now=now)

    names = iter(NAMES)
    with current_app.test_request_context():  # the reset mail reads the visitor's language
        for user in db.session.scalars(select(User).order_by(User.id)):
            user.name = next(names)  # distinct names: none is part of another
            sign_in_ops.record_login(user, now=now)
            account_ops.request_password_reset(user.email, actor=None, now=now)
    produce_personal_data(people["applicant1"].email, "Brief van 12 november",
                          actor=people["admin2"], now=now)
    account_ops.correct_contact_details(people["applicant2"], people["applicant2"].name,
                                        "+32 9 123 45 67", actor=people["applicant2"], now=now)
    db.session.commit()
    return people


#: The kinds of record each person must find in their export (beside their account, roles,
#: sign-ins and mails, which everybody has).
EXPECTED_KINDS = {
    "applicant1": {"organisations", "candidacies", "appeals"},
    "applicant2": {"organisations", "candidacies", "appeals"},
    "matchmaker1": {"juries", "assessments", "decisions", "votes", "conflicts"},
    "matchmaker2": {"juries", "assessments", "decisions", "votes"},
    "panel1": {"appeal_positions"},
    "panel2": {"appeal_positions"},
    "coordinator1": {"answers"},
    "coordinator2": {"answers"},
    "observer1": {"observations"},
    "observer2": {"observations"},
    "admin1": set(),
    "admin2": set(),
}
EVERYONE = {"account", "roles", "sign_ins", "mails", "audit_trail"}


def export_of(client, db, user) -> dict:
    login(client, db, user)
    response = client.get("/mijn-gegevens.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_json()


def test_an_export_holds_every_kind_of_record_about_the_person_and_nothing_of_others(
        db, world, client, pages_at_world_time):
    people = build(world, db)
    everybody = db.session.scalars(select(User)).all()
    traces = {u.id: (u.name, u.email, marker(u)) for u in everybody}
    flat = [t for ts in traces.values() for t in ts]
    assert all(a == b or a not in b for a in flat for b in flat), "a trace is part of another"

    for key, person in people.items():
        data = export_of(client, db, person)
        text = json.dumps(data, ensure_ascii=False)
        sections = data["sections"]
        present = {name for name, s in sections.items() if s["records"]}
        assert EVERYONE | EXPECTED_KINDS[key] <= present, \
            f"{key}: missing {sorted((EVERYONE | EXPECTED_KINDS[key]) - present)}"
        name, email, mark = traces[person.id]
        assert name in text and email in text
        if EXPECTED_KINDS[key] - {"organisations", "candidacies", "juries"}:
            assert mark in text, f"{key}: their own texts are missing"
        leaked = [trace for uid, ts in traces.items() if uid != person.id for trace in ts
                  if trace in text]
        assert not leaked, f"{key}'s export names other people: {leaked}"

    # labels and Brussels times, not codes and UTC
    data = export_of(client, db, people["matchmaker1"])
    decisions = data["sections"]["decisions"]["records"]
    assert {d["method"] for d in decisions} == {"consensus"}
    assert {d["criterion"] for d in decisions} == {"Cruciale bijdrage", "Fit for partnership"}
    assert data["sections"]["votes"]["records"][0]["bloc"] == "VDAB"
    assert decisions[0]["decided_at"].endswith("+01:00")  # January in Brussels
    applicant2 = export_of(client, db, people["applicant2"])["sections"]
    assert applicant2["account"]["records"][0]["phone"] == "+32 9 123 45 67"
    assert applicant2["appeals"]["records"][0]["state"] == "in behandeling bij het panel"
    events = {e["event"] for e in applicant2["sign_ins"]["records"]}
    assert {"aangemeld", "nieuw wachtwoord aangevraagd", "contactgegevens verbeterd"} <= events
    applicant1 = export_of(client, db, people["applicant1"])["sections"]
    assert "uw gegevens opgevraagd door een beheerder, op uw verzoek" in {
        e["event"] for e in applicant1["sign_ins"]["records"]}


def test_the_page_shows_labels_and_brussels_times(db, world, client, pages_at_world_time):
    people = build(world, db)
    login(client, db, people["matchmaker1"])
    page = client.get("/mijn-gegevens").get_data(as_text=True)
    assert "Belangenconflicten die u meldde" in page and marker(people["matchmaker1"]) in page
    assert "crucial_contribution" not in page and "LOKAAL_BESTUUR" not in page
    assert "+00:00" not in page and "T08:" not in page
    assert 'href="/mijn-gegevens.json"' in page
    client.post("/taal", data={"lang": "en", "next": "/mijn-gegevens"})
    page = client.get("/mijn-gegevens").get_data(as_text=True)
    assert "Conflicts of interest you declared" in page and "My data" in page


def test_the_page_issues_as_many_statements_for_many_records_as_for_few(
        app, db, world, client, pages_at_world_time):
    people = build(world, db)
    m1 = people["matchmaker1"]
    login(client, db, m1)

    def statements() -> int:
        with app.app_context():
            from matching.core.db import db as fresh
            with QueryCounter(fresh) as counter:
                assert client.get("/mijn-gegevens").status_code == 200
        return counter.count

    few = statements()
    now = world.clock.now
    with app.test_request_context():
        for _ in range(5):
            sign_in_ops.record_login(m1, now=now)
            account_ops.request_password_reset(m1.email, actor=None, now=now)
    other = world.user("extra", Role.MATCHMAKER)
    db.session.commit()
    assert other.id and statements() == few


def test_an_administrator_produces_a_persons_data_and_the_trail_records_it(
        db, world, client, pages_at_world_time):
    person = world.user("vraagsteller", Role.MATCHMAKER)
    db.session.commit()
    login(client, db, world.admin)
    assert 'href="/beheer/persoonsgegevens"' in client.get("/mijn-account").get_data(True)
    form = client.get("/beheer/persoonsgegevens").get_data(as_text=True)
    assert 'name="reason"' in form

    unknown = client.post("/beheer/persoonsgegevens",
                          data={"email": "niemand@example.be", "reason": "Brief", "format": "page"})
    assert unknown.status_code == 422
    assert "Er is geen account met dit e-mailadres." in unknown.get_data(as_text=True)
    no_reason = client.post("/beheer/persoonsgegevens",
                            data={"email": person.email, "reason": "", "format": "page"})
    assert no_reason.status_code == 422
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "privacy.export")).all()

    page = client.post("/beheer/persoonsgegevens",
                       data={"email": person.email.upper(), "reason": "Brief van 3 maart",
                             "format": "page"})
    assert page.status_code == 200
    assert "Gegevens van Vraagsteller" in page.get_data(as_text=True)
    download = client.post("/beheer/persoonsgegevens",
                           data={"email": person.email, "reason": "Brief van 3 maart",
                                 "format": "json"})
    assert download.mimetype == "application/json"
    assert download.get_json()["person"] == person.email
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "privacy.export")).all()
    assert [(e.actor_id, e.object_id) for e in events] == [(world.admin.id, person.id)] * 2
    assert all(person.email not in e.summary for e in events)


def test_a_person_corrects_their_own_name_and_phone(db, world, client, pages_at_world_time):
    person = world.user("corrigeer", Role.MATCHMAKER)
    db.session.commit()
    login(client, db, person)
    page = client.get("/mijn-account").get_data(as_text=True)
    assert 'autocomplete="name"' in page and 'autocomplete="tel"' in page
    assert "privacy-link" in page  # the notice is named next to the form

    bad = client.post("/mijn-account/gegevens", data={"name": "Nieuwe Naam", "phone": "bel me"})
    assert bad.status_code == 422
    assert "Geef een telefoonnummer met cijfers" in bad.get_data(as_text=True)
    empty = client.post("/mijn-account/gegevens", data={"name": "  ", "phone": ""})
    assert empty.status_code == 422
    db.session.expire_all()
    assert (person.name, person.phone) == ("Corrigeer", "")

    ok = client.post("/mijn-account/gegevens",
                     data={"name": "Corry Geer", "phone": "+32  470 12 34 56"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert (person.name, person.phone) == ("Corry Geer", "+32 470 12 34 56")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.correct"))
    assert event.actor_id == person.id and event.object_id == person.id
    assert json.loads(event.summary) == {"fields": ["name", "phone"]}  # names, not values
    same = client.post("/mijn-account/gegevens",
                       data={"name": "Corry Geer", "phone": "+32 470 12 34 56"})
    assert same.status_code == 422 and "Er is niets gewijzigd." in same.get_data(as_text=True)


def test_nobody_corrects_another_persons_details(db, world):
    victim = world.user("slachtoffer", Role.APPLICANT, organisation_id=world.vdab.id)
    db.session.commit()
    refused(db, account_ops.correct_contact_details, victim, "Overgenomen", "",
            actor=world.admin, now=world.clock.now, error=PermissionDenied)
    refused(db, account_ops.correct_contact_details, victim, "Overgenomen", "",
            actor=None, now=world.clock.now, error=PermissionDenied)


@pytest.mark.parametrize("path", ["/registreren", "/mijn-account"])
def test_forms_that_collect_personal_data_name_the_notice(db, world, client, path):
    if path == "/mijn-account":
        login(client, db, world.admin)
    page = client.get(path).get_data(as_text=True)
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="/privacyverklaring"' in main


def test_the_notice_is_named_on_the_invitation_candidacy_and_addendum_forms(
        app, db, world, client, pages_at_world_time):
    from matching.candidacies import operations as candidacy_ops

    p = world.published_procedure()
    org = world.organisation("Concept vzw")
    owner = world.applicant(org)
    draft = candidacy_ops.start_candidacy(p, org, actor=owner, now=world.clock.now)
    with app.test_request_context():  # the invitation mail reads the visitor's language
        invited = account_ops.invite_user("nieuw@example.be", "Nieuw", Role.MATCHMAKER,
                                          actor=world.admin, now=world.clock.now)
        token = account_ops.invitation_token(invited)
    db.session.commit()
    pages = {f"/uitnodiging/{token}": None, f"/kandidaturen/{draft.id}": owner,
             "/beheer/uitnodigingen": world.admin,
             f"/coordinatie/procedures/{p.id}/addendum": world.coordinator}
    for url, user in pages.items():
        client.post("/afmelden")
        if user is not None:
            login(client, db, user)
        response = client.get(url)
        assert response.status_code == 200, url
        main = response.get_data(as_text=True).split("<main", 1)[1].split("</main>", 1)[0]
        assert 'href="/privacyverklaring"' in main, url


def test_the_notice_states_the_configured_officer_and_periods(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "PRIVACY_DPO_NAME", "Marie Privé")
    monkeypatch.setitem(app.config, "PRIVACY_DPO_EMAIL", "dpo@wse.example")
    monkeypatch.setitem(app.config, "PRIVACY_PROGRAMME_END_YEAR", 2031)
    monkeypatch.setitem(app.config, "PRIVACY_RETENTION_ACCOUNT_YEARS", 3)
    page = client.get("/privacyverklaring").get_data(as_text=True)
    assert "Marie Privé" in page and 'href="mailto:dpo@wse.example"' in page
    assert "tot 31 december 2036" in page  # 2031 + 5 years (CPR art. 82)
    assert "3 jaar na de laatste aanmelding" in page
    for part in ("Wie is verantwoordelijk", "Europa WSE", "lokale besturen", "6.1.e",
                 "weerwoordpanel", "Vlaamse Toezichtcommissie"):
        assert part in page
    client.post("/taal", data={"lang": "en", "next": "/privacyverklaring"})
    english = client.get("/privacyverklaring").get_data(as_text=True)
    assert "Privacy notice" in english and "until 31 December 2036" in english
    assert "Rectification" in english


def test_retention_configuration_is_read_and_checked():
    from matching.app.config import ConfigError, load_config

    config = load_config("/tmp", {"PRIVACY_RETENTION_RECORD_YEARS": "7",
                                  "PRIVACY_DPO_EMAIL": "dpo@example.be"})
    assert config["PRIVACY_RETENTION_RECORD_YEARS"] == 7
    assert config["PRIVACY_PROGRAMME_END_YEAR"] == 2030
    assert config["PRIVACY_DPO_EMAIL"] == "dpo@example.be"
    with pytest.raises(ConfigError, match="PRIVACY_RETENTION_DRAFT_MONTHS"):
        load_config("/tmp", {"PRIVACY_RETENTION_DRAFT_MONTHS": "zes"})


def test_a_new_email_address_changes_only_through_the_link_sent_to_it(
        db, world, client, pages_at_world_time):
    import re

    from matching.mail.models import OutboxMessage

    person = world.user("verhuisd", Role.MATCHMAKER)
    taken = world.user("bezet", Role.MATCHMAKER)
    db.session.commit()
    login(client, db, person)
    refused_taken = client.post("/mijn-account/e-mailadres", data={"email": taken.email})
    assert refused_taken.status_code == 422
    assert "Er bestaat al een account met dit e-mailadres." in refused_taken.get_data(True)
    assert client.post("/mijn-account/e-mailadres",
                       data={"email": person.email}).status_code == 422

    asked = client.post("/mijn-account/e-mailadres", data={"email": " Nieuw.Adres@Example.be"})
    assert asked.status_code == 302
    db.session.expire_all()
    assert person.email == "verhuisd@example.be"  # nothing changes before the link is used
    mails = {m.to_addresses: m for m in db.session.scalars(select(OutboxMessage))}
    assert set(mails) == {"nieuw.adres@example.be", "verhuisd@example.be"}
    assert "/e-mailadres-bevestigen/" not in mails["verhuisd@example.be"].body_text
    link = re.search(r"/e-mailadres-bevestigen/\S+", mails["nieuw.adres@example.be"].body_text)
    assert link is not None
    shown = client.get(link.group(0))
    assert shown.status_code == 200 and "nieuw.adres@example.be" in shown.get_data(True)
    db.session.expire_all()
    assert person.email == "verhuisd@example.be"  # GET changes nothing

    assert client.post(link.group(0)).status_code == 302
    db.session.expire_all()
    assert person.email == "nieuw.adres@example.be"
    assert client.post(link.group(0)).status_code == 404  # works once
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("user.email_change%")).order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["user.email_change_requested", "user.email_change"]
    assert all("@" not in e.summary for e in events)
    assert client.get("/mijn-gegevens").status_code == 200  # still signed in


def test_nobody_asks_another_persons_email_change(db, world):
    victim = world.user("doelwit", Role.MATCHMAKER)
    db.session.commit()
    refused(db, account_ops.request_email_change, victim, "aanvaller@example.be",
            actor=world.admin, now=world.clock.now, error=PermissionDenied)


def test_the_accessibility_statement_is_linked_from_every_page_and_names_the_contact(
        app, client, monkeypatch):
    """Issue 16: the statement the Flemish government asks for (EN 301 549 / WCAG 2.1 AA),
    public, in Dutch and English, with the configured contact and the PDFs' exception."""
    monkeypatch.setitem(app.config, "ACCESSIBILITY_CONTACT_NAME", "Team Toegankelijkheid")
    monkeypatch.setitem(app.config, "ACCESSIBILITY_CONTACT_EMAIL", "a11y@wse.example")
    for url in ("/", "/privacyverklaring", "/aanmelden"):
        assert 'href="/toegankelijkheidsverklaring"' in client.get(url).get_data(as_text=True)
    page = client.get("/toegankelijkheidsverklaring").get_data(as_text=True)
    assert "<h1>Toegankelijkheidsverklaring</h1>" in page
    for part in ("EN 301 549", "WCAG", "gedeeltelijk", "niet getagd", "HTML-versie",
                 "Team Toegankelijkheid", 'href="mailto:a11y@wse.example"',
                 "Vlaamse Ombudsdienst"):
        assert part in page, part
    client.post("/taal", data={"lang": "en", "next": "/toegankelijkheidsverklaring"})
    english = client.get("/toegankelijkheidsverklaring").get_data(as_text=True)
    for part in ("Accessibility statement", "partially conforms", "not tagged",
                 "Reporting a problem", "Europa WSE – Flanders"):
        assert part in english, part
