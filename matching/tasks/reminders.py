"""The reminders the mail worker sends (``flask reminders send``, and every
``REMINDER_INTERVAL`` seconds inside ``flask outbox send --watch``):

- to an organisation's applicants whose candidacy is still a draft, ``REMINDER_CANDIDACY_DAYS``
  (7 and 2 by default) days before the candidacy deadline;
- to an organisation not selected that has not appealed, ``REMINDER_APPEAL_DAYS`` (3) days
  before its appeal window ends (the deadline every page shows, R-APP-1);
- daily, from ``REMINDER_HOUR`` (8 h Brussels time), to a jury member whose own scores are
  missing for candidacies the jury can score now.

Each reminder has a key (what, for whom, which deadline, which moment) that is unique in
the database (:func:`matching.mail.outbox.queue_once`): it leaves exactly once, whatever
the retries or the number of workers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from functools import partial

from flask import current_app
from sqlalchemy import select

from appeals.models import Appeal
from matching.accounts.models import DigestItem, RoleGrant, User
from matching.accounts.notifications import digest_mail, notify
from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy
from matching.candidacies.queries import appeal_deadline_of
from matching.candidacies.rules import CandidacyState, appeal_round
from matching.core.dates import BRUSSELS, format_brussels, to_utc
from matching.core.db import db
from matching.core.errors import N_
from matching.core.web import external_url
from matching.mail.models import OutboxMessage
from matching.mail.outbox import queue_once
from matching.tasks.queries import missing_scores
from matching.tasks.rules import current_reminder, daily_reminder_day, parse_days
from workareas.models import Procedure
from workareas.rules import ProcedureState

log = logging.getLogger(__name__)

APPEALABLE = (CandidacyState.NOT_SELECTED_R1, CandidacyState.NOT_SELECTED_R2)


def _applicants(organisation_ids) -> dict[int, list[User]]:
    rows = db.session.execute(
        select(RoleGrant.organisation_id, User).join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role == Role.APPLICANT,
               RoleGrant.organisation_id.in_(list(organisation_ids)))
        .order_by(User.id)).tuples().all()
    by_org: dict[int, list[User]] = defaultdict(list)
    for org_id, user in rows:
        if org_id is not None:
            by_org[org_id].append(user)
    return by_org


def _remind(key: str, now: datetime, users: list[User], subject: str, template: str,
            link: str, **context) -> int:
    """Queue one reminder under ``key`` unless it was queued before: 1 if queued now."""
    def queue() -> list[OutboxMessage]:
        return notify(users, subject, template, now=now, key=key, link=link, **context)
    return int(queue_once(key, now, queue))


def _stamp(moment: datetime) -> str:
    return to_utc(moment).strftime("%Y%m%dT%H%M")


def candidacy_reminders(now: datetime, days: tuple[int, ...]) -> int:
    """Drafts of open procedures, ``days`` before the candidacy deadline."""
    drafts = db.session.scalars(
        select(Candidacy).join(Procedure, Procedure.id == Candidacy.procedure_id)
        .where(Candidacy.state == CandidacyState.DRAFT,
               Procedure.state == ProcedureState.PUBLISHED)
        .order_by(Candidacy.id)).all()
    applicants = _applicants({c.organisation_id for c in drafts})
    sent = 0
    for candidacy in drafts:
        deadline = candidacy.procedure.candidacy_deadline
        if deadline is None:
            continue
        due = current_reminder(to_utc(deadline), days, to_utc(now))
        if due is None:
            continue
        key = f"remind-candidacy.{candidacy.id}.{_stamp(deadline)}.{due}d"
        sent += _remind(key, now, applicants.get(candidacy.organisation_id, []),
                        N_("Herinnering: uw kandidatuur is nog niet ingediend"),
                        "reminder_candidacy",
                        external_url("applicant.candidacy", candidacy_id=candidacy.id),
                        candidacy=candidacy, deadline=format_brussels(deadline))
    return sent


def appeal_reminders(now: datetime, days: tuple[int, ...]) -> int:
    """Non-selected candidacies without an appeal, ``days`` before the window ends."""
    candidacies = db.session.scalars(
        select(Candidacy).where(Candidacy.state.in_(APPEALABLE)).order_by(Candidacy.id)).all()
    appealed = set(db.session.execute(select(Appeal.candidacy_id, Appeal.round).where(
        Appeal.candidacy_id.in_([c.id for c in candidacies]))).tuples())
    applicants = _applicants({c.organisation_id for c in candidacies})
    sent = 0
    for candidacy in candidacies:
        round_no = appeal_round(candidacy.state)
        if round_no is None or (candidacy.id, round_no) in appealed:
            continue
        deadline = appeal_deadline_of(candidacy, round_no)
        if deadline is None:
            continue
        due = current_reminder(to_utc(deadline), days, to_utc(now))
        if due is None:
            continue
        key = f"remind-appeal.{candidacy.id}.{round_no}.{_stamp(deadline)}.{due}d"
        sent += _remind(key, now, applicants.get(candidacy.organisation_id, []),
                        N_("Herinnering: de termijn voor een weerwoord loopt af"),
                        "reminder_appeal",
                        external_url("applicant.candidacy", candidacy_id=candidacy.id),
                        candidacy=candidacy, deadline=format_brussels(deadline))
    return sent


def score_reminders(now: datetime, hour: int) -> int:
    """Daily, to each jury member with own scores missing for what the jury can score now."""
    day = daily_reminder_day(to_utc(now), BRUSSELS, hour)
    if day is None:
        return 0
    sent = 0
    for (user_id, procedure_id, round_no), candidacies in sorted(
            missing_scores().items(), key=lambda item: item[0]):
        user = db.session.get(User, user_id)
        procedure = db.session.get(Procedure, procedure_id)
        if user is None or procedure is None:
            continue
        key = f"remind-scores.{procedure_id}.{round_no}.{user_id}.{day.isoformat()}"
        sent += _remind(key, now, [user], N_("Herinnering: er wachten nog scores van u"),
                        "reminder_scores", external_url("jury.dashboard"), procedure=procedure,
                        round_no=round_no, count=len(candidacies),
                        names=[c.organisation.name for c in candidacies])
    return sent


def digests(now: datetime, hour: int) -> int:
    """Daily, from ``hour``: the overview of each person who chose one and has notifications
    kept for it (once a day: the key names the person and the day)."""
    day = daily_reminder_day(to_utc(now), BRUSSELS, hour)
    if day is None:
        return 0
    pending = db.session.scalars(select(DigestItem).where(DigestItem.sent_at.is_(None))
                                 .order_by(DigestItem.user_id, DigestItem.id)).all()
    by_user: dict[int, list[DigestItem]] = defaultdict(list)
    for item in pending:
        by_user[item.user_id].append(item)
    sent = 0
    for user_id, items in by_user.items():
        user = db.session.get(User, user_id)
        if user is None:
            continue
        sent += int(queue_once(f"digest.{user_id}.{day.isoformat()}", now,
                               partial(_digest, user, items, now, day.isoformat())))
    return sent


def _digest(user: User, items: list[DigestItem], now: datetime,
            day: str) -> list[OutboxMessage]:
    return [digest_mail(user, items, now=now, day=day)]


def send_reminders(now: datetime, config: dict | None = None) -> dict[str, int]:
    """Queue every reminder due at ``now`` that was not queued before, and commit.
    Returns how many of each kind were queued now."""
    config = config or current_app.config
    counts = {
        "candidacy": candidacy_reminders(now, parse_days(config["REMINDER_CANDIDACY_DAYS"])),
        "appeal": appeal_reminders(now, parse_days(config["REMINDER_APPEAL_DAYS"])),
        "scores": score_reminders(now, int(config["REMINDER_HOUR"])),
    }
    counts["digests"] = digests(now, int(config["REMINDER_HOUR"]))  # after the reminders
    db.session.commit()
    if any(counts.values()):
        log.info("reminders queued: %s", counts)
    return counts
