"""Exports for evaluators (matching.oversight.exports, matching.oversight.views): CSV and
XLSX of the candidacies, the jury's scores per round and criterion, the methods, appeals
and outcomes."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from juries.models import JuryDecision
from juries.rules import Method
from matching.accounts.models import Organisation
from matching.accounts.rules import OrganisationKind
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import CandidacyState, Criterion
from matching.oversight.exports import COLUMNS, PERSONAL_COLUMNS, export_rows, to_csv, to_xlsx
from tests.support import QueryCounter, kbo, login, snapshot

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def exported_world(world, db):
    """3 candidacies decided in round 1, one of them also in round 2; an appeal against
    a round-1 non-selection; a withdrawn candidacy (never decided) and a draft."""
    world.published_procedure()
    c1, c2, c3 = (world.apply("Jobkracht vzw"), world.apply("Werkwinkel vzw"),
                  world.apply("Atelier Één vzw"))
    gone = world.apply("Weg vzw")
    candidacy_ops.withdraw_candidacy(gone, "We trekken ons terug.",
                           actor=world.applicant(gone.organisation), now=world.clock.now)
    draft_org = world.organisation("Concept vzw")
    candidacy_ops.start_candidacy(world.procedure, draft_org, actor=world.applicant(draft_org),
                        now=world.clock.now)
    world.start_round_1()
    world.decide(c1, 1, (3, 4))
    world.decide(c2, 1, (2, 3))
    world.decide(c3, 1, (4, 2))
    world.close_round(1)
    world.received(c2, 1)
    world.appeal(c2)
    world.pitch(c1)
    world.decide(c1, 2, (4, 3))
    world.close_round(2)
    db.session.commit()
    return c1, c2, c3, gone


def read_xlsx(data: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Kandidaturen"]
    sheet = workbook["Kandidaturen"]
    assert sheet.freeze_panes == "A2" and sheet.cell(1, 1).font.bold
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def as_dicts(table) -> list[dict]:
    header, *rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_one_row_per_candidacy_and_decided_round_in_xlsx_and_csv(world, db, client):
    c1, c2, c3, gone = exported_world(world, db)
    login(client, db, world.observer())
    before = snapshot(db)
    pid = world.procedure.id

    r = client.get(f"/observatie/procedures/{pid}/export.xlsx")
    assert r.status_code == 200 and r.mimetype == XLSX
    assert r.headers["Content-Disposition"] == \
        f'attachment; filename="kandidaturen-procedure-{pid}.xlsx"'
    table = read_xlsx(r.data)
    assert tuple(table[0]) == COLUMNS
    rows = as_dicts(table)
    keys = sorted((row["kandidatuur"], row["ronde"] or 0) for row in rows)
    assert keys == sorted([(c1.reference, 1), (c1.reference, 2), (c2.reference, 1),
                           (c3.reference, 1), (gone.reference, 0)])  # the draft is left out

    r = client.get(f"/observatie/procedures/{pid}/export.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith("attachment; filename=")
    csv_table = read_csv(r.data)
    assert csv_table == [["" if v is None else str(v) for v in row] for row in table]

    by_key = {(row["kandidatuur"], row["ronde"]): row for row in rows}
    cc, ffp = Criterion.CRUCIAL_CONTRIBUTION.value, Criterion.FIT_FOR_PARTNERSHIP.value
    r1 = by_key[(c1.reference, 1)]
    assert (r1["score_cruciale_bijdrage"], r1["score_fit_for_partnership"]) == (3, 4)
    assert r1["motivering_cruciale_bijdrage"] == f"Motivering voor score 3 op {cc}."
    assert r1["motivering_fit_for_partnership"] == f"Motivering voor score 4 op {ffp}."
    assert r1["methode_cruciale_bijdrage"] == r1["methode_fit_for_partnership"] == "consensus"
    assert r1["geselecteerd"] == "ja" and r1["organisatie"] == "Jobkracht vzw"
    assert r1["werkingsgebied"] == "Regio Aalst" and r1["procedure_id"] == pid
    assert r1["toestand"] == "toegelaten tot stap 4" and r1["beslist_op"]
    r2 = by_key[(c1.reference, 2)]
    assert (r2["score_cruciale_bijdrage"], r2["score_fit_for_partnership"], r2["geselecteerd"]) \
        == (4, 3, "ja")
    appealed = by_key[(c2.reference, 1)]
    assert appealed["geselecteerd"] == "nee" and appealed["weerwoord"] == "ingediend"
    assert appealed["weerwoord_uitkomst"] is None and appealed["weerwoord_ingediend_op"]
    assert by_key[(c3.reference, 1)]["geselecteerd"] == "nee"
    assert by_key[(c3.reference, 1)]["organisatie"] == "Atelier Één vzw"  # accents survive
    withdrawn = by_key[(gone.reference, None)]
    assert withdrawn["toestand"] == "ingetrokken" and withdrawn["score_cruciale_bijdrage"] is None
    assert "Atelier Één vzw" in r.data.decode("utf-8")
    db.session.rollback()
    assert snapshot(db) == before  # an export changes nothing


def test_the_all_procedures_export_and_the_observer_links(world, db, client):
    exported_world(world, db)
    login(client, db, world.observer())
    r = client.get("/observatie/export.xlsx")
    assert r.status_code == 200 and r.mimetype == XLSX
    assert 'filename="kandidaturen-alle-procedures.xlsx"' in r.headers["Content-Disposition"]
    assert len(read_xlsx(r.data)) == 1 + 5
    assert len(read_csv(client.get("/observatie/export.csv").data)) == 1 + 5
    assert "/observatie/export.csv" in client.get("/observatie").get_data(as_text=True)
    page = client.get(f"/observatie/procedures/{world.procedure.id}").get_data(as_text=True)
    assert f"/observatie/procedures/{world.procedure.id}/export.xlsx" in page


def header_of(client, url) -> list[str]:
    r = client.get(url)
    assert r.status_code == 200, url
    return read_csv(r.data)[0] if ".csv" in url else list(read_xlsx(r.data)[0])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_personal_data_only_when_asked_and_allowed(world, db, client, fmt):
    c1, *_ = exported_world(world, db)
    applicant = world.applicant(c1.organisation)
    pid = world.procedure.id
    per_procedure = f"/observatie/procedures/{pid}/export.{fmt}"
    everything = f"/observatie/export.{fmt}"

    login(client, db, world.admin)
    assert not set(PERSONAL_COLUMNS) & set(header_of(client, everything))  # not by default
    assert not set(PERSONAL_COLUMNS) & set(header_of(client, per_procedure))
    asked = header_of(client, everything + "?persoonsgegevens=1")
    assert list(asked) == list(COLUMNS + PERSONAL_COLUMNS)
    r = client.get(per_procedure + "?persoonsgegevens=1")
    assert applicant.email in (r.data.decode("utf-8") if fmt == "csv" else
                               str(read_xlsx(r.data)))

    login(client, db, world.observer())  # observers never get personal data
    assert header_of(client, everything + "?persoonsgegevens=1") == list(COLUMNS)
    assert header_of(client, per_procedure + "?persoonsgegevens=1") == list(COLUMNS)
    r = client.get(per_procedure + "?persoonsgegevens=1")
    assert applicant.email.encode() not in r.data

    login(client, db, world.coordinator)  # the coordinator: their own procedure only
    assert header_of(client, per_procedure + "?persoonsgegevens=1")[-3:] == list(PERSONAL_COLUMNS)
    assert client.get(everything).status_code == 404


def test_who_may_export(world, db, client):
    exported_world(world, db)
    coordinator2, _ = world.other_coordinator()
    db.session.commit()
    pid = world.procedure.id
    assert client.get(f"/observatie/procedures/{pid}/export.csv").status_code == 302
    assert client.get("/observatie/export.xlsx").status_code == 302
    for user in (coordinator2, world.mm["vdab1"]):
        login(client, db, user)
        for url in (f"/observatie/procedures/{pid}/export.csv",
                    f"/observatie/procedures/{pid}/export.xlsx?persoonsgegevens=1",
                    "/observatie/export.csv", "/observatie/export.xlsx"):
            assert client.get(url).status_code == 404, (user.email, url)
    login(client, db, world.observer())
    assert client.get("/observatie/procedures/99999/export.csv").status_code == 404


def test_empty_exports_still_have_a_header(world, db):
    assert read_csv(to_csv(export_rows([], False)))[0] == list(COLUMNS)
    assert read_xlsx(to_xlsx(export_rows(None, True)))[0] == list(COLUMNS)  # no rows: base header


def test_text_is_never_a_formula(world, db):
    rows = [dict.fromkeys(COLUMNS, "") | {"organisatie": "=HYPERLINK(\"x\")", "ronde": 1}]
    assert read_csv(to_csv(rows))[1][COLUMNS.index("organisatie")] == "'=HYPERLINK(\"x\")"
    workbook = load_workbook(io.BytesIO(to_xlsx(rows)))
    cell = workbook["Kandidaturen"].cell(2, COLUMNS.index("organisatie") + 1)
    assert cell.data_type == "s" and cell.value == "=HYPERLINK(\"x\")"


# --- query count ----------------------------------------------------------------------------

def add_decided_candidacies(world, db, n: int) -> None:
    """``n`` more submitted candidacies, decided in round 1 (direct rows: only the
    numbers matter here), every other one with an appeal."""
    from appeals.models import Appeal

    now, p = world.clock.now, world.procedure
    for _ in range(n):
        world._n += 1
        org = Organisation(name=f"Organisatie {world._n}", enterprise_number=kbo(world._n),
                           legal_form="vzw", kind=OrganisationKind.OTHER,
                           email=f"info{world._n}@example.be")
        db.session.add(org)
        db.session.flush()
        world.applicant(org)
        c = Candidacy(organisation_id=org.id, procedure_id=p.id,
                      state=CandidacyState.NOT_SELECTED_R1, reference=f"KAND-T-{world._n:05d}",
                      created_at=now, submitted_at=now, declares_individual=True,
                      declares_not_invoice_only=True, declares_partnership_commitment=True,
                      declares_quality_framework=True)
        db.session.add(c)
        db.session.flush()
        for criterion in Criterion:
            db.session.add(JuryDecision(candidacy_id=c.id, round=1, criterion=criterion, score=2,
                                        motivation="Onvoldoende onderbouwd.",
                                        method=Method.CONSENSUS,
                                        decided_by_id=world.mm["vdab1"].id, decided_at=now,
                                        jury_blocs="EXTERN,LOKAAL_BESTUUR,VDAB"))
        if world._n % 2:
            db.session.add(Appeal(candidacy_id=c.id, round=1,
                                  grounds="Onze bijlage werd niet gelezen.",
                                  filed_at=now, filed_by_id=world.applicant(org).id))
    db.session.commit()


def count_export(client, db, url: str) -> tuple[int, int]:
    with QueryCounter(db) as counter:
        r = client.get(url)
        assert r.status_code == 200
    return counter.count, len(read_csv(r.data)) - 1


def test_the_export_issues_the_same_number_of_statements_for_5_and_50(world, db, client):
    world.published_procedure()
    db.session.commit()
    add_decided_candidacies(world, db, 5)
    login(client, db, world.admin)
    urls = ("/observatie/export.csv", "/observatie/export.csv?persoonsgegevens=1",
            f"/observatie/procedures/{world.procedure.id}/export.csv?persoonsgegevens=1")
    small = [count_export(client, db, url) for url in urls]
    add_decided_candidacies(world, db, 45)
    large = [count_export(client, db, url) for url in urls]
    assert [rows for _, rows in small] == [5] * 3 and [rows for _, rows in large] == [50] * 3
    assert [count for count, _ in large] == [count for count, _ in small]


FORMULA_STARTS = ["=1+1", "+1", "-1+1", "@SUM(A1)", "|cmd", "\tx", "\rx", "＝1+1", "＋1",
                  "－1", "＠SUM(A1)", "｜cmd", " =1+1", "−1"]


@pytest.mark.parametrize("text", FORMULA_STARTS)
def test_every_formula_start_is_neutralised_fullwidth_too(world, db, text):
    """Issue 14: CSV let ＝1+1 (fullwidth) and |cmd through; XLSX keeps them as text."""
    rows = [dict.fromkeys(COLUMNS, "") | {"organisatie": text, "ronde": 1}]
    assert read_csv(to_csv(rows))[1][COLUMNS.index("organisatie")] == "'" + text
    workbook = load_workbook(io.BytesIO(to_xlsx(rows)))
    cell = workbook["Kandidaturen"].cell(2, COLUMNS.index("organisatie") + 1)
    assert cell.data_type == "s"


@pytest.mark.parametrize("text", ["Jobkracht vzw", "1 2 3", "'quoted", "Ωmega", "(vzw)"])
def test_ordinary_text_is_exported_as_typed(world, db, text):
    rows = [dict.fromkeys(COLUMNS, "") | {"organisatie": text, "ronde": 1}]
    assert read_csv(to_csv(rows))[1][COLUMNS.index("organisatie")] == text
