"""Issue 17: the six conditions' facts are loaded by lean statements built once. They must be
exactly what the straightforward loader (kept here as the reference: the one before issue 17)
gives, procedure by procedure, and so must the verdicts and details of the six conditions,
on a scale dataset with every procedure state and every deliberate defect."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import pytest
from sqlalchemy import func, select

from appeals.models import Appeal, PanelMember
from juries.models import Ballot, Jury, JuryDecision, JuryMembership, Vote
from matching import scale
from matching.accounts.models import Organisation
from matching.audit.queries import audit_status
from matching.candidacies.models import Candidacy, Contribution, DecisionNotice, Letter
from matching.letters.content import DECISION_KINDS, INTAKE, LetterKind
from matching.oversight.facts import (
    AppealFacts,
    CandidacyFacts,
    DecisionFacts,
    LetterFacts,
    NeedFacts,
    NoticeFacts,
    PanelFacts,
    ProcedureFacts,
)
from matching.oversight.facts_queries import evaluate_procedures, load_facts
from matching.oversight.rules import evaluate
from matching.scale.plan import DEFECTS, AreaPlan, plan_areas
from workareas.models import (
    AddendumVersion,
    LocalNeed,
    Municipality,
    Procedure,
    RegionalChallenge,
    WorkAreaGovernment,
)
from workareas.rules import ProcedureState

TODAY = datetime(2026, 3, 4, 11, 0, tzinfo=UTC)


def reference_facts(session, audit) -> dict[int, ProcedureFacts]:
    """The facts of every procedure as loaded before issue 17 (ORM session, one statement
    per kind of record, enums as members)."""
    procedures = session.execute(select(Procedure.id, Procedure.state, Procedure.published_at,
                                        Procedure.work_area_id)).all()
    ids = [p.id for p in procedures]
    version_of = {}
    for pid, vid, deadline in session.execute(
            select(AddendumVersion.procedure_id, AddendumVersion.id,
                   AddendumVersion.candidacy_deadline)
            .where(AddendumVersion.procedure_id.in_(ids),
                   AddendumVersion.published_at.is_not(None))
            .order_by(AddendumVersion.procedure_id, AddendumVersion.number)):
        version_of[pid] = (vid, deadline)
    version_ids = [v[0] for v in version_of.values()]
    needs, codes = defaultdict(list), defaultdict(set)
    for vid, title, motivation in session.execute(
            select(LocalNeed.version_id, LocalNeed.title, LocalNeed.motivation)
            .where(LocalNeed.version_id.in_(version_ids)).order_by(LocalNeed.position)):
        needs[vid].append(NeedFacts(title, motivation))
    for vid, code in session.execute(select(RegionalChallenge.version_id, RegionalChallenge.code)
                                     .where(RegionalChallenge.version_id.in_(version_ids))):
        codes[vid].add(code)
    governments, area_codes, jury = defaultdict(set), defaultdict(set), defaultdict(dict)
    for area_id, org_id in session.execute(select(WorkAreaGovernment.work_area_id,
                                                  WorkAreaGovernment.organisation_id)):
        governments[area_id].add(org_id)
    for area_id, code in session.execute(select(Municipality.work_area_id, Municipality.nis_code)
                                         .where(Municipality.nis_code.is_not(None))):
        area_codes[area_id].add(code)
    for pid, user_id, bloc in session.execute(
            select(Jury.procedure_id, JuryMembership.user_id, JuryMembership.bloc)
            .join(JuryMembership, JuryMembership.jury_id == Jury.id)):
        jury[pid][user_id] = bloc.value
    contribution_codes = defaultdict(set)
    for cid, code in session.execute(select(Contribution.candidacy_id,
                                            Contribution.challenge_code)):
        contribution_codes[cid].add(code)
    candidacies = defaultdict(list)
    for (cid, pid, reference, org_id, name, kind, state, submitted, individual, reason,
         seat) in session.execute(
            select(Candidacy.id, Candidacy.procedure_id, Candidacy.reference,
                   Candidacy.organisation_id, Organisation.name, Organisation.kind,
                   Candidacy.state, Candidacy.submitted_at.is_not(None),
                   Candidacy.declares_individual, Candidacy.inadmissible_reason,
                   Organisation.seat_nis_code)
            .join(Organisation, Organisation.id == Candidacy.organisation_id)
            .order_by(Candidacy.id)):
        candidacies[pid].append(CandidacyFacts(
            cid, reference, org_id, name, kind.value, state, bool(submitted), individual,
            reason, frozenset(contribution_codes.get(cid, ())), seat))
    votes = defaultdict(dict)
    for ballot_id, bloc, score in session.execute(select(Vote.ballot_id, Vote.bloc, Vote.score)):
        votes[ballot_id][bloc.value] = score
    decisions = defaultdict(list)
    for (pid, cid, round_no, criterion, score, motivated, method, blocs, ballot_id,
         ballot_state, outcome) in session.execute(
            select(Candidacy.procedure_id, JuryDecision.candidacy_id, JuryDecision.round,
                   JuryDecision.criterion, JuryDecision.score,
                   func.length(func.trim(JuryDecision.motivation)), JuryDecision.method,
                   JuryDecision.jury_blocs, JuryDecision.ballot_id, Ballot.state,
                   Ballot.outcome_score)
            .join(Candidacy, Candidacy.id == JuryDecision.candidacy_id)
            .outerjoin(Ballot, Ballot.id == JuryDecision.ballot_id).order_by(JuryDecision.id)):
        if ballot_id is None:
            decisions[pid].append(DecisionFacts(cid, round_no, criterion.value, score,
                                                motivated, method.value, blocs))
        else:
            decisions[pid].append(DecisionFacts(
                cid, round_no, criterion.value, score, motivated, method.value, blocs,
                ballot_state.value, outcome, MappingProxyType(votes[ballot_id])))
    rounds = {**DECISION_KINDS, LetterKind.INADMISSIBLE: INTAKE}
    latest = {}
    for row in session.execute(
            select(Letter.id, Letter.procedure_id, Letter.candidacy_id, Letter.kind,
                   Letter.appeal_deadline).where(Letter.kind.in_(list(rounds)))
            .order_by(Letter.version, Letter.id)):
        latest[(row[2], rounds[row[3]])] = row
    letters = defaultdict(list)
    for (cid, round_no), (lid, pid, _, kind, deadline) in latest.items():
        letters[pid].append(LetterFacts(lid, cid, round_no, kind in {
            LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED}, deadline))
    notices = defaultdict(list)
    for pid, cid, round_no, selected, received_at in session.execute(
            select(Candidacy.procedure_id, DecisionNotice.candidacy_id, DecisionNotice.round,
                   DecisionNotice.selected, DecisionNotice.received_at)
            .join(Candidacy, Candidacy.id == DecisionNotice.candidacy_id)
            .order_by(DecisionNotice.id)):  # (unordered before issue 17; read as a set)
        notices[pid].append(NoticeFacts(cid, round_no, selected, received_at))
    panel = defaultdict(list)
    for appeal_id, user_id, position, motivation in session.execute(
            select(PanelMember.appeal_id, PanelMember.user_id, PanelMember.position,
                   PanelMember.motivation).order_by(PanelMember.id)):
        panel[appeal_id].append(PanelFacts(user_id, position.value if position else None,
                                           motivation))
    appeals = defaultdict(list)
    for pid, aid, cid, round_no, state in session.execute(
            select(Candidacy.procedure_id, Appeal.id, Appeal.candidacy_id, Appeal.round,
                   Appeal.state).join(Candidacy, Candidacy.id == Appeal.candidacy_id)
            .order_by(Appeal.id)):
        appeals[pid].append(AppealFacts(aid, cid, round_no, state, tuple(panel.get(aid, ()))))
    out = {}
    for p in procedures:
        vid, deadline = version_of.get(p.id, (None, None))
        out[p.id] = ProcedureFacts(
            id=p.id, state=p.state, published_at=p.published_at, candidacy_deadline=deadline,
            needs=tuple(needs.get(vid, ())) if vid is not None else (),
            challenge_codes=frozenset(codes.get(vid, ())) if vid is not None else frozenset(),
            area_government_ids=frozenset(governments.get(p.work_area_id, ())),
            area_nis_codes=frozenset(area_codes.get(p.work_area_id, ())),
            jury=dict(jury.get(p.id, {})), candidacies=tuple(candidacies.get(p.id, ())),
            decisions=tuple(decisions.get(p.id, ())), letters=tuple(letters.get(p.id, ())),
            notices=tuple(notices.get(p.id, ())), appeals=tuple(appeals.get(p.id, ())),
            audit_intact=audit.intact, audit_events=audit.events,
            audit_broken_event=audit.broken_event, audit_full_at=audit.full_at)
    return out


@pytest.fixture
def dataset(db, monkeypatch):
    """Every procedure state of the scale plan, and each deliberate defect."""
    P = ProcedureState
    plans = plan_areas(8, seed=3) + [AreaPlan(n, P.DECIDED, defect)
                                     for n, defect in enumerate(DEFECTS, 9)]
    monkeypatch.setattr(scale, "plan_areas", lambda areas, seed: plans)
    scale.generate(len(plans), 16, seed=11, today=TODAY)
    db.session.commit()
    return plans


def test_the_facts_are_those_of_the_reference_loader(db, dataset):
    audit = audit_status()
    reference = reference_facts(db.session, audit)
    assert len(reference) == len(dataset)
    loaded = load_facts(None, audit)
    assert set(loaded) == set(reference)
    for pid, facts in reference.items():
        for name in facts.__dataclass_fields__:
            assert getattr(loaded[pid], name) == getattr(facts, name), (pid, name)
    assert loaded == reference
    assert any(f.appeals and any(a.panel for a in f.appeals) for f in loaded.values())
    assert any(d.ballot_votes for f in loaded.values() for d in f.decisions)
    for pid, facts in reference.items():  # one procedure at a time, as the page loads it
        assert load_facts([pid], audit) == {pid: facts}


def test_the_verdicts_and_details_are_those_of_the_reference(db, dataset):
    reference = reference_facts(db.session, audit_status())
    for days in (-200, 0, 10, 30, 400):
        now = TODAY + timedelta(days=days)
        for ratification in (False, True):
            results = evaluate_procedures(None, now, ratification=ratification)
            audit = audit_status()
            expected = {pid: evaluate(facts, now) for pid, facts in
                        reference_facts(db.session, audit).items()}
            assert results == expected, (days, ratification)
    assert {r.status for rs in results.values() for r in rs} >= {"met", "not_met"}
    assert set(reference) == set(results)


def test_one_procedure_on_postgresql_reads_the_candidacies_records_by_their_ids(db, dataset):
    """Issue 17: for one procedure (the conditions page) PostgreSQL is given the candidacies'
    ids as an array, so that it reads their decisions, notices, contributions and
    organisations by index instead of whole (its plan for the join alone); its five
    statements go together in psycopg's pipeline mode, not through the engine (one round
    trip). For many procedures, and on SQLite, the statements are the plain joins, sent
    through the engine one by one."""
    from sqlalchemy import event

    from matching.oversight import facts_queries

    sent: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append(statement)

    pid = min(load_facts(None))
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        one = load_facts([pid])
        through_engine = list(sent)
        sent.clear()
        many = load_facts(None)
        assert not [s for s in sent if "= ANY (array((SELECT" in s]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert one[pid] == many[pid]
    if db.engine.dialect.name == "postgresql":
        assert len(through_engine) == 1  # the procedure's row; the rest in the pipeline
        pipelined = [sql for sql, _ in next(iter(facts_queries._ONE_SQL.values()))]
        assert len(pipelined) == 5
        # small facts, candidacies, decisions, letters and notices (not the appeals)
        assert len([sql for sql in pipelined if "= ANY (array((SELECT" in sql]) == 4
    else:
        assert len(through_engine) == 6
        assert not [s for s in through_engine if "ANY" in s]

def test_the_facts_from_the_conditions_pages_row_are_those_read_by_the_loader(db, dataset):
    """Issue 17: the conditions page reads what the facts need of the procedure (its state,
    publication, work area, latest published addendum version and deadline) in its own
    statement and hands it to the loader, which then does not read it again: for every
    procedure of every state, the same facts and the same six conditions as when the loader
    reads the procedure itself."""
    from matching.oversight.condition_views import _PROCEDURE_PAGE, _facts_row

    first = db.session.scalar(select(Procedure).order_by(Procedure.id).limit(1))
    db.session.add(Procedure(work_area_id=first.work_area_id, sequence=99, title="Later",
                             created_at=TODAY))  # a draft: no addendum published yet
    db.session.commit()
    audit = audit_status()
    ids = list(db.session.scalars(select(Procedure.id).order_by(Procedure.id)))
    published = 0
    for pid in ids:
        row = _facts_row(db.session.execute(_PROCEDURE_PAGE, {"procedure_id": pid}).one())
        published += row.version_id is not None
        facts = load_facts(None, audit, [row])
        assert facts == load_facts([pid], audit), pid
        for days in (0, 40, 120):
            now = TODAY + timedelta(days=days)
            assert (evaluate_procedures(None, now, procedures=[row])
                    == evaluate_procedures([pid], now)), (pid, days)
    assert 0 < published < len(ids)  # with and without a published addendum
