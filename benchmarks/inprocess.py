"""In-process measurements of ``make bench`` (no HTTP, no server): the SQL statements per
page, the median time of a page through the Flask test client, and the functions measured
directly (the final report, the six conditions of every work area, the audit walk, the
export). The pages are found by :mod:`benchmarks.pages`; where their time goes,
:mod:`benchmarks.profiling`."""

from __future__ import annotations

import hashlib
import os
import statistics
import time
from datetime import UTC, datetime

from sqlalchemy import event

from benchmarks.pages import Page, Targets
from matching.app import create_app
from matching.audit.queries import audit_status
from matching.core.db import db
from matching.oversight.facts_queries import evaluate_procedures
from matching.oversight.report import build_final_report


def make_app(url: str):
    """The application on ``url``, as the test client sees it (CSRF off: the in-process
    client logs in by session, not through the form)."""
    os.environ.setdefault("MATCHING_INSTANCE_PATH", "/tmp/bench/instance")

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}})
    app.logger.disabled = True  # a page that fails is reported by its status, once
    return app


# --- the test client ------------------------------------------------------------------------

def client_as(app, user_id: int | None):
    """A test client signed in as ``user_id``: a server-side session started directly (as
    after the password and the second factor), its id in the cookie."""
    from matching.accounts import sign_in_operations as sign_in_ops
    from matching.accounts.models import User
    from matching.accounts.sessions import SESSION_KEY
    from matching.core.web import utcnow

    client = app.test_client()
    if user_id is not None:
        with app.app_context():
            user = db.session.get(User, user_id)
            token = sign_in_ops.start_session(user, now=utcnow())
            db.session.commit()
        with client.session_transaction() as session:
            session[SESSION_KEY] = token
    return client


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def _count(self, *args):
        self.count += 1

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)


def validator_headers(client, page: Page) -> dict[str, str]:
    """For a page measured as revalidated (issue 17): GET it once with this client (its
    session cookie kept) and return the ``If-None-Match`` of its answer; else nothing."""
    if not page.revalidate:
        return {}
    etag = client.get(page.path).headers.get("ETag")
    return {"If-None-Match": etag} if etag else {}


def page_statements(app, targets: Targets) -> dict[str, dict]:
    """Per page: the SQL statements one GET issues (the user's own load included)."""

    out = {}
    with app.app_context():
        engine = db.engine
    for page in targets.pages:
        client = client_as(app, targets.accounts[page.role]["id"] if page.role else None)
        client.get(page.path)  # warm: the first request may load more (e.g. compiled caches)
        headers = validator_headers(client, page)
        with StatementCounter(engine) as counter:
            response = client.get(page.path, headers=headers)
        out[page.key] = {"statements": counter.count, "status": response.status_code,
                         "expected": page.expect,
                         "rows": page.rows, "rows_what": page.rows_what}
    return out


def time_page(app, targets: Targets, page: Page, repeat: int, budget: float = 5.0) -> dict:
    """Median service time of the page in-process (no HTTP, no server): ``repeat``
    requests, fewer (at least 3) when they take more than ``budget`` seconds."""
    client = client_as(app, targets.accounts[page.role]["id"] if page.role else None)
    client.get(page.path)
    headers = validator_headers(client, page)
    times, cpu = [], []
    began = time.perf_counter()
    for i in range(repeat):
        if i >= 3 and time.perf_counter() - began > budget:
            break
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.get(page.path, headers=headers)
        cpu.append(time.thread_time() - start_cpu)
        times.append(time.perf_counter() - start)
        if response.status_code != page.expect:
            return {"status": response.status_code, "error": f"not {page.expect}: not timed"}
    # cpu_ms: this thread's CPU time, which other processes on the machine do not inflate
    # (the database server's own work is not in it: wall time minus cpu is mostly waiting).
    return {"median_ms": round(statistics.median(times) * 1000, 2),
            "cpu_ms": round(statistics.median(cpu) * 1000, 2),
            "min_ms": round(min(times) * 1000, 2), "repeat": len(times)}


# --- functions measured directly ------------------------------------------------------------

def median_time(fn, repeat: int, budget: float = 10.0) -> dict:
    """``repeat`` runs, fewer (at least one) when they take more than ``budget`` seconds."""
    times, cpu = [], []
    result = None
    began = time.perf_counter()
    for i in range(repeat):
        if i >= 1 and time.perf_counter() - began > budget:
            break
        start, start_cpu = time.perf_counter(), time.thread_time()
        result = fn()
        cpu.append(time.thread_time() - start_cpu)
        times.append(time.perf_counter() - start)
    return {"median_ms": round(statistics.median(times) * 1000, 2),
            "cpu_ms": round(statistics.median(cpu) * 1000, 2),
            "min_ms": round(min(times) * 1000, 2), "repeat": len(times), "_result": result}


def counted_time(engine, fn, repeat: int, reset=None) -> dict:
    """``fn`` warmed once, its statements counted on a second run (``reset`` called after
    it, still counted), then timed: :func:`median_time`'s figures and ``statements``."""
    fn()  # warm
    with StatementCounter(engine) as counter:
        fn()
        if reset is not None:
            reset()
    timing = median_time(fn, repeat)
    timing.pop("_result")
    return dict(timing, statements=counter.count)


