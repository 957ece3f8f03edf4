"""Where a page's time goes in ``make bench``: pyinstrument samples of the page's requests
through the Flask test client, by library (the innermost frame of each sample) and by our
function or template (the innermost project frame above it)."""

from __future__ import annotations

import os
import time
from collections import Counter, defaultdict

from benchmarks.inprocess import client_as, validator_headers
from benchmarks.pages import Page, Targets
from benchmarks.serving import ROOT

PROJECT_DIRS = ("matching", "juries", "workareas", "appeals", "templates")


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
    if any(rel.startswith(d + "/") for d in PROJECT_DIRS[:-1]):
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

    client = client_as(app, targets.accounts[page.role]["id"] if page.role else None)
    client.get(page.path)
    headers = validator_headers(client, page)
    profiler = Profiler(interval=0.0002)
    began = time.perf_counter()
    profiler.start()
    done = 0
    while done < repeat and (done == 0 or time.perf_counter() - began < budget):
        client.get(page.path, headers=headers)
        done += 1
    profiler.stop()
    repeat = done
    session = profiler.last_session
    tree = session.root_frame()
    by_category: Counter = Counter()
    by_project: dict[str, Counter] = defaultdict(Counter)
    by_self: Counter = Counter()

    def walk(frame, owner):
        key = _project_key(frame, ROOT)
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
