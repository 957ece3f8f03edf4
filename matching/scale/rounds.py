"""The jury's part of a work area's story in the scale dataset (:mod:`matching.scale`):
scoring (individual assessments, consensus or ballots, motivated decisions), closing the
rounds with their letters and decision notices, the pitches, and the appeals with their
panels. The letters reuse a handful of real ones, rendered once (:class:`LetterSamples`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from appeals.models import Appeal, AppealReference, PanelMember
from appeals.rules import AppealChannel, AppealStep
from juries.models import Assessment, Ballot, BallotState, JuryDecision, PitchAppointment, Vote
from juries.rules import Bloc, Method
from matching.candidacies.models import DecisionNotice, Letter, LetterPdf
from matching.candidacies.rules import CandidacyStep, Criterion, appeal_deadline
from matching.core.dates import BRUSSELS, UTC, brussels_date
from matching.demo import texts
from matching.letters.content import LetterKind
from matching.letters.render import SUBJECTS
from matching.scale.data import APPEAL_TEXTS, POSITION_TEXTS
from matching.scale.io import AuditTrail, Sink
from matching.scale.letters import LetterSamples, motivation
from matching.scale.plan import (
    BLOCS,
    CC,
    CONFIRMED,
    CONFIRMED_SPLIT,
    FILED,
    PITCHES_FROM,
    POSITIONS,
    REVERSED,
    REVIEW_ONE,
    ROUND_1_CLOSES,
    SLOT_HOURS,
    A,
    AreaPlan,
    C,
    Cand,
    Member,
    P,
)
from workareas.models import PitchSlot
from workareas.rules import ProcedureStep

if TYPE_CHECKING:
    from matching.scale.staff import Staff

#: Individual assessments in the audit trail too (as the operations record them).
AUDIT_ASSESSMENTS = True


class Rounds:
    """The second half of :class:`matching.scale.story.AreaStory` (a mixin): the jury's
    rounds, the pitches and the appeals of one work area. It works on the story's state
    and uses its clock (``at``, ``past``) and recording (``audit``, ``move``)."""

    plan: AreaPlan
    n: int
    now: datetime
    rng: random.Random
    sink: Sink
    trail: AuditTrail
    samples: LetterSamples
    staff: Staff
    deadline_day: int
    area_name: str
    coordinator: int
    jury: list[Member]
    location: str
    procedure: dict
    cands: list[Cand]
    slots: list[dict]
    defective: Cand | None
    defect_applied: bool
    at: Callable[..., datetime]
    past: Callable[[datetime], bool]
    audit: Callable[..., None]
    move: Callable[..., None]
    assessed: Callable[[], list[Cand]]

    # --- scoring --------------------------------------------------------------------------------

    def round_1(self) -> None:
        d = self.deadline_day
        for k, cand in enumerate(self.assessed()):
            start = self.at(d + 3 + k % 10, 8, 30 + (k // 10) * 4)
            if not self.past(start + timedelta(minutes=60)):
                continue
            only_assessed = self.plan.state == P.ROUND_1 and k % 5 == 0
            self.score(cand, 1, start, decide=not only_assessed)

    def score(self, cand: Cand, round_no: int, start: datetime, decide: bool = True) -> None:
        """Every eligible matchmaker's own score, then the jury's decision per criterion
        (without ``decide``: the jury is still busy, only the first criterion is scored)."""
        for offset, criterion in enumerate(Criterion if decide else [CC]):
            score, method = cand.fate.scores[round_no][criterion]
            at = start + timedelta(minutes=25 * offset)
            ballots = self.votes(score, method)
            # Without consensus, the outvoted bloc's matchmakers scored differently.
            dissent = {b: s for b, s in (ballots[-1] if ballots else {}).items() if s != score}
            for m, member in enumerate(cand.eligible):
                self.assess(cand, round_no, criterion, dissent.get(member.bloc, score), member,
                            at + timedelta(minutes=m))
            if decide:
                self.decide(cand, round_no, criterion, score, ballots, at + timedelta(minutes=10))

    def votes(self, score: int, method: str) -> list[dict[Bloc, int]]:
        """The ballots' votes per bloc: the last one decides with ⅔; a first one may not."""
        if method == "consensus":
            return []
        dissenter = self.rng.choice(BLOCS)
        deciding = {b: (score + 1 if score < 4 else score - 1) if b == dissenter else score
                    for b in BLOCS}
        if method == "ballot":
            return [deciding]
        low = min(max(score - 1, 1), 2)
        spread = list(range(low, low + 3))
        self.rng.shuffle(spread)
        return [dict(zip(BLOCS, spread, strict=True)), deciding]

    def assess(self, cand: Cand, round_no: int, criterion: Criterion, score: int, member: Member,
               at: datetime) -> None:
        row = self.sink.add(Assessment, user_id=member.user_id, candidacy_id=cand.row["id"],
                            round=round_no, criterion=criterion, score=score,
                            note_1=texts.NOTES[score][0], note_2=texts.NOTES[score][1],
                            note_3=texts.NOTES[score][2], note_4=texts.NOTES[score][3],
                            recorded_at=at)
        if AUDIT_ASSESSMENTS:
            self.audit(at, member.user_id, "assessment.record", "assessment", row["id"],
                       candidacy=cand.row["reference"], round=round_no, criterion=criterion,
                       bloc=member.bloc, before=None, after=score)

    def decide(self, cand: Cand, round_no: int, criterion: Criterion, score: int,
               ballots: list[dict[Bloc, int]], at: datetime) -> None:
        chair, ballot_id = cand.eligible[0], None
        for k, votes in enumerate(ballots):
            opened = at + timedelta(minutes=6 * k)
            ballot_id = self.ballot(cand, round_no, criterion, votes, opened,
                                    decided=k == len(ballots) - 1)
        decided = at + timedelta(minutes=6 * len(ballots))
        row = self.sink.add(
            JuryDecision, candidacy_id=cand.row["id"], round=round_no, criterion=criterion,
            score=score, motivation=motivation(criterion, score, round_no, bool(ballots)),
            method=Method.BALLOT if ballots else Method.CONSENSUS, ballot_id=ballot_id,
            decided_by_id=chair.user_id, decided_at=decided,
            jury_blocs=",".join(sorted(m.bloc.value for m in cand.eligible)))
        self.audit(decided, chair.user_id, "decision.record", "jury_decision", row["id"],
                   candidacy=cand.row["reference"], round=round_no, criterion=criterion,
                   score=score, method=row["method"])

    def ballot(self, cand: Cand, round_no: int, criterion: Criterion, votes: dict[Bloc, int],
               opened: datetime, decided: bool) -> int:
        chair = cand.eligible[0]
        closed, outcome = opened + timedelta(minutes=5), None
        if decided:
            outcome = max(set(votes.values()), key=list(votes.values()).count)
        row = self.sink.add(Ballot, candidacy_id=cand.row["id"], round=round_no,
                            criterion=criterion,
                            state=BallotState.DECIDED if decided else BallotState.UNDECIDED,
                            opened_at=opened, closed_at=closed, outcome_score=outcome)
        self.audit(opened, chair.user_id, "ballot.open", "ballot", row["id"],
                   candidacy=cand.row["reference"], round=round_no, criterion=criterion)
        for k, bloc in enumerate(BLOCS):
            voter = next(m for m in cand.eligible if m.bloc == bloc)
            cast = opened + timedelta(minutes=1 + k)
            vote = self.sink.add(Vote, ballot_id=row["id"], bloc=bloc, score=votes[bloc],
                                 cast_by_id=voter.user_id, cast_at=cast)
            self.audit(cast, voter.user_id, "ballot.vote", "vote", vote["id"], ballot=row["id"],
                       bloc=bloc, score=votes[bloc])
        self.audit(closed, chair.user_id, "ballot.close", "ballot", row["id"],
                   votes={b.value: s for b, s in votes.items()}, outcome=outcome)
        return row["id"]

    # --- closing a round: transitions, letters, notices ---------------------------------------

    def close_round_1(self) -> None:
        closed = self.at(self.deadline_day + ROUND_1_CLOSES, 16)
        if self.plan.defect in ("missing_letter", "no_appeal_deadline"):
            self.defective = next((c for c in self.assessed()
                                   if not c.fate.passes(1) and not c.fate.appeal), None)
        for cand in self.assessed():
            self.decide_candidacy(cand, 1, closed)
        self.move(self.procedure, "procedure", ProcedureStep.CLOSE_ROUND_1, P.ROUND_2,
                  self.coordinator, closed)

    def decide_candidacy(self, cand: Cand, round_no: int, closed: datetime) -> None:
        scores = {c: s for c, (s, _) in cand.fate.scores[round_no].items()}
        passed = cand.fate.passes(round_no)
        step, to = {(1, True): (CandidacyStep.SELECT_R1, C.SELECTED_FOR_PITCH),
                    (1, False): (CandidacyStep.REJECT_R1, C.NOT_SELECTED_R1),
                    (2, True): (CandidacyStep.ADMIT_R2, C.ADMITTED_TO_STEP4),
                    (2, False): (CandidacyStep.REJECT_R2, C.NOT_SELECTED_R2)}[(round_no, passed)]
        self.move(cand.row, "candidacy", step, to, self.coordinator, closed,
                  reason=", ".join(f"{c.value}={s}" for c, s in scores.items()))
        if round_no == 1 and passed:
            return  # the letter goes with the pitch invitation
        kind = {(1, False): LetterKind.ROUND1_NOT_SELECTED, (2, True): LetterKind.ROUND2_ADMITTED,
                (2, False): LetterKind.ROUND2_NOT_ADMITTED}[(round_no, passed)]
        defect = self.plan.defect if cand is self.defective and round_no == 1 else None
        self.defect_applied |= defect is not None
        if defect == "missing_letter":
            return  # no letter, so no e-mail and no receipt either
        deadline = None if passed or defect == "no_appeal_deadline" else appeal_deadline(closed)
        self.letter(kind, cand, closed, round_no, self.coordinator, scores=tuple(scores.values()),
                    deadline=deadline)
        self.receive(cand, round_no, passed, closed)

    def receive(self, cand: Cand, round_no: int, selected: bool, sent: datetime) -> None:
        """The decision e-mail arrives the next morning (R-APP-1 counts from here)."""
        received = sent + timedelta(hours=self.rng.randint(15, 20), minutes=self.rng.randint(0, 59))
        row = self.sink.add(DecisionNotice, candidacy_id=cand.row["id"], round=round_no,
                            selected=selected, received_at=received)
        cand.notice[round_no] = received
        self.trail.add(received, None, "decision_notice.received", "decision_notice", row["id"],
                       self.procedure["id"], round=round_no, received_at=received)

    def letter(self, kind: LetterKind, cand: Cand, at: datetime, round_no: int, actor: int,
               scores: tuple = (), deadline: datetime | None = None,
               appeal: dict | None = None, outcome: str | None = None) -> None:
        sample = self.samples.get(kind, scores or ((outcome,) if outcome else ()))
        suffix = {LetterKind.ROUND1_SELECTED: f"/R{round_no}/PITCH",
                  LetterKind.APPEAL_RECEIPT: f"/W{round_no}",
                  LetterKind.APPEAL_OUTCOME: f"/W{round_no}/U",
                  LetterKind.INADMISSIBLE: "/ONONTV"}.get(kind, f"/R{round_no}")
        reference = cand.row["reference"] + suffix
        row = self.sink.add(
            Letter, kind=kind, reference=reference, version=1, procedure_id=self.procedure["id"],
            candidacy_id=cand.row["id"], appeal_id=appeal["id"] if appeal else None,
            round=round_no, locale="nl", subject=SUBJECTS[kind] % {"area": self.area_name},
            recipients=cand.applicant_email, html=sample.html, text=sample.text,
            content_sha256=sample.content_sha256, ics=sample.ics, appeal_deadline=deadline,
            created_at=at, created_by_id=actor, supersedes_id=None, correction_reason=None)
        self.sink.add(LetterPdf, letter_id=row["id"], pdf=sample.pdf, sha256=sample.sha256,
                      rendered_at=sample.sealed_at, sealed_at=sample.sealed_at,
                      seal_fingerprint=sample.seal_fingerprint)
        self.audit(at, actor, "letter.issue", "letter", row["id"], kind=kind, reference=reference,
                   version=1, content_sha256=sample.content_sha256)

    # --- pitches --------------------------------------------------------------------------------

    def slot(self, after: datetime) -> dict:
        """The next pitch moment (weekdays, seven a day) after ``after`` and the last one."""
        if self.slots:
            after = max(after, self.slots[-1]["starts_at"])
        day = brussels_date(after)
        while True:
            if day.weekday() < 5:
                for hour in SLOT_HOURS:
                    start = datetime.combine(day, time(hour), tzinfo=BRUSSELS).astimezone(UTC)
                    if start > after:
                        return self.add_slot(start)
            day += timedelta(days=1)

    def add_slot(self, start: datetime) -> dict:
        row = self.sink.add(PitchSlot, procedure_id=self.procedure["id"], starts_at=start,
                            ends_at=start + timedelta(minutes=45), location=self.location)
        self.slots.append(row)
        self.audit(self.at(-5, 11), self.coordinator, "pitch_slot.add", "pitch_slot", row["id"],
                   starts_at=start, location=self.location)
        return row

    def future_slots(self) -> None:
        first = self.at(self.deadline_day + PITCHES_FROM, 8)
        for _ in range(max(3, math.ceil(self.n * 0.4))):
            self.slot(first)

    def spare_slots(self) -> None:
        """Two pitch moments more than needed, as an addendum plans them."""
        for _ in range(2):
            self.slot(self.at(self.deadline_day + PITCHES_FROM, 8))

    def plan_pitches(self) -> None:
        planned = self.at(self.deadline_day + ROUND_1_CLOSES + 1, 9)
        first = self.at(self.deadline_day + PITCHES_FROM, 8)
        for k, cand in enumerate(c for c in self.cands if c.row["state"] == C.SELECTED_FOR_PITCH):
            at = planned + timedelta(minutes=k)
            self.plan_pitch(cand, self.slot(first), at)
            self.receive(cand, 1, True, at)

    def plan_pitch(self, cand: Cand, slot: dict, at: datetime) -> None:
        row = self.sink.add(PitchAppointment, candidacy_id=cand.row["id"], slot_id=slot["id"],
                            planned_at=at, held_at=None, report=None)
        cand.pitch = row
        cand.slot = slot
        self.audit(at, self.coordinator, "pitch.plan", "pitch_appointment", row["id"],
                   candidacy=cand.row["reference"], starts_at=slot["starts_at"])
        scores = tuple(s for s, _ in cand.fate.scores[1].values())
        self.letter(LetterKind.ROUND1_SELECTED, cand, at, 1, self.coordinator, scores=scores)

    def round_2(self) -> None:
        # (the appointment and its slot: plan_pitch sets both)
        pitching = sorted(((c, c.pitch, c.slot) for c in self.cands
                           if c.pitch is not None and c.slot is not None),
                          key=lambda planned: planned[2]["starts_at"])
        self.last_r2 = None
        for cand, pitch, slot in pitching:
            held = slot["starts_at"] + timedelta(minutes=50)
            if not self.past(held):
                continue
            pitch["held_at"] = held
            pitch["report"] = texts.PITCH_REPORT.format(name=cand.organisation)
            self.audit(held, self.coordinator, "pitch.held", "pitch_appointment",
                       pitch["id"], candidacy=cand.row["reference"])
            start = slot["starts_at"] + timedelta(days=1)
            if self.past(start + timedelta(minutes=60)):
                self.score(cand, 2, start)
                self.last_r2 = start + timedelta(minutes=60)

    def close_round_2(self) -> None:
        last = self.last_r2 or self.at(self.deadline_day + PITCHES_FROM, 8)
        closed = datetime.combine(brussels_date(last) + timedelta(days=2), time(16),
                                  tzinfo=BRUSSELS).astimezone(UTC)
        for cand in self.cands:
            if cand.row["state"] == C.SELECTED_FOR_PITCH:
                self.decide_candidacy(cand, 2, closed)
        self.move(self.procedure, "procedure", ProcedureStep.CLOSE_ROUND_2, P.DECIDED,
                  self.coordinator, closed)

    # --- appeals --------------------------------------------------------------------------------

    def appeals(self, round_no: int) -> None:
        waiting = {1: C.NOT_SELECTED_R1, 2: C.NOT_SELECTED_R2}[round_no]
        for cand in self.cands:
            outcome = cand.fate.appeal.get(round_no)
            if outcome and cand.row["state"] == waiting and round_no in cand.notice:
                self.appeal(cand, round_no, outcome)

    def appeal(self, cand: Cand, round_no: int, outcome: str) -> None:
        filed = self.day_after(cand.notice[round_no], self.rng.randint(2, 10), 15)
        grounds, documents = self.rng.choice(APPEAL_TEXTS)
        row = self.sink.add(Appeal, candidacy_id=cand.row["id"], round=round_no, state=A.FILED,
                            grounds=grounds, filed_at=filed, filed_by_id=cand.applicant,
                            decided_at=None, channel=AppealChannel.PLATFORM,
                            registered_at=None)
        for document in documents:
            self.sink.add(AppealReference, appeal_id=row["id"], document=document,
                          attachment_id=None)
        self.audit(filed, cand.applicant, "appeal.file", "appeal", row["id"],
                   candidacy=cand.row["reference"], round=round_no, documents=len(documents))
        self.letter(LetterKind.APPEAL_RECEIPT, cand, filed, round_no, cand.applicant, appeal=row)
        if outcome != FILED:
            self.review(cand, row, outcome, self.day_after(filed, 1, 9))

    def day_after(self, instant: datetime, days: int, hour: int) -> datetime:
        day = brussels_date(instant) + timedelta(days=days)
        return datetime.combine(day, time(hour), tzinfo=BRUSSELS).astimezone(UTC)

    def review(self, cand: Cand, appeal: dict, outcome: str, assigned: datetime) -> None:
        panel = self.rng.sample(self.staff.appeal_pool, 2)
        if self.plan.defect == "panel_from_jury" and not self.defect_applied \
                and outcome in (CONFIRMED, CONFIRMED_SPLIT, REVERSED):
            panel[1] = (self.jury[0].user_id, self.jury[0].email)
            self.defect_applied = True
        members = [self.sink.add(PanelMember, appeal_id=appeal["id"], user_id=user_id,
                                 position=None, motivation=None, decided_at=None)
                   for user_id, _ in panel]
        self.move(appeal, "appeal", AppealStep.ASSIGN_PANEL, A.UNDER_REVIEW, self.coordinator,
                  assigned, reason=", ".join(address for _, address in panel))
        if outcome == REVIEW_ONE and self.plan.state == P.DECIDED:
            self.defect_applied = True  # the planned open appeal
        for k, position in enumerate(POSITIONS[outcome]):
            at = self.day_after(assigned, 3 + k, 14 - 3 * k)
            members[k].update(position=position, decided_at=at,
                              motivation=self.rng.choice(POSITION_TEXTS[position]))
            self.audit(at, members[k]["user_id"], "appeal.position", "appeal_panel_member",
                       members[k]["id"], appeal=appeal["id"], position=position)
        if outcome in (CONFIRMED, CONFIRMED_SPLIT, REVERSED):
            self.conclude(cand, appeal, outcome, members[1])

    def conclude(self, cand: Cand, appeal: dict, outcome: str, last: dict) -> None:
        at, actor, round_no = last["decided_at"], last["user_id"], appeal["round"]
        appeal["decided_at"] = at
        if outcome == REVERSED:
            self.move(appeal, "appeal", AppealStep.REVERSE, A.REVERSED, actor, at)
            to = C.SELECTED_FOR_PITCH if round_no == 1 else C.ADMITTED_TO_STEP4
            self.move(cand.row, "candidacy", CandidacyStep.REVERSE_ON_APPEAL, to, actor, at,
                      reason=f"weerwoord {appeal['id']} omgekeerd")
        else:
            self.move(appeal, "appeal", AppealStep.CONFIRM, A.CONFIRMED, actor, at)
        self.letter(LetterKind.APPEAL_OUTCOME, cand, at, round_no, actor, appeal=appeal,
                    outcome=A.REVERSED.value if outcome == REVERSED else A.CONFIRMED.value)
        if outcome == REVERSED and round_no == 1:  # its own pitch (DOMAIN.md, readings)
            planned = self.day_after(at, 1, 9)
            self.plan_pitch(cand, self.slot(self.day_after(at, 5, 8)), planned)
