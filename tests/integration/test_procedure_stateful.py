"""A stateful property test of the whole procedure, on the real operations and database.

Hypothesis drives random sequences of the operations of DOMAIN.md (submit, withdraw,
let time pass, close the intake, score, seek consensus, vote, close rounds, pitch,
receive decisions, appeal, judge the appeal) against a World with a published
procedure and a complete jury, on every backend of the ``app`` fixture.

Each rule decides from the domain rules alone (this file's own oracle, not the code
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
2 and the appeals (see its comment).

``STATEFUL_EXAMPLES`` and ``STATEFUL_STEPS`` scale the run (defaults keep it near half
a minute per backend), ``STATEFUL_SHRINK=1`` shrinks a failing run (slow); the reached
depth is printed (``pytest -s``) and reported as Hypothesis events
(``--hypothesis-show-statistics``).
"""

from __future__ import annotations

import os
import time as wallclock
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, Phase, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition,
                                 rule, run_state_machine_as_test)
from sqlalchemy import func, select, text

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import Position, check_appeal_window
from juries import operations as jury_ops
from juries.models import (Assessment, Ballot, BallotState, JuryDecision, JuryMembership,
                           PitchAppointment, Vote)
from juries.rules import Bloc, Criterion
from matching import operations as ops
from matching.candidacy_rules import Declaration, OrganisationKind
from matching.errors import DomainError
import matching.schema  # noqa: F401  (every model in the metadata, for the snapshots)
from matching.extensions import db
from matching.letters.content import LetterKind
from matching.letters.models import Letter
from matching.models.accounts import Role, User
from matching.models.audit import Transition
from matching.models.candidacies import Candidacy, DecisionNotice
from matching.rules import BRUSSELS, appeal_deadline
from matching.statemachine import (APPEAL_TRANSITIONS, CANDIDACY_TRANSITIONS,
                                   PROCEDURE_TRANSITIONS, AppealState, CandidacyState,
                                   ProcedureState)
from tests.support import ANSWERS, World
from workareas import operations as area_ops
from workareas.models import PitchSlot

C, P, A = CandidacyState, ProcedureState, AppealState

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

#: Submitted candidacies per run: enough for selections, rejections and appeals, few
#: enough for the jury to finish both rounds within the steps of one run.
MAX_CANDIDACIES = 4
JURY = ("vdab1", "vdab2", "lokaal1", "extern1")  # World.compose_jury's default
MATCHMAKERS = ("vdab1", "vdab2", "lokaal1", "extern1", "extern2")  # extern2: not on the jury
GOOD_MOTIVATION = "De jury weegt de antwoorden af tegen de lokale noden."
GOOD_GROUNDS = "De bijlage met onze referenties werd niet meegenomen in de beoordeling."
GOOD_POSITION = "Na lezing van de bijlage en de motivering van de jury: zie verslag."

ENTRY = {1: C.SUBMITTED, 2: C.SELECTED_FOR_PITCH}
NOT_SELECTED = {1: C.NOT_SELECTED_R1, 2: C.NOT_SELECTED_R2}
SELECTED = {1: C.SELECTED_FOR_PITCH, 2: C.ADMITTED_TO_STEP4}
SCORING_STATES = {1: {P.ROUND_1}, 2: {P.ROUND_2, P.DECIDED}}
DECISION_STEPS = {1: ("select_r1", "reject_r1"), 2: ("admit_r2", "reject_r2")}
PASS_STEP = {1: "select_r1", 2: "admit_r2"}
NOT_SELECTED_LETTER = {1: LetterKind.ROUND1_NOT_SELECTED, 2: LetterKind.ROUND2_NOT_ADMITTED}
TABLES = {"candidacy": CANDIDACY_TRANSITIONS, "procedure": PROCEDURE_TRANSITIONS,
          "appeal": APPEAL_TRANSITIONS}

#: Depth reached, per backend, summed over the machine instances of a run.
STATS: dict[str, Counter] = {}


# --- helpers --------------------------------------------------------------------------------

def wipe() -> None:
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":  # the audit trail refuses DELETE otherwise
        db.session.execute(text("SET LOCAL session_replication_role = replica"))
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _pk_order(t, alias: str = "") -> str:
    return ", ".join(f'{alias}"{c.name}"' for c in t.primary_key.columns)


