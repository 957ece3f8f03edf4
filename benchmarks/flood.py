"""The public addenda list while another client floods the sign-in form (issue 11).

    .venv/bin/python -m benchmarks.flood            # ~30 s: the demo on SQLite, 8 s per phase
    .venv/bin/python -m benchmarks.flood --seconds 5 --database postgresql://…

The application runs as in production (gunicorn with ``gunicorn.conf.py``, one worker on
core 0, CSRF on, the rate limits of :mod:`matching.core.limits`). A closed-loop client
(4 connections) reads ``/addenda`` alone, then again while a second client floods
``POST /aanmelden`` (4 connections by default, a valid CSRF token, wrong passwords for
changing addresses, as fast as the server answers), measured once the flood's limit holds
(its first 20 attempts of a minute are hashed; the moving window lets one more through as
each leaves it; the refused ones are answered by ``FloodGuard`` before Flask). The figure
is the ratio of the throughput during the flood to the mean of the throughputs alone
before and after it (the machine is shared). Before issue 11 every flooded POST cost a
scrypt hash and the ratio was 0.005; it should stay above 0.8.
Prints one JSON line and writes it to ``bench-results/flood-<time>.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlencode

from benchmarks import serving
from benchmarks.loadgen import closed_loop

#: After the flood the guard's mark is left to expire (it answers POSTs only, but the
#: measurement after should see the server as before).
GUARD_SECONDS_WAIT = 2

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST = serving.HOST


def load_demo(url: str, instance: str) -> None:
    env = dict(os.environ, DATABASE_URL=url, MATCHING_INSTANCE_PATH=instance,
               LOG_LEVEL="WARNING")
    flask = [sys.executable, "-m", "flask", "--app", "matching.app"]
    for args in (["db", "upgrade"], ["demo", "--if-empty"]):
        subprocess.run(flask + args, cwd=ROOT, env=env, check=True, capture_output=True)


def flood_requests(port: int, count: int) -> list[bytes]:
    """Sign-in POSTs as a browser sends them (the form's CSRF token and cookie), each with
    another address: an attacker trying many accounts from one client."""
    import http.client

    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/aanmelden")
    response = conn.getresponse()
    page_text = response.read().decode()
    cookie = serving._session_cookie(response) or ""
    conn.close()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_text)
    if token is None:
        raise RuntimeError("no CSRF token on the login form")
    raws = []
    for n in range(count):
        body = urlencode({"csrf_token": token.group(1), "email": f"poging{n}@example.be",
                          "password": f"geraden-{n}"}).encode()
        raws.append(
            f"POST /aanmelden HTTP/1.1\r\nHost: {HOST}:{port}\r\nUser-Agent: flood\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nCookie: {cookie}\r\n"
            f"Referer: http://{HOST}:{port}/aanmelden\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return raws


async def flood(port: int, raws: list[bytes], connections: int, duration: float) -> dict:
    """Like ``closed_loop``, the next address on every request."""
    from benchmarks.loadgen import Connection, summarise

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    start = time.perf_counter()
    stop = start + duration
    counter = 0

    async def worker():
        nonlocal errors, counter
        conn = Connection(HOST, port)
        while (now := time.perf_counter()) < stop:
            raw = raws[counter % len(raws)]
            counter += 1
            try:
                status, _ = await conn.request(raw)
            except Exception:
                errors += 1
                conn.close()
                conn = Connection(HOST, port)
                continue
            latencies.append(time.perf_counter() - now)
            statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return summarise(latencies, statuses, errors, time.perf_counter() - start, mode="flood",
                     connections=connections)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--flood-connections", type=int, default=4)
    parser.add_argument("--database", default=None, help="default: a fresh SQLite demo")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="bench-flood-")
    instance = os.path.join(workdir, "instance")
    url = args.database or f"sqlite:///{workdir}/flood.db"
    load_demo(url, instance)
    if serving.two_cores():  # the clients on the other core than the server
        os.sched_setaffinity(0, {1})
    with serving.Server(url, instance, None, os.path.join(workdir, "gunicorn.log")) as server:
        raw = (f"GET /addenda HTTP/1.1\r\nHost: {HOST}:{server.port}\r\n"
               "User-Agent: bench\r\n\r\n").encode()
        alone = asyncio.run(closed_loop(HOST, server.port, raw, args.connections,
                                        args.seconds, 1.0))
        raws = flood_requests(server.port, 5000)
        # The flood starts: the first attempts of a minute are let through (each a hash;
        # see the README's table), then every further one is refused before any hash.
        # The measurement is of the flood as it goes on, once the limit holds.
        started = time.monotonic()
        warmup = asyncio.run(flood(server.port, raws, args.flood_connections, 0))
        while time.monotonic() - started < 120:
            warmup = asyncio.run(flood(server.port, raws, args.flood_connections, 1.0))
            if "429" in warmup["statuses"]:
                break
        engaged_after = round(time.monotonic() - started, 1)

        async def both():
            return await asyncio.gather(
                closed_loop(HOST, server.port, raw, args.connections, args.seconds, 1.0),
                flood(server.port, raws, args.flood_connections, args.seconds + 1.0))

        during, flooding = asyncio.run(both())
        time.sleep(GUARD_SECONDS_WAIT)  # the flood's mark expires: alone again, after
        after = asyncio.run(closed_loop(HOST, server.port, raw, args.connections,
                                        args.seconds, 1.0))
    baseline = (alone["rps"] + after["rps"]) / 2  # before and after: drift on a shared machine
    result = {"addenda_alone_rps": [alone["rps"], after["rps"]],
              "addenda_during_flood_rps": during["rps"],
              "ratio": round(during["rps"] / baseline, 3) if baseline else None,
              "flood_rps": flooding["rps"], "flood_statuses": flooding["statuses"],
              "addenda_statuses": during["statuses"], "alone_p95_ms": alone["p95_ms"],
              "during_p95_ms": during["p95_ms"], "seconds": args.seconds,
              "limit_engaged_after_s": engaged_after,
              "database": url.split(":", 1)[0]}
    os.makedirs(os.path.join(ROOT, "bench-results"), exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(os.path.join(ROOT, "bench-results", f"flood-{stamp}.json"), "w") as out:
        json.dump(result, out, indent=2)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
