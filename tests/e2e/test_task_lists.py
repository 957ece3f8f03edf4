"""Issue 13, "Everyone knows what to do next": one procedure walked from the publication of
its addendum to its ratification through the task lists alone, in a real headless Chromium.

Each person signs in (the sign-in page is the only address typed) and reaches every step by
clicking the task on their start page, then the buttons and links of the pages it leads to.
After each step, the next person's start page shows the next task. Done outside the
browser, as in the other end-to-end tests: creating the people, the draft addendum and the
jury before the walk, the drafts the applicants wrote on earlier sittings, moving the
clock, and the outbox worker that delivers the letters (and so records their receipt).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import CandidacyState
from tests.e2e.browser import flash, give_score, login, logout, record_consensus, shot, submit
from tests.support import ALL_DECLARED, ANSWERS
from workareas.models import Procedure
from workareas.rules import ProcedureState

CRUCIAL, FIT = "Cruciale bijdrage", "Fit for partnership"
A, B = "Jeugdwerk De Sprong", "Buurtwerk De Brug"
JURY = ("vdab1", "lokaal1", "extern1")  # extern1 chairs: the consensus is final at once


def start_page(page):
    """The person's task list: the 'Mijn taken' link of the header."""
    with page.expect_navigation():
        page.get_by_role("link", name="Mijn taken").click()


def task(page, text: str):
    """The task link on the start page whose text starts with ``text``."""
    return page.locator("ul.tasks a", has_text=re.compile("^" + re.escape(text)))


def do(page, text: str):
    """Open the start page and follow the task that starts with ``text``."""
    start_page(page)
    expect(task(page, text)).to_have_count(1)
    with page.expect_navigation():
        task(page, text).first.click()


