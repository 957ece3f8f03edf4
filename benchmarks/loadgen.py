"""A small HTTP/1.1 load generator (asyncio, keep-alive), for what Debian's ``wrk`` cannot do.

Two modes, one JSON line on standard output:

``--mode open --rate R``
    Requests are *scheduled* at a fixed rate (R per second, evenly spaced), whether or
    not earlier ones have been answered (an open loop, like wrk2, which Debian does not
    ship). Latency is counted from the scheduled moment, not from the moment the client
    got round to sending, so a server that falls behind shows it in the percentiles
    (no "coordinated omission"). A request waits for a free connection; up to
    ``--max-connections`` are opened.

``--mode closed --connections C``
    C connections, each sends its next request when the previous one was answered (what
    wrk does): the fallback when wrk is missing.

``--cpu N`` pins this process to core N, so that it does not compete with the server.

Only for servers on this machine (127.0.0.1): every run is bounded by ``--duration``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from urllib.parse import urlsplit


class Connection:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(self, raw: bytes) -> tuple[int, int]:
        """Send one request; return (status, body bytes). Reconnects once when the
        server had closed the idle connection."""
        for attempt in (1, 2):
            if self.writer is None:
                await self.open()
            try:
                self.writer.write(raw)
                head = await self.reader.readuntil(b"\r\n\r\n")
                break
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if attempt == 2:
                    raise
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        size = 0
        if "content-length" in headers:
            size = int(headers["content-length"])
            await self.reader.readexactly(size)
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                chunk = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(chunk + 2)
                size += chunk
                if chunk == 0:
                    break
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, size


def summarise(latencies: list[float], statuses: dict[int, int], errors: int, elapsed: float,
              **extra) -> dict:
    latencies.sort()

    def pct(p: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]

    ok = sum(n for s, n in statuses.items() if 200 <= s < 400)
    return dict(requests=len(latencies), ok=ok, statuses={str(k): v for k, v in statuses.items()},
                errors=errors, seconds=round(elapsed, 3),
                rps=round(len(latencies) / elapsed, 1) if elapsed else 0.0,
                p50_ms=round(pct(50) * 1000, 2), p90_ms=round(pct(90) * 1000, 2),
                p95_ms=round(pct(95) * 1000, 2), p99_ms=round(pct(99) * 1000, 2),
                max_ms=round(latencies[-1] * 1000, 2) if latencies else float("nan"),
                mean_ms=round(statistics.fmean(latencies) * 1000, 2) if latencies else float("nan"),
                **extra)


async def closed_loop(host, port, raw, connections: int, duration: float, warmup: float) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + duration

    async def worker():
        nonlocal errors
        conn = Connection(host, port)
        while (now := time.perf_counter()) < stop:
            try:
                status, _ = await conn.request(raw)
            except Exception:
                errors += 1
                conn.close()
                continue
            done = time.perf_counter()
            if now >= measure_from:
                latencies.append(done - now)
                statuses[status] = statuses.get(status, 0) + 1
        conn.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return summarise(latencies, statuses, errors, time.perf_counter() - measure_from,
                     mode="closed", connections=connections)


async def open_loop(host, port, raw, rate: float, duration: float, warmup: float,
                    max_connections: int) -> dict:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    late_sends = 0
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    opened = 0
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + duration
    interval = 1.0 / rate
    tasks: set[asyncio.Task] = set()

    async def one(scheduled: float):
        nonlocal errors, opened
        if idle.empty() and opened < max_connections:
            opened += 1
            conn = Connection(host, port)
        else:
            conn = await idle.get()
        try:
            status, _ = await conn.request(raw)
        except Exception:
            errors += 1
            conn.close()
            idle.put_nowait(conn)
            return
        done = time.perf_counter()
        idle.put_nowait(conn)
        if scheduled >= measure_from:
            latencies.append(done - scheduled)
            statuses[status] = statuses.get(status, 0) + 1

    i = 0
    while True:
        scheduled = start + i * interval
        if scheduled >= stop:
            break
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        elif delay < -0.005:
            late_sends += 1  # the client itself fell behind its schedule
        task = asyncio.create_task(one(scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        i += 1
    sent_in_window = sum(1 for k in range(i) if start + k * interval >= measure_from)
    # Wait for the answers still under way (bounded: a stuck server ends the run).
    if tasks:
        await asyncio.wait(tasks, timeout=max(10.0, duration))
    for task in tasks:
        task.cancel()
    elapsed = duration
    while not idle.empty():
        idle.get_nowait().close()
    return summarise(latencies, statuses, errors, elapsed, mode="open", target_rate=rate,
                     scheduled=sent_in_window, late_sends=late_sends,
                     connections_opened=opened,
                     unanswered=max(0, sent_in_window - len(latencies) - errors))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--mode", choices=("open", "closed"), default="closed")
    parser.add_argument("--rate", type=float, help="requests per second (open mode)")
    parser.add_argument("--connections", type=int, default=4, help="closed mode")
    parser.add_argument("--max-connections", type=int, default=64, help="open mode")
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured")
    parser.add_argument("--cookie", default="")
    parser.add_argument("--header", action="append", default=[],
                        help="another request header, 'Name: value' (e.g. If-None-Match)")
    parser.add_argument("--cpu", type=int, help="pin this process to this core")
    args = parser.parse_args(argv)
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    url = urlsplit(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        parser.error("only servers on this machine (127.0.0.1) are load-tested")
    path = url.path + (f"?{url.query}" if url.query else "")
    port = url.port or 80
    raw = (f"GET {path} HTTP/1.1\r\nHost: {url.hostname}:{port}\r\nUser-Agent: bench-loadgen\r\n"
           + (f"Cookie: {args.cookie}\r\n" if args.cookie else "")
           + "".join(f"{header}\r\n" for header in args.header)
           + "Connection: keep-alive\r\n\r\n").encode("latin-1")
    if args.mode == "open":
        if not args.rate or args.rate <= 0:
            parser.error("--rate is required in open mode")
        result = asyncio.run(open_loop(url.hostname, port, raw, args.rate, args.duration,
                                       args.warmup, args.max_connections))
    else:
        result = asyncio.run(closed_loop(url.hostname, port, raw, args.connections,
                                         args.duration, args.warmup))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
