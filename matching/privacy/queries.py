"""Everything the system holds about one person (GDPR art. 15), as plain data: the same
structure is the readable page and the JSON download.

One statement per kind of record, whatever the number of rows (tested), and every
statement is bound to the person: a record appears only when it names them (their
account, their grants, an organisation they act for, their scores, motivations, votes,
conflicts, appeals, positions, observations and answers, their sign-in events, the mails
addressed to them). Another person's name, address or text never appears: the candidacy
a score is about is named by its reference, an answered observation by its condition.

Values are what a person reads: labels in their language (never an enum's code), instants
in Brussels time (the page formats them; the JSON writes them as ISO 8601 with the Brussels
offset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from appeals.models import Appeal, AppealReference, PanelMember
from appeals.rules import APPEAL_STATE_LABELS, POSITION_LABELS
from juries.emergency.models import EmergencyProcedure, EmergencyScore
from juries.models import (
    Assessment,
    Ballot,
    ConflictDeclaration,
    Jury,
    JuryDecision,
    JuryMembership,
    PendingConsensus,
    Vote,
)
from juries.rules import BLOC_LABELS, CONSENSUS_STATE_LABELS, METHOD_LABELS
from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.rules import KIND_LABELS, ROLE_LABELS, Role, format_enterprise_number
from matching.audit.labels import ACTION_LABELS
from matching.audit.models import AuditEvent
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import (
    CANDIDACY_STATE_LABELS,
    CRITERION_LABELS,
    DECLARATION_TEXTS,
    Declaration,
)
from matching.core.dates import BRUSSELS
from matching.core.db import db
from matching.core.errors import N_
from matching.mail.models import OUTBOX_STATE_LABELS, OutboxMessage
from matching.oversight.facts import TITLES
from matching.oversight.models import Observation
from workareas.models import Procedure, WorkArea

#: The sign-in and account events of the audit trail that are about the person's account
#: (object = their account). They read as the audit trail says them
#: (``matching.audit.labels``), except the export made on their request, said to them.
ACCOUNT_EVENTS = {action: ACTION_LABELS[action] for action in (
    "user.create", "user.invite", "user.accept_invitation", "user.confirm",
    "user.confirmation_resent", "user.registration_for_existing_address", "user.login",
    "user.login_failed", "user.reset_requested", "user.password_reset",
    "user.password_change", "user.second_factor_enrolled", "user.second_factor_reset",
    "user.recovery_code_used", "user.deactivate", "user.reactivate", "user.preferences",
    "user.correct", "user.email_change_requested", "user.email_change")}
ACCOUNT_EVENTS["privacy.export"] = N_("uw gegevens opgevraagd door een beheerder, op uw verzoek")


@dataclass(frozen=True)
class Section:
    """One kind of record: its key (the JSON's), its title, the fields (key, label) in
    order, and one dict per record (field key → value)."""

    key: str
    title: str
    fields: tuple[tuple[str, str], ...]
    records: list[dict[str, Any]] = field(default_factory=list)
    #: short records read best as rows of a table, long ones as a list of fields
    table: bool = False


def _t(msgid: str | None) -> str:
    return gettext(msgid) if msgid else ""


#: The sections shown as a table (few, short fields).
_TABLES = frozenset({"roles", "juries", "assessments", "decisions", "votes", "conflicts",
                     "appeal_positions", "emergency_scores", "sign_ins", "mails"})


def _section(key: str, title: str, fields: tuple[tuple[str, str], ...],
             records: list[dict[str, Any]]) -> Section:
    return Section(key, _t(title), tuple((k, _t(label)) for k, label in fields), records,
                   key in _TABLES)


def _candidacy_label(reference: str, area: str, title: str) -> str:
    return f"{reference} ({area} – {title})"


def personal_data(user: User) -> list[Section]:
    """Every kind of record the system holds about ``user``, in a fixed order."""
    uid = user.id
    sections = [_section("account", N_("Uw account"), (
        ("name", N_("Naam")), ("email", N_("E-mailadres")), ("phone", N_("Telefoonnummer")),
        ("created_at", N_("Aangemaakt op")), ("active", N_("Actief")),
        ("deactivated_at", N_("Gedeactiveerd op")),
        ("second_factor", N_("Tweestapsverificatie ingesteld op")),
        ("locale", N_("Taal van uw meldingen")),
        ("digest", N_("Meldingen als dagelijks overzicht"))), [{
            "name": user.name, "email": user.email, "phone": user.phone,
            "created_at": user.created_at, "active": user.is_active,
            "deactivated_at": user.deactivated_at, "second_factor": user.totp_confirmed_at,
            "locale": user.locale or "nl", "digest": user.digest}])]

    grants = db.session.execute(
        select(RoleGrant.role, RoleGrant.granted_at, WorkArea.name, Organisation.name)
        .outerjoin(WorkArea, RoleGrant.work_area_id == WorkArea.id)
        .outerjoin(Organisation, RoleGrant.organisation_id == Organisation.id)
        .where(RoleGrant.user_id == uid).order_by(RoleGrant.granted_at, RoleGrant.id)).all()
    sections.append(_section("roles", N_("Uw rollen"), (
        ("role", N_("Rol")), ("work_area", N_("Werkingsgebied")),
        ("organisation", N_("Organisatie")), ("granted_at", N_("Toegekend op"))), [
            {"role": _t(ROLE_LABELS[role]), "work_area": area or "",
             "organisation": org or "", "granted_at": at}
            for role, at, area, org in grants]))

    organisations = db.session.scalars(
        select(Organisation).join(RoleGrant, RoleGrant.organisation_id == Organisation.id)
        .where(RoleGrant.user_id == uid, RoleGrant.role == Role.APPLICANT)
        .order_by(Organisation.name, Organisation.id)).all()
    sections.append(_section("organisations", N_("Organisaties waarvoor u optreedt"), (
        ("name", N_("Naam")), ("enterprise_number", N_("Ondernemingsnummer")),
        ("legal_form", N_("Rechtsvorm")), ("kind", N_("Soort organisatie")),
        ("email", N_("E-mailadres van de organisatie"))), [
            {"name": o.name, "enterprise_number": format_enterprise_number(o.enterprise_number),
             "legal_form": o.legal_form, "kind": _t(KIND_LABELS[o.kind]), "email": o.email or ""}
            for o in organisations]))

    acting_for = select(RoleGrant.organisation_id).where(
        RoleGrant.user_id == uid, RoleGrant.role == Role.APPLICANT)
    candidacies = db.session.execute(
        select(Candidacy, Organisation.name, WorkArea.name, Procedure.title)
        .join(Organisation, Candidacy.organisation_id == Organisation.id)
        .join(Procedure, Candidacy.procedure_id == Procedure.id)
        .join(WorkArea, Procedure.work_area_id == WorkArea.id)
        .where(Candidacy.organisation_id.in_(acting_for))
        .order_by(Candidacy.created_at, Candidacy.id)).all()
    declaration_fields = tuple((f"declares_{d.value}", DECLARATION_TEXTS[d]) for d in Declaration)
    sections.append(_section("candidacies", N_("Kandidaturen waarvoor u de contactpersoon bent"), (
        ("reference", N_("Kandidatuur")), ("organisation", N_("Organisatie")),
        ("procedure", N_("Procedure")), ("state", N_("Toestand")),
        ("submitted_at", N_("Ingediend op")), ("withdrawn_at", N_("Ingetrokken op")),
        ("contact", N_("Brieven en e-mails aan")), *declaration_fields), [
            {"reference": c.reference, "organisation": org, "procedure": f"{area} – {title}",
             "state": _t(CANDIDACY_STATE_LABELS[c.state]), "submitted_at": c.submitted_at,
             "withdrawn_at": c.withdrawn_at, "contact": user.email,
             **{key: getattr(c, key) for key, _label in declaration_fields}}
            for c, org, area, title in candidacies]))

    memberships = db.session.execute(
        select(JuryMembership.bloc, JuryMembership.affiliation, WorkArea.name, Procedure.title)
        .join(Jury, JuryMembership.jury_id == Jury.id)
        .join(Procedure, Jury.procedure_id == Procedure.id)
        .join(WorkArea, Procedure.work_area_id == WorkArea.id)
        .where(JuryMembership.user_id == uid).order_by(JuryMembership.id)).all()
    sections.append(_section("juries", N_("Uw lidmaatschap van een jury"), (
        ("procedure", N_("Procedure")), ("bloc", N_("U vertegenwoordigt")),
        ("affiliation", N_("Organisatie of expertise"))), [
            {"procedure": f"{area} – {title}", "bloc": _t(BLOC_LABELS[bloc]),
             "affiliation": affiliation} for bloc, affiliation, area, title in memberships]))

    scored = aliased(Candidacy)
    assessments = db.session.execute(
        select(Assessment, scored.reference).join(scored, Assessment.candidacy_id == scored.id)
        .where(Assessment.user_id == uid)
        .order_by(Assessment.recorded_at, Assessment.id)).all()
    sections.append(_section("assessments", N_("Uw individuele scores en notities"), (
        ("candidacy", N_("Kandidatuur")), ("round", N_("Ronde")),
        ("criterion", N_("Criterium")), ("score", N_("Score")), ("notes", N_("Notities")),
        ("recorded_at", N_("Ingevoerd op"))), [
            {"candidacy": ref, "round": a.round, "criterion": _t(CRITERION_LABELS[a.criterion]),
             "score": a.score, "notes": "\n".join(n for n in a.notes if n),
             "recorded_at": a.recorded_at} for a, ref in assessments]))

    decisions = db.session.execute(
        select(JuryDecision, scored.reference).join(scored, JuryDecision.candidacy_id == scored.id)
        .where(JuryDecision.decided_by_id == uid)
        .order_by(JuryDecision.decided_at, JuryDecision.id)).all()
    sections.append(_section("decisions", N_("Juryscores en motiveringen die u vastlegde"), (
        ("candidacy", N_("Kandidatuur")), ("round", N_("Ronde")),
        ("criterion", N_("Criterium")), ("score", N_("Score")), ("method", N_("Methode")),
        ("motivation", N_("Motivering")), ("decided_at", N_("Vastgelegd op"))), [
            {"candidacy": ref, "round": d.round, "criterion": _t(CRITERION_LABELS[d.criterion]),
             "score": d.score, "method": _t(METHOD_LABELS[d.method]),
             "motivation": d.motivation, "decided_at": d.decided_at} for d, ref in decisions]))

    consensus = db.session.execute(
        select(PendingConsensus, scored.reference)
        .join(scored, PendingConsensus.candidacy_id == scored.id)
        .where(or_(PendingConsensus.recorded_by_id == uid, PendingConsensus.closed_by_id == uid))
        .order_by(PendingConsensus.recorded_at, PendingConsensus.id)).all()
    sections.append(_section("consensus", N_("Consensus die u vastlegde of bevestigde"), (
        ("candidacy", N_("Kandidatuur")), ("round", N_("Ronde")),
        ("criterion", N_("Criterium")), ("score", N_("Score")),
        ("motivation", N_("Motivering")), ("recorded_at", N_("Vastgelegd op")),
        ("state", N_("Stand"))), [
            {"candidacy": ref, "round": p.round, "criterion": _t(CRITERION_LABELS[p.criterion]),
             "score": p.score, "motivation": p.motivation, "recorded_at": p.recorded_at,
             "state": _t(CONSENSUS_STATE_LABELS[p.state])} for p, ref in consensus]))

    votes = db.session.execute(
        select(Vote, Ballot.round, Ballot.criterion, scored.reference)
        .join(Ballot, Vote.ballot_id == Ballot.id)
        .join(scored, Ballot.candidacy_id == scored.id)
        .where(Vote.cast_by_id == uid).order_by(Vote.cast_at, Vote.id)).all()
    sections.append(_section("votes", N_("Stemmen die u uitbracht"), (
        ("candidacy", N_("Kandidatuur")), ("round", N_("Ronde")),
        ("criterion", N_("Criterium")), ("bloc", N_("Voor")), ("score", N_("Score")),
        ("cast_at", N_("Uitgebracht op"))), [
            {"candidacy": ref, "round": round_no, "criterion": _t(CRITERION_LABELS[criterion]),
             "bloc": _t(BLOC_LABELS[v.bloc]), "score": v.score, "cast_at": v.cast_at}
            for v, round_no, criterion, ref in votes]))

    conflicts = db.session.execute(
        select(ConflictDeclaration, scored.reference)
        .join(scored, ConflictDeclaration.candidacy_id == scored.id)
        .where(ConflictDeclaration.user_id == uid)
        .order_by(ConflictDeclaration.declared_at, ConflictDeclaration.id)).all()
    sections.append(_section("conflicts", N_("Belangenconflicten die u meldde"), (
        ("candidacy", N_("Kandidatuur")), ("reason", N_("Reden")),
        ("declared_at", N_("Gemeld op"))), [
            {"candidacy": ref, "reason": c.reason, "declared_at": c.declared_at}
            for c, ref in conflicts]))

    appeals = db.session.execute(
        select(Appeal, scored.reference).join(scored, Appeal.candidacy_id == scored.id)
        .where(Appeal.filed_by_id == uid).order_by(Appeal.filed_at, Appeal.id)).all()
    references: dict[int, list[str]] = {}
    for appeal_id, document in db.session.execute(
            select(AppealReference.appeal_id, AppealReference.document)
            .join(Appeal, AppealReference.appeal_id == Appeal.id)
            .where(Appeal.filed_by_id == uid).order_by(AppealReference.id)):
        references.setdefault(appeal_id, []).append(document)
    sections.append(_section("appeals", N_("Weerwoorden die u indiende"), (
        ("candidacy", N_("Kandidatuur")), ("round", N_("Ronde")), ("state", N_("Toestand")),
        ("grounds", N_("Gronden")), ("documents", N_("Documenten")),
        ("filed_at", N_("Ingediend op"))), [
            {"candidacy": ref, "round": a.round, "state": _t(APPEAL_STATE_LABELS[a.state]),
             "grounds": a.grounds, "documents": "\n".join(references.get(a.id, [])),
             "filed_at": a.filed_at} for a, ref in appeals]))

    positions = db.session.execute(
        select(PanelMember, Appeal.round, scored.reference)
        .join(Appeal, PanelMember.appeal_id == Appeal.id)
        .join(scored, Appeal.candidacy_id == scored.id)
        .where(PanelMember.user_id == uid).order_by(PanelMember.id)).all()
    sections.append(_section("appeal_positions", N_("Uw standpunten in weerwoordpanels"), (
        ("candidacy", N_("Kandidatuur")), ("round", N_("Ronde")),
        ("position", N_("Standpunt")), ("motivation", N_("Motivering")),
        ("decided_at", N_("Ingenomen op"))), [
            {"candidacy": ref, "round": round_no,
             "position": _t(POSITION_LABELS[m.position]) if m.position
             else _t(N_("nog geen standpunt")),
             "motivation": m.motivation or "", "decided_at": m.decided_at}
            for m, round_no, ref in positions]))

    observed = db.session.execute(
        select(Observation, WorkArea.name, Procedure.title)
        .join(Procedure, Observation.procedure_id == Procedure.id)
        .join(WorkArea, Procedure.work_area_id == WorkArea.id)
        .where((Observation.observer_id == uid) | (Observation.answered_by_id == uid))
        .order_by(Observation.made_at, Observation.id)).all()
    sections.append(_section("observations", N_("Uw waarnemingen"), (
        ("procedure", N_("Procedure")), ("condition", N_("Voorwaarde")),
        ("text", N_("Waarneming")), ("made_at", N_("Gemaakt op"))), [
            {"procedure": f"{area} – {title}",
             "condition": f"{o.condition}. {_t(TITLES[o.condition])}",
             "text": o.text, "made_at": o.made_at}
            for o, area, title in observed if o.observer_id == uid]))
    sections.append(_section("answers", N_("Uw antwoorden op waarnemingen"), (
        ("procedure", N_("Procedure")), ("condition", N_("Voorwaarde")),
        ("answer", N_("Antwoord")), ("answered_at", N_("Beantwoord op"))), [
            {"procedure": f"{area} – {title}",
             "condition": f"{o.condition}. {_t(TITLES[o.condition])}",
             "answer": o.answer, "answered_at": o.answered_at}
            for o, area, title in observed if o.answered_by_id == uid]))

    emergencies = db.session.execute(
        select(EmergencyProcedure, WorkArea.name, Procedure.title)
        .join(Procedure, EmergencyProcedure.procedure_id == Procedure.id)
        .join(WorkArea, Procedure.work_area_id == WorkArea.id)
        .where(EmergencyProcedure.started_by_id == uid)
        .order_by(EmergencyProcedure.started_at, EmergencyProcedure.id)).all()
    sections.append(_section("emergency_procedures", N_("Noodprocedures die u startte"), (
        ("procedure", N_("Procedure")), ("motivation", N_("Motivering")),
        ("started_at", N_("Gestart op"))), [
            {"procedure": f"{area} – {title}", "motivation": e.motivation,
             "started_at": e.started_at} for e, area, title in emergencies]))
    emergency_scores = db.session.execute(
        select(EmergencyScore, scored.reference)
        .join(scored, EmergencyScore.candidacy_id == scored.id)
        .where(EmergencyScore.scored_by_id == uid)
        .order_by(EmergencyScore.scored_at, EmergencyScore.id)).all()
    sections.append(_section("emergency_scores", N_("Uw scores in een noodprocedure"), (
        ("candidacy", N_("Kandidatuur")), ("criterion", N_("Criterium")),
        ("bloc", N_("Voor")), ("score", N_("Score")), ("motivation", N_("Motivering")),
        ("scored_at", N_("Ingevoerd op"))), [
            {"candidacy": ref, "criterion": _t(CRITERION_LABELS[s.criterion]),
             "bloc": _t(BLOC_LABELS[s.bloc]), "score": s.score, "motivation": s.motivation,
             "scored_at": s.scored_at} for s, ref in emergency_scores]))

    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.at)
        .where(AuditEvent.object_type == User.__tablename__, AuditEvent.object_id == uid,
               AuditEvent.action.in_(list(ACCOUNT_EVENTS)))
        .order_by(AuditEvent.id.desc())).all()
    sections.append(_section("sign_ins", N_("Aanmeldingen en wijzigingen aan uw account"), (
        ("event", N_("Wat")), ("at", N_("Wanneer"))), [
            {"event": _t(ACCOUNT_EVENTS[action]), "at": at} for action, at in events]))

    steps = db.session.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.actor_id == uid))
    sections.append(_section("audit_trail", N_("Uw stappen in de audittrail"), (
        ("steps", N_("Aantal stappen die u zette")),), [{"steps": steps or 0}]))

    pattern = f"%{_escape_like(user.email)}%"
    mails = [m for m in db.session.execute(
        select(OutboxMessage.to_addresses, OutboxMessage.subject, OutboxMessage.created_at,
               OutboxMessage.state, OutboxMessage.accepted_at)
        .where(and_(OutboxMessage.to_addresses.like(pattern, escape="\\")))
        .order_by(OutboxMessage.created_at, OutboxMessage.id))
        if user.email in _addresses(m[0])]
    sections.append(_section("mails", N_("E-mails aan u"), (
        ("subject", N_("Onderwerp")), ("created_at", N_("Aangemaakt op")),
        ("state", N_("Toestand")), ("accepted_at", N_("Aanvaard door de mailserver op"))), [
            {"subject": subject, "created_at": created, "state": _t(OUTBOX_STATE_LABELS[state]),
             "accepted_at": accepted} for _to, subject, created, state, accepted in mails]))
    return sections


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _addresses(to: str) -> set[str]:
    """The addresses of an outbox message's To (comma-separated, possibly with names)."""
    found = set()
    for part in to.split(","):
        part = part.strip()
        if "<" in part and part.endswith(">"):
            part = part[part.rindex("<") + 1:-1]
        found.add(part.strip().lower())
    return found


def as_json(sections: list[Section]) -> dict[str, Any]:
    """The JSON download: one list of records per section key; instants as ISO 8601 in
    Brussels time."""
    return {"sections": {s.key: {"title": s.title, "records": [
        {k: _json_value(v) for k, v in r.items()} for r in s.records]} for s in sections}}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(BRUSSELS).isoformat(timespec="seconds")
    return value
