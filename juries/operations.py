"""Operations of the local jury: the only place jury state changes.

Compose the jury, declare conflicts, record individual scores, decide by consensus or
ballot, close the rounds, plan and hold the pitches. Each function checks the rules,
changes the objects, records the transition and audit event, and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exc, select

from juries import notifications as jury_letters
from juries.models import (
    Assessment,
    Ballot,
    BallotState,
    ConflictDeclaration,
    ConsensusState,
    Jury,
    JuryDecision,
    JuryMembership,
    PendingConsensus,
    Vote,
)
from juries.queries import (
    conflicted_user_ids,
    decision_for,
    eligible_members,
    individual_scores,
    jury_of,
    pending_consensus_for,
    pitch_done,
    pitch_of,
)
from juries.rules import (
    BLOC_LABELS,
    Bloc,
    Method,
    ballot_can_close,
    ballot_outcome,
    check_confirmation,
    check_consensus,
    check_jury_composition,
    check_motivation,
    check_score,
    consensus_is_final,
    jury_is_complete,
)
from matching.accounts.models import User
from matching.accounts.rules import Role, require_coordinator
from matching.audit.recording import audit, lock_for_change
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import ROUND_ENTRY_STATE, Criterion, check_round
from matching.core.db import db, get_required
from matching.core.errors import N_, DomainError, PermissionDenied
from matching.core.operation import operation
from workareas.models import Procedure
from workareas.rules import ProcedureState

#: Procedure states in which a round's scores may be recorded.
SCORING_STATES = {1: (ProcedureState.ROUND_1, ProcedureState.ROUND_2, ProcedureState.DECIDED),
                  2: (ProcedureState.ROUND_2, ProcedureState.DECIDED)}


def check_jury_for(candidacy: Candidacy) -> list[JuryMembership]:
    """R-JURY-1 for this candidacy, with the conflicted matchmakers taken out."""
    members = eligible_members(candidacy)
    if jury_of(candidacy.procedure) is None:
        raise DomainError(N_("Deze procedure heeft nog geen jury."), rule="R-JURY-1")
    check_jury_composition([m.bloc for m in members], for_candidacy=candidacy.organisation.name)
    return members


def membership_of(candidacy: Candidacy, user: User) -> JuryMembership:
    """The actor's seat on this candidacy's jury; refused for outsiders, conflicts and a
    candidacy that was never submitted (a jury never sees a draft, not even by its id)."""
    if candidacy.submitted_at is None:
        raise PermissionDenied(N_("Deze kandidatuur werd niet ingediend."))
    jury = jury_of(candidacy.procedure)
    member = next((m for m in jury.members if m.user_id == user.id), None) if jury else None
    if member is None:
        raise PermissionDenied(N_("U zit niet in de jury van deze procedure."))
    if user.id in conflicted_user_ids(candidacy):
        raise PermissionDenied(N_("U heeft een belangenconflict gemeld voor deze kandidatuur."))
    return member


def check_round_open(candidacy: Candidacy, round_no: int) -> None:
    """Whether the jury scores this candidacy in ``round_no`` now: the round is open, the
    candidacy awaits it, and in round 2 the pitch was held (R-PITCH-1). The scoring page
    asks this too."""
    check_round(round_no)
    if candidacy.procedure.state not in SCORING_STATES[round_no]:
        raise DomainError(N_("Ronde %(round)s is niet open voor deze procedure."), round=round_no)
    if candidacy.state != ROUND_ENTRY_STATE[round_no]:
        raise DomainError(N_("Deze kandidatuur wordt niet beoordeeld in ronde %(round)s."),
                          round=round_no)
    if round_no == 2:
        if not pitch_done(pitch_of(candidacy)):
            raise DomainError(N_("De finale score volgt pas na de pitch (matchingsgesprek)."),
                              rule="R-PITCH-1")


def _check_scoring_open(candidacy: Candidacy, round_no: int, criterion: Criterion) -> None:
    check_round_open(candidacy, round_no)
    Criterion(criterion)
    if decision_for(candidacy, round_no, criterion) is not None:
        raise DomainError(N_("De jury besliste al over dit criterium in deze ronde."))


# --- composition and conflicts -----------------------------------------------------------

@operation
def compose_jury(procedure: Procedure, members: Sequence[tuple[User, Bloc, str]], *,
                 actor: User, now: datetime, chair: User | None = None) -> Jury:
    """Compose (or recompose) the jury; refused unless R-JURY-1 holds, also for every
    candidacy once its conflicted matchmakers are taken out."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    if procedure.state in (ProcedureState.DECIDED, ProcedureState.RATIFIED):
        raise DomainError(N_("De jury van een besliste procedure kan niet meer wijzigen."))
    users = [u for u, _, _ in members]
    if chair is not None and chair.id not in {u.id for u in users}:
        raise DomainError(N_("De voorzitter moet lid zijn van de jury."), field="members")
    if len({u.id for u in users}) != len(users):
        raise DomainError(N_("Elke matchmaker zit maar één keer in de jury."), field="members")
    not_matchmaker = [u.name for u in users if not u.has_role(Role.MATCHMAKER)]
    if not_matchmaker:
        raise DomainError(N_("Geen matchmaker: %(names)s."), field="members",
                          names=", ".join(not_matchmaker))
    blocs = [Bloc(b) for _, b, _ in members]
    check_jury_composition(blocs)
    conflicts = db.session.execute(
        select(ConflictDeclaration.candidacy_id, ConflictDeclaration.user_id)
        .join(Candidacy).where(Candidacy.procedure_id == procedure.id)).all()
    by_candidacy: dict[int, set[int]] = {}
    for candidacy_id, user_id in conflicts:
        by_candidacy.setdefault(candidacy_id, set()).add(user_id)
    for candidacy_id, conflicted in by_candidacy.items():
        candidacy = get_required(Candidacy, candidacy_id)
        check_jury_composition([b for (u, b, _) in members if u.id not in conflicted],
                               for_candidacy=candidacy.organisation.name)
    jury = jury_of(procedure)
    if jury is None:
        jury = Jury(procedure=procedure, composed_at=now)
        db.session.add(jury)
    jury.composed_at = now
    existing = {m.user_id: m for m in jury.members}
    if any(m.chair for m in existing.values()):
        # One chair per jury (a unique index): clear the old one before naming the new one.
        for seat in existing.values():
            seat.chair = False
        db.session.flush()
    seats = []
    for user, bloc, affiliation in members:
        seat = existing.get(user.id) or JuryMembership(user=user)
        seat.bloc, seat.affiliation = Bloc(bloc), affiliation.strip()
        seat.chair = chair is not None and user.id == chair.id
        seats.append(seat)
    jury.members = seats  # the unchanged seats are kept, so their rows stay
    audit("jury.compose", jury, actor=actor, now=now, procedure_id=procedure.id,
          personal={"members": [f"{u.email}:{Bloc(b).value}" for u, b, _ in members],
                    "chair": chair.email if chair else None})
    return jury


