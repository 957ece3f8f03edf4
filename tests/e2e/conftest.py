"""End-to-end fixtures: the app served on 127.0.0.1 by a real server thread, and Debian's
Chromium driven by Playwright (never a downloaded browser). The real SMTP server is the
``smtp`` fixture of ``tests/conftest.py``.

The tests are skipped, with the reason printed, when /usr/bin/chromium is missing;
``.ci/run`` installs it, so on CI they always run. Screenshots of the main pages go to
``test-artifacts/screenshots/`` (ignored by git) for inspection after ``make test``.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from tests.helpers import free_port

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def chromium_path():
    if not (Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"end-to-end test skipped: no Chromium at {CHROMIUM} "
                    "(apt-get install chromium; .ci/run does)")
    return CHROMIUM


@pytest.fixture(scope="session")
def screenshots():
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def live_server(app, db):
    """Serve ``app`` on a free port in a thread; yields the base URL."""
    from werkzeug.serving import make_server

    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        context = browser.new_context(locale="nl-BE", viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        yield page
        context.close()
        browser.close()
