"""Deadline day (issue 17): several hundred applicants save, upload and submit in the last
hour of their call while the juries of other work areas score, on PostgreSQL with the
production gunicorn configuration.

    .venv/bin/python -m benchmarks.deadline                       # 300 applicants, 300 s, 1x
    .venv/bin/python -m benchmarks.deadline --applicants 600 --duration 300 --scale 10

Data: ``flask scale`` (60 work areas × 100 candidacies at 1x; reused while the generators are
unchanged) copied into a scratch database ``bench_deadline_run`` for every run. There the
published procedures' candidacy deadline is moved to one hour from now (today), their
applicants with a draft take part, and new applicant accounts (an organisation, no candidacy
yet) are added until ``--applicants`` is reached; the matchmakers of the work areas in round
1 score.

Server: gunicorn with ``gunicorn.conf.py`` as production runs it (``2 × cores + 1`` workers of
2 threads unless ``--workers``), not pinned, the rate limits counted in a private
``redis-server`` (as production requires) and gunicorn's PROXY protocol on: every simulated
user connects as the reverse proxy would, with their own client address, so the per-address
limits apply per user and are not switched off.

Clients: one thread per user. Applicants arrive over the run, more towards its end (arrival
``i`` at ``duration × √(i/N)``: the last hour compressed); each signs in, opens their
dashboard, starts a candidacy if they have none, opens the form, saves a draft with every
text, uploads a small real PDF, submits and confirms. Matchmakers sign in (second factor)
and, until the end, open their dashboard, a candidacy's scoring page and save a score.
Between steps a user "thinks" ``--think`` seconds (uniformly 0.5×–1.5×).

Afterwards the database is checked: every submission the clients saw confirmed is in state
submitted with its version and its attachment, no candidacy is submitted without a version
and no attachment is without its content. The result (p50/p95 per action, errors, the
workers' peak memory) is printed as Markdown and written to
``bench-results/deadline-<time>.json``; :func:`benchmarks.bench.main` runs this after the
page runs (on PostgreSQL).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

from benchmarks import serving
from benchmarks.datasets import BASE_AREAS, BASE_PER_AREA, Databases
from benchmarks.machine import log, machine, postgres_version
from benchmarks.webclient import Browser, Failed, summarise
from matching.core.web import CONFIRMED  # the confirmation page's field
from matching.scale.data import PASSWORD

RUN_DB = "deadline_run"

#: The actions in the order of the report.
ACTIONS = ("sign-in", "second factor", "applicant dashboard", "start candidacy", "open form",
           "save draft", "upload", "submit (confirmation page)", "confirm submission",
           "jury dashboard", "open scoring page", "save score")

MAX_WORKER_MB = 150.0

TEXT = ("Onze organisatie begeleidt werkzoekenden met een grote afstand tot de arbeidsmarkt "
        "naar duurzaam werk, samen met lokale partners en werkgevers uit de regio. ")


def small_pdf() -> bytes:
    """A one-page PDF made with reportlab (a real document, as an applicant uploads)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawString(72, 770, "Bijlage bij de kandidatuur: werkingsverslag")
    for k in range(30):
        pdf.drawString(72, 740 - 20 * k, TEXT[:90])
    pdf.showPage()
    pdf.save()
    return out.getvalue()


# --- the data --------------------------------------------------------------------------------

