"""Closing a round of 200 candidacies, timed as the coordinator's request (``make bench``).

Closing round 1 decides every candidacy on the threshold and records a decision letter for
each one that is not selected: here all 200, the most letters one request can write. The
letters' PDFs are made afterwards by the mail worker (issue 15); before, the request
rendered 200 PDFs itself.

The procedure is built once per backend with the operations (the test suite's world:
:class:`tests.support.World`: a published addendum, 200 submitted candidacies, the jury,
round 1 started) and the jury's consensus decisions inserted directly, like the round board
test; every timed request runs on a fresh copy of it (an SQLite file copy, a PostgreSQL
``CREATE DATABASE … TEMPLATE``). The request goes through the Flask test client, as the
other in-process figures, and is given as a ratio to the bare route ``/ping`` measured in
the same application.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time

from sqlalchemy import func, select

from benchmarks.inprocess import StatementCounter, client_as, make_app
from benchmarks.machine import log

CANDIDACIES = 200


def _build(url: str) -> dict:
    """The round-1 procedure of 200 candidacies, ready to close, in the database ``url``."""
    from flask_migrate import upgrade

    from juries.models import JuryDecision
    from juries.rules import Method
    from matching.candidacies.rules import Criterion
    from matching.core.db import db
    from tests.support import World

    app = make_app(url)
    with app.app_context():
        upgrade()
        world = World(db)
        world.published_procedure(slots=1)
        candidacies = [world.apply(f"Organisatie {i:03d} vzw") for i in range(CANDIDACIES)]
        world.start_round_1()
        db.session.flush()
        member = world.mm["vdab1"]
        db.session.add_all([
            JuryDecision(candidacy_id=c.id, round=1, criterion=criterion, score=2,
                         motivation=f"De jury mist voor {criterion.value} een concreet "
                                    f"voorbeeld uit de kandidatuur {c.reference}.",
                         method=Method.CONSENSUS, decided_by_id=member.id,
                         decided_at=world.clock.now, jury_blocs="EXTERN,LOKAAL_BESTUUR,VDAB")
            for c in candidacies for criterion in Criterion])
        db.session.commit()
        built = {"procedure_id": world.procedure.id, "coordinator_id": world.coordinator.id,
                 "now": world.clock.now}
        db.session.remove()  # return its connection, so the template database is free
        db.engine.dispose()
    return built


def _copy(backend: str, template: str, target: str, pg_admin_url: str) -> None:
    if backend == "sqlite":
        shutil.copyfile(template.split("///", 1)[1], target.split("///", 1)[1])
        return
    import psycopg

    source, copy = template.rsplit("/", 1)[1], target.rsplit("/", 1)[1]
    assert copy != "test"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        # a template may have no other connection (the previous copy's are closed by now)
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = %s AND pid <> pg_backend_pid()", (source,))
        conn.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')


def _url(backend: str, workdir: str, pg_admin_url: str, name: str) -> str:
    if backend == "sqlite":
        return f"sqlite:///{os.path.join(workdir, name + '.db')}"
    base = pg_admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/bench_{name}"


def closing_figures(backend: str, workdir: str, pg_admin_url: str, repeat: int = 3) -> dict:
    """The median of ``repeat`` round-closing requests (each on a fresh copy), the bare
    route's median in the same application, their ratio, and what the request wrote."""
    from matching.candidacies.models import Letter
    from matching.core.db import db
    from matching.mail.models import OutboxMessage

    template = _url(backend, workdir, pg_admin_url, "closing_template")
    if backend == "sqlite":
        path = template.split("///", 1)[1]
        if os.path.exists(path):
            os.remove(path)
    else:
        import psycopg

        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "bench_closing_template" WITH (FORCE)')
            conn.execute('CREATE DATABASE "bench_closing_template"')
    log(f"{backend}: building a round of {CANDIDACIES} candidacies to close")
    started = time.perf_counter()
    built = _build(template)
    build_seconds = time.perf_counter() - started
    copy = _url(backend, workdir, pg_admin_url, "closing_run")
    path = f"/coordinatie/procedures/{built['procedure_id']}/rondes/1/afsluiten"
    times, cpu, pings, statements, letters, mails = [], [], [], 0, 0, 0
    for _ in range(repeat):
        _copy(backend, template, copy, pg_admin_url)
        app = make_app(copy)
        app.config["CLOCK"] = lambda: built["now"]
        client = client_as(app, built["coordinator_id"])
        client.get("/ping")
        client.get(f"/coordinatie/procedures/{built['procedure_id']}/rondes/1")  # warm up
        for _ in range(50):
            start = time.perf_counter()
            client.get("/ping")
            pings.append(time.perf_counter() - start)
        with app.app_context():
            engine = db.engine
            before = db.session.scalar(select(func.count(Letter.id)))
        with StatementCounter(engine) as counter:
            start, start_cpu = time.perf_counter(), time.thread_time()
            response = client.post(path)
            cpu.append(time.thread_time() - start_cpu)
            times.append(time.perf_counter() - start)
        statements = counter.count
        if response.status_code != 302:
            return {"error": f"closing answered {response.status_code}"}
        with app.app_context():
            letters = db.session.scalar(select(func.count(Letter.id))) - before
            mails = db.session.scalar(select(func.count(OutboxMessage.id))
                                      .where(OutboxMessage.accepted_at.is_(None)))
            db.session.remove()
            db.engine.dispose()
    ping = statistics.median(pings)
    close = statistics.median(times)
    return {"candidacies": CANDIDACIES, "letters_written": letters, "mails_queued": mails,
            "median_ms": round(close * 1000, 1), "cpu_ms": round(statistics.median(cpu) * 1000, 1),
            "min_ms": round(min(times) * 1000, 1), "repeat": len(times),
            "statements": statements, "ping_median_ms": round(ping * 1000, 3),
            "ratio_to_ping": round(close / ping, 1), "build_seconds": round(build_seconds, 1)}
