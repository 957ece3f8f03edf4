"""Two administrators grant, or revoke, the same role of the same account at the same
moment (issue 11): exactly one takes effect, the other is refused with a message, never
a 500. The unique constraint on role_grant cannot decide alone (its work area and
organisation are NULL for a matchmaker, and NULLs are distinct), so the operations take
the account's row lock and look again. Only a real concurrent writer shows this:
PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from matching.accounts import operations as account_ops
from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from matching.audit.models import AuditEvent
from matching.core.errors import DomainError

TIMEOUT = 60
ROUNDS = 5


def _race(app, work) -> list[object]:
    """Run ``work(actor)`` for both administrators, each in its own thread, app context
    and session, released together by a barrier; returns 'committed', 'refused' or the
    exception of each."""
    from matching.core.db import db

    barrier = threading.Barrier(2, timeout=TIMEOUT)
    outcomes: list[object] = []

    def run(admin_email: str) -> None:
        with app.app_context():
            try:
                actor = db.session.scalar(select(User).where(User.email == admin_email))
                prepared = work(actor, db)  # reads before the barrier
                barrier.wait()
                try:
                    prepared()
                    db.session.commit()
                except DomainError:
                    db.session.rollback()
                    outcomes.append("refused")
                    return
                outcomes.append("committed")
            except BaseException as error:  # reported by the test, never swallowed
                barrier.abort()
                db.session.rollback()
                outcomes.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(email,))
               for email in ("admin@wse.example", "admin2@wse.example")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), "a thread still runs (deadlock?)"
    return outcomes


def test_granting_and_revoking_the_same_role_at_once_has_exactly_one_effect(app, request):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite serialises all writers")
    world = request.getfixturevalue("world")
    db = world.db
    second = world.user("admin2", Role.ADMINISTRATOR)
    second.email = "admin2@wse.example"
    targets = [world.user(f"persoon{i}", Role.APPEAL_MATCHMAKER) for i in range(ROUNDS)]
    db.session.commit()
    now = world.clock.now
    target_ids = [t.id for t in targets]

    for user_id in target_ids:
        def grant(actor, db, user_id=user_id):
            user = db.session.get(User, user_id)
            assert not user.has_role(Role.MATCHMAKER)  # both read "not yet"
            return lambda: account_ops.grant_role(user, Role.MATCHMAKER, actor=actor, now=now)

        outcomes = _race(app, grant)
        assert sorted(map(str, outcomes)) == ["committed", "refused"], outcomes
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(RoleGrant).where(
            RoleGrant.user_id == user_id, RoleGrant.role == Role.MATCHMAKER)) == 1

        def revoke(actor, db, user_id=user_id):
            grant = db.session.scalar(select(RoleGrant).where(
                RoleGrant.user_id == user_id, RoleGrant.role == Role.MATCHMAKER))
            assert grant is not None and grant.user is not None  # both hold it
            return lambda: account_ops.revoke_role(grant, actor=actor, now=now)

        outcomes = _race(app, revoke)
        assert sorted(map(str, outcomes)) == ["committed", "refused"], outcomes
        db.session.expire_all()
        assert db.session.scalar(select(func.count()).select_from(RoleGrant).where(
            RoleGrant.user_id == user_id, RoleGrant.role == Role.MATCHMAKER)) == 0
        assert db.session.get(User, user_id).has_role(Role.APPEAL_MATCHMAKER)

    events = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(["role.grant", "role.revoke"]),
        AuditEvent.actor_id.is_not(None))).all()
    assert events.count("role.revoke") == ROUNDS