def copy_database(dbs: Databases, template: str, target: str) -> str:
    import psycopg

    with psycopg.connect(dbs.pg_admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "bench_{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "bench_{target}" TEMPLATE "bench_{template}"')
    return dbs.url("postgresql", target)


def prepare_scenario(url: str, applicants: int, matchmakers: int, deadline: datetime,
                     seed: int) -> dict:
    """Move the published calls' deadline to ``deadline``; pick the applicants (drafts first,
    then new accounts without a candidacy) and the matchmakers of the round-1 areas."""
    from sqlalchemy import select, update

    from juries.models import Jury, JuryMembership
    from matching.accounts.models import Organisation, RoleGrant, User
    from matching.accounts.rules import OrganisationKind, Role
    from matching.app import create_app
    from matching.candidacies.models import Candidacy
    from matching.candidacies.rules import CandidacyState
    from matching.core.db import db
    from matching.scale.data import LEGAL_FORMS, email, person
    from matching.scale.io import EnterpriseNumbers, Sink, reset_sequences
    from matching.scale.staff import Staff
    from workareas.models import AddendumVersion, Procedure
    from workareas.rules import ProcedureState

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(seed)
    with app.app_context():
        s = db.session
        published = s.scalars(select(Procedure.id).where(
            Procedure.state == ProcedureState.PUBLISHED).order_by(Procedure.id)).all()
        if not published:
            raise RuntimeError("the scale data has no published procedure")
        s.execute(update(AddendumVersion).where(AddendumVersion.procedure_id.in_(published))
                  .values(candidacy_deadline=deadline))
        drafts = s.execute(
            select(User.email, Candidacy.id)
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .join(Candidacy, Candidacy.organisation_id == RoleGrant.organisation_id)
            .where(RoleGrant.role == Role.APPLICANT, Candidacy.procedure_id.in_(published),
                   Candidacy.state == CandidacyState.DRAFT).order_by(Candidacy.id)).all()
        people = [{"email": e, "candidacy": cid} for e, cid in drafts[:applicants]]
        missing = applicants - len(people)
        if missing > 0:
            sink = Sink(s)
            password_hash = s.scalar(select(User.password_hash).where(
                User.email == drafts[0][0] if drafts else User.email.like("applicant.%")).limit(1))
            staff = Staff(0, 0, [], password_hash)
            numbers = EnterpriseNumbers(s)
            at = datetime.now(UTC) - timedelta(days=3)
            for k in range(1, missing + 1):
                form = rng.choice(LEGAL_FORMS)
                org = sink.add(Organisation, name=f"Laatkomer {k:04d} {form}",
                               enterprise_number=numbers.next(), legal_form=form,
                               kind=OrganisationKind.OTHER, email=None)
                address = email(f"deadline.{k:04d}")
                staff.account(sink, address, person(rng), Role.APPLICANT, at,
                              organisation_id=org["id"])
                people.append({"email": address, "candidacy": None})
            sink.flush()
            reset_sequences(sink)
        jurors = s.execute(
            select(User.email).join(JuryMembership, JuryMembership.user_id == User.id)
            .join(Jury, Jury.id == JuryMembership.jury_id)
            .join(Procedure, Procedure.id == Jury.procedure_id)
            .where(Procedure.state == ProcedureState.ROUND_1)
            .order_by(Procedure.id, JuryMembership.id)).scalars().all()
        s.commit()
        rng.shuffle(people)
        return {"published_procedures": len(published),
                "round_1_matchmakers": len(jurors), "drafts": min(len(drafts), applicants),
                "new_accounts": max(0, missing), "applicants": people,
                "matchmakers": list(jurors[:matchmakers])}


def verify(url: str, submitted_ids: set[int], since: datetime) -> dict:
    """After the run: every submission the clients saw confirmed is recorded, complete;
    no candidacy of the calls is half-saved (submitted without its time, or, when submitted
    during the run, without its version: the scale data predates versions)."""
    from sqlalchemy import func, select

    from matching.app import create_app
    from matching.candidacies.models import (
        Attachment,
        AttachmentContent,
        Candidacy,
        CandidacyVersion,
    )
    from matching.candidacies.rules import CandidacyState
    from matching.core.db import db
    from workareas.models import Procedure
    from workareas.rules import ProcedureState

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    problems: list[str] = []
    with app.app_context():
        s = db.session
        published = select(Procedure.id).where(Procedure.state == ProcedureState.PUBLISHED)
        rows = s.execute(select(Candidacy.id, Candidacy.state, Candidacy.submitted_at)
                         .where(Candidacy.procedure_id.in_(published))).all()
        state = {cid: (st, at) for cid, st, at in rows}
        versions = dict(s.execute(select(CandidacyVersion.candidacy_id, func.count())
                                  .group_by(CandidacyVersion.candidacy_id)).all())
        attachments = dict(s.execute(
            select(Attachment.candidacy_id, func.count()).where(Attachment.removed_at.is_(None))
            .group_by(Attachment.candidacy_id)).all())
        without_content = s.scalar(
            select(func.count()).select_from(Attachment).outerjoin(
                AttachmentContent, AttachmentContent.attachment_id == Attachment.id)
            .where(AttachmentContent.attachment_id.is_(None)))
        for cid in sorted(submitted_ids):
            st, at = state.get(cid, (None, None))
            if st != CandidacyState.SUBMITTED or at is None:
                problems.append(f"candidacy {cid}: confirmed to the client but {st}")
            if not versions.get(cid):
                problems.append(f"candidacy {cid}: submitted without a version")
            if not attachments.get(cid):
                problems.append(f"candidacy {cid}: submitted without its attachment")
        # (draft ⇔ no submitted_at is a constraint of the table itself)
        half = [cid for cid, (st, at) in state.items()
                if st == CandidacyState.SUBMITTED and at >= since and not versions.get(cid)]
        problems += [f"candidacy {cid}: submitted during the run without its version"
                     for cid in half]
        if without_content:
            problems.append(f"{without_content} attachments without their content")
        return {"checked_submissions": len(submitted_ids),
                "submitted_in_published_calls": sum(
                    1 for st, _ in state.values() if st == CandidacyState.SUBMITTED),
                "problems": problems[:50], "problem_count": len(problems)}


# --- the server ------------------------------------------------------------------------------

class Redis:
    """A private redis-server for the rate limits (production keeps them in Redis, shared by
    every worker); ``None`` URL when redis-server is not installed."""

    def __init__(self, workdir: str):
        self.workdir, self.process, self.url = workdir, None, None

    def __enter__(self) -> Redis:
        binary = shutil.which("redis-server")
        if binary:
            port = serving.free_port()
            self.process = subprocess.Popen(
                [binary, "--port", str(port), "--bind", serving.HOST, "--save", "",
                 "--appendonly", "no", "--dir", self.workdir],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.url = f"redis://{serving.HOST}:{port}/0"
            time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        if self.process:
            self.process.terminate()
            self.process.wait(10)


class _Sampler:
    """A daemon thread running ``_run`` for the length of a ``with`` block (``stop`` set at
    its end)."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(5)


class LockWatch(_Sampler):
    """Samples PostgreSQL's sessions of the run's database twice a second: how many wait
    for the audit chain's lock (an advisory lock) and how many are busy otherwise."""

    def __init__(self, admin_url: str, database: str):
        self.admin_url, self.database = admin_url, database
        self.samples: list[tuple[int, int]] = []
        super().__init__()

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while not self.stop.wait(0.5):
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE wait_event = 'advisory'), "
                    "count(*) FILTER (WHERE state <> 'idle') "
                    "FROM pg_stat_activity WHERE datname = %s", (self.database,)).fetchone()
                self.samples.append((row[0], row[1]))

    def figures(self) -> dict:
        if not self.samples:
            return {}
        waiting = [w for w, _ in self.samples]
        return {"samples": len(waiting),
                "mean_waiting_for_audit_lock": round(sum(waiting) / len(waiting), 2),
                "max_waiting_for_audit_lock": max(waiting),
                "share_of_samples_with_waiters": round(
                    sum(1 for w in waiting if w) / len(waiting), 2),
                "mean_busy_sessions": round(sum(b for _, b in self.samples)
                                            / len(self.samples), 2)}


