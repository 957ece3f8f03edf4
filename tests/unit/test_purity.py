"""The rule modules are pure: importing them pulls in neither Flask nor SQLAlchemy.

The modules are the ones the import-linter contract "Rules are pure" lists in
pyproject.toml (``make lint`` checks their imports statically); here they are imported in a
fresh interpreter, so that modules imported by other tests (or a conftest) cannot hide an
import made at run time. The packages' __init__.py files are imported too: if one of them
starts importing Flask, this test fails.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = ("flask", "sqlalchemy", "flask_sqlalchemy", "werkzeug", "wtforms")


def pure_modules() -> list[str]:
    config = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c["source_modules"] for c in contracts if c["name"].startswith("Rules are pure"))


def frameworks_loaded_by(modules: list[str], *, extra_path: Path | None = None) -> dict:
    """Import ``modules`` in a fresh interpreter; which framework modules came with them,
    and where each module was found."""
    script = f"""
import importlib, json, sys
sys.path[:0] = {[str(extra_path)] if extra_path else []!r}
for name in {modules!r}:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m.split('.')[0] in {FRAMEWORKS!r})
files = {{n: sys.modules[n].__file__ for n in {modules!r}}}
print(json.dumps({{"loaded": loaded, "files": files}}))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_rule_modules_import_without_flask_or_sqlalchemy():
    modules = pure_modules()
    assert "matching.candidacies.rules" in modules and "juries.rules" in modules
    report = frameworks_loaded_by(modules)
    assert report["loaded"] == [], f"pure rule modules imported: {report['loaded']}"
    # The modules checked are this project's, not an installed copy elsewhere.
    for name, path in report["files"].items():
        assert Path(path).resolve().is_relative_to(PROJECT_ROOT), (name, path)


def test_a_rule_module_that_imports_sqlalchemy_is_caught(tmp_path):
    """The check fails for a module that is not pure, even through another module."""
    (tmp_path / "impure_helper.py").write_text("import sqlalchemy.orm\n")
    (tmp_path / "impure_rules.py").write_text("import impure_helper\n")
    report = frameworks_loaded_by(["impure_rules"], extra_path=tmp_path)
    assert "sqlalchemy" in report["loaded"]
