"""Issue 17: the six conditions and their pages before and after a change, compared.

``dump OUT``: the six conditions of every procedure at fourteen instants, with and without
the ratification's audit check (their repr: verdicts, titles, findings and parameters), and
the HTML of every procedure's conditions page (as an observer, as a coordinator for every
seventh) and of the observer overview, in Dutch and English, CSRF tokens masked, into OUT
(JSON). ``diff A B``: every difference between two dumps (none: exit status 0).

    DATABASE_URL=sqlite:////tmp/scale.db .venv/bin/python \
        -m benchmarks.compare_conditions dump before.json
    (the change, then) ... dump after.json;  ... diff before.json after.json
"""

from __future__ import annotations

import difflib
import json
import logging
import os
import re
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from benchmarks.inprocess import client_as, make_app
from benchmarks.pages import discover
from matching.accounts.models import RoleGrant
from matching.accounts.rules import Role
from matching.core.db import db
from matching.oversight.facts_queries import evaluate_procedures
from matching.oversight.kept_conditions import evaluate_overview
from workareas.models import Procedure

_CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*|(value=")[^"]*("[^>]*name="csrf_token")')


def dump(out_path: str) -> None:
    logging.disable(logging.INFO)
    app = make_app(os.environ["DATABASE_URL"])
    targets = discover(app)
    out: dict[str, dict[str, str]] = {"conditions": {}, "html": {}, "overview": {}}
    with app.app_context():
        ids = list(db.session.scalars(select(Procedure.id).order_by(Procedure.id)))
        base = datetime(2026, 1, 1, tzinfo=UTC)
        for now in [base + timedelta(days=d) for d in range(0, 400, 30)]:
            for ratification in (False, True):
                results = evaluate_procedures(None, now, ratification=ratification)
                for pid in ids:
                    out["conditions"][f"{pid}@{now.isoformat()}@{ratification}"] = \
                        repr(results.get(pid))
        out["overview"] = {str(k): repr(v)
                           for k, v in evaluate_overview(datetime.now(UTC)).items()}
        coordinators: dict[int, int] = {}
        for area, uid in db.session.execute(
                select(RoleGrant.work_area_id, RoleGrant.user_id)
                .where(RoleGrant.role == Role.COORDINATOR).order_by(RoleGrant.id)).tuples():
            if area is not None:
                coordinators.setdefault(area, uid)
        area_of = dict(db.session.execute(
            select(Procedure.id, Procedure.work_area_id)).tuples().all())
        db.session.rollback()

    def page(client, path: str, lang: str) -> str:
        r = client.get(path, headers={"Accept-Language": lang})
        html = _CSRF.sub(lambda m: (m.group(1) or m.group(2)) + "MASK", r.get_data(as_text=True))
        return f"{r.status_code}\n{html}"

    observer = client_as(app, targets.accounts["observer"]["id"])
    for lang in ("nl", "en"):
        out["html"][f"overview/{lang}"] = page(observer, "/observatie", lang)
        for pid in ids:
            out["html"][f"conditions/{pid}/{lang}/observer"] = page(
                observer, f"/observatie/procedures/{pid}/voorwaarden", lang)
        for pid in ids[::7]:
            uid = coordinators.get(area_of[pid])
            if uid:
                out["html"][f"conditions/{pid}/{lang}/coordinator"] = page(
                    client_as(app, uid), f"/observatie/procedures/{pid}/voorwaarden", lang)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=0, sort_keys=True)
    print(f"{len(out['conditions'])} evaluations, {len(out['html'])} pages")


def diff(a_path: str, b_path: str) -> int:
    with open(a_path, encoding="utf-8") as fa, open(b_path, encoding="utf-8") as fb:
        a, b = json.load(fa), json.load(fb)
    differences = 0
    for part in a:
        for key in sorted(set(a[part]) | set(b.get(part, {}))):
            before, after = a[part].get(key), b.get(part, {}).get(key)
            if before != after:
                differences += 1
                if differences <= 5:
                    print("DIFFERENT", part, key)
                    print("".join(list(difflib.unified_diff(
                        (before or "").splitlines(True), (after or "").splitlines(True),
                        n=1))[:30]))
    print(f"{differences} differences of {sum(len(v) for v in a.values())}")
    return 1 if differences else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["dump"]:
        dump(sys.argv[2])
    elif sys.argv[1:2] == ["diff"]:
        sys.exit(diff(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
