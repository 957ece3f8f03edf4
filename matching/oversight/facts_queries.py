"""Load the facts of the six conditions (R-OBS-1) in bulk and evaluate them.

One statement per kind of record, for one procedure or all of them at once: the number
of statements does not grow with the number of procedures or candidacies. The rules
themselves are the pure functions of :mod:`matching.oversight.rules`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import func, select

from appeals.models import Appeal, PanelMember
from juries.models import Ballot, Jury, JuryDecision, JuryMembership, Vote
from matching.accounts.models import Organisation
from matching.audit.models import AuditEvent
from matching.audit.queries import AuditStatus, _key, audit_status, ratification_status
from matching.candidacies.models import Candidacy, Contribution, DecisionNotice, Letter
from matching.core.db import db
from matching.letters.content import DECISION_KINDS, INTAKE, LetterKind
from matching.oversight.facts import (
    AppealFacts,
    CandidacyFacts,
    ConditionResult,
    DecisionFacts,
    LetterFacts,
    NeedFacts,
    NoticeFacts,
    PanelFacts,
    ProcedureFacts,
)
from matching.oversight.rules import evaluate
from workareas.models import (
    AddendumVersion,
    LocalNeed,
    Municipality,
    Procedure,
    RegionalChallenge,
    WorkAreaGovernment,
)

_SELECTED_KINDS = {LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED}


def load_facts(procedure_ids: list[int] | None = None,
               audit: AuditStatus | None = None) -> dict[int, ProcedureFacts]:
    """The facts of the given procedures (every procedure when None), in bulk."""
    session = db.session
    q = select(Procedure.id, Procedure.state, Procedure.published_at, Procedure.work_area_id)
    if procedure_ids is not None:
        q = q.where(Procedure.id.in_(procedure_ids))
    procedures = session.execute(q).all()
    ids = [p.id for p in procedures]
    if not ids:
        return {}

    version_of = _published_versions(ids)
    deadline = {pid: v[1] for pid, v in version_of.items()}
    version_ids = [v[0] for v in version_of.values()]
    needs: dict[int, list[NeedFacts]] = defaultdict(list)
    for vid, title, motivation in session.execute(
            select(LocalNeed.version_id, LocalNeed.title, LocalNeed.motivation)
            .where(LocalNeed.version_id.in_(version_ids)).order_by(LocalNeed.position)):
        needs[vid].append(NeedFacts(title, motivation))
    codes: dict[int, set[str]] = defaultdict(set)
    for vid, code in session.execute(select(RegionalChallenge.version_id, RegionalChallenge.code)
                                     .where(RegionalChallenge.version_id.in_(version_ids))):
        codes[vid].add(code)
    area_ids = {p.work_area_id for p in procedures}
    governments: dict[int, set[int]] = defaultdict(set)
    for area_id, org_id in session.execute(
            select(WorkAreaGovernment.work_area_id, WorkAreaGovernment.organisation_id)
            .where(WorkAreaGovernment.work_area_id.in_(area_ids))):
        governments[area_id].add(org_id)
    area_codes: dict[int, set[str]] = defaultdict(set)
    for area_id, code in session.execute(
            select(Municipality.work_area_id, Municipality.nis_code)
            .where(Municipality.work_area_id.in_(area_ids), Municipality.nis_code.is_not(None))):
        area_codes[area_id].add(code)
    jury: dict[int, dict[int, str]] = defaultdict(dict)
    for pid, user_id, bloc in session.execute(
            select(Jury.procedure_id, JuryMembership.user_id, JuryMembership.bloc)
            .join(JuryMembership, JuryMembership.jury_id == Jury.id)
            .where(Jury.procedure_id.in_(ids))):
        jury[pid][user_id] = bloc.value

    candidacies = _candidacies(ids)
    decisions = _decisions(ids)
    letters, notices, appeals = _letters(ids), _notices(ids), _appeals(ids)

    out = {}
    for p in procedures:
        vid = version_of.get(p.id, (None, None))[0]  # None: nothing published yet
        out[p.id] = ProcedureFacts(
            id=p.id, state=p.state, published_at=p.published_at,
            candidacy_deadline=deadline.get(p.id),
            needs=tuple(needs.get(vid, ())) if vid is not None else (),
            challenge_codes=frozenset(codes.get(vid, ())) if vid is not None else frozenset(),
            area_government_ids=frozenset(governments.get(p.work_area_id, ())),
            area_nis_codes=frozenset(area_codes.get(p.work_area_id, ())),
            jury=dict(jury.get(p.id, {})), candidacies=tuple(candidacies.get(p.id, ())),
            decisions=tuple(decisions.get(p.id, ())), letters=tuple(letters.get(p.id, ())),
            notices=tuple(notices.get(p.id, ())), appeals=tuple(appeals.get(p.id, ())),
            audit_intact=audit.intact if audit else None,
            audit_events=audit.events if audit else 0,
            audit_broken_event=audit.broken_event if audit else None,
            audit_full_at=audit.full_at if audit else None)
    return out


def _published_versions(ids: list[int]) -> dict[int, tuple[int, datetime | None]]:
    """The latest published addendum version of each procedure: (id, deadline)."""
    out: dict[int, tuple[int, datetime | None]] = {}
    for pid, vid, deadline in db.session.execute(
            select(AddendumVersion.procedure_id, AddendumVersion.id,
                   AddendumVersion.candidacy_deadline)
            .where(AddendumVersion.procedure_id.in_(ids),
                   AddendumVersion.published_at.is_not(None))
            .order_by(AddendumVersion.procedure_id, AddendumVersion.number)):
        out[pid] = (vid, deadline)  # ordered by number: the last one wins
    return out


def _candidacies(ids: list[int]) -> dict[int, list[CandidacyFacts]]:
    session = db.session
    codes: dict[int, set[str]] = defaultdict(set)
    for cid, code in session.execute(
            select(Contribution.candidacy_id, Contribution.challenge_code)
            .join(Candidacy, Candidacy.id == Contribution.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids))).tuples():
        codes[cid].add(code)
    out: dict[int, list[CandidacyFacts]] = defaultdict(list)
    none: frozenset[str] = frozenset()
    for (cid, pid, reference, org_id, name, kind, state, submitted, individual,
         reason, seat) in session.execute(
            select(Candidacy.id, Candidacy.procedure_id, Candidacy.reference,
                   Candidacy.organisation_id, Organisation.name, Organisation.kind,
                   Candidacy.state, Candidacy.submitted_at.is_not(None),
                   Candidacy.declares_individual, Candidacy.inadmissible_reason,
                   Organisation.seat_nis_code)
            .join(Organisation, Organisation.id == Candidacy.organisation_id)
            .where(Candidacy.procedure_id.in_(ids)).order_by(Candidacy.id)).tuples():
        out[pid].append(CandidacyFacts(cid, reference, org_id, name, kind.value, state,
                                       bool(submitted), individual, reason,
                                       frozenset(codes[cid]) if cid in codes else none,
                                       seat))
    return out


def _decisions(ids: list[int]) -> dict[int, list[DecisionFacts]]:
    """Per decision what the conditions read; of the motivation only its length."""
    session = db.session
    votes: dict[int, dict[str, int]] = defaultdict(dict)
    for ballot_id, bloc, score in session.execute(
            select(Vote.ballot_id, Vote.bloc, Vote.score)
            .join(JuryDecision, JuryDecision.ballot_id == Vote.ballot_id)
            .join(Candidacy, Candidacy.id == JuryDecision.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids))).tuples():
        votes[ballot_id][bloc.value] = score
    out: dict[int, list[DecisionFacts]] = defaultdict(list)
    for (pid, cid, round_no, criterion, score, motivated, method, blocs, ballot_id,
         ballot_state, outcome) in session.execute(
            select(Candidacy.procedure_id, JuryDecision.candidacy_id, JuryDecision.round,
                   JuryDecision.criterion, JuryDecision.score,
                   func.length(func.trim(JuryDecision.motivation)), JuryDecision.method,
                   JuryDecision.jury_blocs, JuryDecision.ballot_id, Ballot.state,
                   Ballot.outcome_score)
            .join(Candidacy, Candidacy.id == JuryDecision.candidacy_id)
            .outerjoin(Ballot, Ballot.id == JuryDecision.ballot_id)
            .where(Candidacy.procedure_id.in_(ids)).order_by(JuryDecision.id)).tuples():
        if ballot_id is None:
            out[pid].append(DecisionFacts(cid, round_no, criterion.value, score, motivated,
                                          method.value, blocs))
        else:
            out[pid].append(DecisionFacts(cid, round_no, criterion.value, score, motivated,
                                          method.value, blocs, ballot_state.value, outcome,
                                          MappingProxyType(votes[ballot_id])))
    return out


#: The letters of an appealable decision, by "round" (0: the inadmissibility, issue 12).
_DECISION_ROUNDS = {**DECISION_KINDS, LetterKind.INADMISSIBLE: INTAKE}


def _letters(ids: list[int]) -> dict[int, list[LetterFacts]]:
    """The latest version of every decision letter (a correction supersedes), the
    inadmissibility's included."""
    latest: dict[tuple[int, int], tuple] = {}
    for row in db.session.execute(
            select(Letter.id, Letter.procedure_id, Letter.candidacy_id, Letter.kind,
                   Letter.appeal_deadline)
            .where(Letter.procedure_id.in_(ids), Letter.kind.in_(list(_DECISION_ROUNDS)))
            .order_by(Letter.version, Letter.id)).tuples():
        candidacy_id = row[2]
        if candidacy_id is None:  # a decision letter is issued about a candidacy
            raise RuntimeError(f"decision letter {row[0]} names no candidacy")
        latest[(candidacy_id, _DECISION_ROUNDS[row[3]])] = row
    out: dict[int, list[LetterFacts]] = defaultdict(list)
    for (candidacy_id, round_no), (lid, pid, _, kind, deadline) in latest.items():
        out[pid].append(LetterFacts(lid, candidacy_id, round_no, kind in _SELECTED_KINDS,
                                    deadline))
    return out


