"""The HTTP half of ``make bench``: gunicorn (``gunicorn.conf.py``) with one worker pinned to
core 0, logging in through the real form, and the load from core 1 (wrk, or the Python
client of :mod:`benchmarks.loadgen`)."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode

from matching.app.config import DEV_AUDIT_KEY
from matching.letters.seal import development_seal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the repository


LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wrk_report.lua")


HOST = "127.0.0.1"


SERVER_CPU, CLIENT_CPU = 0, 1


def two_cores() -> bool:
    return hasattr(os, "sched_setaffinity") and len(os.sched_getaffinity(0)) >= 2


def _pin(cpu: int):
    def pin():
        if two_cores():
            os.sched_setaffinity(0, {cpu})
    return pin


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with this repository's gunicorn.conf.py, one worker, on a free port."""

    def __init__(self, database_url: str, instance_path: str, threads: int | None,
                 log_path: str, app: str | None = None):
        self.port = free_port()
        self.app = app  # another application than gunicorn.conf.py's (benchmarks.floor)
        # Production settings: a strong key, this server's own address as BASE_URL, and a
        # seal certificate (production refuses to start without one; here the self-signed
        # development seal, given as a configured file).
        self.env = dict(os.environ, MATCHING_ENV="production", SECRET_KEY=secrets.token_hex(32),
                        BASE_URL=f"http://{HOST}:{self.port}",
                        LETTER_SEAL_PKCS12=development_seal(instance_path),
                        # the key the scale data's audit trail was written with
                        AUDIT_KEY=os.environ.get("AUDIT_KEY", DEV_AUDIT_KEY),
                        DATABASE_URL=database_url, MATCHING_INSTANCE_PATH=instance_path,
                        GUNICORN_BIND=f"{HOST}:{self.port}", GUNICORN_WORKERS="1",
                        GUNICORN_LOGLEVEL="warning", TRUSTED_HOSTS=HOST,
                        RATELIMIT_STORAGE_URI=os.environ.get("RATELIMIT_STORAGE_URI",
                                                             "memory://"))
        if threads:
            self.env["GUNICORN_THREADS"] = str(threads)
        self.env.pop("GUNICORN_ACCESSLOG", None)
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Server:
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [gunicorn, "-c", os.path.join(ROOT, "gunicorn.conf.py"), *([self.app] if self.app
                                                                        else [])],
            cwd=ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT, preexec_fn=_pin(SERVER_CPU))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see "
                                   f"{self.log_path}")
            try:
                if get(self.port, "/ping")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log_path}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def _worker_ticks(self) -> int | None:
        pid = self.worker_pid()
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])
        except (OSError, TypeError):
            return None

    def wait_idle(self, timeout: float = 120.0) -> float:
        """Wait until the worker has worked off what a load generator left queued (a slow
        page's requests outlive the run that sent them): it used (almost) no CPU for
        0.3 s."""
        start = time.monotonic()
        last = self._worker_ticks()
        while last is not None and time.monotonic() - start < timeout:
            time.sleep(0.3)
            now = self._worker_ticks()
            if now is None or now - last <= 1:
                break
            last = now
        return time.monotonic() - start

    def worker_pid(self) -> int | None:
        workers = children(self.process.pid)[0]
        return workers[0] if workers else None

    def worker_memory(self) -> dict:
        """The worker's peak and current resident memory (VmHWM, VmRSS), in MB."""
        pid = self.worker_pid()
        out = {"pid": pid}
        if pid is None:
            return out
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    out[key] = round(int(value.split()[0]) / 1024, 1)
        return out


def children(master: int) -> tuple[list[int], list[int]]:
    """The gunicorn master's workers, and its password hashing process (started by
    ``gunicorn.conf.py``, :mod:`matching.accounts.hashing`), by their command lines."""
    try:
        with open(f"/proc/{master}/task/{master}/children") as fh:
            pids = [int(c) for c in fh.read().split()]
    except OSError:
        return [], []
    workers, hashing = [], []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                command = fh.read()
        except OSError:
            continue
        (hashing if b"matching.accounts.hashing" in command else workers).append(pid)
    return workers, hashing