def direct_measurements(app, targets: Targets, repeat: int, keys) -> dict:
    """Of ``keys``: the final report of the 200-candidacy procedure (``final_report``), the
    six conditions of every work area (``conditions_all_areas``), a full audit walk
    (``audit_verify``) and the ratification's verification from the latest checkpoint
    (``audit_ratification``, with it), and the export of everything through the test
    client, streamed, with its peak memory (``export_csv_all``)."""

    now = datetime.now(UTC)
    out: dict[str, dict] = {}
    with app.app_context():
        engine = db.engine
    keys = set(keys)
    if "final_report" in keys and targets.board_procedure_id is None:
        out["final_report"] = {"skipped": "no procedure with candidacies"}
    elif "final_report" in keys:
        with app.app_context():
            timing = counted_time(
                engine, lambda: build_final_report(targets.board_procedure_id, now), repeat,
                reset=db.session.rollback)
            out["final_report"] = dict(timing, candidacies=targets.board_candidacies)
            db.session.rollback()
    if "conditions_all_areas" in keys:
        with app.app_context():
            ids = list(targets.procedure_ids)
            timing = counted_time(engine, lambda: evaluate_procedures(ids, now), repeat)
            out["conditions_all_areas"] = dict(timing, procedures=len(ids))
            db.session.rollback()
    if "audit_verify" in keys:
        # The whole chain, walked afresh: what ``flask audit verify`` pays (nightly)
        with app.app_context():
            timing = median_time(lambda: audit_status(full=True), repeat)
            result = timing.pop("_result")
            out["audit_verify"] = dict(timing, events=result.events)
            db.session.rollback()
    if "audit_verify" in keys:
        out["audit_ratification"] = ratification_measurement(app, targets, repeat)
    if "export_csv_all" in keys and "observer" in targets.accounts:
        out["export_csv_all"] = export_measurement(app, targets, repeat, engine)
    return out


def ratification_measurement(app, targets: Targets, repeat: int) -> dict:
    """Issue 17: what ratification pays for the audit trail (from the latest checkpoint:
    its signature, head and count, and the entries after it) and for the six conditions
    of one procedure with it. A checkpoint is recorded first when the data set has none
    young enough (a reused data set: the nightly ``flask audit verify``)."""
    from matching.audit.queries import (
        latest_checkpoint_age,
        ratification_status,
        record_checkpoint,
    )

    out: dict = {}
    with app.app_context():
        if not latest_checkpoint_age().usable:
            record_checkpoint()
            db.session.commit()
            out["checkpoint_recorded"] = True
        timing = median_time(ratification_status, repeat)
        status = timing.pop("_result")
        out.update(timing, events=status.events, intact=status.intact)
        db.session.rollback()
        if targets.procedure_ids:
            pid = targets.procedure_ids[0]
            with_conditions = median_time(
                lambda: evaluate_procedures([pid], datetime.now(UTC), ratification=True),
                repeat)
            with_conditions.pop("_result")
            out["with_conditions_ms"] = with_conditions["median_ms"]
            db.session.rollback()
    return out


def _drain(response) -> tuple[int, int, str]:
    """Read a streamed response piece by piece, keeping none: its bytes, lines, SHA-256."""
    size = lines = 0
    digest = hashlib.sha256()
    try:
        for piece in response.response:
            size += len(piece)
            lines += piece.count(b"\n")
            digest.update(piece)
    finally:
        response.close()
    return size, lines, digest.hexdigest()


def export_measurement(app, targets: Targets, repeat: int, engine) -> dict:
    """The export of everything through the test client, read as it is streamed: its time,
    its statements, and the peak of Python memory allocated while it runs (tracemalloc, a
    separate run: tracing slows it down), against the same rows made in one piece as
    before issue 17 (``to_csv`` of one batch)."""
    import tracemalloc

    from matching.oversight.exports import columns, export_rows, to_csv

    url = "/observatie/export.csv"
    client = client_as(app, targets.accounts["observer"]["id"])
    size, lines, digest = _drain(client.get(url, buffered=False))  # warm
    with StatementCounter(engine) as counter:
        response = client.get(url, buffered=False)
        status = response.status_code
        _drain(response)
    timing = median_time(lambda: _drain(client.get(url, buffered=False)), repeat)
    timing.pop("_result")
    tracemalloc.start()
    try:
        _drain(client.get(url, buffered=False))
        _, streamed_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        with app.app_context():
            whole = to_csv(export_rows(None, False, batch=None), columns(False))
            _, whole_peak = tracemalloc.get_traced_memory()
            db.session.rollback()
    finally:
        tracemalloc.stop()
    return dict(timing, statements=counter.count, bytes=size, lines=lines, status=status,
                streamed=response.is_streamed,
                peak_mb=round(streamed_peak / 2**20, 1),
                one_piece_peak_mb=round(whole_peak / 2**20, 1),
                same_bytes_as_one_piece=hashlib.sha256(whole).hexdigest() == digest)
