"""The machine under ``make bench``: what it is (for the report), waiting until other
processes leave its CPUs, and the progress lines on standard error."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version

from benchmarks import serving
from benchmarks.report import FOREIGN_WARN


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")),
                         "")
    except OSError:
        pass
    versions = {}
    for name in ("flask", "sqlalchemy", "gunicorn", "psycopg", "jinja2", "werkzeug"):
        try:
            versions[name] = version(name)
        except Exception:
            pass
    wrk = ""
    if serving.wrk_available():
        out = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        wrk = (out.stdout or out.stderr).splitlines()[0] if (out.stdout or out.stderr) else "wrk"
    return {"nproc": os.cpu_count(), "cpu_model": model or platform.processor(),
            "python": platform.python_version(), "platform": platform.platform(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "wrk": wrk, "versions": versions}


def postgres_version(admin_url: str) -> str:
    import psycopg
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def wait_quiet(max_seconds: float, window: float = 2.0) -> float:
    """Wait (at most ``max_seconds``) until other processes use under FOREIGN_WARN % of
    the machine for ``window`` seconds; their share in the last window."""
    deadline = time.monotonic() + max_seconds
    while True:
        with serving.ForeignLoad() as foreign:
            time.sleep(window)
        if foreign.share < FOREIGN_WARN or time.monotonic() > deadline:
            return foreign.share
        log(f"other processes use {foreign.share:.0f}% of the machine ({foreign.top[0][0]}): "
            "waiting")