def check_conflict_reason(reason: str) -> None:
    """A conflict is declared with its nature (the confirmation page asks this first)."""
    if len((reason or "").strip()) < 5:
        raise DomainError(N_("Geef kort de aard van het belangenconflict."), field="reason")


@operation
def declare_conflict(candidacy: Candidacy, reason: str, *, actor: User,
                     now: datetime) -> ConflictDeclaration:
    """A matchmaker declares a conflict of interest and leaves this candidacy alone.

    The declaration is always recorded; if the jury then no longer satisfies R-JURY-1
    for the candidacy, scoring it is refused until the jury is recomposed.
    """
    lock_for_change(candidacy)
    jury = jury_of(candidacy.procedure)
    if jury is None or all(m.user_id != actor.id for m in jury.members):
        raise PermissionDenied(N_("U zit niet in de jury van deze procedure."))
    if actor.id in conflicted_user_ids(candidacy):
        raise DomainError(N_("U heeft voor deze kandidatuur al een belangenconflict gemeld."))
    check_conflict_reason(reason)
    declaration = ConflictDeclaration(user_id=actor.id, candidacy_id=candidacy.id,
                                      reason=reason.strip(), declared_at=now)
    db.session.add(declaration)
    # Individual scores of a conflicted matchmaker do not count.
    for assessment in db.session.scalars(select(Assessment).where(
            Assessment.user_id == actor.id, Assessment.candidacy_id == candidacy.id)):
        db.session.delete(assessment)
    audit("conflict.declare", declaration, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference)
    remaining = [m.bloc for m in jury.members
                 if m.user_id != actor.id and m.user_id not in conflicted_user_ids(candidacy)]
    jury_letters.conflict_mail(candidacy, actor, declaration, now=now,
                               breaks_jury=not jury_is_complete(remaining))
    return declaration


