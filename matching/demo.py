"""A realistic Dutch demo, built only through the operations (``flask --app matching demo``).

Three work areas, each in another stage of the procedure:

* **Regio Kortrijk** (West-Vlaanderen) is decided: a conflict of interest, an undecided and
  a decided ballot, an appeal reversed after round 1 (that candidacy then pitches too), an
  appeal confirmed after round 2 by a split panel, and a noodprocedure in step 4 concluded
  with a motivated ranking.
* **Waasland** (Oost-Vlaanderen) is in round 2: some pitches held and scored (one by
  ballot), some planned in the future, an appeal confirmed and one still under review.
* **Regio Turnhout** (Antwerpen) is published: candidacies open until a deadline in the
  future, drafts and submitted candidacies, a second version of the addendum.

Every step is taken on a clock that walks forward per work area and never passes ``today``;
only deadlines, pitch moments and dates of the addendum lie in the future. The data (names,
texts) live in :mod:`matching.demo_data`. Nothing here commits: the caller does.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from appeals import operations as appeal_ops
from appeals.models import Appeal
from appeals.rules import Position
from juries import emergency as emergency_ops
from juries import operations as jury_ops
from juries.rules import Criterion
from matching import demo_data as data
from matching import operations as ops
from matching.candidacy_rules import Declaration, OrganisationKind
from matching.extensions import db
from matching.models.accounts import Role, RoleGrant, User
from matching.models.candidacies import Candidacy
from matching.models.organisations import Organisation
from matching.ratification import answer_observation, record_observation
from matching.rules import BRUSSELS, UTC, to_utc
from workareas import operations as area_ops
from workareas.models import Procedure, WorkArea

CC, FP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP


def brussels(today: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """``days`` calendar days from today (negative: ago), at hour:minute Brussels time."""
    day = today.astimezone(BRUSSELS).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), tzinfo=BRUSSELS).astimezone(UTC)


class Clock:
    """The clock of one work area's story: it only moves forward, and never beyond today."""

    def __init__(self, today: datetime):
        self.today, self.now = today, None

    def to(self, instant: datetime) -> datetime:
        if instant > self.today or (self.now is not None and instant < self.now):
            raise ValueError(f"demo clock cannot go from {self.now} to {instant} "
                             f"(today: {self.today})")
        self.now = instant
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
        user = ops.create_user(data.email(local), name, data.PASSWORD, actor=self.admin, now=now)
        db.session.flush()
        ops.grant_role(user, role, actor=self.admin, now=now, **scope)
        self.users[local] = user
        return user

    def setup(self, now: datetime) -> None:
        """Europa WSE's administrator and observer, the matchmakers, every organisation."""
        name, local = data.ADMIN
        self.admin = ops.create_user(data.email(local), name, data.PASSWORD, actor=None, now=now)
        # The first administrator cannot be granted by an administrator (tests/support.py).
        self.admin.grants.append(RoleGrant(role=Role.ADMINISTRATOR, granted_at=now))
        self.observer = self.person(data.OBSERVER, Role.OBSERVER, now)
        for area in data.AREAS.values():
            for member, _, _ in area["jury"]:
                self.person(member, Role.MATCHMAKER, now)
        for member in data.APPEAL_MATCHMAKERS:
            self.person(member, Role.APPEAL_MATCHMAKER, now)
        register = ops.register_organisation
        name, form, number = data.VDAB
        register(name, number, form, OrganisationKind.VDAB, actor=self.admin, now=now)
        for key, area in data.AREAS.items():
            self.governments[key] = [
                register(n, number, form, OrganisationKind.LOCAL_GOVERNMENT, actor=self.admin,
                         now=now) for n, form, number in area["governments"]]
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
        jury_ops.compose_jury(proc, members, actor=self.coordinators[key], now=clock.now)

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
        answers = {k: v.format(**fill) for k, v in data.ANSWERS.items()}
        if not complete:  # a draft in progress: the first criterion only
            answers = {k: v for k, v in answers.items() if k.startswith(CC.value)}
        return {
            "contributions": {c.code: data.CONTRIBUTION.format(
                activity=activity, objective=c.objectives[0].lower() + c.objectives[1:])
                for c in chosen},
            "answers": answers,
            "partnership_fit": data.PARTNERSHIP_FIT if complete else "",
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
            c = ops.start_candidacy(proc, self.orgs[key], actor=who, now=clock.now)
            ops.save_candidacy(c, actor=who, now=clock.later(minutes=40),
                               **self.content(key, proc, complete=key not in partial))
            candidacies[key] = c
        for i, key in enumerate(submitted):
            clock.day(submit_day + i // 4, 10 + 2 * (i % 4))
            ops.submit_candidacy(candidacies[key], actor=self.applicants[key], now=clock.now)
        return candidacies

    def withdraw(self, c: Candidacy, key: str, now: datetime) -> None:
        ops.withdraw_candidacy(c, data.WITHDRAWALS[key], actor=self.applicants[key], now=now)

    def close_and_start(self, key: str, proc: Procedure, c: dict, inadmissible: str,
                        clock: Clock, day: int) -> None:
        """After the deadline: close the intake, refuse one candidacy, start round 1."""
        coordinator = self.coordinators[key]
        area_ops.close_candidacies(proc, actor=coordinator, now=clock.day(day, 9))
        ops.declare_inadmissible(c[inadmissible], data.INADMISSIBLE[inadmissible],
                                 actor=coordinator, now=clock.day(day, 10))
        jury_ops.start_round_1(proc, actor=coordinator, now=clock.day(day, 11))

    # --- the jury -------------------------------------------------------------------------

    def motivation(self, criterion: Criterion, score: int, round_no: int) -> str:
        text = data.MOTIVATIONS[criterion][score]
        return f"Na het matchingsgesprek: {text}" if round_no == 2 else text

    def assess(self, c: Candidacy, round_no: int, criterion: Criterion,
               scores: dict[str, int], clock: Clock) -> None:
        for local, score in scores.items():
            jury_ops.record_assessment(c, round_no, criterion, score, data.NOTES[score],
                                       actor=self.users[local], now=clock.later(minutes=3))

    def consensus(self, c: Candidacy, round_no: int, scores: tuple[int, ...], clock: Clock,
                  criteria: tuple[Criterion, ...] = (CC, FP)) -> None:
        """Every matchmaker without a conflict gives the same score; the jury records it."""
        members = [m.user for m in jury_ops.eligible_members(c)]
        for criterion, score in zip(criteria, scores):
            self.assess(c, round_no, criterion,
                        {data.mailbox(u.name): score for u in members}, clock)
            jury_ops.record_consensus(c, round_no, criterion, score,
                                      self.motivation(criterion, score, round_no),
                                      actor=members[0], now=clock.later(minutes=5))
        clock.later(minutes=15)

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
            motivation = data.BALLOT_MOTIVATION.format(
                motivation=self.motivation(criterion, decided, round_no))
        decision = jury_ops.close_ballot(ballot, motivation, actor=chair,
                                         now=clock.later(minutes=5))
        if (decision.score if decision else None) != decided:
            raise RuntimeError(f"demo ballot on {c.reference} did not end in {decided}")

    def close_round(self, key: str, proc: Procedure, round_no: int, clock: Clock,
                    decided: list[Candidacy]) -> None:
        """Close the round; the next morning the decision e-mails are received."""
        jury_ops.close_round(proc, round_no, actor=self.coordinators[key], now=clock.now)
        received = clock.later(hours=18)
        for c in decided:
            ops.record_decision_received(c, round_no, received, actor=None, now=received)

    def plan(self, key: str, c: Candidacy, proc: Procedure, slot: int, clock: Clock) -> None:
        jury_ops.plan_pitch(c, proc.pitch_slots[slot], actor=self.coordinators[key],
                            now=clock.later(minutes=10))

    def pitch(self, key: str, c: Candidacy, clock: Clock) -> None:
        clock.to(jury_ops.pitch_of(c).slot.starts_at + timedelta(minutes=50))
        jury_ops.record_pitch_held(c, data.PITCH_REPORT.format(name=c.organisation.name),
                                   actor=self.coordinators[key], now=clock.now)

    # --- appeals --------------------------------------------------------------------------

    def appeal(self, key: str, c: Candidacy, clock: Clock, file_day: int, panel_day: int) -> Appeal:
        text = data.APPEALS[self.key_of(c)]
        appeal = appeal_ops.file_appeal(c, text["grounds"], text["documents"],
                                        actor=self.applicants[self.key_of(c)],
                                        now=clock.day(file_day, 15))
        panel = [self.users[local] for local, _, _ in text["panel"]]
        appeal_ops.assign_panel(appeal, panel, actor=self.coordinators[key],
                                now=clock.day(panel_day, 9))
        return appeal

    def position(self, appeal: Appeal, member: int, clock: Clock, day: int) -> None:
        local, position, motivation = data.APPEALS[self.key_of(appeal.candidacy)]["panel"][member]
        appeal_ops.record_position(appeal, Position(position), motivation,
                                   actor=self.users[local], now=clock.day(day, 14))

    def key_of(self, c: Candidacy) -> str:
        return next(k for k, o in self.orgs.items() if o.id == c.organisation_id)


# --- the three scenarios --------------------------------------------------------------------

def kortrijk(d: Demo) -> None:
    """Decided; appeals after both rounds; a noodprocedure in step 4 (about 30 weeks)."""
    clock, key = Clock(d.today), "kortrijk"
    proc = d.procedure(key, clock, publish_day=-210, deadline_day=-161,
                       slots=[(-133 + i // 2, (10, 14)[i % 2]) for i in range(10)],
                       decision_day=-122, start_day=28)
    clock.day(-205)
    d.compose_jury(key, proc, clock)
    c = d.intake(proc, clock, start_day=-200, submit_day=-170, drafts=["dewieg"], submitted=[
        "leiebrug", "taalpunt", "mentaal", "schuldhulp", "jobcoachplus", "ervaringwest", "spoor",
        "digitaalmee", "jobhuis", "vlasland", "mobielplus", "dekuip", "brugwerk", "tweedekans",
        "groeningeveld"])
    d.withdraw(c["dekuip"], "dekuip", clock.day(-165))
    d.close_and_start(key, proc, c, "mobielplus", clock, day=-160)
    matchmaker, conflicted, reason = data.CONFLICT
    jury_ops.declare_conflict(c[conflicted], reason, actor=d.users[matchmaker],
                              now=clock.day(-159))

    round_1 = {"leiebrug": (4, 3), "taalpunt": (4, 4), "schuldhulp": (3, 3),
               "jobcoachplus": (3, 3), "ervaringwest": (2, 3), "spoor": (2, 2),
               "digitaalmee": (1, 2), "jobhuis": (2, 3), "vlasland": (3, 2), "brugwerk": (3, 4),
               "tweedekans": (2, 2), "groeningeveld": (2, 3)}
    clock.day(-152, 9)
    for k, scores in round_1.items():
        d.consensus(c[k], 1, scores, clock)
    # Mentaal Vooruit: no consensus; a first ballot decides nothing, a second one does.
    clock.day(-147, 14)
    d.assess(c["mentaal"], 1, CC, {"annelies.verhaeghe": 3, "koen.desmet": 2,
                                   "griet.vandenbulcke": 2, "hilde.maes": 4}, clock)
    d.ballot(c["mentaal"], 1, CC, {"annelies.verhaeghe": 3, "griet.vandenbulcke": 2,
                                   "hilde.maes": 4}, clock)
    clock.day(-146, 10)
    d.ballot(c["mentaal"], 1, CC, {"annelies.verhaeghe": 3, "griet.vandenbulcke": 3,
                                   "hilde.maes": 4}, clock, decided=3)
    d.consensus(c["mentaal"], 1, (3,), clock, criteria=(FP,))
    clock.day(-145, 16)
    d.close_round(key, proc, 1, clock, [c[k] for k in [*round_1, "mentaal"]])

    pitching = ["leiebrug", "taalpunt", "mentaal", "schuldhulp", "jobcoachplus", "brugwerk"]
    clock.day(-143)
    for slot, k in enumerate(pitching):
        d.plan(key, c[k], proc, slot, clock)
    appeal = d.appeal(key, c["ervaringwest"], clock, file_day=-138, panel_day=-137)
    d.position(appeal, 0, clock, -135)
    d.position(appeal, 1, clock, -134)  # both reverse: selected for a pitch after all
    d.plan(key, c["ervaringwest"], proc, 9, clock)
    for k in [*pitching, "ervaringwest"]:
        d.pitch(key, c[k], clock)

    round_2 = {"leiebrug": (4, 4), "taalpunt": (4, 3), "mentaal": (3, 3), "schuldhulp": (3, 4),
               "jobcoachplus": (2, 3), "brugwerk": (3, 2), "ervaringwest": (3, 3)}
    clock.day(-126, 9)
    for k, scores in round_2.items():
        d.consensus(c[k], 2, scores, clock)
    clock.day(-124, 16)
    d.close_round(key, proc, 2, clock, [c[k] for k in round_2])
    appeal = d.appeal(key, c["jobcoachplus"], clock, file_day=-115, panel_day=-114)
    d.position(appeal, 0, clock, -110)
    d.position(appeal, 1, clock, -108)  # split panel: the non-selection is confirmed

    # Step 4: the partnership cannot assign roles; VDAB and the local government step in.
    vdab, lokaal = d.users["annelies.verhaeghe"], d.users["griet.vandenbulcke"]
    emergency = emergency_ops.start_emergency(proc, data.EMERGENCY_MOTIVATION, actor=vdab,
                                              now=clock.day(-21))
    rescored = {"leiebrug": (4, 4), "taalpunt": (4, 3), "mentaal": (3, 2), "schuldhulp": (3, 3),
                "ervaringwest": (3, 4)}
    for day, scorer in ((-18, vdab), (-17, lokaal)):
        clock.day(day, 9)
        for k, scores in rescored.items():
            for criterion, score in zip((CC, FP), scores):
                emergency_ops.record_emergency_score(
                    emergency, c[k], criterion, score,
                    data.EMERGENCY_SCORE_MOTIVATIONS[criterion][score], actor=scorer,
                    now=clock.later(minutes=10))
    ranking = [c[k] for k in ("leiebrug", "taalpunt", "ervaringwest", "schuldhulp")]
    emergency_ops.conclude_emergency(emergency, ranking, data.EMERGENCY_RANKING, actor=lokaal,
                                     now=clock.day(-14))


def waasland(d: Demo) -> None:
    """In round 2: pitches held and planned, one appeal confirmed, one under review."""
    clock, key = Clock(d.today), "waasland"
    past, future = [(-21, 10), (-21, 14), (-20, 10), (-20, 14)], [(4, 10), (4, 14), (5, 10)]
    proc = d.procedure(key, clock, publish_day=-112, deadline_day=-63, slots=past + future,
                       decision_day=21, start_day=150)
    clock.day(-108)
    d.compose_jury(key, proc, clock)
    c = d.intake(proc, clock, start_day=-105, submit_day=-70, drafts=["polder"], submitted=[
        "werkwinkel", "reynaert", "gezondslag", "vlasbloem", "taalwerkwaas", "sportiefsterk",
        "woonkans", "scheldezorg", "pollepel", "herstelwaas", "transitiepunt", "jobcoachplus",
        "steunpuntwg"])
    d.close_and_start(key, proc, c, "herstelwaas", clock, day=-62)

    round_1 = {"werkwinkel": (4, 3), "reynaert": (3, 3), "gezondslag": (3, 4),
               "vlasbloem": (3, 3), "taalwerkwaas": (4, 4), "sportiefsterk": (2, 3),
               "woonkans": (2, 2), "scheldezorg": (1, 2), "transitiepunt": (3, 3),
               "jobcoachplus": (2, 2), "steunpuntwg": (3, 3)}
    clock.day(-55, 9)
    for k, scores in round_1.items():
        d.consensus(c[k], 1, scores, clock)
    # De Pollepel: the two local-government matchmakers differ; their bloc casts one vote.
    clock.day(-51, 10)
    d.assess(c["pollepel"], 1, CC, {"bart.vangoethem": 2, "els.verstraeten": 2,
                                    "wim.debock": 3, "nadia.elamrani": 3}, clock)
    d.ballot(c["pollepel"], 1, CC, {"bart.vangoethem": 2, "els.verstraeten": 2,
                                    "nadia.elamrani": 3}, clock, decided=2)
    d.consensus(c["pollepel"], 1, (3,), clock, criteria=(FP,))
    clock.day(-48, 16)
    d.close_round(key, proc, 1, clock, [c[k] for k in [*round_1, "pollepel"]])

    clock.day(-46)
    for k, slot in (("werkwinkel", 0), ("reynaert", 1), ("gezondslag", 2), ("taalwerkwaas", 4),
                    ("vlasbloem", 5), ("steunpuntwg", 6)):
        d.plan(key, c[k], proc, slot, clock)
    confirmed = d.appeal(key, c["woonkans"], clock, file_day=-44, panel_day=-43)
    pending = d.appeal(key, c["sportiefsterk"], clock, file_day=-40, panel_day=-38)
    d.position(confirmed, 0, clock, -36)
    d.position(confirmed, 1, clock, -35)
    d.position(pending, 0, clock, -30)  # the second panel member has not decided yet
    d.withdraw(c["transitiepunt"], "transitiepunt", clock.day(-25))
    for k in ("werkwinkel", "reynaert", "gezondslag"):
        d.pitch(key, c[k], clock)
    clock.day(-14, 9)
    d.consensus(c["werkwinkel"], 2, (4, 3), clock)
    clock.day(-13, 9)
    d.assess(c["reynaert"], 2, CC, {"bart.vangoethem": 3, "els.verstraeten": 3,
                                    "wim.debock": 2, "nadia.elamrani": 2}, clock)
    d.ballot(c["reynaert"], 2, CC, {"bart.vangoethem": 3, "wim.debock": 3,
                                    "nadia.elamrani": 2}, clock, decided=3)
    d.consensus(c["reynaert"], 2, (3,), clock, criteria=(FP,))
    # Europa WSE asks about the appeal still under review; the coordinator answers.
    observation = record_observation(
        proc, 6, "Het weerwoord van Sportief Sterk loopt al lang: wanneer beslist het tweede "
        "panellid?", actor=d.observer, now=clock.day(-10, 11))
    answer_observation(observation, "Het tweede panellid is met verlof; zijn standpunt volgt "
                       "na zijn terugkeer, ruim voor de beslissing van ronde 2.",
                       actor=d.coordinators[key], now=clock.day(-9, 15))


def turnhout(d: Demo) -> None:
    """Published, open for candidacies until a deadline five weeks from today."""
    clock, key = Clock(d.today), "turnhout"
    proc = d.procedure(key, clock, publish_day=-21, deadline_day=35,
                       slots=[(49, 10), (49, 14), (50, 10), (50, 14), (51, 10)],
                       decision_day=70, start_day=180)
    c = d.intake(proc, clock, start_day=-19, submit_day=-12, submitted=[
        "arbeidsatelier", "groenevingers", "debrug", "budgetwijzer", "klaverblad",
        "noorderkempen", "ervaringkempen", "brugwerk", "speelnest"],
        drafts=["jongerenpunt", "opwielen", "digipunt", "talentwerk", "steunpuntwg"],
        partial=["digipunt", "talentwerk"])
    content = area_ops.version_content(proc.current_version)
    tom = data.AREAS[key]["jury"][0][0]
    content["contacts"][1].update(name=tom, email=data.email(data.mailbox(tom)))
    content["challenges"][1]["objectives"] += (" Doorstroom betekent: minstens zes maanden "
                                               "betaald werk.")
    area_ops.publish_new_version(proc, content, data.NEW_VERSION_NOTE,
                                 actor=d.coordinators[key], now=clock.day(-9))
    clock.day(-7)
    d.compose_jury(key, proc, clock)
    d.withdraw(c["speelnest"], "speelnest", clock.day(-5))


def load_demo(today: datetime | None = None) -> dict[str, int]:
    """Fill the database with the demo, dated relative to ``today`` (default: now, UTC).

    Only through the operations; flushes, never commits. Meant for an empty database
    (``--if-empty``): the summary counts the rows in the database afterwards.
    """
    today = to_utc(today or datetime.now(UTC))
    demo = Demo(today)
    demo.setup(Clock(today).day(-230, 9))
    kortrijk(demo)
    waasland(demo)
    turnhout(demo)
    db.session.flush()
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    return {"werkingsgebieden": count(WorkArea), "organisaties": count(Organisation),
            "kandidaturen": count(Candidacy), "gebruikers": count(User),
            "weerwoorden": count(Appeal)}
