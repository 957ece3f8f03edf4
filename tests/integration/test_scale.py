"""The scale dataset (``flask --app matching.app scale``): bulk-written, yet as consistent as if
the operations had written it: every state occurs, every CHECK/UNIQUE constraint held (or
the inserts would have failed), the state histories follow the transition tables, the
decisions follow the threshold and the ⅔ rule, and the audit trail verifies, also after the
application appends to it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from appeals.models import Appeal, PanelMember
from appeals.rules import APPEAL_TRANSITIONS, AppealState
from juries.models import Ballot, BallotState, Jury, JuryDecision, Vote
from juries.rules import Bloc, ballot_outcome
from matching import scale
from matching.accounts.models import Organisation, User
from matching.accounts.rules import Role, is_valid_enterprise_number
from matching.audit.keys import audit_key
from matching.audit.models import AuditEvent, Transition
from matching.audit.verify import verify_chain
from matching.candidacies.models import Candidacy, DecisionNotice, Letter
from matching.candidacies.rules import (
    CANDIDACY_TRANSITIONS,
    CandidacyState,
    Criterion,
    appeal_deadline,
)
from matching.core.db import UTCDateTime
from matching.letters.content import LetterKind
from matching.scale.plan import DEFECTS, AreaPlan, plan_areas
from tests.helpers import count_rows
from tests.support import sign_in
from workareas.models import Procedure, WorkArea
from workareas.rules import PROCEDURE_TRANSITIONS, ProcedureState

AREAS, PER_AREA = 3, 20
TODAY = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)
#: The only instants that may lie after today: the open procedures' timing and pitches.
FUTURE_ALLOWED = {("addendum_version", "candidacy_deadline"), ("pitch_slot", "starts_at"),
                  ("pitch_slot", "ends_at")}
TABLES = {"candidacy": CANDIDACY_TRANSITIONS, "procedure": PROCEDURE_TRANSITIONS,
          "appeal": APPEAL_TRANSITIONS}
INITIAL = {"candidacy": CandidacyState.DRAFT, "procedure": ProcedureState.DRAFT,
           "appeal": AppealState.FILED}
PASS_STEP = {1: "select_r1", 2: "admit_r2"}
DECISION_STEPS = {1: {"select_r1", "reject_r1"}, 2: {"admit_r2", "reject_r2"}}


@pytest.fixture
def report(db):
    report = scale.generate(AREAS, PER_AREA, seed=7, today=TODAY)
    db.session.commit()
    return report


def test_the_counts_are_what_was_asked_and_reported(db, report):
    assert count_rows(db, WorkArea) == count_rows(db, Procedure) == AREAS
    assert count_rows(db, Candidacy) == AREAS * PER_AREA
    for table in db.metadata.sorted_tables:
        if table.name in report.counts:
            assert db.session.scalar(select(func.count()).select_from(table)) \
                == report.counts[table.name], table.name
    assert {p.state for p in db.session.scalars(select(Procedure))} == {
        ProcedureState.DECIDED, ProcedureState.ROUND_2, ProcedureState.PUBLISHED}
    # One candidacy per organisation, of kind OTHER, with a valid enterprise number.
    candidates = db.session.scalars(select(Organisation).join(
        Candidacy, Candidacy.organisation_id == Organisation.id)).all()
    assert len(candidates) == AREAS * PER_AREA
    assert {o.kind.value for o in candidates} == {"OTHER"}
    assert all(is_valid_enterprise_number(o.enterprise_number)
               for o in db.session.scalars(select(Organisation)))


def test_every_state_occurs(db, report):
    assert set(db.session.scalars(select(Candidacy.state))) == set(CandidacyState)
    assert set(db.session.scalars(select(Appeal.state))) == set(AppealState)
    assert set(db.session.scalars(select(JuryDecision.method))) == {"consensus", "ballot"}


def test_the_audit_trail_verifies_and_the_application_continues_it(db, report, client):
    chain = verify_chain(db.session, audit_key())
    assert chain.intact and chain.count == report.counts["audit_event"]
    # A login appends through matching.audit.recording: ids and hashes go on from the scale head.
    response = sign_in(client, db, scale.coordinator_email(1), scale.PASSWORD,
                       scale.TOTP_SECRET)
    assert response.status_code == 302, response.text
    db.session.expire_all()
    after = verify_chain(db.session, audit_key())
    assert after.intact and after.count == chain.count + 1
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert last.action == "user.login"


def test_the_histories_follow_the_transition_tables(db, report):
    transitions = db.session.scalars(select(Transition).order_by(Transition.id)).all()
    last: dict[tuple[str, int], Transition] = {}
    for t in transitions:
        table = TABLES[t.object_type]
        allowed = {(s.value, step.value): to.value for (s, step), to in table.items()}
        assert allowed.get((t.from_state, t.step)) == t.to_state, t.step
        previous = last.get((t.object_type, t.object_id))
        assert t.from_state == (previous.to_state if previous else INITIAL[t.object_type].value)
        assert previous is None or previous.at <= t.at
        last[(t.object_type, t.object_id)] = t
    for model, kind in ((Candidacy, "candidacy"), (Procedure, "procedure"), (Appeal, "appeal")):
        for oid, state in db.session.execute(select(model.id, model.state)):
            t = last.get((kind, oid))
            assert state.value == (t.to_state if t else INITIAL[kind].value), (kind, oid)


def test_decisions_follow_the_threshold_and_the_two_thirds_rule(db, report):
    decided = {(t.object_id, r): t.step for t in db.session.scalars(select(Transition).where(
        Transition.object_type == "candidacy")) for r, steps in DECISION_STEPS.items()
        if t.step in steps}
    scores: dict[tuple[int, int], dict[Criterion, JuryDecision]] = {}
    for d in db.session.scalars(select(JuryDecision)):
        scores.setdefault((d.candidacy_id, d.round), {})[d.criterion] = d
        assert set(d.jury_blocs.split(",")) == {b.value for b in Bloc}
        if d.ballot_id is not None:
            votes = {v.bloc: v.score for v in d.ballot.votes}
            assert d.ballot.state == BallotState.DECIDED
            assert ballot_outcome(votes) == d.ballot.outcome_score == d.score
    for (cid, round_no), step in decided.items():
        rows = scores[(cid, round_no)]
        assert set(rows) == set(Criterion)
        assert (step == PASS_STEP[round_no]) == all(d.score >= 3 for d in rows.values())
    for n in db.session.scalars(select(DecisionNotice)):
        if n.round == 0:  # issue 12: the receipt of an inadmissibility
            assert not n.selected
            continue
        assert n.selected == (decided[(n.candidacy_id, n.round)] == PASS_STEP[n.round])
    for ballot in db.session.scalars(select(Ballot).where(Ballot.state == BallotState.UNDECIDED)):
        assert ballot_outcome({v.bloc: v.score for v in ballot.votes}) is None
    votes_per_bloc = db.session.execute(select(Vote.ballot_id, Vote.bloc, func.count())
                                        .group_by(Vote.ballot_id, Vote.bloc)).all()
    assert all(n == 1 for *_, n in votes_per_bloc)


def test_letters_appeals_and_panels(db, report):
    for letter in db.session.scalars(select(Letter)):
        if letter.kind in (LetterKind.ROUND1_NOT_SELECTED, LetterKind.ROUND2_NOT_ADMITTED):
            assert letter.appeal_deadline == appeal_deadline(letter.created_at)
    jury_of = {j.procedure_id: {m.user_id for m in j.members}
               for j in db.session.scalars(select(Jury))}
    for appeal in db.session.scalars(select(Appeal)):
        assert appeal.candidacy.notice(appeal.round).received_at < appeal.filed_at
        assert len(appeal.panel) == (0 if appeal.state == AppealState.FILED else 2)
        assert not {m.user_id for m in appeal.panel} & jury_of[appeal.candidacy.procedure_id]
        if appeal.state in (AppealState.CONFIRMED, AppealState.REVERSED):
            assert all(len(m.motivation) >= 20 for m in appeal.panel)
    assert all(m.user.has_role(Role.APPEAL_MATCHMAKER)
               for m in db.session.scalars(select(PanelMember)))
    for jury in db.session.scalars(select(Jury)):
        assert {m.bloc for m in jury.members} == set(Bloc) and 3 <= len(jury.members) <= 6


def test_nothing_happens_after_today(db, report):
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, UTCDateTime) and \
                    (table.name, column.name) not in FUTURE_ALLOWED:
                value = db.session.scalar(select(func.max(column)))
                assert value is None or value <= TODAY, (table.name, column.name, value)
    for procedure in db.session.scalars(select(Procedure)):
        version = procedure.published_version
        assert version.candidacy_deadline - procedure.published_at >= timedelta(weeks=6)
        assert (version.candidacy_deadline > TODAY) == (procedure.state == ProcedureState.PUBLISHED)


def test_every_role_can_log_in_and_see_its_pages(db, report, client):
    pages = {scale.ADMIN_EMAIL: "/beheer/accounts", scale.OBSERVER_EMAIL: "/observatie",
             scale.coordinator_email(1): "/coordinatie", scale.matchmaker_email(1, 1): "/jury",
             scale.appeal_matchmaker_email(1): "/weerwoorden",
             scale.applicant_email(1, 1): "/mijn-kandidaturen"}
    for address, page in pages.items():
        login = sign_in(client, db, address, scale.PASSWORD, scale.TOTP_SECRET)
        assert login.status_code == 302, address
        assert client.get(page).status_code == 200, (address, page)
        client.post("/afmelden")


def test_a_second_load_is_refused(db, report):
    with pytest.raises(scale.ScaleError, match="bevat al schaalgegevens"):
        scale.generate(1, 1, seed=7, today=TODAY)


def test_the_plan_of_sixty_work_areas():
    plans = plan_areas(60, seed=1)
    states = Counter(p.state for p in plans)
    assert states == {ProcedureState.DECIDED: 47, ProcedureState.ROUND_1: 5,
                      ProcedureState.ROUND_2: 5, ProcedureState.PUBLISHED: 3}
    assert plans[0].state == ProcedureState.DECIDED and plans[0].defect is None
    defects = [p for p in plans if p.defect]
    assert len(defects) == 5 and all(p.state == ProcedureState.DECIDED for p in defects)
    assert set(DEFECTS) == {p.defect for p in defects}
    assert plan_areas(60, seed=1) == plans  # deterministic


def test_the_same_seed_gives_the_same_data(db):
    first = scale.generate(2, 8, seed=3, today=TODAY)
    rows = db.session.execute(select(Candidacy.reference, Candidacy.state, Candidacy.created_at)
                              .order_by(Candidacy.id)).all()
    db.session.rollback()
    second = scale.generate(2, 8, seed=3, today=TODAY)
    assert first.counts == second.counts
    assert db.session.execute(select(Candidacy.reference, Candidacy.state, Candidacy.created_at)
                              .order_by(Candidacy.id)).all() == rows
    db.session.rollback()


def test_the_conditions_of_perfect_and_imperfect_procedures(db, monkeypatch):
    """Work area 001 meets the six conditions of R-OBS-1; each deliberately imperfect one
    fails the condition its defect is about."""
    queries = pytest.importorskip("matching.oversight.facts_queries")
    from matching.oversight.facts import Status

    P = ProcedureState
    plans = [AreaPlan(1, P.DECIDED)] + [
        AreaPlan(n, P.DECIDED, defect) for n, defect in enumerate(DEFECTS, 2)]
    monkeypatch.setattr(scale, "plan_areas", lambda areas, seed: plans)
    report = scale.generate(len(plans), PER_AREA, seed=7, today=TODAY)
    db.session.commit()
    assert set(report.defects.values()) == set(DEFECTS)
    ids = {p.work_area.name[15:18]: p.id for p in db.session.scalars(select(Procedure))}
    results = queries.evaluate_procedures(None, TODAY, ratification=True)
    assert [r.status for r in results[ids["001"]]] == [Status.MET] * 6, [
        (r.number, [f.msgid % f.params for f in r.failures]) for r in results[ids["001"]]]
    failing = {"open_appeal": 6, "missing_letter": 5, "panel_from_jury": 6,
               "no_appeal_deadline": 6}
    for number, defect in report.defects.items():
        unmet = {r.number for r in results[ids[f"{number:03d}"]] if r.status == Status.NOT_MET}
        assert unmet == {failing[defect]}, (defect, unmet)


def test_the_command(db, runner):
    postgresql = db.engine.dialect.name == "postgresql"
    started = db.session.scalar(text("SELECT now()")) if postgresql else None
    db.session.rollback()
    result = runner.invoke(args=["scale", "--areas", "2", "--per-area", "6", "--seed", "5",
                                 "--today", "2026-03-04"])
    assert result.exit_code == 0, result.output
    if postgresql:  # the planner's statistics gathered for what was loaded (issue 17)
        analysed = db.session.scalar(text(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'assessment'"))
        assert analysed is not None and analysed >= started
    assert "Schaalgegevens geladen" in result.output and "Duur:" in result.output
    assert scale.coordinator_email(1) in result.output
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    again = runner.invoke(args=["scale", "--areas", "2", "--per-area", "6"])
    assert again.exit_code != 0 and "bevat al schaalgegevens" in again.output
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email == scale.ADMIN_EMAIL)) == 1
