"""Letters rendered as HTML, PDF, text and .ics (R-DEC-1, R-JURY-6, R-APP-1..4, R-PITCH-1,
R-STEP4-1): the PDF says what the HTML says, dates are Brussels time in both winter and
summer, every name appears as it was typed (Latin, Greek, Cyrillic; another script points
to the HTML version), the footer stays out of the text, the output is deterministic for a
given creation moment and the English version exists.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from icalendar import Calendar

from juries.rules import SCALE
from matching.candidacies.rules import APPEAL_WINDOW_DAYS, appeal_deadline
from matching.letters.content import (
    Contact,
    CriterionResult,
    IncompleteLetter,
    LetterContent,
    LetterKind,
    PanelPosition,
    PitchMoment,
    RankedPartner,
    Recipient,
    Sender,
    check_complete,
)
from tests.helpers import flat, pdf_text

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = PROJECT_ROOT / "matching" / "translations"

# A winter and a summer instant, as UTC; the Brussels wall clock is UTC+1 and UTC+2.
WINTER_DECISION = datetime(2026, 11, 21, 10, 15, tzinfo=UTC)  # deadline 5 december 2026
SUMMER_DECISION = datetime(2026, 6, 10, 7, 0, tzinfo=UTC)  # deadline 24 juni 2026
WINTER_PITCH = (datetime(2027, 1, 12, 9, 0, tzinfo=UTC), datetime(2027, 1, 12, 9, 45, tzinfo=UTC))
SUMMER_PITCH = (datetime(2026, 7, 7, 12, 30, tzinfo=UTC), datetime(2026, 7, 7, 13, 15, tzinfo=UTC))

MOTIVATION_CRUCIAL = ("De voorgestelde trajecten sluiten aan bij de lokale noden, maar de "
                      "financiële onderbouwing en de lokale verankering zijn beperkt.")
MOTIVATION_FIT = ("Eén concreet voorbeeld van multidisciplinaire samenwerking; een eerder "
                  "partnerschap werd voortijdig beëindigd zonder duidelijke lessen.")


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogues():
    """The English catalogue compiled, without depending on ``make``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as f:
                catalog = read_po(f)
            with mo.open("wb") as f:
                write_mo(f, catalog)
    yield


