"""The data of ``make bench``: which data sets it measures on, and their databases (SQLite
files and ``bench_*`` PostgreSQL databases, never ``test``), migrated and filled by
``flask --app matching.app scale`` (:mod:`matching.scale`), and reused while the
generators, the migrations and the spec are unchanged."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

from benchmarks.machine import log
from benchmarks.serving import ROOT

BASE_AREAS, BASE_PER_AREA = 60, 100


#: Two data sets per scale. "areas": the scale data set of the issue (60 work areas of 100
#: candidacies) for the pages over everything (public list, observer overview, export, the
#: six conditions of every work area) and the applicant. "board": work areas of 200
#: candidacies (the scale generator makes none at --per-area 100) for the pages of one
#: work area (round board, jury dashboard, six-condition page) and its final report.
#: 10× the data = 10× the work areas, each as large as at 1×: a page of one work area
#: should stay flat, a page over everything may grow linearly.
#: Per data set: its spec, the pages loaded on it, the figures measured directly on it.
DATASETS = {
    "areas": ({"areas": BASE_AREAS, "per_area": BASE_PER_AREA, "seed": 1},
              ("ping", "layout", "addenda", "addenda_304", "addendum", "addendum_304",
               "applicant", "overview"),
              ("conditions_all_areas", "export_csv_all", "audit_verify")),
    "board": ({"areas": 6, "per_area": 200, "seed": 1},
              ("ping", "board", "jury", "conditions"),
              ("final_report",)),
}


#: The statements per page at 5 and at 200 rows (:func:`benchmarks.measure.statement_rows`).
ROW_SETS = {
    "rows5": {"areas": 5, "per_area": 5, "seed": 1},  # 5 of everything
    "rows200_areas": {"areas": 200, "per_area": 5, "seed": 1},  # 200 work areas
    # 200 candidacies in a work area: the 1× "board" data set
}


def spec_for(dataset: str, scale: int) -> dict:
    spec = dict(DATASETS[dataset][0])
    spec["areas"] *= scale
    return spec


#: What the generated data depends on: the generator packages (``flask scale`` reuses the
#: demo's texts and password) and the migrations.
GENERATOR_DIRS = ("matching/scale", "matching/demo", "matching/migrations/versions")


FLASK = [os.path.join(os.path.dirname(sys.executable), "flask"), "--app", "matching.app"]


def code_fingerprint() -> str:
    """A hash of every .py file in :data:`GENERATOR_DIRS` (path and content)."""
    h = hashlib.sha256()
    for folder in GENERATOR_DIRS:
        for here, dirs, names in os.walk(os.path.join(ROOT, folder)):
            dirs.sort()
            for name in sorted(n for n in names if n.endswith(".py")):
                path = os.path.join(here, name)
                h.update(os.path.relpath(path, ROOT).encode())
                with open(path, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()[:16]


class Databases:
    def __init__(self, workdir: str, pg_admin_url: str | None, fresh: bool):
        self.workdir, self.pg_admin_url, self.fresh = workdir, pg_admin_url, fresh
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
        wanted = dict(spec, fingerprint=self.fingerprint)
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
        start = time.perf_counter()
        subprocess.run(FLASK + ["db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        command = ["scale", "--areas", str(spec["areas"]), "--per-area", str(spec["per_area"]),
                   "--seed", str(spec.get("seed", 1))]
        log(f"{backend} {name}: generating ({' '.join(command)})")
        out = subprocess.run(FLASK + command, cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed on {backend}:\n{out.stderr[-2000:]}")
        made = dict(wanted, seconds=round(time.perf_counter() - start, 1),
                    command=" ".join(command), output=out.stdout.strip()[-1500:])
        with open(marker, "w") as fh:
            json.dump(made, fh, indent=1)
        log(f"{backend} {name}: generated in {made['seconds']} s")
        return url, dict(made, reused=False)
