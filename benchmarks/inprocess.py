"""In-process measurements of ``make bench``: which pages to load and as whom (found in the
data, whatever generated it), SQL statements per page, the median time of a page through
the Flask test client, and where that time goes (pyinstrument)."""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import event, func, select

from juries.models import Jury, JuryMembership
from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from matching.app import create_app
from matching.audit.queries import audit_status
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import ROUND_ENTRY_STATE, CandidacyState
from matching.core.db import db
from matching.oversight.facts_queries import evaluate_procedures
from matching.oversight.report import build_final_report
from workareas.models import Procedure, WorkArea
from workareas.rules import ProcedureState

PROJECT_DIRS = ("matching", "juries", "workareas", "appeals", "templates")


CONDITIONS_RULE = "/observatie/procedures/<int:procedure_id>/voorwaarden"


def make_app(url: str):
    """The application on ``url``, as the test client sees it (CSRF off: the in-process
    client logs in by session, not through the form)."""
    os.environ.setdefault("MATCHING_INSTANCE_PATH", "/tmp/bench/instance")

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}})
    app.logger.disabled = True  # a page that fails is reported by its status, once
    return app


@dataclass
class Page:
    key: str
    label: str
    path: str
    role: str | None  # whose session: None (anonymous), or a key of Targets.accounts
    rows: int | None = None  # what "rows" means for this page, counted in the data
    rows_what: str = ""


@dataclass
class Targets:
    accounts: dict[str, dict] = field(default_factory=dict)  # role -> {id, email}
    pages: list[Page] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)  # page key -> why it is skipped
    board_procedure_id: int | None = None
    board_candidacies: int = 0
    procedure_ids: list[int] = field(default_factory=list)  # the newest of every work area
    totals: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def discover(app) -> Targets:
    """The pages of the benchmark and the accounts that see them, found in the data: the
    round board holding closest to 200 candidacies, its coordinator and a matchmaker of its
    jury; the procedure with closest to 200 candidacies (six-condition page, final report);
    the applicant with the most candidacies; an observer."""

    t = Targets()
    with app.app_context():
        s = db.session
        t.totals = {
            "work_areas": s.scalar(select(func.count(WorkArea.id))),
            "procedures": s.scalar(select(func.count(Procedure.id))),
            "candidacies": s.scalar(select(func.count(Candidacy.id))),
            "users": s.scalar(select(func.count(User.id))),
        }
        per_procedure = s.execute(
            select(Candidacy.procedure_id, func.count(Candidacy.id))
            .where(Candidacy.state != CandidacyState.DRAFT)
            .group_by(Candidacy.procedure_id)).all()
        if per_procedure:
            pid, n = min(per_procedure, key=lambda r: (abs(r[1] - 200), -r[1], r[0]))
            t.board_procedure_id, t.board_candidacies = pid, n
        t.procedure_ids = [pid for (pid,) in s.execute(
            select(func.max(Procedure.id)).group_by(Procedure.work_area_id)
            .order_by(func.max(Procedure.id)))]

        def user_with(role, **scope):
            q = select(User.id, User.email).join(RoleGrant).where(RoleGrant.role == role,
                                                                 User.active.is_(True))
            for k, v in scope.items():
                q = q.where(getattr(RoleGrant, k) == v)
            row = s.execute(q.order_by(User.id).limit(1)).first()
            return {"id": row[0], "email": row[1]} if row else None

        observer = user_with(Role.OBSERVER)
        if observer:
            t.accounts["observer"] = observer
        board = s.get(Procedure, t.board_procedure_id) if t.board_procedure_id else None
        applicant = s.execute(
            select(User.id, User.email, func.count(Candidacy.id))
            .join(RoleGrant, RoleGrant.user_id == User.id)
            .join(Candidacy, Candidacy.organisation_id == RoleGrant.organisation_id)
            .where(RoleGrant.role == Role.APPLICANT)
            .group_by(User.id, User.email).order_by(func.count(Candidacy.id).desc(), User.id)
            .limit(1)).first()
        if applicant:
            t.accounts["applicant"] = {"id": applicant[0], "email": applicant[1]}

        published = s.scalar(select(func.count(Procedure.id))
                             .where(Procedure.state != ProcedureState.DRAFT))
        t.pages.append(Page("ping", "bare route /ping (ceiling)", "/ping", None))
        if "observer" in t.accounts:
            # The floor of every logged-in page: the user's own load and the layout.
            t.pages.append(Page("layout", "reference: logged-in layout only (/mijn-account)",
                                "/mijn-account", "observer"))
        t.pages.append(Page("addenda", "public addenda list", "/addenda", None, published,
                            "published procedures"))
        # The board: the (procedure, round) whose board holds closest to 200 candidacies
        # (a decided procedure's boards are empty).
        boards = s.execute(
            select(Candidacy.procedure_id, Candidacy.state, func.count(Candidacy.id))
            .where(Candidacy.state.in_(list(ROUND_ENTRY_STATE.values())))
            .group_by(Candidacy.procedure_id, Candidacy.state)).all()
        round_of = {state: r for r, state in ROUND_ENTRY_STATE.items()}
        if boards:
            pid, state, n = min(boards, key=lambda r: (abs(r[2] - 200), -r[2], r[0]))
            board_procedure = s.get(Procedure, pid)
            coordinator = user_with(Role.COORDINATOR, work_area_id=board_procedure.work_area_id)
            if coordinator:
                t.accounts["board_coordinator"] = coordinator
                round_no = round_of[state]
                t.pages.append(Page("board", f"coordinator's round board (round {round_no})",
                                    f"/coordinatie/procedures/{pid}/rondes/{round_no}",
                                    "board_coordinator", n, "candidacies on the board"))
        # A matchmaker of the board's jury (else of the 200-candidacy procedure's).
        jury_of = board_procedure.id if boards else (board.id if board is not None else None)
        if jury_of is not None:
            member = s.execute(
                select(User.id, User.email).join(JuryMembership, JuryMembership.user_id == User.id)
                .join(Jury, Jury.id == JuryMembership.jury_id)
                .where(Jury.procedure_id == jury_of).order_by(JuryMembership.id).limit(1)).first()
            if member:
                t.accounts["matchmaker"] = {"id": member[0], "email": member[1]}
        if "matchmaker" in t.accounts:
            uid = t.accounts["matchmaker"]["id"]
            n = s.scalar(select(func.count(Candidacy.id))
                         .join(Jury, Jury.procedure_id == Candidacy.procedure_id)
                         .join(JuryMembership, JuryMembership.jury_id == Jury.id)
                         .where(JuryMembership.user_id == uid,
                                Candidacy.state != CandidacyState.DRAFT))
            t.pages.append(Page("jury", "matchmaker's jury dashboard", "/jury", "matchmaker", n,
                                "candidacies of the matchmaker's juries"))
        if "applicant" in t.accounts:
            t.pages.append(Page("applicant", "applicant dashboard", "/mijn-kandidaturen",
                                "applicant", applicant[2], "candidacies of the organisation"))
        if "observer" in t.accounts:
            t.pages.append(Page("overview", "observer overview (all work areas)", "/observatie",
                                "observer", t.totals["procedures"], "procedures"))
            if any(r.rule == CONDITIONS_RULE for r in app.url_map.iter_rules()):
                if board is not None:
                    t.pages.append(Page("conditions", "six conditions of a work area",
                                        f"/observatie/procedures/{board.id}/voorwaarden",
                                        "observer", t.board_candidacies, "candidacies"))
            else:
                t.missing["conditions"] = ("the six-condition page (/observatie/procedures/<id>/"
                                           "voorwaarden) does not exist yet: skipped")
        for key, role in (("layout", "observer"), ("overview", "observer"),
                          ("conditions", "observer"), ("board", "board_coordinator"),
                          ("jury", "matchmaker"), ("applicant", "applicant")):
            if role not in t.accounts:
                t.missing.setdefault(key, f"no {role} account in the data: page skipped")
        if not any(p.key == "board" for p in t.pages):
            t.missing.setdefault("board", "no candidacy awaits a round: no round board")
        t.notes = list(dict.fromkeys(t.missing.values()))
    return t


