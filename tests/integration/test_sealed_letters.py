"""Sealed letters as a recipient receives them (real SMTP server, real PDFs): the seal checked
with pyHanko's validator (valid; invalid after one changed byte), the e-mail's Reply-To,
link and charsets, the .ics's UID and SEQUENCE, a worker killed between rendering and
sending, a rendering failure retried and shown like a delivery failure, and the check of a
file by ``flask letters verify``."""

from __future__ import annotations

import hashlib
import io
import threading

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import func, select, text

from juries import round_operations as round_ops
from matching.candidacies import notifications as candidacy_letters
from matching.candidacies.models import Letter, LetterPdf
from matching.candidacies.operations import send_outbox
from matching.letters.content import LetterKind
from matching.letters.seal import check_seal, current_seal
from matching.mail.models import OutboxMessage, OutboxState
from matching.mail.outbox import MAX_ATTEMPTS, SENDING_LEASE
from tests.helpers import attachment, flat, message_id, pdf_text
from tests.support import login


@pytest.fixture
def decided(world, db):
    """Round 1 closed: one candidacy not selected, one selected (its letter comes with the
    pitch invitation)."""
    world.published_procedure()
    world.rejected, world.selected = world.apply("De Brug vzw"), world.apply("Jobkracht vzw")
    world.start_round_1()
    world.decide(world.rejected, 1, (2, 3))
    world.decide(world.selected, 1, (4, 3))
    world.close_round(1)
    db.session.commit()
    return world


def decision_mail(smtp):
    return next(m for m in smtp.messages if "Beslissing ronde 1" in m["Subject"])


def stored_pdf(db, kind: LetterKind) -> tuple[Letter, LetterPdf]:
    letter = db.session.scalar(select(Letter).where(Letter.kind == kind)
                               .order_by(Letter.version.desc()).limit(1))
    return letter, db.session.get(LetterPdf, letter.id)


def test_the_received_pdf_carries_a_valid_seal_and_one_changed_byte_breaks_it(
        decided, db, mail_config, smtp):
    w = decided
    send_outbox(mail_config, clock=lambda: w.clock.now)
    pdf = attachment(decision_mail(smtp), "application/pdf")
    letter, stored = stored_pdf(db, LetterKind.ROUND1_NOT_SELECTED)
    assert hashlib.sha256(pdf).hexdigest() == stored.sha256
    assert stored.sealed_at == w.clock.now and stored.seal_fingerprint == current_seal().fingerprint

    ours = {current_seal().fingerprint}
    check = check_seal(pdf, ours)
    assert check.valid and check.whole_file and check.signed_at == w.clock.now
    assert check.fingerprint == stored.seal_fingerprint

    # one byte of the letter's text changed (inside the signed range): the seal breaks
    index = pdf.index(b"/Title")
    changed = pdf[:index + 8] + bytes([pdf[index + 8] ^ 0x01]) + pdf[index + 9:]
    broken = check_seal(changed, ours)
    assert broken.signed and not broken.intact and not broken.valid
    # a seal made with another certificate is no seal of this system
    assert not check_seal(pdf, {"0" * 64}).valid

    # the PDF is a proper letter: sender, signatory, reference, page numbers, metadata
    body = flat(pdf_text(pdf))
    for needle in ("Stad Aalst – Dienst Werk", "Grote Markt 3", "9300 Aalst", "Ann Vermeulen",
                   "Algemeen directeur, Stad Aalst", f"Ons kenmerk {letter.reference}",
                   "1 / 2", "Echtheid controleren: http://127.0.0.1:5000/brieven/echtheid"):
        assert needle in body, needle
    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta.creation_date == w.clock.now and meta.title.startswith("Beslissing na ronde 1")