def letter(kind: LetterKind, **overrides) -> LetterContent:
    """A complete letter of ``kind``, built by hand; ``overrides`` replace fields."""
    scores = overrides.pop("scores", None)
    if scores is None:
        selected = kind in (LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED)
        scores = (3, 4) if selected else (2, 3)
    round_no = {LetterKind.ROUND1_SELECTED: 1, LetterKind.ROUND1_NOT_SELECTED: 1,
                LetterKind.ROUND2_ADMITTED: 2, LetterKind.ROUND2_NOT_ADMITTED: 2,
                LetterKind.APPEAL_RECEIPT: 1, LetterKind.APPEAL_OUTCOME: 1}.get(kind)
    decided_at = overrides.pop("decided_at", WINTER_DECISION)
    pitch = overrides.pop("pitch", WINTER_PITCH)
    base = dict(
        kind=kind,
        reference=f"KAND-001-1-00012/{kind.value}",
        letter_date=decided_at.date(),
        sender=Sender(
            work_area="Leie en Schelde",
            governments=("Stad Kortrijk", "OCMW Menen", "Gemeente Zwevegem"),
            contacts=(Contact("An Declercq", "Stad Kortrijk", "an.declercq@kortrijk.example",
                              "+32 56 27 00 00"),
                      Contact("Jef Vermeersch", "VDAB", "jef.vermeersch@vdab.example")),
        ),
        recipient=Recipient("Vzw De Brug naar Werk", "0203.456.789", "info@debrug.example"),
        candidacy_reference="KAND-001-1-00012",
        procedure_title="Matching 2026",
        round=round_no,
        results=(
            CriterionResult("crucial_contribution", "Cruciale bijdrage", scores[0],
                            SCALE[scores[0]], MOTIVATION_CRUCIAL, "consensus"),
            CriterionResult("fit_for_partnership", "Fit for partnership", scores[1],
                            SCALE[scores[1]], MOTIVATION_FIT, "ballot"),
        ),
    )
    if kind == LetterKind.CANDIDACY_RECEIPT:
        base.update(results=(), submitted_at=datetime(2026, 10, 2, 14, 3, 9, tzinfo=UTC),
                    challenges=("Jongeren zonder diploma naar werk",
                                "Anderstalige nieuwkomers en taal op de werkvloer"),
                    next_steps=(("Einde van de kandidaturenperiode", date(2026, 10, 31)),
                                ("Beslissing na ronde 1", date(2026, 11, 21)),
                                ("Matchingsgesprekken", None)))
    if kind == LetterKind.ROUND1_SELECTED:
        base["pitch"] = PitchMoment(pitch[0], pitch[1], "Stadhuis Kortrijk, Grote Markt 54, "
                                                        "zaal 2.14")
    if kind == LetterKind.INADMISSIBLE:  # issue 12
        base.update(round=0, results=(), inadmissible_reason=(
            "Ingediend namens een consortium; de oproep vraagt individuele kandidaturen."))
    if kind in (LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED,
                LetterKind.INADMISSIBLE):
        base.update(appeal_deadline=appeal_deadline(decided_at),
                    appeal_how="https://lokalepartnerschappen.example/kandidaturen/12/weerwoord",
                    appeal_window_days=APPEAL_WINDOW_DAYS)
    if kind in (LetterKind.APPEAL_RECEIPT, LetterKind.APPEAL_OUTCOME):
        base.update(results=(), appeal_filed_at=datetime(2026, 11, 30, 21, 30, tzinfo=UTC))
    if kind == LetterKind.APPEAL_OUTCOME:
        base.update(
            appeal_outcome="confirmed",
            panel=(PanelPosition("confirm", "Het jaarverslag werd wel degelijk meegenomen: de "
                                            "jury verwijst er uitdrukkelijk naar."),
                   PanelPosition("confirm", "Geen materiële fout: de bijlage over de financiële "
                                            "werking stond niet in de kandidatuur.")),
            complaints_desk="https://www.vlaanderen.be/departement-wse/klachten")
    if kind == LetterKind.EMERGENCY_OUTCOME:
        base.update(
            results=(), round=None,
            emergency_motivation=("Na drie overlegmomenten kon het partnerschap de rol van "
                                  "trajectbegeleider niet verdelen."),
            own_result=RankedPartner("Vzw De Brug naar Werk", 3, 4, True, 2),
            ranking=(RankedPartner("Vzw Sprong", 4, 4, True, 1),
                     RankedPartner("Vzw De Brug naar Werk", 3, 4, True, 2)),
            ranking_motivation="Vzw Sprong heeft meer ervaring met de doelgroep in de regio.")
    base.update(overrides)
    return LetterContent(**base)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def render():
    from matching.letters import render as module
    return module


CREATED = datetime(2026, 11, 21, 11, 0, 5, tzinfo=UTC)


def pdf_of(content: LetterContent, locale: str = "nl", created_at: datetime = CREATED,
           **options) -> bytes:
    """The letter's PDF as the mail worker makes it: from its rendered HTML."""
    from matching.letters import render as module

    return module.render_pdf(module.render_html(content, locale), reference=content.reference,
                             version=1, locale=locale, created_at=created_at, **options)


# --- PDF -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED])
@pytest.mark.parametrize("decided_at, deadline_day", [(WINTER_DECISION, "5 december 2026"),
                                                      (SUMMER_DECISION, "24 juni 2026")])
def test_not_selected_pdf_has_scores_motivations_threshold_and_deadline(
        ctx, render, kind, decided_at, deadline_day):
    content = letter(kind, decided_at=decided_at)
    text = flat(pdf_text(pdf_of(content)))
    assert "Cruciale bijdrage" in text and "Fit for partnership" in text
    assert "2 op 4" in text and "3 op 4" in text
    assert flat(MOTIVATION_CRUCIAL) in text
    assert flat(MOTIVATION_FIT) in text
    assert flat(SCALE[2]) in text
    assert "minstens 3 haalt op zowel “cruciale bijdrage” als “fit for partnership”" in text
    # R-APP-1: the exact deadline, 23:59:59 Brussels time on the 14th day
    assert f"uiterlijk op {deadline_day} om 23:59:59 (Belgische tijd)" in text
    # R-APP-2/3: the grounds and the panel
    assert "materiële fouten" in text and "niet of onvoldoende" in text
    assert "Twee onafhankelijke matchmakers die niet in de oorspronkelijke jury zaten" in text
    assert flat(content.appeal_how) in text
    assert "Namens de lokale besturen van Leie en Schelde" in text


