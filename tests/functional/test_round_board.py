"""The round boards, pitches, letters with their delivery, letter previews, and that the
list pages issue as many SQL statements for 200 candidacies as for 5."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from juries import round_operations as round_ops
from juries.models import PitchAppointment
from juries.page_queries import round_board_lines
from juries.queries import round_board_rows
from juries.rules import PitchOutcome
from matching.audit.models import AuditEvent
from matching.candidacies.models import Candidacy, Letter, LetterPdf
from matching.candidacies.rules import CandidacyState, Criterion
from matching.letters.content import LetterKind
from matching.mail.models import OutboxMessage, OutboxState
from tests.support import built_candidacies, consensus_decision, login, statements_for
from workareas import operations as area_ops
from workareas.models import PitchSlot, Procedure
from workareas.rules import ProcedureState


def test_the_round_boards_pitches_letters_and_previews(world, db, client):
    strong, weak = world.in_round_1("Sterk Werk", "Zwak Werk")
    world.decide(strong, 1, (3, 4))
    login(client, db, world.coordinator)
    p = world.procedure.id

    page = client.get(f"/coordinatie/procedures/{p}/rondes/1").get_data(as_text=True)
    assert "Sterk Werk" in page and "Zwak Werk" in page
    assert "score 4 (consensus)" in page and "beslissing over Cruciale bijdrage" in page
    assert "1 van 2 kandidaturen klaar" in page

    # the preview of a letter whose decision is missing explains what is missing
    response = client.get(f"/coordinatie/kandidaturen/{weak.id}/voorbeeld/1")
    assert response.status_code == 422 and "beide criteria" in response.get_data(as_text=True)

    # closing with a missing decision: refused, with a flash naming the organisation
    response = client.post(f"/coordinatie/procedures/{p}/rondes/1/afsluiten",
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "kan niet sluiten" in page and "Zwak Werk" in page
    db.session.expire_all()
    assert db.session.get(Procedure, p).state == ProcedureState.ROUND_1

    world.decide(db.session.get(Candidacy, weak.id), 1, (2, 3))
    db.session.commit()
    preview = client.get(f"/coordinatie/kandidaturen/{weak.id}/voorbeeld/1")
    assert preview.status_code == 200 and preview.mimetype == "text/html"
    assert "Zwak Werk" in preview.get_data(as_text=True)
    csp = preview.headers["Content-Security-Policy"]
    assert "'sha256-" in csp and "unsafe-inline" not in csp and "script-src" not in csp
    assert db.session.scalar(select(Letter).where(
        Letter.candidacy_id == weak.id, Letter.kind == LetterKind.ROUND1_NOT_SELECTED)) is None
    assert client.post(f"/coordinatie/procedures/{p}/rondes/1/afsluiten").status_code == 302
    db.session.expire_all()
    assert db.session.get(Procedure, p).state == ProcedureState.ROUND_2
    assert db.session.get(Candidacy, strong.id).state == CandidacyState.SELECTED_FOR_PITCH

    # round 2: plan a pitch; a moment in the (real) past is refused next to the field
    procedure = db.session.get(Procedure, p)
    past_slot = procedure.pitch_slots[0]
    future_start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)
    future_slot = area_ops.add_pitch_slot(procedure, future_start,
                                          future_start + timedelta(hours=1), "Zaal De Werf",
                                          actor=world.coordinator, now=world.clock.now)
    db.session.commit()
    page = client.get(f"/coordinatie/procedures/{p}/rondes/2").get_data(as_text=True)
    assert "Sterk Werk" in page and "niet gepland" in page and "Zaal De Werf" in page
    field = f"pitch{strong.id}-slot"
    response = client.post(f"/coordinatie/kandidaturen/{strong.id}/pitch",
                           data={field: past_slot.id})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(PitchAppointment)) is None
    assert client.post(f"/coordinatie/kandidaturen/{strong.id}/pitch",
                       data={field: future_slot.id}).status_code == 302
    appointment = db.session.scalar(select(PitchAppointment))
    assert appointment.slot_id == future_slot.id
    assert "gepland" in client.get(f"/coordinatie/procedures/{p}/rondes/2").get_data(as_text=True)

    # the pitch cannot be recorded held before its moment
    report = {f"held{strong.id}-report": "Een overtuigende pitch met concrete voorbeelden."}
    response = client.post(f"/coordinatie/kandidaturen/{strong.id}/pitch-gehouden", data=report,
                           follow_redirects=True)
    assert "pas na het begin" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(PitchAppointment)).held_at is None
    # moved (by the operation, at the world's time) to a moment that has passed by now
    round_ops.plan_pitch(db.session.get(Candidacy, strong.id), past_slot, actor=world.coordinator,
                        now=world.clock.now)
    db.session.commit()
    response = client.post(f"/coordinatie/kandidaturen/{strong.id}/pitch-gehouden",
                           data={f"held{strong.id}-report": "kort"})
    assert response.status_code == 422 and "minstens 10 tekens" in response.get_data(as_text=True)
    assert client.post(f"/coordinatie/kandidaturen/{strong.id}/pitch-gehouden",
                       data=report).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(PitchAppointment)).held_at is not None

    # the letters with their delivery; a failed one is retried by the coordinator
    letters = db.session.scalars(select(Letter).where(Letter.procedure_id == p)).all()
    assert {LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND1_SELECTED} <= {
        letter.kind for letter in letters}
    failed = db.session.scalar(select(OutboxMessage).join(Letter)
                               .where(Letter.kind == LetterKind.ROUND1_NOT_SELECTED))
    failed.state, failed.attempts = OutboxState.FAILED, 8
    failed.last_error, failed.failed_step = "SMTP onbereikbaar", "deliver"
    db.session.commit()
    page = client.get(f"/coordinatie/procedures/{p}/brieven").get_data(as_text=True)
    assert "verzendtaak" in page and "flask" not in page  # no command on a page
    assert "mislukt" in page and "SMTP onbereikbaar" in page
    assert "De mailserver heeft het bericht niet aangenomen." in page
    assert "wordt opgemaakt bij de verzending" in page  # no PDF before the worker ran
    assert f"{weak.reference}/R1" in page and "Zwak Werk" in page
    pending = db.session.scalar(select(OutboxMessage)
                                .where(OutboxMessage.state == OutboxState.PENDING))
    response = client.post(f"/coordinatie/outbox/{pending.id}/opnieuw", follow_redirects=True)
    assert "Enkel een mislukt bericht" in response.get_data(as_text=True)
    assert client.post(f"/coordinatie/outbox/{failed.id}/opnieuw").status_code == 302
    db.session.expire_all()
    message = db.session.get(OutboxMessage, failed.id)
    assert message.state == OutboxState.PENDING and message.attempts == 0
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "outbox.retry"))


def test_the_retry_is_not_for_another_coordinator(world, db, client):
    world.published_procedure()
    world.apply("Sterk Werk")
    message = db.session.scalar(select(OutboxMessage))
    message.state, message.attempts = OutboxState.FAILED, 8
    other, _ = world.other_coordinator()
    db.session.commit()
    login(client, db, other)
    assert client.post(f"/coordinatie/outbox/{message.id}/opnieuw").status_code == 404
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).state == OutboxState.FAILED


# --- the same number of statements for 5 and 200 rows -------------------------------------

def _many(world, db, n: int, offset: int) -> None:
    """``n`` submitted candidacies, half with both round-1 decisions, each with a letter and
    its outbox message (built directly: the operations are too slow for 200)."""
    procedure, now = world.procedure, world.clock.now
    candidacies = built_candidacies(db, procedure, range(offset, offset + n), now=now,
                                    name="Organisatie", kbo_from=5000, reference="KAND-T",
                                    states=[CandidacyState.SUBMITTED])
    decisions, letters = [], []
    for i, c in enumerate(candidacies):
        if i % 2 == 0:
            decisions += [consensus_decision(c, cr, by=world.mm["vdab1"], now=now)
                          for cr in Criterion]
        html = f"<p>brief {c.reference}</p>"
        letters.append(Letter(kind=LetterKind.CANDIDACY_RECEIPT, reference=f"{c.reference}/ONTV",
                              version=1, procedure_id=procedure.id, candidacy_id=c.id,
                              subject="Ontvangstbevestiging", recipients="org@example.be",
                              html=html, text="brief",
                              content_sha256=hashlib.sha256(html.encode()).hexdigest(),
                              created_at=now))
    db.session.add_all(decisions + letters)
    db.session.flush()
    pdf = b"%PDF- half of them already sealed and sent"
    db.session.add_all([LetterPdf(letter_id=letter.id, pdf=pdf,
                                  sha256=hashlib.sha256(pdf).hexdigest(), rendered_at=now,
                                  sealed_at=now, seal_fingerprint="f" * 64)
                        for letter in letters[::2]])
    messages = []
    for i, letter in enumerate(letters):
        failed = i % 3 == 0
        messages.append(OutboxMessage(
            letter_id=letter.id, message_id=f"<{letter.reference}@test>",
            to_addresses=letter.recipients, subject=letter.subject,
            state=OutboxState.FAILED if failed else OutboxState.PENDING,
            attempts=8 if failed else 0, last_error="fout" if failed else None,
            failed_step="build" if failed else None,
            created_at=now, next_attempt_at=now))
    db.session.add_all(messages)
    db.session.commit()


def test_the_round_board_and_the_letters_page_issue_a_constant_number_of_statements(world, db,
                                                                                    client):
    world.published_procedure()
    world.compose_jury()
    login(client, db, world.coordinator)
    p = world.procedure.id
    paths = [f"/coordinatie/procedures/{p}/rondes/1", f"/coordinatie/procedures/{p}/brieven",
             f"/coordinatie/procedures/{p}/rondes/2"]
    _many(world, db, 5, 0)
    small = {path: statements_for(client, db, path)[0] for path in paths}
    page = client.get(paths[0]).get_data(as_text=True)
    assert page.count("<tr>") == 1 + 5 and "Organisatie 4" in page
    _many(world, db, 195, 5)
    large = {path: statements_for(client, db, path)[0] for path in paths}
    page = client.get(paths[1]).get_data(as_text=True)
    assert "Organisatie 199" in page
    assert small == large, (small, large)


def _selected_with_pitches(world, db, n: int, offset: int) -> None:
    """``n`` candidacies selected for the pitch, each with a planned pitch (not yet held):
    every other one's moment has begun (the board then offers to record it)."""
    procedure, now = world.procedure, world.clock.now
    candidacies = built_candidacies(db, procedure, range(offset, offset + n), now=now,
                                    name="Pitcher", kbo_from=7000, reference="KAND-P",
                                    states=[CandidacyState.SELECTED_FOR_PITCH])
    slots = [PitchSlot(procedure_id=procedure.id,
                       starts_at=now + timedelta(hours=(offset + i) * (1 if i % 2 else -1)),
                       ends_at=now + timedelta(hours=(offset + i) * (1 if i % 2 else -1),
                                               minutes=30),
                       location=f"Zaal {offset + i}")
             for i in range(n)]
    db.session.add_all(slots)
    db.session.flush()
    db.session.add_all([PitchAppointment(candidacy_id=c.id, slot_id=s.id, planned_at=now)
                        for c, s in zip(candidacies, slots, strict=True)])
    db.session.commit()


