"""The floor of a signed-in request (issue 17): what a page costs before it does anything of
its own, measured the way ``make bench`` measures the pages (gunicorn as production runs
it, one worker pinned to one core, wrk on the other, ratios to ``/ping`` of the same run).

The application is served with a few probe routes added, here and never in the installed
application (:func:`create_app`, which gunicorn imports from this package). Each probe adds
one layer to the previous one:

``/ping``
    the bare route: no session, no database, no template (the ceiling);
``/floor/cookie``
    + the signed session cookie read (a signed-in browser's cookie: its signature checked);
``/floor/statement``
    + one statement (``SELECT 1``) through the application's database session: a
    connection taken from the pool (its liveness check), the transaction begun, the
    statement, the rollback when the connection goes back;
``/floor/account``
    + the signed-in account, as every signed-in page loads it (Flask-Login's loader: the
    session row with its account and the account's roles, in one statement), instead of
    ``SELECT 1``;
``/floor/layout``
    + the site's layout (``base.html``) around an empty page: the header with the menu,
    the language switch and the sign-out form (their CSRF token), the footer;
``/mijn-account``
    the benchmark's reference for "the signed-in layout": the layout with the account
    page's own content (its forms).

Every signed-in page must check its session in the database (a sign-out or a
deactivation takes effect at once): so ``/floor/statement`` is below what any signed-in page
can reach in this stack, whatever its own work.

Run alone: ``.venv/bin/python -m benchmarks.floor DATABASE_URL`` (a database made by
``flask --app matching.app scale``); ``make bench`` runs it on each backend's 1× data.
"""

from __future__ import annotations

import os
import sys

from benchmarks import serving
from benchmarks.machine import log

#: The probes in the order each adds a layer (key, path, signed in, what it adds).
PROBES = (
    ("ping", "/ping", False, "bare route /ping (ceiling)"),
    ("cookie", "/floor/cookie", True, "+ the signed session cookie read"),
    ("statement", "/floor/statement", True,
     "+ one statement through the database session (pool, transaction)"),
    ("account", "/floor/account", True,
     "+ the signed-in account loaded (session, account, roles) instead of SELECT 1"),
    ("layout", "/floor/layout", True, "+ the layout (base.html) around an empty page"),
    ("account_page", "/mijn-account", True, "the account page (the benchmark's reference)"),
)


def with_probes(app):
    """``app`` with the probe routes registered (before its first request)."""
    from flask import Blueprint, Response, render_template, session
    from flask_login import login_required
    from sqlalchemy import text

    from matching.accounts.sessions import SESSION_KEY
    from matching.core.db import db

    probes = Blueprint("floor", __name__, url_prefix="/floor")

    def plain(body: str) -> Response:
        return Response(body, content_type="text/plain; charset=utf-8")

    @probes.get("/cookie")
    def cookie():
        return plain("signed in" if session.get(SESSION_KEY) else "no session")

    @probes.get("/statement")
    def statement():
        if not session.get(SESSION_KEY):
            return plain("no session"), 403
        return plain(str(db.session.execute(text("SELECT 1")).scalar_one()))

    @probes.get("/account")
    @login_required
    def account():
        return plain("signed in")

    @probes.get("/layout")
    @login_required
    def layout():
        return render_template("base.html")

    app.register_blueprint(probes)
    return app


def create_app():
    """The application with the probe routes (gunicorn: ``benchmarks.floor:create_app()``)."""
    from matching.app import create_app as application

    return with_probes(application())


def measure(url: str, backend: str, args, log_path: str) -> dict:
    """Each probe at peak load (wrk, ``args.connections``, ``args.duration`` s after a
    warm-up), signed in as the data's observer; ratios to ``/ping`` of the same run."""
    from matching.scale import OBSERVER_EMAIL, PASSWORD

    out: dict = {"backend": backend, "probes": {}}
    with serving.Server(url, os.path.join(args.workdir, "instance"), args.threads, log_path,
                        app="benchmarks.floor:create_app()") as server:
        cookie = serving.login(server.port, OBSERVER_EMAIL, PASSWORD)
        for key, path, signed_in, what in PROBES:
            sent = cookie if signed_in else ""
            status, _ = serving.get(server.port, path, sent)
            if status != 200:
                out["probes"][key] = {"path": path, "what": what,
                                      "skipped": f"answers {status}"}
                continue
            serving.run_wrk(server.base + path, sent, args.connections, args.warmup)
            server.wait_idle()
            peak = serving.run_wrk(server.base + path, sent, args.connections, args.duration)
            server.wait_idle()
            out["probes"][key] = {"path": path, "what": what, "rps": peak["rps"],
                                  "p50_ms": peak["p50_ms"], "p95_ms": peak["p95_ms"],
                                  "non_2xx_3xx": peak["non_2xx_3xx"]}
            log(f"{backend} floor: {key}: {peak['rps']} req/s")
    ping = out["probes"].get("ping", {}).get("rps")
    for result in out["probes"].values():
        if ping and "rps" in result:
            result["ratio_to_ping"] = round(result["rps"] / ping, 3)
            result["us_per_request"] = round(1e6 / result["rps"])
    return out


def report_lines(floors: list[dict]) -> list[str]:
    """The floor table: one row per probe, a column per backend."""
    if not floors:
        return []
    lines = ["| probe | what it adds | " + " | ".join(
        f"{f['backend']} req/s | × /ping | µs a request" for f in floors) + " |",
        "|---|---|" + "---:|---:|---:|" * len(floors)]
    for key, path, _, what in PROBES:
        cells = []
        for floor in floors:
            result = floor["probes"].get(key, {})
            if "rps" not in result:
                cells.append(f"{result.get('skipped', '–')} | | ")
                continue
            cells.append(f"{result['rps']:.0f} | {result['ratio_to_ping']:.2f} | "
                         f"{result['us_per_request']}")
        lines.append(f"| `{path}` | {what} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--workdir", default=os.environ.get("BENCH_WORKDIR", "/tmp/bench"))
    args = parser.parse_args(argv)
    os.makedirs(os.path.join(args.workdir, "instance"), exist_ok=True)
    backend = "postgresql" if args.database_url.startswith("postgres") else "sqlite"
    floor = measure(args.database_url, backend, args,
                    os.path.join(args.workdir, f"gunicorn-floor-{backend}.log"))
    print("\n".join(report_lines([floor])))


if __name__ == "__main__":
    main(sys.argv[1:])
