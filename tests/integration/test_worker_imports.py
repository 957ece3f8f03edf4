"""Issue 17, the worker's memory: creating the application imports only what serving pages
needs. The migrations (Flask-Migrate, Alembic, Mako), the seal's signer (pyHanko), the PDF,
calendar, QR-code, spreadsheet and HTML-parsing libraries, the demo and the scale generator
are imported where they are used (a production worker started at about 123 MB, now about
86 MB). Checked in a fresh interpreter, so that nothing another test imported hides an
import at module level; and the ``flask db`` commands still work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

#: Imported where used, never by create_app().
LAZY = ("flask_migrate", "alembic", "mako", "pygments", "pyhanko", "pyhanko_certvalidator",
        "asn1crypto", "reportlab", "lxml", "icalendar", "segno", "openpyxl", "pypdf",
        "matching.scale", "matching.demo")


def run(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=300, **kwargs)


def environment(tmp_path: Path, mode: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LETTER_SEAL", "MATCHING_", "RATELIMIT"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
               MATCHING_INSTANCE_PATH=str(tmp_path / "instance"), MATCHING_ENV=mode)
    if mode == "production":
        from matching.letters.seal import development_seal

        env.update(SECRET_KEY="k" * 40, AUDIT_KEY="a" * 40, BASE_URL="https://m.example.be",
                   TRUSTED_HOSTS="m.example.be", RATELIMIT_STORAGE_URI="memory://",
                   LETTER_SEAL_PKCS12=development_seal(str(tmp_path / "seal")))
    return env


@pytest.mark.parametrize("mode", ["production", "development"])
def test_creating_the_app_leaves_the_heavy_libraries_unimported(tmp_path, mode):
    script = f"""
import json, sys
from matching.app import create_app
app = create_app()
assert ("letter_seal" in app.extensions) == {mode == "production"!r}
print(json.dumps(sorted({{m for m in sys.modules for lazy in {LAZY!r}
                        if m == lazy or m.startswith(lazy + ".")}})))
"""
    result = run([sys.executable, "-c", script], environment(tmp_path, mode))
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    if mode == "development":  # the demo's second factor (matching.demo.data)
        loaded = [m for m in loaded if not m.startswith("matching.demo")]
    assert loaded == []


def test_the_seal_is_checked_at_start_and_its_signer_made_at_the_first_seal(tmp_path):
    script = """
import sys
from datetime import UTC, datetime
from matching.app import create_app
from matching.letters.seal import seal_pdf
from tests.helpers import sample_pdf
app = create_app()
seal = app.extensions["letter_seal"]
assert "pyhanko" not in sys.modules and len(seal.fingerprint) == 64
seal_pdf(sample_pdf(), seal, at=datetime(2026, 5, 4, 8, 0, tzinfo=UTC), reason="r",
         location="l")
assert "pyhanko" in sys.modules
print("ok")
"""
    result = run([sys.executable, "-c", script], environment(tmp_path, "production"))
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]


def test_the_migration_commands_still_work(tmp_path):
    env = environment(tmp_path, "development")
    flask = [sys.executable, "-m", "flask", "--app", "matching.app"]
    listed = run(flask + ["--help"], env)
    assert listed.returncode == 0 and "Perform database migrations." in listed.stdout
    helped = run(flask + ["db", "--help"], env)
    assert helped.returncode == 0, helped.stderr[-3000:]
    for command in ("upgrade", "downgrade", "current", "heads", "history", "stamp", "check"):
        assert f"  {command}" in helped.stdout
    assert "--directory" in helped.stdout  # the group's own options are Flask-Migrate's
    upgraded = run(flask + ["db", "upgrade"], env)
    assert upgraded.returncode == 0, upgraded.stderr[-3000:]
    heads = run(flask + ["db", "heads"], env)
    current = run(flask + ["db", "current"], env)
    assert heads.returncode == 0 and current.returncode == 0, current.stderr[-3000:]
    head = heads.stdout.split()[0]
    assert f"{head} (head)" in current.stdout
    # the readiness check compares the database with the same heads
    ready = run([sys.executable, "-c", "from matching.app import create_app\n"
                 "print(create_app().test_client().get('/ready').status_code)"], env)
    assert ready.stdout.strip() == "200", ready.stderr[-3000:]


def alembic_heads(directory: Path) -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(directory))
    return set(ScriptDirectory.from_config(config).get_heads())


def test_the_readiness_check_reads_the_heads_as_alembic_does(tmp_path):
    from matching.app import MIGRATIONS_DIR
    from matching.app.web import read_heads

    assert read_heads(MIGRATIONS_DIR / "versions") == alembic_heads(MIGRATIONS_DIR) != set()
    # a branched tree and a merge, with annotated assignments as Alembic writes them
    tree = tmp_path / "migrations"
    (tree / "versions").mkdir(parents=True)
    (tree / "script.py.mako").write_text("")
    files = {"a": "None", "b": "'a'", "c": "'a'", "d": "('b', 'c')", "e": "'d'", "f": "'d'"}
    for name, down in files.items():
        (tree / "versions" / f"{name}.py").write_text(
            f"revision: str = '{name}'\ndown_revision = {down}\nbranch_labels = None\n"
            "depends_on = None\n\ndef upgrade():\n    pass\n\ndef downgrade():\n    pass\n")
    assert read_heads(tree / "versions") == alembic_heads(tree) == {"e", "f"}


def test_the_readiness_check_imports_no_alembic(tmp_path):
    env = environment(tmp_path, "development")
    assert run([sys.executable, "-m", "flask", "--app", "matching.app", "db", "upgrade"],
               env).returncode == 0
    script = """
import sys
from matching.app import create_app
status = create_app().test_client().get('/ready').status_code
print(status, "alembic" in sys.modules, "mako" in sys.modules)
"""
    result = run([sys.executable, "-c", script], env)
    assert result.stdout.strip() == "200 False False", result.stderr[-3000:]
