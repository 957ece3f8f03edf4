"""Every password is hashed and checked here, one hash at a time per process (issue 17).

The hash is Werkzeug's scrypt (``scrypt:32768:8:1$salt$hash``: n = 2**15, r = 8, p = 1),
which needs 128 × n × r = 32 MiB of memory while it runs. A gunicorn worker has two threads
(``gunicorn.conf.py``): two sign-ins at once took it 64 MiB above its pages. Here a lock lets
a process compute one scrypt at a time; a second sign-in waits its turn (about 0.1 s of CPU
each), while the worker's other thread keeps serving pages (``hashlib.scrypt`` releases the
GIL). On a machine with fewer cores than workers the hashes per second stay the same (the
other workers use the cores meanwhile): README, "A worker's memory".

Under gunicorn the hashes are not computed in the worker at all but in one hashing process
the master runs for all the workers (:mod:`matching.accounts.hashing`: the worker's peak
no longer has a hash's 32 MiB in it). Where none is configured (``flask run``, the tests, the
CLI), or while it cannot be reached, they are computed here, one at a time, with one warning
logged per outage. Either way the same function with the same parameters gives the answer,
and an address without an account costs a real scrypt like a wrong password.

The parameters and the stored format are Werkzeug's: only the number of hashes running at
once changes.
"""

from __future__ import annotations

import logging
import threading

from werkzeug.security import check_password_hash, generate_password_hash

from matching.accounts import hashing

#: Werkzeug's scrypt with its default parameters (n=2**15, r=8, p=1).
METHOD = "scrypt"

#: Compared against when a sign-in names no account, so that both paths take as long.
UNKNOWN_ACCOUNT_HASH = "scrypt:32768:8:1$dummysaltdummysa$" + "0" * 128

#: One scrypt at a time in this process (its 32 MiB is the worker's largest allocation).
_one_at_a_time = threading.Lock()

log = logging.getLogger(__name__)

#: Whether this process has warned about the current outage of the hashing process.
_warned = False


def _through_the_process(request: dict) -> dict | None:
    """The hashing process's answer, or None to compute in process (none configured, or
    unreachable: then one warning until it answers again). An answer with an ``error``
    (what Werkzeug refused there, e.g. an unreadable stored hash) is computed again here,
    where the same exception reaches the caller, as without the process."""
    global _warned
    where = hashing.configured()
    if where is None:
        return None
    try:
        answer = hashing.ask(*where, request)
    except hashing.Unavailable as problem:
        if not _warned:
            _warned = True
            log.warning("Password hashing process unavailable (%s): hashing in this process "
                        "until it answers again", problem)
        return None
    _warned = False
    return answer


def hash_password(password: str) -> str:
    """The stored form of a new password."""
    answer = _through_the_process({"hash": password})
    if answer is not None and isinstance(answer.get("hash"), str):
        return answer["hash"]
    with _one_at_a_time:
        return generate_password_hash(password, method=METHOD)


def password_matches(stored_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``stored_hash`` was made from."""
    answer = _through_the_process({"check": stored_hash, "password": password})
    if answer is not None and isinstance(answer.get("matches"), bool):
        return answer["matches"]
    with _one_at_a_time:
        return check_password_hash(stored_hash, password)


def spend_unknown_account_check(password: str) -> None:
    """The work of checking a password, for an address without an account (no answer comes
    sooner for an unknown address than for a wrong password)."""
    password_matches(UNKNOWN_ACCOUNT_HASH, password)