def process_memory(pid: int) -> dict:
    """A process's peak and current resident memory (VmHWM, VmRSS) and its proportional
    share (Pss: shared pages divided among the processes sharing them), in MB."""
    out: dict = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS"):
                    out[key] = round(int(value.split()[0]) / 1024, 1)
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key == "Pss":
                    out["Pss"] = round(int(value.split()[0]) / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return out


class ForeignLoad:
    """How busy the machine was with processes that are not this benchmark's (other
    people's tests, a database import...) while a measurement ran: their CPU time as a
    share of all cores. Ours: this process and its descendants (gunicorn, wrk, the Python
    client) and the PostgreSQL backends of the bench_* databases."""

    def __init__(self):
        self.tick = os.sysconf("SC_CLK_TCK")
        self.cores = os.cpu_count() or 1

    @staticmethod
    def _processes() -> dict[int, tuple[int, int, str]]:
        """pid -> (ppid, utime + stime in ticks, command)."""
        out = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as fh:
                    raw = fh.read()
                with open(f"/proc/{name}/cmdline", "rb") as fh:
                    cmd = fh.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = raw[raw.rfind(")") + 2:].split()
            out[int(name)] = (int(fields[1]), int(fields[11]) + int(fields[12]), cmd)
        return out

    def __enter__(self) -> ForeignLoad:
        self.start = self._processes()
        self.t0 = time.monotonic()
        return self

    def __exit__(self, *exc):
        end = self._processes()
        elapsed = time.monotonic() - self.t0
        me = os.getpid()

        def ours(pid: int) -> bool:
            seen = 0
            while pid and pid in end and seen < 64:
                if pid == me:
                    return True
                if "bench_" in end[pid][2] and end[pid][2].startswith("postgres"):
                    return True
                pid, seen = end[pid][0], seen + 1
            return False

        per: dict[str, int] = {}
        for pid, (_, t, cmd) in end.items():
            before = self.start.get(pid, (0, 0, ""))[1]
            if not ours(pid) and t > before:
                key = " ".join(cmd.split()[:3])[:80] or f"pid {pid}"
                per[key] = per.get(key, 0) + t - before
        scale = 100 / self.tick / (elapsed * self.cores) if elapsed else 0.0
        self.share = round(sum(per.values()) * scale, 1)
        self.top = [(cmd, round(t * scale, 1))
                    for cmd, t in sorted(per.items(), key=lambda kv: -kv[1])[:3]]


def gunicorn_config() -> dict:
    """The settings of gunicorn.conf.py as this environment makes them."""
    import runpy
    return runpy.run_path(os.path.join(ROOT, "gunicorn.conf.py"))


def get(port: int, path: str, cookie: str = "",
        headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers=dict(headers or {}, **({"Cookie": cookie}
                                                                 if cookie else {})))
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def validator(port: int, path: str, cookie: str = "") -> tuple[str, dict[str, str]]:
    """GET the page as a browser's first visit: the session cookie it then holds and the
    ``If-None-Match`` header of its next visit (issue 17's conditional requests)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        response.read()
        etag = response.getheader("ETag")
        if response.status != 200 or not etag:
            raise RuntimeError(f"{path} answered {response.status} without a validator")
        return _session_cookie(response) or cookie, {"If-None-Match": etag}
    finally:
        conn.close()


def _session_cookie(response) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def _form_post(port: int, path: str, fields: dict, cookie: str) -> tuple[int, str]:
    """Post a form with its CSRF token (read from the page first): (status, cookie)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = conn.getresponse()
        page = response.read().decode()
        cookie = _session_cookie(response) or cookie
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        if token is None:
            raise RuntimeError(f"no CSRF token on {path}")
        body = urlencode({"csrf_token": token.group(1), **fields})
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
            "Referer": f"http://{HOST}:{port}{path}"})
        response = conn.getresponse()
        response.read()
        location = response.getheader("Location") or ""
        return response.status, (_session_cookie(response) or cookie) + "\n" + location
    finally:
        conn.close()


def login(port: int, email: str, password: str, totp_secret: str | None = None) -> str:
    """Log in through the real forms (their CSRF tokens included), with the demo's second
    factor where the account has one; the session cookie."""
    import pyotp

    from matching.demo.data import TOTP_SECRET

    status, answer = _form_post(port, "/aanmelden", {"email": email, "password": password}, "")
    cookie, location = answer.split("\n", 1)
    if status != 302:
        raise RuntimeError(f"login of {email} answered {status}")
    if location.endswith("/aanmelden/code"):
        totp = pyotp.TOTP(totp_secret or TOTP_SECRET)
        for _ in range(3):  # a code works once: the same account again waits for the next
            status, answer = _form_post(port, "/aanmelden/code", {"code": totp.now()}, cookie)
            if status == 302:
                return answer.split("\n", 1)[0]
            time.sleep(totp.interval - time.time() % totp.interval + 0.5)
        raise RuntimeError(f"second factor of {email} answered {status}")
    return cookie


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, cookie: str, connections: int, seconds: float,
            headers: dict[str, str] | None = None) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, int(round(seconds)))}s",
           "--timeout", "30s", "-s", LUA, url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    for name, value in (headers or {}).items():
        cmd[1:1] = ["-H", f"{name}: {value}"]
    out = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=_pin(CLIENT_CPU),
                         timeout=seconds + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {out.stdout[-500:]} {out.stderr[-500:]}")
    raw = json.loads(line[len("WRKJSON "):])
    seconds_run = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in ("errors_connect", "errors_read", "errors_write",
                                  "errors_timeout"))
    return {"tool": "wrk", "connections": connections, "requests": raw["requests"],
            "seconds": round(seconds_run, 2), "rps": round(raw["requests"] / seconds_run, 1),
            "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000,
            "p95_ms": raw["p95_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
            "max_ms": raw["max_us"] / 1000, "non_2xx_3xx": raw["errors_status"],
            "socket_errors": errors}


def run_loadgen(url: str, cookie: str, seconds: float, *, rate: float | None = None,
                connections: int = 4, warmup: float = 1.0,
                headers: dict[str, str] | None = None) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.loadgen", url, "--duration", str(seconds),
           "--warmup", str(warmup), "--cpu", str(CLIENT_CPU) if two_cores() else "0"]
    if not two_cores():
        cmd = cmd[:-2]
    if cookie:
        cmd += ["--cookie", cookie]
    for name, value in (headers or {}).items():
        cmd += ["--header", f"{name}: {value}"]
    if rate is not None:
        cmd += ["--mode", "open", "--rate", f"{rate:.1f}"]
    else:
        cmd += ["--mode", "closed", "--connections", str(connections)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=seconds + 120)
    if out.returncode != 0:
        raise RuntimeError(f"loadgen failed: {out.stderr[-800:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["tool"] = "python-open-loop" if rate is not None else "python-closed-loop"
    result["non_2xx_3xx"] = result["requests"] - result["ok"]
    return result
