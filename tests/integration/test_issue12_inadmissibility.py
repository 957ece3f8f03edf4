"""Issue 12: inadmissibility is a motivated decision with its letter (read back from its PDF),
and the organisation can appeal it like a non-selection; reversed, the candidacy is assessed
after all, also after round 1 closed; the six conditions check it (conditions 3 and 6)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from appeals import operations as appeal_ops
from appeals.rules import AppealState, Position
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Letter
from matching.candidacies.notifications import sealed_pdf
from matching.candidacies.queries import appeal_deadline_of
from matching.candidacies.rules import CandidacyState
from matching.letters.content import LetterKind
from matching.oversight.facts import Status
from matching.oversight.facts_queries import evaluate_procedure
from tests.helpers import flat, pdf_text
from tests.support import refused
from workareas.rules import ProcedureState

REASON = "Ingediend namens een consortium van drie organisaties; de oproep vraagt individuele " \
         "kandidaturen."
REVERSE = "De bijlage toont dat de organisatie alleen indient; het consortium is een partner."


@pytest.fixture
def refused_world(world):
    w = world
    w.published_procedure()
    w.kept, w.refused = w.apply("Jobkracht vzw"), w.apply("Mobiel Plus vzw")
    w.clock.now = w.procedure.candidacy_deadline + timedelta(minutes=1)
    candidacy_ops.close_candidacies(w.procedure, actor=w.coordinator, now=w.clock.now)
    candidacy_ops.declare_inadmissible(w.refused, REASON, actor=w.coordinator, now=w.clock.now)
    return w


def _letter(db, candidacy, kind):
    return db.session.scalars(select(Letter).where(Letter.candidacy_id == candidacy.id,
                                                   Letter.kind == kind)
                              .order_by(Letter.version.desc())).first()


def test_the_inadmissibility_letter_gives_the_reason_and_the_appeal_route(refused_world, db):
    w = refused_world
    letter = _letter(db, w.refused, LetterKind.INADMISSIBLE)
    assert letter is not None and letter.round == 0 and letter.appeal_deadline is not None
    text = flat(pdf_text(sealed_pdf(letter, now=w.clock.now).pdf))
    assert "onontvankelijk" in text and flat(REASON) in text
    assert "Weerwoord" in text and "23:59:59 (Belgische tijd)" in text
    assert f"/kandidaturen/{w.refused.id}/weerwoord" in text.replace(" ", "")


def test_an_inadmissibility_without_reason_writes_no_letter(world, db):
    w = world
    w.published_procedure()
    c = w.apply("Jobkracht vzw")
    w.clock.now = w.procedure.candidacy_deadline + timedelta(minutes=1)
    candidacy_ops.close_candidacies(w.procedure, actor=w.coordinator, now=w.clock.now)
    refused(db, candidacy_ops.declare_inadmissible, c, "te laat", actor=w.coordinator,
            now=w.clock.now, match="procedurele reden")


def test_the_inadmissibility_is_appealed_and_reversed_then_assessed_in_round_1(refused_world, db):
    w = refused_world
    refused(db, w.appeal, w.refused, match="nog niet ontvangen")
    w.received(w.refused, 0)
    assert appeal_deadline_of(w.refused, 0) == _letter(db, w.refused,
                                                       LetterKind.INADMISSIBLE).appeal_deadline
    appeal = w.appeal(w.refused)
    assert appeal.round == 0
    appeal_ops.assign_panel(appeal, w.panel[:2], actor=w.coordinator, now=w.clock.now)
    for member in w.panel[:2]:
        appeal_ops.record_position(appeal, Position.REVERSE, REVERSE, actor=member,
                                   now=w.clock.now)
    assert appeal.state == AppealState.REVERSED
    assert w.refused.state == CandidacyState.SUBMITTED and w.refused.inadmissible_reason is None
    outcome = _letter(db, w.refused, LetterKind.APPEAL_OUTCOME)
    assert "onontvankelijk te verklaren wordt omgekeerd" in outcome.text
    # it is assessed in round 1 like the others
    from juries import round_operations as round_ops
    w.compose_jury()
    round_ops.start_round_1(w.procedure, actor=w.coordinator, now=w.clock.now)
    w.decide(w.kept, 1, (3, 3))
    w.decide(w.refused, 1, (3, 4))
    w.close_round(1)
    assert w.refused.state == CandidacyState.SELECTED_FOR_PITCH


def test_a_reversal_after_round_1_closed_gets_its_own_round_1_decision(refused_world, db):
    w = refused_world
    w.received(w.refused, 0)
    appeal = w.appeal(w.refused)
    from juries import round_operations as round_ops
    w.compose_jury()
    round_ops.start_round_1(w.procedure, actor=w.coordinator, now=w.clock.now)
    w.decide(w.kept, 1, (2, 3))
    w.close_round(1)
    assert w.procedure.state == ProcedureState.ROUND_2
    refused(db, w.close_round, 1, match="geen kandidatuur")
    appeal_ops.assign_panel(appeal, w.panel[:2], actor=w.coordinator, now=w.clock.now)
    for member in w.panel[:2]:
        appeal_ops.record_position(appeal, Position.REVERSE, REVERSE, actor=member,
                                   now=w.clock.now)
    assert w.refused.state == CandidacyState.SUBMITTED
    w.decide(w.refused, 1, (2, 2))
    assert w.close_round(1) == 1
    assert w.refused.state == CandidacyState.NOT_SELECTED_R1
    assert w.procedure.state == ProcedureState.ROUND_2
    assert _letter(db, w.refused, LetterKind.ROUND1_NOT_SELECTED) is not None


def test_conditions_3_and_6_see_the_letter_and_the_window(refused_world, db):
    w = refused_world
    db.session.flush()
    facts_before = {r.number: r for r in evaluate_procedure(w.procedure.id, w.clock.now)}
    assert not any("zonder gemotiveerde brief" in f.msgid for f in facts_before[3].failures)
    assert not facts_before[6].failures
    # declared inadmissible behind the operations' back, without a letter: both notice
    from sqlalchemy import update

    from matching.candidacies.models import Candidacy
    db.session.execute(update(Candidacy).where(Candidacy.id == w.kept.id).values(
        state=CandidacyState.INADMISSIBLE, inadmissible_reason="Te laat, zonder brief."))
    after = {r.number: r for r in evaluate_procedure(w.procedure.id, w.clock.now)}
    assert after[3].status == Status.NOT_MET and after[6].status == Status.NOT_MET
    assert {f.anchor for f in after[6].failures} == {f"c{w.kept.id}"}
