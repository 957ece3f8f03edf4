"""A large, consistent dataset for load tests, written with bulk inserts
(``flask --app matching.app scale --areas 60 --per-area 100 --seed 1``).

Where :mod:`matching.demo` plays three stories through the operations (slow, one row and
one audit event at a time), this module writes the rows those operations would have
written, in bulk: it draws every candidacy's fate first, then dates the story of each
work area and adds its rows, which are inserted per work area with one SQLAlchemy Core
``insert()`` executemany per table (on PostgreSQL one binary COPY: see ``Sink.copy``).
Ids are handed out in Python from each table's current maximum (on
PostgreSQL the sequences are moved past them at the end), so nothing is read back.
Run it while nobody else writes to the database.

What the dataset holds, per work area ``NNN`` (``Werkingsgebied NNN – <regio>``):

* its municipalities and involved local governments, a coordinator, a jury of 3 to 6
  matchmakers (VDAB, lokaal bestuur and extern always present) and one procedure whose
  published addendum has local needs with their motivation, regional challenges,
  contacts and pitch moments; the deadline lies 6 to 8 weeks after publication;
* ``--per-area`` candidacies, each of its own organisation (kind OTHER, a valid enterprise
  number) with its own applicant account, all declarations, one or two contributions
  and the answers;
* by procedure state (most ``decided``; a few ``round_1``, ``round_2`` and ``published``):
  the story up to today: drafts, submissions, withdrawals (with reason), inadmissible
  candidacies (with reason), conflicts of interest, individual assessments, consensus
  or ballots (one vote per bloc, the outcome the ⅔ majority; sometimes a first ballot
  without ⅔), motivated jury decisions, closed rounds (selected iff both scores ≥ 3,
  R-JURY-5), decision letters and the moment they were received, pitches (held, with
  report, or planned), appeals in every state with a panel of two appeal matchmakers
  outside the jury, reversals on appeal (a reversal after round 1 gets its own pitch);
* every state transition, and the audit event each operation would have recorded
  (individual assessments too, see ``AUDIT_ASSESSMENTS``), hash-chained
  (:mod:`matching.audit.chain`) onto the current head of the trail in time order, so
  ``flask --app matching.app audit verify`` passes afterwards. Accounts, organisations and
  saved drafts are not in the trail one by one: one ``scale.generate`` event records the
  load itself.

Simplifications, on purpose:

* Letters: a handful of real letters is rendered once through :mod:`matching.letters`
  (per kind, and for decisions per pair of scores) and their HTML, text, PDF bytes and
  SHA-256 are reused across rows. The sample's addressee and sender say "schaalproef";
  the row's subject, recipients, reference, dates and appeal deadline are the row's own.
  No receipt letters, and no e-mails in the outbox (the worker must not mail thousands
  of example addresses); the decision notices record the receipt.
* One procedure per work area; no noodprocedure (step 4); no attachments.

Deliberately imperfect procedures: about one in ten *decided* procedures (never work area
001) carries one defect, so the page of the six conditions (R-OBS-1) shows variety:

* ``open_appeal``: an appeal is still under review (condition 6);
* ``missing_letter``: a non-selected candidacy has no decision letter (condition 5);
* ``panel_from_jury``: an appeal was judged by a member of the jury (condition 6);
* ``no_appeal_deadline``: a non-selection letter states no appeal deadline (condition 6).

Every account has the password of the demo (``demo-wachtwoord-2025``), hashed once:
``admin@scale.example``, ``observer@scale.example``, ``coordinator.NNN@scale.example``,
``matchmaker.NNN.K@scale.example`` (K = 1 is VDAB, 2 lokaal bestuur, 3 extern),
``appeal-matchmaker.KK@scale.example`` and ``applicant.NNN.JJJJ@scale.example``.

Deterministic for a given ``--seed`` and day: the story is dated relative to today
(``--today`` fixes it).

Layout: this module holds the entry point (:func:`generate`, :class:`ScaleError` and the
report); :mod:`matching.scale.data` the names, addresses and texts;
:mod:`matching.scale.plan` the plan (each work area's state and defect, each candidacy's
fate); :mod:`matching.scale.story` and :mod:`matching.scale.rounds` the dated story of one
work area; :mod:`matching.scale.io` the bulk writing, ids and the audit chain.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from matching.accounts.models import User
from matching.core.dates import UTC
from matching.core.db import db
from matching.scale.data import (
    ADMIN_EMAIL,
    DOMAIN,
    OBSERVER_EMAIL,
    PASSWORD,
    TOTP_SECRET,
    appeal_matchmaker_email,
    applicant_email,
    coordinator_email,
    matchmaker_email,
)
from matching.scale.io import AuditTrail, EnterpriseNumbers, Sink, reset_sequences
from matching.scale.letters import LetterSamples
from matching.scale.plan import DEFECTS, plan_areas
from matching.scale.staff import Staff
from matching.scale.story import AreaStory

__all__ = ["ADMIN_EMAIL", "DOMAIN", "OBSERVER_EMAIL", "PASSWORD", "TOTP_SECRET", "ScaleError",
           "ScaleReport",
           "appeal_matchmaker_email", "applicant_email", "coordinator_email", "generate",
           "holds_scale_data", "matchmaker_email"]


class ScaleError(Exception):
    """The generator refuses (a Dutch message for the command line)."""


# --- the whole load ---------------------------------------------------------------------------

@dataclass
class ScaleReport:
    counts: dict[str, int]
    areas_by_state: dict[str, list[int]]
    defects: dict[int, str]
    large_procedures: list[tuple[int, str, int]]  # (procedure id, work area, candidacies)
    first_applicant_state: str

    def lines(self) -> list[str]:
        out = [f"{table}: {n}" for table, n in sorted(self.counts.items())]
        for state, numbers in self.areas_by_state.items():
            out.append(f"procedures {state}: werkingsgebied "
                       + ", ".join(f"{n:03d}" for n in numbers))
        for number, defect in sorted(self.defects.items()):
            out.append(f"bewust onvolledig: werkingsgebied {number:03d}: {DEFECTS[defect]}")
        if self.large_procedures:
            out.append(f"procedures met 200+ kandidaturen: {len(self.large_procedures)} "
                       f"(bv. procedure {self.large_procedures[0][0]}, "
                       f"{self.large_procedures[0][1]}: {self.large_procedures[0][2]})")
        out.append(f"aanmelden met wachtwoord '{PASSWORD}': beheerder {ADMIN_EMAIL}, waarnemer "
                   f"{OBSERVER_EMAIL}, coördinator {coordinator_email(1)}, matchmaker "
                   f"{matchmaker_email(1, 1)}, weerwoord-matchmaker {appeal_matchmaker_email(1)}, "
                   f"aanvrager {applicant_email(1, 1)} "
                   f"(kandidatuur: {self.first_applicant_state}); "
                   f"tweestapsverificatie (behalve aanvragers): sleutel {TOTP_SECRET}")
        return out


def holds_scale_data(session) -> bool:
    return session.scalar(select(func.count(User.id)).where(User.email.like(f"%@{DOMAIN}"))) > 0


def generate(areas: int, per_area: int, seed: int, today: datetime | None = None) -> ScaleReport:
    """Write the dataset into the current session's transaction (the caller commits)."""
    session = db.session
    if holds_scale_data(session):
        raise ScaleError(f"De database bevat al schaalgegevens (accounts @{DOMAIN}). Gebruik een "
                         "lege database: maak er een aan en voer daarop "
                         "'flask --app matching.app db upgrade' uit.")
    now = (today or datetime.now(UTC)).astimezone(UTC)
    sink, trail = Sink(session), AuditTrail()
    people = Staff.create(sink, areas, seed, now)
    trail.add(now, people.admin, "scale.generate", "scale", None, None,
              areas=areas, per_area=per_area, seed=seed)
    sink.flush()
    samples, numbers = LetterSamples(now), EnterpriseNumbers(session)
    plans, defects, large, first_state = plan_areas(areas, seed), {}, [], ""
    for plan in plans:
        story = AreaStory(plan, per_area, seed, now, sink, trail, people, samples, numbers)
        story.tell()
        sink.flush()
        if story.defect_applied:
            if plan.defect is None:  # a story applies only the defect its plan carries
                raise RuntimeError(f"work area {plan.number} applied a defect it has not got")
            defects[plan.number] = plan.defect
        if per_area >= 200:
            large.append((story.procedure["id"], story.area_name, per_area))
        if plan.number == 1:
            first_state = story.cands[0].row["state"].value
    sink.counts["audit_event"] += trail.write(sink)
    reset_sequences(sink)
    by_state: dict[str, list[int]] = defaultdict(list)
    for plan in plans:
        by_state[plan.state.value].append(plan.number)
    return ScaleReport(dict(sink.counts), dict(by_state), defects, large, first_state)
