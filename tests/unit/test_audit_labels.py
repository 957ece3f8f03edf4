"""Issue 13: every audit action an operation records has words (Dutch and English); the
trail shows them and readable details in Brussels time, never codes or raw JSON."""

from __future__ import annotations

import re
from pathlib import Path

from matching.audit.labels import ACTION_LABELS
from workareas.rules import ProcedureStep

ROOT = Path(__file__).resolve().parents[2]


def _recorded_actions() -> set[str]:
    actions = set()
    for package in ("matching", "workareas", "juries", "appeals"):
        for path in (ROOT / package).rglob("*.py"):
            actions |= set(re.findall(r'audit\(\s*"([a-z_0-9]+\.[a-z_0-9]+)"', path.read_text()))
    return actions


def test_every_recorded_action_has_a_label():
    missing = sorted(_recorded_actions() - set(ACTION_LABELS))
    assert not missing, f"audit actions without words: {missing}"


def test_every_procedure_step_has_a_label():
    for step in ProcedureStep:
        assert f"procedure.{step.value}" in ACTION_LABELS