class MemoryWatch(_Sampler):
    """Samples the server's processes (master, workers, password hashing process) once a
    second: the sum of their resident memory (VmRSS: shared libraries counted in every
    process) and of their proportional shares (Pss: shared pages divided among them, the
    machine's memory the server takes). Reports the highest sums."""

    def __init__(self, server: ProductionServer):
        self.server = server
        self.peak_rss = self.peak_pss = 0.0
        super().__init__()

    def _run(self) -> None:
        while not self.stop.wait(1.0):
            figures = [serving.process_memory(pid) for pid in self.server.server_pids()]
            self.peak_rss = max(self.peak_rss, sum(f.get("VmRSS", 0) for f in figures))
            self.peak_pss = max(self.peak_pss, sum(f.get("Pss", 0) for f in figures))

    def figures(self) -> dict:
        return {"peak_rss_sum_mb": round(self.peak_rss, 1),
                "peak_pss_sum_mb": round(self.peak_pss, 1)}


class ProductionServer(serving.Server):
    """gunicorn.conf.py as production runs it: its own worker count (unless ``workers``), no
    core pinning, and PROXY protocol from the trusted local proxy."""

    def __init__(self, database_url: str, instance_path: str, log_path: str,
                 workers: int | None, ratelimit_uri: str | None, proxy_protocol: bool = True):
        super().__init__(database_url, instance_path, None, log_path)
        self.proxy_protocol = proxy_protocol
        self.env.pop("GUNICORN_WORKERS", None)
        if workers:
            self.env["GUNICORN_WORKERS"] = str(workers)
        if ratelimit_uri:
            self.env["RATELIMIT_STORAGE_URI"] = ratelimit_uri

    def __enter__(self) -> ProductionServer:
        gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
        self.log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [gunicorn, "-c", os.path.join(serving.ROOT, "gunicorn.conf.py"),
             *(["--proxy-protocol", "v1"] if self.proxy_protocol else [])],
            cwd=serving.ROOT, env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if serving.get(self.port, "/ping")[0] == 200 and \
                        len(self.worker_pids()) >= self.expected_workers():
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer within 90 s; see {self.log_path}")

    def expected_workers(self) -> int:
        return int(self.env.get("GUNICORN_WORKERS") or serving.gunicorn_config()["workers"])

    def worker_pids(self) -> list[int]:
        return serving.children(self.process.pid)[0]

    def hashing_pids(self) -> list[int]:
        """The password hashing process (none with ``PASSWORD_HASHING=workers``)."""
        return serving.children(self.process.pid)[1]

    def server_pids(self) -> list[int]:
        workers, hashing = serving.children(self.process.pid)
        return [self.process.pid, *workers, *hashing]

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far."""
        total = 0
        for pid in self.server_pids():
            try:
                with open(f"/proc/{pid}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
            except OSError:
                continue
        return total / os.sysconf("SC_CLK_TCK")

    def memory(self) -> dict[int, dict]:
        out = {}
        for pid in self.worker_pids():
            try:
                with open(f"/proc/{pid}/status") as fh:
                    values = {k: round(int(v.split()[0]) / 1024, 1) for k, _, v in
                              (line.partition(":") for line in fh) if k in ("VmHWM", "VmRSS")}
            except OSError:
                continue
            out[pid] = values
        return out


# --- the users -------------------------------------------------------------------------------

class Scenario:
    def __init__(self, port: int, think: float, stop_at: float, seed: int,
                 own_addresses: bool = True):
        self.port, self.think, self.stop_at = port, think, stop_at
        self.own_addresses = own_addresses
        self.log: list[tuple[str, float, bool]] = []
        self.failures: list[str] = []
        self.submitted: set[int] = set()
        self.expectation_failures = 0
        self.lock = threading.Lock()
        self.pdf = small_pdf()
        self.rng = random.Random(seed)
        self.addresses = iter(f"10.{a}.{b}.{c}" for a in range(1, 250) for b in range(256)
                              for c in range(1, 255))

    def browser(self) -> Browser:
        with self.lock:
            address = next(self.addresses) if self.own_addresses else None
            return Browser(serving.HOST, self.port, address, self.log)

    def pause(self, rng: random.Random) -> None:
        time.sleep(self.think * rng.uniform(0.5, 1.5))

    def fail(self, who: str, error: Exception) -> None:
        """A user who could not finish. A failed request is in the log already; a failed
        expectation after a successful request (the attachment not listed...) is counted
        here."""
        with self.lock:
            self.failures.append(f"{who}: {str(error)[:300]}")
            if not getattr(error, "counted_step", False):
                self.expectation_failures += 1

    def sign_in(self, b: Browser, address: str, totp: str | None = None) -> None:
        page = b.step("sign-in page", "GET", "/aanmelden")
        form = page.form(having="password")
        page = b.step("sign-in", "POST", form.action, referer=page.url, data=form.data(
            {"email": address, "password": PASSWORD}))
        if "/aanmelden/code" in page.url:
            import pyotp

            totp_obj = pyotp.TOTP(totp)
            code_form = page.form(having="code")
            page = b.step("second factor", "POST", code_form.action, referer=page.url,
                          data=code_form.data({"code": totp_obj.now()}))
        if "/aanmelden" in page.url:
            raise Failed(f"sign-in of {address} did not get past {page.url}")

    def applicant(self, person: dict) -> None:
        rng = random.Random(person["email"])
        b = self.browser()
        try:
            self.sign_in(b, person["email"])
            self.pause(rng)
            page = b.step("applicant dashboard", "GET", "/mijn-kandidaturen")
            cid = person["candidacy"]
            self.pause(rng)
            if cid is None:
                starts = [f for f in page.forms if f.action.endswith("/kandidatuur")]
                if not starts:
                    raise Failed(f"{person['email']}: no open call on the dashboard")
                form = rng.choice(starts)
                page = b.step("start candidacy", "POST", form.action, referer=page.url,
                              data=form.data())
                cid = int(page.url.rsplit("/", 1)[1].split("?")[0].split("#")[0])
            else:
                page = b.step("open form", "GET", f"/kandidaturen/{cid}")
            self.pause(rng)
            form = page.form(having="partnership_fit")
            texts = {name: f"{TEXT}({name})" for name in form.textareas}
            page = b.step("save draft", "POST", form.action, referer=page.url, data=form.data(
                texts, tick_all=True, button=("action", "save")))
            self.pause(rng)
            form = page.form(having="bijlage")
            page = b.step("upload", "POST", form.action, referer=page.url,
                          data=form.data(button=("action", "upload")),
                          files=[("bijlage", "werkingsverslag.pdf", "application/pdf",
                                  self.pdf)])
            if "werkingsverslag.pdf" not in page.body:
                raise Failed(f"candidacy {cid}: the uploaded attachment is not listed")
            self.pause(rng)
            form = page.form(having="partnership_fit")
            page = b.step("submit (confirmation page)", "POST", form.action, referer=page.url,
                          data=form.data(button=("action", "submit")))
            confirm = page.form(having=CONFIRMED)
            self.pause(rng)
            page = b.step("confirm submission", "POST", confirm.action, referer=page.url,
                          data=confirm.data())
            if _has_form(page):
                raise Failed(f"candidacy {cid}: still editable after confirming")
            with self.lock:
                self.submitted.add(cid)
        except Exception as error:  # counted, reported; the run goes on
            self.fail(person["email"], error)

    def matchmaker(self, address: str) -> None:
        from matching.scale.data import TOTP_SECRET

        rng = random.Random(address)
        b = self.browser()
        try:
            self.sign_in(b, address, TOTP_SECRET)
            while time.monotonic() < self.stop_at:
                self.pause(rng)
                page = b.step("jury dashboard", "GET", "/jury")
                links = sorted({u for u in page.links if "/ronde/1" in u})
                if not links:
                    raise Failed(f"{address}: no candidacy to score on the jury dashboard")
                self.pause(rng)
                page = b.step("open scoring page", "GET", rng.choice(links))
                forms = [f for f in page.forms if "/score/" in f.action]
                if not forms:
                    continue  # a conflict of interest, or round 1 decided for it: next
                form = rng.choice(forms)
                score = next(n for n in form.names() if n.endswith("score"))
                notes = {n: f"Notitie: {TEXT[:60]}" for n in form.textareas}
                self.pause(rng)
                b.step("save score", "POST", form.action, referer=page.url,
                       data=form.data({score: str(rng.randint(1, 4)), **notes}))
        except Exception as error:
            self.fail(address, error)


def _has_form(page) -> bool:
    try:
        page.form(having="partnership_fit")
        return True
    except LookupError:
        return False


def deadline_for(now: datetime, duration: float) -> datetime:
    """One hour from now, but today in Brussels when the run leaves time for that (a
    deadline of the same day, as in the call); never before the run's end plus 10 minutes."""
    from zoneinfo import ZoneInfo

    brussels = now.astimezone(ZoneInfo("Europe/Brussels"))
    end_of_day = brussels.replace(hour=23, minute=59, second=0, microsecond=0)
    latest_needed = now + timedelta(seconds=duration + 600)
    return max(min(now + timedelta(hours=1), end_of_day.astimezone(UTC)), latest_needed)