def _notices(ids: list[int]) -> dict[int, list[NoticeFacts]]:
    out: dict[int, list[NoticeFacts]] = defaultdict(list)
    for pid, cid, round_no, selected, received_at in db.session.execute(
            select(Candidacy.procedure_id, DecisionNotice.candidacy_id, DecisionNotice.round,
                   DecisionNotice.selected, DecisionNotice.received_at)
            .join(Candidacy, Candidacy.id == DecisionNotice.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids))).tuples():
        out[pid].append(NoticeFacts(cid, round_no, selected, received_at))
    return out


def _appeals(ids: list[int]) -> dict[int, list[AppealFacts]]:
    session = db.session
    panel: dict[int, list[PanelFacts]] = defaultdict(list)
    for appeal_id, user_id, position, motivation in session.execute(
            select(PanelMember.appeal_id, PanelMember.user_id, PanelMember.position,
                   PanelMember.motivation)
            .join(Appeal, Appeal.id == PanelMember.appeal_id)
            .join(Candidacy, Candidacy.id == Appeal.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids)).order_by(PanelMember.id)).tuples():
        panel[appeal_id].append(PanelFacts(user_id, position.value if position else None,
                                           motivation))
    out: dict[int, list[AppealFacts]] = defaultdict(list)
    for pid, aid, cid, round_no, state in session.execute(
            select(Candidacy.procedure_id, Appeal.id, Appeal.candidacy_id, Appeal.round,
                   Appeal.state)
            .join(Candidacy, Candidacy.id == Appeal.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids)).order_by(Appeal.id)).tuples():
        out[pid].append(AppealFacts(aid, cid, round_no, state, tuple(panel.get(aid, ()))))
    return out


