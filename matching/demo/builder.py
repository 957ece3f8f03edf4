"""The demo's clock and its builder: people, organisations and procedures through the real
operations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import Position
from juries import operations as jury_ops
from juries import queries as jury_queries
from juries import round_operations as round_ops
from juries.models import PendingConsensus
from matching.accounts import operations as account_ops
from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.municipalities import by_name
from matching.accounts.rules import OrganisationKind, Role, second_factor_required
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import Criterion, Declaration
from matching.core.dates import BRUSSELS, UTC
from matching.core.db import db
from matching.demo import data, texts
from workareas import operations as area_ops
from workareas.models import Procedure

CC, FP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP


def brussels(today: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """``days`` calendar days from today (negative: ago), at hour:minute Brussels time."""
    day = today.astimezone(BRUSSELS).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS).astimezone(UTC)


class Clock:
    """The clock of one work area's story: it only moves forward, and never beyond today."""

    def __init__(self, today: datetime):
        self.today = today
        self._now: datetime | None = None  # until the story's first step

    @property
    def now(self) -> datetime:
        """The instant of the story's latest step (set by :meth:`to` and :meth:`day`)."""
        if self._now is None:
            raise RuntimeError("the demo clock has not started: move it with day() or to()")
        return self._now

    def to(self, instant: datetime) -> datetime:
        if instant > self.today or (self._now is not None and instant < self._now):
            raise ValueError(f"demo clock cannot go from {self._now} to {instant} "
                             f"(today: {self.today})")
        self._now = instant
        return instant

    def day(self, days: int, hour: int = 10, minute: int = 0) -> datetime:
        return self.to(brussels(self.today, days, hour, minute))

    def later(self, **delta: float) -> datetime:
        return self.to(self.now + timedelta(**delta))


