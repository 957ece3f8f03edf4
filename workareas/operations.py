"""Operations on work areas, procedures and addenda: the only place their state changes.

Each function checks the rules, changes the objects, records the transition and the
audit event, and never commits: the caller commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from matching.accounts.models import Organisation, User
from matching.accounts.municipalities import by_code, by_name
from matching.accounts.rules import (
    is_local_government,
    require_administrator,
    require_coordinator,
)
from matching.audit.recording import audit, lock_for_change, transition
from matching.core import signals
from matching.core.dates import format_brussels, to_utc
from matching.core.db import db, get_required
from matching.core.errors import N_, DomainError
from matching.core.operation import operation
from workareas.models import (
    AddendumVersion,
    ContactPerson,
    LocalNeed,
    Municipality,
    PitchSession,
    PitchSlot,
    Procedure,
    RegionalChallenge,
    WorkArea,
    WorkAreaContact,
)
from workareas.rules import (
    AFTER_INTAKE,
    AddendumSummary,
    ChallengeSummary,
    NeedSummary,
    ProcedureState,
    ProcedureStep,
    SessionPlan,
    changes_needs_or_challenges,
    check_changes_procedure,
    check_contact,
    check_letter_sender,
    check_new_version,
    check_new_version_open,
    check_no_overlap,
    check_publishable,
    check_substantive_change,
    check_work_area,
    next_procedure_state,
    only_timing_changed,
    session_slots,
)

OPEN_PROCEDURE_STATES = (ProcedureState.DRAFT, ProcedureState.PUBLISHED,
                         ProcedureState.CANDIDACY_CLOSED, ProcedureState.ROUND_1,
                         ProcedureState.ROUND_2)


@operation
def create_work_area(name: str, province: str, municipalities: Sequence[str],
                     involved_governments: Sequence[Organisation], *, actor: User,
                     now: datetime) -> WorkArea:
    """An administrator registers a work area delimited in step 1."""
    require_administrator(actor)
    if not name.strip() or not municipalities:
        raise DomainError(N_("Een werkingsgebied heeft een naam en minstens één gemeente."),
                          field="municipalities")
    if db.session.scalar(select(WorkArea.id).where(WorkArea.name == name.strip())):
        raise DomainError(N_("Er bestaat al een werkingsgebied met de naam %(name)s."),
                          field="name", name=name)
    _check_governments(involved_governments)
    reference = by_name()
    area = WorkArea(name=name.strip(), province=province,
                    municipalities=[Municipality(name=m.strip(), nis_code=getattr(
                        reference.get(m.strip().casefold()), "nis_code", None))
                                    for m in sorted(set(municipalities))],
                    involved_governments=list(involved_governments))
    db.session.add(area)
    audit("work_area.create", area, actor=actor, now=now, procedure_id=None, name=area.name,
          municipalities=len(area.municipalities))
    return area


def _check_governments(involved_governments: Sequence[Organisation]) -> None:
    if any(not is_local_government(o.kind) for o in involved_governments):
        raise DomainError(N_("Enkel lokale besturen kunnen als betrokken bestuur worden "
                             "opgegeven."), field="involved_governments")


@operation
def save_work_area(area: WorkArea | None, name: str, province: str, nis_codes: Sequence[str],
                   involved_governments: Sequence[Organisation], *, actor: User,
                   now: datetime) -> WorkArea:
    """The administrator creates (``area`` None) or edits a work area in the browser: its
    name, province, municipalities (NIS codes of the reference list, matching/accounts/data) and
    the local governments involved since step 2 (R-CAND-2). Audited with what changed."""
    require_administrator(actor)
    codes = sorted(set(nis_codes))
    check_work_area(name, province, codes, by_code().keys())
    name = " ".join(name.split())
    clash = select(WorkArea.id).where(WorkArea.name == name)
    if area is not None:
        clash = clash.where(WorkArea.id != area.id)
    if db.session.scalar(clash):
        raise DomainError(N_("Er bestaat al een werkingsgebied met de naam %(name)s."),
                          field="name", name=name)
    _check_governments(involved_governments)
    new = area is None
    if area is None:
        area = WorkArea(name=name, province=province)
        db.session.add(area)
    before = {m.nis_code or m.name for m in area.municipalities}
    before_governments = {o.id for o in area.involved_governments}
    changes: dict[str, Any] = {"name": name} if area.name != name else {}
    if area.province != province:
        changes["province"] = province
    area.name, area.province = name, province
    reference = by_code()
    area.municipalities = [m for m in area.municipalities if m.nis_code in codes] + [
        Municipality(name=reference[c].name, nis_code=c) for c in codes if c not in before]
    area.involved_governments = sorted(involved_governments, key=lambda o: o.name)
    db.session.flush()
    after_governments = {o.id for o in involved_governments}
    audit("work_area.create" if new else "work_area.update", area, actor=actor, now=now,
          procedure_id=None, **changes,
          municipalities_added=sorted(set(codes) - before),
          municipalities_removed=sorted(before - set(codes)),
          governments_added=sorted(after_governments - before_governments),
          governments_removed=sorted(before_governments - after_governments))
    return area


@operation
def add_work_area_contact(area: WorkArea, name: str, organisation: str, email: str,
                          phone: str, *, actor: User, now: datetime) -> WorkAreaContact:
    """The administrator adds a contact person of the work area (audited)."""
    require_administrator(actor)
    check_contact(name, email)
    contact = WorkAreaContact(name=" ".join(name.split()), organisation=organisation.strip()[:300],
                              email=email.strip().lower(), phone=phone.strip()[:50])
    area.contacts.append(contact)
    db.session.flush()
    audit("work_area.contact_add", area, actor=actor, now=now, procedure_id=None,
          contact_id=contact.id)
    return contact


@operation
def remove_work_area_contact(contact: WorkAreaContact, *, actor: User, now: datetime) -> None:
    require_administrator(actor)
    area = get_required(WorkArea, contact.work_area_id)
    audit("work_area.contact_remove", area, actor=actor, now=now, procedure_id=None,
          contact_id=contact.id)
    area.contacts.remove(contact)
    db.session.flush()


@operation
def set_letter_sender(work_area: WorkArea, postal_address: str, signatory_name: str,
                      signatory_function: str, *, actor: User, now: datetime) -> WorkArea:
    """The sender of the work area's letters (R-DEC-1): the local governments' postal
    address and who signs on their behalf. Letters written from now on carry them; a letter
    already written keeps what it said (it is immutable)."""
    require_coordinator(actor, work_area.id)
    lines = [" ".join(line.split()) for line in postal_address.splitlines() if line.strip()]
    name, function = " ".join(signatory_name.split()), " ".join(signatory_function.split())
    check_letter_sender(lines, name, function)
    work_area.postal_address = "\n".join(lines)
    work_area.signatory_name, work_area.signatory_function = name[:200], function[:200]
    audit("work_area.letter_sender", work_area, actor=actor, now=now, procedure_id=None,
          address_lines=len(lines))
    return work_area


@operation
def create_procedure(work_area: WorkArea, title: str, *, actor: User, now: datetime,
                     changes_procedure_id: int | None = None) -> Procedure:
    """Start a (new) matching procedure in the work area, with an empty draft addendum.

    R-DYN-1: a work area can run the procedure more than once, one at a time; a later one
    names the ratified procedure whose partnership it changes (``changes_procedure_id``,
    :func:`~workareas.rules.check_changes_procedure`), or none for a new partnership.
    """
    lock_for_change(work_area)
    require_coordinator(actor, work_area.id)
    changes = None
    if changes_procedure_id is not None:
        changes = db.session.get(Procedure, changes_procedure_id)
        check_changes_procedure(changes is not None and changes.work_area_id == work_area.id,
                                changes is not None
                                and changes.state == ProcedureState.RATIFIED)
    running = db.session.scalar(select(func.count(Procedure.id)).where(
        Procedure.work_area_id == work_area.id, Procedure.state.in_(OPEN_PROCEDURE_STATES)))
    if running:
        raise DomainError(N_("Dit werkingsgebied heeft al een lopende matchingsprocedure."),
                          rule="R-DYN-1")
    sequence = 1 + (db.session.scalar(select(func.max(Procedure.sequence))
                                      .where(Procedure.work_area_id == work_area.id)) or 0)
    procedure = Procedure(work_area=work_area, sequence=sequence, created_at=now,
                          title=title.strip() or f"Matching {sequence}",
                          state=ProcedureState.DRAFT, changes_procedure=changes)
    procedure.versions.append(AddendumVersion(number=1, created_at=now))
    db.session.add(procedure)
    audit("procedure.create", procedure, actor=actor, now=now, procedure_id=None,
          work_area=work_area.name, sequence=sequence,
          changes_procedure=changes.sequence if changes else None)
    return procedure


def _fill_version(version: AddendumVersion, content: dict[str, Any]) -> None:
    if version.id is not None:
        # Replaced rows go first, so the new ones may reuse their codes.
        version.needs, version.challenges, version.contacts = [], [], []
        db.session.flush()
    version.delimitation = content.get("delimitation", "")
    version.candidacy_deadline = (to_utc(content["candidacy_deadline"])
                                  if content.get("candidacy_deadline") else None)
    version.expected_decision_date = content.get("expected_decision_date")
    version.partnership_start_date = content.get("partnership_start_date")
    version.needs = [LocalNeed(position=i, title=n["title"], description=n.get("description", ""),
                               motivation=n["motivation"])
                     for i, n in enumerate(content.get("needs", []), 1)]
    version.challenges = [
        RegionalChallenge(position=i, code=c.get("code") or f"RU{i}", title=c["title"],
                          target_groups=c["target_groups"], obstacles=c["obstacles"],
                          opportunities=c["opportunities"], objectives=c["objectives"])
        for i, c in enumerate(content.get("challenges", []), 1)]
    version.contacts = [ContactPerson(position=i, name=c["name"], organisation=c["organisation"],
                                      email=c["email"], phone=c.get("phone", ""))
                        for i, c in enumerate(content.get("contacts", []), 1)]


def version_content(version: AddendumVersion) -> dict[str, Any]:
    """The content of a version as the plain dict the operations take."""
    return {
        "delimitation": version.delimitation,
        "candidacy_deadline": version.candidacy_deadline,
        "expected_decision_date": version.expected_decision_date,
        "partnership_start_date": version.partnership_start_date,
        "needs": [{"title": n.title, "description": n.description, "motivation": n.motivation}
                  for n in version.needs],
        "challenges": [{"code": c.code, "title": c.title, "target_groups": c.target_groups,
                        "obstacles": c.obstacles, "opportunities": c.opportunities,
                        "objectives": c.objectives} for c in version.challenges],
        "contacts": [{"name": c.name, "organisation": c.organisation, "email": c.email,
                      "phone": c.phone} for c in version.contacts],
    }


def summarise(procedure: Procedure, version: AddendumVersion) -> AddendumSummary:
    return AddendumSummary(
        delimitation=version.delimitation,
        municipalities=[m.name for m in procedure.work_area.municipalities],
        needs=[NeedSummary(n.title, n.motivation) for n in version.needs],
        challenges=[ChallengeSummary(c.title, c.target_groups, c.obstacles, c.opportunities,
                                     c.objectives) for c in version.challenges],
        candidacy_deadline=version.candidacy_deadline,
        pitch_slot_count=len(procedure.pitch_slots),
        earliest_pitch=min((s.starts_at for s in procedure.pitch_slots), default=None),
        expected_decision_date=version.expected_decision_date,
        partnership_start_date=version.partnership_start_date,
        contact_count=len(version.contacts),
    )


def _check_content_shape(content: dict[str, Any]) -> None:
    for key in ("needs", "challenges", "contacts"):
        for item in content.get(key, []):
            if any(not isinstance(v, (str, type(None))) for v in item.values()):
                raise DomainError(N_("Ongeldige invoer in het addendum."), field=key)
    for key in ("expected_decision_date", "partnership_start_date"):
        if content.get(key) is not None and not isinstance(content[key], date):
            raise DomainError(N_("Ongeldige datum in het addendum."), field=key)


@operation
def edit_draft_addendum(procedure: Procedure, content: dict[str, Any], *, actor: User,
                        now: datetime) -> AddendumVersion:
    """Edit the addendum before its publication (after it: :func:`publish_new_version`)."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    version = procedure.current_version
    if version.published_at is not None:
        raise DomainError(N_("Een gepubliceerd addendum wijzigt u niet stil: maak een nieuwe "
                             "versie."), rule="R-ADD-3")
    _check_content_shape(content)
    _fill_version(version, content)
    audit("addendum.edit_draft", version, actor=actor, now=now, procedure_id=procedure.id,
          version=version.number)
    return version


