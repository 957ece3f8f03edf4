"""Load the facts of the six conditions (R-OBS-1) in bulk and evaluate them.

One statement per kind of record, for one procedure or all of them at once: the number
of statements does not grow with the number of procedures or candidacies. The rules
themselves are the pure functions of :mod:`matching.conditions`.

The audit trail is verified as a whole (condition 5: "the audit trail verifies"). A full
walk costs time proportional to the trail, so pages reuse a verification of the same
chain head made less than :data:`AUDIT_MAX_AGE` ago; ratification always verifies afresh
(``audit_max_age=0``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from appeals.models import Appeal, PanelMember
from juries.models import Ballot, Jury, JuryDecision, JuryMembership, Vote
from matching.audit_verify import verify_chain
from matching.conditions import (AppealFacts, CandidacyFacts, ConditionResult, DecisionFacts,
                                 LetterFacts, NeedFacts, NoticeFacts, PanelFacts, ProcedureFacts,
                                 evaluate)
from matching.extensions import db
from matching.letters.content import DECISION_KINDS, LetterKind
from matching.letters.models import Letter
from matching.models.audit import AuditEvent
from matching.models.candidacies import Candidacy, Contribution, DecisionNotice
from matching.models.organisations import Organisation
from workareas.models import AddendumVersion, LocalNeed, Procedure, RegionalChallenge, WorkAreaGovernment

#: Seconds a page may reuse the verification of an unchanged chain head.
AUDIT_MAX_AGE = 60.0
_SELECTED_KINDS = {LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED}


@dataclass(frozen=True)
class AuditStatus:
    intact: bool
    events: int
    broken_event: int | None
    head_id: int | None
    head_hash: str | None
    checked_at: float  # time.monotonic() of the walk


_audit_cache: dict[str, AuditStatus] = {}


def audit_status(max_age: float = AUDIT_MAX_AGE) -> AuditStatus:
    """The verification of the whole chain; reused while the head is unchanged and the
    walk is younger than ``max_age`` seconds (per database, per process)."""
    session = db.session
    head = session.execute(select(AuditEvent.id, AuditEvent.hash)
                           .order_by(AuditEvent.id.desc()).limit(1)).first()
    head_id, head_hash = (head[0], head[1]) if head else (None, None)
    key = str(session.get_bind().url)
    cached = _audit_cache.get(key)
    if (cached and max_age > 0 and cached.head_id == head_id and cached.head_hash == head_hash
            and time.monotonic() - cached.checked_at < max_age):
        return cached
    report = verify_chain(session)
    status = AuditStatus(report.intact, report.count,
                         report.broken.event_id if report.broken else None,
                         head_id, head_hash, time.monotonic())
    _audit_cache[key] = status
    return status


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
        vid = version_of.get(p.id, (None, None))[0]
        out[p.id] = ProcedureFacts(
            id=p.id, state=p.state, published_at=p.published_at,
            candidacy_deadline=deadline.get(p.id), needs=tuple(needs.get(vid, ())),
            challenge_codes=frozenset(codes.get(vid, ())),
            area_government_ids=frozenset(governments.get(p.work_area_id, ())),
            jury=dict(jury.get(p.id, {})), candidacies=tuple(candidacies.get(p.id, ())),
            decisions=tuple(decisions.get(p.id, ())), letters=tuple(letters.get(p.id, ())),
            notices=tuple(notices.get(p.id, ())), appeals=tuple(appeals.get(p.id, ())),
            audit_intact=audit.intact if audit else None,
            audit_events=audit.events if audit else 0,
            audit_broken_event=audit.broken_event if audit else None)
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
    rows = session.execute(
        select(Candidacy.id, Candidacy.procedure_id, Candidacy.reference,
               Candidacy.organisation_id, Organisation.name, Organisation.kind, Candidacy.state,
               Candidacy.submitted_at, Candidacy.declares_individual,
               Candidacy.inadmissible_reason)
        .join(Organisation, Organisation.id == Candidacy.organisation_id)
        .where(Candidacy.procedure_id.in_(ids)).order_by(Candidacy.id)).all()
    codes: dict[int, set[str]] = defaultdict(set)
    for cid, code in session.execute(
            select(Contribution.candidacy_id, Contribution.challenge_code)
            .join(Candidacy, Candidacy.id == Contribution.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids))):
        codes[cid].add(code)
    out: dict[int, list[CandidacyFacts]] = defaultdict(list)
    for r in rows:
        out[r.procedure_id].append(CandidacyFacts(
            r.id, r.reference, r.organisation_id, r.name, r.kind.value, r.state, r.submitted_at,
            r.declares_individual, r.inadmissible_reason, frozenset(codes.get(r.id, ()))))
    return out


def _decisions(ids: list[int]) -> dict[int, list[DecisionFacts]]:
    session = db.session
    votes: dict[int, dict[str, int]] = defaultdict(dict)
    for ballot_id, bloc, score in session.execute(
            select(Vote.ballot_id, Vote.bloc, Vote.score)
            .join(JuryDecision, JuryDecision.ballot_id == Vote.ballot_id)
            .join(Candidacy, Candidacy.id == JuryDecision.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids))):
        votes[ballot_id][bloc.value] = score
    out: dict[int, list[DecisionFacts]] = defaultdict(list)
    for r in session.execute(
            select(Candidacy.procedure_id, JuryDecision.candidacy_id, JuryDecision.round,
                   JuryDecision.criterion, JuryDecision.score, JuryDecision.motivation,
                   JuryDecision.method, JuryDecision.jury_blocs, JuryDecision.ballot_id,
                   Ballot.state, Ballot.outcome_score)
            .join(Candidacy, Candidacy.id == JuryDecision.candidacy_id)
            .outerjoin(Ballot, Ballot.id == JuryDecision.ballot_id)
            .where(Candidacy.procedure_id.in_(ids)).order_by(JuryDecision.id)):
        out[r.procedure_id].append(DecisionFacts(
            r.candidacy_id, r.round, r.criterion.value, r.score, r.motivation, r.method.value,
            r.jury_blocs, r.state.value if r.state else None, r.outcome_score,
            dict(votes.get(r.ballot_id, {})) if r.ballot_id else {}))
    return out


def _letters(ids: list[int]) -> dict[int, list[LetterFacts]]:
    """The latest version of every decision letter (a correction supersedes)."""
    latest: dict[tuple[int, int], tuple] = {}
    for r in db.session.execute(
            select(Letter.id, Letter.procedure_id, Letter.candidacy_id, Letter.round,
                   Letter.kind, Letter.appeal_deadline, Letter.version)
            .where(Letter.procedure_id.in_(ids), Letter.kind.in_(list(DECISION_KINDS)))
            .order_by(Letter.version, Letter.id)):
        latest[(r.candidacy_id, DECISION_KINDS[r.kind])] = r
    out: dict[int, list[LetterFacts]] = defaultdict(list)
    for (candidacy_id, round_no), r in latest.items():
        out[r.procedure_id].append(LetterFacts(r.id, candidacy_id, round_no,
                                               r.kind in _SELECTED_KINDS, r.appeal_deadline))
    return out


def _notices(ids: list[int]) -> dict[int, list[NoticeFacts]]:
    out: dict[int, list[NoticeFacts]] = defaultdict(list)
    for r in db.session.execute(
            select(Candidacy.procedure_id, DecisionNotice.candidacy_id, DecisionNotice.round,
                   DecisionNotice.selected, DecisionNotice.received_at)
            .join(Candidacy, Candidacy.id == DecisionNotice.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids))):
        out[r.procedure_id].append(NoticeFacts(r.candidacy_id, r.round, r.selected, r.received_at))
    return out


def _appeals(ids: list[int]) -> dict[int, list[AppealFacts]]:
    session = db.session
    panel: dict[int, list[PanelFacts]] = defaultdict(list)
    for appeal_id, user_id, position, motivation in session.execute(
            select(PanelMember.appeal_id, PanelMember.user_id, PanelMember.position,
                   PanelMember.motivation)
            .join(Appeal, Appeal.id == PanelMember.appeal_id)
            .join(Candidacy, Candidacy.id == Appeal.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids)).order_by(PanelMember.id)):
        panel[appeal_id].append(PanelFacts(user_id, position.value if position else None,
                                           motivation))
    out: dict[int, list[AppealFacts]] = defaultdict(list)
    for r in session.execute(
            select(Candidacy.procedure_id, Appeal.id, Appeal.candidacy_id, Appeal.round,
                   Appeal.state)
            .join(Candidacy, Candidacy.id == Appeal.candidacy_id)
            .where(Candidacy.procedure_id.in_(ids)).order_by(Appeal.id)):
        out[r.procedure_id].append(AppealFacts(r.id, r.candidacy_id, r.round, r.state,
                                               tuple(panel.get(r.id, ()))))
    return out


def evaluate_procedures(procedure_ids: list[int] | None, now: datetime,
                        audit_max_age: float = AUDIT_MAX_AGE) -> dict[int, list[ConditionResult]]:
    """The six conditions of the given procedures (every procedure when None)."""
    audit = audit_status(audit_max_age)
    return {pid: evaluate(facts, now)
            for pid, facts in load_facts(procedure_ids, audit).items()}


def evaluate_procedure(procedure_id: int, now: datetime,
                       audit_max_age: float = AUDIT_MAX_AGE) -> list[ConditionResult]:
    return evaluate_procedures([procedure_id], now, audit_max_age).get(procedure_id, [])
