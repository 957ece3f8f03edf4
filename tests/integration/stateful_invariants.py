"""The invariants of the stateful procedure test, checked after every step.

:class:`InvariantRules` has one ``@invariant`` that reads the recorded transitions once
and checks that only transitions of the tables of :mod:`matching.statemachine` occur,
that every object's state is the to-state of its last transition, that every decided
round has one motivated decision per criterion and the R-JURY-5 outcome, that decision
notices state their round's decision (R-DEC-1), that the non-selected can appeal until
the R-APP-1 deadline, and that a ballot holds at most one vote per bloc (R-JURY-4).
"""

from __future__ import annotations

from hypothesis.stateful import invariant
from sqlalchemy import func, select

from appeals.models import Appeal
from appeals.rules import check_appeal_window
from juries.models import JuryDecision, Vote
from matching.audit.models import Transition
from matching.candidacies.models import Candidacy, DecisionNotice
from matching.candidacies.rules import Criterion, appeal_deadline
from matching.core.db import db
from tests.integration.stateful_world import (
    DECISION_STEPS,
    PASS_STEP,
    TABLES,
    A,
    C,
    P,
    ProcedureWorld,
    appeal_deadline_oracle,
)


class InvariantRules(ProcedureWorld):
    """The invariants (a mixin of the state machine)."""

    # --- invariants ------------------------------------------------------------------------------
    @invariant()
    def the_procedure_is_consistent(self):
        """All invariants, over the rows read once per step."""
        transitions = list(db.session.scalars(select(Transition).order_by(Transition.id)))
        self.check_only_transitions_of_the_tables(transitions)
        self.check_state_is_the_last_transition(transitions)
        self.check_decided_rounds_have_two_motivated_decisions(transitions)
        self.check_non_selected_can_appeal_until_the_deadline()
        self.check_one_vote_per_bloc()
        self.check_versions()

    def check_versions(self):
        """Issue 13: versions are numbered 1, 2, … in the order submitted; a correction is
        open only while the intake is; after it, the content is the last submitted
        version's (what the jury reads)."""
        from matching.candidacies.models import CandidacyVersion
        from workareas.models import Procedure
        rows = db.session.execute(select(CandidacyVersion.candidacy_id, CandidacyVersion.number,
                                         CandidacyVersion.submitted_at)
                                  .order_by(CandidacyVersion.candidacy_id,
                                            CandidacyVersion.number)).all()
        by_candidacy: dict[int, list] = {}
        for cid, number, at in rows:
            by_candidacy.setdefault(cid, []).append((number, at))
        for cid, versions in by_candidacy.items():
            assert [n for n, _ in versions] == list(range(1, len(versions) + 1)), cid
            assert [at for _, at in versions] == sorted(at for _, at in versions), cid
        for c in db.session.scalars(select(Candidacy).join(Procedure).where(
                Procedure.state != P.PUBLISHED)):
            assert c.correction_opened_at is None, f"candidacy {c.id}: a correction lasted"
            if c.versions and c.state != C.WITHDRAWN:
                latest = c.versions[-1].content
                assert {x.challenge_code: x.text for x in c.contributions} == \
                    latest["contributions"], f"candidacy {c.id} is not its last version"

    def check_only_transitions_of_the_tables(self, transitions):
        for t in transitions:
            table = TABLES[t.object_type]
            allowed = {(s.value, st_.value): to.value for (s, st_), to in table.items()}
            assert allowed.get((t.from_state, t.step)) == t.to_state, (
                f"{t.object_type} {t.object_id}: {t.from_state} --{t.step}--> {t.to_state} "
                "is not in the table")

    def check_state_is_the_last_transition(self, transitions):
        from workareas.models import Procedure
        last: dict[tuple[str, int], Transition] = {}
        for t in transitions:
            prev = last.get((t.object_type, t.object_id))
            if prev is not None:
                assert prev.to_state == t.from_state, f"gap in the history of {t.object_type}"
            last[(t.object_type, t.object_id)] = t
        for model, kind, initial in ((Candidacy, "candidacy", C.DRAFT),
                                     (Procedure, "procedure", P.DRAFT),
                                     (Appeal, "appeal", A.FILED)):
            for oid, state in db.session.execute(select(model.id, model.state)):
                t = last.get((kind, oid))
                assert state.value == (t.to_state if t else initial.value), (
                    f"{kind} {oid} is {state.value}, its history says "
                    f"{t.to_state if t else initial.value}")

    def check_decided_rounds_have_two_motivated_decisions(self, transitions):
        decided: dict[tuple[int, int], str] = {}
        for t in transitions:
            for round_no, steps in DECISION_STEPS.items():
                if t.object_type == "candidacy" and t.step in steps:
                    decided[(t.object_id, round_no)] = t.step
        decisions: dict[tuple[int, int], list] = {}
        for d in db.session.execute(select(JuryDecision.candidacy_id, JuryDecision.round,
                                           JuryDecision.criterion, JuryDecision.score,
                                           JuryDecision.motivation)):
            decisions.setdefault((d.candidacy_id, d.round), []).append(d)
        for (cid, round_no), step in decided.items():
            rows = decisions.get((cid, round_no), [])
            assert sorted(d.criterion.value for d in rows) == sorted(
                cr.value for cr in Criterion), f"candidacy {cid} round {round_no}: {rows}"
            assert all(d.motivation and d.motivation.strip() for d in rows)
            passed = all(d.score >= 3 for d in rows)
            assert (step == PASS_STEP[round_no]) == passed, (
                f"candidacy {cid}: {step} with scores {[d.score for d in rows]} (R-JURY-5)")
        # R-DEC-1: the decision e-mail of a round states that round's decision, whatever
        # happened to the candidacy since (a later round, a withdrawal).
        for cid, round_no, selected in db.session.execute(select(
                DecisionNotice.candidacy_id, DecisionNotice.round, DecisionNotice.selected)):
            step = decided.get((cid, round_no))
            assert step is not None, f"candidacy {cid}: a notice of undecided round {round_no}"
            assert selected == (step == PASS_STEP[round_no]), (
                f"candidacy {cid}: the notice of round {round_no} says selected={selected}, "
                f"the round decided {step}")

    def check_non_selected_can_appeal_until_the_deadline(self):
        for c in self.candidacies(C.NOT_SELECTED_R1, C.NOT_SELECTED_R2):
            round_no = 1 if c.state == C.NOT_SELECTED_R1 else 2
            notice = c.notice(round_no)
            if notice is None or self.appeal_of(c, round_no) is not None:
                continue
            assert appeal_deadline(notice.received_at) == appeal_deadline_oracle(
                notice.received_at)
            if self.now <= appeal_deadline(notice.received_at):
                check_appeal_window(notice.received_at, self.now)

    def check_one_vote_per_bloc(self):
        rows = db.session.execute(select(Vote.ballot_id, Vote.bloc, func.count(Vote.id))
                                  .group_by(Vote.ballot_id, Vote.bloc)).all()
        assert all(n == 1 for _, _, n in rows)
