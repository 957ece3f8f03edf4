"""Two matchmakers of one bloc vote on the same ballot at the same moment (R-JURY-4).

Call text, section 6: "hierbij heeft zowel VDAB, het lokaal bestuur als de
onafhankelijke externe 1 stem (ongeacht van het aantal matchmakers per organisatie)".
The operation refuses a second vote of a bloc by reading the ballot's votes; two
matchmakers of the same bloc who vote at once both pass that read, so the database's
unique constraint on (ballot_id, bloc) has to decide, and the operation has to turn
the violation into a refusal. Only a real concurrent writer shows this: PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from juries import operations as jury_ops
from juries.models import Ballot, Vote
from juries.rules import Bloc
from matching.accounts.models import User
from matching.audit.models import AuditEvent
from matching.candidacies.rules import Criterion
from matching.core.errors import DomainError

CANDIDACIES = 5  # two ballots each (one per criterion): ten races
TIMEOUT = 60


def _race(app, ballot_id: int, voter_ids: list[int], now, preload: bool) -> dict[int, object]:
    """Every voter casts a vote on the ballot from their own thread, app context and
    session, released together by a barrier just before cast_vote; returns per voter
    'committed', 'refused' (DomainError), 'integrity error at commit', or the exception."""
    from matching.core.db import db

    barrier = threading.Barrier(len(voter_ids), timeout=TIMEOUT)
    outcomes: dict[int, object] = {}

    def vote(user_id: int, score: int) -> None:
        with app.app_context():
            try:
                ballot = db.session.get(Ballot, ballot_id)
                actor = db.session.get(User, user_id)
                if preload:
                    # Both read "no vote yet" before either writes: the constraint decides.
                    assert ballot.votes == []
                barrier.wait()
                try:
                    jury_ops.cast_vote(ballot, score, actor=actor, now=now)
                except DomainError:
                    db.session.rollback()
                    outcomes[user_id] = "refused"
                    return
                try:
                    db.session.commit()
                except IntegrityError:
                    db.session.rollback()
                    outcomes[user_id] = "integrity error at commit"
                    return
                outcomes[user_id] = "committed"
            except BaseException as error:  # reported by the test, never swallowed
                barrier.abort()
                db.session.rollback()
                outcomes[user_id] = error

    threads = [threading.Thread(target=vote, args=(uid, 3 + i), name=f"voter-{uid}")
               for i, uid in enumerate(voter_ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), f"{t.name} still running after {TIMEOUT}s (deadlock?)"
    return outcomes


def test_two_matchmakers_of_one_bloc_voting_at_once_cast_one_vote(app, request):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite serialises all writers, "
                    "so two votes can never race")
    world = request.getfixturevalue("world")
    db = world.db
    world.published_procedure()
    candidacies = [world.apply(f"Organisatie {i}") for i in range(1, CANDIDACIES + 1)]
    world.start_round_1()
    ballots = [jury_ops.open_ballot(c, 1, criterion, actor=world.mm["lokaal1"],
                                    now=world.clock.now)
               for c in candidacies for criterion in Criterion]
    db.session.commit()  # the threads see only what is committed
    ballot_ids = [b.id for b in ballots]
    vdab = [world.mm["vdab1"].id, world.mm["vdab2"].id]
    assert {world.blocs["vdab1"], world.blocs["vdab2"]} == {Bloc.VDAB}
    now = world.clock.now

    for i, ballot_id in enumerate(ballot_ids):
        outcomes = _race(app, ballot_id, vdab if i % 2 else vdab[::-1], now, preload=i < 8)
        errors = {uid: o for uid, o in outcomes.items() if isinstance(o, BaseException)}
        assert not errors, f"race {i + 1}: unexpected errors {errors!r}"
        assert sorted(outcomes.values(), key=str) in (
            ["committed", "refused"], ["committed", "integrity error at commit"]), (
            f"race {i + 1}: exactly one vote commits, the other is refused; got {outcomes}")

        votes = db.session.scalars(select(Vote).where(Vote.ballot_id == ballot_id)).all()
        assert [(v.bloc, v.cast_by_id) for v in votes] == [
            (Bloc.VDAB, next(uid for uid, o in outcomes.items() if o == "committed"))], (
            f"race {i + 1}: one vote of VDAB on the ballot, by the one who committed")
        audited = db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "ballot.vote", AuditEvent.object_id == votes[0].id))
        assert audited == 1, f"race {i + 1}: the vote is audited once"
        db.session.commit()  # end the reading transaction before the next race

    # The ballots still work after the races: the other blocs vote and ⅔ decides.
    ballot = db.session.get(Ballot, ballot_ids[0])
    jury_ops.cast_vote(ballot, ballot.votes[0].score, actor=world.mm["lokaal1"],
                       now=world.clock.now)
    decision = jury_ops.close_ballot(ballot, "Twee van de drie organisaties stemden zo.",
                                     actor=world.mm["extern1"], now=world.clock.now)
    assert decision is not None and decision.score == ballot.votes[0].score
    db.session.commit()
