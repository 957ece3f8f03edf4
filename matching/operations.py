"""Operations on accounts, organisations and candidacies: the only place they change.

Each function checks the rules, changes the objects, records the transition and the
audit event, and never commits: the caller commits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select

from appeals.models import Appeal
from juries.rules import ASSESSMENT_QUESTIONS, Criterion, check_round
from matching.candidacy_rules import (Declaration, OrganisationKind, check_answers,
                                      check_before_deadline, check_contributions,
                                      check_declarations, check_may_apply,
                                      check_single_candidacy, check_withdrawable)
from matching.errors import DomainError, N_
from matching.letters import compose as letters
from matching.extensions import db
from matching.models.accounts import Role, RoleGrant, User
from matching.models.audit import Transition
from matching.models.candidacies import Answer, Candidacy, Contribution, DecisionNotice
from matching.models.organisations import Organisation
from matching.permissions import require_applicant, require_coordinator, require_may_grant
from matching.recording import audit, transition
from matching.rules import check_enterprise_number, login_throttle, to_utc
from matching.statemachine import (NOT_SELECTED_STATE, OPEN_APPEAL_STATES, CandidacyState,
                                   CandidacyStep, ProcedureState, next_candidacy_state)
from workareas.models import Procedure, WorkAreaGovernment

#: The eight assessment questions as answer keys: "crucial_contribution.1" ... (R-JURY-2).
QUESTION_KEYS = [f"{c.value}.{i}" for c in Criterion for i in range(1, 5)]
assert len(QUESTION_KEYS) == sum(len(q) for q in ASSESSMENT_QUESTIONS.values()) == 8


# --- accounts and organisations ----------------------------------------------------------

def create_user(email: str, name: str, password: str | None, *, actor: User | None,
                now: datetime) -> User:
    """Create an account (by an administrator, or by self-registration when actor is None)."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise DomainError(N_("Geef een geldig e-mailadres."), field="email")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise DomainError(N_("Er bestaat al een account met dit e-mailadres."), field="email")
    if not name.strip():
        raise DomainError(N_("Geef een naam."), field="name")
    user = User(email=email, name=name.strip(), created_at=now, active=True)
    if password is not None:
        if len(password) < 12:
            raise DomainError(N_("Een wachtwoord telt minstens 12 tekens."), field="password")
        user.set_password(password)
    db.session.add(user)
    audit("user.create", user, actor=actor, now=now, procedure_id=None, email=email)
    return user


def record_login(user: User, *, now: datetime) -> None:
    """A successful login resets the throttle."""
    user.failed_logins, user.throttled_until = 0, None
    audit("user.login", user, actor=user, now=now, procedure_id=None)


def record_failed_login(user: User, *, now: datetime) -> None:
    """A failed login on an existing account counts and may slow the account down."""
    user.failed_logins += 1
    wait = login_throttle(user.failed_logins)
    user.throttled_until = now + wait if wait else None
    audit("user.login_failed", user, actor=None, now=now, procedure_id=None,
          failed=user.failed_logins)


def grant_role(user: User, role: Role, *, actor: User, now: datetime,
               work_area_id: int | None = None, organisation_id: int | None = None) -> RoleGrant:
    require_may_grant(actor, Role(role), work_area_id)
    if (role == Role.COORDINATOR) != (work_area_id is not None):
        raise DomainError(N_("Een coördinator hoort bij precies één werkingsgebied."))
    if (role == Role.APPLICANT) != (organisation_id is not None):
        raise DomainError(N_("Een aanvrager hoort bij precies één organisatie."))
    if user.has_role(role, work_area_id=work_area_id, organisation_id=organisation_id):
        raise DomainError(N_("Deze gebruiker heeft deze rol al."))
    grant = RoleGrant(role=role, work_area_id=work_area_id, organisation_id=organisation_id,
                      granted_at=now)
    user.grants.append(grant)
    audit("role.grant", grant, actor=actor, now=now, procedure_id=None, user=user.email,
          role=role, work_area_id=work_area_id, organisation_id=organisation_id)
    return grant


def register_organisation(name: str, enterprise_number: str, legal_form: str,
                          kind: OrganisationKind, *, actor: User | None, now: datetime,
                          email: str | None = None) -> Organisation:
    """Register an organisation; its enterprise number must pass the mod-97 check."""
    digits = check_enterprise_number(enterprise_number)
    if not name.strip():
        raise DomainError(N_("Geef de naam van de organisatie."), field="name")
    if not legal_form.strip():
        raise DomainError(N_("Geef de rechtsvorm van de organisatie."), field="legal_form")
    if db.session.scalar(select(Organisation.id).where(Organisation.enterprise_number == digits)):
        raise DomainError(N_("Er is al een organisatie met ondernemingsnummer %(number)s."),
                          field="enterprise_number", number=enterprise_number)
    organisation = Organisation(name=name.strip(), enterprise_number=digits,
                                legal_form=legal_form.strip(), kind=OrganisationKind(kind),
                                email=email)
    db.session.add(organisation)
    audit("organisation.register", organisation, actor=actor, now=now, procedure_id=None,
          name=organisation.name, kind=organisation.kind)
    return organisation


