"""The rules of the emergency procedure of step 4 (R-STEP4-1/2), issue 12.

:class:`EmergencyRules` starts it (within the 8 weeks before the partnership's start, or
outside them, by a VDAB or local-government member of the jury or by the external or a
matchmaker off the jury), records re-scores (with and without the behaviour observed in
step 4 for fit for partnership), and concludes it with a ranking that is right or wrong;
each step decided by the oracle below, from the call's rules alone. Its invariant: a
concluded emergency procedure selected exactly the partners both blocs scored 3 or 4 on
both criteria, ranked them 1..n when two or more qualified, and wrote each partner its
outcome letter.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule
from sqlalchemy import func, select

from juries.emergency import operations as emergency_ops
from juries.emergency.models import EmergencyProcedure, EmergencyScore, EmergencyState
from juries.rules import Bloc
from matching.candidacies.models import Letter
from matching.candidacies.rules import Criterion
from matching.core.dates import BRUSSELS
from matching.core.db import db
from tests.integration.stateful_world import MATCHMAKERS, MUST, REFUSE, C, P, ProcedureWorld

DECIDERS = (Bloc.VDAB, Bloc.LOKAAL_BESTUUR)  # R-STEP4-2: no independent external
GOOD = "Het partnerschap raakt het niet eens over de rollen in stap 4."
BEHAVIOUR = "Nam deel aan alle werkgroepen van stap 4."


class EmergencyRules(ProcedureWorld):
    """The emergency procedure (a mixin of the state machine)."""

    def _open_emergency(self):
        return db.session.scalar(select(EmergencyProcedure).where(
            EmergencyProcedure.procedure_id == self.p.id,
            EmergencyProcedure.state == EmergencyState.OPEN))

    def _window(self) -> tuple[datetime, datetime] | None:
        """R-STEP4-1, the oracle's own reading: from 00:00 Brussels time 8 weeks (56 days)
        before the start date, until 00:00 on the start date."""
        start = self.p.partnership_start_date
        if start is None:
            return None
        return (datetime.combine(start - timedelta(weeks=8), time(0), tzinfo=BRUSSELS),
                datetime.combine(start, time(0), tzinfo=BRUSSELS))

    def _agreed(self, emergency, candidacy_id: int) -> dict[Criterion, int]:
        """The scores VDAB and the local government agree on (R-STEP4-2), per criterion."""
        agreed = {}
        for criterion in Criterion:
            given = {s.bloc: s.score for s in emergency.scores
                     if s.candidacy_id == candidacy_id and s.criterion == criterion}
            if len(given) == 2 and len(set(given.values())) == 1:
                agreed[criterion] = next(iter(given.values()))
        return agreed

    @precondition(lambda self: self.facts["proc"] in (P.DECIDED, P.RATIFIED))
    @rule(data=st.data(), when=st.sampled_from(["now", "in window", "in window", "after"]),
          motivation=st.sampled_from([GOOD] * 4 + ["te kort"]))
    def start_emergency(self, data, when, motivation):
        window = self._window()
        if window and when != "now":
            target = (window[0] + timedelta(days=3)) if when == "in window" \
                else window[1] + timedelta(minutes=1)
            if target > self.now:
                self.world.clock.now = target  # time passes (never back)
        actor = self.pick_member(data, "starter")
        bloc = self.jury_bloc().get(actor.id)
        ok = (bloc in DECIDERS and window is not None and window[0] <= self.now < window[1]
              and self._open_emergency() is None and bool(self.candidacies(C.ADMITTED_TO_STEP4))
              and len(motivation.strip()) >= 10)
        self.step(MUST if ok else REFUSE, "emergency start", emergency_ops.start_emergency,
                  self.p, motivation, actor=actor, now=self.now)

    @precondition(lambda self: self.facts["proc"] in (P.DECIDED, P.RATIFIED))
    @rule(data=st.data(), score=st.sampled_from([1, 2, 3, 3, 4, 4, 0]),
          behaviour=st.sampled_from([BEHAVIOUR] * 3 + [""]))
    def record_emergency_score(self, data, score, behaviour):
        emergency = self._open_emergency()
        if emergency is None:
            return
        actor = self.pick_member(data, "scorer")
        c = self.pick_candidacy(data, self.candidacies(C.ADMITTED_TO_STEP4), "partner")
        criterion = data.draw(st.sampled_from(list(Criterion)), label="criterion")
        given = behaviour if criterion == Criterion.FIT_FOR_PARTNERSHIP else ""
        ok = (self.jury_bloc().get(actor.id) in DECIDERS and c is not None
              and c.state == C.ADMITTED_TO_STEP4 and 1 <= score <= 4
              and (criterion != Criterion.FIT_FOR_PARTNERSHIP or len(given) >= 10))
        if c is None:
            return
        self.step(MUST if ok else REFUSE, "emergency score",
                  emergency_ops.record_emergency_score, emergency, c, criterion, score,
                  "Motivering van de score na overleg.", given or None, actor=actor,
                  now=self.now)

    @precondition(lambda self: self.facts["proc"] in (P.DECIDED, P.RATIFIED))
    @rule(data=st.data(), ranking=st.sampled_from(["right", "right", "empty", "reversed"]),
          motivation=st.sampled_from(["De Brug heeft het sterkste netwerk in de regio.", ""]))
    def conclude_emergency(self, data, ranking, motivation):
        emergency = self._open_emergency()
        if emergency is None:
            return
        actor = self.user(data.draw(st.sampled_from(MATCHMAKERS), label="concluder"))
        partners = self.candidacies(C.ADMITTED_TO_STEP4)
        agreed = {c.id: self._agreed(emergency, c.id) for c in partners}
        complete = all(len(a) == len(Criterion) for a in agreed.values())
        selected = [c for c in partners if complete
                    and all(s >= 3 for s in agreed[c.id].values())]
        order = data.draw(st.permutations(selected), label="order") if selected else []
        chosen = {"right": order, "empty": [], "reversed": order[:1]}[ranking]
        if len(selected) > 1:
            ranking_ok = ranking == "right" and len(motivation) >= 10
        else:
            ranking_ok = not chosen
        ok = (self.jury_bloc().get(actor.id) in DECIDERS and complete and ranking_ok)
        self.step(MUST if ok else REFUSE, "emergency conclude",
                  emergency_ops.conclude_emergency, emergency, chosen, motivation, actor=actor,
                  now=self.now)

    @invariant()
    def emergency_outcomes_follow_the_agreed_scores(self):
        assert not db.session.scalar(select(func.count(EmergencyScore.id)).where(
            EmergencyScore.bloc.not_in(DECIDERS))), "the external scored in step 4"
        for emergency in db.session.scalars(select(EmergencyProcedure).where(
                EmergencyProcedure.state == EmergencyState.CONCLUDED)):
            self.mark("emergency concluded")
            selected = []
            for o in emergency.outcomes:
                agreed = self._agreed(emergency, o.candidacy_id)
                assert (o.crucial_contribution, o.fit_for_partnership) == (
                    agreed[Criterion.CRUCIAL_CONTRIBUTION],
                    agreed[Criterion.FIT_FOR_PARTNERSHIP])
                assert o.selected == (min(agreed.values()) >= 3)
                if o.selected:
                    selected.append(o)
            ranks = sorted(o.rank for o in selected if o.rank is not None)
            assert ranks == (list(range(1, len(selected) + 1)) if len(selected) > 1 else [])
            letters = db.session.scalar(select(func.count(Letter.id)).where(
                Letter.kind == "emergency_outcome",
                Letter.candidacy_id.in_([o.candidacy_id for o in emergency.outcomes])))
            assert letters >= len(emergency.outcomes)

    # --- progress: the main path of step 4 (called by the progress rule) ---------------------
    def emergency_next(self) -> str | None:
        """The next step of the emergency procedure on the main path, if any."""
        if self.p.state != P.DECIDED or not self.candidacies(C.ADMITTED_TO_STEP4):
            return None
        emergency = self._open_emergency()
        window = self._window()
        if emergency is None:
            started = db.session.scalar(select(func.count(EmergencyProcedure.id)))
            return "emergency start" if (not started and window
                                         and self.now < window[1]) else None
        for c in self.candidacies(C.ADMITTED_TO_STEP4):
            if len(self._agreed(emergency, c.id)) < len(Criterion):
                return "emergency score"
        return "emergency conclude"

    def emergency_progress(self, data, action: str) -> None:
        vdab, local = self.user("vdab1"), self.user("lokaal1")
        if action == "emergency start":
            opens = self._window()[0] + timedelta(days=data.draw(st.integers(0, 50), label="day"))
            self.world.clock.now = max(self.now, opens)
            self.step(MUST, "emergency start", emergency_ops.start_emergency, self.p, GOOD,
                      actor=data.draw(st.sampled_from([vdab, local]), label="starter"),
                      now=self.now)
            return
        emergency = self._open_emergency()
        if action == "emergency score":
            c, criterion = next((c, cr) for c in self.candidacies(C.ADMITTED_TO_STEP4)
                                for cr in Criterion if cr not in self._agreed(emergency, c.id))
            given = {s.bloc: s.score for s in emergency.scores
                     if s.candidacy_id == c.id and s.criterion == criterion}
            if Bloc.VDAB not in given:
                actor, score = vdab, data.draw(st.sampled_from([2, 3, 4]), label="score")
            else:  # the local government gives its score, or comes round after consultation
                actor, score = local, (given[Bloc.VDAB] if Bloc.LOKAAL_BESTUUR in given else
                                       data.draw(st.sampled_from([given[Bloc.VDAB], 2, 3, 4]),
                                                 label="score"))
            self.step(MUST, "emergency score", emergency_ops.record_emergency_score, emergency,
                      c, criterion, score, "Motivering van de score na overleg.",
                      BEHAVIOUR if criterion == Criterion.FIT_FOR_PARTNERSHIP else None,
                      actor=actor, now=self.now)
            return
        selected = [c for c in self.candidacies(C.ADMITTED_TO_STEP4)
                    if min(self._agreed(emergency, c.id).values()) >= 3]
        order = data.draw(st.permutations(selected), label="order") if len(selected) > 1 else []
        self.step(MUST, "emergency conclude", emergency_ops.conclude_emergency, emergency,
                  order, "De Brug heeft het sterkste netwerk in de regio." if order else None,
                  actor=data.draw(st.sampled_from([vdab, local]), label="concluder"),
                  now=self.now)
