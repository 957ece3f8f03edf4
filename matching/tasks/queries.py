"""What the task list and the reminders read: plain rows, a constant number of statements."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select

from juries.models import Assessment, ConflictDeclaration, Jury, JuryDecision, JuryMembership
from juries.operations import check_round_open
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import AWAITED_ROUND, ROUND_ENTRY_STATE, Criterion
from matching.core.db import db, get_required
from matching.core.errors import allowed
from workareas.models import Procedure
from workareas.rules import ProcedureState

#: Procedure states in which a jury scores (round 2 also after the others were decided:
#: a candidacy reversed on appeal).
SCORING_STATES = (ProcedureState.ROUND_1, ProcedureState.ROUND_2, ProcedureState.DECIDED)


def missing_scores(user_id: int | None = None) -> dict[tuple[int, int, int], list[Candidacy]]:
    """``(user id, procedure id, round) → candidacies`` for which that jury member's own
    score is missing on a criterion the jury has not decided yet, among the candidacies the
    jury can score now (the same check as the scoring page: round open, pitch held)."""
    seats = select(JuryMembership.user_id, Jury.procedure_id).join(
        Jury, Jury.id == JuryMembership.jury_id).join(
        Procedure, Procedure.id == Jury.procedure_id).where(Procedure.state.in_(SCORING_STATES))
    if user_id is not None:
        seats = seats.where(JuryMembership.user_id == user_id)
    members: dict[int, list[int]] = defaultdict(list)
    for uid, procedure_id in db.session.execute(seats).tuples():
        members[procedure_id].append(uid)
    if not members:
        return {}
    rows = db.session.execute(select(Candidacy.id, Candidacy.procedure_id, Candidacy.state).where(
        Candidacy.procedure_id.in_(list(members)),
        Candidacy.state.in_(list(ROUND_ENTRY_STATE.values())))).tuples().all()
    ids = [r[0] for r in rows]
    own = set(db.session.execute(select(Assessment.user_id, Assessment.candidacy_id,
                                        Assessment.round, Assessment.criterion)
                                 .where(Assessment.candidacy_id.in_(ids))).tuples())
    decided = set(db.session.execute(select(JuryDecision.candidacy_id, JuryDecision.round,
                                            JuryDecision.criterion)
                                     .where(JuryDecision.candidacy_id.in_(ids))).tuples())
    conflicts = set(db.session.execute(select(ConflictDeclaration.user_id,
                                              ConflictDeclaration.candidacy_id)
                                       .where(ConflictDeclaration.candidacy_id.in_(ids))).tuples())
    result: dict[tuple[int, int, int], list[Candidacy]] = defaultdict(list)
    scorable: dict[int, bool] = {}
    for candidacy_id, procedure_id, state in rows:
        round_no = AWAITED_ROUND[state]
        open_criteria = [c for c in Criterion if (candidacy_id, round_no, c) not in decided]
        for uid in members[procedure_id]:
            if (uid, candidacy_id) in conflicts:
                continue
            if not any((uid, candidacy_id, round_no, c) not in own for c in open_criteria):
                continue
            if candidacy_id not in scorable:
                candidacy = get_required(Candidacy, candidacy_id)
                scorable[candidacy_id] = allowed(check_round_open, candidacy, round_no)
            if scorable[candidacy_id]:
                result[(uid, procedure_id, round_no)].append(
                    get_required(Candidacy, candidacy_id))
    return dict(result)