@operation
def add_pitch_slot(procedure: Procedure, starts_at: datetime, ends_at: datetime, location: str,
                   *, actor: User, now: datetime) -> PitchSlot:
    """A pitch moment of the addendum's local timing (R-ADD-1, R-PITCH-1): one pitch, no
    session around it (:func:`add_pitch_session` cuts a day part into slots)."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    _check_pitch_time(procedure, starts_at, ends_at, location, now)
    slot = PitchSlot(starts_at=starts_at, ends_at=ends_at, location=location.strip())
    procedure.pitch_slots.append(slot)
    audit("pitch_slot.add", slot, actor=actor, now=now, procedure_id=procedure.id,
          starts_at=starts_at, location=slot.location)
    _new_version_for_pitches(procedure, starts_at, ends_at, slot.location, actor=actor, now=now)
    return slot


def _new_version_for_pitches(procedure: Procedure, starts_at: datetime, ends_at: datetime,
                             location: str, *, actor: User, now: datetime) -> None:
    """Issue 12: the pitch moments are part of the published addendum's local timing
    (R-ADD-1: "lokale timing (deadline kandidatuur, pitch-momenten, verwacht
    beslissingsmoment)"), so one added while the candidacies are open changes the addendum
    as a new, visible version (R-ADD-3) with the same content and a note naming the moment;
    the organisations that already submitted are told. Before publication the draft simply
    holds it; after the intake too a moment is a new version of the addendum's timing (its
    content otherwise unchanged), and the selected organisations get their invitations."""
    if procedure.state != ProcedureState.PUBLISHED and procedure.state not in AFTER_INTAKE:
        return
    note = (f"Pitch-moment toegevoegd: {format_brussels(starts_at)} tot "
            f"{format_brussels(ends_at)[-5:]}, {location}.")
    publish_new_version(procedure, version_content(procedure.current_version), note,
                        actor=actor, now=now)


def _check_pitch_time(procedure: Procedure, starts_at: datetime, ends_at: datetime,
                      location: str, now: datetime) -> None:
    """What a pitch moment and a pitch session both need: an open procedure, a future time
    after the candidacy deadline, a place or link, and no overlap with the jury's other
    pitches (issue 13)."""
    if procedure.state in (ProcedureState.RATIFIED,):
        raise DomainError(N_("Deze procedure is afgesloten."))
    if to_utc(ends_at) <= to_utc(starts_at):
        raise DomainError(N_("Het einde moet na het begin liggen."), field="ends_at")
    if to_utc(starts_at) <= to_utc(now):
        raise DomainError(N_("Dit pitch-moment ligt in het verleden; kies een moment in de "
                             "toekomst."), field="starts_at")
    deadline = procedure.candidacy_deadline
    if deadline and to_utc(starts_at) <= deadline:
        raise DomainError(N_("Dit pitch-moment ligt vóór de deadline voor kandidaturen; een "
                             "pitch volgt pas daarna."), rule="R-ADD-1", field="starts_at")
    if not location.strip():
        raise DomainError(N_("Geef de plaats of de link van het pitch-moment."), field="location")
    check_no_overlap(starts_at, ends_at, planned_pitch_times(procedure))


def planned_pitch_times(procedure: Procedure) -> list[tuple[datetime, datetime]]:
    """The times the procedure's jury is already taken: its sessions and its pitch moments
    that belong to no session."""
    return [(s.starts_at, s.ends_at) for s in procedure.pitch_sessions] + \
        [(s.starts_at, s.ends_at) for s in procedure.pitch_slots if s.session_id is None]


@operation
def add_pitch_session(procedure: Procedure, plan: SessionPlan, location: str, *,
                      pick_until: datetime | None = None, actor: User,
                      now: datetime) -> PitchSession:
    """Issue 13: a pitch session (a place or video link, a start and an end) cut into one
    slot per organisation (:func:`workareas.rules.session_slots`). With ``pick_until`` the
    organisations selected in round 1 may choose a free slot themselves until then."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    times = session_slots(plan)
    _check_pitch_time(procedure, plan.starts_at, plan.ends_at, location, now)
    if pick_until is not None and not to_utc(now) < to_utc(pick_until) <= to_utc(plan.starts_at):
        raise DomainError(N_("Organisaties kiezen een slot tussen nu en het begin van de sessie: "
                             "kies een datum daartussen."), field="pick_until")
    session = PitchSession(starts_at=plan.starts_at, ends_at=plan.ends_at,
                           location=location.strip(), slot_minutes=plan.slot_minutes,
                           break_minutes=plan.break_minutes, pause_after=plan.pause_after,
                           pause_minutes=plan.pause_minutes, pick_until=pick_until)
    procedure.pitch_sessions.append(session)
    for start, end in times:
        slot = PitchSlot(starts_at=start, ends_at=end, location=session.location)
        session.slots.append(slot)
        procedure.pitch_slots.append(slot)
    db.session.flush()
    audit("pitch_session.add", session, actor=actor, now=now, procedure_id=procedure.id,
          starts_at=plan.starts_at, ends_at=plan.ends_at, location=session.location,
          slots=len(times), pick_until=pick_until)
    _new_version_for_pitches(procedure, plan.starts_at, plan.ends_at, session.location,
                             actor=actor, now=now)
    return session


