"""Issue 17: every password is hashed and checked through :mod:`matching.accounts.passwords`,
one scrypt at a time per process (each needs 32 MiB), with Werkzeug's parameters unchanged."""

from __future__ import annotations

import threading
import time

from matching.accounts import passwords
from matching.accounts.models import User


def test_the_hash_is_werkzeugs_scrypt_with_its_parameters():
    stored = passwords.hash_password("een lang wachtwoord")
    assert stored.startswith("scrypt:32768:8:1$")  # n=2**15, r=8, p=1: not weakened
    assert passwords.password_matches(stored, "een lang wachtwoord")
    assert not passwords.password_matches(stored, "een ander wachtwoord")


def test_a_hash_made_before_still_verifies():
    from werkzeug.security import generate_password_hash

    stored = generate_password_hash("een lang wachtwoord", method="scrypt")
    assert passwords.password_matches(stored, "een lang wachtwoord")


def test_the_account_hashes_and_checks_through_it(monkeypatch):
    calls = []
    monkeypatch.setattr(passwords, "generate_password_hash",
                        lambda password, method: calls.append(("hash", method)) or "h")
    monkeypatch.setattr(passwords, "check_password_hash",
                        lambda stored, password: calls.append(("check", stored)) or True)
    user = User(email="a@example.be", name="A")
    user.set_password("een lang wachtwoord")
    assert user.check_password("een lang wachtwoord")
    passwords.spend_unknown_account_check("een lang wachtwoord")
    assert calls == [("hash", "scrypt"), ("check", "h"),
                     ("check", passwords.UNKNOWN_ACCOUNT_HASH)]


def test_the_unknown_account_check_does_the_same_work():
    """The dummy hash has the real parameters, so checking it costs a real scrypt."""
    assert passwords.UNKNOWN_ACCOUNT_HASH.startswith("scrypt:32768:8:1$")
    assert not passwords.password_matches(passwords.UNKNOWN_ACCOUNT_HASH, "wat dan ook")


def test_one_hash_at_a_time_the_second_waits(monkeypatch):
    """Four threads sign in at once: never two hashes running together, and each still
    gets its own answer."""
    running = 0
    most = 0
    guard = threading.Lock()

    def slow_check(stored: str, password: str) -> bool:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with guard:
            running -= 1
        return stored == password

    monkeypatch.setattr(passwords, "check_password_hash", slow_check)
    results: dict[int, bool] = {}

    def sign_in(i: int) -> None:
        results[i] = passwords.password_matches(f"p{i}", f"p{i}" if i % 2 else "fout")

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(4)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert most == 1
    assert time.perf_counter() - started >= 0.19  # four turns of 0.05 s, one after another
    assert results == {0: False, 1: True, 2: False, 3: True}


def test_real_hashes_from_two_threads_verify():
    stored: dict[int, str] = {}

    def make(i: int) -> None:
        stored[i] = passwords.hash_password(f"wachtwoord nummer {i}")

    threads = [threading.Thread(target=make, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert passwords.password_matches(stored[0], "wachtwoord nummer 0")
    assert passwords.password_matches(stored[1], "wachtwoord nummer 1")
    assert not passwords.password_matches(stored[0], "wachtwoord nummer 1")
