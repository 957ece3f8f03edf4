"""The application installs the way a server installs it: a wheel, built from this tree
without warnings, installed into a fresh virtual environment and run from another folder,
migrates an empty database, loads the demo and serves every role's pages with their
templates, styles, translations and letters.

Slow (a virtual environment and the demo's passwords): about a minute. The dependencies
come from the package index, as on a server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: Run inside the installed application: every role's start page and more, in Dutch and
#: in English, the stylesheet, and an applicant's letter as PDF.
SMOKE = textwrap.dedent('''
    import json, re, sys
    from pathlib import Path

    import matching
    from matching.app import create_app
    import pyotp
    from matching.demo.data import PASSWORD, TOTP_SECRET, email

    app = create_app({"WTF_CSRF_ENABLED": False})  # the test client posts no token
    report = {"package": matching.__file__, "templates": app.template_folder,
              "static": app.static_folder, "pages": {}}
    client = app.test_client()

    def get(path):
        response = client.get(path)
        report["pages"][path] = response.status_code
        return response

    assert get("/addenda").status_code == 200
    css = get("/static/site.css")
    report["css"] = len(css.data)
    people = {"admin": ["/beheer/organisaties", "/beheer/accounts", "/beheer/uitnodigingen"],
              "katrien.dewulf": ["/observatie"],
              "lieselot.vanhoutte": ["/coordinatie"],
              "annelies.verhaeghe": ["/jury"],
              "karel.claes": ["/weerwoorden"],
              "stijn.vandenberghe": ["/mijn-kandidaturen"]}
    for person, pages in people.items():
        login = client.post("/aanmelden", data={"email": email(person), "password": PASSWORD})
        assert login.status_code == 302, (person, login.status_code)
        if login.headers["Location"].endswith("/aanmelden/code"):  # the demo's second factor
            login = client.post("/aanmelden/code",
                                data={"code": pyotp.TOTP(TOTP_SECRET).now()})
            assert login.status_code == 302, (person, "second factor", login.status_code)
        for path in pages:
            html = get(path).get_data(as_text=True)
            for link in re.findall(r'href="(/[^"#?]*)"', html):
                if not link.startswith(("/static", "/afmelden")) and link not in report["pages"]:
                    get(link)
        client.post("/afmelden")
    client.post("/aanmelden", data={"email": email("stijn.vandenberghe"), "password": PASSWORD})
    client.post("/taal", data={"lang": "en", "next": "/mijn-kandidaturen"})
    report["english"] = "My candidacies" in get("/mijn-kandidaturen").get_data(as_text=True)
    page = get("/mijn-kandidaturen").get_data(as_text=True)
    candidacy = re.search(r'href="(/kandidaturen/[0-9]+)"', page).group(1)
    letter = re.search(r'href="(/brieven/[0-9]+\\.pdf)"', get(candidacy).get_data(as_text=True))
    pdf = get(letter.group(1)).data if letter else b""
    report["letter_pdf"] = pdf[:5].decode()
    Path("letter.pdf").write_bytes(pdf)
    print(json.dumps(report))
''')


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, (cmd, result.stdout[-3000:], result.stderr[-3000:])
    return result


@pytest.mark.slow
def test_the_wheel_installs_and_serves_every_page(tmp_path):
    dist = tmp_path / "dist"
    build = run([sys.executable, "-m", "hatchling", "build", "--target", "wheel",
                 "--directory", str(dist)], cwd=PROJECT_ROOT)
    assert "warning" not in (build.stdout + build.stderr).lower(), build.stdout + build.stderr
    (wheel,) = dist.glob("*.whl")

    target = tmp_path / "venv"
    venv.create(target, with_pip=True)
    python = str(target / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", str(wheel)])

    elsewhere = tmp_path / "server"
    elsewhere.mkdir()
    env = {"PATH": f"{target / 'bin'}:{os.environ.get('PATH', '')}",
           "HOME": str(tmp_path), "MATCHING_ENV": "development",
           "MATCHING_INSTANCE_PATH": str(elsewhere / "instance"),
           "DATABASE_URL": f"sqlite:///{elsewhere / 'matching.db'}"}
    flask = [str(target / "bin" / "flask"), "--app", "matching.app"]
    run(flask + ["db", "upgrade"], cwd=elsewhere, env=env)
    demo = run(flask + ["demo"], cwd=elsewhere, env=env)
    assert "Demo geladen" in demo.stdout
    # the mail worker renders and seals the letters' PDFs with the fonts inside the package
    sent = run(flask + ["outbox", "send", "--limit", "1000"], cwd=elsewhere, env=env)
    assert "mislukt: 0" in sent.stdout, sent.stdout
    smoke = run([python, "-c", SMOKE], cwd=elsewhere, env=env)
    report = __import__("json").loads(smoke.stdout.strip().splitlines()[-1])

    installed = str(target)
    assert report["package"].startswith(installed), report["package"]
    assert report["templates"].startswith(installed) and report["static"].startswith(installed)
    assert report["css"] > 0
    assert {path: code for path, code in report["pages"].items() if code != 200} == {}
    assert len(report["pages"]) > 20
    assert report["english"] is True
    assert report["letter_pdf"] == "%PDF-"
    verified = run(flask + ["letters", "verify", "letter.pdf"], cwd=elsewhere, env=env)
    assert "Geldig: een ongewijzigde brief van dit systeem." in verified.stdout
