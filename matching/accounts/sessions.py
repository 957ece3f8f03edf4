"""Server-side sessions: who is signed in, read from the session table.

The browser's session cookie carries a random id (``session["sid"]``); the table keeps its
SHA-256 (:class:`~matching.accounts.models.AccountSession`). A request is signed in while
that row is neither ended nor timed out and its account is active: one statement, the row
joined with its account, which replaces the account's own load. The row's ``last_seen_at``
is written at most once a minute (in its own short transaction, so a page that fails
changes nothing else). Starting and ending sessions are operations
(:mod:`matching.accounts.operations`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app, g, session
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import joinedload

from matching.accounts.models import AccountSession, User
from matching.accounts.rules import session_expired
from matching.core.db import db
from matching.core.web import utcnow

#: The key of the session id in Flask's signed session cookie.
SESSION_KEY = "sid"


#: ``last_seen_at`` is written when it is older than this (the idle timeout's precision).
TOUCH_EVERY = timedelta(minutes=1)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def limits() -> dict[str, timedelta]:
    config = current_app.config
    return {"idle": timedelta(minutes=config["SESSION_IDLE_MINUTES"]),
            "lifetime": timedelta(hours=config["SESSION_LIFETIME_HOURS"])}


def _write(account_session_id: int, **values) -> None:
    """A short transaction of its own: the page's transaction stays untouched."""
    with db.engine.begin() as connection:
        connection.execute(update(AccountSession)
                           .where(AccountSession.id == account_session_id,
                                  AccountSession.ended_at.is_(None)).values(**values))


@cache
def _session_by_token():
    """The live session of a token hash with its account and the account's role grants, in
    one statement (every page's menu asks for the roles), built once per process (issue 17:
    every request pays this statement)."""
    return (select(AccountSession)
            .options(joinedload(AccountSession.user).joinedload(User.grants))
            .where(AccountSession.token_hash == bindparam("token_hash"),
                   AccountSession.ended_at.is_(None)))


def current_session(*, pending: bool = False) -> AccountSession | None:
    """The live session row of this request's cookie (with its account loaded), or None.
    ``pending=True`` asks for a session between the password and the second factor."""
    cache = g.setdefault("_account_sessions", {})
    if pending in cache:
        return cache[pending]
    found = None
    token = session.get(SESSION_KEY)
    if isinstance(token, str) and token:
        row = db.session.execute(_session_by_token(), {"token_hash": token_hash(token)}) \
            .unique().scalar_one_or_none()
        if row is not None:
            found = _check(row, row.user, pending)
    cache[pending] = found
    return found


def _check(account_session: AccountSession, user: User, pending: bool) -> AccountSession | None:
    now: datetime = utcnow()
    expired = session_expired(account_session.created_at, account_session.last_seen_at, now,
                              **limits())
    if pending:  # the second step is taken within ten minutes of the password
        expired = expired or ("lifetime" if now - account_session.created_at
                              >= timedelta(minutes=10) else None)
    if expired:
        _write(account_session.id, ended_at=now, end_reason=expired)
        return None
    if account_session.pending != pending or not user.is_active:
        return None
    if now - account_session.last_seen_at >= TOUCH_EVERY:
        _write(account_session.id, last_seen_at=now)
    return account_session


def load_signed_in_user(request) -> User | None:
    """Flask-Login's request loader: the account of this request's live, complete session."""
    account_session = current_session()
    return account_session.user if account_session is not None else None