def test_deadline_is_the_brussels_day_not_the_utc_day(ctx, render):
    # 23:30 UTC on 20 November is already 21 November in Brussels: the window counts from there
    content = letter(LetterKind.ROUND1_NOT_SELECTED,
                     decided_at=datetime(2026, 11, 20, 23, 30, tzinfo=UTC))
    assert content.appeal_deadline == datetime(2026, 12, 5, 22, 59, 59, tzinfo=UTC)
    text = flat(pdf_text(pdf_of(content)))
    assert "uiterlijk op 5 december 2026 om 23:59:59" in text


@pytest.mark.parametrize("pitch, day, hours", [
    (WINTER_PITCH, "dinsdag 12 januari 2027", "van 10:00 tot 10:45"),
    (SUMMER_PITCH, "dinsdag 7 juli 2026", "van 14:30 tot 15:15"),
])
def test_round1_selected_pdf_has_the_pitch_moment_in_brussels_time(ctx, render, pitch, day, hours):
    text = flat(pdf_text(pdf_of(letter(LetterKind.ROUND1_SELECTED, pitch=pitch))))
    assert day in text
    assert f"{hours} (Belgische tijd)" in text
    assert "Stadhuis Kortrijk, Grote Markt 54, zaal 2.14" in text
    assert ".ics" in text
    assert flat(MOTIVATION_FIT) in text


def test_round2_admitted_pdf_has_the_caveat(ctx, render):
    text = flat(pdf_text(pdf_of(letter(LetterKind.ROUND2_ADMITTED))))
    assert ("Dit houdt nog geen enkele garantie in naar toekomstige deelname aan het "
            "partnerschap, noch naar financiering vanuit Europa WSE.") in text
    assert "stap 4" in text
    assert "3 op 4" in text and "4 op 4" in text


def test_appeal_outcome_pdf_has_both_motivations_and_the_complaints_desk(ctx, render):
    content = letter(LetterKind.APPEAL_OUTCOME)
    text = flat(pdf_text(pdf_of(content)))
    for position in content.panel:
        assert flat(position.motivation) in text
    assert "meldpunt van het Departement Werk en Sociale Economie" in text
    assert content.complaints_desk in text
    assert "bekrachtigd" in text


def test_appeal_outcome_reversed_after_round_1_announces_the_pitch(ctx, render):
    content = letter(LetterKind.APPEAL_OUTCOME, appeal_outcome="reversed", panel=(
        PanelPosition("reverse", "Het attest van de erkenning werd niet meegenomen, al zat het "
                                 "in de bijlagen."),
        PanelPosition("reverse", "De bijlage met de financiële werking werd over het hoofd "
                                 "gezien bij de beoordeling.")))
    text = flat(render.render_text(content))
    assert "omgekeerd" in text and "matchingsgesprek" in text
    reversed_r2 = dataclasses.replace(content, round=2)
    assert "geen enkele garantie" in render.render_text(reversed_r2)


def test_the_other_letters_render(ctx, render):
    receipt = flat(pdf_text(pdf_of(letter(LetterKind.CANDIDACY_RECEIPT))))
    assert "2 oktober 2026 om 16:03:09" in receipt  # 14:03:09 UTC in summer time
    assert "Jongeren zonder diploma naar werk" in receipt
    assert "Beslissing na ronde 1: 21 november 2026" in receipt
    appeal = flat(pdf_text(pdf_of(letter(LetterKind.APPEAL_RECEIPT))))
    assert "30 november 2026 om 22:30:00" in appeal
    assert "Twee onafhankelijke matchmakers" in appeal
    emergency = flat(pdf_text(pdf_of(letter(LetterKind.EMERGENCY_OUTCOME))))
    assert "trajectbegeleider" in emergency
    assert "Vzw Sprong heeft meer ervaring" in emergency
    assert "geselecteerd als partner" in emergency and "plaats 2" in emergency


# --- HTML and text -------------------------------------------------------------------------

class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def outline(html: str) -> list[tuple[str, dict]]:
    parser = _Outline()
    parser.feed(html)
    return parser.tags


