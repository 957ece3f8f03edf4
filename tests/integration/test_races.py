"""Two identical requests at the same moment have exactly one effect (issue 14, races).

Every operation that changes a procedure, a candidacy, a ballot or an appeal first takes
the audit chain's lock and reads its object again with ``SELECT … FOR UPDATE``
(:func:`matching.audit.recording.lock_for_change`), so the second of two identical
requests waits, then sees the first one's result and is refused with the rule's own
Dutch message (a DomainError, shown as a flash), never a 500 and never a second effect.

Before, on PostgreSQL, closing the same round twice at once gave a 500 in 17 of 20 tries
and closed it twice in 3 (two transitions, two audit events); a double submit of a
candidacy gave a 500 (IntegrityError). Each case below runs 20 times: two threads, each
with its own application context and database session, load the object (so both hold
the state as it was), wait at a barrier and call the operation together. Only a real
concurrent writer shows this: PostgreSQL (skipped without ``TEST_DATABASE_URL``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import Position
from juries import operations as jury_ops
from juries import round_operations as round_ops
from juries.models import Ballot
from matching.accounts.models import User
from matching.accounts.rules import Role
from matching.audit.models import AuditEvent, Transition
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import Criterion
from matching.core.errors import DomainError
from matching.oversight.operations import ratify
from tests.support import ALL_DECLARED, ANSWERS, T0
from workareas import operations as area_ops
from workareas.models import Procedure

REPETITIONS = 20
TIMEOUT = 120
MOTIVATION = "Twee van de drie organisaties gaven deze score, met hun redenen."

pytestmark = pytest.mark.usefixtures("needs_postgresql")


@pytest.fixture
def needs_postgresql(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite serialises all writers, "
                    "so two requests can never race")


# A prepared attempt: run in the racing thread's own session before the barrier, it loads
# what the request would load and returns the operation call made at the barrier.
Prepare = Callable[[Any], Callable[[], object]]


def race(app, prepare: Prepare, n: int = 2) -> list[object]:
    """Run ``n`` identical requests at once; each outcome is 'committed', 'refused'
    (a DomainError, rolled back) or the unexpected exception itself."""
    from matching.core.db import db

    barrier = threading.Barrier(n, timeout=TIMEOUT)
    outcomes: list[object] = []

    def request() -> None:
        with app.app_context():
            try:
                call = prepare(db)
                barrier.wait()
                try:
                    call()
                    db.session.commit()
                    outcomes.append("committed")
                except DomainError:
                    db.session.rollback()
                    outcomes.append("refused")
            except BaseException as error:  # reported by the test, never swallowed
                barrier.abort()
                db.session.rollback()
                outcomes.append(error)

    threads = [threading.Thread(target=request) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), f"a request still runs after {TIMEOUT}s (deadlock?)"
    return outcomes


def run_races(app, db, attempts: list[tuple[Prepare, str]],
              check: Callable[[int], None] | None = None) -> None:
    """Each attempt raced once: exactly one request commits, the other is refused, no
    other error, and exactly one audit event ``action`` is appended."""
    assert len(attempts) == REPETITIONS
    for i, (prepare, action) in enumerate(attempts, 1):
        db.session.commit()  # the threads see only what is committed
        before = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
        db.session.commit()
        outcomes = race(app, prepare)
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        assert not errors, f"race {i}: server errors {errors!r}"
        assert sorted(outcomes, key=str) == ["committed", "refused"], f"race {i}: {outcomes}"
        events = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.id > before, AuditEvent.action == action))
        assert events == 1, f"race {i}: {events} audit events {action!r}, expected exactly one"
        if check:
            check(i - 1)
        db.session.commit()


def transitions_of(db, obj_type: str, obj_id: int, step: str) -> int:
    return db.session.scalar(select(func.count(Transition.id)).where(
        Transition.object_type == obj_type, Transition.object_id == obj_id,
        Transition.step == step))


def fresh_area(world, i: int) -> None:
    """A work area of its own (one procedure runs per work area at a time), with its
    coordinator and letter sender; the world's procedure helpers then work in it. The
    clock goes back to the start, where the test addendum's dates fit."""
    world.clock.now = now = T0
    area = area_ops.create_work_area(f"Regio Race {i}", "Oost-Vlaanderen", [f"Racegem {i}"],
                                     [], actor=world.admin, now=now)
    world.db.session.flush()
    world.area = area
    world.coordinator = world.user(f"racecoord{i}", Role.COORDINATOR, work_area_id=area.id)
    area_ops.set_letter_sender(area, "Dienst Werk\nMarkt 1\n9000 Gent", "An Peeters",
                               "Directeur", actor=world.coordinator, now=now)