# --- the test client ------------------------------------------------------------------------

def client_as(app, user_id: int | None):
    client = app.test_client()
    if user_id is not None:
        with client.session_transaction() as session:
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
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


def page_statements(app, targets: Targets) -> dict[str, dict]:
    """Per page: the SQL statements one GET issues (the user's own load included)."""

    out = {}
    with app.app_context():
        engine = db.engine
    for page in targets.pages:
        client = client_as(app, targets.accounts[page.role]["id"] if page.role else None)
        client.get(page.path)  # warm: the first request may load more (e.g. compiled caches)
        with StatementCounter(engine) as counter:
            response = client.get(page.path)
        out[page.key] = {"statements": counter.count, "status": response.status_code,
                         "rows": page.rows, "rows_what": page.rows_what}
    return out


def time_page(app, targets: Targets, page: Page, repeat: int, budget: float = 5.0) -> dict:
    """Median service time of the page in-process (no HTTP, no server): ``repeat``
    requests, fewer (at least 3) when they take more than ``budget`` seconds."""
    client = client_as(app, targets.accounts[page.role]["id"] if page.role else None)
    client.get(page.path)
    times, cpu = [], []
    began = time.perf_counter()
    for i in range(repeat):
        if i >= 3 and time.perf_counter() - began > budget:
            break
        start, start_cpu = time.perf_counter(), time.thread_time()
        response = client.get(page.path)
        cpu.append(time.thread_time() - start_cpu)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            return {"status": response.status_code, "error": "not 200: not timed"}
    # cpu_ms: this thread's CPU time, which other processes on the machine do not inflate
    # (the database server's own work is not in it: wall time minus cpu is mostly waiting).
    return {"median_ms": round(statistics.median(times) * 1000, 2),
            "cpu_ms": round(statistics.median(cpu) * 1000, 2),
            "min_ms": round(min(times) * 1000, 2), "repeat": len(times)}


_STDLIB = os.path.dirname(os.__file__)


