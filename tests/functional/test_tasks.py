"""Issue 13: each person's task list on their start page follows the procedure from one step
to the next, with one link to do each task; blockers show where they arise; the round page
offers what can happen now and nothing else; closing a round asks for confirmation."""

from __future__ import annotations

import re
from datetime import timedelta

from juries import operations as jury_ops
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.rules import Criterion
from tests.support import ALL_DECLARED, ANSWERS, login


def _tasks(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Wat nu op u wacht" in page
    return page.split("Wat nu op u wacht", 1)[1].split("</section>\n", 1)[0]


def _link(page: str, text: str) -> str:
    match = re.search(r'<a href="([^"]+)">' + re.escape(text), page)
    assert match, f"no link {text!r} in {page}"
    return match.group(1)


def test_the_coordinator_follows_the_task_list(world, db, client, pages_at_world_time):
    p = world.draft_procedure()
    db.session.commit()
    login(client, db, world.coordinator)
    page = _tasks(client)
    assert _link(page, "Werk het addendum af en publiceer het.") == \
        f"/coordinatie/procedures/{p.id}/addendum"
    assert _link(page, "Stel de jury samen.") == f"/coordinatie/procedures/{p.id}/jury"

    from workareas import operations as area_ops
    area_ops.publish_addendum(p, actor=world.coordinator, now=world.clock.now)
    world.apply("Jobkracht vzw")
    world.compose_jury()
    world.clock.now = p.candidacy_deadline + timedelta(minutes=1)
    db.session.commit()
    page = _tasks(client)
    assert "De deadline is voorbij: sluit de kandidaturen af." in page
    assert "Stel de jury samen." not in page

    candidacy_ops.close_candidacies(p, actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    page = _tasks(client)
    assert _link(page, "Start ronde 1.") == f"/coordinatie/procedures/{p.id}/rondes/1"
    # ... and the round page offers it
    board = client.get(f"/coordinatie/procedures/{p.id}/rondes/1").get_data(as_text=True)
    assert "Ronde 1 starten" in board and "Ronde 1 afsluiten" not in board


def test_a_conflict_that_breaks_the_jury_shows_on_the_jury_page_the_board_and_the_tasks(
        world, db, client, pages_at_world_time):
    (c,) = world.in_round_1("Jobkracht vzw")
    jury_ops.declare_conflict(c, "Ik zetel in hun raad van bestuur.", actor=world.mm["lokaal1"],
                              now=world.clock.now)
    db.session.commit()
    login(client, db, world.coordinator)
    p = world.procedure.id
    for url in (f"/coordinatie/procedures/{p}/jury", f"/coordinatie/procedures/{p}/rondes/1"):
        page = client.get(url).get_data(as_text=True)
        assert "De jury voldoet niet voor 1 kandidaturen" in page, url
        assert "Jobkracht vzw – ontbreekt: lokaal bestuur (belangenconflict van Lokaal1)" in page
        assert "Wat te doen:" in page
    page = _tasks(client)
    assert "De jury voldoet niet meer voor Jobkracht vzw door een belangenconflict" in page


def test_closing_a_round_asks_for_confirmation_and_a_closed_round_offers_no_closing(
        world, db, client, pages_at_world_time):
    a, b = world.in_round_1("Sterk vzw", "Zwak vzw")
    world.decide(a, 1, (3, 3))
    world.decide(b, 1, (2, 3))
    login(client, db, world.coordinator)
    p = world.procedure.id
    board = client.get(f"/coordinatie/procedures/{p}/rondes/1").get_data(as_text=True)
    assert f'href="/coordinatie/procedures/{p}/rondes/1/afsluiten"' in board
    confirm = client.get(f"/coordinatie/procedures/{p}/rondes/1/afsluiten")
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "1 kandidaturen worden geselecteerd voor de pitch" in page
    assert "1 kandidaturen worden niet geselecteerd" in page
    assert "niet meer wijzigen" in page and "Bevestigen: ronde 1 afsluiten" in page
    from workareas.models import Procedure
    from workareas.rules import ProcedureState
    db.session.expire_all()
    assert db.session.get(Procedure, p).state == ProcedureState.ROUND_1  # GET changed nothing
    client.post(f"/coordinatie/procedures/{p}/rondes/1/afsluiten", data={"bevestigd": "1"})
    db.session.expire_all()
    assert db.session.get(Procedure, p).state == ProcedureState.ROUND_2
    board = client.get(f"/coordinatie/procedures/{p}/rondes/1").get_data(as_text=True)
    assert "Ronde 1 afsluiten" not in board
    assert "Geen kandidatuur wacht (nog) op een beslissing van deze ronde." in board
    again = client.get(f"/coordinatie/procedures/{p}/rondes/1/afsluiten").get_data(as_text=True)
    assert "Deze ronde is niet open" in again and "Bevestigen" not in again
    page = _tasks(client)
    assert "Geselecteerde kandidaturen zonder pitch-moment: 1." in page


def test_the_matchmaker_sees_scores_missing_and_open_ballots(world, db, client,
                                                             pages_at_world_time):
    (c,) = world.in_round_1("Jobkracht vzw")
    login(client, db, world.mm["extern1"])
    page = _tasks(client)
    assert _link(page, "Ronde 1: kandidaturen die op uw score wachten: 1.") == \
        f"/jury/kandidaturen/{c.id}/ronde/1"
    for user in world.eligible(c):
        jury_ops.record_assessment(c, 1, Criterion.CRUCIAL_CONTRIBUTION, 3, ["ok"] * 4,
                                   actor=user, now=world.clock.now)
        jury_ops.record_assessment(c, 1, Criterion.FIT_FOR_PARTNERSHIP, 3, ["ok"] * 4,
                                   actor=user, now=world.clock.now)
    jury_ops.open_ballot(c, 1, Criterion.CRUCIAL_CONTRIBUTION, actor=world.mm["vdab1"],
                         now=world.clock.now)
    db.session.commit()
    page = _tasks(client)
    assert "op uw score wachten" not in page
    assert "Stem voor uw organisatie over Cruciale bijdrage van Jobkracht vzw (ronde 1)." in page


def test_the_applicant_sees_the_draft_with_its_deadline_then_the_letter_and_appeal(
        world, db, client, pages_at_world_time):
    world.published_procedure()
    org = world.organisation("Traag vzw")
    who = world.applicant(org)
    c = candidacy_ops.start_candidacy(world.procedure, org, actor=who, now=world.clock.now)
    db.session.commit()
    login(client, db, who)
    page = _tasks(client)
    assert _link(page, "Werk de kandidatuur van Traag vzw af en dien ze in.") == \
        f"/kandidaturen/{c.id}"
    assert "Uiterlijk" in page
    candidacy_ops.save_candidacy(c, actor=who, now=world.clock.now,
                                 contributions={"RU1": "Wij bieden outreach via jeugdwerk."},
                                 answers=ANSWERS, partnership_fit="Wij werken al samen.",
                                 declarations=ALL_DECLARED)
    candidacy_ops.submit_candidacy(c, actor=who, now=world.clock.now)
    other = world.apply("Sterk vzw")
    world.start_round_1()
    world.round_1_closed(other, c, scores=((3, 3), (2, 2)))
    db.session.commit()
    page = _tasks(client)
    assert "een weerwoord kan tot de vermelde datum" in page
    assert "Nieuwe brief:" in page


def test_the_appeal_matchmaker_and_the_observer(world, db, client, pages_at_world_time):
    from appeals import operations as appeal_ops
    a, b, appeal = world.decided_procedure(appeal=True)
    appeal_ops.assign_panel(appeal, world.panel[:2], actor=world.coordinator,
                            now=world.clock.now)
    db.session.commit()
    login(client, db, world.panel[0])
    page = _tasks(client)
    assert _link(page, "Beoordeel het weerwoord van Buurtwerk De Brug.") == \
        f"/weerwoorden/{appeal.id}"
    observer = world.observer()
    login(client, db, observer)
    assert "Beslist" not in _tasks(client)  # an appeal is still open
    from appeals.rules import Position
    for member in world.panel[:2]:
        appeal_ops.record_position(appeal, Position.CONFIRM, "De jury nam de bijlage wel mee in "
                                   "haar motivering.", actor=member, now=world.clock.now)
    db.session.commit()
    page = _tasks(client)
    assert _link(page, "Beslist: controleer de zes voorwaarden en bekrachtig.") == \
        f"/observatie/procedures/{world.procedure.id}/voorwaarden"
    assert "Beslist: controleer" in client.get("/taken").get_data(as_text=True)


def test_an_expired_call_is_not_offered_and_a_closed_appeal_window_offers_no_form(
        world, db, client, pages_at_world_time):
    world.published_procedure()
    org = world.organisation("Laat vzw")
    who = world.applicant(org)
    db.session.commit()
    login(client, db, who)
    page = client.get("/mijn-kandidaturen").get_data(as_text=True)
    assert "Kandidatuur starten voor Laat vzw" in page
    world.clock.now = world.procedure.candidacy_deadline + timedelta(seconds=1)
    page = client.get("/mijn-kandidaturen").get_data(as_text=True)
    assert "Kandidatuur starten" not in page

    # the appeal form: offered within the window, not after it
    from matching.candidacies.queries import appeal_deadline_of
    world.clock.now = world.procedure.candidacy_deadline - timedelta(days=1)
    a, b = world.apply("Sterk vzw"), world.apply("Zwak vzw")
    world.start_round_1()
    world.round_1_closed(a, b, scores=((3, 3), (2, 2)))
    login(client, db, world.applicant(b.organisation))
    page = client.get(f"/kandidaturen/{b.id}/weerwoord").get_data(as_text=True)
    assert "Weerwoord indienen" in page
    assert "Naar het weerwoordformulier" in client.get(f"/kandidaturen/{b.id}").get_data(
        as_text=True)
    world.clock.now = appeal_deadline_of(b, 1) + timedelta(seconds=1)
    page = client.get(f"/kandidaturen/{b.id}/weerwoord").get_data(as_text=True)
    assert "Weerwoord indienen" not in page and "Een weerwoord is niet meer mogelijk." in page
    page = client.get(f"/kandidaturen/{b.id}").get_data(as_text=True)
    assert "Naar het weerwoordformulier" not in page
    assert "De termijn voor een weerwoord liep af op" in page and "niet meer mogelijk" in page


def test_the_scoring_page_before_the_round_starts_says_so(world, db, client,
                                                          pages_at_world_time):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.compose_jury()
    db.session.commit()
    login(client, db, world.mm["vdab1"])
    page = client.get(f"/jury/kandidaturen/{c.id}/ronde/1").get_data(as_text=True)
    assert "Ronde 1 is nog niet gestart" in page and "wordt nu niet beoordeeld" not in page


def test_the_letters_page_names_kinds_in_words_and_links_to_each_letter(
        world, db, client, pages_at_world_time):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    db.session.commit()
    login(client, db, world.coordinator)
    page = client.get(f"/coordinatie/procedures/{world.procedure.id}/brieven").get_data(
        as_text=True)
    assert "ontvangstbevestiging van de kandidatuur" in page
    assert "candidacy_receipt" not in page and "flask" not in page
    link = re.search(r'href="(/coordinatie/brieven/\d+)"', page).group(1)
    letter = client.get(link)
    assert letter.status_code == 200 and "Jobkracht vzw" in letter.get_data(as_text=True)
    assert c.reference in letter.get_data(as_text=True)
    account = client.get("/mijn-account").get_data(as_text=True)
    assert "Coördinator van een werkingsgebied" in account and "coordinator" not in account


def test_the_administrator_invites_a_coordinator_for_a_work_area_without_one(
        world, db, client, pages_at_world_time):
    """Issue 13: the administrator's task list names each work area without a coordinator
    (a deactivated one does not count, an open invitation does) with the invitation page."""
    from flask import current_app

    from matching.accounts import operations as account_ops
    from matching.accounts.rules import Role
    from workareas import operations as area_ops

    login(client, db, world.admin)
    assert "Als beheerder" not in _tasks(client)  # Regio Aalst has its coordinator

    area = area_ops.create_work_area("Regio Dendermonde", "Oost-Vlaanderen", ["Dendermonde"],
                                     [], actor=world.admin, now=world.clock.now)
    account_ops.deactivate_user(world.coordinator, actor=world.admin, now=world.clock.now)
    db.session.commit()
    page = _tasks(client)
    assert "Als beheerder" in page
    assert _link(page, "Regio Aalst heeft nog geen coördinator: nodig er een uit.") == \
        "/beheer/uitnodigingen"
    assert "Regio Dendermonde heeft nog geen coördinator" in page

    with current_app.test_request_context():  # the invitation mail reads the language
        account_ops.invite_user("nieuw@example.be", "Nieuwe Coördinator", Role.COORDINATOR,
                                work_area_id=area.id, actor=world.admin, now=world.clock.now)
    db.session.commit()
    page = _tasks(client)
    assert "Regio Dendermonde heeft nog geen coördinator" not in page  # invited: it waits
    assert "Regio Aalst heeft nog geen coördinator" in page

    # nobody else sees the administrator's tasks
    login(client, db, world.mm["vdab1"])
    assert "Als beheerder" not in client.get("/").get_data(as_text=True)