#: SQLite: every row of every table. PostgreSQL: one round trip for an md5 per table.
SNAPSHOT_SQL = [(t.name, f'SELECT * FROM "{t.name}" ORDER BY {_pk_order(t)}')
                for t in db.metadata.sorted_tables]
SNAPSHOT_SQL_POSTGRESQL = "SELECT " + ", ".join(
    f"""(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY {_pk_order(t, 'x.')}), ''))"""
    f' FROM "{t.name}" x)' for t in db.metadata.sorted_tables)


def snapshot() -> dict[str, object]:
    """The contents of every table, to prove that a refused step changed nothing."""
    db.session.flush()
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        row = conn.exec_driver_sql(SNAPSHOT_SQL_POSTGRESQL).one()
        return dict(zip((t.name for t in db.metadata.sorted_tables), row))
    return {name: conn.exec_driver_sql(sql).fetchall() for name, sql in SNAPSHOT_SQL}


def pending_changes() -> list:
    s = db.session
    return list(s.new) + list(s.deleted) + [o for o in s.dirty if s.is_modified(o)]


def appeal_deadline_oracle(received_at: datetime) -> datetime:
    """R-APP-1, computed here independently: 23:59:59 Brussels time on day 14."""
    day = received_at.astimezone(BRUSSELS).date() + timedelta(days=14)
    return datetime.combine(day, time(23, 59, 59), tzinfo=BRUSSELS)


MUST, REFUSE, MAY = "must", "refuse", "may"


def _progress_rule(name: str):
    """A copy of the progress rule under its own name (see ProcedureMachine.progress)."""
    def progress_copy(self, data):
        self.progress(data)
    progress_copy.__name__ = progress_copy.__qualname__ = name
    return rule(data=st.data())(progress_copy)


# --- the machine ----------------------------------------------------------------------------