def check_publish(procedure: Procedure, now: datetime) -> None:
    """Whether the addendum can be published now (the confirmation page asks this first)."""
    next_procedure_state(procedure.state, ProcedureStep.PUBLISH)
    check_publishable(summarise(procedure, procedure.current_version), now)


@operation
def publish_addendum(procedure: Procedure, *, actor: User, now: datetime) -> AddendumVersion:
    """Publish the local needs: the six weeks of R-ADD-2 start now."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    new_state = next_procedure_state(procedure.state, ProcedureStep.PUBLISH)
    version = procedure.current_version
    check_publish(procedure, now)
    version.published_at = now
    procedure.published_at = now
    transition(procedure, ProcedureStep.PUBLISH, new_state, actor=actor, now=now,
               procedure_id=procedure.id, reason=f"addendum v{version.number}")
    return version


@operation
def publish_new_version(procedure: Procedure, content: dict[str, Any], change_note: str, *,
                        actor: User, now: datetime) -> AddendumVersion:
    """R-ADD-3: a change to a published addendum is a new, visible version."""
    lock_for_change(procedure)
    require_coordinator(actor, procedure.work_area_id)
    check_new_version_open(procedure.state)  # is any version possible now (timing at least)?
    _check_content_shape(content)
    used = {code for codes in signals.ask(signals.challenge_codes_in_use, procedure)
            for code in codes}
    offered = {c.get("code") or f"RU{i}" for i, c in enumerate(content.get("challenges", []), 1)}
    if used - offered:
        raise DomainError(N_("Een regio-uitdaging waarop al kandidaturen ingaan, kan niet worden "
                             "geschrapt."), rule="R-ADD-3", field="challenges")
    before = summarise(procedure, procedure.current_version)
    version = AddendumVersion(number=procedure.current_version.number + 1, created_at=now,
                              change_note=change_note.strip())
    _fill_version(version, content)
    first_published_at = procedure.published_at
    if first_published_at is None:  # check_new_version_open admits published procedures only
        raise RuntimeError(f"procedure {procedure.id} takes a new version but was never "
                           "published")
    after = summarise(procedure, version)
    check_new_version_open(procedure.state, only_timing_changed(before, after))
    check_new_version(first_published_at, after, change_note)
    check_substantive_change(before, after, now)
    version.published_at = now
    procedure.versions.append(version)
    audit("addendum.new_version", version, actor=actor, now=now, procedure_id=procedure.id,
          version=version.number, change_note=version.change_note,
          needs_or_challenges_changed=changes_needs_or_challenges(before, after))
    # Issue 12: the candidates who already submitted are told, and may update their
    # candidacy until the deadline (matching.candidacies answers).
    signals.ask(signals.addendum_version_published, procedure, version=version, now=now)
    return version
