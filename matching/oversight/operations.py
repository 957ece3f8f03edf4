"""Europa WSE's operations (R-OBS-1): observations on a condition, the coordinator's
answer, and the ratification that freezes the procedure and stores its final report.

Like every operation: check the rules, change the objects, record the transition and
the audit event, queue the mail, never commit.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select

from matching.accounts.models import User
from matching.accounts.rules import Role, require_coordinator, require_role
from matching.audit.models import AuditEvent
from matching.audit.recording import audit, lock_chain, lock_for_change, transition
from matching.core.db import db, get_required
from matching.core.errors import N_, DomainError
from matching.core.operation import operation
from matching.core.reasons import ALL_CONDITIONS_MET
from matching.letters.seal import current_seal, seal_pdf
from matching.oversight.facts import TITLES
from matching.oversight.facts_queries import evaluate_procedure
from matching.oversight.models import (
    MIN_OBSERVATION,
    FinalReport,
    Observation,
    RatificationRefusal,
)
from matching.oversight.notifications import observation_mail, refusal_mail
from matching.oversight.report import build_final_report
from matching.oversight.rules import check_decision_after_answer, unmet
from workareas.models import Procedure, check_not_ratified
from workareas.rules import ProcedureState, ProcedureStep, next_procedure_state

_OBSERVERS_ONLY = N_("Enkel een waarnemer van Europa WSE kan dit doen.")


def _check_text(text: str | None, field: str) -> str:
    text = (text or "").strip()
    if len(text) < MIN_OBSERVATION:
        raise DomainError(N_("Schrijf minstens %(n)s tekens."), rule="R-OBS-1", field=field,
                          n=MIN_OBSERVATION)
    return text


@operation
def record_observation(procedure: Procedure, condition: int, text: str, *, actor: User,
                       now: datetime) -> Observation:
    """An observer's remark on one condition; the coordinators of the work area get a
    mail and can answer it on their page."""
    lock_for_change(procedure)
    require_role(actor, Role.OBSERVER, _OBSERVERS_ONLY)
    if condition not in TITLES:
        raise DomainError(N_("Kies een van de zes voorwaarden."), rule="R-OBS-1",
                          field="condition")
    if procedure.state == ProcedureState.DRAFT:
        raise DomainError(N_("Deze procedure is nog niet gepubliceerd."), rule="R-OBS-1")
    check_not_ratified(procedure.id)
    text = _check_text(text, "text")
    observation = Observation(procedure_id=procedure.id, condition=condition, text=text,
                              observer_id=actor.id, made_at=now)
    db.session.add(observation)
    audit("observation.record", observation, actor=actor, now=now, procedure_id=procedure.id,
          condition=condition)
    observation_mail(procedure, observation, now=now)
    return observation


@operation
def answer_observation(observation: Observation, answer: str, *, actor: User,
                       now: datetime) -> Observation:
    """The coordinator of the work area answers an observation, once."""
    procedure = get_required(Procedure, observation.procedure_id)
    require_coordinator(actor, procedure.work_area_id)
    if observation.answer is not None:
        raise DomainError(N_("Deze opmerking is al beantwoord."), rule="R-OBS-1", field="answer")
    check_not_ratified(procedure.id)
    answer = _check_text(answer, "answer")
    observation.answer, observation.answered_by_id, observation.answered_at = answer, actor.id, now
    audit("observation.answer", observation, actor=actor, now=now, procedure_id=procedure.id,
          condition=observation.condition)
    return observation


def check_ratification_open(procedure: Procedure) -> ProcedureState:
    """Whether the procedure may be ratified (or refused) now, before the six conditions
    are evaluated: its state allows it and no refusal awaits the coordinators' answer.
    The page asks this before it shows the confirmation; ``ratify`` asks it again."""
    target = next_procedure_state(procedure.state, ProcedureStep.RATIFY)
    check_decision_after_answer(_unanswered_refusal(procedure) is not None)
    return target


def _unanswered_refusal(procedure: Procedure) -> RatificationRefusal | None:
    return db.session.scalar(select(RatificationRefusal).where(
        RatificationRefusal.procedure_id == procedure.id,
        RatificationRefusal.answer.is_(None)))


@operation
def refuse_ratification(procedure: Procedure, motivation: str, *, actor: User,
                        now: datetime) -> RatificationRefusal:
    """An observer refuses to ratify, with a motivation (R-OBS-1: Europa WSE ratifies the
    process "en kijkt hierbij na of het proces voldoet aan de volgende voorwaarden"). Only
    where ratification is on the table (a decided procedure); the coordinators of the work
    area get a mail and answer; then the observer decides again."""
    require_role(actor, Role.OBSERVER, _OBSERVERS_ONLY)
    next_procedure_state(procedure.state, ProcedureStep.RATIFY)  # decided, not ratified
    check_not_ratified(procedure.id)
    check_decision_after_answer(_unanswered_refusal(procedure) is not None)
    motivation = _check_text(motivation, "motivation")
    refusal = RatificationRefusal(procedure_id=procedure.id, motivation=motivation,
                                  observer_id=actor.id, refused_at=now)
    db.session.add(refusal)
    audit("ratification.refuse", refusal, actor=actor, now=now, procedure_id=procedure.id)
    refusal_mail(procedure, refusal, now=now)
    return refusal


@operation
def answer_refusal(refusal: RatificationRefusal, answer: str, *, actor: User,
                   now: datetime) -> RatificationRefusal:
    """A coordinator of the work area answers a refusal to ratify, once."""
    procedure = get_required(Procedure, refusal.procedure_id)
    require_coordinator(actor, procedure.work_area_id)
    if refusal.answer is not None:
        raise DomainError(N_("Deze weigering is al beantwoord."), rule="R-OBS-1")
    check_not_ratified(procedure.id)
    answer = _check_text(answer, "answer")
    refusal.answer, refusal.answered_by_id, refusal.answered_at = answer, actor.id, now
    audit("ratification.refusal_answer", refusal, actor=actor, now=now,
          procedure_id=procedure.id)
    return refusal


@operation
def ratify(procedure: Procedure, *, actor: User, now: datetime) -> FinalReport:
    """R-OBS-1: Europa WSE ratifies the procedure when all six conditions are met.

    Call text: "De rol van Europa WSE is in deze fase (fase 3) beperkt tot het
    bekrachtigen van het proces ... Ze kijkt hierbij na of het proces voldoet aan de
    volgende voorwaarden". The conditions are evaluated afresh (no cached result; the
    audit trail verified from the latest checkpoint on, see
    :func:`matching.audit.queries.ratification_status`); a refusal names every condition
    not (yet) met.
    Once ratified the procedure is frozen (see :func:`matching.audit.recording.audit`), and
    the final report of step 3 is stored with its SHA-256 and the chain head it names.
    """
    lock_for_change(procedure)

    require_role(actor, Role.OBSERVER, _OBSERVERS_ONLY)
    target = check_ratification_open(procedure)
    lock_chain()  # nothing commits between this evaluation and the ratification
    results = evaluate_procedure(procedure.id, now, ratification=True)
    missing = unmet(results)
    if missing:
        raise DomainError(
            N_("Bekrachtiging geweigerd: niet (of nog niet) voldaan aan voorwaarde(n) "
               "%(numbers)s."),
            rule="R-OBS-1", numbers=", ".join(str(n) for n in missing))
    procedure.ratified_at = now
    transition(procedure, ProcedureStep.RATIFY, target, actor=actor, now=now,
               procedure_id=procedure.id, reason=ALL_CONDITIONS_MET)
    db.session.flush()
    head = db.session.execute(select(AuditEvent.hash).order_by(AuditEvent.id.desc())
                              .limit(1)).scalar_one()
    seal = current_seal()
    pdf = seal_pdf(build_final_report(procedure.id, now), seal, at=now,
                   reason=f"Eindverslag stap 3, procedure {procedure.id}",
                   location="Europa WSE")
    report = FinalReport(procedure_id=procedure.id, pdf=pdf,
                         sha256=hashlib.sha256(pdf).hexdigest(), chain_head_hash=head,
                         created_at=now, created_by_id=actor.id, sealed_at=now,
                         seal_fingerprint=seal.fingerprint)
    db.session.add(report)
    audit("final_report.store", report, actor=actor, now=now, procedure_id=procedure.id,
          sha256=report.sha256, chain_head=head, seal=seal.fingerprint)
    return report
