"""Publishing the addendum and applying: the refusals of R-ADD-* and R-CAND-*."""

from datetime import timedelta

import pytest
from sqlalchemy import exc, func, select

from matching.accounts import operations as account_ops
from matching.accounts.rules import OrganisationKind
from matching.audit.models import AuditEvent, Transition
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import CandidacyState, Declaration
from matching.core.errors import PermissionDenied
from tests.support import ADDENDUM, ALL_DECLARED, ANSWERS, refused
from workareas import operations as area_ops
from workareas.rules import ProcedureState


def test_publishing_exactly_six_weeks_before_the_deadline_is_accepted(world, db):
    p = world.draft_procedure(deadline=world.deadline(weeks=6))
    area_ops.publish_addendum(p, actor=world.coordinator, now=world.clock.now)
    assert p.state == ProcedureState.PUBLISHED
    assert p.published_at == world.clock.now
    assert p.versions[0].published_at == world.clock.now


def test_publishing_one_minute_under_six_weeks_is_refused(world, db):
    p = world.draft_procedure(deadline=world.deadline(weeks=6, minutes=-1))
    error = refused(db, area_ops.publish_addendum, p, actor=world.coordinator,
                    now=world.clock.now, match="minstens 6 weken")
    assert error.rule == "R-ADD-2"
    assert p.state == ProcedureState.DRAFT


def test_an_incomplete_addendum_is_not_published(world, db):
    p = world.draft_procedure()
    area_ops.edit_draft_addendum(p, dict(ADDENDUM, challenges=[], contacts=[],
                                         candidacy_deadline=world.deadline(weeks=8)),
                                 actor=world.coordinator, now=world.clock.now)
    error = refused(db, area_ops.publish_addendum, p, actor=world.coordinator,
                    now=world.clock.now)
    assert "regio-uitdaging" in str(error) and "contactpersoon" in str(error)


def test_only_the_coordinator_of_the_work_area_publishes(world, db):
    p = world.draft_procedure()
    refused(db, area_ops.publish_addendum, p, actor=world.mm["vdab1"], now=world.clock.now,
            error=PermissionDenied)


def test_a_published_addendum_changes_only_by_a_visible_new_version(world, db):
    p = world.published_procedure()
    refused(db, area_ops.edit_draft_addendum, p, dict(ADDENDUM), actor=world.coordinator,
            now=world.clock.now, match="nieuwe versie")
    content = area_ops.version_content(p.current_version)
    refused(db, area_ops.publish_new_version, p, content, "  ", actor=world.coordinator,
            now=world.clock.now, match="wat er verandert")
    world.clock.advance(days=3)
    content["needs"].append({"title": "Mobiliteit",
                             "motivation": "Geen openbaar vervoer 's avonds."})
    v2 = area_ops.publish_new_version(p, content, "Lokale nood mobiliteit toegevoegd",
                                      actor=world.coordinator, now=world.clock.now)
    assert [v.number for v in p.versions] == [1, 2]
    assert p.versions[0].needs[0].title == "Toeleiding naar werk" and len(p.versions[0].needs) == 1
    assert len(v2.needs) == 2 and p.published_version is v2
    # the six weeks still count from the first publication
    too_early = dict(content, candidacy_deadline=p.published_at + timedelta(weeks=5))
    refused(db, area_ops.publish_new_version, p, too_early, "Deadline vervroegd",
            actor=world.coordinator, now=world.clock.now, match="6 weken")


def test_a_work_area_runs_one_procedure_at_a_time(world, db):
    world.published_procedure()
    refused(db, area_ops.create_procedure, world.area, "Tweede", actor=world.coordinator,
            now=world.clock.now, match="lopende")


def test_submission_at_the_deadline_is_accepted_one_second_later_refused(world, db):
    p = world.published_procedure()
    org = world.organisation("Jobkracht vzw")
    who = world.applicant(org)
    c = candidacy_ops.start_candidacy(p, org, actor=who, now=world.clock.now)
    candidacy_ops.save_candidacy(
        c, actor=who, now=world.clock.now,
        contributions={"RU2": "Wij begeleiden langdurig zieken naar vrijwilligerswerk."},
        answers=ANSWERS, partnership_fit="Wij nemen deel aan casusoverleg sinds 2019.",
        declarations=ALL_DECLARED)
    late = p.candidacy_deadline + timedelta(seconds=1)
    refused(db, candidacy_ops.submit_candidacy, c, actor=who, now=late, match="verstreken")
    candidacy_ops.submit_candidacy(c, actor=who, now=p.candidacy_deadline)
    assert c.state == CandidacyState.SUBMITTED and c.submitted_at == p.candidacy_deadline
    row = db.session.scalar(select(Transition).where(Transition.object_type == "candidacy"))
    assert (row.from_state, row.to_state, row.actor_id) == ("draft", "submitted", who.id)


