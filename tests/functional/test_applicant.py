"""The applicant's pages: dashboard, candidacy form, attachments, letters, appeal."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from appeals.models import Appeal
from matching.candidacies import notifications as candidacy_letters
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Attachment, Candidacy, Letter
from matching.candidacies.rules import CandidacyState
from tests.helpers import sample_pdf
from tests.support import ANSWERS, T0, QueryCounter, login
from workareas.models import AddendumVersion, Procedure, WorkArea
from workareas.rules import ProcedureState


@pytest.fixture
def clock(pages_at_world_time, monkeypatch, tmp_path, app):
    """The views act at the test world's time; uploads go to a temporary folder."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return pages_at_world_time


@pytest.fixture
def setup(world, db, client, clock):
    procedure = world.published_procedure()
    org = world.organisation("Buurtwerk De Brug")
    user = world.applicant(org)
    login(client, db, user)
    return procedure, org, user


def form_data(declared=True, action="save"):
    data = {"challenge_RU1": "y",
            "contribution_RU1": "Wij bieden outreach via onze jeugdwerkers in elke wijk.",
            "partnership_fit": "Wij werken al jaren samen in casusoverleg.", "action": action}
    data.update({"answer_" + k.replace(".", "_"): v for k, v in ANSWERS.items()})
    if declared:
        data.update({"declaration_individual": "y", "declaration_not_invoice_only": "y",
                     "declaration_partnership_commitment": "y",
                     "declaration_quality_framework": "y"})
    return data


def test_the_dashboard_starts_a_draft_and_the_form_submits_it(world, db, client, setup):
    procedure, org, user = setup
    html = client.get("/mijn-kandidaturen").get_data(as_text=True)
    assert "Regio Aalst" in html and "Kandidatuur starten" in html
    response = client.post(f"/procedures/{procedure.id}/kandidatuur",
                           data={"organisation_id": org.id})
    assert response.status_code == 302
    candidacy = db.session.scalar(select(Candidacy))
    assert candidacy.state == CandidacyState.DRAFT
    page = client.get(f"/kandidaturen/{candidacy.id}").get_data(as_text=True)
    assert "<legend>" in page and "Mate waarin de organisatie activiteiten voorstelt" in page
    assert client.post(f"/kandidaturen/{candidacy.id}", data=form_data()).status_code == 302
    db.session.expire_all()
    assert candidacy.state == CandidacyState.DRAFT and len(candidacy.answers) == 8
    confirm = client.post(f"/kandidaturen/{candidacy.id}", data=form_data(action="submit"))
    assert confirm.status_code == 200 and "Bevestigen: indienen" in confirm.get_data(as_text=True)
    db.session.expire_all()
    assert candidacy.state == CandidacyState.DRAFT  # issue 13: confirmed first
    assert client.post(f"/kandidaturen/{candidacy.id}",
                       data={"action": "submit", "bevestigd": "1"}).status_code == 302
    db.session.expire_all()
    assert candidacy.state == CandidacyState.SUBMITTED
    html = client.get("/mijn-kandidaturen").get_data(as_text=True)
    assert re.search(r'<li class="current" aria-current="step">\s*ingediend', html)


