"""The password hashing process shared by the gunicorn workers (issue 17).

Each scrypt (Werkzeug's n = 2**15, r = 8: :mod:`matching.accounts.passwords`) needs 32 MiB
while it runs; computed in a worker, it came on top of everything the worker holds and made
the worker's peak. Under gunicorn (``gunicorn.conf.py``) the master starts one small process,
``python -m matching.accounts.hashing``, before the workers: a fresh interpreter with only the
standard library and ``werkzeug.security`` imported. It computes the hashes of every worker,
one at a time (:data:`HASHES_AT_ONCE`), so a worker never holds a hash's 32 MiB and all the
workers together hold at most one.

Reached over a Unix socket in the instance folder (:data:`SOCKET_NAME`), created with
permissions 0600 (the process's umask is 077 before it binds): only the server's own user can
connect. Every connection is also authenticated with a random key the master makes at each
start (``multiprocessing.connection``'s HMAC challenge, both ways); the workers inherit the
socket's path and the key in their environment (:data:`SOCKET_ENV`, :data:`KEY_ENV`), the
hashing process reads the key on its standard input. One connection carries one request, as
JSON (never pickle): a password to hash, or a stored hash and a password to check. Nothing is
logged or kept: the process answers and forgets.

Where no hashing process is configured (``flask run``, the tests, the CLI: no
:data:`SOCKET_ENV` in the environment), hashing stays in the process that asks
(:mod:`matching.accounts.passwords`).

If the process cannot be reached, or does not answer within :data:`ANSWER_WITHIN` seconds,
the worker computes that hash itself, as without the process (availability before memory: a
sign-in never fails because of the hashing process), and logs one warning for the outage (not
one per sign-in; the next outage after a hash through the process logs again). The answer is
the same either way: the same Werkzeug function with the same parameters. Meanwhile the
master notices the process has exited (its main loop runs at least once a second) and starts
a new one, at most once every :data:`RESTART_AFTER` seconds (a process that cannot start does
not spin); the workers reconnect at their next hash. The process also stops by itself if
the master is gone (killed without its ``on_exit`` hook), and removes its socket when it
stops.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

#: The socket, in the instance folder.
SOCKET_NAME = "password-hashing.sock"

#: The workers' environment: where the hashing process listens, and the key of this start.
SOCKET_ENV = "MATCHING_PASSWORD_HASHING_SOCKET"
KEY_ENV = "MATCHING_PASSWORD_HASHING_KEY"

#: Hashes computed at the same time (each 32 MiB): one, so the memory of all the workers'
#: hashes together is one hash's. About 0.1 s of CPU each: ten sign-ins a second.
HASHES_AT_ONCE = 1

#: Seconds a worker waits for its turn and its answer before it hashes in process.
ANSWER_WITHIN = 10.0

#: Seconds to connect to the socket.
CONNECT_WITHIN = 2.0

#: At most one start of the process in this many seconds.
RESTART_AFTER = 5.0

#: A Unix socket's path is at most 107 bytes on Linux.
MAX_SOCKET_PATH = 100

#: The largest request (a password is at most a few hundred characters, a hash ~200).
MAX_REQUEST = 64 * 1024

log = logging.getLogger(__name__)


class Unavailable(Exception):
    """The hashing process could not be reached or did not answer."""


# --- the workers' side -------------------------------------------------------------------------

def configured() -> tuple[str, bytes] | None:
    """The socket's path and the key, if this process was started by a master that runs a
    hashing process."""
    path = os.environ.get(SOCKET_ENV)
    key = os.environ.get(KEY_ENV)
    if not path or not key:
        return None
    return path, bytes.fromhex(key)


def ask(path: str, key: bytes, request: dict) -> dict:
    """Send one request to the hashing process and return its answer; :class:`Unavailable`
    if it cannot be reached, fails the authentication or does not answer in time."""
    from multiprocessing import AuthenticationError
    from multiprocessing.connection import Connection, answer_challenge, deliver_challenge

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(CONNECT_WITHIN)
        sock.connect(path)
        sock.settimeout(None)
    except OSError as error:
        sock.close()
        raise Unavailable(f"cannot connect: {error.__class__.__name__}") from None
    conn = Connection(sock.detach())
    try:
        # The process authenticates a connection when it takes it: waiting for its
        # challenge is waiting for our turn.
        if not conn.poll(ANSWER_WITHIN):
            raise Unavailable(f"no turn within {ANSWER_WITHIN:.0f} s")
        answer_challenge(conn, key)
        deliver_challenge(conn, key)
        conn.send_bytes(json.dumps(request).encode())
        if not conn.poll(ANSWER_WITHIN):
            raise Unavailable(f"no answer within {ANSWER_WITHIN:.0f} s")
        answer = json.loads(conn.recv_bytes(MAX_REQUEST))
    except (OSError, EOFError, AuthenticationError, ValueError) as error:
        raise Unavailable(error.__class__.__name__) from None
    finally:
        conn.close()
    if not isinstance(answer, dict):
        raise Unavailable("an answer that is not one")
    return answer  # {"error": ...} for what the process could not compute


# --- the hashing process --------------------------------------------------------------------

def compute(request: dict) -> dict:
    """One request: ``{"hash": password}`` or ``{"check": stored, "password": password}``."""
    from werkzeug.security import check_password_hash, generate_password_hash

    from matching.accounts.passwords import METHOD

    if isinstance(request.get("hash"), str):
        return {"hash": generate_password_hash(request["hash"], method=METHOD)}
    if isinstance(request.get("check"), str) and isinstance(request.get("password"), str):
        return {"matches": check_password_hash(request["check"], request["password"])}
    return {"error": "unknown request"}


def _accept(listener: socket.socket, key: bytes) -> Connection:
    """The next connection, authenticated (``multiprocessing.connection``'s HMAC challenge,
    both ways, as its ``Listener`` does; that ``Listener`` is not used because it removes
    the socket's path when it closes, even one a newer process made since)."""
    from multiprocessing.connection import Connection, answer_challenge, deliver_challenge

    sock, _ = listener.accept()
    conn = Connection(sock.detach())
    try:
        deliver_challenge(conn, key)
        answer_challenge(conn, key)
    except BaseException:
        conn.close()
        raise
    return conn


def _serve_connections(listener: socket.socket, key: bytes, closed: threading.Event) -> None:
    from multiprocessing import AuthenticationError

    while not closed.is_set():
        try:
            conn = _accept(listener, key)
        except (AuthenticationError, EOFError, ConnectionError):
            continue  # a wrong key, or a worker that stopped waiting
        except OSError:
            time.sleep(0.05)  # e.g. out of file descriptors: do not spin
            continue
        try:
            if not conn.poll(ANSWER_WITHIN):
                continue
            try:
                request = json.loads(conn.recv_bytes(MAX_REQUEST))
                answer = compute(request) if isinstance(request, dict) else {"error": "bad"}
            except (OSError, EOFError):
                raise
            except Exception as error:  # e.g. a stored hash Werkzeug cannot read: the
                # worker computes it itself and gets the exception there
                answer = {"error": error.__class__.__name__}
            conn.send_bytes(json.dumps(answer).encode())
        except (OSError, EOFError):
            pass  # the worker went away: nothing to answer
        finally:
            conn.close()


def serve(path: str, key: bytes, hashes_at_once: int = HASHES_AT_ONCE) -> None:
    """Listen on ``path`` (mode 0600) until SIGTERM, or until the parent process is gone."""
    os.umask(0o077)  # the socket is created 0600, never briefly open to others
    parent = os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the master; it stops us

    def stop(*_):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    # A SIGTERM while the socket is being made waits until its removal is certain.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        os.unlink(path)  # a socket left by a process that was killed
    except FileNotFoundError:
        pass
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(128)
    identity = os.stat(path).st_ino

    def orphan_watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        _remove(path, identity)
        os._exit(0)

    threading.Thread(target=orphan_watch, daemon=True).start()
    closed = threading.Event()
    for _ in range(hashes_at_once - 1):
        threading.Thread(target=_serve_connections, args=(listener, key, closed),
                         daemon=True).start()
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        _serve_connections(listener, key, closed)
    finally:
        closed.set()
        _remove(path, identity)
        listener.close()


def _remove(path: str, identity: int) -> None:
    """Remove the socket if it is still ours (not one a newer process made since)."""
    try:
        if os.stat(path).st_ino == identity:
            os.unlink(path)
    except OSError:
        pass


def main() -> None:
    key = bytes.fromhex(sys.stdin.readline().strip())
    sys.stdin.close()
    serve(sys.argv[1], key)


# --- the master's side ----------------------------------------------------------------------

def instance_folder() -> str:
    """The application's instance folder, as :func:`matching.app.instance_dir` finds it,
    without importing the application into the gunicorn master."""
    configured_path = os.environ.get("MATCHING_INSTANCE_PATH")
    if configured_path:
        return configured_path
    package = Path(__file__).resolve().parents[1]  # matching/
    if (package.parent / "templates").is_dir():  # a source tree
        return str(package.parent / "instance")
    return os.path.join(sys.prefix, "var", "matching-instance")  # Flask's, when installed


class HashingProcess:
    """The master's handle on the hashing process: started before the workers, restarted
    when it exits, stopped with the master."""

    def __init__(self, path: str, logger: logging.Logger | None = None):
        self.path = path
        self.key = secrets.token_bytes(32)
        self.log = logger or log
        self.process: subprocess.Popen | None = None
        self.started_at = 0.0

    @classmethod
    def for_instance(cls, logger=None) -> HashingProcess | None:
        """Configure a process for this instance folder, or None (hashing stays in the
        workers) if its socket's path would be too long."""
        folder = instance_folder()
        path = os.path.join(os.path.abspath(folder), SOCKET_NAME)
        if len(path.encode()) > MAX_SOCKET_PATH:
            (logger or log).warning("password hashing stays in the workers: the socket's "
                                    "path %s is too long for a Unix socket", path)
            return None
        os.makedirs(folder, exist_ok=True)
        return cls(path, logger)

    def environment(self) -> dict[str, str]:
        return {SOCKET_ENV: self.path, KEY_ENV: self.key.hex()}

    def start(self) -> None:
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "matching.accounts.hashing", self.path],
            stdin=subprocess.PIPE, close_fds=True)
        assert self.process.stdin is not None
        self.process.stdin.write(self.key.hex().encode() + b"\n")
        self.process.stdin.close()
        self.log.info("Password hashing process started (pid %s, %s)", self.process.pid,
                      self.path)

    def keep_running(self) -> None:
        """Called from the master's loop: start a new process if this one has exited."""
        if self.process is None or self.process.poll() is None:
            return
        if time.monotonic() - self.started_at < RESTART_AFTER:
            return
        self.log.warning("Password hashing process (pid %s) exited with %s; starting another "
                         "(the workers hash in process meanwhile)", self.process.pid,
                         self.process.returncode)
        self.start()

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()  # it removes its socket
            try:
                process.wait(5)
                return
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.returncode != 0:  # killed: its socket is left behind
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass


if __name__ == "__main__":
    main()
