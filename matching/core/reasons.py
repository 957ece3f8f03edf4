"""The reasons the system itself writes (a lapsed draft, a ratification with every
condition met): stored in Dutch as their msgid, shown in the reader's language through
:func:`reason_label`. A reason a person typed is shown as they typed it."""

from __future__ import annotations

from flask_babel import gettext

from matching.core.errors import N_

#: close_candidacies: a draft not submitted before the deadline lapses (withdrawn)
LAPSED = N_("niet ingediend voor de deadline")
#: ratify_procedure: R-OBS-1, all six conditions met
ALL_CONDITIONS_MET = N_("alle zes voorwaarden voldaan")

SYSTEM_REASONS = frozenset({LAPSED, ALL_CONDITIONS_MET})


def reason_label(reason: str | None) -> str:
    """A stored reason as the reader reads it: a system reason translated, a typed one
    as typed."""
    if not reason:
        return ""
    return gettext(reason) if reason in SYSTEM_REASONS else reason
