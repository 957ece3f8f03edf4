"""A quick in-process look at the benchmark's pages (issue 17), without a server: per page
the minimum CPU time of the worker thread over a number of requests through the Flask test
client, as a ratio to ``/ping`` measured in the same process, and the SQL statements of one
request (through SQLAlchemy: the public 304 answered before Flask reads on a bare cursor and
shows 0). A revalidated page (``addenda_304``, ``addendum_304``) is asked with the validator
of its first answer, as a browser does. On a shared machine the absolute times vary; the
ratios of one run are what to compare (run it before and after a change, one right after
the other).

    DATABASE_URL=sqlite:////tmp/scale.db .venv/bin/python -m benchmarks.pagetimes [page keys…]
"""

from __future__ import annotations

import logging
import os
import sys
import time

from benchmarks.inprocess import StatementCounter, client_as, make_app, validator_headers
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
        # a revalidated page (issue 17): asked again with its validator, answered 304
        headers = validator_headers(client, page)
        response = client.get(page.path, headers=headers)
        if response.status_code != page.expect:
            print(f"{page.key:11s} answered {response.status_code}: not timed")
            continue
        with StatementCounter(engine) as counter:
            client.get(page.path, headers=headers)
        times, began = [], time.perf_counter()
        for i in range(repeat if page.key != "ping" else 10 * repeat):
            if i > 5 and time.perf_counter() - began > 6:
                break
            start = time.thread_time()
            client.get(page.path, headers=headers)
            times.append(time.thread_time() - start)
        ms = min(times) * 1000
        ping = ping or ms
        print(f"{page.key:11s} {ms:8.2f} ms  × /ping {ping / ms:6.3f}  SQL {counter.count:3d}  "
              f"{len(response.data) // 1024:4d} kB  {page.rows_what or ''} {page.rows or ''}")


if __name__ == "__main__":
    main(sys.argv[1:])
