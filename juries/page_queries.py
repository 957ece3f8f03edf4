"""Read-only queries for the pages of matchmakers, appeal matchmakers and observers.

Nothing here changes state: these functions only select what a page shows, eager-loading
what its template needs so that list pages issue a constant number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import raiseload, selectinload

from appeals.models import Appeal, PanelMember
from juries.models import (Assessment, Ballot, ConflictDeclaration, Jury, JuryDecision,
                           JuryMembership, PitchAppointment, Vote)
from juries.rules import Criterion
from matching.errors import N_
from matching.extensions import db
from matching.letters.models import Letter
from matching.models.accounts import User
from matching.models.audit import AuditEvent, Transition
from matching.models.candidacies import Attachment, Candidacy, DecisionNotice
from matching.models.organisations import Organisation
from matching.statemachine import (OPEN_APPEAL_STATES, ROUND_ENTRY_STATE, AppealState,
                                   CandidacyState)
from workareas.models import AddendumVersion, Procedure, WorkArea

CANDIDACY_STATE_LABELS = {
    CandidacyState.DRAFT: N_("ontwerp"),
    CandidacyState.SUBMITTED: N_("ingediend"),
    CandidacyState.INADMISSIBLE: N_("onontvankelijk"),
    CandidacyState.WITHDRAWN: N_("ingetrokken"),
    CandidacyState.SELECTED_FOR_PITCH: N_("geselecteerd voor de pitch"),
    CandidacyState.NOT_SELECTED_R1: N_("niet geselecteerd na ronde 1"),
    CandidacyState.ADMITTED_TO_STEP4: N_("toegelaten tot stap 4"),
    CandidacyState.NOT_SELECTED_R2: N_("niet geselecteerd na ronde 2"),
}

APPEAL_STATE_LABELS = {
    AppealState.FILED: N_("ingediend"),
    AppealState.UNDER_REVIEW: N_("in behandeling bij het panel"),
    AppealState.CONFIRMED: N_("niet-selectie bevestigd"),
    AppealState.REVERSED: N_("niet-selectie omgekeerd"),
}

#: The round a candidacy in this state awaits (display only).
AWAITED_ROUND = {state: round_no for round_no, state in ROUND_ENTRY_STATE.items()}


# --- matchmakers ---------------------------------------------------------------------------

@dataclass
class JuryRow:
    candidacy: Candidacy
    round: int | None  # the round it awaits, None when it awaits no jury decision
    to_score: list[Criterion] = field(default_factory=list)  # own score still missing
    undecided: list[Criterion] = field(default_factory=list)  # no jury decision yet


@dataclass
class JuryGroup:
    procedure: Procedure
    membership: JuryMembership
    rounds: dict[int | None, list[JuryRow]] = field(default_factory=dict)


def jury_dashboard(user_id: int) -> list[JuryGroup]:
    """The candidacies of the procedures whose jury the user sits on, without those they
    declared a conflict for, grouped by procedure and the round they await."""
    memberships = db.session.scalars(
        select(JuryMembership).where(JuryMembership.user_id == user_id)
        .options(selectinload(JuryMembership.jury).selectinload(Jury.procedure)
                 .selectinload(Procedure.work_area).raiseload("*"),
                 raiseload("*"))
        .order_by(JuryMembership.id)).all()
    procedure_ids = [m.jury.procedure_id for m in memberships]
    if not procedure_ids:
        return []
    conflicted = select(ConflictDeclaration.candidacy_id).where(
        ConflictDeclaration.user_id == user_id)
    candidacies = db.session.scalars(
        select(Candidacy).where(Candidacy.procedure_id.in_(procedure_ids),
                                Candidacy.state != CandidacyState.DRAFT,
                                Candidacy.id.not_in(conflicted))
        .options(selectinload(Candidacy.organisation), raiseload("*"))
        .order_by(Candidacy.id)).all()
    ids = [c.id for c in candidacies]
    own = set(db.session.execute(select(Assessment.candidacy_id, Assessment.round,
                                        Assessment.criterion)
                                 .where(Assessment.user_id == user_id,
                                        Assessment.candidacy_id.in_(ids))).tuples())
    decided = set(db.session.execute(select(JuryDecision.candidacy_id, JuryDecision.round,
                                            JuryDecision.criterion)
                                     .where(JuryDecision.candidacy_id.in_(ids))).tuples())
    groups = {m.jury.procedure_id: JuryGroup(m.jury.procedure, m) for m in memberships}
    for c in candidacies:
        round_no = AWAITED_ROUND.get(c.state)
        row = JuryRow(c, round_no)
        if round_no is not None:
            row.undecided = [cr for cr in Criterion if (c.id, round_no, cr) not in decided]
            row.to_score = [cr for cr in row.undecided if (c.id, round_no, cr) not in own]
        groups[c.procedure_id].rounds.setdefault(round_no, []).append(row)
    return list(groups.values())


def scoring_context(candidacy: Candidacy, round_no: int, user_id: int) -> dict:
    """What the scoring page shows besides the forms: the addendum, own assessments,
    decisions, ballots and the names of the jury."""
    procedure = candidacy.procedure
    version = procedure.published_version or (procedure.versions[-1] if procedure.versions else None)
    own = {a.criterion: a for a in db.session.scalars(select(Assessment).where(
        Assessment.user_id == user_id, Assessment.candidacy_id == candidacy.id,
        Assessment.round == round_no))}
    decisions = {d.criterion: d for d in db.session.scalars(select(JuryDecision).where(
        JuryDecision.candidacy_id == candidacy.id, JuryDecision.round == round_no))}
    ballots = db.session.scalars(
        select(Ballot).where(Ballot.candidacy_id == candidacy.id, Ballot.round == round_no)
        .options(selectinload(Ballot.votes)).order_by(Ballot.id)).all()
    by_criterion: dict[Criterion, list[Ballot]] = defaultdict(list)
    for b in ballots:
        by_criterion[b.criterion].append(b)
    jury = db.session.scalar(select(Jury).where(Jury.procedure_id == procedure.id)
                             .options(selectinload(Jury.members).selectinload(JuryMembership.user)))
    names = {m.user_id: m.user.name for m in jury.members} if jury else {}
    blocs = {m.user_id: m.bloc for m in jury.members} if jury else {}
    pitch = db.session.scalar(select(PitchAppointment).where(
        PitchAppointment.candidacy_id == candidacy.id))
    challenges = {c.code: c for c in version.challenges} if version else {}
    return dict(version=version, own=own, decisions=decisions, ballots=by_criterion,
                names=names, blocs=blocs, pitch=pitch, challenges=challenges)


# --- appeal matchmakers --------------------------------------------------------------------

def panel_assignments(user_id: int) -> list[PanelMember]:
    return db.session.scalars(
        select(PanelMember).where(PanelMember.user_id == user_id)
        .options(selectinload(PanelMember.appeal).selectinload(Appeal.candidacy)
                 .selectinload(Candidacy.organisation),
                 selectinload(PanelMember.appeal).selectinload(Appeal.candidacy)
                 .selectinload(Candidacy.procedure).selectinload(Procedure.work_area),
                 raiseload("*"))
        .order_by(PanelMember.id)).all()


def round_decisions(candidacy_id: int, round_no: int) -> list[JuryDecision]:
    return list(db.session.scalars(select(JuryDecision).where(
        JuryDecision.candidacy_id == candidacy_id, JuryDecision.round == round_no)
        .order_by(JuryDecision.criterion)))


# --- observers -----------------------------------------------------------------------------

def observer_overview() -> tuple[list[WorkArea], dict[int, dict[CandidacyState, int]],
                                 dict[int, int]]:
    """Every work area with its procedures, the candidacies per state and the open appeals
    per procedure: a constant number of statements, however many procedures there are."""
    areas = db.session.scalars(
        select(WorkArea).options(selectinload(WorkArea.procedures).raiseload("*"),
                                 selectinload(WorkArea.municipalities).raiseload("*"),
                                 raiseload("*"))
        .order_by(WorkArea.name)).all()
    counts: dict[int, dict[CandidacyState, int]] = defaultdict(dict)
    for procedure_id, state, n in db.session.execute(
            select(Candidacy.procedure_id, Candidacy.state, func.count(Candidacy.id))
            .group_by(Candidacy.procedure_id, Candidacy.state)):
        counts[procedure_id][state] = n
    open_appeals = {procedure_id: n for procedure_id, n in db.session.execute(
        select(Candidacy.procedure_id, func.count(Appeal.id)).select_from(Appeal)
        .join(Appeal.candidacy).where(Appeal.state.in_(OPEN_APPEAL_STATES))
        .group_by(Candidacy.procedure_id))}
    return list(areas), counts, open_appeals


def procedure_record(procedure_id: int, *, with_trail: bool = True) -> dict | None:
    """Every record of one procedure, for the observer's read-only file.

    ``with_trail=False`` (the final report) skips the individual assessments and the
    audit events, and gives only the number of events (``event_count``)."""
    procedure = db.session.scalar(
        select(Procedure).where(Procedure.id == procedure_id)
        .options(selectinload(Procedure.work_area).selectinload(WorkArea.municipalities),
                 selectinload(Procedure.work_area).selectinload(WorkArea.involved_governments),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.needs),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.challenges),
                 selectinload(Procedure.versions).selectinload(AddendumVersion.contacts),
                 selectinload(Procedure.pitch_slots)))
    if procedure is None:
        return None
    jury = db.session.scalar(select(Jury).where(Jury.procedure_id == procedure.id).options(
        selectinload(Jury.members).selectinload(JuryMembership.user)))
    candidacies = db.session.scalars(
        select(Candidacy).where(Candidacy.procedure_id == procedure.id)
        .options(selectinload(Candidacy.organisation), selectinload(Candidacy.attachments),
                 selectinload(Candidacy.contributions), selectinload(Candidacy.notices))
        .order_by(Candidacy.id)).all()
    ids = [c.id for c in candidacies]
    decisions: dict[int, list[JuryDecision]] = defaultdict(list)
    for d in db.session.scalars(select(JuryDecision).where(JuryDecision.candidacy_id.in_(ids))
                                .order_by(JuryDecision.round, JuryDecision.criterion)):
        decisions[d.candidacy_id].append(d)
    assessments: dict[int, list[Assessment]] = defaultdict(list)
    if with_trail:
        for a in db.session.scalars(select(Assessment).where(Assessment.candidacy_id.in_(ids))
                                    .options(selectinload(Assessment.user))
                                    .order_by(Assessment.round, Assessment.criterion,
                                              Assessment.id)):
            assessments[a.candidacy_id].append(a)
    ballots: dict[int, list[Ballot]] = defaultdict(list)
    for b in db.session.scalars(select(Ballot).where(Ballot.candidacy_id.in_(ids))
                                .options(selectinload(Ballot.votes)).order_by(Ballot.id)):
        ballots[b.candidacy_id].append(b)
    conflicts = db.session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.candidacy_id.in_(ids))
        .options(selectinload(ConflictDeclaration.user)).order_by(ConflictDeclaration.id)).all()
    pitches = {p.candidacy_id: p for p in db.session.scalars(
        select(PitchAppointment).where(PitchAppointment.candidacy_id.in_(ids))
        .options(selectinload(PitchAppointment.slot)))}
    appeals = db.session.scalars(
        select(Appeal).where(Appeal.candidacy_id.in_(ids))
        .options(selectinload(Appeal.references), selectinload(Appeal.candidacy)
                 .selectinload(Candidacy.organisation),
                 selectinload(Appeal.panel).selectinload(PanelMember.user))
        .order_by(Appeal.id)).all()
    letters = db.session.execute(
        select(Letter.id, Letter.reference, Letter.kind, Letter.version, Letter.pdf_sha256,
               Letter.created_at, Letter.candidacy_id, Letter.round)
        .where(Letter.procedure_id == procedure.id).order_by(Letter.id)).all()
    appeal_ids = [a.id for a in appeals]
    transitions = db.session.scalars(
        select(Transition).where(
            ((Transition.object_type == "procedure") & (Transition.object_id == procedure.id))
            | ((Transition.object_type == "candidacy") & Transition.object_id.in_(ids))
            | ((Transition.object_type == "appeal") & Transition.object_id.in_(appeal_ids)))
        .options(selectinload(Transition.actor)).order_by(Transition.at, Transition.id)).all()
    if with_trail:
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.procedure_id == procedure.id).order_by(AuditEvent.id)).all()
        event_count = len(events)
    else:
        events, event_count = [], db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.procedure_id == procedure.id))
    actor_ids = {e.actor_id for e in events if e.actor_id}
    actor_names = {uid: name for uid, name in db.session.execute(
        select(User.id, User.name).where(User.id.in_(actor_ids)))}
    names = {c.id: c.organisation.name for c in candidacies}
    return dict(procedure=procedure, jury=jury, candidacies=candidacies, decisions=decisions,
                assessments=assessments, ballots=ballots, conflicts=conflicts, pitches=pitches,
                appeals=appeals, letters=letters, transitions=transitions, events=events,
                event_count=event_count, actor_names=actor_names, candidacy_names=names)


#: The most events one page of the trail shows (the newest first).
TRAIL_LIMIT = 1000


def _candidacy_objects(candidacy_id: int) -> dict[str, object]:
    """Every kind of audited object that belongs to one candidacy, as id subqueries."""
    def ids(model):
        return select(model.id).where(model.candidacy_id == candidacy_id)

    return {
        "candidacy": [candidacy_id], "assessment": ids(Assessment),
        "jury_decision": ids(JuryDecision), "ballot": ids(Ballot),
        "vote": select(Vote.id).join(Ballot, Ballot.id == Vote.ballot_id)
        .where(Ballot.candidacy_id == candidacy_id),
        "conflict_declaration": ids(ConflictDeclaration), "pitch_appointment": ids(PitchAppointment),
        "appeal": ids(Appeal),
        "appeal_panel_member": select(PanelMember.id).join(Appeal, Appeal.id == PanelMember.appeal_id)
        .where(Appeal.candidacy_id == candidacy_id),
        "letter": ids(Letter), "attachment": ids(Attachment), "decision_notice": ids(DecisionNotice),
    }


def audit_trail(procedure_id: int, *, candidacy_id: int | None = None,
                actor_id: int | None = None, limit: int = TRAIL_LIMIT) -> dict:
    """The audit events of a procedure, newest first, optionally only those about one
    candidacy (the candidacy and everything recorded about it) or by one actor; with the
    choices for the filter form. A constant number of statements."""
    q = select(AuditEvent).where(AuditEvent.procedure_id == procedure_id)
    if candidacy_id is not None:
        q = q.where(or_(*(and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_(sub))
                          for kind, sub in _candidacy_objects(candidacy_id).items())))
    if actor_id is not None:
        q = q.where(AuditEvent.actor_id == actor_id)
    events = db.session.scalars(q.order_by(AuditEvent.id.desc()).limit(limit)).all()
    actors = db.session.execute(
        select(User.id, User.name).where(User.id.in_(
            select(AuditEvent.actor_id).where(AuditEvent.procedure_id == procedure_id)
            .distinct())).order_by(User.name)).all()
    candidacies = db.session.execute(
        select(Candidacy.id, Candidacy.reference, Organisation.name)
        .join(Organisation, Organisation.id == Candidacy.organisation_id)
        .where(Candidacy.procedure_id == procedure_id).order_by(Organisation.name)).all()
    return dict(events=events, actors=actors, candidacies=candidacies,
                actor_names={uid: name for uid, name in actors})
