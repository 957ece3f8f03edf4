"""The whole procedure of one work area, end to end, in a real headless Chromium.

Every step is done in the browser by the person whose step it is (coordinator, applicants,
matchmakers, appeal matchmakers, observer, administrator), logging in through /aanmelden
and out with 'Afmelden'. The only things done outside the browser are what no person does
on a page: creating the people and organisations (the World helpers), moving the clock,
and the outbox worker (``send_outbox``) that delivers the letters to a real SMTP server.

The pages read the time from ``app.config["CLOCK"]`` (matching.core.web.utcnow), which
the ``pages_at_world_time`` fixture points at the World's clock; the test advances it
between the steps.
"""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import (
    ASSESSMENT_QUESTIONS,
    DECLARATION_TEXTS,
    CandidacyState,
    appeal_deadline,
)
from matching.core.dates import BRUSSELS
from tests.e2e.browser import (
    at,
    criterion,
    flash,
    give_score,
    local,
    login,
    logout,
    record_consensus,
    scoring_page,
    shot,
    submit,
    vote,
)
from tests.helpers import attachment, pdf_text
from tests.support import TEST_PASSWORD
from workareas.models import Procedure
from workareas.rules import ProcedureState

CRUCIAL, FIT = "Cruciale bijdrage", "Fit for partnership"
A, B, C = "Jeugdwerk De Sprong", "Buurtwerk De Brug", "Taalpunt Oost"


def test_the_full_procedure_in_the_browser(app, world, db, live_server, page, screenshots, smtp,
                                          mail_config, pages_at_world_time):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the end-to-end test runs on SQLite only (CI time)")
    base = live_server

    def deliver() -> dict:
        """The outbox worker (not a page): deliver what is due to the SMTP server."""
        from matching.candidacies.operations import send_outbox
        with app.app_context():
            return send_outbox(mail_config, clock=lambda: world.clock.now)

    # --- the people (World helpers), each with the test password --------------------------
    orgs = {name: world.organisation(name) for name in (A, B, C)}
    applicants = {name: world.applicant(org) for name, org in orgs.items()}
    observer = world.user("observer", Role.OBSERVER)
    coordinator, mm, panel = world.coordinator, world.mm, world.panel
    for user in [world.admin, coordinator, observer, *mm.values(), *panel,
                 *applicants.values()]:
        user.set_password(TEST_PASSWORD)
    db.session.commit()

    _walk_the_procedure(app, world, db, page, base, screenshots, smtp, deliver, orgs,
                        applicants, observer)


