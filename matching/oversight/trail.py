"""The audit trail in words: each event's action as a label and its details as a readable
sentence, instants in Brussels time (the stored summary stays the canonical JSON the hash
chain covers; this only reads it)."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from flask_babel import gettext

from appeals.rules import APPEAL_STATE_LABELS, POSITION_LABELS
from juries.rules import BLOC_LABELS
from matching.audit.chain import PERSONAL
from matching.audit.labels import ACTION_LABELS, DETAIL_LABELS
from matching.candidacies.rules import CANDIDACY_STATE_LABELS, CRITERION_LABELS
from matching.core.dates import format_brussels
from matching.core.errors import N_
from matching.core.reasons import reason_label
from matching.letters.content import LETTER_KIND_LABELS
from workareas.rules import PROCEDURE_STATE_LABELS

OBJECT_LABELS = {
    "procedure": N_("procedure"), "candidacy": N_("kandidatuur"), "appeal": N_("weerwoord"),
    "letter": N_("brief"), "jury": N_("jury"), "assessment": N_("score"),
    "ballot": N_("stemming"), "vote": N_("stem"), "jury_decision": N_("beslissing"),
    "pitch_appointment": N_("pitch"), "conflict_declaration": N_("belangenconflict"),
    "observation": N_("opmerking"), "final_report": N_("eindverslag"),
    "addendum_version": N_("addendum"), "attachment": N_("bijlage"),
    "pending_consensus": N_("consensus (te bevestigen)"),
}

_STATES: dict[str, dict[str, str]] = {
    "procedure": {s.value: label for s, label in PROCEDURE_STATE_LABELS.items()},
    "candidacy": {s.value: label for s, label in CANDIDACY_STATE_LABELS.items()},
    "appeal": {s.value: label for s, label in APPEAL_STATE_LABELS.items()},
}
_VALUE_LABELS: dict[str, dict[str, str]] = {
    "criterion": {c.value: label for c, label in CRITERION_LABELS.items()},
    "bloc": {b.value: label for b, label in BLOC_LABELS.items()},
    "position": {p.value: label for p, label in POSITION_LABELS.items()},
    "kind": {k.value: label for k, label in LETTER_KIND_LABELS.items()},
    "method": {"consensus": N_("consensus"), "ballot": N_("stemming (⅔)")},
}
_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return gettext(label) if label else action


def object_name(object_type: str) -> str:
    """The kind of object in words ("kandidatuur"), never its code."""
    label = OBJECT_LABELS.get(object_type)
    return gettext(label) if label else object_type


def state_label(object_type: str, state: str | None) -> str:
    """A recorded state in words (a transition's from and to), never its code."""
    if not state:
        return "–"
    labels = _STATES.get(object_type, {})
    return gettext(labels[state]) if state in labels else state


def object_label(object_type: str, object_id: Any) -> str:
    label = OBJECT_LABELS.get(object_type)
    return f"{gettext(label) if label else object_type} {object_id}"


def _value(key: str, value: Any, object_type: str) -> str:
    if value is None or value == "":
        return "–"
    if key == "reason" and isinstance(value, str):
        return reason_label(value)
    if isinstance(value, bool):
        return gettext("ja") if value else gettext("nee")
    if isinstance(value, list):
        return ", ".join(_value(key, v, object_type) for v in value)
    if isinstance(value, dict):
        if PERSONAL in value:  # kept apart from the trail (issue 18): not shown here
            return gettext("(persoonsgegeven, apart bewaard)")
        if key == "votes":
            return ", ".join(f"{_value('bloc', b, object_type)} {s}" for b, s in value.items())
        return ", ".join(f"{k} {_value(k, v, object_type)}" for k, v in value.items())
    if key in ("before", "after") and object_type in _STATES:
        labels = _STATES[object_type]
        return gettext(labels[value]) if value in labels else str(value)
    if key in _VALUE_LABELS and str(value) in _VALUE_LABELS[key]:
        return gettext(_VALUE_LABELS[key][str(value)])
    if isinstance(value, str) and _INSTANT.match(value):
        try:
            return format_brussels(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def details(summary: str, object_type: str) -> str:
    """The event's summary as a sentence: "van kandidaturen open naar ronde 1; reden: …"."""
    try:
        data = json.loads(summary) if summary else {}
    except ValueError:
        return summary
    if not isinstance(data, dict):
        return str(data)
    parts = []
    if "before" in data or "after" in data:
        parts.append(gettext("van %(before)s naar %(after)s",
                             before=_value("before", data.get("before"), object_type),
                             after=_value("after", data.get("after"), object_type)))
    for key, value in data.items():
        if key in ("before", "after"):
            continue
        if key == "reason" and not value:
            continue
        label = DETAIL_LABELS.get(key)
        parts.append(f"{gettext(label) if label else key}: {_value(key, value, object_type)}")
    return "; ".join(parts)
