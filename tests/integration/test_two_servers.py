"""Issue 14, several servers: two application processes (gunicorn, each with its own
instance folder, as two machines behind a load balancer) on one PostgreSQL database.

A file uploaded through one downloads through the other; a change made through one shows
on the other's pages at once; a session started on one is valid on the other (the same
SECRET_KEY, no sticky sessions needed). Before issue 14 the file lay on the first server's
disk and the second answered 404.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import select

from matching.accounts.models import Organisation
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Attachment
from tests.helpers import sample_pdf
from tests.support import TEST_PASSWORD, TEST_TOTP_SECRET, kbo, prepare_sign_in

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"),
                                reason="two servers share a server database: set "
                                       "TEST_DATABASE_URL (PostgreSQL)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(database_url: str, instance: Path, secret: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, MATCHING_INSTANCE_PATH=str(instance),
               SECRET_KEY=secret, MATCHING_ENV="development", LOG_LEVEL="WARNING",
               GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="1", GUNICORN_THREADS="1",
               BASE_URL=f"http://127.0.0.1:{port}")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.stderr.read().decode()[-2000:])
        try:
            with urllib.request.urlopen(base + "/ping", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("the server did not start")


class Browser:
    """A cookie-keeping client that may talk to either server (a load balancer without
    sticky sessions)."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar),
                                                  NoRedirect())

    def request(self, url: str, data: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        try:
            with self.opener.open(urllib.request.Request(url, data=data,
                                                         headers=headers or {}), timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def token(self, url: str) -> str:
        status, body = self.request(url)
        assert status == 200, (url, status)
        return re.search(rb'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', body)\
            .group(1).decode()

    def post(self, url: str, fields: dict, token_from: str | None = None) -> int:
        fields = dict(fields, csrf_token=self.token(token_from or url))
        status, _ = self.request(url, urllib.parse.urlencode(fields).encode())
        return status

    def upload(self, url: str, page: str, name: str, data: bytes) -> int:
        boundary = secrets.token_hex(16)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
                f"{self.token(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
                f"name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
                ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
        status, _ = self.request(url, body, {"Content-Type":
                                             f"multipart/form-data; boundary={boundary}"})
        return status


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_two_servers_on_one_database(app, db, world, backend, tmp_path):
    if backend != "postgresql":
        pytest.skip("two servers share a server database: PostgreSQL only")
    procedure = world.published_procedure()
    org = world.organisation("Buurtwerk De Brug")
    user = world.applicant(org)
    user.set_password(TEST_PASSWORD)
    candidacy = candidacy_ops.start_candidacy(procedure, org, actor=user, now=world.clock.now)
    db.session.commit()
    prepare_sign_in(db, world.admin)  # the password, and the test second factor
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    secret = secrets.token_hex(32)
    servers = [start_server(url, tmp_path / name, secret) for name in ("a", "b")]
    try:
        (_, a), (_, b) = servers
        applicant = Browser()
        assert applicant.post(a + "/aanmelden", {"email": user.email,
                                                 "password": TEST_PASSWORD}) == 302
        page = f"/kandidaturen/{candidacy.id}"
        data = sample_pdf("Geüpload via server A")
        assert applicant.upload(a + page + "/bijlagen", a + page, "referenties.pdf",
                                data) == 302
        db.session.expire_all()
        item = db.session.scalar(select(Attachment))
        # through the other server, with the session started on the first
        status, body = applicant.request(f"{b}/bijlagen/{item.id}")
        assert status == 200 and body == data
        status, body = applicant.request(b + page)
        assert status == 200 and b"referenties.pdf" in body
        # nothing on either server's disk
        assert [p for p in tmp_path.rglob("*") if "uploads" in p.parts and p.is_file()] == []

        admin = Browser()
        assert admin.post(b + "/aanmelden", {"email": world.admin.email,
                                             "password": TEST_PASSWORD}) == 302
        # the second factor, on the other server: the pending session is in the database
        assert admin.post(a + "/aanmelden/code",
                          {"code": pyotp.TOTP(TEST_TOTP_SECRET).now()}) == 302
        before = admin.request(a + "/beheer/organisaties")[1]
        assert b"Werkwinkel vzw" not in before
        assert admin.post(b + "/beheer/organisaties",
                          {"name": "Werkwinkel vzw", "enterprise_number": kbo(500),
                           "legal_form": "vzw", "kind": "OTHER", "email": ""}) == 302
        status, after = admin.request(a + "/beheer/organisaties")
        assert status == 200 and b"Werkwinkel vzw" in after  # at once, on the other server
        assert db.session.scalar(select(Organisation).where(
            Organisation.name == "Werkwinkel vzw")) is not None
    finally:
        for process, _ in servers:
            process.terminate()
        for process, _ in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
