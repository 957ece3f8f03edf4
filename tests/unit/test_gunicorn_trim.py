"""Issue 17, a worker's memory: after a POST the worker gives the C library's free memory
back (``malloc_trim(0)`` in ``gunicorn.conf.py``'s ``post_request``), not after a GET."""

from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_trims_the_heap_after_a_post_and_not_after_a_get():
    config = runpy.run_path(str(CONFIG))
    post_request = config["post_request"]
    found = config["_malloc_trim"]()
    assert found is not None  # glibc, as in production (Linux)
    calls: list[int] = []
    post_request.__globals__["_trim"] = calls.append
    post_request(None, SimpleNamespace(method="GET"), {}, None)
    assert calls == []
    post_request(None, SimpleNamespace(method="POST"), {}, None)
    assert calls == [0]
    post_request.__globals__["_trim"] = None  # before post_worker_init: nothing happens
    post_request(None, SimpleNamespace(method="POST"), {}, None)
    assert calls == [0]