# --- candidacies -------------------------------------------------------------------------

def start_candidacy(procedure: Procedure, organisation: Organisation, *, actor: User,
                    now: datetime) -> Candidacy:
    """Open a draft candidacy for the organisation in a published procedure."""
    require_applicant(actor, organisation.id)
    if procedure.state != ProcedureState.PUBLISHED:
        raise DomainError(N_("Voor deze procedure kan men zich niet (meer) kandidaat stellen."),
                          rule="R-CAND-3")
    check_before_deadline(now, procedure.candidacy_deadline)
    involved = bool(db.session.get(WorkAreaGovernment, (procedure.work_area_id, organisation.id)))
    check_may_apply(organisation.kind, involved)
    check_single_candidacy(db.session.scalar(select(func.count(Candidacy.id)).where(
        Candidacy.procedure_id == procedure.id, Candidacy.organisation_id == organisation.id)))
    candidacy = Candidacy(
        organisation=organisation, procedure=procedure, created_at=now,
        state=CandidacyState.DRAFT,
        reference=f"KAND-{procedure.work_area_id:03d}-{procedure.sequence}-{organisation.id:05d}")
    db.session.add(candidacy)
    audit("candidacy.start", candidacy, actor=actor, now=now, procedure_id=procedure.id,
          organisation=organisation.name)
    return candidacy


def save_candidacy(candidacy: Candidacy, *, actor: User, now: datetime,
                   contributions: Mapping[str, str], answers: Mapping[str, str],
                   partnership_fit: str, declarations: Mapping[Declaration, bool]) -> Candidacy:
    """Save the draft's content (contributions per regional challenge, the eight answers,
    the declarations). A draft may be incomplete; submission checks completeness."""
    require_applicant(actor, candidacy.organisation_id)
    if candidacy.state != CandidacyState.DRAFT:
        raise DomainError(N_("Een ingediende kandidatuur kan niet meer worden gewijzigd."))
    check_before_deadline(now, candidacy.procedure.candidacy_deadline)
    offered = {c.code for c in candidacy.procedure.current_version.challenges}
    chosen = {k: v.strip() for k, v in contributions.items() if (v or "").strip()}
    if not set(chosen) <= offered:
        raise DomainError(N_("Een gekozen regio-uitdaging hoort niet bij dit addendum."),
                          rule="R-CAND-3", field="contributions")
    unknown = set(answers) - set(QUESTION_KEYS)
    if unknown:
        raise DomainError(N_("Onbekende beoordelingsvraag."), field="answers")
    if candidacy.contributions or candidacy.answers:
        # Saved again: the old rows go first, so the new ones may take their keys.
        candidacy.contributions, candidacy.answers = [], []
        db.session.flush()
    candidacy.contributions = [Contribution(challenge_code=k, text=v) for k, v in sorted(chosen.items())]
    candidacy.answers = [
        Answer(criterion=Criterion(key.split(".")[0]), question=int(key.split(".")[1]),
               text=answers[key].strip())
        for key in QUESTION_KEYS if (answers.get(key) or "").strip()]
    candidacy.partnership_fit = partnership_fit.strip()
    candidacy.declares_individual = bool(declarations.get(Declaration.INDIVIDUAL))
    candidacy.declares_not_invoice_only = bool(declarations.get(Declaration.NOT_INVOICE_ONLY))
    candidacy.declares_partnership_commitment = bool(
        declarations.get(Declaration.PARTNERSHIP_COMMITMENT))
    audit("candidacy.save", candidacy, actor=actor, now=now, procedure_id=candidacy.procedure_id,
          contributions=sorted(chosen), answers=len(candidacy.answers))
    return candidacy


def declarations_of(candidacy: Candidacy) -> dict[Declaration, bool]:
    return {Declaration.INDIVIDUAL: candidacy.declares_individual,
            Declaration.NOT_INVOICE_ONLY: candidacy.declares_not_invoice_only,
            Declaration.PARTNERSHIP_COMMITMENT: candidacy.declares_partnership_commitment}


def submit_candidacy(candidacy: Candidacy, *, actor: User, now: datetime) -> Candidacy:
    """Submit before the deadline (R-CAND-3), with the declarations (R-CAND-1/2)."""
    require_applicant(actor, candidacy.organisation_id)
    new_state = next_candidacy_state(candidacy.state, CandidacyStep.SUBMIT)
    procedure = candidacy.procedure
    if procedure.state != ProcedureState.PUBLISHED:
        raise DomainError(N_("Voor deze procedure kan men zich niet (meer) kandidaat stellen."),
                          rule="R-CAND-3")
    check_before_deadline(now, procedure.candidacy_deadline)
    involved = bool(db.session.get(WorkAreaGovernment, (procedure.work_area_id,
                                                        candidacy.organisation_id)))
    check_may_apply(candidacy.organisation.kind, involved)
    check_declarations(declarations_of(candidacy))
    check_contributions({c.challenge_code: c.text for c in candidacy.contributions},
                        {c.code for c in procedure.current_version.challenges})
    check_answers({f"{a.criterion.value}.{a.question}": a.text for a in candidacy.answers},
                  QUESTION_KEYS)
    if len(candidacy.partnership_fit) < 20:
        raise DomainError(N_("Beschrijf hoe uw organisatie fit for partnership is (minstens 20 "
                             "tekens)."), rule="R-CAND-3", field="partnership_fit")
    candidacy.submitted_at = now
    transition(candidacy, CandidacyStep.SUBMIT, new_state, actor=actor, now=now,
               procedure_id=procedure.id)
    letters.issue(letters.candidacy_receipt(candidacy, now), candidacy, actor=actor, now=now)
    return candidacy


