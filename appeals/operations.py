"""Operations of the appeal (weerwoord): file it, assign the panel, record positions.

Each function checks the rules, changes the objects, records the transition and the
audit event, and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from appeals import notifications as appeal_letters
from appeals.models import Appeal, AppealDocument, AppealReference, PanelMember
from appeals.rules import (
    OPEN_APPEAL_STATES,
    AppealChannel,
    AppealState,
    AppealStep,
    Position,
    appeal_outcome,
    check_appeal_window,
    check_grounds,
    check_panel,
    check_registration,
    next_appeal_state,
)
from juries.queries import conflicted_user_ids, jury_of
from matching.accounts.models import User
from matching.accounts.rules import Role, require_applicant, require_coordinator
from matching.audit.recording import audit, lock_for_change, transition
from matching.candidacies import notifications as candidacy_letters
from matching.candidacies import operations as candidacy_ops
from matching.candidacies import queries as candidacy_queries
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import CandidacyStep, appeal_round, next_candidacy_state
from matching.core import signals
from matching.core.dates import format_brussels, to_utc
from matching.core.db import db
from matching.core.errors import N_, DomainError, PermissionDenied
from matching.core.operation import operation
from matching.letters.content import INTAKE


@operation
def file_appeal(candidacy: Candidacy, grounds: str, referenced_documents: Sequence[str], *,
                actor: User, now: datetime, attachment_ids: Sequence[int] = (),
                document: tuple[str, bytes] | None = None) -> Appeal:
    """R-APP-1/2: a non-selected organisation appeals on material errors, within 14 days
    of receiving the decision e-mail, through the platform's form: the grounds, the
    submitted documents it is about (``attachment_ids``, the candidacy's attachments, and
    ``referenced_documents`` named in words) and at most one clarifying ``document``
    (filename, bytes)."""
    require_applicant(actor, candidacy.organisation_id)
    return _file(candidacy, grounds, referenced_documents, attachment_ids, document,
                 actor=actor, now=now, received_at=now, channel=AppealChannel.PLATFORM)


@operation
def register_appeal(candidacy: Candidacy, grounds: str, referenced_documents: Sequence[str], *,
                    channel: AppealChannel, received_at: datetime, actor: User, now: datetime,
                    attachment_ids: Sequence[int] = (),
                    document: tuple[str, bytes] | None = None) -> Appeal:
    """Issue 12 / DOMAIN.md: an appeal that reached the coordinator by e-mail or post is
    registered on the applicant's behalf with the moment it was received, checked against
    the same deadline as the form (R-APP-1), so no appeal is lost."""
    require_coordinator(actor, candidacy.procedure.work_area_id)
    check_registration(channel, received_at, now)
    return _file(candidacy, grounds, referenced_documents, attachment_ids, document,
                 actor=actor, now=now, received_at=received_at, channel=channel,
                 registered_at=now)


def _file(candidacy: Candidacy, grounds: str, referenced_documents: Sequence[str],
          attachment_ids: Sequence[int], document: tuple[str, bytes] | None, *,
          actor: User, now: datetime, received_at: datetime,
          channel: AppealChannel, registered_at: datetime | None = None) -> Appeal:
    lock_for_change(candidacy)
    round_no = appeal_round(candidacy.state)
    if round_no is None:
        raise DomainError(N_("Enkel een niet-geselecteerde kandidatuur kan een weerwoord "
                             "indienen."), rule="R-APP-1")
    decision_received_at, stated = candidacy_queries.decision_receipt(candidacy, round_no)
    check_appeal_window(decision_received_at, received_at, stated_deadline=stated)
    if decision_received_at is not None and to_utc(received_at) < to_utc(decision_received_at):
        raise DomainError(N_("Een weerwoord kan niet binnenkomen vóór de beslissing ontvangen "
                             "werd (%(at)s)."), field="received_at",
                          at=format_brussels(decision_received_at))
    own = {a.id: a for a in candidacy.attachments}
    if any(i not in own for i in attachment_ids):
        raise DomainError(N_("Verwijs enkel naar bijlagen van deze kandidatuur."),
                          rule="R-APP-2", field="attachment_ids")
    chosen = [own[i] for i in dict.fromkeys(attachment_ids)]
    named = [d.strip() for d in referenced_documents if d.strip()]
    check_grounds(grounds, named + [a.filename for a in chosen])
    if db.session.scalar(select(Appeal.id).where(Appeal.candidacy_id == candidacy.id,
                                                 Appeal.round == round_no)):
        raise DomainError(N_("Er is al een weerwoord ingediend tegen deze beslissing."),
                          rule="R-APP-1")
    appeal = Appeal(candidacy=candidacy, round=round_no, state=AppealState.FILED,
                    grounds=grounds.strip(), filed_at=received_at, filed_by_id=actor.id,
                    channel=channel, registered_at=registered_at,
                    references=[AppealReference(document=a.filename, attachment_id=a.id)
                                for a in chosen] + [AppealReference(document=d) for d in named])
    if document is not None and document[1]:
        # checked like an attachment; the bytes stored in the database, in this transaction
        appeal.document = AppealDocument(**candidacy_ops.checked_upload(*document),
                                         data=document[1], uploaded_at=now)
    db.session.add(appeal)
    audit("appeal.file", appeal, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          candidacy=candidacy.reference, round=round_no, documents=len(appeal.references),
          channel=channel.value, received_at=received_at,
          clarifying_document=appeal.document.sha256 if appeal.document else None)
    candidacy_letters.issue(appeal_letters.appeal_receipt(appeal, now), candidacy, actor=actor,
                            now=now, appeal_id=appeal.id)
    appeal_letters.appeal_filed_mail(appeal, now=now)
    return appeal


@operation
def assign_panel(appeal: Appeal, members: Sequence[User], *, actor: User,
                 now: datetime) -> list[PanelMember]:
    """R-APP-3: two independent matchmakers, not on the original jury, without conflict."""
    lock_for_change(appeal)
    candidacy = appeal.candidacy
    require_coordinator(actor, candidacy.procedure.work_area_id)
    new_state = next_appeal_state(appeal.state, AppealStep.ASSIGN_PANEL)
    jury = jury_of(candidacy.procedure)
    check_panel([u.id for u in members], {m.user_id for m in jury.members} if jury else set(),
                conflicted_user_ids(candidacy))
    not_appeal = [u.name for u in members if not u.has_role(Role.APPEAL_MATCHMAKER)]
    if not_appeal:
        raise DomainError(N_("Geen matchmaker voor weerwoorden: %(names)s."), rule="R-APP-3",
                          field="panel", names=", ".join(not_appeal))
    appeal.panel = [PanelMember(user=u) for u in members]
    transition(appeal, AppealStep.ASSIGN_PANEL, new_state, actor=actor, now=now,
               procedure_id=candidacy.procedure_id,
               reason=", ".join(u.email for u in members), personal_reason=True)
    appeal_letters.panel_mails(appeal, members, now=now)
    return appeal.panel


@operation
def record_position(appeal: Appeal, position: Position, motivation: str, *, actor: User,
                    now: datetime) -> PanelMember:
    """A panel member confirms or reverses, with a thorough motivation; with both
    positions in, the appeal is decided (reversal only when both agree, R-APP-3)."""
    lock_for_change(appeal)
    member = next((m for m in appeal.panel if m.user_id == actor.id), None)
    if member is None:
        raise PermissionDenied(N_("U zit niet in het panel van dit weerwoord."))
    if appeal.state != AppealState.UNDER_REVIEW:
        raise DomainError(N_("Dit weerwoord wordt niet (meer) beoordeeld."))
    if member.position is not None:
        raise DomainError(N_("U heeft uw standpunt al gegeven."))
    if len((motivation or "").strip()) < 20:
        raise DomainError(N_("Motiveer uw standpunt grondig (minstens 20 tekens)."),
                          rule="R-APP-3", field="motivation")
    member.position, member.motivation, member.decided_at = (Position(position),
                                                              motivation.strip(), now)
    audit("appeal.position", member, actor=actor, now=now,
          procedure_id=appeal.candidacy.procedure_id, appeal=appeal.id, position=position)
    outcome = appeal_outcome([m.position for m in appeal.panel if m.position is not None])
    if outcome is None:
        return member
    appeal.decided_at = now
    candidacy = appeal.candidacy
    if outcome == Position.REVERSE:
        transition(appeal, AppealStep.REVERSE, next_appeal_state(appeal.state, AppealStep.REVERSE),
                   actor=actor, now=now, procedure_id=candidacy.procedure_id)
        new_state = next_candidacy_state(candidacy.state, CandidacyStep.REVERSE_ON_APPEAL)
        with db.session.no_autoflush:
            if appeal.round == INTAKE:
                # issue 12: the candidacy is assessed after all; the reason stays on record
                # (its transition and its letter)
                candidacy.inadmissible_reason = None
            transition(candidacy, CandidacyStep.REVERSE_ON_APPEAL, new_state,
                       actor=actor, now=now, procedure_id=candidacy.procedure_id,
                       reason=f"weerwoord {appeal.id} omgekeerd")
    else:
        transition(appeal, AppealStep.CONFIRM, next_appeal_state(appeal.state, AppealStep.CONFIRM),
                   actor=actor, now=now, procedure_id=candidacy.procedure_id)
    candidacy_letters.issue(appeal_letters.appeal_outcome(appeal, now), candidacy, actor=actor,
                            now=now, appeal_id=appeal.id)
    return member


@signals.withdrawal_blockers.connect
def _appeal_under_way(candidacy: Candidacy) -> str | None:
    """No withdrawal while an appeal is filed or under review: the panel decides first."""
    if db.session.scalar(select(Appeal.id).where(Appeal.candidacy_id == candidacy.id,
                                                 Appeal.state.in_(OPEN_APPEAL_STATES))):
        return N_("Deze kandidatuur heeft een lopend weerwoord; ze kan pas na de uitspraak "
                  "worden ingetrokken.")
    return None