class Demo:
    def __init__(self, today: datetime):
        self.today = today
        self.users: dict[str, User] = {}  # by mailbox, e.g. "koen.desmet"
        self.orgs: dict[str, Organisation] = {}  # by key of data.ORGANISATIONS
        self.applicants: dict[str, User] = {}
        self.governments: dict[str, list[Organisation]] = {}
        self.coordinators: dict[str, User] = {}

    # --- people and organisations ---------------------------------------------------------

    def person(self, name: str, role: Role, now: datetime, **scope: int) -> User:
        local = data.mailbox(name)
        user = account_ops.create_user(data.email(local), name, data.PASSWORD, actor=self.admin,
                                       now=now)
        db.session.flush()
        account_ops.grant_role(user, role, actor=self.admin, now=now, **scope)
        self.second_factor(user, role, now)
        self.users[local] = user
        return user

    @staticmethod
    def second_factor(user: User, role: Role, now: datetime) -> None:
        """The demo's known second factor (``data.TOTP_SECRET``), enrolled, for the roles
        that need one, so the demo can be tried with any authenticator app."""
        if second_factor_required([role]) and user.totp_confirmed_at is None:
            user.totp_secret, user.totp_confirmed_at = data.TOTP_SECRET, now

    def setup(self, now: datetime) -> None:
        """Europa WSE's administrator and observer, the matchmakers, every organisation."""
        name, local = data.ADMIN
        self.admin = account_ops.create_user(data.email(local), name, data.PASSWORD, actor=None,
                                             now=now)
        # The first administrator cannot be granted by an administrator (tests/support.py).
        self.admin.grants.append(RoleGrant(role=Role.ADMINISTRATOR, granted_at=now))
        self.second_factor(self.admin, Role.ADMINISTRATOR, now)
        self.observer = self.person(data.OBSERVER, Role.OBSERVER, now)
        for area in data.AREAS.values():
            for member, _, _ in area["jury"]:
                if data.mailbox(member) not in self.users:  # on more than one jury
                    self.person(member, Role.MATCHMAKER, now)
        for member in data.APPEAL_MATCHMAKERS:
            self.person(member, Role.APPEAL_MATCHMAKER, now)
        register = account_ops.register_organisation
        name, form, number = data.VDAB
        register(name, number, form, OrganisationKind.VDAB, actor=self.admin, now=now)
        for key, area in data.AREAS.items():
            self.governments[key] = [
                register(n, number, form, _government_kind(n), actor=self.admin, now=now,
                         seat_nis_code=_seat(n)) for n, form, number in area["governments"]]
        for key, (name, form, number, contact, _) in data.ORGANISATIONS.items():
            kind = (OrganisationKind.LOCAL_GOVERNMENT if key in data.LOCAL_GOVERNMENT_CANDIDATES
                    else OrganisationKind.OTHER)
            org = register(name, number, form, kind, actor=self.admin, now=now,
                           email=data.email(data.mailbox(contact)))
            db.session.flush()
            self.orgs[key] = org
            self.applicants[key] = self.person(contact, Role.APPLICANT, now,
                                               organisation_id=org.id)

    # --- work area, addendum and jury -----------------------------------------------------

    def addendum(self, key: str, deadline: datetime, decision_day: int, start_day: int) -> dict:
        area = data.AREAS[key]
        contacts = [area["coordinator"], area["second_contact"]]
        return {
            "delimitation": area["delimitation"],
            "needs": [{"title": t, "description": "", "motivation": m} for t, m in area["needs"]],
            "challenges": [{"code": f"RU{i}", "title": c[0], "target_groups": c[1],
                            "obstacles": c[2], "opportunities": c[3], "objectives": c[4]}
                           for i, c in enumerate(area["challenges"], 1)],
            "contacts": [{"name": n, "organisation": o, "phone": p,
                          "email": data.email(data.mailbox(n))} for n, o, p in contacts],
            "candidacy_deadline": deadline,
            "expected_decision_date": brussels(self.today, decision_day, 12).date(),
            "partnership_start_date": brussels(self.today, start_day, 12).date(),
        }

    def procedure(self, key: str, clock: Clock, publish_day: int, deadline_day: int,
                  slots: list[tuple[int, int]], decision_day: int, start_day: int) -> Procedure:
        """The admin creates the work area; its coordinator drafts the addendum with its
        pitch moments (``slots``: (day, hour)) and publishes it on ``publish_day``."""
        area = data.AREAS[key]
        clock.day(publish_day - 7, 9)
        work_area = area_ops.create_work_area(area["name"], area["province"],
                                              area["municipalities"], self.governments[key],
                                              actor=self.admin, now=clock.now)
        db.session.flush()
        coordinator = self.person(area["coordinator"][0], Role.COORDINATOR, clock.now,
                                  work_area_id=work_area.id)
        self.coordinators[key] = coordinator
        clock.day(publish_day - 5)
        area_ops.set_letter_sender(work_area, *area["sender"], actor=coordinator, now=clock.now)
        clock.day(publish_day - 4)
        year = clock.now.astimezone(BRUSSELS).year
        proc = area_ops.create_procedure(work_area, f"Matching {area['name']} {year}",
                                         actor=coordinator, now=clock.now)
        deadline = brussels(self.today, deadline_day, 12)
        area_ops.edit_draft_addendum(proc, self.addendum(key, deadline, decision_day, start_day),
                                     actor=coordinator, now=clock.now)
        for day, hour in slots:
            start = brussels(self.today, day, hour)
            area_ops.add_pitch_slot(proc, start, start + timedelta(minutes=45), area["location"],
                                    actor=coordinator, now=clock.now)
        clock.day(publish_day)
        area_ops.publish_addendum(proc, actor=coordinator, now=clock.now)
        return proc

    def compose_jury(self, key: str, proc: Procedure, clock: Clock) -> None:
        members = [(self.users[data.mailbox(n)], bloc, affiliation)
                   for n, bloc, affiliation in data.AREAS[key]["jury"]]
        # The first member (VDAB) chairs the jury and records its consensus (issue 13).
        jury_ops.compose_jury(proc, members, actor=self.coordinators[key], now=clock.now,
                              chair=members[0][0])

    # --- candidacies ----------------------------------------------------------------------

    def content(self, key: str, proc: Procedure, complete: bool) -> dict:
        n = list(data.ORGANISATIONS).index(key)
        activity = data.ORGANISATIONS[key][4]
        challenges = proc.current_version.challenges
        chosen = [challenges[n % len(challenges)]]
        if n % 3 == 0:
            chosen.append(challenges[(n + 1) % len(challenges)])
        towns = [m.name for m in proc.work_area.municipalities]
        places = f"{towns[n % len(towns)]}, {towns[(n + 2) % len(towns)]} en omliggende gemeenten"
        fill = {"activity": activity, "staff": 3 + n % 9, "reached": 40 + n * 7 % 120,
                "places": places}
        answers = {k: v.format(**fill) for k, v in texts.ANSWERS.items()}
        if not complete:  # a draft in progress: the first criterion only
            answers = {k: v for k, v in answers.items() if k.startswith(CC.value)}
        return {
            "contributions": {c.code: texts.CONTRIBUTION.format(
                activity=activity, objective=c.objectives[0].lower() + c.objectives[1:])
                for c in chosen},
            "answers": answers,
            "partnership_fit": texts.PARTNERSHIP_FIT if complete else "",
            "declarations": {d: complete or d == Declaration.INDIVIDUAL for d in Declaration},
        }

    def intake(self, proc: Procedure, clock: Clock, start_day: int, submit_day: int,
               submitted: Sequence[str], drafts: Sequence[str] = (),
               partial: Sequence[str] = ()) -> dict[str, Candidacy]:
        """Applicants start (three a day) and later submit (four a day) their candidacies."""
        candidacies = {}
        for i, key in enumerate([*submitted, *drafts]):
            clock.day(start_day + i // 3, 9 + 2 * (i % 3))
            who = self.applicants[key]
            c = candidacy_ops.start_candidacy(proc, self.orgs[key], actor=who, now=clock.now)
            candidacy_ops.save_candidacy(c, actor=who, now=clock.later(minutes=40),
                               **self.content(key, proc, complete=key not in partial))
            candidacies[key] = c
        for i, key in enumerate(submitted):
            clock.day(submit_day + i // 4, 10 + 2 * (i % 4))
            candidacy_ops.submit_candidacy(candidacies[key], actor=self.applicants[key],
                                           now=clock.now)
        return candidacies

    def withdraw(self, c: Candidacy, key: str, now: datetime) -> None:
        candidacy_ops.withdraw_candidacy(c, texts.WITHDRAWALS[key], actor=self.applicants[key],
                                         now=now)

    def close_and_start(self, key: str, proc: Procedure, c: dict, inadmissible: str,
                        clock: Clock, day: int) -> None:
        """After the deadline: close the intake, refuse one candidacy, start round 1."""
        coordinator = self.coordinators[key]
        candidacy_ops.close_candidacies(proc, actor=coordinator, now=clock.day(day, 9))
        candidacy_ops.declare_inadmissible(c[inadmissible], texts.INADMISSIBLE[inadmissible],
                                 actor=coordinator, now=clock.day(day, 10))
        # its letter is received within the minute: the appeal window runs (R-APP-1)
        received = clock.later(minutes=1)
        candidacy_ops.record_decision_received(c[inadmissible], 0, received, actor=None,
                                               now=received)
        round_ops.start_round_1(proc, actor=coordinator, now=clock.day(day, 11))

    # --- the jury -------------------------------------------------------------------------

    def motivation(self, criterion: Criterion, score: int, round_no: int) -> str:
        text = texts.MOTIVATIONS[criterion][score]
        return f"Na het matchingsgesprek: {text}" if round_no == 2 else text

    def assess(self, c: Candidacy, round_no: int, criterion: Criterion,
               scores: dict[str, int], clock: Clock) -> None:
        for local, score in scores.items():
            jury_ops.record_assessment(c, round_no, criterion, score, texts.NOTES[score],
                                       actor=self.users[local], now=clock.later(minutes=3))

    def consensus(self, c: Candidacy, round_no: int, scores: tuple[int, ...], clock: Clock,
                  criteria: tuple[Criterion, ...] = (CC, FP)) -> None:
        """Every matchmaker without a conflict gives the same score; the jury records it:
        its chair, or (the chair has a conflict) another member, confirmed by a member of
        another organisation (issue 13)."""
        seats = jury_queries.eligible_members(c)
        recorder = next((m for m in seats if m.chair), seats[0])
        for criterion, score in zip(criteria, scores, strict=True):
            self.assess(c, round_no, criterion,
                        {data.mailbox(m.user.name): score for m in seats}, clock)
            result = jury_ops.record_consensus(c, round_no, criterion, score,
                                               self.motivation(criterion, score, round_no),
                                               actor=recorder.user, now=clock.later(minutes=5))
            if isinstance(result, PendingConsensus):
                confirmer = next(m for m in seats if m.bloc != recorder.bloc)
                jury_ops.confirm_consensus(result, actor=confirmer.user,
                                           now=clock.later(minutes=5))
        clock.later(minutes=15)

    def pending_consensus(self, c: Candidacy, round_no: int, criterion: Criterion, score: int,
                          recorder: str, clock: Clock) -> PendingConsensus:
        """A member who is not the chair records the consensus: it awaits the confirmation
        of a member of another organisation (their task lists show it)."""
        seats = jury_queries.eligible_members(c)
        self.assess(c, round_no, criterion,
                    {data.mailbox(m.user.name): score for m in seats}, clock)
        result = jury_ops.record_consensus(c, round_no, criterion, score,
                                           self.motivation(criterion, score, round_no),
                                           actor=self.users[recorder],
                                           now=clock.later(minutes=5))
        if not isinstance(result, PendingConsensus):
            raise RuntimeError(f"demo consensus on {c.reference} did not await confirmation")
        return result

    def ballot(self, c: Candidacy, round_no: int, criterion: Criterion, votes: dict[str, int],
               clock: Clock, decided: int | None = None) -> None:
        """One vote per organisation (R-JURY-4); ``decided``: the expected ⅔ outcome."""
        chair = self.users[next(iter(votes))]
        ballot = jury_ops.open_ballot(c, round_no, criterion, actor=chair,
                                      now=clock.later(minutes=5))
        for local, score in votes.items():
            jury_ops.cast_vote(ballot, score, actor=self.users[local], now=clock.later(minutes=2))
        motivation = None
        if decided is not None:
            motivation = texts.BALLOT_MOTIVATION.format(
                motivation=self.motivation(criterion, decided, round_no))
        decision = jury_ops.close_ballot(ballot, motivation, actor=chair,
                                         now=clock.later(minutes=5))
        if (decision.score if decision else None) != decided:
            raise RuntimeError(f"demo ballot on {c.reference} did not end in {decided}")

    def close_round(self, key: str, proc: Procedure, round_no: int, clock: Clock,
                    decided: list[Candidacy]) -> None:
        """Close the round; the next morning the decision e-mails are received."""
        round_ops.close_round(proc, round_no, actor=self.coordinators[key], now=clock.now)
        received = clock.later(hours=18)
        for c in decided:
            candidacy_ops.record_decision_received(c, round_no, received, actor=None, now=received)

    def plan(self, key: str, c: Candidacy, proc: Procedure, slot: int, clock: Clock) -> None:
        round_ops.plan_pitch(c, proc.pitch_slots[slot], actor=self.coordinators[key],
                            now=clock.later(minutes=10))

    def pitch(self, key: str, c: Candidacy, clock: Clock) -> None:
        appointment = jury_queries.pitch_of(c)
        if appointment is None:  # the story plans every pitch it holds
            raise RuntimeError(f"demo pitch of {c.reference} was never planned")
        clock.to(appointment.slot.starts_at + timedelta(minutes=50))
        round_ops.record_pitch_held(c, texts.PITCH_REPORT.format(name=c.organisation.name),
                                   actor=self.coordinators[key], now=clock.now)

    # --- appeals --------------------------------------------------------------------------

    def appeal(self, key: str, c: Candidacy, clock: Clock, file_day: int, panel_day: int) -> Appeal:
        text = texts.APPEALS[self.key_of(c)]
        appeal = appeal_ops.file_appeal(c, text["grounds"], text["documents"],
                                        actor=self.applicants[self.key_of(c)],
                                        now=clock.day(file_day, 15))
        panel = [self.users[local] for local, _, _ in text["panel"]]
        appeal_ops.assign_panel(appeal, panel, actor=self.coordinators[key],
                                now=clock.day(panel_day, 9))
        return appeal

    def position(self, appeal: Appeal, member: int, clock: Clock, day: int) -> None:
        local, position, motivation = texts.APPEALS[self.key_of(appeal.candidacy)]["panel"][member]
        appeal_ops.record_position(appeal, Position(position), motivation,
                                   actor=self.users[local], now=clock.day(day, 14))

    def key_of(self, c: Candidacy) -> str:
        return next(k for k, o in self.orgs.items() if o.id == c.organisation_id)


def _government_kind(name: str) -> OrganisationKind:
    """The kind of a demo local government, from its name ("Stad Kortrijk", "OCMW Temse")."""
    if name.startswith("OCMW "):
        return OrganisationKind.OCMW
    if name.startswith(("Stad ", "Gemeente ")):
        return OrganisationKind.MUNICIPALITY
    return OrganisationKind.LOCAL_GOVERNMENT


def _seat(name: str) -> str | None:
    """The NIS code of the municipality a demo government is named after, if any."""
    place = name.split(" ", 1)[-1].casefold()
    found = by_name().get(place)
    return found.nis_code if found else None
