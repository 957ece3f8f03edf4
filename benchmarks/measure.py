"""What ``make bench`` measures on one data set and one backend: the pages in process
(statements, times, profiles), the functions measured directly, then the pages through
gunicorn at peak load and at half of it; and the statements per page at 5 and at 200
rows."""

from __future__ import annotations

import os

from benchmarks import datasets, inprocess, profiling, serving
from benchmarks.machine import log, wait_quiet
from benchmarks.pages import discover
from matching.core.db import db
from matching.scale import PASSWORD  # every account of the generated data


def measure(url: str, backend: str, scale: str, dataset: str, args, results_dir: str,
            stamp: str, keys, direct_keys) -> dict:
    """The data set ``dataset`` at ``scale`` on ``backend`` (its database at ``url``): the
    pages of ``keys`` in process and under load, and the figures of ``direct_keys``."""
    label = f"{scale} {dataset}"
    out: dict = {"backend": backend, "data": scale, "dataset": dataset}
    app = inprocess.make_app(url)
    targets = discover(app)
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
        if page.key != "ping" and out["statements"][page.key]["status"] == page.expect:
            html = os.path.join(profile_dir, f"{backend}-{scale}-{dataset}-{page.key}.html")
            out["profiles"][page.key] = dict(
                profiling.profile_page(app, targets, page, args.profile_repeat, html),
                html=html)
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
    pages = [p for p in targets.pages if out["statements"][p.key]["status"] == p.expect]
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
        headers: dict[str, dict[str, str]] = {}
        for page in pages:
            cookie = cookies.get(page.role, "")
            if page.revalidate:  # a browser that has the page: its cookie and validator
                cookie, headers[page.key] = serving.validator(server.port, page.path, cookie)
                cookies[page.key] = cookie
            status, body = serving.get(server.port, page.path, cookie, headers.get(page.key))
            if status != page.expect:
                out["http"][page.key] = {"skipped": f"answers {status} through gunicorn"}
                continue
            service = out["inprocess"].get(page.key, {}).get("median_ms")
            if service and service / 1000 > args.duration / 4:
                out["http"][page.key] = {"skipped": f"{service / 1000:.1f} s a request "
                                                    "in-process: too slow for a load run"}
                continue
            url_page = server.base + page.path
            extra = headers.get(page.key)
            run = (lambda u, c, n, s, h=extra: serving.run_wrk(u, c, n, s, h)) if use_wrk else (
                lambda u, c, n, s, h=extra: serving.run_loadgen(u, c, s, connections=n,
                                                                warmup=0, headers=h))
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
            if page.revalidate:
                # the validator again, just before: it rolls over with the half hour (the
                # CSRF window), and a stale one would time the whole page at a 304's rate
                cookies[page.key], headers[page.key] = serving.validator(
                    server.port, page.path, cookies[page.key])
            if args.quiet_each:
                wait_quiet(args.quiet_each)
            with serving.ForeignLoad() as foreign:
                half = serving.run_loadgen(server.base + page.path,
                                           cookies.get(page.key, cookies.get(page.role, "")),
                                           args.half_duration, rate=rate, warmup=1.0,
                                           headers=headers.get(page.key))
            half["foreign_cpu_pct"], half["foreign_top"] = foreign.share, foreign.top
            server.wait_idle()
            result["half"] = half
            log(f"{backend} {label}: {page.key} at {rate:.0f} req/s: p95 {half['p95_ms']} ms")
        out["worker_memory"] = server.worker_memory()
    ping = out["http"].get("ping", {}).get("peak")
    for result in out["http"].values():
        if "peak" in result and ping:
            result["ratio_to_ping"] = round(result["peak"]["rps"] / ping["rps"], 3)
    return out


def statement_rows(dbs: datasets.Databases, backend: str) -> dict:
    """Each page's statements on a small data set (5 work areas of 5 candidacies) and on
    a large one: 200 work areas for the pages over every work area, work areas of 200
    candidacies for the pages of one work area (per page the set where it has more rows)."""
    counted = {}
    sets = dict(datasets.ROW_SETS, rows200_board=datasets.spec_for("board", 1))
    for name, spec in sets.items():
        db_name = "1x_board" if name == "rows200_board" else name
        url, _ = dbs.prepare(backend, db_name, spec)
        app = inprocess.make_app(url)
        targets = discover(app)
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