def test_the_round_2_board_with_planned_pitches_issues_a_constant_number_of_statements(
        world, db, client, pages_at_world_time):
    """Issue 17: whether a pitch's outcome may be recorded is asked of the rule with the
    pitch the board read, not with a statement per candidacy."""
    world.published_procedure()
    world.compose_jury()
    login(client, db, world.coordinator)
    path = f"/coordinatie/procedures/{world.procedure.id}/rondes/2"
    _selected_with_pitches(world, db, 3, 0)
    small, _ = statements_for(client, db, path)
    _selected_with_pitches(world, db, 40, 3)
    large, page = statements_for(client, db, path)
    assert "Pitcher 42" in page and page.count("Pitch als gehouden registreren") == 22
    assert small == large, (small, large)


def test_the_board_asks_the_same_rules_as_closing_the_round(world, db, client):
    """The board's rows (columns) give the readiness closing the round decides on, and
    the pitch outcome the operation accepts."""
    world.published_procedure()
    world.compose_jury()
    db.session.commit()
    _many(world, db, 6, 0)
    _selected_with_pitches(world, db, 6, 6)
    procedure, now = world.procedure, world.clock.now
    for round_no in (1, 2):
        lines = round_board_lines(procedure, round_no)
        rows = round_board_rows(procedure, round_no, lean=False)
        assert [(line.id, line.readiness) for line in lines] == [
            (row.candidacy.id, row.readiness) for row in rows]
        assert [line.decisions for line in lines] == [
            {c: (d.score, d.method) for c, d in row.decisions.items()} for row in rows]
    offered = {(line.id, outcome): round_ops.board_pitch_outcome_open(line.pitch, outcome, now)
               for line in round_board_lines(procedure, 2) for outcome in PitchOutcome}
    assert set(offered.values()) == {True, False}  # both cases are compared below
    for line in round_board_lines(procedure, 2):
        candidacy = db.session.get(Candidacy, line.id)
        for outcome in PitchOutcome:
            assert round_ops.board_pitch_outcome_open(line.pitch, outcome, now) == \
                round_ops.pitch_outcome_open(candidacy, outcome, now)