class ProcedureMachine(RuleBasedStateMachine):
    def __init__(self, app):
        super().__init__()
        self.backend = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0].split("+")[0]
        self.stats = STATS.setdefault(self.backend, Counter())
        self.ctx = app.app_context()
        self.ctx.push()
        wipe()
        self.world = World(db)
        self.world.published_procedure(slots=3)
        self.world.compose_jury(JURY)
        db.session.commit()
        self.mm_ids = {name: u.id for name, u in self.world.mm.items()}
        self.panel_ids = [u.id for u in self.world.panel]
        #: Refusal probes per run, so that later phases are not drowned in them.
        self.budget = Counter({"apply again": 3, "apply late": 2, "second vote": 3,
                               "withdraw": 2, "inadmissible": 2, "draft": 1, "early close": 2,
                               "early start": 2})
        self.seen: set[str] = set()
        self.tried_dangling: set[int] = set()
        self._facts = None

    def teardown(self):
        try:
            db.session.rollback()
            if hasattr(self, "world"):
                self.record_depth()
        finally:
            wipe()  # the next run, and the next test, start from an empty database
            db.session.remove()
            self.ctx.pop()

    # --- state access ------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return self.world.clock.now

    @property
    def p(self):
        return self.world.procedure

    @property
    def deadline(self) -> datetime:
        return self.p.candidacy_deadline

    def user(self, name_or_id):
        uid = self.mm_ids.get(name_or_id, name_or_id)
        return db.session.get(User, uid)

    def jury_bloc(self) -> dict[int, Bloc]:
        return {uid: bloc for uid, bloc in db.session.execute(
            select(JuryMembership.user_id, JuryMembership.bloc))}

    def candidacies(self, *states) -> list[Candidacy]:
        q = select(Candidacy).order_by(Candidacy.id)
        if states:
            q = q.where(Candidacy.state.in_(states))
        return list(db.session.scalars(q))

    def decision(self, c: Candidacy, round_no: int, criterion: Criterion):
        return db.session.scalar(select(JuryDecision).where(
            JuryDecision.candidacy_id == c.id, JuryDecision.round == round_no,
            JuryDecision.criterion == criterion))

    def appointment(self, c: Candidacy):
        return db.session.scalar(select(PitchAppointment)
                                 .where(PitchAppointment.candidacy_id == c.id))

    def pitch_held(self, c: Candidacy) -> bool:
        a = self.appointment(c)
        return a is not None and a.held_at is not None

    def scoring_open(self, c: Candidacy, round_no: int, criterion: Criterion) -> bool:
        """R-JURY-*: the round is open in the procedure, the candidacy awaits it, in round 2
        after its pitch (R-PITCH-1), and the jury has not decided the criterion yet."""
        return (self.p.state in SCORING_STATES[round_no] and c.state == ENTRY[round_no]
                and (round_no == 1 or self.pitch_held(c))
                and self.decision(c, round_no, criterion) is None)

    def decided_rounds(self, c: Candidacy | None = None) -> dict:
        """The jury decision transitions (step, at) per round: of one candidacy, or of all
        candidacies as {candidacy id: {round: (step, at)}}."""
        q = select(Transition.object_id, Transition.step, Transition.at).where(
            Transition.object_type == "candidacy",
            Transition.step.in_(DECISION_STEPS[1] + DECISION_STEPS[2])).order_by(Transition.id)
        if c is not None:
            q = q.where(Transition.object_id == c.id)
        out: dict[int, dict[int, tuple[str, datetime]]] = {}
        for cid, step, at in db.session.execute(q):
            out.setdefault(cid, {})[1 if step in DECISION_STEPS[1] else 2] = (step, at)
        return out.get(c.id, {}) if c is not None else out

    def appeal_window_end(self, c: Candidacy, round_no: int) -> datetime | None:
        """R-APP-1: 14 days after receipt of the decision, and never shorter than the
        deadline the (latest) decision letter stated; None before the receipt."""
        notice = c.notice(round_no)
        if notice is None:
            return None
        stated = db.session.scalar(select(Letter.appeal_deadline).where(
            Letter.candidacy_id == c.id, Letter.kind == NOT_SELECTED_LETTER[round_no])
            .order_by(Letter.version.desc()).limit(1))
        legal = appeal_deadline_oracle(notice.received_at)
        return max(legal, stated) if stated else legal

    def appeal_of(self, c: Candidacy, round_no: int):
        return db.session.scalar(select(Appeal).where(Appeal.candidacy_id == c.id,
                                                      Appeal.round == round_no))

    def open_ballot(self, c: Candidacy, round_no: int, criterion: Criterion):
        return db.session.scalar(select(Ballot).where(
            Ballot.candidacy_id == c.id, Ballot.round == round_no,
            Ballot.criterion == criterion, Ballot.state == BallotState.OPEN))

    def current_round(self) -> int:
        return 1 if self.p.state in (P.PUBLISHED, P.CANDIDACY_CLOSED, P.ROUND_1) else 2

    @property
    def facts(self) -> dict:
        """Cheap facts for the preconditions, computed once per step."""
        if self._facts is None:
            states = Counter(c.state for c in self.candidacies())
            open_ballots_voted = db.session.scalar(
                select(func.count(Vote.id)).join(Ballot).where(Ballot.state == BallotState.OPEN))
            taken = set(db.session.scalars(select(PitchAppointment.slot_id)))
            self._facts = {
                "proc": self.p.state,
                "intake_open": self.p.state == P.PUBLISHED and self.now <= self.deadline,
                "states": states,
                "count": sum(states.values()),
                "ballots": bool(db.session.scalar(select(func.count(Ballot.id)))),
                "open_ballot_with_vote": bool(open_ballots_voted),
                "appointments": bool(taken),
                "decided": bool(db.session.scalar(select(func.count(Transition.id)).where(
                    Transition.step.in_(DECISION_STEPS[1] + DECISION_STEPS[2])))),
                "appeals": bool(db.session.scalar(select(func.count(Appeal.id)))),
                "free_future_slots": sum(1 for s in self.p.pitch_slots
                                         if s.starts_at > self.now and s.id not in taken),
            }
        return self._facts

    # --- drawing -------------------------------------------------------------------------
    def pick(self, data, good: list, anything: list, label: str):
        """Mostly a sensible target, sometimes any (to exercise refusals)."""
        sensible = good and data.draw(st.integers(0, 3), label=f"{label} sensible")
        pool = good if sensible else anything
        if not pool:
            return None
        return data.draw(st.sampled_from(pool), label=label)

    def pick_candidacy(self, data, good: list[Candidacy], label="candidacy") -> Candidacy | None:
        cid = self.pick(data, [c.id for c in good], [c.id for c in self.candidacies()], label)
        return db.session.get(Candidacy, cid) if cid else None

    def pick_member(self, data, label="matchmaker"):
        name = self.pick(data, list(JURY), list(MATCHMAKERS), label)
        return self.user(name)

    # --- running a step --------------------------------------------------------------------
    def step(self, expect: str, name: str, fn, *args, **kwargs):
        """Run an operation as the oracle expects; commit on success.

        MUST: it succeeds. REFUSE: it raises DomainError and nothing changed.
        MAY: either; a refusal still changes nothing.
        """
        self._facts = None
        if expect == MUST:
            try:
                result = fn(*args, **kwargs)
            except DomainError as error:
                raise AssertionError(f"{name} was refused, but the rules allow it: "
                                     f"{error}") from error
            db.session.commit()
            self.mark(f"ok {name}")
            return result
        before = snapshot()
        if expect == REFUSE:
            with pytest.raises(DomainError):
                fn(*args, **kwargs)
                pytest.fail(f"{name} succeeded, but the rules refuse it")
        else:
            try:
                result = fn(*args, **kwargs)
            except DomainError:
                pass
            else:
                db.session.commit()
                self.mark(f"ok (may) {name}")
                return result
        assert pending_changes() == [], f"refused {name} left changes in the session"
        after = snapshot()
        changed = sorted(t for t in before if before[t] != after[t])
        assert not changed, f"refused {name} changed the database: tables {changed}"
        self.mark(f"refused {name}")
        return None

    def mark(self, label: str) -> None:
        self.seen.add(label)

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
            self.step(REFUSE, "apply late", ops.start_candidacy, self.p, org, actor=who,
                      now=self.now)

    @precondition(lambda self: self.facts["intake_open"] and self.budget["draft"] > 0
                  and self.facts["count"] < MAX_CANDIDACIES)
    @rule()
    def start_draft(self):
        self.budget["draft"] -= 1
        org = self.world.organisation(f"Organisatie {self.world._n + 1}")
        who = self.world.applicant(org)
        db.session.commit()
        c = self.step(MUST, "start candidacy", ops.start_candidacy, self.p, org, actor=who,
                      now=self.now)
        self.step(MUST, "save candidacy", ops.save_candidacy, c, actor=who, now=self.now,
                  contributions={"RU2": "Wij begeleiden langdurig zieken naar werk."},
                  answers=ANSWERS, partnership_fit="Wij nemen deel aan het lokale netwerk.",
                  declarations=dict.fromkeys(Declaration, True))

    @precondition(lambda self: self.facts["states"][C.DRAFT] > 0)
    @rule(data=st.data())
    def submit_draft(self, data):
        c = self.pick_candidacy(data, self.candidacies(C.DRAFT))
        ok = c.state == C.DRAFT and self.p.state == P.PUBLISHED and self.now <= self.deadline
        self.step(MUST if ok else REFUSE, "submit draft", ops.submit_candidacy, c,
                  actor=self.world.applicant(c.organisation), now=self.now)

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
        self.step(REFUSE, f"apply ({who_applies})", ops.start_candidacy, self.p, org,
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
        if self.step(expect, f"withdraw from {c.state.value}", ops.withdraw_candidacy, c,
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
        self.step(MUST if ok else REFUSE, "close candidacies", area_ops.close_candidacies,
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
        self.step(MUST if ok else REFUSE, "start round 1", jury_ops.start_round_1, self.p,
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
        if self.step(expect, "declare inadmissible", ops.declare_inadmissible, c, reason,
                     actor=self.world.coordinator, now=self.now) is not None:
            self.budget["inadmissible"] = 0

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
        if self.step(expect, "consensus", jury_ops.record_consensus, c, round_no, criterion,
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
        self.step(MUST if ok else REFUSE, f"close round {round_no}", jury_ops.close_round,
                  self.p, round_no, actor=self.world.coordinator, now=self.now)
        for cid, state in expected.items():
            assert db.session.get(Candidacy, cid).state == state
        if ok:
            assert self.p.state == (P.ROUND_2 if round_no == 1 else P.DECIDED)

    # --- pitches (R-PITCH-1) ---------------------------------------------------------------------
    @precondition(lambda self: self.facts["proc"] in (P.ROUND_1, P.ROUND_2, P.DECIDED)
                  and self.facts["free_future_slots"] < 2)
    @rule(days=st.integers(1, 10), hours=st.integers(0, 10))
    def add_pitch_slot(self, days, hours):
        start = max(self.now, self.deadline) + timedelta(days=days, hours=hours)
        self.step(MUST, "add pitch slot", area_ops.add_pitch_slot, self.p, start,
                  start + timedelta(minutes=45), "Stadhuis Aalst",
                  actor=self.world.coordinator, now=self.now)

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
        self.step(MUST if ok else REFUSE, "plan pitch", jury_ops.plan_pitch, c, slot,
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
        self.step(expect, "pitch held", jury_ops.record_pitch_held, c, report,
                  actor=self.world.coordinator, now=self.now)

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
        self.step(MUST if ok else REFUSE, "decision received", ops.record_decision_received,
                  c, round_no, received, actor=None, now=self.now)

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
                self.add_pitch_slot(data.draw(st.integers(1, 5), label="days"), 0)
                taken = set(db.session.scalars(select(PitchAppointment.slot_id)))
                free = [s for s in self.p.pitch_slots
                        if s.starts_at > self.now and s.id not in taken]
            self.step(MUST, "plan pitch", jury_ops.plan_pitch, c, free[0],
                      actor=self.world.coordinator, now=self.now)
        elif action == "hold pitch":
            c = data.draw(st.sampled_from([c for c in self.candidacies(C.SELECTED_FOR_PITCH)
                                           if self.appointment(c) is not None
                                           and not self.pitch_held(c)]), label="pitch")
            a = self.appointment(c)
            if self.now < a.slot.starts_at:
                self.world.clock.now = a.slot.starts_at + timedelta(minutes=50)
            self.step(MUST, "pitch held", jury_ops.record_pitch_held, c,
                      "De pitch verliep vlot en concreet.", actor=self.world.coordinator,
                      now=self.now)
        elif action == "notice":
            c = data.draw(st.sampled_from([c for c in self.candidacies() if any(
                c.notice(r_) is None and step != PASS_STEP[r_]
                for r_, (step, _) in self.decided_rounds(c).items())]), label="notice")
            round_no = min(r_ for r_, (step, _) in self.decided_rounds(c).items()
                           if c.notice(r_) is None and step != PASS_STEP[r_])
            self.step(MUST, "decision received", ops.record_decision_received, c, round_no,
                      self.now, actor=None, now=self.now)
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

    # --- depth ------------------------------------------------------------------------------------
    def record_depth(self):
        order = [P.PUBLISHED, P.CANDIDACY_CLOSED, P.ROUND_1, P.ROUND_2, P.DECIDED]
        reached = {P.PUBLISHED} | {P(t.to_state) for t in db.session.scalars(
            select(Transition).where(Transition.object_type == "procedure"))}
        deepest = max((s for s in reached if s in order), key=order.index)
        labels = {f"procedure reached {deepest.value}"}
        if P.ROUND_2 in reached:
            labels.add("reached round 2")
        steps = set(db.session.scalars(select(Transition.step)))
        if db.session.scalar(select(func.count(Appeal.id))):
            labels.add("appeal filed")
        if db.session.scalar(select(func.count(Appeal.id)).where(Appeal.state != A.FILED)):
            labels.add("appeal panel assigned")
        if steps & {"confirm", "reverse"}:
            labels.add("appeal decided")
        if "reverse_on_appeal" in steps:
            labels.add("reversed on appeal")
        reversed_r1 = db.session.scalars(select(Transition.object_id).where(
            Transition.step == "reverse_on_appeal", Transition.to_state == "selected_for_pitch"))
        if any(db.session.scalar(select(func.count(Transition.id)).where(
                Transition.object_id == cid, Transition.step.in_(DECISION_STEPS[2])))
               for cid in reversed_r1):
            labels.add("round 2 after reversal")
        if db.session.scalar(select(func.count(Ballot.id)).where(
                Ballot.state == BallotState.DECIDED)):
            labels.add("ballot decided")
        for label in labels | {x for x in self.seen if x.startswith("refused")}:
            event(label)
        self.stats.update(labels | {"runs"} | self.seen)


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
                "round 2 after reversal"):
        print(f"  {key}: {stats[key]}")
    print("  steps seen:", ", ".join(f"{k}={v}" for k, v in sorted(stats.items())
                                     if k.startswith(("ok", "refused"))))