def run(args) -> dict:
    dbs = Databases(args.workdir, args.pg_url, args.fresh_data)
    template = f"{args.database}_{args.scale}x"
    dbs.prepare("postgresql", template, {"areas": BASE_AREAS * args.scale,
                                         "per_area": BASE_PER_AREA, "seed": 1})
    run_db = RUN_DB if args.database == "deadline" else f"{args.database}_run"
    url = copy_database(dbs, template, run_db)
    deadline = deadline_for(datetime.now(UTC), args.duration)
    log(f"deadline: preparing {args.applicants} applicants, deadline {deadline:%H:%M} UTC")
    plan = prepare_scenario(url, args.applicants, args.matchmakers, deadline, args.seed)
    result: dict = {"settings": {k: getattr(args, k) for k in (
        "applicants", "matchmakers", "duration", "think", "scale", "workers", "seed",
        "same_address")},
        "data": {k: v for k, v in plan.items() if k not in ("applicants", "matchmakers")}}
    result["data"]["matchmakers_used"] = len(plan["matchmakers"])
    instance = os.path.join(args.workdir, "instance")
    log_path = os.path.join(args.workdir, "deadline-gunicorn.log")
    with Redis(args.workdir) as redis, ProductionServer(
            url, instance, log_path, args.workers, redis.url,
            proxy_protocol=not args.same_address) as server:
        config = serving.gunicorn_config()
        result["server"] = {"workers": len(server.worker_pids()),
                            "threads": int(server.env.get("GUNICORN_THREADS")
                                           or config["threads"]),
                            "worker_class": config["worker_class"],
                            "ratelimit_storage": "redis" if redis.url else "memory (per worker)",
                            "proxy_protocol": "off" if args.same_address else "v1"}
        warm_up(server.port, 4 * len(server.worker_pids()))
        pids_before = set(server.worker_pids())
        started_at = datetime.now(UTC)
        server_cpu, client_cpu = server.cpu_seconds(), time.process_time()
        watch = LockWatch(args.pg_url, f"bench_{run_db}").__enter__()
        memory_watch = MemoryWatch(server).__enter__()
        start = time.monotonic()
        scenario = Scenario(server.port, args.think, start + args.duration, args.seed,
                            own_addresses=not args.same_address)
        threads = [threading.Thread(target=scenario.matchmaker, args=(m,), daemon=True)
                   for m in plan["matchmakers"]]
        for t in threads:
            t.start()
        n = len(plan["applicants"])
        for i, person in enumerate(plan["applicants"]):
            at = start + args.duration * 0.9 * ((i + 1) / n) ** 0.5
            time.sleep(max(0.0, at - time.monotonic()))
            t = threading.Thread(target=scenario.applicant, args=(person,), daemon=True)
            t.start()
            threads.append(t)
        for t in threads:
            t.join(timeout=max(1.0, start + args.duration + 300 - time.monotonic()))
        elapsed = time.monotonic() - start
        watch.__exit__()
        memory_watch.__exit__()
        stuck = sum(t.is_alive() for t in threads)
        memory = server.memory()
        hashing = {str(pid): serving.process_memory(pid) for pid in server.hashing_pids()}
        end = [serving.process_memory(pid) for pid in server.server_pids()]
        server_cpu = server.cpu_seconds() - server_cpu
        client_cpu = time.process_time() - client_cpu
        pids_after = set(server.worker_pids())
    result["elapsed_s"] = round(elapsed, 1)
    result["actions"] = summarise(scenario.log)
    result["database_sessions"] = watch.figures()
    result["server_cpu_s"] = round(server_cpu, 1)
    result["client_cpu_s"] = round(client_cpu, 1)
    result["failures"] = scenario.failures[:50]
    result["failed_users"] = len(scenario.failures)
    kinds: dict[str, int] = {}
    for failure in scenario.failures:
        kind = failure.split(": ", 1)[-1]
        kind = "client timeout (60 s)" if kind == "timed out" else kind[:120]
        kinds[kind] = kinds.get(kind, 0) + 1
    result["failure_kinds"] = kinds
    result["submitted"] = len(scenario.submitted)
    result["workers"] = {str(pid): m for pid, m in memory.items()}
    result["worker_peak_mb"] = max((m.get("VmHWM", 0) for m in memory.values()), default=None)
    result["hashing_process"] = hashing
    result["server_memory"] = dict(
        memory_watch.figures(), processes=len(end),
        end_rss_sum_mb=round(sum(f.get("VmRSS", 0) for f in end), 1),
        end_pss_sum_mb=round(sum(f.get("Pss", 0) for f in end), 1))
    result["workers_restarted"] = len(pids_before - pids_after)
    result["verify"] = verify(url, scenario.submitted, started_at)
    result["expectation_failures"] = scenario.expectation_failures
    result["stuck_users"] = stuck
    # failed requests + failed expectations + users still waiting at the end + what the
    # database check found + workers that died
    result["errors"] = (sum(a["errors"] for a in result["actions"].values())
                        + scenario.expectation_failures + stuck
                        + result["verify"]["problem_count"] + result["workers_restarted"])
    return result


