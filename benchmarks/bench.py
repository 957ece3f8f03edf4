"""Where the time goes: ``make bench`` (a script, not a test).

Serves the application with gunicorn (``gunicorn.conf.py``: one worker, pinned to core 0)
on generated data, loads it from core 1 at a fixed concurrency (Debian's ``wrk``; the
Python client of :mod:`benchmarks.loadgen` when wrk is missing), and reports per
page the requests per second, p50 and p95, and the ratio to the bare route ``/ping``
measured in the same run (the ceiling: no database, no session, no template). Then a
second, rate-limited run at half of each page's peak gives its p95 at half load: wrk
has no fixed rate (wrk2 is not in Debian) and fewer wrk connections do not halve the
load of a one-worker server (one connection keeps it busy all the time), so the
Python client sends at a fixed rate, an open loop counting latency from the scheduled
moment.

In process: the median time of one decision letter and of a batch, the final report of
the 200-candidacy procedure, the six conditions of every work area, the export of
everything, SQL statements per page on a small and a large data set, and where each
page's time goes (pyinstrument, by library and by our function or template).

Everything on SQLite and on PostgreSQL (own databases ``bench_*``, never ``test``), at
1× the data, and with ``--scale 10`` also at 10× with the ratio between the two. A
Markdown report is printed; the raw figures go to ``bench-results/bench-<time>.json``.

Run: ``make bench`` (``make bench SCALE=10``, ``make bench QUICK=1``), or
``.venv/bin/python -m benchmarks.bench --help``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

from benchmarks import inprocess, serving
from benchmarks.letters import baseline_pdf, sample, timed
from benchmarks.report import FOREIGN_WARN, report
from matching.app import create_app
from matching.core.db import db
from matching.letters.render import render

ROOT = serving.ROOT


PASSWORD = "demo-wachtwoord-2025"  # every generated and demo account (matching.demo.data)


BASE_AREAS, BASE_PER_AREA = 60, 100


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the machine ------------------------------------------------------------------------------

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
            from importlib.metadata import version
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


# --- the data ---------------------------------------------------------------------------------

def generator() -> str:
    """``cli`` (``flask scale``), or ``demo`` where the scale command is missing."""
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "flask"), "--app",
                          "matching", "scale", "--help"], capture_output=True, text=True,
                         cwd=ROOT, env=dict(os.environ, MATCHING_ENV="development"))
    return "cli" if out.returncode == 0 else "demo"


def code_fingerprint() -> str:
    """What the generated data depends on: the generators and the migrations."""
    h = hashlib.sha256()
    here = os.path.join(ROOT, "matching")
    paths = sorted(os.path.join(here, n) for n in os.listdir(here)
                   if n.startswith(("scale", "demo")) and n.endswith(".py"))
    versions = os.path.join(ROOT, "matching", "migrations", "versions")
    paths += sorted(os.path.join(versions, n) for n in os.listdir(versions) if n.endswith(".py"))
    for p in paths:
        if os.path.exists(p):
            h.update(p.encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()[:16]


class Databases:
    def __init__(self, workdir: str, pg_admin_url: str | None, fresh: bool, how: str):
        self.workdir, self.pg_admin_url, self.fresh = workdir, pg_admin_url, fresh
        self.how = how
        self.use_scale = how != "demo"
        self.fingerprint = code_fingerprint()
        self.instance = os.path.join(workdir, "instance")
        os.makedirs(self.instance, exist_ok=True)

    def url(self, backend: str, name: str) -> str:
        if backend == "sqlite":
            return f"sqlite:///{os.path.join(self.workdir, name + '.db')}"
        base = self.pg_admin_url.rsplit("/", 1)[0]
        return f"{base}/bench_{name}".replace("postgresql://", "postgresql+psycopg://", 1)

    def _marker(self, backend: str, name: str) -> str:
        return os.path.join(self.workdir, f"{backend}-{name}.spec.json")

    def _pg_exists(self, db: str) -> bool:
        import psycopg
        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                (db,)).fetchone() is not None

    def _recreate(self, backend: str, name: str) -> None:
        if backend == "sqlite":
            path = os.path.join(self.workdir, name + ".db")
            for suffix in ("", "-wal", "-shm", "-journal"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)
            return
        import psycopg
        db = f"bench_{name}"
        assert db != "test"
        with psycopg.connect(self.pg_admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{db}"')

    def prepare(self, backend: str, name: str, spec: dict) -> tuple[str, dict]:
        """The database ``name`` filled by ``spec`` (reused when the generators, the
        migrations and the spec are unchanged); returns its URL and how it was made."""
        url = self.url(backend, name)
        wanted = dict(spec, fingerprint=self.fingerprint, scale=self.use_scale)
        marker = self._marker(backend, name)
        exists = (os.path.exists(url.split("///", 1)[1]) if backend == "sqlite"
                  else self._pg_exists(f"bench_{name}"))
        if not self.fresh and exists and os.path.exists(marker):
            with open(marker) as fh:
                made = json.load(fh)
            if {k: made.get(k) for k in wanted} == wanted:
                log(f"{backend} {name}: reusing the data generated before")
                return url, dict(made, reused=True)
        self._recreate(backend, name)
        env = dict(os.environ, DATABASE_URL=url, MATCHING_ENV="development",
                   MATCHING_INSTANCE_PATH=self.instance)
        flask = [os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "matching"]
        start = time.perf_counter()
        subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        scale_args = ["--areas", str(spec["areas"]), "--per-area", str(spec["per_area"]),
                      "--seed", str(spec.get("seed", 1))]
        cmd = flask + (["scale"] + scale_args if self.how == "cli" else ["demo"])
        log(f"{backend} {name}: generating ({' '.join(cmd[3:])})")
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[3:])} failed on {backend}:\n{out.stderr[-2000:]}")
        made = dict(wanted, seconds=round(time.perf_counter() - start, 1),
                    command=" ".join(cmd[3:]), output=out.stdout.strip()[-1500:])
        with open(marker, "w") as fh:
            json.dump(made, fh, indent=1)
        log(f"{backend} {name}: generated in {made['seconds']} s")
        return url, dict(made, reused=False)


#: Two data sets per scale. "areas": the scale data set of the issue (60 work areas of 100
#: candidacies) for the pages over everything (public list, observer overview, export, the
#: six conditions of every work area) and the applicant. "board": work areas of 200
#: candidacies (the scale generator makes none at --per-area 100) for the pages of one
#: work area (round board, jury dashboard, six-condition page) and its final report.
#: 10× the data = 10× the work areas, each as large as at 1×: a page of one work area
#: should stay flat, a page over everything may grow linearly.
DATASETS = {
    "areas": ({"areas": BASE_AREAS, "per_area": BASE_PER_AREA, "seed": 1},
              ("ping", "layout", "addenda", "applicant", "overview"),
              ("conditions_all_areas", "export_csv_all", "audit_verify")),
    "board": ({"areas": 6, "per_area": 200, "seed": 1},
              ("ping", "board", "jury", "conditions"),
              ("final_report",)),
}


def spec_for(dataset: str, scale: int) -> dict:
    spec = dict(DATASETS[dataset][0])
    spec["areas"] *= scale
    return spec


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


# --- one data set, one backend -------------------------------------------------------------

def measure(url: str, backend: str, scale: str, dataset: str, args, results_dir: str,
            stamp: str, keys=None, direct_keys=None) -> dict:
    label = f"{scale} {dataset}"
    out: dict = {"backend": backend, "data": scale, "dataset": dataset}
    app = inprocess.make_app(url)
    targets = inprocess.discover(app)
    if keys is not None:
        targets.pages = [p for p in targets.pages if p.key in keys]
        targets.notes = list(dict.fromkeys(reason for key, reason in targets.missing.items()
                                           if key in keys))
    out["targets"] = targets.as_dict()
    for note in targets.notes:
        log(f"{backend} {label}: {note}")

    log(f"{backend} {label}: statements, in-process times and profiles")
    if args.quiet_each:
        wait_quiet(args.quiet_each)
    foreign = serving.ForeignLoad().__enter__()
    out["statements"] = inprocess.page_statements(app, targets)
    out["inprocess"] = {}
    out["profiles"] = {}
    profile_dir = os.path.join(results_dir, f"profiles-{stamp}")
    os.makedirs(profile_dir, exist_ok=True)
    for page in targets.pages:
        out["inprocess"][page.key] = inprocess.time_page(app, targets, page, args.page_repeat)
        if page.key != "ping" and out["statements"][page.key]["status"] == 200:
            html = os.path.join(profile_dir, f"{backend}-{scale}-{dataset}-{page.key}.html")
            out["profiles"][page.key] = dict(
                inprocess.profile_page(app, targets, page, args.profile_repeat, html), html=html)
    log(f"{backend} {label}: final report, conditions, export")
    out["direct"] = inprocess.direct_measurements(app, targets, args.direct_repeat,
                                                  direct_keys)
    foreign.__exit__(None, None, None)
    out["inprocess_foreign_cpu_pct"], out["inprocess_foreign_top"] = foreign.share, foreign.top
    with app.app_context():
        db.engine.dispose()

    if args.no_http:
        return out
    log(f"{backend} {label}: gunicorn under load")
    pages = [p for p in targets.pages if out["statements"][p.key]["status"] == 200]
    skipped = [p for p in targets.pages if p not in pages]
    out["http"] = {p.key: {"skipped": f"answers {out['statements'][p.key]['status']} "
                                      "in-process"} for p in skipped}
    use_wrk = serving.wrk_available() and not args.python_client
    log_path = os.path.join(args.workdir, f"gunicorn-{backend}-{scale}-{dataset}.log")
    with serving.Server(url, os.path.join(args.workdir, "instance"), args.threads,
                        log_path) as server:
        cookies = {}
        for role in {p.role for p in pages if p.role}:
            cookies[role] = serving.login(server.port, targets.accounts[role]["email"], PASSWORD)
        for page in pages:
            cookie = cookies.get(page.role, "")
            status, body = serving.get(server.port, page.path, cookie)
            if status != 200:
                out["http"][page.key] = {"skipped": f"answers {status} through gunicorn"}
                continue
            service = out["inprocess"].get(page.key, {}).get("median_ms")
            if service and service / 1000 > args.duration / 4:
                out["http"][page.key] = {"skipped": f"{service / 1000:.1f} s a request "
                                                    "in-process: too slow for a load run"}
                continue
            url_page = server.base + page.path
            run = serving.run_wrk if use_wrk else (
                lambda u, c, n, s: serving.run_loadgen(u, c, s, connections=n, warmup=0))
            run(url_page, cookie, args.connections, args.warmup)  # warm up, not counted
            server.wait_idle()
            if args.quiet_each:
                wait_quiet(args.quiet_each)
            with serving.ForeignLoad() as foreign:
                peak = run(url_page, cookie, args.connections, args.duration)
            peak["foreign_cpu_pct"], peak["foreign_top"] = foreign.share, foreign.top
            server.wait_idle()
            out["http"][page.key] = {"peak": peak, "bytes": len(body),
                                     # the worker's peak memory so far: which page raised it
                                     "worker_vmhwm_mb": server.worker_memory().get("VmHWM")}
            log(f"{backend} {label}: {page.key}: {peak['rps']} req/s, p95 {peak['p95_ms']} ms")
        for page in pages:
            result = out["http"].get(page.key, {})
            if "peak" not in result:
                continue
            rate = result["peak"]["rps"] / 2
            if rate * args.half_duration < 5:
                result["half_skipped"] = (f"half of the peak is {rate:.2f} req/s: fewer than 5 "
                                          f"requests in {args.half_duration:.0f} s")
                continue
            if args.quiet_each:
                wait_quiet(args.quiet_each)
            with serving.ForeignLoad() as foreign:
                half = serving.run_loadgen(server.base + page.path, cookies.get(page.role, ""),
                                           args.half_duration, rate=rate, warmup=1.0)
            half["foreign_cpu_pct"], half["foreign_top"] = foreign.share, foreign.top
            server.wait_idle()
            result["half"] = half
            log(f"{backend} {label}: {page.key} at {rate:.0f} req/s: p95 {half['p95_ms']} ms")
        out["worker_memory"] = server.worker_memory()
    ping = out["http"].get("ping", {}).get("peak")
    for key, result in out["http"].items():
        if "peak" in result and ping:
            result["ratio_to_ping"] = round(result["peak"]["rps"] / ping["rps"], 3)
    return out


# --- statements at 5 and at 200 rows ----------------------------------------------------------

ROW_SETS = {
    "rows5": {"areas": 5, "per_area": 5, "seed": 1},  # 5 of everything
    "rows200_areas": {"areas": 200, "per_area": 5, "seed": 1},  # 200 work areas
    # 200 candidacies in a work area: the 1× "board" data set
}


def statement_rows(dbs: Databases, backend: str) -> dict:
    """Each page's statements on a small data set (5 work areas of 5 candidacies) and on
    a large one: 200 work areas for the pages over every work area, work areas of 200
    candidacies for the pages of one work area (per page the set where it has more rows)."""
    counted = {}
    sets = dict(ROW_SETS, rows200_board=spec_for("board", 1))
    for name, spec in sets.items():
        db_name = "1x_board" if name == "rows200_board" else name
        url, _ = dbs.prepare(backend, db_name, spec)
        app = inprocess.make_app(url)
        targets = inprocess.discover(app)
        counts = inprocess.page_statements(app, targets)
        with app.app_context():
            db.engine.dispose()
        counted[name] = {"spec": spec, "counts": counts, "totals": targets.totals}
    large = {}
    for key in counted["rows5"]["counts"]:
        options = [(n, counted[n]["counts"][key]) for n in ("rows200_areas", "rows200_board")
                   if key in counted[n]["counts"]]
        if options:
            name, count = max(options, key=lambda o: o[1]["rows"] or 0)
            large[key] = dict(count, dataset=name)
    return {"small": counted["rows5"], "large": large, "sets": counted}


# --- letters ----------------------------------------------------------------------------------

def letters(single: int, batch: int) -> dict:

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with app.app_context():
        render(sample(0), "nl")
        base = statistics.median(timed(lambda i: baseline_pdf(), single))
        one = statistics.median(timed(lambda i: render(sample(i), "nl"), single))
        start = time.perf_counter()
        for i in range(batch):
            render(sample(i), "nl")
        seconds = time.perf_counter() - start
    return {"letter_median_ms": round(one * 1000, 1), "baseline_pdf_median_ms": round(base * 1000, 1),
            "batch": batch, "batch_seconds": round(seconds, 1),
            "letters_per_second": round(batch / seconds, 1)}


# --- main -------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, choices=(1, 10), default=1,
                        help="10: also measure at 10× the data and show the growth")
    parser.add_argument("--quick", action="store_true", help="short runs (a smoke test)")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an administrative connection; the benchmark creates its own bench_* databases")
    parser.add_argument("--workdir", default=os.environ.get("BENCH_WORKDIR", "/tmp/bench"))
    parser.add_argument("--out", default=os.path.join(ROOT, "bench-results"))
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int,
                        help="gunicorn threads of the worker (default: gunicorn.conf.py's)")
    parser.add_argument("--duration", type=float, help="seconds a page at peak")
    parser.add_argument("--half-duration", type=float, help="seconds a page at half load")
    parser.add_argument("--fresh-data", action="store_true", help="regenerate every database")
    parser.add_argument("--python-client", action="store_true", help="not wrk, even if present")
    parser.add_argument("--no-http", action="store_true", help="in-process figures only")
    parser.add_argument("--no-rows", action="store_true", help="skip the 5/200-row data sets")
    parser.add_argument("--no-letters", action="store_true")
    parser.add_argument("--quiet-wait", type=float, default=0.0, metavar="SECONDS",
                        help="first wait up to this long for other processes to leave the "
                             "CPUs (under 10%% of the machine for 5 s)")
    parser.add_argument("--quiet-each", type=float, default=0.0, metavar="SECONDS",
                        help="before every load run, wait up to this long for a quiet machine")
    parser.add_argument("--report", metavar="JSON",
                        help="only print the Markdown report of an earlier run's raw figures")
    args = parser.parse_args(argv)
    if args.report:
        with open(args.report) as fh:
            print(report(json.load(fh)))
        return
    q = args.quick
    args.duration = args.duration or (2.0 if q else 5.0)
    args.half_duration = args.half_duration or (2.0 if q else 5.0)
    args.warmup = 1.0
    args.page_repeat = 10 if q else 20
    args.profile_repeat = 10 if q else 40
    args.direct_repeat = 1 if q else 3
    letters_single, letters_batch = (10, 100) if q else (30, 1000)

    os.makedirs(args.workdir, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    json_path = os.path.join(args.out, f"bench-{stamp}.json")
    os.environ["MATCHING_INSTANCE_PATH"] = os.path.join(args.workdir, "instance")
    os.environ.pop("MATCHING_ENV", None)  # in process: development configuration

    results: dict = {"machine": machine(), "notes": [], "runs": [], "json_path": json_path,
                     "started": stamp}
    use_wrk = serving.wrk_available() and not args.python_client
    if args.threads:
        os.environ["GUNICORN_THREADS"] = str(args.threads)
    config = serving.gunicorn_config()
    # In process as in a worker: the garbage-collector settings of gunicorn.conf.py.
    config["post_worker_init"](None)
    results["settings"] = {"threads": config["threads"], "connections": args.connections,
                           "gc_threshold": __import__("gc").get_threshold(),
                           "duration": args.duration, "warmup": args.warmup,
                           "half_duration": args.half_duration, "quick": q, "scale": args.scale,
                           "load_tool": "wrk" if use_wrk else "Python closed-loop client"}
    if not use_wrk and not args.python_client:
        results["notes"].append("wrk is missing (apt-get install wrk): the Python client "
                                "measured the peak load")
    if not serving.two_cores():
        results["notes"].append("fewer than 2 cores: server and load generator share a core")

    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if "postgresql" in backends:
        try:
            results["postgres_version"] = postgres_version(args.pg_url)
        except Exception as error:
            backends.remove("postgresql")
            results["notes"].append(f"PostgreSQL not reachable at {args.pg_url} ({error}); "
                                    "measured on SQLite only")
    how = generator()
    use_scale = how != "demo"
    if not use_scale:
        results["notes"].append("`flask scale` does not exist: measured on the demo data "
                                "(flask demo), without the 200-candidacy board and without 10×")
    dbs = Databases(args.workdir, args.pg_url, args.fresh_data, how)

    if args.quiet_wait:
        results["foreign_cpu_pct_at_start"] = wait_quiet(args.quiet_wait, 5.0)
    if not args.no_letters:
        log("letters")
        with serving.ForeignLoad() as foreign:
            results["letters"] = letters(letters_single, letters_batch)
        results["letters"]["foreign_cpu_pct"] = foreign.share
    scales = [1, 10] if args.scale == 10 and use_scale else [1]
    datasets = DATASETS if use_scale else {"demo": ({}, None, None)}
    for scale in scales:
        for backend in backends:
            for dataset, (_, keys, direct_keys) in datasets.items():
                name = f"{scale}x_{dataset}"
                try:
                    url, made = dbs.prepare(backend, name, spec_for(dataset, scale)
                                            if use_scale else {"demo": True})
                except Exception as error:
                    results["notes"].append(f"{backend} {name}: no data: {str(error)[-300:]}")
                    log(f"{backend} {name}: no data: {str(error)[-300:]}")
                    continue
                run = measure(url, backend, f"{scale}x", dataset, args, args.out, stamp,
                              keys, direct_keys)
                run["generated"] = made
                results["runs"].append(run)
                with open(json_path, "w") as fh:  # keep what we have, should a step fail
                    json.dump(results, fh, indent=1, default=str)
    if not args.no_rows and use_scale:
        results["rows"] = {}
        for backend in backends:
            log(f"{backend}: statements at 5 and at 200 rows")
            try:
                results["rows"][backend] = statement_rows(dbs, backend)
            except Exception as error:  # e.g. the generator refuses a size: say so, go on
                results["notes"].append(f"statements at 5 and 200 rows on {backend} not "
                                        f"counted: {str(error)[-300:]}")
    results["finished"] = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    with open(json_path, "w") as fh:
        json.dump(results, fh, indent=1, default=str)
    print(report(results))


if __name__ == "__main__":
    main()
