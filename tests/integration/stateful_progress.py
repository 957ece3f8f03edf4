"""The progress rule: the next useful steps on the main path, so that runs get deep.

:class:`ProgressRules` chooses the number of candidacies of a run (the ``initialize``
rule) and walks the main path (apply, deadline, close, round 1, pitches, round 2,
notices, appeals, panels, positions) one to four steps at a time, with random choices.
It has ten copies under their own names, so that Hypothesis' swarm testing seldom
switches them all off. Its steps go through the same oracle as the other rules, whose
``*_step`` methods and rules it calls.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import initialize, rule
from sqlalchemy import select

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import Position
from juries import operations as jury_ops
from juries import round_operations as round_ops
from juries.models import Ballot, BallotState, PitchAppointment
from juries.rules import Bloc
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import Criterion
from matching.core.db import db
from tests.integration.stateful_world import (
    ENTRY,
    GOOD_GROUNDS,
    GOOD_MOTIVATION,
    GOOD_POSITION,
    JURY,
    MAX_CANDIDACIES,
    MUST,
    PASS_STEP,
    A,
    C,
    P,
    ProcedureWorld,
)


def _progress_rule(name: str):
    """A copy of the progress rule under its own name (see ProgressRules.progress)."""
    def progress_copy(self, data):
        self.progress(data)
    progress_copy.__name__ = progress_copy.__qualname__ = name
    return rule(data=st.data())(progress_copy)


class ProgressRules(ProcedureWorld):
    """The progress rule and its helpers (a mixin of the state machine)."""

    # --- progress: the next useful steps, so that runs get deep ------------------------------
    #
    # Hypothesis' swarm testing switches a random subset of the rules off for a whole run,
    # and with two dozen rules the main path (apply, deadline, close, round 1, round 2,
    # notices, appeals) would rarely be walked to its end. The progress rule takes one to
    # four next steps on that path, with random choices (scores, consensus or ballot, panel
    # positions); it exists in ten copies so that swarm testing seldom disables all of them
    # (a run with all copies off stays shallow). Its steps go through the same oracle as the
    # other rules.

    @initialize(size=st.integers(2, MAX_CANDIDACIES))
    def choose_size(self, size):
        self.target_count = size

    def next_actions(self) -> list[str]:
        state, acts = self.p.state, []
        if state == P.PUBLISHED:
            if self.now > self.deadline:
                acts.append("close candidacies")
            elif self.facts["count"] < getattr(self, "target_count", 3):
                acts.append("apply")
            else:
                acts.append("deadline")
        elif state == P.CANDIDACY_CLOSED:
            acts.append("start round 1")
        elif state == P.ROUND_1:
            board = self.candidacies(C.SUBMITTED)
            if any(self.decision(c, 1, cr) is None for c in board for cr in Criterion):
                acts.append("decide")
            else:
                acts.append("close round")
        else:
            board = self.candidacies(C.SELECTED_FOR_PITCH)
            for c in board:
                a = self.appointment(c)
                if a is None:
                    acts.append("plan pitch")
                elif a.held_at is None:
                    acts.append("hold pitch")
                elif any(self.decision(c, 2, cr) is None for cr in Criterion):
                    acts.append("decide")
            if not acts and (board or state == P.ROUND_2):
                acts.append("close round")
        all_decided = self.decided_rounds()
        for c in self.candidacies():
            decided = all_decided.get(c.id, {})
            # the non-selected need their notice to appeal; the selected ones' notices are
            # left to record_decision_received, so that they also come late
            if any(c.notice(r) is None and step != PASS_STEP[r]
                   for r, (step, _) in decided.items()):
                acts.append("notice")
            r = {C.NOT_SELECTED_R1: 1, C.NOT_SELECTED_R2: 2}.get(c.state)
            if r and c.notice(r) and self.appeal_of(c, r) is None \
                    and self.now <= self.appeal_window_end(c, r):
                acts.append("appeal")
        for a in db.session.scalars(select(Appeal)):
            acts.append({A.FILED: "panel", A.UNDER_REVIEW: "position"}.get(a.state, ""))
        if self.dangling_ballots():
            acts.append("dangling ballot")
        emergency_next = getattr(self, "emergency_next", None)  # EmergencyRules (issue 12)
        if emergency_next is not None:
            acts.append(emergency_next() or "")
        acts = sorted(set(acts) - {""})
        return acts or ["wait"]

    def progress(self, data):
        for _ in range(data.draw(st.integers(1, 4), label="burst")):
            self.progress_once(data)

    def progress_once(self, data):
        action = data.draw(st.sampled_from(self.next_actions()), label="progress")
        self._facts = None
        r = self.current_round()
        if action == "apply":
            org = self.world.organisation(f"Organisatie {self.world._n + 1}")
            self.world.applicant(org)
            self.step(MUST, "apply", self.world.apply, org.name, organisation=org)
        elif action == "deadline":
            # the deadline itself is still on time (R-CAND-3); just after it, closing is allowed
            self.world.clock.now = max(self.now, self.deadline + timedelta(
                minutes=data.draw(st.sampled_from([0, 1, 30]), label="after deadline")))
        elif action == "close candidacies":
            self.close_candidacies()
        elif action == "start round 1":
            self.start_round_1()
        elif action == "close round":
            self.close_round_step(r)
        elif action == "decide":
            board = [c for c in self.candidacies(ENTRY[r]) if r == 1 or self.pitch_held(c)]
            pairs = [(c.id, cr) for c in board for cr in Criterion
                     if self.decision(c, r, cr) is None]
            cid, criterion = data.draw(st.sampled_from(pairs), label="decide")
            self.decide(data, db.session.get(Candidacy, cid), r, criterion)
        elif action == "plan pitch":
            c = data.draw(st.sampled_from([c for c in self.candidacies(C.SELECTED_FOR_PITCH)
                                           if self.appointment(c) is None]), label="pitch")
            taken = set(db.session.scalars(select(PitchAppointment.slot_id)))
            free = [s for s in self.p.pitch_slots if s.starts_at > self.now and s.id not in taken]
            if not free:
                days = data.draw(st.integers(1, 5), label="days")
                while not self.try_pitch_slot(days, 0):  # taken: the next day
                    days += 1
                taken = set(db.session.scalars(select(PitchAppointment.slot_id)))
                free = [s for s in self.p.pitch_slots
                        if s.starts_at > self.now and s.id not in taken]
            self.step(MUST, "plan pitch", round_ops.plan_pitch, c, free[0],
                      actor=self.world.coordinator, now=self.now)
        elif action == "hold pitch":
            c = data.draw(st.sampled_from([c for c in self.candidacies(C.SELECTED_FOR_PITCH)
                                           if self.appointment(c) is not None
                                           and not self.pitch_held(c)]), label="pitch")
            a = self.appointment(c)
            if self.now < a.slot.starts_at:
                self.world.clock.now = a.slot.starts_at + timedelta(minutes=50)
            self.step(MUST, "pitch held", round_ops.record_pitch_held, c,
                      "De pitch verliep vlot en concreet.", actor=self.world.coordinator,
                      now=self.now)
        elif action == "notice":
            c = data.draw(st.sampled_from([c for c in self.candidacies() if any(
                c.notice(r_) is None and step != PASS_STEP[r_]
                for r_, (step, _) in self.decided_rounds(c).items())]), label="notice")
            round_no = min(r_ for r_, (step, _) in self.decided_rounds(c).items()
                           if c.notice(r_) is None and step != PASS_STEP[r_])
            self.step(MUST, "decision received", candidacy_ops.record_decision_received, c,
                      round_no, self.now, actor=None, now=self.now)
        elif action == "dangling ballot":
            ballot = data.draw(st.sampled_from(self.dangling_ballots()), label="ballot")
            self.tried_dangling.add(ballot.id)  # once: it may stay open for good
            self.drive_ballot(data, ballot)
        elif action == "appeal":
            self.file_appeal(data, GOOD_GROUNDS, ["Bijlage 2: referentielijst"], 1)
        elif action == "panel":
            appeal = data.draw(st.sampled_from(list(db.session.scalars(
                select(Appeal).where(Appeal.state == A.FILED).order_by(Appeal.id)))),
                label="appeal")
            ids = data.draw(st.lists(st.sampled_from(self.panel_ids), min_size=2, max_size=2,
                                     unique=True), label="panel")
            self.step(MUST, "assign panel", appeal_ops.assign_panel, appeal,
                      [self.user(i) for i in ids], actor=self.world.coordinator, now=self.now)
        elif action.startswith("emergency "):
            self.emergency_progress(data, action)  # type: ignore[attr-defined]
        elif action == "position":
            self.record_position(data, data.draw(st.sampled_from(list(Position)),
                                                 label="position"), GOOD_POSITION)
        else:
            self.world.clock.now += timedelta(days=data.draw(st.integers(1, 5), label="wait"))

    def decide(self, data, c, round_no, criterion):
        """One criterion to a decision: by consensus, or by a ballot (which may end
        undecided). Sometimes the jury reaches consensus while a ballot is open; that
        ballot is then left dangling (see "dangling ballot")."""
        ballot = self.open_ballot(c, round_no, criterion)
        if ballot is None:
            by_consensus = data.draw(st.integers(0, 2), label="consensus?") > 0
        else:
            by_consensus = data.draw(st.booleans(), label="consensus after all?")
        if by_consensus:
            score = data.draw(st.sampled_from([2, 3, 3, 4]), label="score")
            for name in JURY:
                self.step(MUST, "assess", jury_ops.record_assessment, c, round_no, criterion,
                          score, ["ok"] * 4, actor=self.user(name), now=self.now)
            self.consensus_step(c, round_no, criterion, score,
                                self.user(data.draw(st.sampled_from(JURY), label="by")),
                                GOOD_MOTIVATION)
            return
        if ballot is None:
            ballot = self.step(MUST, "open ballot", jury_ops.open_ballot, c, round_no, criterion,
                               actor=self.user(JURY[0]), now=self.now)
        self.drive_ballot(data, ballot)

    def drive_ballot(self, data, ballot):
        """The blocs that did not vote yet vote; then the ballot is closed."""
        by_bloc: dict[Bloc, list[int]] = {}
        for uid, bloc in self.jury_bloc().items():
            by_bloc.setdefault(bloc, []).append(uid)
        for bloc in Bloc:
            if bloc in ballot.votes_by_bloc():
                continue
            actor = self.user(data.draw(st.sampled_from(sorted(by_bloc[bloc])), label="voter"))
            self.vote_step(ballot, data.draw(st.sampled_from([2, 3, 3, 4]), label="vote"), actor)
        self.close_ballot_step(ballot, GOOD_MOTIVATION, self.user(JURY[2]))

    def dangling_ballots(self) -> list[Ballot]:
        """Open ballots on a criterion that was decided otherwise, or of a candidacy that
        left the round: the call is silent on them (closing them MAY be refused)."""
        out = []
        for b in db.session.scalars(select(Ballot).where(Ballot.state == BallotState.OPEN)
                                    .order_by(Ballot.id)):
            c = db.session.get(Candidacy, b.candidacy_id)
            if b.id not in self.tried_dangling and (
                    self.decision(c, b.round, b.criterion) is not None
                    or c.state != ENTRY[b.round]):
                out.append(b)
        return out

    # Swarm-proof copies of the progress rule (feature flags go by function name).
    progress_a, progress_b, progress_c, progress_d, progress_e = (
        _progress_rule(n) for n in ("progress_a", "progress_b", "progress_c", "progress_d",
                                    "progress_e"))
    progress_f, progress_g, progress_h, progress_i, progress_j = (
        _progress_rule(n) for n in ("progress_f", "progress_g", "progress_h", "progress_i",
                                    "progress_j"))
