"""The rule modules are pure: importing them pulls in neither Flask nor SQLAlchemy.

Runs in a fresh interpreter so that modules imported by other tests (or a conftest)
cannot hide an import. The packages' __init__.py files are imported too: if one of
them starts importing Flask, this test fails on purpose.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

PURE_MODULES = [
    "matching.rules",
    "matching.statemachine",
    "matching.candidacy_rules",
    "matching.errors",
    "juries.rules",
    "workareas.rules",
    "appeals.rules",
    "matching.audit_chain",
    "matching.conditions",
]

SCRIPT = f"""
import importlib, json, sys
for name in {PURE_MODULES!r}:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules
                if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy', 'werkzeug'))
print(json.dumps({{"loaded": loaded,
                  "files": {{n: sys.modules[n].__file__ for n in {PURE_MODULES!r}}}}}))
"""


def test_rule_modules_import_without_flask_or_sqlalchemy():
    assert (PROJECT_ROOT / "pyproject.toml").is_file()
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["loaded"] == [], f"pure rule modules imported: {report['loaded']}"
    assert "flask" not in report["loaded"]
    assert "sqlalchemy" not in report["loaded"]
    # The modules checked are this project's, not an installed copy elsewhere.
    for name, path in report["files"].items():
        assert Path(path).resolve().is_relative_to(PROJECT_ROOT), (name, path)


def test_purity_check_detects_flask():
    """The check itself can fail: importing flask is seen in sys.modules."""
    result = subprocess.run(
        [sys.executable, "-c", "import sys, flask; print('flask' in sys.modules)"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