@pytest.mark.parametrize("kind", list(LetterKind))
def test_html_is_a_standalone_accessible_document(ctx, render, kind):
    html = render.render_html(letter(kind))
    tags = outline(html)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert ("html", {"lang": "nl"}) in tags
    names = [t for t, _ in tags]
    assert names.count("h1") == 1 and names.count("main") == 1
    assert names.count("title") == 1
    levels = [int(t[1]) for t in names if re.fullmatch(r"h[1-6]", t)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in pairwise(levels)), levels
    for tag, attrs in tags:
        if tag == "th":
            assert attrs.get("scope") in ("col", "row")
    if "table" in names:
        assert "caption" in names
    assert "Namens de lokale besturen van Leie en Schelde" in html
    assert "Stad Kortrijk, OCMW Menen, Gemeente Zwevegem" in html
    assert "an.declercq@kortrijk.example" in html and "Jef Vermeersch" in html
    assert "Vzw De Brug naar Werk" in html and "0203.456.789" in html
    assert "KAND-001-1-00012/" + kind.value in html
    assert "⅔" not in html


def test_decision_html_has_a_results_table_with_header_scopes(ctx, render):
    html = render.render_html(letter(LetterKind.ROUND1_NOT_SELECTED))
    tags = outline(html)
    assert ("th", {"scope": "col"}) in tags and ("th", {"scope": "row"}) in tags
    assert "21 november 2026" in html  # the letter date, Dutch format
    assert "twee derde" in html


def test_user_text_is_escaped(ctx, render):
    html = render.render_html(letter(LetterKind.ROUND1_NOT_SELECTED, procedure_title=(
        "Mail naar <script>alert(1)</script> & wacht op 100% bevestiging.")))
    assert "<script>" not in html and "&lt;script&gt;" in html
    odd = letter(LetterKind.ROUND1_NOT_SELECTED, procedure_title="A & B <c> via "
                 "https://www.example.org/" + "heel-lang-pad-" * 12)
    assert "A & B <c>" in render.render_text(odd)
    assert "A & B <c>" in pdf_text(pdf_of(odd))


def test_english_rendering(ctx, render):
    content = letter(LetterKind.ROUND1_NOT_SELECTED)
    dutch, english = render.render_html(content), render.render_html(content, locale="en")
    assert english != dutch
    assert ("html", {"lang": "en"}) in outline(english)
    text = flat(render.render_text(content, "en"))
    assert "Decision after round 1: not selected" in text
    assert "Crucial contribution" in text
    assert "appeal" in text and "material errors" in text
    assert "by 5 December 2026 at 23:59:59 (Belgian time)" in text
    assert "Geachte" not in text and "uiterlijk" not in text
    # the jury's motivation is not translated
    assert flat(MOTIVATION_CRUCIAL) in text
    for kind in LetterKind:
        english_text = render.render_text(letter(kind), "en")
        assert "Dear Sir or Madam" in english_text, kind
        for dutch_word in (" de ", " het ", " van ", " uw "):
            assert dutch_word not in _template_text(english_text), (kind, dutch_word)
    outcome = flat(render.render_text(letter(LetterKind.APPEAL_OUTCOME), "en"))
    assert "complaints desk (meldpunt) of the Department of Work and Social Economy" in outcome


@pytest.mark.parametrize("kind", [LetterKind.CANDIDACY_RECEIPT, LetterKind.ROUND1_NOT_SELECTED,
                                  LetterKind.ROUND2_ADMITTED, LetterKind.EMERGENCY_OUTCOME])
def test_the_calls_english_terms_are_marked_english_in_a_dutch_letter(ctx, render, kind):
    """WCAG 3.1.2 (language of parts): "fit for partnership" and "call for interest" stay
    English in the Dutch letter; its HTML marks every one of them lang="en" (a screen reader
    then reads them as English), and the text and the PDF read the same words unmarked."""
    content = letter(kind)
    dutch = render.render_html(content)
    body = dutch.split("<body>", 1)[1]
    plain = re.sub(r"<[^>]+>", "", body)
    terms = re.findall(r"fit for partnership|call for interest", plain, re.I)
    assert terms, kind
    marked = re.findall(r'<span lang="en">(fit for partnership|call for interest)</span>', body,
                        re.I)
    assert len(marked) == len(terms), (kind, terms, marked)
    assert "<span" not in render.render_text(content)
    assert "fit for partnership" in flat(pdf_text(pdf_of(content))).lower()
    # in the English letter the whole text is English: nothing to mark
    assert 'lang="en">' not in render.render_html(content, locale="en").split("<body>", 1)[1]


