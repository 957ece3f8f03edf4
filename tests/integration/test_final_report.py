"""The final report of step 3 (R-OBS-1, DOMAIN step 4): a procedure walked to the end
through the real operations — a ballot without and one with two thirds, a conflict of
interest, an appeal confirmed and one reversed (with its own pitch and round-2 decision) —
and its report read back from the PDF: every candidacy's scores, motivations and decision
methods, each organisation's vote, the pitches, the appeals with the panel's motivations
and outcome, who goes on to step 4, the six conditions and the head of the audit chain.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from appeals import operations as appeal_ops
from appeals.rules import AppealState, Position
from juries import operations as jury_ops
from matching.audit.models import AuditEvent
from matching.candidacies.rules import CandidacyState, Criterion
from tests.helpers import flat, pdf_text
from tests.support import QueryCounter
from workareas import operations as area_ops
from workareas.rules import ProcedureState

CC, FFP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP

CONFIRM_1 = "De referentielijst werd wel degelijk meegenomen: de jury citeert ze letterlijk."
CONFIRM_2 = "Geen materiële fout; de bijlage stond niet bij de kandidatuur op de deadline."
REVERSE_1 = "Het attest van erkenning zat in de bijlagen maar werd niet meegewogen."
REVERSE_2 = "De jury vermeldt de samenwerking met het OCMW niet, al staat ze in bijlage 3."


def motivation(name: str, round_no: int, criterion: Criterion) -> str:
    return f"Motivering van de jury voor {name}, ronde {round_no}, {criterion.value}: concreet."


def consensus(world, candidacy, round_no, criterion, score, name):
    for user in world.eligible(candidacy):
        jury_ops.record_assessment(candidacy, round_no, criterion, score, ["ok"] * 4,
                                   actor=user, now=world.clock.now)
    jury_ops.record_consensus(candidacy, round_no, criterion, score,
                              motivation(name, round_no, criterion),
                              actor=world.eligible(candidacy)[0], now=world.clock.now)


def ballot(world, candidacy, round_no, criterion, votes, name=None):
    """One ballot with the votes of (vdab1, lokaal1, extern1); decides when two agree."""
    now = world.clock.now
    b = jury_ops.open_ballot(candidacy, round_no, criterion, actor=world.mm["vdab1"], now=now)
    for who, score in zip(("vdab1", "lokaal1", "extern1"), votes, strict=True):
        jury_ops.cast_vote(b, score, actor=world.mm[who], now=now)
    jury_ops.close_ballot(b, motivation(name, round_no, criterion) if name else None,
                          actor=world.mm["vdab1"], now=now)
    return b


def panel(world, appeal, position, motivations):
    appeal_ops.assign_panel(appeal, world.panel[:2], actor=world.coordinator, now=world.clock.now)
    for member, text in zip(world.panel[:2], motivations, strict=True):
        appeal_ops.record_position(appeal, position, text, actor=member, now=world.clock.now)


@pytest.fixture
def walked(world, db):
    """Jobkracht: a ballot without ⅔, then one with ⅔ (3) and a consensus (4): pitch,
    admitted. De Brug: not selected (2, 3), appeal confirmed. Taalpunt: not selected
    (2, 2), appeal reversed, its own pitch, admitted. A conflict of interest of vdab2."""
    world.published_procedure()
    jobkracht = world.apply("Jobkracht vzw")
    brug = world.apply("Buurtwerk De Brug")
    taalpunt = world.apply("Taalpunt Noord vzw")
    world.start_round_1()
    jury_ops.declare_conflict(brug, "Ik zetel in de raad van bestuur van De Brug.",
                              actor=world.mm["vdab2"], now=world.clock.now)
    ballot(world, jobkracht, 1, CC, (2, 3, 4))  # no two thirds: a new ballot
    ballot(world, jobkracht, 1, CC, (3, 4, 3), "Jobkracht vzw")
    consensus(world, jobkracht, 1, FFP, 4, "Jobkracht vzw")
    consensus(world, brug, 1, CC, 2, "Buurtwerk De Brug")
    consensus(world, brug, 1, FFP, 3, "Buurtwerk De Brug")
    consensus(world, taalpunt, 1, CC, 2, "Taalpunt Noord vzw")
    consensus(world, taalpunt, 1, FFP, 2, "Taalpunt Noord vzw")
    world.close_round(1)
    for c in (jobkracht, brug, taalpunt):
        world.received(c, 1)
    world.clock.advance(days=2)
    confirmed, reversed_ = world.appeal(brug), world.appeal(taalpunt)
    panel(world, confirmed, Position.CONFIRM, (CONFIRM_1, CONFIRM_2))
    panel(world, reversed_, Position.REVERSE, (REVERSE_1, REVERSE_2))
    assert taalpunt.state == CandidacyState.SELECTED_FOR_PITCH
    pitches = {"jobkracht": world.pitch(jobkracht), "taalpunt": world.pitch(taalpunt)}
    for c, name in ((jobkracht, "Jobkracht vzw"), (taalpunt, "Taalpunt Noord vzw")):
        consensus(world, c, 2, CC, 3, name)
        consensus(world, c, 2, FFP, 4, name)
    world.close_round(2)
    for c in (jobkracht, taalpunt):
        world.received(c, 2)
    world.clock.advance(days=20)
    from matching.accounts.rules import Role
    from matching.oversight.operations import answer_observation, record_observation
    observer = world.user("europa-wse-opmerking", Role.OBSERVER)
    db.session.flush()
    observation = record_observation(world.procedure, 3, "Hoe werd de publicatie van het "
                                     "addendum aangekondigd?", actor=observer, now=world.clock.now)
    answer_observation(observation, "Via de nieuwsbrief van de stad en de website van VDAB.",
                       actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    assert world.procedure.state == ProcedureState.DECIDED
    assert (confirmed.state, reversed_.state) == (AppealState.CONFIRMED, AppealState.REVERSED)
    return dict(jobkracht=jobkracht, brug=brug, taalpunt=taalpunt, pitches=pitches)


NAMES = {"jobkracht": "Jobkracht vzw", "brug": "Buurtwerk De Brug",
         "taalpunt": "Taalpunt Noord vzw"}


def section(text: str, candidacy, name: str) -> str:
    """The part of the report about one candidacy: from its heading to the next one."""
    start = text.index(f"{name} – {candidacy.reference} Ondernemingsnummer")
    ends = [text.find(f"{other} – ", start + 1) for other in NAMES.values()]
    ends.append(text.index("6. Toegelaten tot stap 4"))
    return text[start:min(e for e in ends if e > start)]


def test_the_report_tells_the_whole_procedure(world, db, walked):
    from matching.oversight.facts import TITLES
    from matching.oversight.report import build_final_report

    now = world.clock.now
    pdf = build_final_report(world.procedure.id, now)
    text = flat(pdf_text(pdf))
    # every candidacy, in its own section: its decisions with score, scale wording,
    # method and motivation, its ballots with each organisation's vote, pitch and appeal
    sections = {name: section(text, walked[key], name) for key, name in NAMES.items()}
    jobkracht, brug, taalpunt = (sections[n] for n in NAMES.values())
    for name, decisions in (("Jobkracht vzw", ((1, CC), (1, FFP), (2, CC), (2, FFP))),
                            ("Buurtwerk De Brug", ((1, CC), (1, FFP))),
                            ("Taalpunt Noord vzw", ((1, CC), (1, FFP), (2, CC), (2, FFP)))):
        for round_no, criterion in decisions:
            assert motivation(name, round_no, criterion) in sections[name], (name, round_no)
    assert ("Cruciale bijdrage: 3 op 4 (Organisatie voldoet op de meeste criteria, met beperkte "
            "tekortkomingen op andere criteria) – bij stemming (twee derde)") in jobkracht
    assert "Fit for partnership: 4 op 4 (Organisatie voldoet aan alle criteria) – bij consensus" \
        in jobkracht
    assert "Cruciale bijdrage: 2 op 4" in brug and "Fit for partnership: 3 op 4" in brug
    assert "bij stemming" not in brug
    r1, r2 = taalpunt.split("Beslissingen van de jury in ronde 2")
    assert "Cruciale bijdrage: 2 op 4" in r1 and "Fit for partnership: 2 op 4" in r1
    assert "Cruciale bijdrage: 3 op 4" in r2 and "Fit for partnership: 4 op 4" in r2
    # the ballots, with each organisation's vote: the undecided one and the deciding one
    assert "VDAB lokaal bestuur onafhankelijke externe Uitkomst" in jobkracht
    assert re.search(r"ronde 1 – Cruciale bijdrage \([^)]*\) 2 3 4 geen twee derde", jobkracht)
    assert re.search(r"ronde 1 – Cruciale bijdrage \([^)]*\) 3 4 3 score 3", jobkracht)
    # the pitches, the appeals: grounds, the panel's motivations, the outcome
    assert "gehouden op" in jobkracht and "De pitch verliep vlot en concreet." in jobkracht
    # the pitch is dated by when it was held (its moment), not by when it was registered
    held = walked["pitches"]["jobkracht"]
    from matching.letters.render import format_clock, format_day
    assert (f"gehouden op {format_day(held.slot.starts_at)} {format_clock(held.slot.starts_at)} "
            f"tot {format_clock(held.slot.ends_at)}") in jobkracht
    assert f"als gehouden geregistreerd op {format_day(held.held_at)}" in jobkracht
    # the observations of Europa WSE with their answers, under their condition
    c3 = text.split("Voorwaarde 3:", 1)[1].split("Voorwaarde 4:", 1)[0]
    assert "Hoe werd de publicatie van het addendum aangekondigd?" in c3
    assert "Via de nieuwsbrief van de stad en de website van VDAB." in c3
    assert "De pitch verliep vlot en concreet." in taalpunt and "Pitch:" not in brug
    for part, positions, outcome in ((brug, (CONFIRM_1, CONFIRM_2), "niet-selectie bevestigd"),
                                     (taalpunt, (REVERSE_1, REVERSE_2), "niet-selectie omgekeerd")):
        assert "Weerwoord na ronde 1" in part
        assert "De bijlage met onze referenties werd niet meegenomen" in part
        for position in positions:
            assert position in part
        assert f"Uitkomst van het weerwoord: {outcome}" in part
    # the conflict of interest: who, for which candidacy, when; never the personal reason
    # (issue 12: the report is a public document)
    assert "Ik zetel in de raad van bestuur van De Brug." not in text
    assert re.search(r"Vdab2 meldde een belangenconflict voor Buurtwerk De Brug op \d", text)
    # no relative time words in a permanent document
    for word in ("zopas", "vandaag", "gisteren", "onlangs", "binnenkort"):
        assert word not in text.lower(), word
    # the jury
    assert "Vdab1" in text and "Extern1" in text and "onafhankelijke externe" in text
    # the addendum and its timing
    assert "Toeleiding naar werk" in text and "Uit de persona-analyse blijkt" in text
    assert "RU2 – Gezondheid en werk" in text and "Eerstelijnszones" in text
    assert "Verwachte beslissing 30 april 2025" in text
    assert "Start van het partnerschap 1 september 2025" in text
    assert "Stadhuis Aalst" in text
    # who goes on to step 4
    step4 = text.split("6. Toegelaten tot stap 4", 1)[1].split("7. De zes voorwaarden", 1)[0]
    assert "Jobkracht vzw" in step4 and "Taalpunt Noord vzw" in step4
    assert "Buurtwerk De Brug" not in step4
    # the six conditions, met
    for number, title in TITLES.items():
        assert f"Voorwaarde {number}: {title}" in text
    assert text.count("Status: voldaan") == 6
    # the head of the audit chain, and when the report was made
    head_id, head_hash = db.session.execute(select(AuditEvent.id, AuditEvent.hash)
                                            .order_by(AuditEvent.id.desc()).limit(1)).one()
    assert head_hash in text and f"nummer {head_id}" in text
    count = db.session.scalar(select(func.count(AuditEvent.id)))
    assert f"Aantal gebeurtenissen in de keten {count}" in text
    assert "Controle van de keten intact" in text
    assert "(Belgische tijd)" in text


def test_the_report_is_deterministic_with_metadata_and_page_numbers(world, db, walked):
    from matching.oversight.report import build_final_report

    now = world.clock.now
    one = build_final_report(world.procedure.id, now)
    two = build_final_report(world.procedure.id, now)
    assert one == two
    later = build_final_report(world.procedure.id, now + timedelta(minutes=1))
    assert later != one
    reader = PdfReader(io.BytesIO(one))
    assert reader.metadata.title.startswith("Eindverslag stap 3")
    assert "Regio Aalst" in reader.metadata.title
    assert "Stad Aalst" in reader.metadata.author
    assert reader.trailer["/Root"].get("/Lang") == "nl-BE"
    pages = len(reader.pages)
    assert f"pagina 1 van {pages}" in reader.pages[0].extract_text()
    assert f"pagina {pages} van {pages}" in reader.pages[-1].extract_text()


def test_ratification_stores_the_report_with_the_chain_head_it_names(world, db, walked):
    from matching.accounts.rules import Role
    from matching.oversight.operations import ratify

    observer = world.user("waarnemer", Role.OBSERVER)
    report = ratify(world.procedure, actor=observer, now=world.clock.now)
    db.session.commit()
    text = flat(pdf_text(report.pdf))
    assert report.chain_head_hash in text
    assert "bekrachtigd door Europa WSE" in text


def test_the_report_in_english_keeps_the_records(world, db, walked):
    from matching.oversight.report import build_final_report

    pdf = build_final_report(world.procedure.id, world.clock.now, "en")
    assert PdfReader(io.BytesIO(pdf)).trailer["/Root"].get("/Lang") == "en-GB"
    text = flat(pdf_text(pdf))
    assert motivation("Jobkracht vzw", 1, FFP) in text and REVERSE_2 in text


def _procedure_with(world, names: list[str]):
    """A procedure through round 1: a ballot for the first, a conflict on the second, the
    others by consensus; the first pitches, the last appeals."""
    world.published_procedure()
    candidacies = [world.apply(name) for name in names]
    world.start_round_1()
    first, *rest = candidacies
    jury_ops.declare_conflict(rest[0], "Ik werkte er vorig jaar nog.", actor=world.mm["vdab2"],
                              now=world.clock.now)
    ballot(world, first, 1, CC, (3, 4, 3), names[0])
    consensus(world, first, 1, FFP, 4, names[0])
    for c, name in zip(rest, names[1:], strict=True):
        consensus(world, c, 1, CC, 2, name)
        consensus(world, c, 1, FFP, 3, name)
    world.close_round(1)
    for c in candidacies:
        world.received(c, 1)
    world.appeal(candidacies[-1])
    world.pitch(first)
    return world.procedure


def test_the_report_needs_no_more_statements_for_more_candidacies(world, db):
    """As many SQL statements for 2 candidacies as for 6 (bulk loads, nothing per row)."""
    from matching.accounts.rules import OrganisationKind, Role
    from matching.oversight.report import final_report_html

    def statements(procedure) -> int:
        final_report_html(procedure.id, world.clock.now)  # the audit check is then reused
        db.session.commit()
        db.session.expire_all()
        with QueryCounter(db) as counter:
            html = final_report_html(procedure.id, world.clock.now)
        assert "Motivering van de jury voor" in html
        return counter.count

    few = statements(_procedure_with(world, ["Eerste vzw", "Tweede vzw"]))
    # a second work area, with its own coordinator and procedure
    gent = world.organisation("Stad Gent", OrganisationKind.LOCAL_GOVERNMENT)
    world.area = area_ops.create_work_area("Regio Gent", "Oost-Vlaanderen", ["Gent"], [gent],
                                           actor=world.admin, now=world.clock.now)
    db.session.flush()
    world.coordinator = world.user("coord-gent", Role.COORDINATOR, work_area_id=world.area.id)
    many = statements(_procedure_with(world, [f"Organisatie {i} vzw" for i in range(6)]))
    assert many == few, (few, many)
    assert few < 60, few  # a constant: bulk loads only


def test_the_layout_engine_lays_out_long_tables_rows_and_words():
    """The letters' engine on any document (no application needed): a table over several
    pages repeats its header, a row taller than a page is split, a word wider than the line
    is cut, nested lists, links and inline styles survive, and the same HTML and moment give
    the same bytes."""
    from datetime import UTC, datetime

    from matching.letters.layout import PdfOptions, write_pdf

    options = PdfOptions(created_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC), footer="Proef",
                         page_label="page %(page)s of %(pages)s")

    long_cell = " ".join(f"zin{i} van een heel lange motivering." for i in range(400))
    rows = "".join(f"<tr><th scope='row'>Organisatie {i:03d}</th><td>{i % 4 + 1}</td>"
                   f"<td>Motivering {i:03d} &amp; meer</td></tr>" for i in range(150))
    html = f"""<!doctype html><html lang="en"><head><title>Proef – tabel</title>
    <meta name="author" content="De proef"><style>p > b {{ color: red }}</style></head>
    <body><main><h1>Proef</h1><p>Een <strong>vette</strong>, <em>schuine</em> en
    <code>vaste</code> tekst met <a href="https://example.org/a?b=1&amp;c=2">een link</a>.</p>
    <ul><li>Eén<ul><li>Twee</li></ul></li><li>Drie</li></ul>
    <ol><li>eerste</li><li>tweede</li></ol>
    <p>{"x" * 300}</p>
    <table><caption>Scores</caption><thead><tr><th scope="col">Organisatie</th>
    <th scope="col">Score</th><th scope="col">Motivering</th></tr></thead><tbody>{rows}
    <tr><th scope="row">Lang</th><td>1</td><td>{long_cell}</td></tr></tbody></table>
    <p>Einde.</p></main></body></html>"""
    pdf = write_pdf(html, options)
    assert pdf == write_pdf(html, options)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.metadata.title == "Proef – tabel" and reader.metadata.author == "De proef"
    assert reader.trailer["/Root"].get("/Lang") == "en-GB"
    pages = [p.extract_text() for p in reader.pages]
    assert len(pages) >= 5
    text = flat("\n".join(pages))
    assert "Een vette, schuine en vaste tekst met een link." in text
    assert "• Eén" in text and "• Twee" in text and "1. eerste" in text
    for i in range(150):
        assert f"Organisatie {i:03d}" in text and f"Motivering {i:03d} & meer" in text
    assert "zin0 van" in text and "zin399 van een heel lange motivering." in text
    assert "x" * 80 in text.replace(" ", "")  # cut, never lost
    assert sum("Organisatie Score Motivering" in flat(p) for p in pages) >= 4  # header repeated
    assert f"page {len(pages)} of {len(pages)}" in pages[-1]
    assert text.rstrip().endswith(f"page {len(pages)} of {len(pages)}")
    links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0]["/Annots"]]
    assert links == ["https://example.org/a?b=1&c=2"]