def test_the_e_mail_has_a_reply_to_the_contact_a_link_to_the_letter_and_charsets(
        decided, db, mail_config, smtp):
    w = decided
    slot = w.procedure.pitch_slots[0]
    round_ops.plan_pitch(w.selected, slot, actor=w.coordinator, now=w.clock.now)
    db.session.commit()
    send_outbox(mail_config, clock=lambda: w.clock.now)
    mail = decision_mail(smtp)
    contact = w.procedure.published_version.contacts[0].email
    assert str(mail["Reply-To"]) == contact and mail["Content-Language"] == "nl"
    letter, _ = stored_pdf(db, LetterKind.ROUND1_NOT_SELECTED)
    link = f"http://127.0.0.1:5000/brieven/{letter.id}"
    plain = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert plain.get_content_charset() == "utf-8" and html.get_content_charset() == "utf-8"
    assert link in plain.get_content() and f'href="{link}"' in html.get_content()
    assert letter.text in plain.get_content().replace("\r\n", "\n")  # the letter follows

    invitation = next(m for m in smtp.messages if "uitnodiging" in m["Subject"])
    assert str(invitation["Reply-To"]) == contact
    part = next(p for p in invitation.iter_attachments()
                if p.get_content_type() == "text/calendar")
    assert part.get_param("charset") == "utf-8" and part.get_param("method") == "REQUEST"
    event = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert "–" in str(event["SUMMARY"])  # the en dash survives
    assert int(event["SEQUENCE"]) == 0
    first_uid = str(event["UID"])

    # a new pitch moment: a corrected invitation (version 2), the same event, SEQUENCE 1
    round_ops.plan_pitch(w.selected, w.procedure.pitch_slots[1], actor=w.coordinator,
                         now=w.clock.now)
    db.session.commit()
    send_outbox(mail_config, clock=lambda: w.clock.now)
    update = [m for m in smtp.messages if "uitnodiging" in m["Subject"]][-1]
    event = Calendar.from_ical(attachment(update, "text/calendar")).walk("VEVENT")[0]
    assert str(event["UID"]) == first_uid and int(event["SEQUENCE"]) == 1
    # issue 13: and the earlier moment is cancelled in its own e-mail, the same event
    cancel = next(m for m in smtp.messages if "verplaatst" in m["Subject"])
    part = next(p for p in cancel.iter_attachments() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "CANCEL"
    cancelled = Calendar.from_ical(part.get_content()).walk("VEVENT")[0]
    assert str(cancelled["UID"]) == first_uid and int(cancelled["SEQUENCE"]) == 0
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_a_worker_killed_between_rendering_and_sending_loses_nothing_and_keeps_one_pdf(
        decided, db, mail_config, smtp):
    w = decided

    class Killed(BaseException):
        pass

    def die(message):
        raise Killed()

    with pytest.raises(Killed):  # the PDF is rendered, sealed and stored; the worker dies
        send_outbox(mail_config, clock=lambda: w.clock.now, limit=1, before_send=die)
    db.session.rollback()
    assert smtp.messages == []
    stuck = db.session.scalar(select(OutboxMessage).where(OutboxMessage.state
                                                          == OutboxState.SENDING))
    first = db.session.get(LetterPdf, stuck.letter_id)
    assert first is not None
    kept = (first.pdf, first.sha256)

    w.clock.advance(seconds=SENDING_LEASE.total_seconds() + 60)  # a new worker takes over
    due = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.SENDING])))
    assert due >= 3  # the letters and the notifications of the decided procedure
    assert send_outbox(mail_config, clock=lambda: w.clock.now)["sent"] == due
    db.session.expire_all()
    again = db.session.get(LetterPdf, stuck.letter_id)
    assert (again.pdf, again.sha256) == kept  # never rendered a second time
    mine = next(m for m in smtp.messages if message_id(m) == stuck.message_id)
    assert hashlib.sha256(attachment(mine, "application/pdf")).hexdigest() == kept[1]
    assert db.session.scalar(select(LetterPdf.letter_id).where(
        LetterPdf.letter_id == stuck.letter_id)) == stuck.letter_id
    assert len({message_id(m) for m in smtp.messages}) == len(smtp.messages) == due


def test_two_workers_rendering_one_letter_store_one_pdf(decided, db, app, monkeypatch):
    """The second worker to store a version's PDF loses the race on the letter's key and
    sends the first one's: there is never a second, different PDF of one version."""
    w = decided
    letter, _ = stored_pdf(db, LetterKind.ROUND1_NOT_SELECTED)
    letter_id = letter.id
    real_seal = candidacy_letters.seal_pdf
    other: dict = {}

    def seal_while_another_worker_stores(pdf, seal, **kw):
        sealed = real_seal(pdf, seal, **kw)
        if not other:
            other["busy"] = True

            def worker():
                with app.app_context():
                    other["row"] = candidacy_letters.sealed_pdf(
                        db.session.get(Letter, letter_id), now=w.clock.now).sha256

            thread = threading.Thread(target=worker)
            thread.start()
            thread.join()
        return sealed

    monkeypatch.setattr(candidacy_letters, "seal_pdf", seal_while_another_worker_stores)
    row = candidacy_letters.sealed_pdf(db.session.get(Letter, letter_id), now=w.clock.now)
    assert row.sha256 == other["row"]
    assert db.session.execute(select(LetterPdf).where(LetterPdf.letter_id == letter_id)) \
        .scalars().all() == [row]


