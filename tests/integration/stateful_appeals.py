"""The rules of the decisions and the appeals (R-DEC-1, R-APP-1..3).

:class:`AppealRules` records the receipt of decisions, files appeals (in time or late,
by the right applicant or another), assigns appeal panels and records the panel
members' positions, each step decided by the oracle.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from sqlalchemy import select

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import AppealChannel, Position
from matching.accounts.rules import Role
from matching.candidacies import operations as candidacy_ops
from matching.core.db import db
from tests.integration.stateful_world import (
    GOOD_GROUNDS,
    GOOD_POSITION,
    MAY,
    MUST,
    NOT_SELECTED,
    REFUSE,
    SELECTED,
    A,
    C,
    ProcedureWorld,
)


class AppealRules(ProcedureWorld):
    """Decision receipts and appeals (a mixin of the state machine)."""

    # --- decisions and appeals (R-DEC-1, R-APP-*) -------------------------------------------------
    @precondition(lambda self: self.facts["decided"])
    @rule(data=st.data(), minutes_ago=st.integers(0, 120), in_future=st.integers(0, 7))
    def record_decision_received(self, data, minutes_ago, in_future):
        good = [c for c in self.candidacies()
                if any(c.notice(r) is None for r in self.decided_rounds(c))]
        c = self.pick_candidacy(data, good)
        decided = self.decided_rounds(c)
        round_no = self.pick(data, [r for r in decided if c.notice(r) is None], [1, 2], "round")
        if in_future == 0:
            received = self.now + timedelta(hours=1)  # not yet: refused
        elif round_no in decided:
            received = max(self.now - timedelta(minutes=minutes_ago), decided[round_no][1])
        else:
            received = self.now
        ok = round_no in decided and c.notice(round_no) is None and received <= self.now
        self.step(MUST if ok else REFUSE, "decision received",
                  candidacy_ops.record_decision_received, c, round_no, received, actor=None,
                  now=self.now)

    @precondition(lambda self: self.facts["decided"])
    @rule(data=st.data(),
          grounds=st.sampled_from([GOOD_GROUNDS] * 4 + ["Niet akkoord."]),
          documents=st.sampled_from([["Bijlage 2: referentielijst"]] * 4 + [[], ["  "]]),
          other_applicant=st.integers(0, 7))
    def file_appeal(self, data, grounds, documents, other_applicant):
        """R-APP-1/2: a non-selected organisation, within 14 days of receiving the
        decision, on material errors with the documentation concerned."""
        good = [c for c in self.candidacies(C.NOT_SELECTED_R1, C.NOT_SELECTED_R2)
                if c.notice(1 if c.state == C.NOT_SELECTED_R1 else 2) is not None]
        c = self.pick_candidacy(data, good)
        actor = self.world.applicant(c.organisation)
        if other_applicant == 0:
            others = [o for o in self.candidacies() if o.organisation_id != c.organisation_id]
            if others:
                actor = self.world.applicant(others[0].organisation)
        round_no = {C.NOT_SELECTED_R1: 1, C.NOT_SELECTED_R2: 2}.get(c.state)
        notice = c.notice(round_no) if round_no else None
        ok = (round_no is not None and notice is not None
              and self.now <= self.appeal_window_end(c, round_no)
              and self.appeal_of(c, round_no) is None
              and actor.has_role(Role.APPLICANT, organisation_id=c.organisation_id)
              and len(grounds) >= 20 and any(d.strip() for d in documents))
        if round_no is None:
            label = f"appeal from {c.state.value}"
        elif notice is not None and self.now > self.appeal_window_end(c, round_no):
            label = "appeal late"
        else:
            label = "appeal"
        if self.step(MUST if ok else REFUSE, label, appeal_ops.file_appeal, c, grounds,
                     documents, actor=actor, now=self.now) is not None:
            self.mark(f"appeal filed r{round_no}")

    @precondition(lambda self: self.facts["decided"])
    @rule(data=st.data(), hours_ago=st.integers(0, 24 * 20),
          channel=st.sampled_from([AppealChannel.EMAIL, AppealChannel.POST,
                                   AppealChannel.PLATFORM]),
          grounds=st.sampled_from([GOOD_GROUNDS] * 4 + ["Niet akkoord."]),
          by_coordinator=st.integers(0, 7))
    def register_appeal(self, data, hours_ago, channel, grounds, by_coordinator):
        """Issue 12: the coordinator registers an appeal that arrived by e-mail or post, with
        the moment it was received, checked against the same deadline as the form."""
        good = [c for c in self.candidacies(C.NOT_SELECTED_R1, C.NOT_SELECTED_R2)
                if c.notice(1 if c.state == C.NOT_SELECTED_R1 else 2) is not None]
        c = self.pick_candidacy(data, good)
        actor = self.world.coordinator if by_coordinator else self.world.applicant(
            c.organisation)
        round_no = {C.NOT_SELECTED_R1: 1, C.NOT_SELECTED_R2: 2}.get(c.state)
        notice = c.notice(round_no) if round_no else None
        received = self.now - timedelta(hours=hours_ago)
        end = self.appeal_window_end(c, round_no) if notice is not None else None
        ok = (round_no is not None and notice is not None and end is not None
              and notice.received_at <= received <= end
              and channel != AppealChannel.PLATFORM
              and self.appeal_of(c, round_no) is None and by_coordinator != 0
              and len(grounds) >= 20)
        if self.step(MUST if ok else REFUSE, "register appeal", appeal_ops.register_appeal, c,
                     grounds, ["Bijlage 2: referentielijst"], channel=channel,
                     received_at=received, actor=actor, now=self.now) is not None:
            self.mark(f"appeal registered r{round_no}")

    @precondition(lambda self: self.facts["appeals"])
    @rule(data=st.data())
    def assign_panel(self, data):
        """R-APP-3: two independent appeal matchmakers who were not on the jury."""
        appeals = list(db.session.scalars(select(Appeal).order_by(Appeal.id)))
        appeal = db.session.get(Appeal, self.pick(
            data, [a.id for a in appeals if a.state == A.FILED], [a.id for a in appeals],
            "appeal"))
        pool = self.panel_ids + [self.mm_ids["vdab1"], self.mm_ids["extern2"]]
        if data.draw(st.integers(0, 3), label="sensible panel"):
            ids = data.draw(st.lists(st.sampled_from(self.panel_ids), min_size=2, max_size=2,
                                     unique=True), label="panel")
        else:
            ids = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3),
                            label="panel")
        members = [self.user(i) for i in ids]
        ok = (appeal.state == A.FILED and len(ids) == 2 and len(set(ids)) == 2
              and not set(ids) & set(self.jury_bloc())
              and all(u.has_role(Role.APPEAL_MATCHMAKER) for u in members))
        self.step(MUST if ok else REFUSE, "assign panel", appeal_ops.assign_panel, appeal,
                  members, actor=self.world.coordinator, now=self.now)

    @precondition(lambda self: self.facts["appeals"])
    @rule(data=st.data(), position=st.sampled_from(list(Position)),
          motivation=st.sampled_from([GOOD_POSITION] * 4 + ["Niet overtuigend."]))
    def record_position(self, data, position, motivation):
        """R-APP-3: each panel member confirms or reverses with a thorough motivation;
        the non-selection is reversed only when both reverse (this system's reading)."""
        appeals = list(db.session.scalars(select(Appeal).order_by(Appeal.id)))
        appeal = db.session.get(Appeal, self.pick(
            data, [a.id for a in appeals if a.state == A.UNDER_REVIEW], [a.id for a in appeals],
            "appeal"))
        undecided = [m.user_id for m in appeal.panel if m.position is None]
        actor = self.user(self.pick(data, undecided, self.panel_ids + [self.mm_ids["vdab1"]],
                                    "panel member"))
        member = next((m for m in appeal.panel if m.user_id == actor.id), None)
        others = [m.position for m in appeal.panel if m is not member and m.position]
        c = appeal.candidacy
        last = member is not None and len(others) == 1
        reverses = last and position == Position.REVERSE and others[0] == Position.REVERSE
        if (member is None or appeal.state != A.UNDER_REVIEW or member.position is not None
                or len(motivation) < 20):
            expect = REFUSE
        elif reverses and c.state != NOT_SELECTED[appeal.round]:
            expect = MAY  # e.g. withdrawn meanwhile: the call is silent
        else:
            expect = MUST
        was = c.state
        if self.step(expect, "appeal position", appeal_ops.record_position, appeal, position,
                     motivation, actor=actor, now=self.now) is not None and last:
            if reverses:
                assert appeal.state == A.REVERSED
                if was == NOT_SELECTED[appeal.round]:
                    assert c.state == SELECTED[appeal.round]
                self.mark(f"appeal reversed r{appeal.round}")
            else:
                assert appeal.state == A.CONFIRMED and c.state == was
                self.mark(f"appeal confirmed r{appeal.round}")