# --- individual scores and decisions -----------------------------------------------------

@operation
def record_assessment(candidacy: Candidacy, round_no: int, criterion: Criterion, score: int,
                      notes: Sequence[str], *, actor: User, now: datetime) -> Assessment:
    """A matchmaker's own score (1–4) with a note per assessment question; may be revised
    until the jury decides on the criterion."""
    lock_for_change(candidacy)
    member = membership_of(candidacy, actor)
    _check_scoring_open(candidacy, round_no, criterion)
    check_jury_for(candidacy)
    check_score(score)
    notes = [(n or "").strip() for n in notes]
    if len(notes) != 4:
        raise DomainError(N_("Er is een notitie per beoordelingsvraag (vier)."), field="notes")
    assessment = db.session.scalar(select(Assessment).where(
        Assessment.user_id == actor.id, Assessment.candidacy_id == candidacy.id,
        Assessment.round == round_no, Assessment.criterion == criterion))
    before = assessment.score if assessment else None
    if assessment is None:
        assessment = Assessment(user_id=actor.id, candidacy_id=candidacy.id, round=round_no,
                                criterion=Criterion(criterion))
        db.session.add(assessment)
    assessment.score = score
    assessment.note_1, assessment.note_2, assessment.note_3, assessment.note_4 = notes
    assessment.recorded_at = now
    audit("assessment.record", assessment, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference, round=round_no,
          criterion=criterion, bloc=member.bloc, before=before, after=score)
    return assessment


def _decide(candidacy: Candidacy, round_no: int, criterion: Criterion, score: int,
            motivation: str, method: Method, members: list[JuryMembership], *, actor: User,
            now: datetime, ballot: Ballot | None = None) -> JuryDecision:
    decision = JuryDecision(
        candidacy_id=candidacy.id, round=round_no, criterion=Criterion(criterion), score=score,
        motivation=motivation, method=method, ballot=ballot, decided_by_id=actor.id,
        decided_at=now, jury_blocs=",".join(sorted(m.bloc.value for m in members)))
    db.session.add(decision)
    pending = pending_consensus_for(candidacy, round_no, criterion)
    if pending is not None:  # the chair's consensus or a ballot decided meanwhile
        pending.state, pending.closed_by_id, pending.closed_at = (
            ConsensusState.WITHDRAWN, actor.id, now)
    audit("decision.record", decision, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          candidacy=candidacy.reference, round=round_no, criterion=criterion, score=score,
          method=method)
    return decision


def _check_consensus(candidacy: Candidacy, round_no: int, criterion: Criterion, score: int,
                     members: list[JuryMembership]) -> None:
    scores = individual_scores(candidacy, round_no, criterion)
    check_consensus(scores, [m.user_id for m in members], score,
                    {m.user_id: m.user.name for m in members})