def test_a_rendering_failure_is_retried_and_shown_to_the_coordinator(
        decided, db, app, client, mail_config, smtp, monkeypatch, pages_at_world_time):
    w = decided
    working = candidacy_letters.render_pdf

    def broken(*args, **kwargs):
        raise RuntimeError("the layout engine broke")

    monkeypatch.setattr(candidacy_letters, "render_pdf", broken)
    plain = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.letter_id.is_(None)))  # notifications without a letter still leave
    counts = send_outbox(mail_config, clock=lambda: w.clock.now)
    assert counts == {"sent": plain, "retry": 3, "failed": 0}
    assert len(smtp.messages) == plain and db.session.scalars(select(LetterPdf)).all() == []
    letters = select(OutboxMessage).where(OutboxMessage.letter_id.is_not(None))
    rows = db.session.scalars(letters).all()
    assert {(r.state, r.failed_step) for r in rows} == {(OutboxState.PENDING, "build")}
    assert all("the layout engine broke" in r.last_error for r in rows)
    for _ in range(MAX_ATTEMPTS - 1):  # every back-off, until the last attempt
        w.clock.advance(hours=1)
        send_outbox(mail_config, clock=lambda: w.clock.now)
    db.session.expire_all()
    assert {r.state for r in db.session.scalars(letters)} == {OutboxState.FAILED}

    login(client, db, w.coordinator)
    page = client.get(f"/coordinatie/procedures/{w.procedure.id}/brieven")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "kon niet worden opgemaakt" in html
    assert "De pdf kon niet worden opgemaakt of verzegeld." in html
    assert "Opnieuw versturen" in html

    # repaired: the coordinator puts a letter back in the queue, the worker sends it
    monkeypatch.setattr(candidacy_letters, "render_pdf", working)
    message = db.session.scalars(letters).first()
    client.post(f"/coordinatie/outbox/{message.id}/opnieuw")
    assert send_outbox(mail_config, clock=lambda: w.clock.now)["sent"] == 1


def test_a_letter_pdf_is_written_once(decided, db, mail_config, smtp, backend):
    w = decided
    send_outbox(mail_config, clock=lambda: w.clock.now)
    _, stored = stored_pdf(db, LetterKind.ROUND1_NOT_SELECTED)
    stored.sha256 = "0" * 64
    with pytest.raises(ValueError, match="written once"):
        db.session.flush()
    db.session.rollback()
    if backend == "postgresql":  # below the application too
        from sqlalchemy.exc import DBAPIError

        with pytest.raises(DBAPIError, match="written once"):
            db.session.execute(text("UPDATE letter_pdf SET sha256 = :x"), {"x": "0" * 64})
        db.session.rollback()


def test_flask_letters_verify_names_the_letter_and_refuses_a_changed_file(
        decided, db, app, runner, mail_config, smtp, tmp_path):
    w = decided
    send_outbox(mail_config, clock=lambda: w.clock.now)
    letter, stored = stored_pdf(db, LetterKind.ROUND1_NOT_SELECTED)
    good = tmp_path / "brief.pdf"
    good.write_bytes(stored.pdf)
    result = runner.invoke(args=["letters", "verify", str(good)])
    assert result.exit_code == 0, result.output
    assert "Geldig: een ongewijzigde brief van dit systeem." in result.output
    assert f"Kenmerk: {letter.reference}" in result.output and "Versie: 1" in result.output
    assert "Verzegeld op:" in result.output and stored.sha256 in result.output

    index = stored.pdf.index(b"/Title")
    bad = tmp_path / "gewijzigd.pdf"
    bad.write_bytes(stored.pdf[:index + 8] + b"X" + stored.pdf[index + 9:])
    result = runner.invoke(args=["letters", "verify", str(bad)])
    assert result.exit_code == 1
    assert "NIET geldig: het bestand werd gewijzigd na de verzegeling." in result.output

    other = tmp_path / "ander.pdf"
    other.write_bytes(b"%PDF-1.4 niets")
    assert runner.invoke(args=["letters", "verify", str(other)]).exit_code == 1


def test_the_public_page_shows_each_version_without_anything_personal(
        decided, db, client, mail_config, smtp):
    w = decided
    send_outbox(mail_config, clock=lambda: w.clock.now)
    letter, stored = stored_pdf(db, LetterKind.ROUND1_NOT_SELECTED)
    page = client.get("/brieven/echtheid", query_string={"kenmerk": letter.reference})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert stored.sha256 in html and "Verzegeld op" in html
    for personal in ("De Brug vzw", "aanvrager", letter.recipients, "niet geselecteerd",
                     letter.subject, "Aalst"):
        assert personal not in html, personal
    assert "Er is geen verzonden brief" in client.get(
        "/brieven/echtheid", query_string={"kenmerk": "KAND-999"}).get_data(as_text=True)
