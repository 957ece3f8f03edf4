"""Operations of signing in: the bookkeeping of sign-ins, the server-side sessions
(:mod:`matching.accounts.sessions` reads them) and the second factor (TOTP with recovery
codes). Like every operation they check, change, record the audit event and never commit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

import pyotp
from sqlalchemy import delete, select, update

from matching.accounts import sessions
from matching.accounts.models import AccountSession, RecoveryCode, User
from matching.accounts.rules import require_administrator
from matching.audit.recording import audit
from matching.core.db import db
from matching.core.errors import N_, DomainError
from matching.core.operation import operation


@operation
def record_login(user: User, *, now: datetime) -> None:
    """A successful sign-in (the password, and the second factor where one is needed)."""
    audit("user.login", user, actor=user, now=now, procedure_id=None)


@operation
def record_failed_login(user: User, *, now: datetime, step: str = "password") -> None:
    """A failed sign-in on an existing account is recorded (the rate limits slow the client
    down, per address and per address and account: never the account for everyone)."""
    audit("user.login_failed", user, actor=None, now=now, procedure_id=None, step=step)


# --- server-side sessions (matching.accounts.sessions reads them) ---------------------------

@operation
def start_session(user: User, *, now: datetime, pending: bool = False) -> str:
    """A new session of ``user``; returns the random id for the cookie (the row keeps only
    its SHA-256). ``pending``: the password is checked, the second factor is not yet."""
    token = sessions.new_token()
    db.session.add(AccountSession(token_hash=sessions.token_hash(token), user_id=user.id,
                                  created_at=now, last_seen_at=now, pending=pending))
    return token


@operation
def end_session(account_session: AccountSession, *, now: datetime, reason: str) -> None:
    """End one session (logout; a pending session once its second factor is given)."""
    if account_session.ended_at is None:
        account_session.ended_at, account_session.end_reason = now, reason


@operation
def end_sessions(account_id: int, *, now: datetime, reason: str) -> int:
    """End every live session of an account (a password change or reset, a deactivation, a
    reset second factor): a cookie kept from before no longer signs anyone in. Returns how
    many ended."""
    result = db.session.execute(
        update(AccountSession)
        .where(AccountSession.user_id == account_id, AccountSession.ended_at.is_(None))
        .values(ended_at=now, end_reason=reason)
        .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


@operation
def complete_sign_in(pending: AccountSession, *, now: datetime) -> str:
    """The second factor is given: the pending session ends and a new, complete one starts
    (a new id, so nothing learnt before the second factor carries over)."""
    end_session(pending, now=now, reason="second_factor")
    user = db.session.get(User, pending.user_id)
    assert user is not None
    record_login(user, now=now)
    return start_session(user, now=now)


# --- the second factor (TOTP) ----------------------------------------------------------------

RECOVERY_CODES = 10


def _code_hash(user: User, code: str) -> str:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return hashlib.sha256(f"{user.id}:{normalised}".encode()).hexdigest()


@operation
def begin_enrolment(user: User, *, now: datetime, actor=None) -> str:
    """A new secret for an account without a confirmed second factor, kept on the server
    until the first code confirms it."""
    if user.totp_confirmed_at is not None:
        raise DomainError(N_("Tweestapsverificatie is voor dit account al ingesteld."))
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    return user.totp_secret


def _accept_code(user: User, code: str, now: datetime) -> bool:
    """Whether ``code`` is the account's current time code (30 s, one step either side for
    clock drift) and newer than the last one used: a code works once."""
    code = "".join(code.split())
    if not user.totp_secret or not code.isdigit() or len(code) != 6:
        return False
    totp = pyotp.TOTP(user.totp_secret)
    step = int(now.timestamp()) // totp.interval
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            if user.totp_last_step is not None and candidate <= user.totp_last_step:
                return False
            user.totp_last_step = candidate
            return True
    return False


@operation
def confirm_enrolment(user: User, code: str, *, now: datetime, actor=None) -> list[str]:
    """The first code confirms the secret; returns the ten recovery codes (shown once,
    stored hashed)."""
    if user.totp_secret is None or user.totp_confirmed_at is not None:
        raise DomainError(N_("Begin opnieuw met het instellen van tweestapsverificatie."))
    if not _accept_code(user, code, now):
        raise DomainError(N_("Deze code is niet juist. Neem de code die uw app nu toont."),
                          field="code")
    user.totp_confirmed_at = now
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_hash(user, c))
                       for c in codes)
    audit("user.second_factor_enrolled", user, actor=user, now=now, procedure_id=None)
    return [f"{c[:5]}-{c[5:]}" for c in codes]


@operation
def check_second_factor(user: User, code: str, *, now: datetime, actor=None) -> None:
    """A time code of the account's app, or one of its unused recovery codes (used up)."""
    if user.totp_confirmed_at is not None and _accept_code(user, code, now):
        return
    if user.totp_confirmed_at is not None and len(code.strip()) > 6:
        recovery = db.session.scalar(select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None),
            RecoveryCode.code_hash == _code_hash(user, code)))
        if recovery is not None:
            recovery.used_at = now
            audit("user.recovery_code_used", user, actor=user, now=now, procedure_id=None)
            return
    raise DomainError(N_("Deze code is niet juist."), field="code")


@operation
def reset_second_factor(user: User, *, actor: User, now: datetime) -> None:
    """The administrator resets someone's second factor (a lost phone): the secret and the
    recovery codes go, every session of the account ends, and the next sign-in enrols anew."""
    require_administrator(actor)
    user.totp_secret = user.totp_confirmed_at = user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_sessions(user.id, now=now, reason="second_factor_reset")
    audit("user.second_factor_reset", user, actor=actor, now=now, procedure_id=None)