def attempt(model, ident: int, actor_id: int, call: Callable[..., object]) -> Prepare:
    """Load the object and the actor in the thread's session (touching the state, as the
    request's page did), then call the operation at the barrier."""
    def prepare(db):
        obj = db.session.get(model, ident)
        actor = db.session.get(User, actor_id)
        getattr(obj, "state", None)
        return lambda: call(obj, actor)
    return prepare


# --- procedure --------------------------------------------------------------------------

def test_closing_a_round_twice_at_once_closes_it_once(app, db, world):
    attempts, procedures = [], []
    for i in range(REPETITIONS):
        fresh_area(world, i)
        world.published_procedure()
        c = world.apply(f"Organisatie R{i}")
        world.start_round_1()
        world.decide(c, 1, (3, 3))
        procedures.append(world.procedure.id)
        now = world.clock.now
        attempts.append((attempt(Procedure, world.procedure.id, world.coordinator.id,
                                 lambda p, a, now=now: round_ops.close_round(p, 1, actor=a,
                                                                             now=now)),
                         "procedure.close_round_1"))
    run_races(app, db, attempts, lambda i: (
        transitions_of(db, "procedure", procedures[i], "close_round_1") == 1) or pytest.fail(
            f"race {i + 1}: the round is closed more than once"))


def test_publishing_twice_at_once_publishes_once(app, db, world):
    attempts = []
    for i in range(REPETITIONS):
        fresh_area(world, i)
        world.draft_procedure()
        now = world.clock.now
        attempts.append((attempt(Procedure, world.procedure.id, world.coordinator.id,
                                 lambda p, a, now=now: area_ops.publish_addendum(p, actor=a,
                                                                                 now=now)),
                         "procedure.publish"))
    run_races(app, db, attempts)


def test_starting_round_1_twice_at_once_starts_it_once(app, db, world):
    attempts = []
    for i in range(REPETITIONS):
        fresh_area(world, i)
        world.published_procedure()
        world.apply(f"Organisatie S{i}")
        world.clock.now = world.procedure.candidacy_deadline + timedelta(minutes=1)
        candidacy_ops.close_candidacies(world.procedure, actor=world.coordinator,
                                        now=world.clock.now)
        world.compose_jury()
        now = world.clock.now
        attempts.append((attempt(Procedure, world.procedure.id, world.coordinator.id,
                                 lambda p, a, now=now: round_ops.start_round_1(p, actor=a,
                                                                               now=now)),
                         "procedure.start_round_1"))
    run_races(app, db, attempts)


def test_ratifying_twice_at_once_ratifies_once(app, db, world):
    observer = world.user("waarnemer", Role.OBSERVER)
    attempts = []
    for i in range(REPETITIONS):
        fresh_area(world, i)
        world.decided_procedure()
        now = world.clock.now
        attempts.append((attempt(Procedure, world.procedure.id, observer.id,
                                 lambda p, a, now=now: ratify(p, actor=a, now=now)),
                         "procedure.ratify"))
    run_races(app, db, attempts)


# --- candidacy --------------------------------------------------------------------------

def test_submitting_twice_at_once_submits_once(app, db, world):
    world.published_procedure()
    attempts = []
    for i in range(REPETITIONS):
        org = world.organisation(f"Indiener {i}")
        who = world.applicant(org)
        c = candidacy_ops.start_candidacy(world.procedure, org, actor=who, now=world.clock.now)
        candidacy_ops.save_candidacy(
            c, actor=who, now=world.clock.now,
            contributions={"RU1": "Wij bieden outreach via onze jeugdwerkers."},
            answers=ANSWERS, partnership_fit="Wij werken al jaren samen in casusoverleg.",
            declarations=ALL_DECLARED)
        now = world.clock.now
        attempts.append((attempt(Candidacy, c.id, who.id,
                                 lambda c, a, now=now: candidacy_ops.submit_candidacy(
                                     c, actor=a, now=now)),
                         "candidacy.submit"))
    run_races(app, db, attempts)