def evaluate_procedures(procedure_ids: list[int] | None, now: datetime,
                        ratification: bool = False) -> dict[int, list[ConditionResult]]:
    """The six conditions of the given procedures (every procedure when None);
    ``ratification`` verifies the audit trail afresh from the latest checkpoint (see
    :func:`matching.audit.queries.ratification_status`), not from this process's previous
    answer."""
    audit = ratification_status() if ratification else audit_status()
    return {pid: evaluate(facts, now)
            for pid, facts in load_facts(procedure_ids, audit).items()}


def evaluate_procedure(procedure_id: int, now: datetime,
                       ratification: bool = False) -> list[ConditionResult]:
    return evaluate_procedures([procedure_id], now, ratification).get(procedure_id, [])


#: Seconds the overview may show a procedure's computed conditions while its record is
#: unchanged: a deadline passing (condition 6) or a change made outside the operations
#: shows after at most this long. The procedure's own page always computes afresh.
OVERVIEW_TTL = 300.0


#: Procedures loaded per bulk load when the overview recomputes (memory, not time).
OVERVIEW_SLICE = 50


_overview_cache: dict[tuple[str, int], tuple[int | None, bool, float, list[ConditionResult]]] = {}


def evaluate_overview(now: datetime) -> dict[int, list[ConditionResult]]:
    """The six conditions of every procedure, for the observer's overview.

    Every operation appends an audit event naming its procedure, so the procedure's
    latest event marks a change of its record: only procedures whose mark moved (or
    whose result is older than :data:`OVERVIEW_TTL`, or when the trail's verdict changed)
    are loaded and evaluated again, in one bulk load.
    """
    latest = (select(func.max(AuditEvent.id)).where(AuditEvent.procedure_id == Procedure.id)
              .scalar_subquery())
    marks = {pid: mark for pid, mark in db.session.execute(select(Procedure.id, latest))}
    audit, key, clock = audit_status(), _key(), time.monotonic()

    def fresh(pid: int) -> bool:
        cached = _overview_cache.get((key, pid))
        return (cached is not None and cached[0] == marks[pid] and cached[1] == audit.intact
                and clock - cached[2] < OVERVIEW_TTL)

    stale = [pid for pid in marks if not fresh(pid)]
    # In slices, so that a worker never holds the facts of every procedure at once.
    for i in range(0, len(stale), OVERVIEW_SLICE):
        for pid, facts in load_facts(stale[i:i + OVERVIEW_SLICE], audit).items():
            _overview_cache[(key, pid)] = (marks[pid], audit.intact, clock, evaluate(facts, now))
    return {pid: _overview_cache[(key, pid)][3] for pid in marks}