@pytest.mark.parametrize("kind, involved, allowed", [
    (OrganisationKind.VDAB, False, False),
    (OrganisationKind.LOCAL_GOVERNMENT, True, False),
    (OrganisationKind.LOCAL_GOVERNMENT, False, True),
    (OrganisationKind.OTHER, False, True),
])
def test_who_may_apply(world, db, kind, involved, allowed):
    world.published_procedure()
    if involved:
        org = world.city
    elif kind == OrganisationKind.VDAB:
        org = world.vdab
    else:
        name = "vzw X" if kind == OrganisationKind.OTHER else "Gemeente Denderleeuw"
        org = world.organisation(name, kind)
    who = world.applicant(org)
    if allowed:
        c = candidacy_ops.start_candidacy(world.procedure, org, actor=who, now=world.clock.now)
        assert c.state == CandidacyState.DRAFT
    else:
        assert refused(db, candidacy_ops.start_candidacy, world.procedure, org, actor=who,
                       now=world.clock.now).rule == "R-CAND-2"


def test_one_candidacy_per_organisation_per_procedure(world, db):
    c = (world.published_procedure(), world.apply("Jobkracht vzw"))[1]
    who = world.applicant(c.organisation)
    assert refused(db, candidacy_ops.start_candidacy, world.procedure, c.organisation, actor=who,
                   now=world.clock.now).rule == "R-CAND-1"
    db.session.commit()
    with pytest.raises(exc.IntegrityError):  # and the database holds the same line
        db.session.add(Candidacy(organisation_id=c.organisation_id, procedure_id=c.procedure_id,
                                 state=CandidacyState.DRAFT, reference="dup",
                                 created_at=world.clock.now))
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize("missing", list(Declaration))
def test_submission_without_every_declaration_is_refused(world, db, missing):
    p = world.published_procedure()
    org = world.organisation("Jobkracht vzw")
    who = world.applicant(org)
    c = candidacy_ops.start_candidacy(p, org, actor=who, now=world.clock.now)
    candidacy_ops.save_candidacy(
        c, actor=who, now=world.clock.now,
        contributions={"RU1": "Outreach via onze jeugdwerkers in de wijken."},
        answers=ANSWERS, partnership_fit="Wij werken al jaren samen in casusoverleg.",
        declarations=dict(ALL_DECLARED, **{missing: False}))
    assert refused(db, candidacy_ops.submit_candidacy, c, actor=who, now=world.clock.now,
                   match="verklaringen").rule == "R-CAND-1"


def test_submission_needs_a_contribution_and_every_answer(world, db):
    p = world.published_procedure()
    org = world.organisation("Jobkracht vzw")
    who = world.applicant(org)
    c = candidacy_ops.start_candidacy(p, org, actor=who, now=world.clock.now)
    candidacy_ops.save_candidacy(c, actor=who, now=world.clock.now, contributions={}, answers={},
                       partnership_fit="", declarations=ALL_DECLARED)
    refused(db, candidacy_ops.submit_candidacy, c, actor=who, now=world.clock.now,
            match="regio-uitdaging")
    refused(db, candidacy_ops.save_candidacy, c, actor=who, now=world.clock.now,
            contributions={"RU9": "Een uitdaging die niet bestaat in dit addendum."}, answers={},
            partnership_fit="", declarations=ALL_DECLARED, match="hoort niet bij")


