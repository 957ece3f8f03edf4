"""The rules of the intake and of the phases before the jury scores.

:class:`IntakeRules` applies, saves and submits candidacies, probes the exclusions
(R-CAND-1/2) and the deadline (R-CAND-3), withdraws, lets time pass, closes the intake,
starts round 1 and declares candidacies inadmissible. Each rule decides from the domain
rules alone whether its step MUST succeed, MUST be refused or MAY go either way, and
runs it through :meth:`ProcedureWorld.step`.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule
from sqlalchemy import func, select

from appeals.models import Appeal
from juries import round_operations as round_ops
from juries.models import Assessment, Ballot, JuryDecision, PitchAppointment
from matching.accounts.rules import OrganisationKind
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Candidacy, DecisionNotice
from matching.candidacies.rules import Declaration
from matching.core.db import db
from tests.integration.stateful_world import (
    MAX_CANDIDACIES,
    MAY,
    MUST,
    REFUSE,
    A,
    C,
    P,
    ProcedureWorld,
)
from tests.support import ANSWERS
from workareas import operations as area_ops
from workareas.rules import AFTER_INTAKE, earliest_candidacy_deadline


class IntakeRules(ProcedureWorld):
    """Intake, time and the phases up to round 1 (a mixin of the state machine)."""

    # --- intake ------------------------------------------------------------------------------
    @precondition(lambda self: self.facts["count"] < MAX_CANDIDACIES
                  if self.facts["intake_open"] else self.budget["apply late"] > 0)
    @rule(data=st.data())
    def apply_new_organisation(self, data):
        """R-CAND-2: every organisation may apply, also a local government not involved
        from step 2; R-CAND-3: before the deadline (the deadline itself still counts)."""
        kind = data.draw(st.sampled_from([OrganisationKind.OTHER, OrganisationKind.OTHER,
                                          OrganisationKind.LOCAL_GOVERNMENT]), label="kind")
        org = self.world.organisation(f"Organisatie {self.world._n + 1}", kind)
        who = self.world.applicant(org)
        db.session.commit()
        if self.facts["intake_open"]:
            self.step(MUST, "apply", self.world.apply, org.name, organisation=org)
        else:
            self.budget["apply late"] -= 1
            self.step(REFUSE, "apply late", candidacy_ops.start_candidacy, self.p, org, actor=who,
                      now=self.now)

    @precondition(lambda self: self.facts["intake_open"] and self.budget["draft"] > 0
                  and self.facts["count"] < MAX_CANDIDACIES)
    @rule()
    def start_draft(self):
        self.budget["draft"] -= 1
        org = self.world.organisation(f"Organisatie {self.world._n + 1}")
        who = self.world.applicant(org)
        db.session.commit()
        c = self.step(MUST, "start candidacy", candidacy_ops.start_candidacy, self.p, org,
                      actor=who, now=self.now)
        self.step(MUST, "save candidacy", candidacy_ops.save_candidacy, c, actor=who, now=self.now,
                  contributions={"RU2": "Wij begeleiden langdurig zieken naar werk."},
                  answers=ANSWERS, partnership_fit="Wij nemen deel aan het lokale netwerk.",
                  declarations=dict.fromkeys(Declaration, True))

    @precondition(lambda self: self.facts["states"][C.DRAFT] > 0)
    @rule(data=st.data())
    def submit_draft(self, data):
        c = self.pick_candidacy(data, self.candidacies(C.DRAFT))
        ok = c.state == C.DRAFT and self.p.state == P.PUBLISHED and self.now <= self.deadline
        self.step(MUST if ok else REFUSE, "submit draft", candidacy_ops.submit_candidacy, c,
                  actor=self.world.applicant(c.organisation), now=self.now)

    @precondition(lambda self: self.budget["correct"] > 0 and self.facts["count"] > 0)
    @rule(data=st.data(), resubmit=st.booleans())
    def correct_submitted(self, data, resubmit):
        """Issue 13: a submitted candidacy is corrected until the deadline, as a new version
        (the earlier kept); a correction not submitted again lapses at the close of the
        intake. Refused for a draft, a withdrawn or decided candidacy, after the deadline or
        once the intake closed."""
        self.budget["correct"] -= 1
        c = self.pick_candidacy(data, self.candidacies(C.SUBMITTED, C.DRAFT, C.WITHDRAWN))
        if c is None:
            return
        who = self.world.applicant(c.organisation)
        ok = (c.state == C.SUBMITTED and c.correction_opened_at is None
              and self.p.state == P.PUBLISHED and self.now <= self.deadline)
        versions = len(c.versions)
        if self.step(MUST if ok else REFUSE, f"open a correction ({c.state.value})",
                     candidacy_ops.open_correction, c, actor=who, now=self.now) is None:
            return
        if resubmit:
            self.step(MUST, "submit a correction", candidacy_ops.submit_candidacy, c,
                      actor=who, now=self.now)
            assert len(c.versions) == max(versions, 1) + 1 and c.correction_opened_at is None

    @precondition(lambda self: self.budget["version"] > 0)
    @rule(kind=st.sampled_from(["timing", "need"]))
    def new_addendum_version(self, kind):
        """R-ADD-3 (issue 12): a published addendum changes as a new version. While the
        candidacies are open a new need needs six weeks to the deadline (R-ADD-2); after the
        intake only the timing changes, until the ratification. A refusal changes nothing."""
        self.budget["version"] -= 1
        content = area_ops.version_content(self.p.current_version)
        if kind == "timing":
            content["partnership_start_date"] = (content["partnership_start_date"]
                                                 + timedelta(days=7))
        else:
            content["needs"].append({"title": f"Nieuwe nood {self.budget['version']}",
                                     "motivation": "Een nood die na de publicatie opdook."})
        if self.p.state == P.PUBLISHED:
            ok = kind == "timing" or self.deadline >= earliest_candidacy_deadline(self.now)
        else:
            ok = kind == "timing" and self.p.state in AFTER_INTAKE
        versions = len(self.p.versions)
        if self.step(MUST if ok else REFUSE, f"new addendum version ({kind}, "
                     f"{self.p.state.value})", area_ops.publish_new_version, self.p, content,
                     f"Gewijzigd: {kind}.", actor=self.world.coordinator,
                     now=self.now) is not None:
            assert len(self.p.versions) == versions + 1
        else:
            assert len(self.p.versions) == versions

    @precondition(lambda self: self.budget["apply again"] > 0)
    @rule(data=st.data())
    def apply_again_or_excluded(self, data):
        """R-CAND-1: one candidacy per organisation; R-CAND-2: not VDAB, not a local
        government involved from step 2. Refused in every phase."""
        self.budget["apply again"] -= 1
        who_applies = data.draw(st.sampled_from(["same organisation", "VDAB",
                                                 "involved local government"]), label="who")
        existing = self.candidacies()
        if who_applies == "same organisation" and existing:
            org = data.draw(st.sampled_from(existing), label="organisation").organisation
        elif who_applies == "involved local government":
            org = self.world.city
        else:
            org = self.world.vdab
        actor = self.world.applicant(org)
        db.session.commit()
        self.step(REFUSE, f"apply ({who_applies})", candidacy_ops.start_candidacy, self.p, org,
                  actor=actor, now=self.now)

    @precondition(lambda self: self.budget["withdraw"] > 0 and self.facts["count"] > 0)
    @rule(data=st.data())
    def withdraw(self, data):
        """Withdrawn by the applicant any time before the final decision (DOMAIN.md)."""
        self.budget["withdraw"] -= 1
        c = self.pick_candidacy(data, self.candidacies(C.DRAFT, C.SUBMITTED,
                                                       C.SELECTED_FOR_PITCH))
        open_appeal = db.session.scalar(select(func.count(Appeal.id)).where(
            Appeal.candidacy_id == c.id, Appeal.state.in_([A.FILED, A.UNDER_REVIEW])))
        if c.state in (C.WITHDRAWN, C.INADMISSIBLE, C.ADMITTED_TO_STEP4):
            expect = REFUSE
        elif open_appeal:
            expect = MAY  # the call is silent on withdrawing during one's own appeal
        else:
            expect = MUST
        if self.step(expect, f"withdraw from {c.state.value}", candidacy_ops.withdraw_candidacy, c,
                     "Wij trekken ons terug.", actor=self.world.applicant(c.organisation),
                     now=self.now) is not None:
            self.budget["withdraw"] = 0  # one withdrawal per run at most
            assert c.state == C.WITHDRAWN

    # --- time ------------------------------------------------------------------------------
    @rule(data=st.data())
    def advance_clock(self, data):
        self._facts = None
        mode = data.draw(st.sampled_from(["minutes", "hours", "days", "to deadline",
                                          "past deadline", "to pitch", "to appeal deadline",
                                          "past appeal deadline"]), label="advance")
        now, target = self.now, None
        if mode == "minutes":
            target = now + timedelta(minutes=data.draw(st.integers(1, 180), label="minutes"))
        elif mode == "hours":
            target = now + timedelta(hours=data.draw(st.integers(1, 48), label="hours"))
        elif mode == "days":
            target = now + timedelta(days=data.draw(st.integers(1, 10), label="days"))
        elif mode == "to deadline":
            target = self.deadline
        elif mode == "past deadline":
            target = self.deadline + timedelta(minutes=1)
        elif mode == "to pitch":
            starts = [a.slot.starts_at for a in db.session.scalars(select(PitchAppointment)
                      .where(PitchAppointment.held_at.is_(None)))]
            target = min(starts) + timedelta(minutes=5) if starts else None
        else:
            notices = list(db.session.scalars(select(DecisionNotice).where(
                DecisionNotice.selected.is_(False)).order_by(DecisionNotice.id)))
            if notices:
                n = data.draw(st.sampled_from(notices), label="notice")
                target = self.appeal_window_end(n.candidacy, n.round)
                if mode == "past appeal deadline":
                    target += timedelta(seconds=1)
        if target is None or target <= now:
            target = now + timedelta(minutes=1)
        self.world.clock.now = target

    # --- phases of the procedure ---------------------------------------------------------------
    @precondition(lambda self: self.facts["proc"] == P.PUBLISHED and not self.facts["intake_open"]
                  or self.facts["proc"] in (P.PUBLISHED, P.CANDIDACY_CLOSED)
                  and self.budget["early close"] > 0)
    @rule()
    def close_candidacies(self):
        ok = self.p.state == P.PUBLISHED and self.now > self.deadline
        if not ok:
            self.budget["early close"] -= 1
        drafts = [c.id for c in self.candidacies(C.DRAFT)]
        self.step(MUST if ok else REFUSE, "close candidacies", candidacy_ops.close_candidacies,
                  self.p, actor=self.world.coordinator, now=self.now)
        if ok:
            assert all(db.session.get(Candidacy, i).state == C.WITHDRAWN for i in drafts)

    @precondition(lambda self: self.facts["proc"] == P.CANDIDACY_CLOSED
                  or self.facts["proc"] in (P.PUBLISHED, P.ROUND_1)
                  and self.budget["early start"] > 0)
    @rule()
    def start_round_1(self):
        ok = self.p.state == P.CANDIDACY_CLOSED
        if not ok:
            self.budget["early start"] -= 1
        self.step(MUST if ok else REFUSE, "start round 1", round_ops.start_round_1, self.p,
                  actor=self.world.coordinator, now=self.now)

    @precondition(lambda self: self.budget["inadmissible"] > 0
                  and self.facts["proc"] in (P.CANDIDACY_CLOSED, P.ROUND_1))
    @rule(data=st.data(), reason=st.sampled_from(["te kort", "Het formulier werd niet door een "
                                                  "vertegenwoordiger ondertekend."]))
    def declare_inadmissible(self, data, reason):
        self.budget["inadmissible"] -= 1
        c = self.pick_candidacy(data, self.candidacies(C.SUBMITTED))
        if c is None:
            return
        assessed = any(db.session.scalar(select(func.count(model.id)).where(
            model.candidacy_id == c.id)) for model in (Assessment, Ballot, JuryDecision))
        if c.state != C.SUBMITTED or len(reason) < 10:
            expect = REFUSE
        elif self.p.state == P.CANDIDACY_CLOSED or not assessed:
            expect = MUST
        else:
            expect = MAY  # "at the deadline check": the call is silent once scoring began
        if self.step(expect, "declare inadmissible", candidacy_ops.declare_inadmissible, c, reason,
                     actor=self.world.coordinator, now=self.now) is not None:
            self.budget["inadmissible"] = 0
