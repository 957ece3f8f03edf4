"""Gunicorn, the production server: ``gunicorn`` (run in the repository root, it reads
this file) serves ``matching.app:create_app()``.

Set ``MATCHING_ENV=production``, ``SECRET_KEY`` (32+ characters) and ``DATABASE_URL`` first
(see README, Configuration). Everything below can be overridden by the environment:

| variable | meaning | default |
|---|---|---|
| ``GUNICORN_BIND`` | address to listen on | ``127.0.0.1:8000`` (put a reverse proxy in front) |
| ``GUNICORN_WORKERS`` | worker processes | ``2 × cores + 1`` |
| ``GUNICORN_THREADS`` | threads per worker (``gthread``: keep-alive, one slow client does not block the worker) | ``2`` |
| ``GUNICORN_ACCESSLOG`` | access log (``-`` is standard output) | off |
| ``GUNICORN_TIMEOUT`` | seconds before a silent worker is restarted | ``30`` |
| ``GUNICORN_GC_THRESHOLD`` | allocations before a young-generation garbage collection, per worker | ``7000`` |
| ``PASSWORD_HASHING`` | ``process``: one process computes every worker's password hashes; ``workers``: each worker its own | ``process`` |

``make bench`` uses this file with one worker pinned to one core and the load generator on
the other (``benchmarks/bench.py``).
"""

import multiprocessing
import os

wsgi_app = "matching.app:create_app()"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gthread"
# Two threads: every login checks a scrypt hash (werkzeug's n=2**15, r=8: 32 MiB each),
# computed not in the worker but in the one password hashing process the master runs for
# all the workers (on_starting below, matching.accounts.hashing), one at a time; with
# PASSWORD_HASHING=workers, or while that process is unreachable, a worker computes one at
# a time itself (matching.accounts.passwords), so its peak grows by 32 MiB whatever the
# number of threads. Deadline day at 1x with the hashing process (1 December 2026, issue
# 17): workers' peaks 119.2-122.1 MB against 151.7-153.8 MB with PASSWORD_HASHING=workers;
# the hashing process itself 57.8 MB at its peak, 26 MB at rest. Measured (30 November 2026, issue 17): a worker starts at
# about 83 MB and peaked at 139-151 MB under sign-ins, uploads and submissions (before the
# libraries were imported where used and the hashes taken in turn: 120 MB and 190-214 MB).
# The pages are CPU-bound under the GIL: more threads add no throughput. MALLOC_ARENA_MAX=2
# in the environment made no measurable difference; neither did mallopt (one arena, a fixed
# 128 KiB mmap/trim threshold) set in post_worker_init: the worker's memory is live objects
# and libraries, not fragmentation. Its peak is the 32 MiB of a scrypt on top of what the
# worker holds by then: the application, then pypdf (first upload), lxml (first letter's
# text), the caches of the pages. Babel's locale data (4.4 MB) is no longer among them
# (matching.letters.render writes the days). Deadline day at 1x (1 December 2026): peak
# 159.7-162.0 MB before that, 157.4-159.6 MB after, 154.6-156.6 MB with the heap trimmed
# after every POST (post_request below; one worker replayed alone: 3-3.5 MB less at the end
# and at the peak, 0.13-0.16 ms of CPU a trim).
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
keepalive = 5
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
backlog = 2048
# Load the application in every worker after the fork: each worker opens its own database
# connections (a pool shared across a fork would hand one socket to two processes).
preload_app = False
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# The request line and headers stay small (no huge cookies or URLs).
limit_request_line = 4094
limit_request_fields = 100
# Behind a reverse proxy on the same host: trust its X-Forwarded-* headers only from there.
# The client's address (for the rate limits) comes from PROXY_HOPS (the application's
# ProxyFix, README "Configuration"), not from this setting.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "lokale-partnerschappen"
# No control socket in the home folder (gunicorn 25.1+): several servers (tests, the
# benchmark) may run side by side, and nothing here uses gunicornc.
control_socket_disable = True


#: The password hashing process (matching.accounts.hashing), once on_starting ran.
_hashing = None


def on_starting(server):
    """Before the workers: the master starts the one process that computes the workers'
    password hashes (scrypt, 32 MiB each, one at a time: not in the workers' memory),
    listening on ``instance/password-hashing.sock`` (0600). The workers inherit its address
    and this start's key in their environment. ``PASSWORD_HASHING=workers`` keeps the hashes
    in the workers (one at a time per worker), as without this process."""
    global _hashing
    if os.environ.get("PASSWORD_HASHING", "process") == "workers":
        return
    from matching.accounts.hashing import HashingProcess

    _hashing = HashingProcess.for_instance(server.log)
    if _hashing is not None:
        os.environ.update(_hashing.environment())
        _hashing.start()


def when_ready(server):
    """The master restarts the hashing process if it exits: checked on every turn of its
    main loop (at least once a second), where it keeps the number of workers; meanwhile the
    workers hash in process (matching.accounts.hashing)."""
    if _hashing is None:
        return
    manage_workers = server.manage_workers

    def manage_workers_and_hashing():
        manage_workers()
        _hashing.keep_running()

    server.manage_workers = manage_workers_and_hashing


def on_exit(server):
    """The hashing process stops with the master (and removes its socket)."""
    if _hashing is not None:
        _hashing.stop()


def post_worker_init(worker):
    """Garbage collection for a worker that builds many ORM objects per request.

    The application's own objects (modules, templates, mappers) are frozen: full
    collections no longer walk them. The young generation is collected after
    GC_THRESHOLD allocations instead of Python's 700: a page of a few thousand ORM objects
    otherwise triggers many collections whose cost grows with the objects the page is
    building. Measured in process (make bench, 600 published procedures on /addenda):
    175 ms → 101 ms a request; pages of a few hundred objects change by less than 5 %.
    """
    import gc

    global _trim
    gc.collect()
    gc.freeze()
    gc.set_threshold(int(os.environ.get("GUNICORN_GC_THRESHOLD", "7000")), 10, 10)
    _trim = _malloc_trim()


#: glibc's malloc_trim, once post_worker_init found it (None elsewhere: nothing is trimmed).
_trim = None


def _malloc_trim():
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS)
        return None


def post_request(worker, req, environ, resp):
    """After a POST (a sign-in, a save, an upload, a submission: each 100 ms or more), the
    memory the C library keeps free goes back to the system (``malloc_trim(0)``), so that
    the next request's peak, a sign-in's 32 MiB scrypt above all, starts lower. Measured
    with one worker replaying the deadline day (issue 17): 3-3.5 MB less at the end and at
    the peak, 0.13-0.16 ms of CPU (0.3 ms wall) a call; mallopt settings (one arena, fixed
    thresholds) changed nothing. Not after a GET: a page would pay for it (``/ping`` costs
    0.35 ms) and the pages' memory is mostly kept (templates, statements, caches)."""
    if _trim is not None and req.method == "POST":
        _trim(0)
