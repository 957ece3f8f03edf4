"""A quick in-process look at the benchmark's pages (issue 17), without a server: per page
the minimum CPU time of the worker thread over a number of requests through the Flask test
client, as a ratio to ``/ping`` measured in the same process, and the SQL statements of one
request. On a shared machine the absolute times vary; the ratios of one run are what to
compare (run it before and after a change, one right after the other).

    DATABASE_URL=sqlite:////tmp/scale.db .venv/bin/python -m benchmarks.pagetimes [page keys…]
"""

from __future__ import annotations

import logging
import os
import sys
import time

from benchmarks.inprocess import StatementCounter, client_as, make_app
from benchmarks.pages import discover
from matching.core.db import db


def main(argv: list[str]) -> None:
    logging.disable(logging.INFO)
    url = os.environ.get("DATABASE_URL", "sqlite:////tmp/bench/scale.db")
    repeat = int(os.environ.get("REPEAT", "30"))
    app = make_app(url)
    targets = discover(app)
    with app.app_context():
        engine = db.engine
    ping = None
    for page in targets.pages:
        if argv and page.key not in argv and page.key != "ping":
            continue
        client = client_as(app, targets.accounts[page.role]["id"] if page.role else None)
        response = client.get(page.path)
        if response.status_code != 200:
            print(f"{page.key:11s} answered {response.status_code}: not timed")
            continue
        with StatementCounter(engine) as counter:
            client.get(page.path)
        times, began = [], time.perf_counter()
        for i in range(repeat if page.key != "ping" else 10 * repeat):
            if i > 5 and time.perf_counter() - began > 6:
                break
            start = time.thread_time()
            client.get(page.path)
            times.append(time.thread_time() - start)
        ms = min(times) * 1000
        ping = ping or ms
        print(f"{page.key:11s} {ms:8.2f} ms  × /ping {ping / ms:6.3f}  SQL {counter.count:3d}  "
              f"{len(response.data) // 1024:4d} kB  {page.rows_what or ''} {page.rows or ''}")


if __name__ == "__main__":
    main(sys.argv[1:])
