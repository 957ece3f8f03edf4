"""Where the time goes: ``make bench`` (a script, not a test).

Serves the application with gunicorn (``gunicorn.conf.py``: one worker, pinned to core 0)
on the data of ``flask --app matching.app scale``, loads it from core 1 at a fixed
concurrency (Debian's ``wrk``; the Python client of :mod:`benchmarks.loadgen` when wrk is
missing), and reports per page the requests per second, p50 and p95, and the ratio to the
bare route ``/ping`` measured in the same run (the ceiling: no database, no session, no
template). Then a second, rate-limited run at half of each page's peak gives its p95 at
half load: wrk has no fixed rate (wrk2 is not in Debian) and fewer wrk connections do not
halve the load of a one-worker server (one connection keeps it busy all the time), so the
Python client sends at a fixed rate, an open loop counting latency from the scheduled
moment.

In process: closing a round of 200 candidacies (the coordinator's request, a ratio to the
bare route in the same application), the median time of one decision letter and of a
batch (recorded in the decision; made and sealed by the mail worker), the final report of
the 200-candidacy procedure, the six conditions of every work area, the export of
everything, SQL statements per page on a small and a large data set, and where each
page's time goes (pyinstrument, by library and by our function or template).

On PostgreSQL, after the page runs, the deadline-day scenario (:mod:`benchmarks.deadline`):
several hundred applicants submitting in the last hour while juries score, against gunicorn
as production runs it (p50/p95 per action, errors, the workers' peak memory).

Everything on SQLite and on PostgreSQL (own databases ``bench_*``, never ``test``), at
1× the data, and with ``--scale 10`` also at 10× with the ratio between the two. A
Markdown report is printed; the raw figures go to ``bench-results/bench-<time>.json``.

Layout: this module reads the options and runs everything; :mod:`benchmarks.datasets` the
data sets and their databases; :mod:`benchmarks.measure` one data set on one backend;
:mod:`benchmarks.pages` which pages, as whom; :mod:`benchmarks.inprocess` and
:mod:`benchmarks.profiling` the in-process figures; :mod:`benchmarks.serving` and
:mod:`benchmarks.loadgen` gunicorn and the load; :mod:`benchmarks.machine` the machine;
:mod:`benchmarks.report` the Markdown report.

Run: ``make bench`` (``make bench SCALE=10``, ``make bench QUICK=1``), or
``.venv/bin/python -m benchmarks.bench --help``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
from datetime import UTC, datetime

from benchmarks import deadline, floor, serving
from benchmarks.closing import CANDIDACIES, closing_figures
from benchmarks.datasets import DATASETS, Databases, spec_for
from benchmarks.letters import bench_figures
from benchmarks.machine import log, machine, postgres_version, wait_quiet
from benchmarks.measure import measure, statement_rows
from benchmarks.report import report


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
    parser.add_argument("--out", default=os.path.join(serving.ROOT, "bench-results"))
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
    parser.add_argument("--no-closing", action="store_true",
                        help="skip closing a round of 200 candidacies")
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the floor of a signed-in request (benchmarks.floor)")
    parser.add_argument("--no-deadline", action="store_true",
                        help="skip the deadline-day scenario (benchmarks/deadline.py)")
    parser.add_argument("--deadline-args", default="", metavar="ARGS",
                        help="options for the deadline-day scenario, e.g. "
                             "'--applicants 600 --duration 300'")
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
    letters_single, letters_batch = (10, 50) if q else (30, 200)

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
                           "gc_threshold": gc.get_threshold(),
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
    dbs = Databases(args.workdir, args.pg_url, args.fresh_data)

    if args.quiet_wait:
        results["foreign_cpu_pct_at_start"] = wait_quiet(args.quiet_wait, 5.0)
    if not args.no_letters:
        log("letters")
        with serving.ForeignLoad() as foreign:
            results["letters"] = bench_figures(letters_single, letters_batch)
        results["letters"]["foreign_cpu_pct"] = foreign.share
    if not args.no_closing:
        results["closing"] = {}
        for backend in backends:
            log(f"{backend}: closing a round of {CANDIDACIES} candidacies")
            with serving.ForeignLoad() as foreign:
                try:
                    figures = closing_figures(backend, args.workdir, args.pg_url,
                                              repeat=1 if q else 3)
                except Exception as error:  # say so, go on with the rest
                    figures = {"error": str(error)[-300:]}
            results["closing"][backend] = dict(figures, foreign_cpu_pct=foreign.share)
    scales = [1, 10] if args.scale == 10 else [1]
    for scale in scales:
        for backend in backends:
            for dataset, (_, keys, direct_keys) in DATASETS.items():
                name = f"{scale}x_{dataset}"
                try:
                    url, made = dbs.prepare(backend, name, spec_for(dataset, scale))
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
    if not (args.no_http or args.no_floor):
        results["floor"] = []
        for backend in backends:
            log(f"{backend}: the floor of a signed-in request")
            try:
                url, _ = dbs.prepare(backend, "1x_areas", spec_for("areas", 1))
                log_path = os.path.join(args.workdir, f"gunicorn-{backend}-floor.log")
                results["floor"].append(floor.measure(url, backend, args, log_path))
            except Exception as error:  # say so, go on with the rest
                results["notes"].append(f"{backend}: the floor not measured: {str(error)[-300:]}")
        with open(json_path, "w") as fh:
            json.dump(results, fh, indent=1, default=str)
    if "postgresql" in backends and not args.no_deadline:
        results["deadline"] = []
        for scale in scales:
            log(f"postgresql: deadline day at {scale}x")
            options = ["--scale", str(scale), "--pg-url", args.pg_url, "--workdir",
                       args.workdir, "--out", args.out]
            if q:
                options += ["--applicants", "60", "--duration", "30", "--matchmakers", "6"]
            if args.fresh_data:
                options.append("--fresh-data")
            try:
                results["deadline"].append(deadline.measure(options + args.deadline_args.split()))
            except Exception as error:  # say so, go on with the rest
                results["notes"].append(f"deadline day at {scale}x not measured: "
                                        f"{str(error)[-300:]}")
            with open(json_path, "w") as fh:
                json.dump(results, fh, indent=1, default=str)
    if not args.no_rows:
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