@operation
def record_consensus(candidacy: Candidacy, round_no: int, criterion: Criterion, score: int,
                     motivation: str, *, actor: User,
                     now: datetime) -> JuryDecision | PendingConsensus:
    """R-JURY-4: the jury's consensus, when every matchmaker without a conflict gave
    this score individually; R-JURY-6: with its motivation.

    Who records it (issue 13): recorded by the member the jury chose as its chair, it is
    the jury's decision at once; recorded by any other member, it awaits the confirmation
    of a member of another organisation (:func:`confirm_consensus`) and decides nothing
    until then. Returns the decision, or the consensus awaiting confirmation."""
    lock_for_change(candidacy)
    member = membership_of(candidacy, actor)
    _check_scoring_open(candidacy, round_no, criterion)
    members = check_jury_for(candidacy)
    check_score(score)
    motivation = check_motivation(motivation)
    _check_consensus(candidacy, round_no, criterion, score, members)
    if consensus_is_final(member.chair):
        return _decide(candidacy, round_no, criterion, score, motivation, Method.CONSENSUS,
                       members, actor=actor, now=now)
    waiting = pending_consensus_for(candidacy, round_no, criterion)
    if waiting is not None:
        raise DomainError(N_("Er wacht al een consensus (score %(score)s, vastgelegd door "
                             "%(name)s) op bevestiging door een jurylid van een andere "
                             "organisatie."), rule="R-JURY-4", score=waiting.score,
                          name=waiting.recorded_by.name)
    pending = PendingConsensus(
        candidacy_id=candidacy.id, round=round_no, criterion=Criterion(criterion), score=score,
        motivation=motivation, recorded_by_id=actor.id, recorded_bloc=member.bloc,
        recorded_at=now, state=ConsensusState.PENDING)
    try:
        with db.session.begin_nested():
            db.session.add(pending)
    except exc.IntegrityError:  # another member recorded one at the same moment
        raise DomainError(N_("Er wacht al een consensus op bevestiging."),
                          rule="R-JURY-4") from None
    audit("consensus.propose", pending, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference, round=round_no,
          criterion=criterion, score=score, bloc=member.bloc)
    confirmers = [m.user for m in members if m.bloc != member.bloc]
    jury_letters.consensus_to_confirm_mails(candidacy, pending, actor, confirmers, now=now)
    return pending


@operation
def confirm_consensus(pending: PendingConsensus, *, actor: User, now: datetime) -> JuryDecision:
    """A second member, of another organisation than the recorder, confirms a consensus
    awaiting confirmation: it becomes the jury's decision (issue 13, R-JURY-4). The
    consensus is checked again: an individual score may have changed meanwhile."""
    candidacy = get_required(Candidacy, pending.candidacy_id)
    lock_for_change(candidacy)
    member = membership_of(candidacy, actor)
    if pending.state != ConsensusState.PENDING:
        raise DomainError(N_("Deze consensus wacht niet meer op bevestiging."))
    check_confirmation(pending.recorded_by_id, pending.recorded_bloc, actor.id, member.bloc)
    _check_scoring_open(candidacy, pending.round, pending.criterion)
    members = check_jury_for(candidacy)
    _check_consensus(candidacy, pending.round, pending.criterion, pending.score, members)
    pending.state, pending.closed_by_id, pending.closed_at = (
        ConsensusState.CONFIRMED, actor.id, now)
    db.session.flush()
    audit("consensus.confirm", pending, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference,
          round=pending.round, criterion=pending.criterion, score=pending.score,
          recorded_by=pending.recorded_by.email, bloc=member.bloc)
    decision = _decide(candidacy, pending.round, pending.criterion, pending.score,
                       pending.motivation, Method.CONSENSUS, members, actor=actor, now=now)
    db.session.flush()
    pending.decision_id = decision.id
    return decision


@operation
def withdraw_consensus(pending: PendingConsensus, *, actor: User, now: datetime) -> None:
    """The member who recorded a consensus withdraws it while it awaits confirmation."""
    candidacy = get_required(Candidacy, pending.candidacy_id)
    lock_for_change(candidacy)
    membership_of(candidacy, actor)
    if pending.state != ConsensusState.PENDING:
        raise DomainError(N_("Deze consensus wacht niet meer op bevestiging."))
    if pending.recorded_by_id != actor.id:
        raise DomainError(N_("Enkel wie de consensus vastlegde, kan ze intrekken."))
    pending.state, pending.closed_by_id, pending.closed_at = (
        ConsensusState.WITHDRAWN, actor.id, now)
    audit("consensus.withdraw", pending, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, candidacy=candidacy.reference,
          round=pending.round, criterion=pending.criterion, score=pending.score)


