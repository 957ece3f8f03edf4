"""The rules of the jury: scoring, consensus, ballots, closing rounds and pitches.

:class:`JuryRules` lets the matchmakers of the jury (and others, to be refused) assess,
reach consensus, open ballots, vote (one vote per bloc), close ballots and close the
rounds (R-JURY-3..6), and plans and holds the pitches of round 2 (R-PITCH-1). The
``*_step`` methods hold the oracle of a step and are reused by the progress rule.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from sqlalchemy import select

from juries import operations as jury_ops
from juries import round_operations as round_ops
from juries.models import Assessment, Ballot, BallotState, PendingConsensus, PitchAppointment
from matching.accounts.models import User
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import Criterion
from matching.core.dates import to_utc
from matching.core.db import db
from tests.integration.stateful_world import (
    ENTRY,
    GOOD_MOTIVATION,
    JURY,
    MAY,
    MUST,
    NOT_SELECTED,
    REFUSE,
    SELECTED,
    C,
    P,
    ProcedureWorld,
)
from workareas import operations as area_ops
from workareas.models import PitchSlot


class JuryRules(ProcedureWorld):
    """Scoring, ballots, rounds and pitches (a mixin of the state machine)."""

    # --- scoring ---------------------------------------------------------------------------
    def draw_scoring_target(self, data):
        r = self.current_round()
        good = [c for c in self.candidacies(ENTRY[r]) if r == 1 or self.pitch_held(c)]
        c = self.pick_candidacy(data, good)
        round_no = data.draw(st.sampled_from([r, r, r, 3 - r]), label="round")
        undecided = [cr for cr in Criterion if self.decision(c, round_no, cr) is None]
        criterion = self.pick(data, undecided, list(Criterion), "criterion")
        return c, round_no, criterion

    @precondition(lambda self: self.facts["proc"] in (P.ROUND_1, P.ROUND_2, P.DECIDED)
                  and self.facts["count"] > 0)
    @rule(data=st.data(), score=st.integers(1, 4))
    def assess(self, data, score):
        """R-JURY-3: a matchmaker of the jury scores 1-4, with a note per question."""
        c, round_no, criterion = self.draw_scoring_target(data)
        actor = self.pick_member(data)
        notes = data.draw(st.sampled_from([["ok"] * 4, ["ok"] * 4, ["ok"] * 3]), label="notes")
        ok = (actor.id in self.jury_bloc() and self.scoring_open(c, round_no, criterion)
              and len(notes) == 4)
        self.step(MUST if ok else REFUSE, "assess", jury_ops.record_assessment, c, round_no,
                  criterion, score, notes, actor=actor, now=self.now)

    @precondition(lambda self: self.facts["proc"] in (P.ROUND_1, P.ROUND_2, P.DECIDED)
                  and self.facts["count"] > 0)
    @rule(data=st.data(), score=st.integers(1, 4), then_consensus=st.booleans())
    def jury_agrees(self, data, score, then_consensus):
        """Every matchmaker of the jury gives the same score; then maybe the consensus."""
        c, round_no, criterion = self.draw_scoring_target(data)
        if not self.scoring_open(c, round_no, criterion):
            self.step(REFUSE, "assess", jury_ops.record_assessment, c, round_no, criterion,
                      score, ["ok"] * 4, actor=self.user("vdab1"), now=self.now)
            return
        for name in JURY:
            self.step(MUST, "assess", jury_ops.record_assessment, c, round_no, criterion,
                      score, ["ok"] * 4, actor=self.user(name), now=self.now)
        if then_consensus:
            self.consensus_step(c, round_no, criterion, score, self.user(JURY[0]),
                                GOOD_MOTIVATION)

    def consensus_of_the_jury(self, c, round_no, criterion, score, motivation, *, actor, now):
        """Issue 13: recorded by the chair it decides; by another member it decides once a
        member of another organisation confirms it (modelled as one step)."""
        result = jury_ops.record_consensus(c, round_no, criterion, score, motivation,
                                           actor=actor, now=now)
        if isinstance(result, PendingConsensus):
            confirmer = next(uid for uid, bloc in self.jury_bloc().items()
                             if bloc != result.recorded_bloc)
            result = jury_ops.confirm_consensus(result, actor=db.session.get(User, confirmer),
                                                now=now)
        return result

    def consensus_step(self, c, round_no, criterion, score, actor, motivation):
        """R-JURY-4: consensus when every matchmaker without a conflict gave this score;
        R-JURY-6: with a motivation."""
        jury = self.jury_bloc()
        scores = {uid: score for uid, score in db.session.execute(
            select(Assessment.user_id, Assessment.score).where(
                Assessment.candidacy_id == c.id, Assessment.round == round_no,
                Assessment.criterion == criterion))}
        consensus = all(scores.get(uid) == score for uid in jury)
        if not (actor.id in jury and self.scoring_open(c, round_no, criterion) and consensus
                and len((motivation or "").strip()) >= 10):
            expect = REFUSE
        elif self.open_ballot(c, round_no, criterion):
            expect = MAY  # consensus reached while a ballot runs: the call is silent
        else:
            expect = MUST
        if self.step(expect, "consensus", self.consensus_of_the_jury, c, round_no, criterion,
                     score, motivation, actor=actor, now=self.now) is not None:
            d = self.decision(c, round_no, criterion)
            assert d.score == score and d.motivation == motivation.strip()

    @precondition(lambda self: self.facts["proc"] in (P.ROUND_1, P.ROUND_2, P.DECIDED)
                  and self.facts["count"] > 0)
    @rule(data=st.data(), motivation=st.sampled_from([GOOD_MOTIVATION, GOOD_MOTIVATION, "kort"]))
    def record_consensus(self, data, motivation):
        c, round_no, criterion = self.draw_scoring_target(data)
        given = set(db.session.scalars(select(Assessment.score).where(
            Assessment.candidacy_id == c.id, Assessment.round == round_no,
            Assessment.criterion == criterion)))
        score = self.pick(data, sorted(given), [1, 2, 3, 4], "score")
        self.consensus_step(c, round_no, criterion, score, self.pick_member(data), motivation)

    @precondition(lambda self: self.facts["proc"] in (P.ROUND_1, P.ROUND_2, P.DECIDED)
                  and self.facts["count"] > 0)
    @rule(data=st.data())
    def open_ballot_rule(self, data):
        """R-JURY-4: without consensus the jury votes; one ballot at a time per criterion."""
        c, round_no, criterion = self.draw_scoring_target(data)
        actor = self.pick_member(data)
        ok = (actor.id in self.jury_bloc() and self.scoring_open(c, round_no, criterion)
              and self.open_ballot(c, round_no, criterion) is None)
        self.step(MUST if ok else REFUSE, "open ballot", jury_ops.open_ballot, c, round_no,
                  criterion, actor=actor, now=self.now)

    def pick_ballot(self, data, good_state=BallotState.OPEN) -> Ballot:
        ballots = list(db.session.scalars(select(Ballot).order_by(Ballot.id)))
        bid = self.pick(data, [b.id for b in ballots if b.state == good_state],
                        [b.id for b in ballots], "ballot")
        return db.session.get(Ballot, bid)

    @precondition(lambda self: self.facts["ballots"])
    @rule(data=st.data(), score=st.integers(1, 4))
    def cast_vote(self, data, score):
        """R-JURY-4: one vote per organisation (bloc), however many matchmakers it sends."""
        ballot = self.pick_ballot(data)
        actor = self.pick_member(data)
        self.vote_step(ballot, score, actor)

    def vote_step(self, ballot, score, actor):
        jury = self.jury_bloc()
        c = db.session.get(Candidacy, ballot.candidacy_id)
        voted = {v.bloc for v in ballot.votes}
        if actor.id not in jury or ballot.state != BallotState.OPEN or jury[actor.id] in voted:
            expect = REFUSE
        elif self.decision(c, ballot.round, ballot.criterion) is None and \
                self.scoring_open(c, ballot.round, ballot.criterion):
            expect = MUST
        else:
            expect = MAY  # the candidacy left the round, or consensus was reached meanwhile
        self.step(expect, "vote", jury_ops.cast_vote, ballot, score, actor=actor, now=self.now)
        assert len(ballot.votes) == len({v.bloc for v in ballot.votes})

    @precondition(lambda self: self.facts["open_ballot_with_vote"]
                  and self.budget["second vote"] > 0)
    @rule(data=st.data(), score=st.integers(1, 4))
    def second_vote_same_bloc(self, data, score):
        """A second matchmaker of a bloc that voted already: refused (R-JURY-4)."""
        self.budget["second vote"] -= 1
        ballots = [b for b in db.session.scalars(select(Ballot).order_by(Ballot.id))
                   if b.state == BallotState.OPEN and b.votes]
        ballot = data.draw(st.sampled_from(ballots), label="ballot")
        vote = data.draw(st.sampled_from(ballot.votes), label="vote")
        same_bloc = [uid for uid, b in self.jury_bloc().items() if b == vote.bloc]
        actor = self.user(data.draw(st.sampled_from(sorted(same_bloc)), label="matchmaker"))
        self.step(REFUSE, "second vote of a bloc", jury_ops.cast_vote, ballot, score,
                  actor=actor, now=self.now)

    @precondition(lambda self: self.facts["ballots"])
    @rule(data=st.data(), motivation=st.sampled_from([GOOD_MOTIVATION, GOOD_MOTIVATION,
                                                      "kort", None]))
    def close_ballot(self, data, motivation):
        """⅔ of the three bloc votes decides, with a motivation; otherwise the ballot is
        kept as undecided (R-JURY-4, R-JURY-6)."""
        self.close_ballot_step(self.pick_ballot(data), motivation, self.pick_member(data))

    def close_ballot_step(self, ballot, motivation, actor):
        c = db.session.get(Candidacy, ballot.candidacy_id)
        votes = Counter(v.score for v in ballot.votes)
        top = votes.most_common(1)[0] if votes else (None, 0)
        outcome = top[0] if top[1] >= 2 else None
        in_round = (self.decision(c, ballot.round, ballot.criterion) is None
                    and self.scoring_open(c, ballot.round, ballot.criterion))
        was_open = ballot.state == BallotState.OPEN
        if (actor.id not in self.jury_bloc() or not was_open
                or (sum(votes.values()) < 3 and outcome is None)):
            expect = REFUSE
        elif outcome is not None and len((motivation or "").strip()) < 10:
            expect = REFUSE
        elif in_round:
            expect = MUST
        else:
            expect = MAY  # the candidacy left the round or was decided meanwhile
        ballot_id = ballot.id
        self.step(expect, "close ballot" + (" (decisive)" if outcome else " (undecided)"),
                  jury_ops.close_ballot, ballot, motivation, actor=actor, now=self.now)
        ballot = db.session.get(Ballot, ballot_id)
        if was_open and ballot.state == BallotState.DECIDED:
            assert ballot.outcome_score == outcome
            d = self.decision(c, ballot.round, ballot.criterion)
            assert d is not None and d.ballot_id == ballot.id and d.score == outcome
            self.mark("ballot decided")
        elif was_open and ballot.state == BallotState.UNDECIDED:
            assert outcome is None
            self.mark("ballot undecided")

    @precondition(lambda self: self.facts["proc"] in (P.ROUND_1, P.ROUND_2, P.DECIDED))
    @rule(data=st.data())
    def close_round(self, data):
        """A round closes only when every candidacy awaiting it has a motivated decision on
        both criteria (and in round 2 its pitch); then R-JURY-5 decides."""
        r = self.current_round()
        self.close_round_step(data.draw(st.sampled_from([r, r, r, 3 - r]), label="round"))

    def close_round_step(self, round_no):
        board = self.candidacies(ENTRY[round_no])
        ready = all(self.decision(c, round_no, cr) for c in board for cr in Criterion) and \
            (round_no == 1 or all(self.pitch_held(c) for c in board))
        if round_no == 1:
            ok = self.p.state == P.ROUND_1 and ready
        else:
            ok = (self.p.state == P.ROUND_2 or (self.p.state == P.DECIDED and board)) and ready
        expected = {c.id: SELECTED[round_no] if all(
            self.decision(c, round_no, cr).score >= 3 for cr in Criterion)
            else NOT_SELECTED[round_no] for c in board} if ok else {}
        self.step(MUST if ok else REFUSE, f"close round {round_no}", round_ops.close_round,
                  self.p, round_no, actor=self.world.coordinator, now=self.now)
        for cid, state in expected.items():
            assert db.session.get(Candidacy, cid).state == state
        if ok:
            assert self.p.state == (P.ROUND_2 if round_no == 1 else P.DECIDED)

    # --- pitches (R-PITCH-1) ---------------------------------------------------------------------
    @precondition(lambda self: self.facts["proc"] in (P.ROUND_1, P.ROUND_2, P.DECIDED)
                  and self.facts["free_future_slots"] < 2)
    @rule(days=st.integers(1, 10), hours=st.integers(0, 10))
    def add_pitch_slot(self, days, hours) -> None:
        self.try_pitch_slot(days, hours)

    def try_pitch_slot(self, days, hours) -> bool:
        """Whether the slot was added: one that overlaps a planned pitch is refused (the
        jury cannot be in two places at once, issue 13)."""
        start = max(self.now, self.deadline) + timedelta(days=days, hours=hours)
        end = start + timedelta(minutes=45)
        overlaps = any(start < to_utc(s.ends_at) and to_utc(s.starts_at) < end
                       for s in self.p.pitch_slots)
        self.step(REFUSE if overlaps else MUST, "add pitch slot", area_ops.add_pitch_slot,
                  self.p, start, end, "Stadhuis Aalst", actor=self.world.coordinator,
                  now=self.now)
        return not overlaps

    @precondition(lambda self: self.facts["states"][C.SELECTED_FOR_PITCH] > 0)
    @rule(data=st.data())
    def plan_pitch(self, data):
        c = self.pick_candidacy(data, [c for c in self.candidacies(C.SELECTED_FOR_PITCH)
                                       if not self.pitch_held(c)])
        taken = set(db.session.scalars(select(PitchAppointment.slot_id)))
        slots = list(self.p.pitch_slots)
        sid = self.pick(data, [s.id for s in slots if s.starts_at > self.now and s.id not in taken],
                        [s.id for s in slots], "slot")
        slot = db.session.get(PitchSlot, sid)
        ok = (c.state == C.SELECTED_FOR_PITCH and slot.starts_at > self.now
              and slot.id not in taken and not self.pitch_held(c))
        self.step(MUST if ok else REFUSE, "plan pitch", round_ops.plan_pitch, c, slot,
                  actor=self.world.coordinator, now=self.now)

    @precondition(lambda self: self.facts["appointments"])
    @rule(data=st.data(), report=st.sampled_from(["De pitch verliep vlot en concreet."] * 3
                                                 + ["kort"]))
    def record_pitch_held(self, data, report):
        appointments = list(db.session.scalars(select(PitchAppointment)
                                               .order_by(PitchAppointment.id)))
        good = [a.candidacy for a in appointments
                if a.held_at is None and a.slot.starts_at <= self.now]
        c = self.pick_candidacy(data, good)
        a = self.appointment(c)
        if a is None or a.held_at is not None or self.now < a.slot.starts_at or len(report) < 10:
            expect = REFUSE
        elif c.state == C.SELECTED_FOR_PITCH:
            expect = MUST
        else:
            expect = MAY  # a pitch of a withdrawn candidacy: the call is silent
        self.step(expect, "pitch held", round_ops.record_pitch_held, c, report,
                  actor=self.world.coordinator, now=self.now)
