"""Issue 12: letters that tell one coherent story, read back from their PDFs (pypdf).

A selection after a reversed appeal says so and gives the panel's motivation next to the
jury's scores; a letter never states a threshold its own scores contradict without saying
why (R-JURY-5, R-APP-3)."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select

from appeals import operations as appeal_ops
from appeals.rules import Position
from matching.candidacies.models import Letter
from matching.candidacies.notifications import sealed_pdf
from matching.letters.content import (
    IncompleteLetter,
    LetterKind,
    PanelPosition,
    check_threshold_coherent,
)
from tests.helpers import flat, pdf_text

REVERSE_A = "De referentielijst in bijlage 2 toont ervaring met de doelgroep die de jury miste."
REVERSE_B = "Bijlage 2 werd bij de beoordeling van de cruciale bijdrage over het hoofd gezien."


@pytest.fixture
def reversed_world(world):
    world.published_procedure()
    world.selected, world.rejected = world.apply("Jobkracht vzw"), world.apply("De Brug vzw")
    world.start_round_1()
    world.decide(world.selected, 1, (4, 3))
    world.decide(world.rejected, 1, (2, 3))
    world.close_round(1)
    world.received(world.rejected, 1)
    appeal = world.appeal(world.rejected)
    appeal_ops.assign_panel(appeal, world.panel[:2], actor=world.coordinator,
                            now=world.clock.now)
    for member, motivation in zip(world.panel[:2], (REVERSE_A, REVERSE_B), strict=True):
        appeal_ops.record_position(appeal, Position.REVERSE, motivation, actor=member,
                                   now=world.clock.now)
    world.pitch(world.rejected)
    world.db.session.flush()
    return world


def _invitation(db, candidacy) -> Letter:
    return db.session.scalars(select(Letter).where(
        Letter.candidacy_id == candidacy.id, Letter.kind == LetterKind.ROUND1_SELECTED)
        .order_by(Letter.version.desc())).first()


def test_the_pitch_invitation_after_a_reversed_appeal_says_why_in_its_pdf(reversed_world, db):
    w = reversed_world
    letter = _invitation(db, w.rejected)
    assert letter is not None
    assert "Na uw weerwoord" in letter.subject
    text = flat(pdf_text(sealed_pdf(letter, now=w.clock.now).pdf))
    # the jury's scores stay what they were, with the threshold they do not reach …
    assert "2 op 4" in text and "minstens 3" in text
    # … and the letter says why it is nevertheless a selection, with the panel's motivation
    assert "weerwoord" in text and "omgekeerd" in text
    assert "niet op beide criteria de score 3" in text
    assert flat(REVERSE_A) in text and flat(REVERSE_B) in text


def test_an_ordinary_invitation_says_nothing_about_an_appeal(reversed_world, db):
    w = reversed_world
    letter = _invitation(db, w.selected) or None
    if letter is None:  # the selected one is invited when its pitch is planned
        w.pitch(w.selected)
        db.session.flush()
        letter = _invitation(db, w.selected)
    text = flat(pdf_text(sealed_pdf(letter, now=w.clock.now).pdf))
    assert "weerwoordpanel" not in text and "omgekeerd" not in text
    assert "4 op 4" in text


def _content(kind, scores, **kw):
    from tests.integration.test_letter_rendering import letter
    base = letter(kind)
    results = tuple(dataclasses.replace(r, score=s) for r, s in zip(base.results, scores,
                                                                       strict=True))
    return dataclasses.replace(base, results=results, **kw)


@pytest.mark.parametrize("kind, scores, extra, ok", [
    (LetterKind.ROUND1_SELECTED, (3, 3), {}, True),
    (LetterKind.ROUND1_SELECTED, (2, 3), {}, False),
    (LetterKind.ROUND1_SELECTED, (2, 3), {"appeal_outcome": "reversed", "panel": (
        PanelPosition("reverse", REVERSE_A), PanelPosition("reverse", REVERSE_B))}, True),
    (LetterKind.ROUND1_SELECTED, (2, 3), {"appeal_outcome": "reversed"}, False),
    (LetterKind.ROUND2_ADMITTED, (3, 2), {}, False),
    (LetterKind.ROUND1_NOT_SELECTED, (3, 3), {}, False),
    (LetterKind.ROUND1_NOT_SELECTED, (3, 2), {}, True),
    (LetterKind.ROUND2_NOT_ADMITTED, (4, 4), {}, False),
])
def test_a_letter_never_contradicts_its_threshold(app, kind, scores, extra, ok):
    with app.app_context():
        content = _content(kind, scores, **extra)
        if ok:
            check_threshold_coherent(content)
        else:
            with pytest.raises(IncompleteLetter):
                check_threshold_coherent(content)


# --- one deadline, the same instant in the letter, on the form and on the candidacy page ---

@pytest.fixture
def rejected(world):
    world.published_procedure()
    world.selected, world.rejected = world.apply("Jobkracht vzw"), world.apply("De Brug vzw")
    world.start_round_1()
    world.decide(world.selected, 1, (4, 3))
    world.decide(world.rejected, 1, (2, 3))
    world.close_round(1)
    return world


def _decision_letters(db, candidacy):
    return db.session.scalars(select(Letter).where(
        Letter.candidacy_id == candidacy.id, Letter.kind == LetterKind.ROUND1_NOT_SELECTED)
        .order_by(Letter.version)).all()


def test_a_same_day_receipt_keeps_the_letter_and_its_deadline(rejected, db):
    from matching.candidacies.queries import appeal_deadline_of
    w = rejected
    w.received(w.rejected, 1)
    (letter,) = _decision_letters(db, w.rejected)
    assert letter.appeal_deadline == appeal_deadline_of(w.rejected, 1)


def test_a_late_receipt_corrects_the_letter_to_the_one_deadline(rejected, db, app):
    from datetime import timedelta

    from matching.candidacies.queries import appeal_deadline_of
    from matching.letters.render import format_deadline
    w = rejected
    decided = w.clock.now
    w.clock.advance(days=2)
    w.received(w.rejected, 1, w.clock.now)
    first, corrected = _decision_letters(db, w.rejected)
    deadline = appeal_deadline_of(w.rejected, 1)
    assert first.appeal_deadline < deadline == corrected.appeal_deadline
    assert deadline - first.appeal_deadline == timedelta(days=2) or decided.utcoffset() is None
    assert corrected.correction_reason and corrected.supersedes_id == first.id
    with app.test_request_context():
        assert format_deadline(deadline) in flat(corrected.text)
    assert "werd pas op" in corrected.text
    # the corrected letter's own e-mail is no second receipt
    assert len(w.rejected.notices) == 1


def test_the_form_and_the_candidacy_page_show_the_letters_deadline(rejected, db, client):
    from matching.candidacies.queries import appeal_deadline_of
    from matching.letters.render import format_deadline
    from tests.support import login
    w = rejected
    w.clock.advance(days=1)
    w.received(w.rejected, 1, w.clock.now)
    db.session.commit()
    deadline = appeal_deadline_of(w.rejected, 1)
    letter = _decision_letters(db, w.rejected)[-1]
    login(client, db, w.applicant(w.rejected.organisation))
    with client.application.test_request_context():
        wording = format_deadline(deadline)
    assert wording in flat(letter.text)
    for url in (f"/kandidaturen/{w.rejected.id}/weerwoord", f"/kandidaturen/{w.rejected.id}"):
        page = client.get(url)
        assert page.status_code == 200
        assert wording in flat(page.get_data(as_text=True)), url