def withdraw_candidacy(candidacy: Candidacy, reason: str, *, actor: User,
                       now: datetime) -> Candidacy:
    """The applicant withdraws, any time before the final decision."""
    require_applicant(actor, candidacy.organisation_id)
    check_withdrawable(candidacy.state == CandidacyState.ADMITTED_TO_STEP4
                       or candidacy.procedure.state == ProcedureState.RATIFIED)
    if db.session.scalar(select(func.count(Appeal.id)).where(
            Appeal.candidacy_id == candidacy.id, Appeal.state.in_(OPEN_APPEAL_STATES))):
        raise DomainError(N_("Deze kandidatuur heeft een lopend weerwoord; ze kan pas na de "
                             "uitspraak worden ingetrokken."))
    new_state = next_candidacy_state(candidacy.state, CandidacyStep.WITHDRAW)
    candidacy.withdrawn_at = now
    candidacy.withdrawal_reason = reason.strip() or None
    transition(candidacy, CandidacyStep.WITHDRAW, new_state, actor=actor, now=now,
               procedure_id=candidacy.procedure_id, reason=reason.strip())
    return candidacy


def declare_inadmissible(candidacy: Candidacy, reason: str, *, actor: User,
                         now: datetime) -> Candidacy:
    """Refuse a candidacy at the deadline check, with its procedural reason."""
    require_coordinator(actor, candidacy.procedure.work_area_id)
    if candidacy.procedure.state not in (ProcedureState.CANDIDACY_CLOSED, ProcedureState.ROUND_1):
        raise DomainError(N_("Een kandidatuur wordt onontvankelijk verklaard bij de controle na "
                             "de deadline, vóór de beoordeling."))
    if len(reason.strip()) < 10:
        raise DomainError(N_("Geef de procedurele reden van de onontvankelijkheid (minstens 10 "
                             "tekens)."), field="reason")
    new_state = next_candidacy_state(candidacy.state, CandidacyStep.DECLARE_INADMISSIBLE)
    candidacy.inadmissible_reason = reason.strip()
    transition(candidacy, CandidacyStep.DECLARE_INADMISSIBLE, new_state, actor=actor, now=now,
               procedure_id=candidacy.procedure_id, reason=reason.strip())
    return candidacy


def record_decision_received(candidacy: Candidacy, round_no: int, received_at: datetime, *,
                             actor: User | None, now: datetime) -> DecisionNotice:
    """The decision e-mail of a round was received: this starts the appeal window (R-APP-1).

    ``actor`` is None when the mail worker records the SMTP server's acceptance.
    """
    check_round(round_no)
    decision = _round_decision(candidacy, round_no)
    if decision is None:
        raise DomainError(N_("Er is nog geen beslissing van ronde %(round)s voor deze "
                             "kandidatuur."), round=round_no)
    decided_at, step = decision
    if to_utc(received_at) < decided_at:
        raise DomainError(N_("Een beslissing kan niet ontvangen zijn vóór ze genomen werd."),
                          field="received_at")
    if candidacy.notice(round_no) is not None:
        raise DomainError(N_("De ontvangst van deze beslissing is al geregistreerd."))
    if to_utc(received_at) > to_utc(now):
        raise DomainError(N_("Een ontvangst ligt niet in de toekomst."), field="received_at")
    notice = DecisionNotice(round=round_no, received_at=received_at,
                            selected=step in (CandidacyStep.SELECT_R1, CandidacyStep.ADMIT_R2))
    candidacy.notices.append(notice)
    audit("decision_notice.received", notice, actor=actor, now=now,
          procedure_id=candidacy.procedure_id, round=round_no, received_at=received_at)
    return notice


def _round_decision(candidacy: Candidacy, round_no: int) -> tuple[datetime, CandidacyStep] | None:
    """When the jury's decision of ``round_no`` was taken for the candidacy, and which it
    was (the first one: a reversal on appeal does not change what the e-mail said)."""
    steps = {1: (CandidacyStep.SELECT_R1, CandidacyStep.REJECT_R1),
             2: (CandidacyStep.ADMIT_R2, CandidacyStep.REJECT_R2)}[round_no]
    row = db.session.execute(select(Transition.at, Transition.step).where(
        Transition.object_type == "candidacy", Transition.object_id == candidacy.id,
        Transition.step.in_([s.value for s in steps])).order_by(Transition.id).limit(1)).first()
    return (row.at, CandidacyStep(row.step)) if row else None


def is_not_selected(candidacy: Candidacy, round_no: int) -> bool:
    return candidacy.state == NOT_SELECTED_STATE[round_no]
