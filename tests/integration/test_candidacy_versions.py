"""Issue 13: a submitted candidacy is corrected until the deadline as a new version, the
earlier one kept; issue 12: the version answered a version of the addendum."""

from datetime import timedelta

from sqlalchemy import select

from matching.audit.models import AuditEvent
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Attachment, Candidacy, CandidacyVersion, Letter
from matching.candidacies.rules import CandidacyState
from matching.core.errors import PermissionDenied
from matching.mail.models import OutboxMessage
from tests.helpers import sample_pdf
from tests.support import ALL_DECLARED, ANSWERS, refused
from workareas import operations as area_ops


def _edit(c, who, now, text="Wij bieden outreach en trajectbegeleiding via jeugdwerkers."):
    candidacy_ops.save_candidacy(c, actor=who, now=now, contributions={"RU1": text},
                                 answers=ANSWERS,
                                 partnership_fit="Wij werken al jaren samen in casusoverleg.",
                                 declarations=ALL_DECLARED)


def _actions(db):
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_correction_is_a_new_version_and_the_earlier_one_is_kept(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    who = world.applicant(c.organisation)
    assert [v.number for v in c.versions] == [1]
    first = c.versions[0].content["contributions"]["RU1"]
    world.clock.advance(days=2)
    candidacy_ops.open_correction(c, actor=who, now=world.clock.now)
    assert c.correction_opened_at == world.clock.now and c.state == CandidacyState.SUBMITTED
    _edit(c, who, world.clock.now)
    candidacy_ops.submit_candidacy(c, actor=who, now=world.clock.now)
    db.session.commit()
    assert [v.number for v in c.versions] == [1, 2]
    assert c.versions[0].content["contributions"]["RU1"] == first
    assert c.versions[1].content["contributions"]["RU1"].startswith("Wij bieden outreach en")
    assert c.versions[1].submitted_at == world.clock.now == c.submitted_at
    assert c.correction_opened_at is None and c.state == CandidacyState.SUBMITTED
    actions = _actions(db)
    assert "candidacy.open_correction" in actions and "candidacy.resubmit" in actions
    references = sorted(db.session.scalars(select(Letter.reference)
                                           .where(Letter.candidacy_id == c.id)))
    assert references == [f"{c.reference}/ONTV", f"{c.reference}/ONTV-V2"]
    receipt = db.session.scalar(select(Letter).where(Letter.reference.like("%-V2")))
    assert "versie 2" in receipt.html


def test_correcting_after_the_deadline_is_refused_and_changes_nothing(world, db):
    p = world.published_procedure()
    c = world.apply("Jobkracht vzw")
    who = world.applicant(c.organisation)
    db.session.commit()
    candidacy_ops.open_correction(c, actor=who, now=p.candidacy_deadline)  # the instant: on time
    db.session.rollback()
    late = p.candidacy_deadline + timedelta(seconds=1)
    refused(db, candidacy_ops.open_correction, c, actor=who, now=late, match="verstreken")
    assert c.correction_opened_at is None


def test_a_withdrawn_or_a_draft_candidacy_is_not_corrected(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    who = world.applicant(c.organisation)
    candidacy_ops.withdraw_candidacy(c, "Wij trekken ons terug.", actor=who, now=world.clock.now)
    refused(db, candidacy_ops.open_correction, c, actor=who, now=world.clock.now,
            match="ingediende kandidatuur")
    org = world.organisation("Buurtwerk De Brug")
    draft = candidacy_ops.start_candidacy(world.procedure, org, actor=world.applicant(org),
                                          now=world.clock.now)
    refused(db, candidacy_ops.open_correction, draft, actor=world.applicant(org),
            now=world.clock.now, match="ingediende kandidatuur")


def test_another_organisation_cannot_correct(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    other = world.applicant(world.organisation("Buurtwerk De Brug"))
    refused(db, candidacy_ops.open_correction, c, actor=other, now=world.clock.now,
            error=PermissionDenied)


def test_a_submitted_candidacy_is_changed_only_in_a_correction(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    who = world.applicant(c.organisation)
    refused(db, _edit, c, who, world.clock.now, match="correctie")
    refused(db, candidacy_ops.add_attachment, c, "extra.pdf", sample_pdf(), actor=who,
            now=world.clock.now, match="correctie")
    candidacy_ops.open_correction(c, actor=who, now=world.clock.now)
    refused(db, candidacy_ops.open_correction, c, actor=who, now=world.clock.now,
            match="al een correctie")


def test_a_lapsed_correction_leaves_the_last_submitted_version_for_the_jury(world, db):
    p = world.published_procedure()
    c = world.apply("Jobkracht vzw")
    who = world.applicant(c.organisation)
    candidacy_ops.open_correction(c, actor=who, now=world.clock.now)
    original = candidacy_ops.add_attachment(c, "referenties.pdf", sample_pdf(), actor=who,
                                            now=world.clock.now)
    _edit(c, who, world.clock.now, "Een tweede versie met meer uitleg over de outreach.")
    candidacy_ops.submit_candidacy(c, actor=who, now=world.clock.now)
    assert c.versions[1].content["attachments"][0]["id"] == original.id
    # a second correction: text changed, the attachment removed, another added; never resubmitted
    candidacy_ops.open_correction(c, actor=who, now=world.clock.now)
    _edit(c, who, world.clock.now, "Een derde versie die nooit werd ingediend, helaas.")
    candidacy_ops.remove_attachment(c, original, actor=who, now=world.clock.now)
    candidacy_ops.add_attachment(c, "nieuw.pdf", sample_pdf("Nieuw"), actor=who,
                                 now=world.clock.now)
    db.session.commit()
    assert [a.filename for a in c.attachments] == ["nieuw.pdf"]
    assert db.session.get(Attachment, original.id).removed_at is not None  # kept for version 2
    refused(db, candidacy_ops.submit_candidacy, c, actor=who,
            now=p.candidacy_deadline + timedelta(seconds=1), match="verstreken")
    world.start_round_1()
    db.session.commit()
    db.session.expire_all()
    c = db.session.get(Candidacy, c.id)
    assert c.correction_opened_at is None and len(c.versions) == 2
    assert c.contributions[0].text == "Een tweede versie met meer uitleg over de outreach."
    assert [a.id for a in c.attachments] == [original.id]
    assert db.session.scalar(select(Attachment).where(Attachment.filename == "nieuw.pdf")) is None
    assert "candidacy.correction_lapsed" in _actions(db)


def test_withdrawing_during_a_correction_withdraws_what_was_submitted(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    who = world.applicant(c.organisation)
    candidacy_ops.open_correction(c, actor=who, now=world.clock.now)
    _edit(c, who, world.clock.now, "Een versie die nooit werd ingediend, en toch lang genoeg.")
    candidacy_ops.withdraw_candidacy(c, "Wij trekken ons terug.", actor=who, now=world.clock.now)
    db.session.commit()
    assert c.state == CandidacyState.WITHDRAWN and c.correction_opened_at is None
    assert c.contributions[0].text == "Wij bieden outreach via onze jeugdwerkers."


def test_a_candidacy_submitted_before_versions_gets_its_first_version_on_correction(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    submitted_at = c.submitted_at
    for version in list(c.versions):
        db.session.delete(version)
    db.session.flush()
    db.session.expire(c, ["versions"])
    world.clock.advance(hours=3)
    candidacy_ops.open_correction(c, actor=world.applicant(c.organisation),
                                  now=world.clock.now)
    assert [(v.number, v.submitted_at) for v in c.versions] == [(1, submitted_at)]


def test_a_version_names_the_addendum_version_it_answered(world, db):
    p = world.published_procedure()
    c = world.apply("Jobkracht vzw")
    assert c.versions[0].addendum_version == 1
    content = area_ops.version_content(p.current_version)
    content["needs"].append({"title": "Mobiliteit", "motivation": "Geen bus 's avonds."})
    content["candidacy_deadline"] = world.clock.now + timedelta(weeks=7)
    world.clock.advance(days=1)
    area_ops.publish_new_version(p, content, "Lokale nood mobiliteit toegevoegd",
                                 actor=world.coordinator, now=world.clock.now)
    mail = db.session.scalars(select(OutboxMessage).where(OutboxMessage.subject.like(
        "Nieuwe versie van het addendum%"))).one()  # issue 12: told, in Dutch and English
    assert "open op de pagina van uw kandidatuur een correctie" in mail.body_text
    assert "(English)" in mail.body_text and "New version of the addendum" in mail.subject
    assert f"/kandidaturen/{c.id}" in mail.body_text
    who = world.applicant(c.organisation)
    candidacy_ops.open_correction(c, actor=who, now=world.clock.now)
    candidacy_ops.submit_candidacy(c, actor=who, now=world.clock.now)
    assert [v.addendum_version for v in c.versions] == [1, 2]
    assert db.session.scalar(select(CandidacyVersion.addendum_version)
                             .where(CandidacyVersion.number == 2)) == 2