def _category(path: str, function: str) -> str:
    p = path or ""
    if "/templates/" in p or p.endswith(".html") or p.endswith(".xml"):
        return "templates (Jinja)"
    if ("/psycopg" in p or "sqlite3" in p
            or p.startswith("<built-in>") and function.startswith(("Cursor.", "Connection."))):
        return "database driver"
    if "/sqlalchemy/" in p:
        return "SQLAlchemy"
    if "/jinja2/" in p or "/markupsafe/" in p:
        return "templates (Jinja)"
    if any(f"/{name}/" in p for name in ("flask", "werkzeug", "flask_login", "flask_wtf",
                                          "wtforms", "itsdangerous", "flask_sqlalchemy")):
        return "Flask, Werkzeug, WTForms"
    if "/babel/" in p or "/flask_babel/" in p or "gettext" in p:
        return "Babel (i18n)"
    if any(f"/{d}/" in p for d in PROJECT_DIRS):
        return "project code"
    if p.startswith("<") or (p.startswith(_STDLIB) and "site-packages" not in p):
        return "Python built-ins and stdlib"
    return "other libraries"


def _project_key(frame, root: str) -> str | None:
    p = frame.file_path or ""
    if not p.startswith(root):
        return None
    rel = p[len(root):].lstrip("/")
    if rel.startswith("templates/"):
        return rel
    if any(rel.startswith(d + "/") for d in PROJECT_DIRS[:-1]) and "/benchmarks/" not in rel:
        return f"{rel}:{frame.function}"
    return None


def profile_page(app, targets: Targets, page: Page, repeat: int, html_path: str | None = None,
                 budget: float = 4.0) -> dict:
    """Where the time of ``repeat`` requests goes: the share per library (by the innermost
    frame of each sample) and per project function or template (the innermost project
    frame above it)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return {"skipped": "pyinstrument is not installed (make bench installs '.[bench]')"}

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    client = client_as(app, targets.accounts[page.role]["id"] if page.role else None)
    client.get(page.path)
    profiler = Profiler(interval=0.0002)
    began = time.perf_counter()
    profiler.start()
    done = 0
    while done < repeat and (done == 0 or time.perf_counter() - began < budget):
        client.get(page.path)
        done += 1
    profiler.stop()
    repeat = done
    session = profiler.last_session
    tree = session.root_frame()
    by_category: Counter = Counter()
    by_project: dict[str, Counter] = defaultdict(Counter)
    by_self: Counter = Counter()

    def walk(frame, owner):
        key = _project_key(frame, root)
        owner = key or owner
        real = [c for c in frame.children if not c.is_synthetic]
        own = frame.time - sum(c.time for c in real)  # synthetic children: this frame's own time
        if own > 0:
            cat = _category(frame.file_path, frame.function)
            by_category[cat] += own
            by_project[owner or "(outside project code)"][cat] += own
            by_self[f"{os.path.basename(frame.file_path or '?')}:{frame.function}"] += own
        for child in real:
            walk(child, owner)

    if tree is not None:
        walk(tree, None)
    total = sum(by_category.values()) or 1.0
    if html_path:
        with open(html_path, "w") as fh:
            fh.write(profiler.output_html())
    project = sorted(((k, sum(c.values())) for k, c in by_project.items()),
                     key=lambda kv: -kv[1])
    return {
        "requests": repeat,
        "seconds": round(session.duration, 3),
        "by_library": {k: round(v / total * 100, 1) for k, v in by_category.most_common()},
        "by_project_frame": [
            {"frame": k, "share": round(v / total * 100, 1),
             "libraries": {c: round(x / total * 100, 1) for c, x in by_project[k].most_common(3)}}
            for k, v in project[:8]],
        "top_self": [{"function": k, "share": round(v / total * 100, 1)}
                     for k, v in by_self.most_common(8)],
    }


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


def direct_measurements(app, targets: Targets, repeat: int, keys=None) -> dict:
    """The final report of the 200-candidacy procedure, the six conditions of every work
    area, a full audit walk, and the export of everything (through the test client)."""

    now = datetime.now(UTC)
    out: dict[str, dict] = {}
    with app.app_context():
        engine = db.engine
    keys = set(keys) if keys is not None else {"final_report", "conditions_all_areas",
                                                  "export_csv_all", "audit_verify"}
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
        # The whole chain, walked afresh: what ratification pays (pages continue from a checkpoint)
        with app.app_context():
            timing = median_time(lambda: audit_status(full=True), repeat)
            result = timing.pop("_result")
            out["audit_verify"] = dict(timing, events=result.events)
            db.session.rollback()
    if "export_csv_all" in keys and "observer" in targets.accounts:
        client = client_as(app, targets.accounts["observer"]["id"])
        response = client.get("/observatie/export.csv")
        size = len(response.data)
        with StatementCounter(engine) as counter:
            client.get("/observatie/export.csv")
        timing = median_time(lambda: client.get("/observatie/export.csv"), repeat)
        timing.pop("_result")
        out["export_csv_all"] = dict(timing, statements=counter.count, bytes=size,
                                     lines=response.data.count(b"\n"),
                                     status=response.status_code)
    return out
