"""The letters' PDFs read back as a recipient reads them (pypdf): metadata with the real
creation moment, every name as typed in the Latin, Greek and Cyrillic scripts, a pointer to
the HTML version for a script the PDF cannot shape, the footer after each page's text, the
same bytes for the same HTML and moment, and long tables over several pages."""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader

from matching.letters.content import LetterKind, Recipient
from tests.helpers import flat, pdf_text
from tests.integration.test_letter_rendering import (
    CREATED,
    MOTIVATION_CRUCIAL,
    SUMMER_DECISION,
    SUMMER_PITCH,
    letter,
    pdf_of,
)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def render():
    from matching.letters import render as module
    return module


def test_pdf_metadata_language_and_creation_date(ctx, render):
    content = letter(LetterKind.ROUND1_NOT_SELECTED)
    reader = PdfReader(io.BytesIO(pdf_of(content)))
    meta = reader.metadata
    assert meta.title == "Beslissing na ronde 1: niet geselecteerd – " + content.reference
    assert "Leie en Schelde" in meta.author
    assert "Stad Kortrijk" in meta.author and "OCMW Menen" in meta.author
    assert content.candidacy_reference in meta.subject
    assert content.reference in meta["/Keywords"]
    assert reader.trailer["/Root"].get("/Lang") == "nl-BE"
    # the real creation moment, in Brussels time (12:00:05 on 21 November 2026), not 2000
    assert meta["/CreationDate"].startswith("D:20261121120005+01'00'")
    assert meta.creation_date == CREATED
    english = PdfReader(io.BytesIO(pdf_of(content, "en")))
    assert english.trailer["/Root"].get("/Lang") == "en-GB"
    assert english.metadata.title.startswith("Decision after round 1")


def test_dutch_accents_survive_into_the_pdf(ctx, render):
    content = letter(LetterKind.ROUND2_NOT_ADMITTED)
    text = pdf_text(pdf_of(content))
    for word in ("beëindigd", "Eén", "financiële", "één", "materiële"):
        assert word in text, word


NAMES = ("Łódź", "Dvořák", "Ørsted", "Şahin", "Nguyễn", "Παπαδόπουλος", "Шевченко")


def test_names_in_latin_greek_and_cyrillic_appear_in_the_pdf_as_typed(ctx, render):
    name = "Vzw " + " ".join(NAMES)
    content = letter(LetterKind.ROUND1_NOT_SELECTED,
                     recipient=Recipient(name, "0203.456.789", "info@debrug.example"),
                     procedure_title="Mail naar Ewa Wiśniewska – ⅔ van de stemmen, score ≥ 3, "
                                "€ 1.250, “samen”, ’s avonds…")
    pdf = pdf_of(content)
    text = flat(pdf_text(pdf))
    assert name in text
    for each in NAMES:
        assert each in text, each
    assert "Ewa Wiśniewska – ⅔ van de stemmen, score ≥ 3, € 1.250, “samen”, ’s avonds…" in text
    assert "[*]" not in text  # nothing needed the HTML version
    # the fonts are embedded as subsets (a six-letter tag before the name)
    fonts = {str(f["/BaseFont"]) for page in PdfReader(io.BytesIO(pdf)).pages
             for f in page["/Resources"]["/Font"].values()}
    assert any(f.endswith("DejaVuSans") and "+" in f for f in fonts), fonts
    assert not any("Helvetica" in f for f in fonts), fonts


def test_text_in_a_script_the_pdf_cannot_shape_points_to_the_html_version(ctx, render):
    arabic = "جمعية الأمل"
    content = letter(LetterKind.ROUND1_NOT_SELECTED,
                     recipient=Recipient(f"{arabic} vzw", "0203.456.789", "info@alamal.example"))
    html = render.render_html(content)
    assert f"{arabic} vzw" in html and f"{arabic} vzw" in render.render_text(content)
    online = "https://matching.example.be/brieven/17"
    text = flat(pdf_text(pdf_of(content, online_url=online)))
    assert "[*] vzw" in text and "? vzw" not in text
    assert "schrift dat dit pdf-bestand niet kan weergeven" in text and online in text
    assert arabic not in text and not any("\u0600" <= ch <= "\u06ff" for ch in text)


def test_the_footer_is_drawn_after_each_page_outside_the_paragraphs(ctx, render):
    """Every page's text ends with its footer (reference, version, "1 / 2", where to check
    the seal); without the footers, the text reads on across the page break."""
    long_motivation = " ".join([MOTIVATION_CRUCIAL] * 12)
    results = letter(LetterKind.ROUND1_NOT_SELECTED).results
    content = letter(LetterKind.ROUND1_NOT_SELECTED, results=(
        dataclasses.replace(results[0], motivation=long_motivation), results[1]))
    verify = "https://matching.example.be/brieven/echtheid?kenmerk=X"
    reader = PdfReader(io.BytesIO(pdf_of(content, verify_url=verify)))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) >= 2
    footer = f"Ons kenmerk {content.reference} – versie 1"
    body = []
    for number, page in enumerate(pages, start=1):
        lines = page.rstrip().splitlines()
        assert lines[-3:] == [footer, f"{number} / {len(pages)}",
                              f"Elektronisch verzegelde brief. Echtheid controleren: {verify}"]
        assert page.count(footer) == 1
        body.append("\n".join(lines[:-3]))
    assert flat(long_motivation) in flat("\n".join(body))


def test_same_html_and_moment_give_identical_pdf_bytes(ctx, render):
    one = pdf_of(letter(LetterKind.ROUND1_SELECTED))
    two = pdf_of(letter(LetterKind.ROUND1_SELECTED))
    assert one == two
    assert pdf_of(letter(LetterKind.ROUND1_SELECTED), created_at=SUMMER_DECISION) != one
    other = pdf_of(letter(LetterKind.ROUND1_SELECTED, pitch=SUMMER_PITCH))
    assert other != one


def test_a_long_table_splits_over_pages_with_its_header_repeated(ctx):
    from matching.letters.layout import PdfOptions, write_pdf

    rows = "".join(f"<tr><th scope='row'>Kandidatuur {i:03d}</th><td>{'woord ' * 30}</td>"
                   f"<td>3</td></tr>" for i in range(60))
    html = (f"<!doctype html><html lang='nl'><head><title>Lang</title></head><body><main>"
            f"<h1>Lange tabel</h1><table><caption>Alle kandidaturen</caption><thead><tr>"
            f"<th scope='col'>Kandidatuur</th><th scope='col'>Motivering</th>"
            f"<th scope='col'>Score</th></tr></thead><tbody>{rows}</tbody></table>"
            f"<ul><li>één<ul><li>twee</li></ul></li></ul><dl><dt>Term</dt><dd>uitleg</dd></dl>"
            f"</main></body></html>")
    pdf = write_pdf(html, PdfOptions(created_at=CREATED, footer="Lang"))
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) > 2
    assert all("Kandidatuur Motivering Score" in flat(p) for p in pages[:-1])
    assert all(f"Kandidatuur {i:03d}" in flat("".join(pages)) for i in range(60))
    assert "• twee" in pages[-1] or "twee" in pages[-1]
    assert write_pdf(html, PdfOptions(created_at=CREATED, footer="Lang")) == pdf
