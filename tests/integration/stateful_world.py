"""The world of the stateful procedure test: its setup, bookkeeping and helpers.

:class:`ProcedureWorld` is the base of every mixin of the state machine in
``test_procedure_stateful.py``. It holds what the rules share and holds no rule itself:

* the set-up of one run (an empty database, a published procedure, a complete jury) and
  its tear-down, which also records the depth the run reached (``STATS``, Hypothesis
  events);
* read access to the state of the procedure, and the cheap per-step ``facts`` that the
  preconditions read;
* drawing targets (mostly sensible, sometimes anything, to exercise refusals);
* :meth:`ProcedureWorld.step`, which runs an operation as the oracle expects (MUST
  succeed, REFUSE, or MAY go either way) and proves that a refusal changed nothing,
  by comparing snapshots of every table.

The constants of the oracle (the jury, the good texts, the states per round) and the
module-level helpers (wiping the database, snapshots, the R-APP-1 deadline computed
independently) live here too, so that every mixin imports them from one place.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from hypothesis import event
from hypothesis import strategies as st
from sqlalchemy import func, select

from appeals.models import Appeal
from appeals.rules import APPEAL_TRANSITIONS, AppealState
from juries.models import Ballot, BallotState, JuryDecision, JuryMembership, PitchAppointment, Vote
from juries.rules import Bloc
from matching.accounts.models import User
from matching.audit.models import Transition
from matching.candidacies.models import Candidacy, Letter
from matching.candidacies.rules import CANDIDACY_TRANSITIONS, CandidacyState, Criterion
from matching.core.dates import BRUSSELS
from matching.core.db import db
from matching.core.errors import DomainError
from matching.letters.content import LetterKind
from tests.helpers import bypass_append_only_trigger
from tests.support import World
from workareas.rules import PROCEDURE_TRANSITIONS, ProcedureState

C, P, A = CandidacyState, ProcedureState, AppealState


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
    bypass_append_only_trigger(db.session.connection())  # the audit trail refuses DELETE
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()


def _pk_order(t, alias: str = "") -> str:
    return ", ".join(f'{alias}"{c.name}"' for c in t.primary_key.columns)


def _snapshot_sql() -> list[tuple[str, str]]:
    """SQLite: every row of every table (built when asked: every model is imported by then,
    whatever imported this module first)."""
    return [(t.name, f'SELECT * FROM "{t.name}" ORDER BY {_pk_order(t)}')
            for t in db.metadata.sorted_tables]


def _snapshot_sql_postgresql() -> tuple[list[str], str]:
    """PostgreSQL: one round trip for an md5 per table."""
    tables = db.metadata.sorted_tables
    return [t.name for t in tables], "SELECT " + ", ".join(
        f"""(SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY {_pk_order(t, 'x.')}), ''))"""
        f' FROM "{t.name}" x)' for t in tables)


def snapshot() -> dict[str, object]:
    """The contents of every table, to prove that a refused step changed nothing."""
    db.session.flush()
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        tables, sql = _snapshot_sql_postgresql()
        row = conn.exec_driver_sql(sql).one()
        return dict(zip(tables, row, strict=True))
    return {name: conn.exec_driver_sql(sql).fetchall() for name, sql in _snapshot_sql()}


def pending_changes() -> list:
    s = db.session
    return list(s.new) + list(s.deleted) + [o for o in s.dirty if s.is_modified(o)]


def appeal_deadline_oracle(received_at: datetime) -> datetime:
    """R-APP-1, computed here independently: 23:59:59 Brussels time on day 14."""
    day = received_at.astimezone(BRUSSELS).date() + timedelta(days=14)
    return datetime.combine(day, time(23, 59, 59), tzinfo=BRUSSELS)


MUST, REFUSE, MAY = "must", "refuse", "may"


# --- the world ------------------------------------------------------------------------------

class ProcedureWorld:
    """Set-up, state access, drawing and the oracle's step runner of the state machine.

    A mixin: the composed class also subclasses ``RuleBasedStateMachine``, whose
    ``__init__`` the ``super().__init__()`` below reaches."""

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
                               "early start": 2, "correct": 3, "version": 2})
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
