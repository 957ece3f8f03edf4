"""A stateful property test of the whole procedure, on the real operations and database.

Hypothesis drives random sequences of the operations of DOMAIN.md (submit, withdraw,
let time pass, close the intake, score, seek consensus, vote, close rounds, pitch,
receive decisions, appeal, judge the appeal) against a World with a published
procedure and a complete jury, on every backend of the ``app`` fixture.

Each rule decides from the domain rules alone (the test's own oracle, not the code
under test) whether the step MUST succeed, MUST be refused, or MAY go either way where
the call text and DOMAIN.md are silent. A refused step raises
:class:`matching.errors.DomainError` and changes nothing: the contents of every table
and the session are compared before and after.

After every step the invariants hold:

* only transitions of the tables in :mod:`matching.statemachine` are recorded;
* every object's state is the to-state of its last recorded transition;
* every candidacy decided in a round has one motivated jury decision per criterion for
  that round, and passed the round exactly when both scores are at least 3 (R-JURY-5/6);
* a non-selected candidacy that received its decision has its appeal window open until
  23:59:59 Brussels time on the 14th day (R-APP-1);
* the decision notice of a round states that round's decision (R-DEC-1);
* a ballot holds at most one vote per bloc (R-JURY-4).

A progress rule walks the main path with random choices so that most runs reach round
2 and the appeals (see its comment in ``stateful_progress.py``).

This file composes the state machine and runs it; its parts are modules beside it:

* ``stateful_world.py``: set-up, bookkeeping, drawing, the oracle's step runner and the
  constants (:class:`ProcedureWorld`, the base of every mixin);
* ``stateful_intake.py``: intake, time, closing the intake, round 1, inadmissibility;
* ``stateful_jury.py``: scoring, consensus, ballots, closing rounds, pitches;
* ``stateful_appeals.py``: decision receipts and appeals;
* ``stateful_emergency.py``: the emergency procedure of step 4 (issue 12, R-STEP4-*);
* ``stateful_progress.py``: the progress rule (and the ``initialize`` rule);
* ``stateful_invariants.py``: the invariants.

``STATEFUL_EXAMPLES`` and ``STATEFUL_STEPS`` scale the run (defaults keep it near half
a minute per backend), ``STATEFUL_SHRINK=1`` shrinks a failing run (slow); the reached
depth is printed (``pytest -s``) and reported as Hypothesis events
(``--hypothesis-show-statistics``).
"""

from __future__ import annotations

import os
import time as wallclock
from collections import Counter

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from tests.integration.stateful_appeals import AppealRules
from tests.integration.stateful_emergency import EmergencyRules
from tests.integration.stateful_intake import IntakeRules
from tests.integration.stateful_invariants import InvariantRules
from tests.integration.stateful_jury import JuryRules
from tests.integration.stateful_progress import ProgressRules
from tests.integration.stateful_world import STATS

settings.register_profile(
    "procedure-stateful",
    max_examples=int(os.environ.get("STATEFUL_EXAMPLES", "12")),
    stateful_step_count=int(os.environ.get("STATEFUL_STEPS", "90")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
    # Shrinking a long failing run takes minutes; STATEFUL_SHRINK=1 asks for it.
    phases=[Phase.explicit, Phase.reuse, Phase.generate]
    + ([Phase.shrink] if os.environ.get("STATEFUL_SHRINK") else []),
)


class ProcedureMachine(IntakeRules, JuryRules, AppealRules, EmergencyRules, ProgressRules,
                       InvariantRules, RuleBasedStateMachine):
    """The whole procedure: the rules, the progress rule and the invariants of the
    mixins, over the world of :class:`~tests.integration.stateful_world.ProcedureWorld`."""


def test_the_procedure_holds_its_invariants_under_random_steps(app):
    started = wallclock.monotonic()
    backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+")[0]
    STATS.pop(backend, None)
    run_state_machine_as_test(lambda: ProcedureMachine(app),
                              settings=settings.get_profile("procedure-stateful"))
    stats = STATS.get(backend, Counter())
    print(f"\n[{backend}] {stats['runs']} runs in {wallclock.monotonic() - started:.1f}s")
    for key in ("reached round 2", "procedure reached decided", "ballot decided",
                "appeal filed", "appeal panel assigned", "appeal decided", "reversed on appeal",
                "round 2 after reversal", "ok emergency start", "emergency concluded"):
        print(f"  {key}: {stats[key]}")
    print("  steps seen:", ", ".join(f"{k}={v}" for k, v in sorted(stats.items())
                                     if k.startswith(("ok", "refused"))))
