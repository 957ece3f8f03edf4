"""Issue 17: ``gunicorn.conf.py`` starts the password hashing process with the master, the
workers sign people in through it, the master starts another when it dies and stops it on
the way out."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks import serving
from matching.accounts import hashing
from tests.integration.test_two_servers import Browser, free_port
from tests.support import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(c) for c in fh.read().split()]
    except OSError:
        return []


def hashing_pid(master: int) -> int | None:
    for pid in children(master):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"matching.accounts.hashing" in fh.read():
                    return pid
        except OSError:
            continue
    return None


def cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def test_gunicorn_runs_the_hashing_process_for_its_workers(app, db, world):
    user = world.applicant(world.organisation("Buurtwerk De Brug"))
    user.set_password(TEST_PASSWORD)
    db.session.commit()
    email = user.email
    folder = Path(tempfile.mkdtemp(prefix="phg-"))  # a short socket path
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MATCHING_PASSWORD_HASHING", "PASSWORD_HASHING"))}
    env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               MATCHING_INSTANCE_PATH=str(folder / "instance"), SECRET_KEY="s" * 64,
               MATCHING_ENV="development", LOG_LEVEL="WARNING", GUNICORN_LOGLEVEL="info",
               GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", GUNICORN_THREADS="2",
               BASE_URL=base)
    log_path = folder / "gunicorn.log"
    with open(log_path, "wb") as log:
        master = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    socket_path = folder / "instance" / hashing.SOCKET_NAME
    try:
        wait_for(lambda: master.poll() is None and len(children(master.pid)) >= 3
                 and socket_path.exists())
        first = hashing_pid(master.pid)
        assert first is not None
        # the benchmarks tell the workers from it
        assert serving.children(master.pid) == ([p for p in children(master.pid)
                                                 if p != first], [first])
        mode = socket_path.stat().st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600

        # four people sign in at once; the hashes are the hashing process's work
        before = cpu_ticks(first)
        statuses: list[int] = []

        def sign_in() -> None:
            statuses.append(Browser().post(base + "/aanmelden", {
                "email": email, "password": TEST_PASSWORD}))

        threads = [threading.Thread(target=sign_in) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert statuses == [302] * 4
        assert cpu_ticks(first) - before >= 8  # four scrypts: 4 × tens of milliseconds
        assert Browser().post(base + "/aanmelden", {"email": email,
                                                    "password": "fout"}) == 422

        # it dies: the master starts another, sign-ins go on
        os.kill(first, signal.SIGKILL)
        assert Browser().post(base + "/aanmelden", {"email": email,
                                                    "password": TEST_PASSWORD}) == 302
        wait_for(lambda: hashing_pid(master.pid) not in (None, first), hashing.RESTART_AFTER + 15)
        second = hashing_pid(master.pid)
        wait_for(lambda: socket_path.exists())
        assert Browser().post(base + "/aanmelden", {"email": email,
                                                    "password": TEST_PASSWORD}) == 302
        assert b"Password hashing process" in log_path.read_bytes()
        assert TEST_PASSWORD.encode() not in log_path.read_bytes()

        # stopped with the master, its socket removed
        master.send_signal(signal.SIGTERM)
        master.wait(30)
        wait_for(lambda: gone(second))
        assert not socket_path.exists()
    finally:
        if master.poll() is None:
            master.kill()
            master.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_password_hashing_workers_keeps_the_hashes_in_the_workers(monkeypatch):
    import runpy

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    monkeypatch.setenv("PASSWORD_HASHING", "workers")
    config["on_starting"](None)
    assert config["on_starting"].__globals__["_hashing"] is None