def _walk_the_procedure(app, world, db, page, base, screenshots, smtp, deliver, orgs,
                        applicants, observer):
    coordinator, mm, panel = world.coordinator, world.mm, world.panel
    publication = world.clock.now
    deadline = local(publication).replace(hour=12, minute=0) + timedelta(weeks=6, days=1)
    slot_1 = deadline + timedelta(days=7) - timedelta(hours=2)  # 10:00 a week later
    slots = [(slot_1, "Stadhuis Aalst, zaal 1"),
             (slot_1 + timedelta(hours=1), "Stadhuis Aalst, zaal 2"),
             (slot_1 + timedelta(days=7), "Stadhuis Aalst, zaal 3")]
    fmt = "%Y-%m-%dT%H:%M"

    # === 1. the coordinator: a procedure, its addendum, pitch moments, publication ========
    login(page, base, coordinator)
    page.get_by_role("link", name="Coördinatie").click()
    expect(page.locator("h1")).to_have_text("Coördinatie van mijn werkingsgebieden")
    page.get_by_label("Titel van de procedure").fill("Matching 2025")
    submit(page, page.get_by_role("button", name="Nieuwe procedure starten"))
    flash(page, "De procedure is aangemaakt, met een leeg ontwerp-addendum.")
    expect(page.locator("h1")).to_have_text("Addendum van Regio Aalst")
    procedure_id = db.session.scalar(select(Procedure.id).where(Procedure.title == "Matching 2025"))

    page.get_by_label("Afbakening van het werkingsgebied").fill(
        "Het werkingsgebied omvat Aalst, Erpe-Mere en Lede.")
    need = page.get_by_role("group", name="Lokale nood 1", exact=True)
    need.get_by_label("Titel", exact=True).fill("Toeleiding naar werk")
    need.get_by_label("Beschrijving", exact=True).fill("Veel mensen bereiken de diensten niet.")
    need.get_by_label("Motivering van de keuze").fill(
        "Uit de persona-analyse blijkt een grote afstand tot werk.")
    for i, (code, title, target) in enumerate([
            ("RU1", "Bereik van kwetsbare jongeren", "NEET-jongeren"),
            ("RU2", "Gezondheid en werk", "Langdurig zieken")], start=1):
        row = page.get_by_role("group", name=f"Regio-uitdaging {i}", exact=True)
        row.get_by_label("Code", exact=True).fill(code)
        row.get_by_label("Titel", exact=True).fill(title)
        row.get_by_label("Doelgroepen").fill(target)
        row.get_by_label("Obstakels").fill("Wantrouwen tegenover diensten")
        row.get_by_label("Mogelijkheden").fill("Jeugdwerkingen en eerstelijnszones")
        row.get_by_label("Doelstellingen").fill("Meer mensen in begeleiding")
    contact = page.get_by_role("group", name="Contactpersoon 1", exact=True)
    contact.get_by_label("Naam", exact=True).fill("An Peeters")
    contact.get_by_label("Organisatie", exact=True).fill("Stad Aalst")
    contact.get_by_label("E-mailadres", exact=True).fill("an@example.be")
    contact.get_by_label("Telefoon").fill("053 00 00 00")
    page.get_by_label("Deadline voor kandidaturen (Brusselse tijd)").fill(deadline.strftime(fmt))
    page.get_by_label("Verwacht beslissingsmoment").fill("2025-04-30")
    page.get_by_label("Start van het partnerschap").fill("2025-09-01")
    submit(page, page.get_by_role("button", name="Ontwerp bewaren"))
    flash(page, "Het ontwerp-addendum is bewaard.")
    expect(page.locator(".check")).to_contain_text("De huidige deadline")
    expect(page.locator(".check")).to_contain_text("voldoet")
    expect(page.locator(".check")).to_contain_text("minstens één pitch-moment")

    for start, location in slots:
        page.get_by_label("Begin (Brusselse tijd)").fill(start.strftime(fmt))
        end = start + timedelta(minutes=45)
        page.get_by_label("Einde (Brusselse tijd)").fill(end.strftime(fmt))
        page.get_by_label("Plaats of link").fill(location)
        submit(page, page.get_by_role("button", name="Pitch-moment toevoegen"))
        flash(page, "Het pitch-moment is toegevoegd.")
        expect(page.get_by_role("table", name="Pitch-momenten van deze procedure")
               ).to_contain_text(location)
    expect(page.locator(".check")).to_contain_text(
        "Het addendum bevat alle verplichte onderdelen (R-ADD-1).")
    shot(page, screenshots, "coordinator-addendum-form")

    submit(page, page.get_by_role("button", name="Addendum publiceren …"))
    expect(page.locator("main")).to_contain_text("Wat er gebeurt als u bevestigt")
    submit(page, page.get_by_role("button", name="Bevestigen: publiceren"))
    flash(page, "Het addendum is gepubliceerd: de kandidaturen staan open.")
    expect(page.locator("main")).to_contain_text("toestand: kandidaturen open")
    logout(page)

    # === 2. the public list and the addendum page (anyone) ================================
    page.goto(base + "/addenda")
    expect(page.locator("h1")).to_have_text("Gepubliceerde addenda")
    expect(page.locator("main")).to_contain_text("Regio Aalst")
    shot(page, screenshots, "public-addenda-list")
    page.get_by_role("link", name=re.compile("Regio Aalst")).first.click()
    expect(page.locator("h1")).to_contain_text("Lokaal addendum: Regio Aalst – Matching 2025")
    expect(page.locator("main")).to_contain_text("Bereik van kwetsbare jongeren")
    expect(page.locator("main")).to_contain_text("Toeleiding naar werk")
    shot(page, screenshots, "public-addendum")

    # === 3. three organisations apply, each applicant in the browser ======================
    world.clock.advance(days=1)
    for n, name in enumerate((A, B, C)):
        login(page, base, applicants[name])
        page.get_by_role("link", name="Mijn kandidaturen").click()
        expect(page.locator("h1")).to_have_text("Mijn kandidaturen")
        expect(page.get_by_role("table", name=re.compile("Werkingsgebieden waarvoor"))
               ).to_contain_text("Regio Aalst")
        submit(page, page.get_by_role("button", name=f"Kandidatuur starten voor {name}"))
        flash(page, "Uw kandidatuur is aangemaakt als concept.")
        page.get_by_label("RU1 – Bereik van kwetsbare jongeren").check()
        page.get_by_label("Uw (unieke) bijdrage aan RU1").fill(
            f"{name} biedt outreach via jeugdwerkers in elke wijk van Aalst.")
        for crit, questions in ASSESSMENT_QUESTIONS.items():
            for q_no, question in enumerate(questions, start=1):
                page.get_by_label(question, exact=True).fill(
                    f"Antwoord van {name} op vraag {q_no} van {crit.value}, met voorbeelden.")
        page.get_by_label("Hoe is uw organisatie fit for partnership?").fill(
            "Wij werken al jaren samen in casusoverleg met VDAB en het OCMW.")
        for text in DECLARATION_TEXTS.values():
            page.get_by_label(text, exact=True).check()
        if n == 0:
            shot(page, screenshots, "applicant-candidacy-form")
        submit(page, page.get_by_role("button", name="Indienen", exact=True))
        submit(page, page.get_by_role("button", name="Bevestigen: indienen"))
        flash(page, "Uw kandidatuur is ingediend.")
        expect(page.locator("p.state")).to_contain_text("ingediend")
        if n == 0:
            page.get_by_role("link", name="Mijn kandidaturen").click()
            expect(page.locator("ul.candidacies")).to_contain_text("Regio Aalst – Matching 2025")
            expect(page.locator("li.current[aria-current=step]")).to_have_text("ingediend")
            shot(page, screenshots, "applicant-dashboard")
        logout(page)
    ids = {name: db.session.scalar(select(Candidacy.id).where(
        Candidacy.organisation_id == orgs[name].id)) for name in (A, B, C)}

    # === 4. after the deadline: close the intake, compose the jury, start round 1 =========
    world.clock.now = at(deadline) + timedelta(minutes=30)
    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/addendum")
    submit(page, page.get_by_role("button", name="Kandidaturen afsluiten"))
    flash(page, "De kandidaturen zijn afgesloten.")
    expect(page.locator("h1")).to_have_text("Ronde 1 van Matching 2025")

    page.get_by_role("navigation", name="Procedure").get_by_role("link", name="Jury").click()
    expect(page.locator(".check")).to_contain_text("voldoet niet")
    for user, bloc, affiliation in ((mm["vdab1"], "VDAB", "VDAB Oost-Vlaanderen"),
                                    (mm["lokaal1"], "LOKAAL_BESTUUR", "OCMW Aalst"),
                                    (mm["extern1"], "EXTERN", "Expert activering")):
        page.get_by_label(f"{user.name} in de jury", exact=True).check()
        page.get_by_label(f"Geleding van {user.name}", exact=True).select_option(bloc)
        page.get_by_label(f"Organisatie of expertise van {user.name}", exact=True).fill(affiliation)
    # extern1 chairs the jury: their consensus is the jury's decision at once (issue 13)
    page.get_by_label(f"{mm['extern1'].name} is voorzitter", exact=True).check()
    submit(page, page.get_by_role("button", name="Jury bewaren"))
    flash(page, "De jury is samengesteld.")
    expect(page.locator(".check")).to_contain_text("Deze samenstelling (3 matchmakers) voldoet.")
    shot(page, screenshots, "coordinator-jury-composition")
    submit(page, page.get_by_role("button", name="Ronde 1 starten"))
    flash(page, "Ronde 1 is gestart: de jury kan beoordelen.")
    expect(page.locator("main")).to_contain_text("0 van 3 kandidaturen klaar om te beslissen.")
    logout(page)

    # === 5. round 1 in the browser ========================================================
    # individual scores: A 3/4 (consensus), B crucial split 3/4/3 (ballot) and fit 3
    # (consensus), C 2/3 (consensus: below the threshold, not selected)
    crucial_b = {"vdab1": 3, "lokaal1": 4, "extern1": 3}
    for key in ("vdab1", "lokaal1", "extern1"):
        login(page, base, mm[key])
        page.get_by_role("link", name="Mijn jury").click()
        expect(page.get_by_role("table", name="Ronde 1")).to_contain_text(A)
        if key == "vdab1":
            shot(page, screenshots, "jury-dashboard")
        for name, scores in ((A, (3, 4)), (B, (crucial_b[key], 3)), (C, (2, 3))):
            scoring_page(page, base, ids[name], 1)
            expect(page.locator("h1")).to_have_text(f"{name}: beoordeling ronde 1")
            give_score(page, CRUCIAL, scores[0])
            give_score(page, FIT, scores[1])
        if key != "extern1":
            logout(page)

    # extern1, the last to score, sees the spread and records the consensus
    scoring_page(page, base, ids[A], 1)
    expect(criterion(page, CRUCIAL)).to_contain_text("Alle matchmakers gaven dezelfde score")
    shot(page, screenshots, "jury-scoring-page")
    record_consensus(page, CRUCIAL, 3, "De activiteiten beantwoorden concreet aan RU1, met "
                                       "beperkte tekortkomingen bij de lokale verankering.")
    record_consensus(page, FIT, 4, "Ruime ervaring met multidisciplinaire samenwerking.")
    scoring_page(page, base, ids[C], 1)
    record_consensus(page, CRUCIAL, 2, "De bijdrage overlapt grotendeels met bestaand aanbod.")
    record_consensus(page, FIT, 3, "Voldoende ervaring met samenwerking in het netwerk.")
    scoring_page(page, base, ids[B], 1)
    expect(criterion(page, CRUCIAL)).to_contain_text("Nog geen consensus.")
    record_consensus(page, FIT, 3, "Het engagement voor samenwerking is goed onderbouwd.")
    submit(page, criterion(page, CRUCIAL).get_by_role("button", name="Stemming openen"))
    flash(page, "De stemming is geopend.")
    vote(page, CRUCIAL, "onafhankelijke externe", 3)
    expect(criterion(page, CRUCIAL)).to_contain_text("Nog niet elke organisatie heeft gestemd")
    logout(page)

    login(page, base, mm["vdab1"])
    scoring_page(page, base, ids[B], 1)
    vote(page, CRUCIAL, "VDAB", 3)
    expect(criterion(page, CRUCIAL)).to_contain_text("Uitkomst: score 3 heeft ⅔ van de stemmen.")
    shot(page, screenshots, "jury-ballot")
    logout(page)

    login(page, base, mm["lokaal1"])
    scoring_page(page, base, ids[B], 1)
    vote(page, CRUCIAL, "lokaal bestuur", 4)
    ballot = criterion(page, CRUCIAL)
    expect(ballot.get_by_role("table", name=re.compile("Lopende stemming"))).to_contain_text("4")
    ballot.get_by_label("Motivering van de beslissing").fill(
        "Twee van de drie organisaties oordelen dat de bijdrage op de meeste punten voldoet.")
    submit(page, ballot.get_by_role("button", name="Stemming afsluiten"))
    flash(page, "De stemming is afgesloten met score 3.")
    expect(criterion(page, CRUCIAL)).to_contain_text("Score 3 (stemming)")
    logout(page)

    # === 6. the coordinator closes round 1; the letters go out ============================
    world.clock.advance(hours=20)
    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/rondes/1")
    expect(page.locator("main")).to_contain_text("3 van 3 kandidaturen klaar om te beslissen.")
    shot(page, screenshots, "coordinator-round-1-board")
    submit(page, page.get_by_role("link", name="Ronde 1 afsluiten …"))
    expect(page.locator("main")).to_contain_text("Wat er gebeurt als u bevestigt")
    submit(page, page.get_by_role("button", name="Bevestigen: ronde 1 afsluiten"))
    flash(page, "Ronde 1 is afgesloten; de beslissingsbrieven staan klaar voor verzending.")
    logout(page)

    counts = deliver()
    assert counts["failed"] == 0 and counts["sent"] >= 4  # three receipts, one decision
    received_at = world.clock.now
    subjects = [str(m["Subject"]) for m in smtp.messages]
    decision = next((m for m in smtp.messages if "Beslissing ronde 1" in str(m["Subject"])), None)
    assert decision is not None, subjects
    assert applicants[C].email in str(decision["To"])
    text = pdf_text(attachment(decision, "application/pdf")).replace("\n", " ")
    assert "Cruciale bijdrage" in text and "Fit for partnership" in text
    assert "De bijdrage overlapt grotendeels met bestaand aanbod." in text
    assert "Voldoende ervaring met samenwerking in het netwerk." in text
    assert re.search(r"Cruciale bijdrage\s*2", text) and re.search(r"Fit for partnership\s*3", text)
    deadline_c = appeal_deadline(received_at).astimezone(BRUSSELS)
    assert str(deadline_c.year) in text and "23:59:59" in text and str(deadline_c.day) in text

    login(page, base, applicants[C])
    page.get_by_role("link", name="Mijn kandidaturen").click()
    expect(page.locator("p.state")).to_contain_text("niet geselecteerd na ronde 1")
    page.get_by_role("link", name="Regio Aalst – Matching 2025").click()
    page.get_by_role("link", name="Beslissing ronde 1 over uw kandidatuur – Regio Aalst",
                     exact=True).click()
    expect(page.locator("h1")).to_contain_text("Beslissing na ronde 1: niet geselecteerd")
    expect(page.locator("body")).to_contain_text(
        "De bijdrage overlapt grotendeels met bestaand aanbod.")
    page.go_back()
    # the sealed PDF the applicant received is the one the public check page names
    page.get_by_role("link", name="Echtheid controleren – Beslissing ronde 1 over uw "
                                  "kandidatuur – Regio Aalst").click()
    expect(page.locator("main")).to_contain_text(
        hashlib.sha256(attachment(decision, "application/pdf")).hexdigest())
    shot(page, screenshots, "public-letter-check")
    page.go_back()
    logout(page)

    # === 7. pitches: planned on the round-2 board, held after the slot ====================
    world.clock.advance(days=1)
    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/rondes/2")
    for name, (_start, location) in ((A, slots[0]), (B, slots[1])):
        section = page.get_by_role("region", name=name, exact=True)
        chooser = section.get_by_label("Pitch-moment")
        chooser.select_option(chooser.locator("option", has_text=location).get_attribute("value"))
        submit(page, section.get_by_role("button", name="Pitch plannen"))
        flash(page, "De pitch is gepland en de uitnodiging staat klaar.")
    expect(page.get_by_role("table", name=re.compile("ronde 2"))).to_contain_text("gepland")
    shot(page, screenshots, "coordinator-round-2-board")
    logout(page)
    assert deliver()["failed"] == 0
    invitations = [m for m in smtp.messages if "pitch" in str(m["Subject"]).lower()]
    assert len(invitations) >= 2

    world.clock.now = at(slots[1][0]) + timedelta(minutes=50)  # after both pitches started
    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/rondes/2")
    for name in (A, B):
        section = page.get_by_role("region", name=name, exact=True)
        section.get_by_label("Kort verslag van de pitch").fill(
            f"{name} stelde het aanbod concreet voor en beantwoordde de vragen helder.")
        submit(page, section.get_by_role("button", name="Pitch als gehouden registreren"))
        flash(page, "De pitch is geregistreerd.")
    expect(page.get_by_role("table", name=re.compile("ronde 2"))).to_contain_text("gehouden")
    logout(page)

    # === 8. round 2: every matchmaker scores, the last records the consensus ==============
    final = {A: (3, 3), B: (4, 3)}
    for key in ("vdab1", "lokaal1", "extern1"):
        login(page, base, mm[key])
        for name, (crucial, fit) in final.items():
            scoring_page(page, base, ids[name], 2)
            expect(page.locator("main")).to_contain_text("Pitch: gehouden op")
            give_score(page, CRUCIAL, crucial)
            give_score(page, FIT, fit)
            if key == "extern1":
                record_consensus(page, CRUCIAL, crucial,
                                 "Na de pitch blijkt de bijdrage concreet en lokaal verankerd.")
                record_consensus(page, FIT, fit,
                                 "De pitch bevestigt het engagement voor samenwerking.")
        logout(page)

    world.clock.advance(hours=20)
    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/rondes/2")
    expect(page.locator("main")).to_contain_text("2 van 2 kandidaturen klaar om te beslissen.")
    submit(page, page.get_by_role("link", name="Ronde 2 afsluiten …"))
    expect(page.locator("main")).to_contain_text("Wat er gebeurt als u bevestigt")
    submit(page, page.get_by_role("button", name="Bevestigen: ronde 2 afsluiten"))
    flash(page, "Ronde 2 is afgesloten; de beslissingsbrieven staan klaar voor verzending.")
    expect(page.locator("main")).to_contain_text("beslist")
    logout(page)
    before = len(smtp.messages)
    assert deliver()["failed"] == 0
    assert len(smtp.messages) - before >= 2  # the two round-2 decisions

    login(page, base, applicants[A])
    page.get_by_role("link", name="Mijn kandidaturen").click()
    expect(page.locator("p.state")).to_contain_text("toegelaten tot stap 4")
    expect(page.locator("li.current[aria-current=step]")).to_have_text("stap 4")
    logout(page)

    # === 9. C appeals its round-1 non-selection; a panel of two reverses it ===============
    world.clock.advance(hours=2)
    assert world.clock.now < deadline_c
    login(page, base, applicants[C])
    page.get_by_role("link", name="Mijn kandidaturen").click()
    page.get_by_role("link", name="Regio Aalst – Matching 2025").click()
    page.get_by_role("link", name="Naar het weerwoordformulier").click()
    expect(page.locator("p.deadline")).to_contain_text("U kunt een weerwoord indienen tot en met")
    expect(page.locator("p.deadline")).to_contain_text("23:59")
    page.get_by_label("Welke materiële fout werd gemaakt?").fill(
        "De jury hield geen rekening met onze referentielijst van lopende taaltrajecten.")
    page.get_by_label(re.compile("^Documentatie die niet of onvoldoende")).fill(
        "Bijlage 2: referentielijst")
    shot(page, screenshots, "applicant-appeal-form")
    submit(page, page.get_by_role("button", name="Weerwoord indienen"))
    flash(page, "Uw weerwoord is ingediend.")
    expect(page.locator("main")).to_contain_text("Weerwoord tegen de beslissing van ronde 1")
    logout(page)

    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/weerwoorden")
    expect(page.get_by_role("table", name="Ingediende weerwoorden")).to_contain_text(C)
    form = page.get_by_role("region", name=f"Panel voor het weerwoord van {C}")
    form.get_by_label(panel[0].name, exact=True).check()
    form.get_by_label(panel[1].name, exact=True).check()
    shot(page, screenshots, "coordinator-appeal-panel")
    submit(page, form.get_by_role("button", name="Panel toewijzen"))
    flash(page, "Het panel van het weerwoord is toegewezen.")
    expect(page.get_by_role("table", name="Ingediende weerwoorden")).to_contain_text(
        "in behandeling bij het panel")
    logout(page)

    for n, member in enumerate(panel[:2]):
        login(page, base, member)
        page.get_by_role("link", name="Weerwoorden").click()
        expect(page.locator("h1")).to_have_text("Mijn weerwoorden")
        page.get_by_role("link", name=re.compile(C)).first.click()
        expect(page.locator("h1")).to_contain_text(f"Weerwoord van {C} (ronde 1)")
        expect(page.get_by_role("table", name="Scores en motiveringen van de jury")
               ).to_contain_text("De bijdrage overlapt grotendeels met bestaand aanbod.")
        page.get_by_role("group", name="Uw standpunt").get_by_label(
            "De niet-selectie omkeren").check()
        page.get_by_label("Grondige motivering").fill(
            "De referentielijst toont concrete lokale verankering die de jury niet meewoog.")
        if n == 0:
            shot(page, screenshots, "panel-position")
        submit(page, page.get_by_role("button", name="Standpunt vastleggen"))
        flash(page, "Uw standpunt is vastgelegd.")
        expect(page.get_by_role("region", name="Standpunt van het panel")).to_contain_text(
            "De niet-selectie omkeren")
        logout(page)
    before = len(smtp.messages)
    assert deliver()["failed"] == 0
    assert len(smtp.messages) > before  # the appeal's outcome

    login(page, base, applicants[C])
    page.get_by_role("link", name="Mijn kandidaturen").click()
    expect(page.locator("p.state")).to_contain_text("geselecteerd voor de pitch")
    logout(page)

    # === 10. C pitches too: planned, held, decided in round 2 =============================
    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/rondes/2")
    section = page.get_by_role("region", name=C, exact=True)
    chooser = section.get_by_label("Pitch-moment")
    chooser.select_option(chooser.locator("option", has_text=slots[2][1]).get_attribute("value"))
    submit(page, section.get_by_role("button", name="Pitch plannen"))
    flash(page, "De pitch is gepland en de uitnodiging staat klaar.")
    world.clock.now = at(slots[2][0]) + timedelta(minutes=50)
    page.reload()
    section = page.get_by_role("region", name=C, exact=True)
    section.get_by_label("Kort verslag van de pitch").fill(
        "Taalpunt Oost toonde zijn referenties en het lokale netwerk.")
    submit(page, section.get_by_role("button", name="Pitch als gehouden registreren"))
    flash(page, "De pitch is geregistreerd.")
    logout(page)
    for key in ("vdab1", "lokaal1", "extern1"):
        login(page, base, mm[key])
        scoring_page(page, base, ids[C], 2)
        give_score(page, CRUCIAL, 3)
        give_score(page, FIT, 3)
        if key == "extern1":
            record_consensus(page, CRUCIAL, 3, "Na het weerwoord en de pitch voldoet de bijdrage.")
            record_consensus(page, FIT, 3, "Het netwerk en de referenties tonen samenwerking.")
        logout(page)
    world.clock.advance(hours=2)
    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/rondes/2")
    submit(page, page.get_by_role("link", name="Ronde 2 afsluiten …"))
    expect(page.locator("main")).to_contain_text("Wat er gebeurt als u bevestigt")
    submit(page, page.get_by_role("button", name="Bevestigen: ronde 2 afsluiten"))
    flash(page, "Ronde 2 is afgesloten")
    logout(page)
    assert deliver()["failed"] == 0
    login(page, base, applicants[C])
    page.get_by_role("link", name="Mijn kandidaturen").click()
    expect(page.locator("p.state")).to_contain_text("toegelaten tot stap 4")
    logout(page)

    # === 11. the observer and the administrator ===========================================
    login(page, base, observer)
    page.goto(base + "/observatie")
    expect(page.locator("h1")).to_have_text("Observatie: werkingsgebieden en procedures")
    expect(page.locator("main")).to_contain_text("Regio Aalst")
    shot(page, screenshots, "observer-overview")
    page.goto(f"{base}/observatie/procedures/{procedure_id}")
    expect(page.locator("main")).to_contain_text(A)
    shot(page, screenshots, "observer-procedure")
    # the six conditions: an observation on condition 6, answered by the coordinator
    page.get_by_role("link", name="De zes voorwaarden, opmerkingen en bekrachtiging").click()
    expect(page.locator("h1")).to_contain_text("De zes voorwaarden van Europa WSE")
    page.get_by_role("radio", name="6. Weerwoord mogelijk bij niet-selectie").check()
    page.get_by_role("textbox", name="Opmerking").fill(
        "Hoe werd de termijn voor het weerwoord meegedeeld?")
    submit(page, page.get_by_role("button", name="Opmerking bewaren"))
    flash(page, "Uw opmerking is bewaard")
    logout(page)
    login(page, base, coordinator)
    page.goto(f"{base}/coordinatie/procedures/{procedure_id}/addendum")
    page.get_by_role("link", name="Zes voorwaarden en opmerkingen").click()
    page.get_by_role("textbox", name="Antwoord").fill(
        "In elke brief van niet-selectie, met de datum erbij.")
    submit(page, page.get_by_role("button", name="Antwoord bewaren"))
    flash(page, "Uw antwoord is bewaard.")
    logout(page)
    # once every appeal window has closed, all six are met and the observer ratifies
    world.clock.advance(days=30)
    login(page, base, observer)
    page.goto(f"{base}/observatie/procedures/{procedure_id}/voorwaarden")
    expect(page.locator("main")).to_contain_text("In elke brief van niet-selectie")
    expect(page.locator("td.status-met")).to_have_count(6)
    shot(page, screenshots, "observer-conditions")
    submit(page, page.get_by_role("button", name="Procedure bekrachtigen …"))
    submit(page, page.get_by_role("button", name="Bevestigen: bekrachtigen"))
    flash(page, "De procedure is bekrachtigd")
    expect(page.locator("main")).to_contain_text("SHA-256")
    logout(page)

    login(page, base, world.admin)
    page.goto(base + "/beheer/accounts")
    expect(page.locator("h1")).to_have_text("Accounts")
    expect(page.locator("main")).to_contain_text(observer.email)
    shot(page, screenshots, "admin-accounts")
    logout(page)

    # --- what the database holds at the end ------------------------------------------------
    db.session.expire_all()
    assert db.session.get(Procedure, procedure_id).state == ProcedureState.RATIFIED
    states = {name: db.session.get(Candidacy, ids[name]).state for name in (A, B, C)}
    assert states == {A: CandidacyState.ADMITTED_TO_STEP4, B: CandidacyState.ADMITTED_TO_STEP4,
                      C: CandidacyState.ADMITTED_TO_STEP4}