def test_another_organisations_applicant_cannot_touch_a_candidacy(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    stranger = world.applicant(world.organisation("Andere vzw"))
    refused(db, candidacy_ops.withdraw_candidacy, c, "weg", actor=stranger, now=world.clock.now,
            error=PermissionDenied)


def test_withdrawal_until_the_final_decision(world, db):
    world.published_procedure()
    a, b = world.apply("Jobkracht vzw"), world.apply("De Brug")
    candidacy_ops.withdraw_candidacy(a, "We hebben onvoldoende capaciteit.",
                                     actor=world.applicant(a.organisation), now=world.clock.now)
    assert a.state == CandidacyState.WITHDRAWN and a.withdrawn_at == world.clock.now
    world.start_round_1()
    world.decide(b, 1, (4, 4))
    world.close_round(1)
    world.pitch(b)
    world.decide(b, 2, (4, 4))
    world.close_round(2)
    refused(db, candidacy_ops.withdraw_candidacy, b, "te laat",
            actor=world.applicant(b.organisation), now=world.clock.now,
            match="finale beslissing")


def test_closing_the_intake_waits_for_the_deadline_and_lapses_drafts(world, db):
    p = world.published_procedure()
    org = world.organisation("Traag vzw")
    draft = candidacy_ops.start_candidacy(p, org, actor=world.applicant(org), now=world.clock.now)
    refused(db, candidacy_ops.close_candidacies, p, actor=world.coordinator, now=world.clock.now,
            match="na de deadline")
    candidacy_ops.close_candidacies(p, actor=world.coordinator,
                               now=p.candidacy_deadline + timedelta(seconds=1))
    assert p.state == ProcedureState.CANDIDACY_CLOSED and draft.state == CandidacyState.WITHDRAWN


def test_inadmissible_needs_a_procedural_reason(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.clock.now = world.procedure.candidacy_deadline + timedelta(hours=1)
    candidacy_ops.close_candidacies(world.procedure, actor=world.coordinator, now=world.clock.now)
    refused(db, candidacy_ops.declare_inadmissible, c, "", actor=world.coordinator,
            now=world.clock.now, match="reden")
    candidacy_ops.declare_inadmissible(c, "Facturatie is de enige manier van kostenafrekening.",
                             actor=world.coordinator, now=world.clock.now)
    assert c.state == CandidacyState.INADMISSIBLE


def test_every_operation_leaves_an_audit_event(world, db):
    """Each operation appends its own event to the trail: its action, who took it and when,
    about its object."""
    def audited(action, actor, operation, *args, **kwargs):
        last = db.session.scalar(select(func.max(AuditEvent.id))) or 0
        world.clock.advance(minutes=1)
        result = operation(*args, actor=actor, now=world.clock.now, **kwargs)
        db.session.flush()
        new = db.session.scalars(select(AuditEvent).where(AuditEvent.id > last)).all()
        assert [e.action for e in new].count(action) == 1, (action, [e.action for e in new])
        event = next(e for e in new if e.action == action)
        assert (event.actor_id, event.at) == (actor.id, world.clock.now), action
        assert all(e.at == world.clock.now for e in new), action
        return result, event

    coordinator = world.coordinator
    p, event = audited("procedure.create", coordinator, area_ops.create_procedure, world.area,
                       "Matching 2025")
    assert (event.object_type, event.object_id) == ("procedure", p.id)
    content = dict(ADDENDUM, candidacy_deadline=world.deadline(weeks=7))
    _, event = audited("addendum.edit_draft", coordinator, area_ops.edit_draft_addendum, p,
                       content)
    assert event.procedure_id == p.id
    start = content["candidacy_deadline"] + timedelta(days=14)
    slot, event = audited("pitch_slot.add", coordinator, area_ops.add_pitch_slot, p, start,
                          start + timedelta(hours=1), "Stadhuis Aalst")
    assert (event.object_id, event.procedure_id) == (slot.id, p.id)
    _, event = audited("procedure.publish", coordinator, area_ops.publish_addendum, p)
    assert (event.object_id, event.procedure_id) == (p.id, p.id)
    org = world.organisation("Jobkracht vzw")
    who = world.applicant(org)
    c, event = audited("candidacy.start", who, candidacy_ops.start_candidacy, p, org)
    assert (event.object_type, event.object_id, event.procedure_id) == ("candidacy", c.id, p.id)
    audited("candidacy.save", who, candidacy_ops.save_candidacy, c,
            contributions={"RU1": "Outreach via onze jeugdwerkers in de wijken."},
            answers=ANSWERS, partnership_fit="Wij werken al jaren samen in casusoverleg.",
            declarations=ALL_DECLARED)
    _, event = audited("candidacy.submit", who, candidacy_ops.submit_candidacy, c)
    assert (event.object_id, event.procedure_id) == (c.id, p.id)


def test_enterprise_numbers_are_checked(world, db):
    refused(db, account_ops.register_organisation, "Fout vzw", "0202.239.952", "vzw",
            OrganisationKind.OTHER, actor=world.admin, now=world.clock.now, match="ongeldig")
    org = account_ops.register_organisation("Proximus", "BE 0202.239.951", "nv",
                                            OrganisationKind.OTHER, actor=world.admin,
                                            now=world.clock.now)
    assert org.enterprise_number == "0202239951"


def test_a_draft_addendum_can_be_edited_again(world, db):
    p = world.draft_procedure()
    content = area_ops.version_content(p.current_version)
    content["challenges"][0]["title"] = "Bereik van jongeren in de wijken"
    area_ops.edit_draft_addendum(p, content, actor=world.coordinator, now=world.clock.now)
    db.session.flush()
    assert [c.code for c in p.current_version.challenges] == ["RU1", "RU2"]
    assert p.current_version.challenges[0].title == "Bereik van jongeren in de wijken"


def test_a_new_version_cannot_move_the_deadline_past_the_pitch_moments(world, db):
    p = world.published_procedure()
    content = area_ops.version_content(p.current_version)
    content["candidacy_deadline"] = p.pitch_slots[0].starts_at + timedelta(hours=1)
    refused(db, area_ops.publish_new_version, p, content, "Deadline verlengd",
            actor=world.coordinator, now=world.clock.now, match="pitch-moment")


def test_a_decision_is_not_received_before_it_was_taken(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    refused(db, world.received, c, 1, match="nog geen beslissing")
    world.start_round_1()
    world.decide(c, 1, (2, 2))
    world.close_round(1)
    refused(db, world.received, c, 1, world.clock.now - timedelta(days=1), match="vóór")
    world.received(c, 1)
    refused(db, world.received, c, 1, match="al geregistreerd")


def test_no_withdrawal_while_an_appeal_is_open(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.start_round_1()
    world.decide(c, 1, (2, 2))
    world.close_round(1)
    world.received(c, 1)
    world.appeal(c)
    refused(db, candidacy_ops.withdraw_candidacy, c, "toch niet",
            actor=world.applicant(c.organisation), now=world.clock.now,
            match="lopend weerwoord")


def test_a_draft_candidacy_can_be_saved_again(world, db):
    p = world.published_procedure()
    org = world.organisation("Jobkracht vzw")
    who = world.applicant(org)
    c = candidacy_ops.start_candidacy(p, org, actor=who, now=world.clock.now)
    for text in ("Eerste versie van onze bijdrage aan de jongeren.",
                 "Tweede versie van onze bijdrage aan de jongeren."):
        candidacy_ops.save_candidacy(c, actor=who, now=world.clock.now, contributions={"RU1": text},
                           answers=ANSWERS, partnership_fit="", declarations={})
        db.session.flush()
    assert [x.text for x in c.contributions] == ["Tweede versie van onze bijdrage aan de jongeren."]
    assert len(c.answers) == 8


def test_a_local_government_with_its_seat_in_the_work_area_is_refused_from_the_data(world, db):
    """R-CAND-2 (issue 11): not on the administrator's list, but a municipality whose seat
    (Lede, 41034) lies in the work area (Aalst, Erpe-Mere, Lede) is one of its local
    governments; the same kind with its seat in Gent may apply."""
    from matching.accounts.models import Organisation

    world.published_procedure()
    lede = world.organisation("Gemeente Lede", OrganisationKind.MUNICIPALITY)
    lede.seat_nis_code = "41034"
    gent = world.organisation("OCMW Gent", OrganisationKind.OCMW)
    gent.seat_nis_code = "44021"
    db.session.flush()
    assert db.session.get(Organisation, lede.id).seat_nis_code == "41034"
    error = refused(db, candidacy_ops.start_candidacy, world.procedure, lede,
                    actor=world.applicant(lede), now=world.clock.now)
    assert error.rule == "R-CAND-2" and "zetel in het werkingsgebied" in error.message
    c = candidacy_ops.start_candidacy(world.procedure, gent, actor=world.applicant(gent),
                                      now=world.clock.now)
    assert c.state == CandidacyState.DRAFT
