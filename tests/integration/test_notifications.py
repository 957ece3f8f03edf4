"""Issue 13: everyone is told it is their turn (notifications through the outbox, each with
a link built from BASE_URL), and reminded before deadlines exactly once — with a moving
clock, under retries and with two workers at once (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from juries import operations as jury_ops
from matching.candidacies import operations as candidacy_ops
from matching.mail.models import OutboxMessage, SentOnce
from matching.tasks.reminders import send_reminders
from tests.support import ALL_DECLARED, ANSWERS

BASE = "http://127.0.0.1:5000"


def _mails(db, to: str | None = None, subject: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.body_text.is_not(None))
    if to:
        query = query.where(OutboxMessage.to_addresses == to)
    if subject:
        query = query.where(OutboxMessage.subject.contains(subject))
    return list(db.session.scalars(query.order_by(OutboxMessage.id)))


def test_round_1_starting_tells_every_jury_member_with_a_link(world, db):
    world.published_procedure()
    world.apply("Jobkracht vzw")
    world.start_round_1()
    for name in ("vdab1", "vdab2", "lokaal1", "extern1"):
        [mail] = _mails(db, f"{name}@example.be", "Ronde 1 is gestart")
        assert f"{BASE}/jury" in mail.body_text
        assert "Matching 2025" in mail.body_text
    assert not _mails(db, "extern2@example.be", "Ronde 1")  # not on this jury


def test_a_conflict_tells_the_coordinators_and_whether_the_jury_breaks(world, db):
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.start_round_1()
    jury_ops.declare_conflict(c, "Ik zetel in de raad van bestuur.", actor=world.mm["vdab1"],
                              now=world.clock.now)
    [mail] = _mails(db, "coord@example.be", "Belangenconflict")
    assert "Vdab1" in mail.body_text and "Jobkracht vzw" in mail.body_text
    assert f"{BASE}/coordinatie/procedures/{world.procedure.id}/jury" in mail.body_text
    assert "vul" not in mail.body_text.split("De samenstelling")[0].lower()  # vdab2 remains
    jury_ops.declare_conflict(c, "Ook ik ken hen van dichtbij.", actor=world.mm["lokaal1"],
                              now=world.clock.now)
    second = _mails(db, "coord@example.be", "Belangenconflict")[-1]
    assert "jury aanvult" in second.body_text  # no local government left for it


def test_an_appeal_tells_the_coordinators_and_the_panel_gets_a_link(world, db):
    from appeals import operations as appeal_ops
    world.published_procedure()
    world.apply("Jobkracht vzw")
    b = world.apply("Buurtwerk De Brug")
    world.start_round_1()
    world.decide(b, 1, (2, 2))
    a = next(c for c in db.session.scalars(select(type(b))) if c.id != b.id)
    world.decide(a, 1, (3, 3))
    world.close_round(1)
    world.received(b, 1)
    appeal = world.appeal(b)
    [filed] = _mails(db, "coord@example.be", "Weerwoord ingediend")
    assert f"{BASE}/coordinatie/procedures/{world.procedure.id}/weerwoorden" in filed.body_text
    appeal_ops.assign_panel(appeal, world.panel[:2], actor=world.coordinator,
                            now=world.clock.now)
    db.session.flush()
    for member in world.panel[:2]:
        [mail] = _mails(db, member.email, "U beoordeelt een weerwoord")
        assert f"{BASE}/weerwoorden/{appeal.id}" in mail.body_text
    assert not _mails(db, world.panel[2].email)


def test_a_notification_follows_the_language_the_person_uses(world, db):
    world.published_procedure()
    world.apply("Jobkracht vzw")
    world.mm["extern1"].locale = "en"
    world.start_round_1()
    [mail] = _mails(db, "extern1@example.be")
    assert mail.subject.startswith("Round 1 has started")
    assert "Dear Extern1" in mail.body_text


# --- reminders ----------------------------------------------------------------------------

def _draft(world, name: str):
    org = world.organisation(name)
    who = world.applicant(org)
    c = candidacy_ops.start_candidacy(world.procedure, org, actor=who, now=world.clock.now)
    candidacy_ops.save_candidacy(c, actor=who, now=world.clock.now,
                                 contributions={"RU1": "Outreach."}, answers=ANSWERS,
                                 partnership_fit="Samenwerking.", declarations=ALL_DECLARED)
    return c, who


def test_candidacy_reminders_7_and_2_days_before_each_once(app, world, db):
    world.published_procedure()
    draft, who = _draft(world, "Traag vzw")
    world.apply("Snel vzw")  # submitted: never reminded
    deadline = world.procedure.candidacy_deadline
    db.session.commit()

    def remind_at(moment):
        return send_reminders(moment)["candidacy"]

    assert remind_at(deadline - timedelta(days=7, minutes=1)) == 0  # too early
    assert remind_at(deadline - timedelta(days=7)) == 1
    assert remind_at(deadline - timedelta(days=6)) == 0  # the same reminder: once
    assert remind_at(deadline - timedelta(days=2, seconds=1)) == 0
    assert remind_at(deadline - timedelta(days=2)) == 1
    assert remind_at(deadline - timedelta(hours=1)) == 0
    assert remind_at(deadline + timedelta(minutes=1)) == 0  # the deadline passed
    mails = _mails(db, who.email, "Herinnering")
    assert len(mails) == 2
    assert f"{BASE}/kandidaturen/{draft.id}" in mails[0].body_text


def test_a_worker_down_past_both_moments_sends_only_the_latest(world, db):
    world.published_procedure()
    _draft(world, "Traag vzw")
    deadline = world.procedure.candidacy_deadline
    db.session.commit()
    assert send_reminders(deadline - timedelta(days=1))["candidacy"] == 1
    assert send_reminders(deadline - timedelta(hours=2))["candidacy"] == 0
    [mark] = db.session.scalars(select(SentOnce)).all()
    assert mark.key.endswith(".2d") and mark.message_id is not None


def test_appeal_reminder_3_days_before_the_window_ends_unless_appealed(world, db):
    from matching.candidacies.queries import appeal_deadline_of
    world.published_procedure()
    a, b, c = (world.apply(n) for n in ("A vzw", "B vzw", "C vzw"))
    world.start_round_1()
    world.decide(a, 1, (3, 3))
    world.decide(b, 1, (2, 2))
    world.decide(c, 1, (2, 2))
    world.close_round(1)
    world.received(b, 1)
    world.received(c, 1)
    world.appeal(c)
    db.session.commit()
    deadline = appeal_deadline_of(b, 1)
    assert send_reminders(deadline - timedelta(days=3, minutes=1))["appeal"] == 0
    assert send_reminders(deadline - timedelta(days=3))["appeal"] == 1
    assert send_reminders(deadline - timedelta(days=1))["appeal"] == 0
    [mail] = _mails(db, world.applicant(b.organisation).email, "weerwoord")
    assert f"{BASE}/kandidaturen/{b.id}" in mail.body_text
    assert not _mails(db, world.applicant(c.organisation).email, "Herinnering")


def test_score_reminders_daily_from_8_to_members_with_scores_missing(world, db):
    from datetime import datetime

    from matching.candidacies.rules import Criterion
    from matching.core.dates import BRUSSELS
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    world.start_round_1()
    for user in world.eligible(c):
        if user.email != "extern1@example.be":
            for criterion in Criterion:
                jury_ops.record_assessment(c, 1, criterion, 3, ["ok"] * 4, actor=user,
                                           now=world.clock.now)
    db.session.commit()
    day = world.clock.now.astimezone(BRUSSELS).date() + timedelta(days=1)
    at = lambda h, d=day: datetime(d.year, d.month, d.day, h, tzinfo=BRUSSELS)  # noqa: E731
    assert send_reminders(at(7))["scores"] == 0  # not before 8 h
    assert send_reminders(at(8))["scores"] == 1  # only extern1 still has scores missing
    assert send_reminders(at(17))["scores"] == 0  # once a day
    assert send_reminders(at(8, day + timedelta(days=1)))["scores"] == 1  # the next day
    mails = _mails(db, "extern1@example.be", "Herinnering")
    assert len(mails) == 2 and f"{BASE}/jury" in mails[0].body_text
    assert "Jobkracht vzw" in mails[0].body_text


def test_two_workers_at_once_queue_each_reminder_once(app, world, db):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL (set TEST_DATABASE_URL): SQLite serialises all writers")
    from matching.core.db import db as _db
    world.published_procedure()
    for i in range(5):
        _draft(world, f"Traag {i} vzw")
    deadline = world.procedure.candidacy_deadline
    db.session.commit()
    moment = deadline - timedelta(days=2)
    barrier = threading.Barrier(2, timeout=30)
    results: list[object] = []

    def worker() -> None:
        with app.app_context():
            try:
                barrier.wait()
                results.append(send_reminders(moment)["candidacy"])
            except BaseException as error:  # reported below
                _db.session.rollback()
                results.append(error)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 5  # type: ignore[arg-type]
    assert db.session.scalar(select(func.count(SentOnce.id))) == 5
    assert len(_mails(db, subject="Herinnering")) == 5


def test_the_cli_queues_the_reminders(app, world, db, runner, monkeypatch):
    world.published_procedure()
    _draft(world, "Traag vzw")
    deadline = world.procedure.candidacy_deadline
    db.session.commit()
    monkeypatch.setitem(app.config, "CLOCK", lambda: deadline - timedelta(days=2))
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "kandidaturen 1" in result.output
    result = runner.invoke(args=["reminders", "send"])
    assert "kandidaturen 0" in result.output


def test_an_observation_tells_each_coordinator_with_the_link_to_answer(world, db):
    from matching.oversight.operations import record_observation
    world.published_procedure()
    observation = record_observation(world.procedure, 3, "Waar werd het addendum gepubliceerd?",
                                     actor=world.observer(), now=world.clock.now)
    db.session.flush()
    [mail] = _mails(db, "coord@example.be", "Opmerking van Europa WSE")
    assert "Waar werd het addendum gepubliceerd?" in mail.body_text
    assert f"{BASE}/observatie/procedures/{world.procedure.id}/voorwaarden" in mail.body_text
    assert mail.message_id.startswith(f"<observation-{observation.id}.")


def test_a_person_who_chose_a_daily_overview_gets_one_mail_a_day(world, db):
    from datetime import datetime

    from matching.accounts import operations as account_ops
    from matching.accounts.models import DigestItem
    from matching.core.dates import BRUSSELS
    from tests.support import refused
    world.published_procedure()
    c = world.apply("Jobkracht vzw")
    member = world.mm["extern1"]
    refused(db, account_ops.set_digest, member, True, actor=world.mm["vdab1"],
            now=world.clock.now, error=Exception, match="Enkel uzelf")
    account_ops.set_digest(member, True, actor=member, now=world.clock.now)
    world.start_round_1()  # the round-start notice is kept for the overview
    jury_ops.declare_conflict(c, "Ik zetel in hun raad van bestuur.", actor=world.mm["vdab2"],
                              now=world.clock.now)
    db.session.commit()
    assert not _mails(db, member.email)
    assert db.session.scalar(select(func.count(DigestItem.id))) == 1
    day = world.clock.now.astimezone(BRUSSELS).date() + timedelta(days=1)
    at8 = datetime(day.year, day.month, day.day, 8, tzinfo=BRUSSELS)
    counts = send_reminders(at8)
    assert counts["digests"] == 1
    assert send_reminders(at8 + timedelta(hours=3))["digests"] == 0  # once a day
    mails = _mails(db, member.email)
    # the overview holds the round-start notice (and the score reminder of that morning)
    overview = next(m for m in mails if "dagelijks overzicht" in m.subject)
    assert "Ronde 1 is gestart" in overview.body_text and f"{BASE}/taken" in overview.body_text
    assert len([m for m in mails if "dagelijks overzicht" in m.subject]) == 1
