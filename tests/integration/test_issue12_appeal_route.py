"""Issue 12: one appeal route. The platform's form takes the grounds, points to the submitted
attachments it is about and may add a clarifying document; the coordinator registers an
appeal that arrived by e-mail or post with the moment it was received, checked against the
same deadline (R-APP-1); the appeal panel reads the candidacy's attachments."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from appeals import operations as appeal_ops
from appeals.models import Appeal, AppealDocument
from appeals.rules import AppealChannel, AppealState
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.queries import appeal_deadline_of, may_read_attachments
from matching.core.dates import BRUSSELS
from matching.core.errors import PermissionDenied
from tests.helpers import sample_pdf
from tests.support import ALL_DECLARED, ANSWERS, refused

GROUNDS = "Onze referentielijst (bijlage) werd niet meegenomen bij de beoordeling."


@pytest.fixture
def rejected(world, tmp_path):
    w = world
    w.upload_dir = str(tmp_path / "uploads")
    p = w.published_procedure()
    org = w.organisation("De Brug vzw")
    owner = w.applicant(org)
    mine = candidacy_ops.start_candidacy(p, org, actor=owner, now=w.clock.now)
    w.attachment = candidacy_ops.add_attachment(mine, "referenties.pdf", sample_pdf(),
                                                actor=owner,
                                                now=w.clock.now)
    candidacy_ops.save_candidacy(mine, actor=owner, now=w.clock.now,
                                 contributions={"RU1": "Wij bieden outreach via jeugdwerkers."},
                                 answers=ANSWERS, partnership_fit="Wij werken al jaren samen.",
                                 declarations=ALL_DECLARED)
    candidacy_ops.submit_candidacy(mine, actor=owner, now=w.clock.now)
    w.rejected, w.owner = mine, owner
    w.start_round_1()
    w.decide(mine, 1, (2, 3))
    w.close_round(1)
    return w


def test_the_form_points_to_the_attachments_and_adds_a_clarifying_document(rejected, db):
    w = rejected
    w.received(w.rejected, 1)
    appeal = appeal_ops.file_appeal(
        w.rejected, GROUNDS, ["Het jaarverslag 2024"], attachment_ids=[w.attachment.id],
        document=("toelichting.pdf", sample_pdf("Toelichting")),
        actor=w.owner, now=w.clock.now)
    assert appeal.channel == AppealChannel.PLATFORM and appeal.registered_at is None
    assert [(r.document, r.attachment_id) for r in appeal.references] == [
        ("referenties.pdf", w.attachment.id), ("Het jaarverslag 2024", None)]
    assert appeal.document.filename == "toelichting.pdf"
    assert appeal.document.media_type == "application/pdf"


def test_an_attachment_of_another_candidacy_is_refused(rejected, db):
    w = rejected
    w.received(w.rejected, 1)
    refused(db, appeal_ops.file_appeal, w.rejected, GROUNDS, [],
            attachment_ids=[w.attachment.id + 999], actor=w.owner, now=w.clock.now,
            match="bijlagen van deze kandidatuur")


def test_a_clarifying_document_must_be_a_document(rejected, db):
    w = rejected
    w.received(w.rejected, 1)
    refused(db, appeal_ops.file_appeal, w.rejected, GROUNDS, ["Bijlage 2"],
            document=("virus.exe", b"MZ\x90\x00 not a document"),
            actor=w.owner, now=w.clock.now, match="PDF-, DOCX- of ODT")


def test_the_coordinator_registers_an_appeal_received_by_post_within_the_window(rejected, db):
    w = rejected
    received = datetime(2025, 3, 20, 16, 5, tzinfo=BRUSSELS)
    w.clock.now = received
    w.received(w.rejected, 1, received)
    deadline = appeal_deadline_of(w.rejected, 1)
    w.clock.now = deadline + timedelta(days=3)  # registered three days after it arrived
    arrived = deadline  # the last second of the window
    appeal = appeal_ops.register_appeal(
        w.rejected, GROUNDS, ["Bijlage 2: referentielijst"], channel=AppealChannel.POST,
        received_at=arrived, actor=w.coordinator, now=w.clock.now)
    assert appeal.filed_at == arrived and appeal.registered_at == w.clock.now
    assert appeal.filed_by_id == w.coordinator.id and appeal.state == AppealState.FILED
    # the organisation gets its receipt, like an appeal through the form
    from matching.candidacies.queries import candidacy_letters
    assert [letter.kind.value for letter in candidacy_letters(w.rejected)][-1] == \
        "appeal_receipt"
    refused(db, appeal_ops.register_appeal, w.rejected, GROUNDS, ["Bijlage 2"],
            channel=AppealChannel.EMAIL, received_at=arrived, actor=w.coordinator,
            now=w.clock.now, match="al een weerwoord")


def test_a_registered_appeal_received_after_the_deadline_is_refused(rejected, db):
    w = rejected
    w.received(w.rejected, 1)
    deadline = appeal_deadline_of(w.rejected, 1)
    w.clock.now = deadline + timedelta(days=1)
    refused(db, appeal_ops.register_appeal, w.rejected, GROUNDS, ["Bijlage 2"],
            channel=AppealChannel.EMAIL, received_at=deadline + timedelta(seconds=1),
            actor=w.coordinator, now=w.clock.now, match="liep af op")
    assert db.session.query(Appeal).count() == 0


def test_a_registration_in_the_future_or_by_another_is_refused(rejected, db):
    w = rejected
    w.received(w.rejected, 1)
    refused(db, appeal_ops.register_appeal, w.rejected, GROUNDS, ["Bijlage 2"],
            channel=AppealChannel.EMAIL, received_at=w.clock.now + timedelta(hours=1),
            actor=w.coordinator, now=w.clock.now, match="toekomst")
    refused(db, appeal_ops.register_appeal, w.rejected, GROUNDS, ["Bijlage 2"],
            channel=AppealChannel.PLATFORM, received_at=w.clock.now,
            actor=w.coordinator, now=w.clock.now, match="per e-mail of per post")
    coordinator2, _area = w.other_coordinator()
    refused(db, appeal_ops.register_appeal, w.rejected, GROUNDS, ["Bijlage 2"],
            channel=AppealChannel.EMAIL, received_at=w.clock.now, actor=coordinator2,
            now=w.clock.now, error=PermissionDenied)
    refused(db, appeal_ops.register_appeal, w.rejected, GROUNDS, ["Bijlage 2"],
            channel=AppealChannel.EMAIL, received_at=w.clock.now, actor=w.owner,
            now=w.clock.now, error=PermissionDenied)
    assert db.session.query(AppealDocument).count() == 0


def test_the_panel_reads_the_attachments_of_the_candidacy_it_judges(rejected, db):
    w = rejected
    w.received(w.rejected, 1)
    assert not may_read_attachments(w.panel[0], w.rejected)
    appeal = w.appeal(w.rejected)
    appeal_ops.assign_panel(appeal, w.panel[:2], actor=w.coordinator, now=w.clock.now)
    assert may_read_attachments(w.panel[0], w.rejected)
    assert may_read_attachments(w.panel[1], w.rejected)
    assert not may_read_attachments(w.panel[2], w.rejected)
