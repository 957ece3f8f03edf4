"""Pure rules of the task list and the reminders: when a reminder is due, which tasks a
person has. No Flask, no SQLAlchemy, no clock (``now`` is an argument).

The call sets the deadlines the reminders point to: the candidacy deadline ("Kandidaturen
dienen ingediend te worden vóór de deadline", R-CAND-3) and the appeal window ("tot 14
dagen na ontvangst van de e-mail met de beslissing", R-APP-1). The reminders themselves
are this system's reading of "Everyone knows what to do next" (issue 13): a few days
before a deadline, and daily to a jury member whose scores are missing during a round.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from matching.core.errors import N_


def current_reminder(deadline: datetime, days_before: Iterable[int],
                     now: datetime) -> int | None:
    """Which reminder is due now: the one with the fewest days before ``deadline`` whose
    moment (``deadline - days``) has passed, while the deadline has not. None when no
    moment has passed yet or the deadline is over.

    A worker that was down past two moments sends only the latest one (the 2-day
    reminder, not also the 7-day one): each moment's key makes it leave once.
    """
    if now >= deadline:
        return None
    passed = [d for d in days_before if d > 0 and deadline - timedelta(days=d) <= now]
    return min(passed) if passed else None


def daily_reminder_day(now: datetime, zone: tzinfo, hour: int) -> date | None:
    """The local day a daily reminder belongs to: today, once the local clock reached
    ``hour`` (none before it, so nobody is woken at midnight)."""
    local = now.astimezone(zone)
    return local.date() if local.hour >= hour else None


def parse_days(value: str | Sequence[int]) -> tuple[int, ...]:
    """A configured list of days ("7,2") as positive integers, largest first."""
    items = value.split(",") if isinstance(value, str) else value
    days = {int(str(item).strip()) for item in items if str(item).strip()}
    if any(d <= 0 for d in days):
        raise ValueError("reminder days must be positive")
    return tuple(sorted(days, reverse=True))


class Urgency(str, enum.Enum):
    """How soon a task's deadline is: within 2 days is urgent."""

    NONE = "none"
    SOON = "soon"
    URGENT = "urgent"


URGENT_WITHIN = timedelta(days=2)
SOON_WITHIN = timedelta(days=7)


def urgency(due: datetime | None, now: datetime) -> Urgency:
    if due is None:
        return Urgency.NONE
    left = due - now
    if left <= URGENT_WITHIN:
        return Urgency.URGENT
    return Urgency.SOON if left <= SOON_WITHIN else Urgency.NONE


@dataclass(frozen=True)
class Task:
    """One thing waiting for a person: what (a Dutch msgid with its parameters), about
    which procedure, by when, and the one link that does it."""

    text: str
    params: dict = field(default_factory=dict, hash=False, compare=False)
    link: str = ""
    due: datetime | None = None
    procedure: str = ""
    #: Why it cannot be done yet, or what blocks the procedure (a Dutch msgid), if anything.
    blocker: str | None = None
    blocker_params: dict = field(default_factory=dict, hash=False, compare=False)


def ordered(tasks: Iterable[Task]) -> list[Task]:
    """Blockers first, then by deadline (soonest first), then those without one."""
    return sorted(tasks, key=lambda t: (t.blocker is None,
                                        t.due.timestamp() if t.due else float("inf")))


# --- the coordinator's tasks per procedure state (pure: facts in, messages out) -----------

@dataclass(frozen=True)
class ProcedureFacts:
    """What the coordinator's tasks of one procedure follow from."""

    state: str
    has_jury: bool = False
    jury_complete: bool = False
    candidacy_deadline: datetime | None = None
    undecided: int = 0  # candidacies of the open round without a decision on both criteria
    to_plan: int = 0  # selected for the pitch without a planned pitch
    pitches_to_record: int = 0  # planned pitches whose start passed, not recorded as held
    appeals_without_panel: int = 0
    observations_open: int = 0
    broken_for: tuple[str, ...] = ()  # candidacies whose jury breaks R-JURY-1 by conflicts
    ready_to_close: bool = False


def coordinator_steps(f: ProcedureFacts, now: datetime) -> list[tuple[str, str, dict]]:
    """The coordinator's next steps for one procedure: (what, which page, parameters).
    The page keys are resolved to links by the caller."""
    steps: list[tuple[str, str, dict]] = []
    if f.broken_for:
        steps.append((N_("De jury voldoet niet meer voor %(names)s door een belangenconflict: "
                         "vul de jury aan."), "jury", {"names": ", ".join(f.broken_for)}))
    if f.state == "draft":
        steps.append((N_("Werk het addendum af en publiceer het."), "addendum", {}))
    if f.state in ("draft", "published", "candidacy_closed") and not f.has_jury:
        steps.append((N_("Stel de jury samen."), "jury", {}))
    if (f.state == "published" and f.candidacy_deadline is not None
            and now >= f.candidacy_deadline):
        steps.append((N_("De deadline is voorbij: sluit de kandidaturen af."), "addendum", {}))
    if f.state == "candidacy_closed":
        if f.has_jury and f.jury_complete:
            steps.append((N_("Start ronde 1."), "round1", {}))
        elif f.has_jury:
            steps.append((N_("Vul de jury aan: minstens één matchmaker van VDAB, één van het "
                             "lokaal bestuur en één onafhankelijke externe."), "jury", {}))
    if f.state in ("round_1", "round_2", "decided"):
        round_no = 1 if f.state == "round_1" else 2
        page = "round1" if round_no == 1 else "round2"
        if f.undecided:
            steps.append((N_("Ronde %(round)s: kandidaturen die nog op een beslissing "
                             "van de jury wachten: %(count)s."), page,
                          {"round": round_no, "count": f.undecided}))
        elif f.ready_to_close:
            steps.append((N_("Ronde %(round)s is klaar: sluit ze af (de brieven worden "
                             "opgesteld)."), page, {"round": round_no}))
    if f.to_plan:
        steps.append((N_("Geselecteerde kandidaturen zonder pitch-moment: %(count)s."), "pitches",
                      {"count": f.to_plan}))
    if f.pitches_to_record:
        steps.append((N_("Gehouden pitches nog te registreren: %(count)s."), "round2",
                      {"count": f.pitches_to_record}))
    if f.appeals_without_panel:
        steps.append((N_("Weerwoorden zonder panel: %(count)s."), "appeals",
                      {"count": f.appeals_without_panel}))
    if f.observations_open:
        steps.append((N_("Opmerkingen van Europa WSE te beantwoorden: %(count)s."), "conditions",
                      {"count": f.observations_open}))
    return steps
