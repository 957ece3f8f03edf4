"""Every model of every domain, so that the metadata is complete (create_all, Alembic)
and tests and tools can import them from one place."""

from matching.models.accounts import Role, RoleGrant, User
from matching.models.organisations import Organisation
from workareas.models import (AddendumVersion, ContactPerson, LocalNeed, Municipality, PitchSlot,
                              Procedure, RegionalChallenge, WorkArea, WorkAreaGovernment)
from matching.models.candidacies import Answer, Attachment, Candidacy, Contribution, DecisionNotice
from matching.models.audit import AuditCheckpoint, AuditEvent, Transition
from matching.models.observations import FinalReport, Observation
from juries.models import (Assessment, Ballot, BallotState, ConflictDeclaration,
                           EmergencyOutcome, EmergencyProcedure, EmergencyScore, EmergencyState,
                           JuryDecision, JuryMembership, Jury, PitchAppointment, Vote)
from appeals.models import Appeal, AppealReference, PanelMember
from matching.letters.models import Letter
from matching.outbox import OutboxMessage, OutboxState

__all__ = [
    "AddendumVersion", "Answer", "Appeal", "AppealReference", "Assessment", "Attachment",
    "AuditCheckpoint", "AuditEvent", "Ballot", "BallotState", "Candidacy", "ConflictDeclaration", "ContactPerson",
    "Contribution", "DecisionNotice", "EmergencyOutcome", "EmergencyProcedure", "EmergencyScore",
    "EmergencyState", "FinalReport", "Jury", "Letter", "OutboxMessage", "OutboxState", "JuryDecision", "JuryMembership", "LocalNeed", "Municipality",
    "Observation", "Organisation", "PanelMember", "PitchAppointment", "PitchSlot", "Procedure",
    "RegionalChallenge", "Role", "RoleGrant", "Transition", "User", "Vote", "WorkArea",
    "WorkAreaGovernment",
]
