"""The coordinator's pages: procedures, the addendum (draft, six weeks, publication, new
version), pitch moments, closing the intake, inadmissibility, the jury, appeal panels;
and that nobody else reaches them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from appeals.models import Appeal
from appeals.rules import AppealState
from juries.models import Jury
from matching.accounts import operations as account_ops
from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from matching.audit.models import AuditEvent
from matching.candidacies.models import Letter
from matching.candidacies.rules import CandidacyState
from matching.core.dates import BRUSSELS, UTC
from tests.support import login, snapshot
from workareas import operations as area_ops
from workareas.models import AddendumVersion, PitchSlot, Procedure
from workareas.rules import ProcedureState

LOCAL = "%Y-%m-%dT%H:%M"


def local_in(weeks: float = 0, days: float = 0) -> datetime:
    """A Brussels wall-clock time (naive, whole minutes) relative to the real now."""
    return (datetime.now(BRUSSELS) + timedelta(weeks=weeks, days=days)).replace(
        tzinfo=None, second=0, microsecond=0)


def addendum_data(deadline: datetime, **extra) -> dict:
    data = {
        "delimitation": "Aalst, Erpe-Mere en Lede.",
        "needs-0-title": "Toeleiding naar werk", "needs-0-description": "",
        "needs-0-motivation": "Uit de analyse blijkt een grote afstand tot werk.",
        "needs-1-title": "", "needs-1-description": "", "needs-1-motivation": "",
        "challenges-0-code": "RU1", "challenges-0-title": "Bereik van jongeren",
        "challenges-0-target_groups": "NEET-jongeren", "challenges-0-obstacles": "Wantrouwen",
        "challenges-0-opportunities": "Jeugdwerk", "challenges-0-objectives": "Meer begeleiding",
        "challenges-1-code": "", "challenges-1-title": "", "challenges-1-target_groups": "",
        "challenges-1-obstacles": "", "challenges-1-opportunities": "",
        "challenges-1-objectives": "",
        "contacts-0-name": "An Peeters", "contacts-0-organisation": "Stad Aalst",
        "contacts-0-email": "an@example.be", "contacts-0-phone": "",
        "contacts-1-name": "", "contacts-1-organisation": "", "contacts-1-email": "",
        "contacts-1-phone": "",
        "candidacy_deadline": deadline.strftime(LOCAL),
        "expected_decision_date": (deadline + timedelta(days=60)).strftime("%Y-%m-%d"),
        "partnership_start_date": (deadline + timedelta(days=200)).strftime("%Y-%m-%d"),
    }
    data.update(extra)
    return data


def test_the_addendum_from_draft_to_publication_and_a_new_version(world, db, client):
    login(client, db, world.coordinator)
    page = client.get("/coordinatie").get_data(as_text=True)
    assert "Regio Aalst" in page and "Nieuwe procedure starten" in page

    response = client.post(f"/coordinatie/werkingsgebieden/{world.area.id}/procedures",
                           data={"title": "Matching 2027"})
    assert response.status_code == 302
    procedure = db.session.scalar(select(Procedure))
    assert procedure.title == "Matching 2027" and procedure.state == ProcedureState.DRAFT
    url = f"/coordinatie/procedures/{procedure.id}/addendum"
    page = client.get(url).get_data(as_text=True)
    # no rows yet: two empty rows per group, and the six-week check
    assert 'name="needs-1-title"' in page and 'name="needs-2-title"' not in page
    assert "ten vroegste" in page

    # a deadline under six weeks can be saved in the draft, but the page says it fails
    short = local_in(weeks=5)
    response = client.post(url, data=addendum_data(short))
    assert response.status_code == 302
    db.session.expire_all()
    version = db.session.scalar(select(AddendumVersion))
    assert len(version.needs) == 1 and len(version.challenges) == 1 and len(version.contacts) == 1
    assert version.candidacy_deadline == short.replace(tzinfo=BRUSSELS).astimezone(UTC)
    page = client.get(url).get_data(as_text=True)
    assert "ligt minder dan zes weken na de publicatie" in page
    assert 'name="needs-2-title"' in page  # one row plus two empty ones

    # a pitch moment after the deadline (a bad one first: the end before the start)
    start = local_in(weeks=9)
    bad = client.post(f"/coordinatie/procedures/{procedure.id}/pitchmomenten",
                      data={"starts_at": start.strftime(LOCAL),
                            "ends_at": (start - timedelta(hours=1)).strftime(LOCAL),
                            "location": "Stadhuis"})
    assert bad.status_code == 422 and "einde moet na het begin liggen" in bad.get_data(as_text=True)
    assert client.post(f"/coordinatie/procedures/{procedure.id}/pitchmomenten",
                       data={"starts_at": start.strftime(LOCAL),
                             "ends_at": (start + timedelta(hours=1)).strftime(LOCAL),
                             "location": "Stadhuis"}).status_code == 302
    assert db.session.scalar(select(PitchSlot.location)) == "Stadhuis"

    # publishing with the short deadline: refused next to the deadline field, nothing published
    db.session.expire_all()
    before = snapshot(db)
    response = client.post(f"/coordinatie/procedures/{procedure.id}/publiceren")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="candidacy_deadline-error"' in page and "minstens 6 weken" in page
    assert 'class="error-summary"' in page and 'href="#candidacy_deadline"' in page
    db.session.expire_all()
    assert snapshot(db) == before
    assert db.session.get(Procedure, procedure.id).state == ProcedureState.DRAFT

    # a proper deadline, then publication
    assert client.post(url, data=addendum_data(local_in(weeks=7))).status_code == 302
    assert "De huidige deadline" in client.get(url).get_data(as_text=True)
    confirm = client.post(f"/coordinatie/procedures/{procedure.id}/publiceren")
    assert confirm.status_code == 200 and "Bevestigen: publiceren" in confirm.get_data(
        as_text=True)  # issue 13: what will happen, then confirm
    db.session.expire_all()
    assert db.session.get(Procedure, procedure.id).state == ProcedureState.DRAFT
    assert client.post(f"/coordinatie/procedures/{procedure.id}/publiceren",
                       data={"bevestigd": "1"}).status_code == 302
    db.session.expire_all()
    procedure = db.session.get(Procedure, procedure.id)
    assert procedure.state == ProcedureState.PUBLISHED and procedure.published_at is not None

    # after publication the same form makes a new version, which needs a change note
    data = addendum_data(local_in(weeks=7), **{"needs-1-title": "Taal",
                                               "needs-1-motivation": "Veel anderstaligen."})
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert 'id="change_note-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Procedure, procedure.id).versions) == 1
    data["change_note"] = "Een tweede lokale nood toegevoegd."
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    versions = db.session.get(Procedure, procedure.id).versions
    assert [v.number for v in versions] == [1, 2] and len(versions[1].needs) == 2


def test_closing_the_intake_and_declaring_a_candidacy_inadmissible(world, db, client):
    world.published_procedure()  # its deadline lies in the (real) past
    candidacy = world.apply("Jeugdwerk Aalst")
    db.session.commit()
    login(client, db, world.coordinator)
    p = world.procedure.id
    response = client.post(f"/coordinatie/procedures/{p}/kandidaturen-afsluiten")
    assert response.status_code == 302 and response.headers["Location"].endswith("/rondes/1")
    db.session.expire_all()
    assert db.session.get(Procedure, p).state == ProcedureState.CANDIDACY_CLOSED
    board = client.get(f"/coordinatie/procedures/{p}/rondes/1").get_data(as_text=True)
    assert "Onontvankelijk verklaren" in board

    url = f"/coordinatie/kandidaturen/{candidacy.id}/onontvankelijk"
    response = client.post(url, data={"reason": "kort"})
    assert response.status_code == 422 and 'id="reason-error"' in response.get_data(as_text=True)
    response = client.post(url, data={"reason": "Ingediend zonder de verplichte verklaringen."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(candidacy), candidacy.id).state == CandidacyState.INADMISSIBLE


def _jury_data(db, chosen: dict[str, str]) -> dict:
    """The jury form: every matchmaker a row, ``chosen`` maps e-mail prefix → bloc."""
    users = db.session.scalars(select(User).join(RoleGrant, RoleGrant.user_id == User.id).where(
        RoleGrant.role == Role.MATCHMAKER).order_by(User.name, User.id)).all()
    data = {}
    for i, user in enumerate(users):
        key = user.email.split("@")[0]
        data[f"rows-{i}-user_id"] = str(user.id)
        data[f"rows-{i}-bloc"] = chosen.get(key, "")
        data[f"rows-{i}-affiliation"] = "VDAB Oost-Vlaanderen" if key.startswith("vdab") else ""
        if key in chosen:
            data[f"rows-{i}-selected"] = "y"
    return data


def test_composing_the_jury_and_starting_round_1(world, db, client):
    world.published_procedure()
    world.apply("Jeugdwerk Aalst")
    db.session.commit()
    login(client, db, world.coordinator)
    p = world.procedure.id
    url = f"/coordinatie/procedures/{p}/jury"
    page = client.get(url).get_data(as_text=True)
    assert "Vdab1" in page and "voldoet niet" in page

    response = client.post(url, data=_jury_data(db, {"vdab1": "VDAB", "lokaal1": "LOKAAL_BESTUUR",
                                                     "vdab2": "VDAB"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="members-error"' in page and "onafhankelijke externe" in page
    assert db.session.scalar(select(Jury)) is None

    response = client.post(url, data=_jury_data(db, {"vdab1": "VDAB", "extern1": ""}))
    assert response.status_code == 422
    assert "Kies de geleding van Extern1" in response.get_data(as_text=True)

    response = client.post(url, data=_jury_data(db, {"vdab1": "VDAB", "lokaal1": "LOKAAL_BESTUUR",
                                                     "extern1": "EXTERN"}))
    assert response.status_code == 302
    jury = db.session.scalar(select(Jury))
    assert sorted(m.bloc.value for m in jury.members) == ["EXTERN", "LOKAAL_BESTUUR", "VDAB"]
    assert "Deze samenstelling (3 matchmakers) voldoet." in client.get(url).get_data(as_text=True)

    # round 1 starts only after the intake is closed
    client.post(f"/coordinatie/procedures/{p}/ronde-1-starten")
    db.session.expire_all()
    assert db.session.get(Procedure, p).state == ProcedureState.PUBLISHED
    client.post(f"/coordinatie/procedures/{p}/kandidaturen-afsluiten")
    assert client.post(f"/coordinatie/procedures/{p}/ronde-1-starten").status_code == 302
    db.session.expire_all()
    assert db.session.get(Procedure, p).state == ProcedureState.ROUND_1


def test_assigning_an_appeal_panel(world, db, client):
    world.published_procedure()
    strong = world.apply("Sterk Werk")
    weak = world.apply("Zwak Werk")
    world.start_round_1()
    world.decide(strong, 1, (3, 3))
    world.decide(weak, 1, (2, 3))
    world.close_round(1)
    world.received(weak, 1)
    appeal = world.appeal(weak)
    # a jury member who is also an appeal matchmaker
    account_ops.grant_role(world.mm["vdab1"], Role.APPEAL_MATCHMAKER, actor=world.admin,
                   now=world.clock.now)
    db.session.commit()
    login(client, db, world.coordinator)
    p = world.procedure.id
    page = client.get(f"/coordinatie/procedures/{p}/weerwoorden").get_data(as_text=True)
    assert "Zwak Werk" in page and "ingediend" in page and "Panel toewijzen" in page

    field = f"appeal{appeal.id}-panel"
    url = f"/coordinatie/weerwoorden/{appeal.id}/panel"
    response = client.post(url, data={field: [world.mm["vdab1"].id, world.panel[0].id]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "oorspronkelijke jury" in page
    assert f'href="#{field}"' in page
    db.session.expire_all()
    assert db.session.get(Appeal, appeal.id).state == AppealState.FILED

    response = client.post(url, data={field: [world.panel[0].id]})
    assert response.status_code == 422 and "precies twee" in response.get_data(as_text=True)

    assert client.post(url, data={field: [world.panel[0].id, world.panel[1].id]}).status_code == 302
    db.session.expire_all()
    appeal = db.session.get(Appeal, appeal.id)
    assert appeal.state == AppealState.UNDER_REVIEW
    assert sorted(m.user_id for m in appeal.panel) == sorted([world.panel[0].id, world.panel[1].id])
    assert "Panel1" in client.get(f"/coordinatie/procedures/{p}/weerwoorden").get_data(as_text=True)


def test_another_coordinator_and_other_roles_get_no_access(world, db, client):
    world.published_procedure()
    candidacy = world.apply("Jeugdwerk Aalst")
    other, _ = world.other_coordinator()
    db.session.commit()
    p = world.procedure.id
    pages = [f"/coordinatie/procedures/{p}/addendum", f"/coordinatie/procedures/{p}/jury",
             f"/coordinatie/procedures/{p}/rondes/1", f"/coordinatie/procedures/{p}/brieven",
             f"/coordinatie/procedures/{p}/weerwoorden",
             f"/coordinatie/kandidaturen/{candidacy.id}/voorbeeld/1",
             f"/coordinatie/kandidaturen/{candidacy.id}/onontvankelijk"]
    posts = [f"/coordinatie/procedures/{p}/publiceren",
             f"/coordinatie/procedures/{p}/pitchmomenten",
             f"/coordinatie/procedures/{p}/kandidaturen-afsluiten",
             f"/coordinatie/procedures/{p}/ronde-1-starten",
             f"/coordinatie/procedures/{p}/rondes/1/afsluiten",
             f"/coordinatie/werkingsgebieden/{world.area.id}/procedures",
             f"/coordinatie/kandidaturen/{candidacy.id}/pitch"]
    for path in pages:  # not logged in: to the login page
        response = client.get(path)
        assert response.status_code == 302 and "/aanmelden" in response.headers["Location"], path

    login(client, db, other)
    page = client.get("/coordinatie").get_data(as_text=True)
    assert "Regio Gent" in page and "Regio Aalst" not in page
    for path in pages:
        assert client.get(path).status_code == 404, path
    before = snapshot(db)
    for path in posts:
        assert client.post(path, data={"title": "x"}).status_code == 404, path
    db.session.expire_all()
    assert snapshot(db) == before

    login(client, db, world.mm["vdab1"])
    assert client.get("/coordinatie").status_code == 404
    assert "Coördinatie" not in client.get("/").get_data(as_text=True)
    for path in pages:
        assert client.get(path).status_code == 404, path

    login(client, db, world.coordinator)
    assert "Coördinatie" in client.get("/").get_data(as_text=True)
    assert client.get(f"/coordinatie/procedures/{p}/rondes/3").status_code == 404


def test_the_sender_of_the_letters_is_set_on_the_addendum_page(world, db, client):
    """R-DEC-1: the postal address and the signatory of the work area's letters; every
    problem is listed at once, nothing changes on a refusal, the letters use what is set."""
    procedure = world.draft_procedure()
    area = world.area
    area.postal_address = area.signatory_name = area.signatory_function = ""
    db.session.commit()
    login(client, db, world.coordinator)
    url = f"/coordinatie/procedures/{procedure.id}/addendum"
    page = client.get(url).get_data(as_text=True)
    assert "Afzender van de brieven" in page
    assert "De brieven aan de kandidaten vermelden nog geen postadres en ondertekenaar." in page

    post = f"/coordinatie/procedures/{procedure.id}/afzender"
    before = snapshot(db)
    empty = client.post(post, data={"postal_address": "", "signatory_name": "",
                                    "signatory_function": ""})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422
    for message in ("Vul het postadres in.", "Vul de naam van de ondertekenaar in.",
                    "Vul de functie van de ondertekenaar in."):
        assert message in html
    one_line = client.post(post, data={"postal_address": "Grote Markt 3",
                                       "signatory_name": "Ann Vermeulen",
                                       "signatory_function": "Algemeen directeur"})
    assert one_line.status_code == 422
    assert "Geef het postadres op twee tot zes regels" in one_line.get_data(as_text=True)
    assert "Ann Vermeulen" in one_line.get_data(as_text=True)  # what was typed is kept
    assert snapshot(db) == before

    saved = client.post(post, data={"postal_address": "Stad Aalst  – Dienst Werk\r\n\r\n"
                                                      "Grote Markt 3\r\n9300 Aalst",
                                    "signatory_name": " Ann  Vermeulen ",
                                    "signatory_function": "Algemeen directeur, Stad Aalst"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#afzender")
    db.session.expire_all()
    area = db.session.get(type(area), area.id)
    assert area.postal_address == "Stad Aalst – Dienst Werk\nGrote Markt 3\n9300 Aalst"
    assert area.signatory_name == "Ann Vermeulen" and area.letter_sender_complete
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "work_area.letter_sender")) is not None

    # a letter written from now on carries them
    area_page = client.get(url).get_data(as_text=True)
    assert "De brieven aan de kandidaten vermelden nog geen" not in area_page
    world.procedure = procedure
    area_ops.publish_addendum(procedure, actor=world.coordinator, now=world.clock.now)
    candidacy = world.apply("Jobkracht vzw")
    db.session.commit()
    letter = db.session.scalar(select(Letter).where(Letter.candidacy_id == candidacy.id))
    assert "Grote Markt 3" in letter.html and "Ann Vermeulen" in letter.text
    assert "Algemeen directeur, Stad Aalst" in letter.text