def test_a_procedure_walked_through_the_task_lists_alone(app, world, db, live_server, page,
                                                         screenshots, smtp, mail_config,
                                                         pages_at_world_time):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the end-to-end tests run on SQLite only (CI time)")
    base = live_server

    def deliver() -> dict:
        """The outbox worker (not a page): deliver what is due, recording its receipt."""
        from matching.candidacies.operations import send_outbox
        with app.app_context():
            counts = send_outbox(mail_config, clock=lambda: world.clock.now)
        assert counts["failed"] == 0, counts
        return counts

    # --- before the walk: the people, the draft addendum with its pitch moments, the jury --
    procedure = world.draft_procedure(slots=3)
    world.compose_jury(names=JURY, chair="extern1")
    observer = world.observer()
    coordinator, mm, panel = world.coordinator, world.mm, world.panel
    orgs = {name: world.organisation(name) for name in (A, B)}
    applicants = {name: world.applicant(org) for name, org in orgs.items()}
    db.session.commit()
    procedure_id = procedure.id

    # === the coordinator publishes the addendum (after its confirmation page) =============
    login(page, base, coordinator)
    do(page, "Werk het addendum af en publiceer het.")
    submit(page, page.get_by_role("button", name="Addendum publiceren …"))
    expect(page.locator("main")).to_contain_text("Wat er gebeurt als u bevestigt")
    submit(page, page.get_by_role("button", name="Bevestigen: publiceren"))
    flash(page, "Het addendum is gepubliceerd: de kandidaturen staan open.")
    start_page(page)
    expect(task(page, "Werk het addendum af")).to_have_count(0)
    logout(page)

    # === the applicants, whose drafts are complete, submit them from their task list ======
    world.clock.advance(days=1)
    for name, org in orgs.items():
        who = applicants[name]
        draft = candidacy_ops.start_candidacy(db.session.get(Procedure, procedure_id), org,
                                              actor=who, now=world.clock.now)
        candidacy_ops.save_candidacy(
            draft, actor=who, now=world.clock.now,
            contributions={"RU1": f"{name} bereikt jongeren via outreach in elke wijk."},
            answers=ANSWERS, partnership_fit="Wij werken al jaren samen in casusoverleg.",
            declarations=ALL_DECLARED)
        db.session.commit()
    for name in (A, B):
        login(page, base, applicants[name])
        do(page, f"Werk de kandidatuur van {name} af en dien ze in.")
        submit(page, page.get_by_role("button", name="Indienen", exact=True))
        submit(page, page.get_by_role("button", name="Bevestigen: indienen"))
        flash(page, "Uw kandidatuur is ingediend.")
        start_page(page)
        expect(task(page, "Werk de kandidatuur")).to_have_count(0)
        logout(page)
    ids = {name: db.session.scalar(select(Candidacy.id).where(
        Candidacy.organisation_id == orgs[name].id)) for name in (A, B)}

    # === after the deadline: the coordinator closes the intake and starts round 1 =========
    world.clock.now = db.session.get(Procedure, procedure_id).candidacy_deadline + timedelta(
        minutes=30)
    login(page, base, coordinator)
    do(page, "De deadline is voorbij: sluit de kandidaturen af.")
    submit(page, page.get_by_role("button", name="Kandidaturen afsluiten"))
    flash(page, "De kandidaturen zijn afgesloten.")
    do(page, "Start ronde 1.")
    submit(page, page.get_by_role("button", name="Ronde 1 starten"))
    flash(page, "Ronde 1 is gestart: de jury kan beoordelen.")
    logout(page)

    # === round 1: every matchmaker scores from the task list; the chair decides ============
    round_1 = {A: (3, 4), B: (2, 3)}  # B stays below the threshold: not selected
    for key in JURY:
        login(page, base, mm[key])
        for _ in round_1:
            do(page, "Ronde 1: kandidaturen die op uw score wachten:")
            name = next(n for n in round_1 if n in page.locator("h1").inner_text())
            give_score(page, CRUCIAL, round_1[name][0])
            give_score(page, FIT, round_1[name][1])
            if key == "extern1":
                record_consensus(page, CRUCIAL, round_1[name][0],
                                 f"Motivering van de jury over de bijdrage van {name}.")
                record_consensus(page, FIT, round_1[name][1],
                                 f"Motivering van de jury over de samenwerking van {name}.")
        start_page(page)
        expect(task(page, "Ronde 1:")).to_have_count(0)
        logout(page)

    # === the coordinator closes round 1 after its confirmation page; letters go out =======
    world.clock.advance(hours=2)
    login(page, base, coordinator)
    do(page, "Ronde 1 is klaar: sluit ze af")
    submit(page, page.get_by_role("link", name="Ronde 1 afsluiten …"))
    expect(page.locator("main")).to_contain_text("Wat er gebeurt als u bevestigt")
    submit(page, page.get_by_role("button", name="Bevestigen: ronde 1 afsluiten"))
    flash(page, "Ronde 1 is afgesloten")
    # the selected organisation has no pitch yet: the next task plans it
    do(page, "Geselecteerde kandidaturen zonder pitch-moment: 1.")
    page.get_by_role("link", name="Slots toewijzen op de pagina van ronde 2").click()
    section = page.get_by_role("region", name=A, exact=True)
    chooser = section.get_by_label("Pitch-moment")
    chooser.select_option(index=0)
    submit(page, section.get_by_role("button", name="Pitch plannen"))
    flash(page, "De pitch is gepland en de uitnodiging staat klaar.")
    logout(page)
    deliver()

    # === B, not selected, appeals from the task its decision letter left ==================
    world.clock.advance(hours=3)
    login(page, base, applicants[B])
    do(page, f"Lees de beslissing over {B}; een weerwoord kan tot de vermelde datum.")
    page.get_by_role("link", name="Naar het weerwoordformulier").click()
    page.get_by_label("Welke materiële fout werd gemaakt?").fill(
        "De jury hield geen rekening met onze referentielijst van lopende trajecten.")
    page.get_by_label(re.compile("^Documentatie die niet of onvoldoende")).fill(
        "Bijlage 2: referentielijst")
    submit(page, page.get_by_role("button", name="Weerwoord indienen"))
    flash(page, "Uw weerwoord is ingediend.")
    start_page(page)
    expect(task(page, "Lees de beslissing")).to_have_count(0)
    logout(page)

    login(page, base, coordinator)
    do(page, "Weerwoorden zonder panel: 1.")
    form = page.get_by_role("region", name=f"Panel voor het weerwoord van {B}")
    form.get_by_label(panel[0].name, exact=True).check()
    form.get_by_label(panel[1].name, exact=True).check()
    submit(page, form.get_by_role("button", name="Panel toewijzen"))
    flash(page, "Het panel van het weerwoord is toegewezen.")
    logout(page)

    for member in panel[:2]:
        login(page, base, member)
        do(page, f"Beoordeel het weerwoord van {B}.")
        page.get_by_role("group", name="Uw standpunt").get_by_label(
            "De niet-selectie bevestigen").check()
        page.get_by_label("Grondige motivering").fill(
            "Het juryverslag bespreekt de referentielijst; er is geen materiële fout.")
        submit(page, page.get_by_role("button", name="Standpunt vastleggen"))
        flash(page, "Uw standpunt is vastgelegd.")
        start_page(page)
        expect(task(page, "Beoordeel het weerwoord")).to_have_count(0)
        logout(page)
    deliver()

    # === after the pitch moment: the coordinator records it held ==========================
    slot = db.session.get(Procedure, procedure_id).pitch_slots[0]
    world.clock.now = slot.starts_at + timedelta(minutes=50)
    login(page, base, coordinator)
    do(page, "Gehouden pitches nog te registreren: 1.")
    section = page.get_by_role("region", name=A, exact=True)
    section.get_by_label("Kort verslag van de pitch").fill(
        f"{A} stelde het aanbod concreet voor en beantwoordde de vragen helder.")
    submit(page, section.get_by_role("button", name="Pitch als gehouden registreren"))
    flash(page, "De pitch is geregistreerd.")
    logout(page)

    # === round 2: the matchmakers score after the pitch; the coordinator closes it ========
    for key in JURY:
        login(page, base, mm[key])
        do(page, "Ronde 2: kandidaturen die op uw score wachten: 1.")
        give_score(page, CRUCIAL, 3)
        give_score(page, FIT, 4)
        if key == "extern1":
            record_consensus(page, CRUCIAL, 3, "Na de pitch blijkt de bijdrage concreet.")
            record_consensus(page, FIT, 4, "De pitch bevestigt het engagement.")
        logout(page)

    world.clock.advance(hours=2)
    login(page, base, coordinator)
    do(page, "Ronde 2 is klaar: sluit ze af")
    submit(page, page.get_by_role("link", name="Ronde 2 afsluiten …"))
    expect(page.locator("main")).to_contain_text("Wat er gebeurt als u bevestigt")
    submit(page, page.get_by_role("button", name="Bevestigen: ronde 2 afsluiten"))
    flash(page, "Ronde 2 is afgesloten")
    logout(page)
    deliver()

    # === once every appeal window closed, the observer ratifies from the task list ========
    world.clock.advance(days=20)
    login(page, base, observer)
    do(page, "Beslist: controleer de zes voorwaarden en bekrachtig.")
    expect(page.locator("td.status-met")).to_have_count(6)
    submit(page, page.get_by_role("button", name="Procedure bekrachtigen …"))
    submit(page, page.get_by_role("button", name="Bevestigen: bekrachtigen"))
    flash(page, "De procedure is bekrachtigd")
    shot(page, screenshots, "task-lists-ratified")
    start_page(page)
    expect(task(page, "Beslist:")).to_have_count(0)
    logout(page)

    db.session.expire_all()
    assert db.session.get(Procedure, procedure_id).state == ProcedureState.RATIFIED
    assert {n: db.session.get(Candidacy, ids[n]).state for n in (A, B)} == {
        A: CandidacyState.ADMITTED_TO_STEP4, B: CandidacyState.NOT_SELECTED_R1}