@operation
def open_ballot(candidacy: Candidacy, round_no: int, criterion: Criterion, *, actor: User,
                now: datetime) -> Ballot:
    """Without consensus the jury votes: one vote per organisation, ⅔ decides (R-JURY-4)."""
    lock_for_change(candidacy)
    membership_of(candidacy, actor)
    _check_scoring_open(candidacy, round_no, criterion)
    check_jury_for(candidacy)
    if db.session.scalar(select(Ballot.id).where(
            Ballot.candidacy_id == candidacy.id, Ballot.round == round_no,
            Ballot.criterion == criterion, Ballot.state == BallotState.OPEN)):
        raise DomainError(N_("Er loopt al een stemming over dit criterium."))
    ballot = Ballot(candidacy_id=candidacy.id, round=round_no, criterion=Criterion(criterion),
                    state=BallotState.OPEN, opened_at=now)
    db.session.add(ballot)
    audit("ballot.open", ballot, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          candidacy=candidacy.reference, round=round_no, criterion=criterion)
    return ballot


@operation
def cast_vote(ballot: Ballot, score: int, *, actor: User, now: datetime) -> Vote:
    """Cast the actor's bloc's one vote; a second vote of the same bloc is refused, also
    when two matchmakers of one bloc vote at the same moment (unique constraint)."""
    lock_for_change(ballot)
    candidacy = get_required(Candidacy, ballot.candidacy_id)
    member = membership_of(candidacy, actor)
    if ballot.state != BallotState.OPEN:
        raise DomainError(N_("Deze stemming is afgesloten."))
    if decision_for(candidacy, ballot.round, ballot.criterion) is not None:
        raise DomainError(N_("De jury besliste al over dit criterium in deze ronde."))
    check_score(score)
    if member.bloc in ballot.votes_by_bloc():
        raise DomainError(N_("%(bloc)s heeft al gestemd: één stem per organisatie."),
                          rule="R-JURY-4", bloc=BLOC_LABELS[member.bloc])
    vote = Vote(ballot_id=ballot.id, bloc=member.bloc, score=score, cast_by_id=actor.id,
                cast_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(vote)
    except exc.IntegrityError:
        raise DomainError(N_("%(bloc)s heeft al gestemd: één stem per organisatie."),
                          rule="R-JURY-4", bloc=BLOC_LABELS[member.bloc]) from None
    db.session.refresh(ballot, ["votes"])
    audit("ballot.vote", vote, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          ballot=ballot.id, bloc=member.bloc, score=score)
    return vote


@operation
def close_ballot(ballot: Ballot, motivation: str | None, *, actor: User,
                 now: datetime) -> JuryDecision | None:
    """⅔ of the three bloc votes decides, with a motivation (R-JURY-4, R-JURY-6);
    otherwise the ballot is kept as undecided and the jury holds a new one."""
    lock_for_change(ballot)
    candidacy = get_required(Candidacy, ballot.candidacy_id)
    membership_of(candidacy, actor)
    if ballot.state != BallotState.OPEN:
        raise DomainError(N_("Deze stemming is al afgesloten."))
    if decision_for(candidacy, ballot.round, ballot.criterion) is not None:
        raise DomainError(N_("De jury besliste al over dit criterium in deze ronde."))
    votes = ballot.votes_by_bloc()
    if not ballot_can_close(votes):
        raise DomainError(N_("Nog niet elke organisatie heeft gestemd en er is nog geen ⅔."),
                          rule="R-JURY-4")
    outcome = ballot_outcome(votes)
    if outcome is None:
        ballot.state, ballot.closed_at = BallotState.UNDECIDED, now
        audit("ballot.close", ballot, actor=actor, now=now, procedure_id=candidacy.procedure_id,
              votes={b.value: s for b, s in votes.items()}, outcome=None)
        return None
    motivation = check_motivation(motivation)
    members = check_jury_for(candidacy)
    ballot.state, ballot.closed_at, ballot.outcome_score = BallotState.DECIDED, now, outcome
    audit("ballot.close", ballot, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          votes={b.value: s for b, s in votes.items()}, outcome=outcome)
    return _decide(candidacy, ballot.round, ballot.criterion, outcome, motivation, Method.BALLOT,
                   members, actor=actor, now=now, ballot=ballot)