def test_withdrawing_twice_at_once_withdraws_once(app, db, world):
    world.published_procedure()
    attempts = []
    for i in range(REPETITIONS):
        c = world.apply(f"Terugtrekker {i}")
        who = world.applicant(c.organisation)
        now = world.clock.now
        attempts.append((attempt(Candidacy, c.id, who.id,
                                 lambda c, a, now=now: candidacy_ops.withdraw_candidacy(
                                     c, "We trekken ons terug.", actor=a, now=now)),
                         "candidacy.withdraw"))
    run_races(app, db, attempts)


# --- ballots ----------------------------------------------------------------------------

def _ballots(world, db, count: int) -> list[Ballot]:
    world.published_procedure()
    candidacies = [world.apply(f"Stemming {i}") for i in range((count + 1) // 2)]
    world.start_round_1()
    return [jury_ops.open_ballot(c, 1, criterion, actor=world.mm["lokaal1"],
                                 now=world.clock.now)
            for c in candidacies for criterion in Criterion][:count]


def test_casting_a_vote_twice_at_once_casts_one(app, db, world):
    ballots = _ballots(world, db, REPETITIONS)
    voter, now = world.mm["vdab1"], world.clock.now
    attempts = [(attempt(Ballot, b.id, voter.id,
                         lambda b, a, s=3 + i % 2: jury_ops.cast_vote(b, s, actor=a, now=now)),
                 "ballot.vote") for i, b in enumerate(ballots)]
    run_races(app, db, attempts)


def test_closing_a_ballot_twice_at_once_closes_it_once(app, db, world):
    ballots = _ballots(world, db, REPETITIONS)
    now = world.clock.now
    for b in ballots:
        for name in ("vdab1", "lokaal1", "extern1"):
            jury_ops.cast_vote(b, 3, actor=world.mm[name], now=now)
    closer = world.mm["extern1"]
    attempts = [(attempt(Ballot, b.id, closer.id,
                         lambda b, a: jury_ops.close_ballot(b, MOTIVATION, actor=a, now=now)),
                 "ballot.close") for b in ballots]
    run_races(app, db, attempts)


# --- appeals ----------------------------------------------------------------------------

def _not_selected(world, count: int) -> list[Candidacy]:
    world.published_procedure()
    candidacies = [world.apply(f"Beroep {i}") for i in range(count)]
    world.start_round_1()
    for c in candidacies:
        world.decide(c, 1, (2, 3))
    world.close_round(1)
    for c in candidacies:
        world.received(c, 1)
    return candidacies


def test_filing_an_appeal_twice_at_once_files_one(app, db, world):
    candidacies = _not_selected(world, REPETITIONS)
    now = world.clock.now
    attempts = [(attempt(Candidacy, c.id, world.applicant(c.organisation).id,
                         lambda c, a: appeal_ops.file_appeal(
                             c, "De bijlage met onze referenties werd niet meegenomen.",
                             ["Bijlage 2"], actor=a, now=now)),
                 "appeal.file") for c in candidacies]
    run_races(app, db, attempts, lambda i: db.session.scalar(
        select(func.count(Appeal.id)).where(Appeal.candidacy_id == candidacies[i].id)) == 1
        or pytest.fail(f"race {i + 1}: more than one appeal"))


def test_recording_a_panel_position_twice_at_once_records_one(app, db, world):
    """The first panel member gave a position; the second submits theirs twice at the
    same moment: one position, and the appeal is decided once (one transition, one
    outcome letter)."""
    candidacies = _not_selected(world, REPETITIONS)
    first, second = world.panel[0], world.panel[1]
    appeals = []
    for c in candidacies:
        appeal = world.appeal(c)
        appeal_ops.assign_panel(appeal, [first, second], actor=world.coordinator,
                                now=world.clock.now)
        appeal_ops.record_position(appeal, Position.CONFIRM, "De jury heeft de bijlage wel "
                                   "degelijk gelezen en gemotiveerd.", actor=first,
                                   now=world.clock.now)
        appeals.append(appeal)
    now = world.clock.now
    attempts = [(attempt(Appeal, a.id, second.id,
                         lambda ap, u: appeal_ops.record_position(
                             ap, Position.CONFIRM, "Ook ik zie geen materiële vergissing in "
                             "de beoordeling.", actor=u, now=now)),
                 "appeal.position") for a in appeals]
    run_races(app, db, attempts, lambda i: (
        transitions_of(db, "appeal", appeals[i].id, "confirm") == 1) or pytest.fail(
            f"race {i + 1}: the appeal is decided more than once"))


# --- through the page ---------------------------------------------------------------------

def test_two_clicks_on_close_round_give_one_closing_and_one_dutch_message(app, db, world):
    """The coordinator's form posted twice at the same moment (a double click, two tabs):
    both answers redirect back to the round board, one with the success message, the
    other with the refusal as a flash; never a 500."""
    from tests.conftest import FreshContextClient
    from tests.support import login

    app.test_client_class = FreshContextClient  # each request its own context, as served
    for i in range(5):
        fresh_area(world, i)
        world.published_procedure()
        c = world.apply(f"Organisatie K{i}")
        world.start_round_1()
        world.decide(c, 1, (3, 3))
        db.session.commit()
        clients = [app.test_client() for _ in range(2)]
        for client in clients:
            login(client, db, world.coordinator)
        url = f"/coordinatie/procedures/{world.procedure.id}/rondes/1/afsluiten"
        barrier = threading.Barrier(2, timeout=TIMEOUT)
        answers: list[object] = []

        def click(client, barrier=barrier, answers=answers, url=url):
            try:
                barrier.wait()
                answers.append(client.post(url))
            except BaseException as error:  # reported by the test, never swallowed
                answers.append(error)

        threads = [threading.Thread(target=click, args=(cl,)) for cl in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join(TIMEOUT)
        assert [getattr(a, "status_code", a) for a in answers] == [302, 302], answers
        flashes = []
        for client in clients:
            with client.session_transaction() as session:
                flashes += [category for category, _ in session.get("_flashes", [])]
        assert sorted(flashes) == ["error", "success"], flashes
        assert transitions_of(db, "procedure", world.procedure.id, "close_round_1") == 1


# --- pitch slots (issue 13) -----------------------------------------------------------------

def test_two_organisations_picking_the_same_slot_at_once_one_gets_it(app, db, world):
    """First come, first served: two organisations choose the same free slot at the same
    moment; one holds it, the other is told it was just taken (never a 500, never two
    appointments in one slot)."""
    from juries.models import PitchAppointment
    from workareas.models import PitchSlot
    from workareas.rules import SessionPlan

    repetitions = 5
    fresh_area(world, 100)
    world.published_procedure()
    candidacies = [world.apply(f"Organisatie P{i}") for i in range(2 * repetitions)]
    world.start_round_1()
    for c in candidacies:
        world.decide(c, 1, (3, 3))
    world.close_round(1)
    start = world.procedure.candidacy_deadline + timedelta(days=20)
    session = area_ops.add_pitch_session(
        world.procedure, SessionPlan(start, start + timedelta(hours=3), 20, 10), "Stadhuis",
        pick_until=world.clock.now + timedelta(days=5), actor=world.coordinator,
        now=world.clock.now)
    users = {c.id: world.applicant(c.organisation).id for c in candidacies}
    db.session.commit()
    now = world.clock.now
    for i in range(repetitions):
        slot_id = session.slots[i].id
        pair = iter([candidacies[2 * i].id, candidacies[2 * i + 1].id])
        handed = threading.Lock()

        def prepare(db, slot_id=slot_id, pair=pair, handed=handed):
            with handed:
                candidacy_id = next(pair)
            candidacy = db.session.get(Candidacy, candidacy_id)
            slot = db.session.get(PitchSlot, slot_id)
            actor = db.session.get(User, users[candidacy_id])
            getattr(candidacy, "state", None)
            return lambda: round_ops.pick_pitch_slot(candidacy, slot, actor=actor, now=now)

        db.session.commit()
        outcomes = race(app, prepare)
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        assert not errors, f"race {i + 1}: server errors {errors!r}"
        assert sorted(outcomes, key=str) == ["committed", "refused"], f"race {i + 1}: {outcomes}"
        holders = db.session.scalars(select(PitchAppointment.candidacy_id)
                                     .where(PitchAppointment.slot_id == slot_id)).all()
        assert len(holders) == 1, f"race {i + 1}: {holders}"
        db.session.commit()