def test_submitting_without_declarations_keeps_the_text_as_a_draft(world, db, client, setup):
    """Issue 13: a refused submission keeps what was typed (saved as the draft) and names
    every problem at once; it is not submitted."""
    procedure, org, user = setup
    candidacy = candidacy_ops.start_candidacy(procedure, org, actor=user, now=world.clock.now)
    db.session.commit()
    data = form_data(declared=False, action="submit")
    data["partnership_fit"] = "kort"
    response = client.post(f"/kandidaturen/{candidacy.id}", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Bevestig alle verklaringen" in html and 'href="#declarations"' in html
    assert "fit for partnership is (minstens 20" in html and 'href="#partnership_fit"' in html
    db.session.expire_all()
    stored = db.session.get(Candidacy, candidacy.id)
    assert stored.state == CandidacyState.DRAFT and len(stored.answers) == 8
    assert stored.partnership_fit == "kort"


def test_another_organisations_candidacy_attachment_and_letter_answer_404(world, db, client,
                                                                         setup, clock):
    procedure, org, user = setup
    other = world.apply("Andere vzw")
    attachment = Attachment(candidacy=other, filename="x.pdf", media_type="application/pdf",
                            size=5, sha256="0" * 64, storage_key="f" * 32, uploaded_at=T0)
    db.session.add(attachment)
    db.session.commit()
    letter = db.session.scalar(select(Letter).where(Letter.candidacy_id == other.id))
    for path in (f"/kandidaturen/{other.id}", f"/kandidaturen/{other.id}/weerwoord",
                 f"/bijlagen/{attachment.id}", f"/brieven/{letter.id}",
                 f"/brieven/{letter.id}.pdf"):
        assert client.get(path).status_code == 404, path
    for path in (f"/kandidaturen/{other.id}", f"/kandidaturen/{other.id}/intrekken",
                 f"/kandidaturen/{other.id}/bijlagen"):
        assert client.post(path, data={"reason": "x"}).status_code == 404, path
    client.post("/afmelden")
    assert client.get(f"/kandidaturen/{other.id}").status_code == 302  # to the login


def test_own_letters_as_html_and_pdf(world, db, client, setup):
    procedure, org, user = setup
    candidacy = world.apply("", organisation=org)
    db.session.commit()
    letter = db.session.scalar(select(Letter).where(Letter.candidacy_id == candidacy.id))
    html = client.get(f"/brieven/{letter.id}")
    assert html.status_code == 200 and html.get_data(as_text=True) == letter.html
    # before the mail worker made it, there is no PDF yet, and the page says so
    assert client.get(f"/brieven/{letter.id}.pdf").status_code == 404
    page = client.get(f"/kandidaturen/{candidacy.id}").get_data(as_text=True)
    assert "De pdf wordt opgemaakt en verzegeld" in page
    candidacy_letters.sealed_pdf(letter, now=world.clock.now)  # as the worker does
    pdf = client.get(f"/brieven/{letter.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    page = client.get(f"/kandidaturen/{candidacy.id}").get_data(as_text=True)
    assert f"/brieven/{letter.id}.pdf" in page and "Wij bieden outreach" in page
    assert "Verzegelde pdf" in page and "/brieven/echtheid?kenmerk=" in page


def test_attachments_are_checked_by_content(world, db, client, setup):
    procedure, org, user = setup
    candidacy = candidacy_ops.start_candidacy(procedure, org, actor=user, now=world.clock.now)
    db.session.commit()
    url = f"/kandidaturen/{candidacy.id}/bijlagen"
    fake = client.post(url, data={"file": (io.BytesIO(b"gewoon tekst"), "cv.pdf")},
                       content_type="multipart/form-data")
    assert fake.status_code == 422
    assert 'id="file-error"' in fake.get_data(as_text=True)
    assert db.session.scalar(select(Attachment)) is None

    data = sample_pdf()
    ok = client.post(url, data={"file": (io.BytesIO(data), "referenties.txt")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    item = db.session.scalar(select(Attachment))
    assert item.media_type == "application/pdf" and item.filename == "referenties.pdf"
    assert item.size == len(data) and re.fullmatch(r"[0-9a-f]{32}", item.storage_key)
    download = client.get(f"/bijlagen/{item.id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    docx.seek(0)
    assert client.post(url, data={"file": (docx, "brief.docx")},
                       content_type="multipart/form-data").status_code == 302
    odt = io.BytesIO()
    with zipfile.ZipFile(odt, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    odt.seek(0)
    assert client.post(url, data={"file": (odt, "brief.odt")},
                       content_type="multipart/form-data").status_code == 302
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("x.txt", "x")
    other_zip.seek(0)
    assert client.post(url, data={"file": (other_zip, "brief.docx")},
                       content_type="multipart/form-data").status_code == 422
    assert len(db.session.scalars(select(Attachment)).all()) == 3


def test_withdraw_with_a_reason(world, db, client, setup):
    procedure, org, user = setup
    candidacy = world.apply("", organisation=org)
    db.session.commit()
    assert client.post(f"/kandidaturen/{candidacy.id}/intrekken",
                       data={"reason": ""}).status_code == 422
    assert client.post(f"/kandidaturen/{candidacy.id}/intrekken",
                       data={"reason": "Geen capaciteit meer."}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Candidacy, candidacy.id).state == CandidacyState.WITHDRAWN


def test_the_appeal_form_shows_the_deadline_and_files_an_appeal(world, db, client, setup):
    procedure, org, user = setup
    candidacy = world.apply("", organisation=org)
    world.start_round_1()
    world.decide(candidacy, 1, (2, 3))
    world.close_round(1)
    world.clock.advance(hours=1)
    world.received(candidacy, 1)
    db.session.commit()
    page = client.get(f"/kandidaturen/{candidacy.id}/weerwoord")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "materiële fouten" in html
    assert re.search(r"tot en met \d{1,2} \w+ \d{4} om 23:59:59 \(Belgische tijd\)", html)
    short = client.post(f"/kandidaturen/{candidacy.id}/weerwoord",
                        data={"grounds": "te kort", "referenced_documents": ""})
    assert short.status_code == 422 and db.session.scalar(select(Appeal)) is None
    response = client.post(f"/kandidaturen/{candidacy.id}/weerwoord", data={
        "grounds": "De jury hield geen rekening met onze bijlage met referenties.",
        "referenced_documents": "Bijlage 2: referentielijst\n"})
    assert response.status_code == 302
    appeal = db.session.scalar(select(Appeal))
    assert appeal.round == 1 and [r.document for r in appeal.references] == [
        "Bijlage 2: referentielijst"]


def test_the_dashboard_issues_as_many_queries_for_5_as_for_200_candidacies(world, db, client,
                                                                         setup):
    procedure, org, user = setup

    def add(n, start):
        rows = []
        for i in range(start, start + n):
            p = Procedure(work_area=WorkArea(name=f"Gebied {i}", province="Limburg"),
                          sequence=1, title=f"Matching {i}", state=ProcedureState.ROUND_1,
                          created_at=T0, published_at=T0,
                          versions=[AddendumVersion(number=1, created_at=T0, published_at=T0,
                                                    candidacy_deadline=T0 + timedelta(weeks=7))])
            rows.append(Candidacy(organisation=org, procedure=p, state=CandidacyState.SUBMITTED,
                                  reference=f"K-{i}", created_at=T0, submitted_at=T0,
                                  declares_individual=True, declares_not_invoice_only=True,
                                  declares_partnership_commitment=True,
                                  declares_quality_framework=True))
        db.session.add_all(rows)
        db.session.commit()

    add(5, 0)
    with QueryCounter(db) as five:
        assert client.get("/mijn-kandidaturen").status_code == 200
    add(195, 5)
    with QueryCounter(db) as two_hundred:
        html = client.get("/mijn-kandidaturen").get_data(as_text=True)
    assert "Gebied 199" in html
    # issue 17: the session's statement and three for the page (7 before, then 6)
    assert five.count == two_hundred.count == 4, (five.statements, two_hundred.statements)


def test_someone_without_an_organisation_has_no_dashboard(world, db, client, clock):
    login(client, db, world.coordinator)
    assert client.get("/mijn-kandidaturen").status_code == 404


def test_an_upload_keeps_the_unsaved_text_of_the_candidacy(world, db, client, setup):
    """Issue 13: adding an attachment from the form saves what was typed as the draft."""
    procedure, org, user = setup
    candidacy = candidacy_ops.start_candidacy(procedure, org, actor=user, now=world.clock.now)
    db.session.commit()
    data = form_data(action="upload")
    data["partnership_fit"] = "Nog niet bewaarde tekst over onze samenwerking."
    data["bijlage"] = (io.BytesIO(sample_pdf()), "referenties.pdf")
    response = client.post(f"/kandidaturen/{candidacy.id}", data=data,
                           content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("#bijlagen")
    db.session.expire_all()
    stored = db.session.get(Candidacy, candidacy.id)
    assert stored.partnership_fit == "Nog niet bewaarde tekst over onze samenwerking."
    assert [a.filename for a in stored.attachments] == ["referenties.pdf"]
    assert stored.state == CandidacyState.DRAFT
    page = client.get(f"/kandidaturen/{candidacy.id}").get_data(as_text=True)
    assert "Nog niet bewaarde tekst over onze samenwerking." in page
    # a file that is refused still keeps the text
    data = form_data(action="upload")
    data["partnership_fit"] = "Een tweede versie van de tekst, ook bewaard."
    data["bijlage"] = (io.BytesIO(b"not a pdf at all"), "virus.exe")
    response = client.post(f"/kandidaturen/{candidacy.id}", data=data,
                           content_type="multipart/form-data", follow_redirects=True)
    db.session.expire_all()
    stored = db.session.get(Candidacy, candidacy.id)
    assert stored.partnership_fit == "Een tweede versie van de tekst, ook bewaard."
    assert len(stored.attachments) == 1


def test_an_attachment_of_a_draft_can_be_removed_until_the_deadline(world, db, client, setup):
    procedure, org, user = setup
    candidacy = candidacy_ops.start_candidacy(procedure, org, actor=user, now=world.clock.now)
    first = candidacy_ops.add_attachment(candidacy, "a.pdf", sample_pdf("A"),
                                         actor=user,
                                         now=world.clock.now)
    candidacy_ops.add_attachment(candidacy, "b.pdf", sample_pdf("B"),
                                 actor=user,
                                 now=world.clock.now)
    db.session.commit()
    page = client.get(f"/kandidaturen/{candidacy.id}").get_data(as_text=True)
    assert f"/kandidaturen/{candidacy.id}/bijlagen/{first.id}/verwijderen" in page
    r = client.post(f"/kandidaturen/{candidacy.id}/bijlagen/{first.id}/verwijderen")
    assert r.status_code == 302
    db.session.expire_all()
    assert [a.filename for a in db.session.get(Candidacy, candidacy.id).attachments] == ["b.pdf"]
    # after the deadline: refused, nothing removed
    world.clock.now = procedure.candidacy_deadline + timedelta(minutes=1)
    second = db.session.get(Candidacy, candidacy.id).attachments[0]
    r = client.post(f"/kandidaturen/{candidacy.id}/bijlagen/{second.id}/verwijderen",
                    follow_redirects=True)
    assert "is verstreken" in r.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Candidacy, candidacy.id).attachments) == 1