def warm_up(port: int, count: int) -> None:
    """Every worker loads its templates and opens its connections before the clock runs
    (parallel requests reach different workers)."""
    def one():
        for path in ("/aanmelden", "/addenda", "/"):
            serving.get(port, path)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def report_lines(r: dict) -> list[str]:
    """The Markdown section of a deadline-day run."""
    s, srv, d = r["settings"], r.get("server", {}), r["data"]
    lines = [f"### Deadline day (PostgreSQL, {s['scale']}x data)", "",
             f"gunicorn.conf.py as in production: {srv.get('workers')} workers × "
             f"{srv.get('threads')} threads ({srv.get('worker_class')}), rate limits in "
             f"{srv.get('ratelimit_storage')}, "
             + ("every user from the same address (no PROXY protocol). "
                if srv.get("proxy_protocol") == "off"
                else "PROXY protocol (every user its own address). ")
             + f"{s['applicants']} applicants ({d['drafts']} with a draft, {d['new_accounts']} "
             f"without a candidacy) in {d['published_procedures']} calls closing within the "
             f"hour, "
             f"arriving over {s['duration']} s; {d['matchmakers_used']} matchmakers "
             f"of round-1 areas scoring meanwhile; think time {s['think']} s.", "",
             "| action | count | errors | p50 ms | p95 ms | max ms |",
             "|---|---:|---:|---:|---:|---:|"]
    for action in (*ACTIONS, *sorted(set(r["actions"]) - set(ACTIONS))):
        a = r["actions"].get(action)
        if a:
            lines.append(f"| {action} | {a['count']} | {a['errors']} | {a['p50_ms']} | "
                         f"{a['p95_ms']} | {a['max_ms']} |")
    peak = r.get("worker_peak_mb")
    v = r["verify"]
    lines += ["", f"Submitted: {r['submitted']} of {s['applicants']}; users who could not "
                  f"finish: {r.get('failed_users', len(r['failures']))} (checked in the database: "
                  f"{v['checked_submissions']}, problems {v['problem_count']}). "
                  f"Errors: **{r['errors']}** (target 0). Workers' peak memory (VmHWM): "
                  + ", ".join(f"{m.get('VmHWM')}" for m in r["workers"].values())
                  + f" MB; highest {peak} MB {'✓' if peak and peak < MAX_WORKER_MB else '✗'} "
                  f"(target < {MAX_WORKER_MB:.0f} MB at 10x). Workers restarted: "
                  f"{r['workers_restarted']}. Other load on the machine: "
                  f"{r.get('foreign_cpu_pct', '–')} % of both cores."]
    hashing = r.get("hashing_process")
    lines += ["", "Password hashing process: " + (", ".join(
        f"peak {m.get('VmHWM')} MB, at the end {m.get('VmRSS')} MB (Pss {m.get('Pss')} MB)"
        for m in hashing.values()) if hashing else "none (hashed in the workers)") + "."]
    total = r.get("server_memory")
    if total:
        lines[-1] += (f" All {total['processes']} server processes (master, workers, hashing): "
                      f"highest sum sampled once a second {total['peak_rss_sum_mb']} MB "
                      f"resident, {total['peak_pss_sum_mb']} MB proportional (Pss); at the end "
                      f"{total['end_rss_sum_mb']} MB, {total['end_pss_sum_mb']} MB.")
    if r.get("server_cpu_s") is not None:
        lines += ["", f"CPU during the run: server (gunicorn) {r['server_cpu_s']} s"
                      + (f", {r['server_cpu_s'] / r['submitted']:.2f} s per submitted "
                         "candidacy (everything the server did, the juries' work included)"
                         if r["submitted"] else "")
                      + f"; the load generator {r['client_cpu_s']} s; elapsed "
                        f"{r.get('elapsed_s')} s on {r.get('machine', {}).get('nproc', '?')} "
                        "cores."]
    db_sessions = r.get("database_sessions")
    if db_sessions:
        lines += ["", f"PostgreSQL sessions (sampled twice a second): on average "
                      f"{db_sessions['mean_waiting_for_audit_lock']} waiting for the audit "
                      f"chain's lock (at most {db_sessions['max_waiting_for_audit_lock']}; "
                      f"someone waited in {db_sessions['share_of_samples_with_waiters']:.0%} "
                      f"of the samples), {db_sessions['mean_busy_sessions']} busy in all."]
    if r.get("failure_kinds"):
        lines += ["", "Failures by kind: " + "; ".join(
            f"{kind}: {n}" for kind, n in sorted(r["failure_kinds"].items(),
                                                 key=lambda kv: -kv[1]))]
    for failure in r["failures"][:10] + v["problems"][:10]:
        lines.append(f"- {failure}")
    return lines


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--applicants", type=int, default=300)
    p.add_argument("--matchmakers", type=int, default=20,
                   help="at most this many matchmakers of the round-1 areas")
    p.add_argument("--duration", type=float, default=300.0,
                   help="seconds over which the applicants arrive (the last hour compressed)")
    p.add_argument("--think", type=float, default=2.0, help="seconds between a user's steps")
    p.add_argument("--scale", type=int, choices=(1, 10), default=1)
    p.add_argument("--workers", type=int, help="default: gunicorn.conf.py's (2 × cores + 1)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--pg-url", default=os.environ.get(
        "BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--workdir", default=os.environ.get("BENCH_WORKDIR", "/tmp/bench"))
    p.add_argument("--out", default=os.path.join(serving.ROOT, "bench-results"))
    p.add_argument("--fresh-data", action="store_true")
    p.add_argument("--database", default="deadline",
                   help="the databases' name: bench_<name>_<scale>x (the data, kept) and "
                        "bench_<name>_run (its copy for a run); another name lets two "
                        "people measure at once")
    p.add_argument("--same-address", action="store_true",
                   help="every user from 127.0.0.1, no PROXY protocol: what happens when the "
                        "client's address does not reach the application")
    return p


def measure(argv: list[str]) -> dict:
    """One run with these options (``make bench`` calls this after the page runs); the
    figures with the machine's other load during the run."""
    args = parser().parse_args(argv)
    with serving.ForeignLoad() as foreign:
        result = run(args)
    result.update(foreign_cpu_pct=foreign.share, foreign_top=foreign.top)
    return result


def main(argv: list[str] | None = None) -> dict:
    args = parser().parse_args(argv)
    os.makedirs(args.workdir, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    os.environ["MATCHING_INSTANCE_PATH"] = os.path.join(args.workdir, "instance")
    os.environ.pop("MATCHING_ENV", None)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    result = measure(argv or sys.argv[1:])
    result.update(machine=machine(), postgres_version=postgres_version(args.pg_url),
                  started=stamp)
    path = os.path.join(args.out, f"deadline-{stamp}.json")
    result["json_path"] = path
    with open(path, "w") as fh:
        json.dump(result, fh, indent=1, default=str)
    print("\n".join(report_lines(result)))
    return result


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
