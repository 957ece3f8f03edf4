"""Issue 17, the password hashing process (:mod:`matching.accounts.hashing`): under gunicorn
one process computes every worker's scrypt (32 MiB each), reached over a 0600 Unix socket
with a key; unreachable, the worker hashes in process and logs one warning."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest
from werkzeug.security import check_password_hash, generate_password_hash

from matching.accounts import hashing, passwords


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def folder():
    path = tempfile.mkdtemp(prefix="ph-")  # short: a Unix socket's path is at most 107 bytes
    yield Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def process(folder, monkeypatch):
    """A hashing process for a worker (this test), as gunicorn's master starts it."""
    monkeypatch.setenv("MATCHING_INSTANCE_PATH", str(folder / "instance"))
    hp = hashing.HashingProcess.for_instance()
    assert hp is not None
    for name, value in hp.environment().items():
        monkeypatch.setenv(name, value)
    hp.start()
    wait_for(lambda: os.path.exists(hp.path))
    yield hp
    hp.stop()


@pytest.fixture
def not_in_this_process(monkeypatch):
    """Any hash computed here fails the test: the answers must come from the process."""
    def refuse(*args, **kwargs):
        raise AssertionError("hashed in the worker")

    monkeypatch.setattr(passwords, "generate_password_hash", refuse)
    monkeypatch.setattr(passwords, "check_password_hash", refuse)


def test_hashes_through_the_process_verify_in_process_and_the_other_way(
        process, not_in_this_process):
    stored = passwords.hash_password("een lang wachtwoord")
    assert stored.startswith("scrypt:32768:8:1$")  # Werkzeug's parameters, unchanged
    assert check_password_hash(stored, "een lang wachtwoord")  # verified in process
    assert not check_password_hash(stored, "een ander wachtwoord")
    here = generate_password_hash("nog een wachtwoord", method="scrypt")  # made in process
    assert passwords.password_matches(here, "nog een wachtwoord")
    assert not passwords.password_matches(here, "fout")
    assert passwords.password_matches(stored, "een lang wachtwoord")


def test_an_unknown_address_costs_a_real_scrypt_in_the_process(process, not_in_this_process):
    stored = generate_password_hash("een lang wachtwoord", method="scrypt")
    passwords.password_matches(stored, "opwarmen")
    started = time.perf_counter()
    assert not passwords.password_matches(stored, "fout")
    wrong_password = time.perf_counter() - started
    started = time.perf_counter()
    passwords.spend_unknown_account_check("fout")
    unknown = time.perf_counter() - started
    # a scrypt of n=2**15, r=8 takes tens of milliseconds; an answer without one, < 2 ms
    assert wrong_password > 0.02 and unknown > 0.02
    assert unknown > wrong_password / 3


def test_the_socket_is_the_servers_users_alone_and_wants_the_key(process):
    mode = os.stat(process.path).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600
    with pytest.raises(hashing.Unavailable):
        hashing.ask(process.path, b"not the key", {"hash": "een lang wachtwoord"})
    answer = hashing.ask(process.path, process.key, {"hash": "een lang wachtwoord"})
    assert check_password_hash(answer["hash"], "een lang wachtwoord")


def test_several_threads_sign_in_at_once(process, not_in_this_process):
    made = {i: generate_password_hash(f"wachtwoord {i}", method="scrypt") for i in range(3)}
    results: dict[int, bool] = {}
    new: dict[int, str] = {}

    def sign_in(i: int) -> None:
        results[i] = passwords.password_matches(made[i % 3], f"wachtwoord {i % 3}"
                                                if i % 2 else "fout")

    def register(i: int) -> None:
        new[i] = passwords.hash_password(f"nieuw {i}")

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(6)]
    threads += [threading.Thread(target=register, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: bool(i % 2) for i in range(6)}
    assert all(check_password_hash(new[i], f"nieuw {i}") for i in range(2))


def test_unreachable_the_worker_hashes_itself_and_warns_once(process, caplog):
    caplog.set_level(logging.WARNING, logger="matching.accounts.passwords")
    running = process.process
    process.stop()
    assert running.returncode == 0  # stopped cleanly (SIGTERM)
    assert not os.path.exists(process.path)  # it removed its socket
    stored = passwords.hash_password("een lang wachtwoord")  # in process
    assert passwords.password_matches(stored, "een lang wachtwoord")
    passwords.spend_unknown_account_check("een lang wachtwoord")
    warnings = [r for r in caplog.records if r.name == "matching.accounts.passwords"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "een lang wachtwoord" not in caplog.text
    # back: through the process again; the next outage is warned about again
    process.start()
    wait_for(lambda: os.path.exists(process.path))
    assert passwords.password_matches(stored, "een lang wachtwoord")
    process.process.kill()
    process.process.wait()
    assert passwords.password_matches(stored, "een lang wachtwoord")  # a stale socket
    warnings = [r for r in caplog.records if r.name == "matching.accounts.passwords"]
    assert len(warnings) == 2


def test_the_master_starts_another_when_it_exits(process, not_in_this_process):
    first = process.process.pid
    process.process.kill()
    process.process.wait()
    process.keep_running()  # just started: not at once (a process that cannot start
    assert process.process.pid == first  # does not spin)
    process.started_at -= hashing.RESTART_AFTER
    process.keep_running()
    assert process.process.pid != first
    wait_for(lambda: process.process.poll() is None and os.path.exists(process.path)
             and _answers(process))
    assert passwords.hash_password("een lang wachtwoord").startswith("scrypt:32768:8:1$")
    process.keep_running()  # running: left alone
    assert process.process.pid != first


def _answers(process) -> bool:
    try:
        hashing.ask(process.path, process.key, {"check": "x", "password": "y"})
        return True
    except hashing.Unavailable:
        return False


def test_without_a_process_configured_hashing_stays_in_process(monkeypatch):
    monkeypatch.delenv(hashing.SOCKET_ENV, raising=False)
    calls = []
    monkeypatch.setattr(passwords, "check_password_hash",
                        lambda stored, password: calls.append(stored) or True)
    assert passwords.password_matches("h", "p") and calls == ["h"]


def test_the_instance_folder_is_the_applications(monkeypatch, tmp_path):
    from matching.app import instance_dir

    monkeypatch.setenv("MATCHING_INSTANCE_PATH", str(tmp_path))
    assert hashing.instance_folder() == instance_dir() == str(tmp_path)
    monkeypatch.delenv("MATCHING_INSTANCE_PATH")
    assert hashing.instance_folder() == instance_dir()  # the source tree's instance/


def test_a_socket_path_too_long_leaves_hashing_in_the_workers(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHING_INSTANCE_PATH", str(tmp_path / ("x" * 120)))
    assert hashing.HashingProcess.for_instance() is None


def test_what_werkzeug_refuses_fails_as_in_process_without_a_warning(process, caplog):
    caplog.set_level(logging.WARNING, logger="matching.accounts.passwords")
    assert "error" in hashing.ask(process.path, process.key,
                                  {"check": "onbekend$zout$hash", "password": "p"})
    with pytest.raises(ValueError):
        passwords.password_matches("onbekend$zout$hash", "p")
    assert not caplog.records
    assert passwords.password_matches(passwords.hash_password("p"), "p")  # still serving