def _template_text(text: str) -> str:
    """The text minus the samples' own Dutch (names, motivations, challenge titles)."""
    sample = letter(LetterKind.EMERGENCY_OUTCOME)
    own = [MOTIVATION_CRUCIAL, MOTIVATION_FIT, sample.emergency_motivation,
           sample.ranking_motivation, letter(LetterKind.ROUND1_NOT_SELECTED).appeal_how]
    own += [p.motivation for p in letter(LetterKind.APPEAL_OUTCOME).panel]
    own += list(letter(LetterKind.CANDIDACY_RECEIPT).challenges)
    own.append(letter(LetterKind.INADMISSIBLE).inadmissible_reason)
    own += [w for w, _ in letter(LetterKind.CANDIDACY_RECEIPT).next_steps]
    own += ["Leie en Schelde", "Vzw De Brug naar Werk",
            "Stadhuis Kortrijk, Grote Markt 54, zaal 2.14"]
    text = flat(text)
    for part in own:
        text = text.replace(flat(part), "")
    return text


def test_text_version_keeps_paragraphs_and_the_table(ctx, render):
    text = render.render_text(letter(LetterKind.ROUND1_NOT_SELECTED))
    assert "<" not in text.replace("<c>", "")
    assert "\n\n" in text
    assert "- Cruciale bijdrage\n  Score: 2 op 4" in text
    assert "Datum: 21 november 2026" in text


def test_incomplete_content_is_refused(ctx, render):
    result = letter(LetterKind.ROUND1_NOT_SELECTED).results
    without = (dataclasses.replace(result[0], motivation="  "), result[1])
    content = letter(LetterKind.ROUND1_NOT_SELECTED, results=without)
    with pytest.raises(IncompleteLetter) as refused:
        check_complete(content)
    assert refused.value.rule == "R-JURY-6"
    with pytest.raises(IncompleteLetter):
        render.render_html(content)
    with pytest.raises(IncompleteLetter):
        pdf_of(content)
    with pytest.raises(IncompleteLetter):
        check_complete(letter(LetterKind.ROUND1_NOT_SELECTED, appeal_how=""))


# --- .ics ----------------------------------------------------------------------------------

@pytest.mark.parametrize("pitch, hour, offset", [(WINTER_PITCH, 10, 1), (SUMMER_PITCH, 14, 2)])
def test_pitch_invitation_ics(pitch, hour, offset):
    from matching.letters.ics import pitch_invitation

    content = letter(LetterKind.ROUND1_SELECTED, pitch=pitch)
    data = pitch_invitation(content)
    assert data == pitch_invitation(content)  # deterministic
    cal = Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "REQUEST"
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    event = events[0]
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == pitch[0] and end == pitch[1]
    assert str(start.tzinfo) == "Europe/Brussels" and str(end.tzinfo) == "Europe/Brussels"
    assert start.hour == hour and start.utcoffset().total_seconds() == offset * 3600
    assert event["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert "Leie en Schelde" in str(event["SUMMARY"])
    assert "Matchingsgesprek" in str(event["SUMMARY"])
    assert str(event["LOCATION"]) == content.pitch.location
    assert str(event["ORGANIZER"]).lower() == "mailto:an.declercq@kortrijk.example"
    assert event.decoded("DTSTAMP") == datetime(2026, 11, 20, 23, 0, tzinfo=UTC)
    uid = str(event["UID"])
    other_moment = letter(LetterKind.ROUND1_SELECTED, pitch=SUMMER_PITCH if pitch == WINTER_PITCH
                          else WINTER_PITCH)
    assert str(Calendar.from_ical(pitch_invitation(other_moment)).walk("VEVENT")[0]["UID"]) == uid
    other_letter = letter(LetterKind.ROUND1_SELECTED, reference="KAND-001-1-00013/R1")
    assert str(Calendar.from_ical(pitch_invitation(other_letter)).walk("VEVENT")[0]["UID"]) != uid
