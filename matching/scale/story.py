"""The story of one work area in the scale dataset (:mod:`matching.scale`): the accounts
shared by every work area, and per work area its set-up (municipalities, governments,
coordinator, jury, procedure and addendum), the intake of its candidacies and the close of
the intake, dated so that the procedure is in its planned state today. The jury's rounds,
pitches and appeals follow in :mod:`matching.scale.rounds`.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from datetime import datetime, time, timedelta
from enum import Enum
from typing import Any

from juries.models import ConflictDeclaration, Jury, JuryMembership
from juries.rules import Bloc
from matching.accounts.models import Organisation
from matching.accounts.rules import OrganisationKind, Role
from matching.audit.models import Transition
from matching.candidacies.models import Answer, Candidacy, Contribution
from matching.candidacies.rules import CandidacyStep, Criterion, appeal_deadline
from matching.core.dates import BRUSSELS, UTC, brussels_date
from matching.demo import texts
from matching.letters.content import LetterKind
from matching.scale.data import (
    ACTIVITIES,
    CHALLENGES,
    CITIES,
    EXPERTISE,
    INADMISSIBLE_REASONS,
    LAPSED,
    LEGAL_FORMS,
    NEEDS,
    ORG_STEMS,
    ORG_TYPES,
    REGIONS,
    WITHDRAWAL_REASONS,
    applicant_email,
    coordinator_email,
    matchmaker_email,
    person,
)
from matching.scale.io import AuditTrail, EnterpriseNumbers, Sink
from matching.scale.letters import LetterSamples
from matching.scale.plan import (
    BLOCS,
    CC,
    PITCHES_FROM,
    SLOT_HOURS,
    AreaPlan,
    C,
    Cand,
    Fate,
    Member,
    P,
    draw_fates,
    plan_appeals,
)
from matching.scale.rounds import Rounds
from matching.scale.staff import Staff
from workareas.models import (
    AddendumVersion,
    ContactPerson,
    LocalNeed,
    Municipality,
    Procedure,
    RegionalChallenge,
    WorkArea,
    WorkAreaGovernment,
)
from workareas.rules import ProcedureStep

# --- one work area's story --------------------------------------------------------------------

class AreaStory(Rounds):
    """The rows of one work area, dated so that the procedure is in its planned state today.

    Its set-up and intake are here; the jury's rounds, pitches and appeals are the methods
    of :class:`matching.scale.rounds.Rounds`.
    """

    def __init__(self, plan: AreaPlan, per_area: int, seed: int, now: datetime, sink: Sink,
                 trail: AuditTrail, staff: Staff, samples: LetterSamples,
                 numbers: EnterpriseNumbers):
        self.plan, self.n, self.now = plan, per_area, now
        self.sink, self.trail, self.staff, self.samples, self.numbers = (
            sink, trail, staff, samples, numbers)
        self.rng = random.Random(f"{seed}:{plan.number}")
        self.region, self.province, self.towns = REGIONS[(plan.number - 1) % len(REGIONS)]
        self.area_name = f"Werkingsgebied {plan.number:03d} – {self.region}"
        self.fates = draw_fates(self.rng, per_area)
        plan_appeals(self.rng, self.fates, plan.state, plan.defect)
        self.defect_applied = False
        self.defective: Cand | None = None  # the candidacy whose letter a defect spoils
        self.cands: list[Cand] = []
        self.slots: list[dict] = []
        self.deadline_day = self.rng.randint(42, 56)
        self.p_date = brussels_date(now) - timedelta(days=self.days_before_today())

    # --- time -------------------------------------------------------------------------------

    def days_before_today(self) -> int:
        """How long ago the addendum was published, so that today falls in the planned stage."""
        d, state = self.deadline_day, self.plan.state
        if state == P.PUBLISHED:
            return self.rng.randint(18, 35)
        if state == P.ROUND_1:
            return d + 1 + self.rng.randint(4, 8)
        # Calendar days of pitches: seven a weekday.
        pitch_days = math.ceil(math.ceil(sum(f.pitches for f in self.fates) / len(SLOT_HOURS))
                               * 7 / 5)
        if state == P.ROUND_2:  # halfway the pitches; the round-1 appeals are all filed
            return d + PITCHES_FROM + max(2, pitch_days // 2)
        # After the last pitch (a reversal's may come later), round 2 closes and its appeal
        # windows close too.
        return d + PITCHES_FROM + pitch_days + 12 + 21 + self.rng.randint(3, 60)

    def at(self, day: int, hour: int, minute: int = 0) -> datetime:
        """Brussels wall-clock time ``day`` days after the publication date, in UTC."""
        local = datetime.combine(self.p_date + timedelta(days=day), time(0), tzinfo=BRUSSELS)
        return (local + timedelta(hours=hour, minutes=minute)).astimezone(UTC)

    def past(self, instant: datetime) -> bool:
        return instant < self.now

    # --- recording, as matching.audit.recording does ----------------------------------------------

    def audit(self, at: datetime, actor: int | None, action: str, object_type: str,
              object_id: int | None, **summary: Any) -> None:
        self.trail.add(at, actor, action, object_type, object_id, self.procedure["id"], **summary)

    def move(self, row: dict, object_type: str, step: Enum, to: Enum, actor: int | None,
             at: datetime, reason: str = "") -> None:
        """A state transition with its audit event (as
        :func:`matching.audit.recording.transition`)."""
        before = row["state"]
        row["state"] = to
        self.sink.add(Transition, object_type=object_type, object_id=row["id"], step=step.value,
                      from_state=before.value, to_state=to.value, actor_id=actor, at=at,
                      reason=reason)
        self.audit(at, actor, f"{object_type}.{step.value}", object_type, row["id"],
                   before=before.value, after=to.value, reason=reason)

    # --- the story --------------------------------------------------------------------------

    def tell(self) -> None:
        self.setup()
        self.intake()
        state = self.plan.state
        if state == P.PUBLISHED:
            self.future_slots()
            return
        self.close_intake()
        self.round_1()
        if state == P.ROUND_1:
            self.future_slots()
            return
        self.close_round_1()
        self.plan_pitches()
        self.appeals(1)
        self.round_2()
        if state == P.DECIDED:
            self.close_round_2()
            self.appeals(2)
        self.spare_slots()

    # --- set-up: work area, people, procedure, addendum, jury ---------------------------------

    def setup(self) -> None:
        admin, created = self.staff.admin, self.at(-9, 9)
        town = sorted(set(self.towns))[0]
        area = self.sink.add(WorkArea, name=self.area_name, province=self.province,
                             postal_address=f"Gemeente {town} – Dienst Werk\nMarkt 1\n{town}",
                             signatory_name="Algemeen directeur (schaalproef)",
                             signatory_function=f"Algemeen directeur, gemeente {town}")
        self.area_id = area["id"]
        for town in sorted(set(self.towns)):
            self.sink.add(Municipality, work_area_id=self.area_id, name=town)
        self.governments = self.add_governments()
        self.coordinator_name = person(self.rng)
        self.coordinator = self.staff.account(
            self.sink, coordinator_email(self.plan.number), self.coordinator_name,
            Role.COORDINATOR, created, work_area_id=self.area_id)
        self.jury = self.add_jury_members(self.at(-8, 9))
        self.add_procedure()
        self.trail.add(created, admin, "work_area.create", "work_area", self.area_id, None,
                       name=self.area_name, municipalities=len(self.towns))

    def add_governments(self) -> list[str]:
        names = []
        for town in self.towns[:3]:
            name = f"{'Stad' if town in CITIES else 'Gemeente'} {town}"
            org = self.sink.add(Organisation, name=name, enterprise_number=self.numbers.next(),
                                legal_form="gemeente", kind=OrganisationKind.LOCAL_GOVERNMENT,
                                email=None)
            self.sink.add(WorkAreaGovernment, work_area_id=self.area_id, organisation_id=org["id"])
            names.append(name)
        return names

    def add_jury_members(self, at: datetime) -> list[Member]:
        blocs = [*BLOCS, *self.rng.choices(BLOCS, k=self.rng.randint(0, 3))]
        members = []
        for k, bloc in enumerate(blocs, 1):
            address = matchmaker_email(self.plan.number, k)
            user_id = self.staff.account(self.sink, address, person(self.rng), Role.MATCHMAKER, at)
            members.append(Member(user_id, address, bloc))
        if self.plan.defect == "panel_from_jury":  # may then (wrongly) sit on a panel
            self.staff.grant(self.sink, members[0].user_id, Role.APPEAL_MATCHMAKER, at)
        return members

    def affiliation(self, member: Member, k: int) -> str:
        if member.bloc == Bloc.VDAB:
            return f"VDAB {self.towns[0]}"
        if member.bloc == Bloc.LOKAAL_BESTUUR:
            return self.governments[k % len(self.governments)]
        return f"onafhankelijk expert {self.rng.choice(EXPERTISE)}"

    def add_procedure(self) -> None:
        created, published = self.at(-6, 10), self.at(0, 10)
        year = self.p_date.year
        self.procedure = self.sink.add(
            Procedure, work_area_id=self.area_id, sequence=1,
            title=f"Matching {self.region} {year}",
            state=P.DRAFT, created_at=created, published_at=published, ratified_at=None)
        pid = self.procedure["id"]
        self.trail.add(created, self.coordinator, "procedure.create", "procedure", pid, None,
                       work_area=self.area_name, sequence=1)
        self.deadline = self.at(self.deadline_day, 12)
        self.location = self.rng.choice(["Stadhuis", "Sociaal Huis", "VDAB-werkwinkel"]) \
            + f" {self.towns[0]}"
        self.needs = self.rng.sample(NEEDS, 3)
        self.challenges = self.rng.sample(CHALLENGES, 3)
        self.add_version(1, self.at(-6, 10, 30), published, "")
        jury = self.sink.add(Jury, procedure_id=pid, composed_at=self.at(-4, 14))
        for k, member in enumerate(self.jury):
            self.sink.add(JuryMembership, jury_id=jury["id"], user_id=member.user_id,
                          bloc=member.bloc, affiliation=self.affiliation(member, k))
        self.audit(self.at(-4, 14), self.coordinator, "jury.compose", "jury", jury["id"],
                   members=[f"{m.email}:{m.bloc.value}" for m in self.jury])
        self.move(self.procedure, "procedure", ProcedureStep.PUBLISH, P.PUBLISHED,
                  self.coordinator, published, reason="addendum v1")
        if self.plan.state == P.PUBLISHED and self.past(self.at(7, 11)):
            self.add_version(2, self.at(7, 11), self.at(7, 11),
                             "De motivering van de lokale noden werd verduidelijkt; de deadline "
                             "blijft ongewijzigd.")

    def add_version(self, number: int, created: datetime, published: datetime,
                    change_note: str) -> None:
        delimitation = (f"Het werkingsgebied {self.region} omvat "
                        + (f"de gemeenten {', '.join(self.towns[:-1])} en {self.towns[-1]}"
                           if len(self.towns) > 1 else f"de gemeente {self.towns[0]}")
                        + ". Het volgt de afbakening uit stap 1.")
        version = self.sink.add(
            AddendumVersion, procedure_id=self.procedure["id"], number=number,
            delimitation=delimitation, candidacy_deadline=self.deadline,
            expected_decision_date=self.p_date + timedelta(days=self.deadline_day + 60),
            partnership_start_date=self.p_date + timedelta(days=self.deadline_day + 240),
            change_note=change_note, created_at=created, published_at=published)
        vid = version["id"]
        for i, (title, why) in enumerate(self.needs, 1):
            self.sink.add(LocalNeed, version_id=vid, position=i, title=title, description="",
                          motivation=why)
        for i, (title, groups, obstacles, chances, goals) in enumerate(self.challenges, 1):
            self.sink.add(RegionalChallenge, version_id=vid, position=i, code=f"RU{i}",
                          title=title, target_groups=groups, obstacles=obstacles,
                          opportunities=chances, objectives=goals)
        contacts = [(self.coordinator_name, self.governments[0],
                     coordinator_email(self.plan.number), "09 123 45 67"),
                    (f"Contactpunt VDAB {self.towns[0]}", f"VDAB {self.towns[0]}",
                     self.jury[0].email, "0800 30 700")]
        for i, (name, organisation, address, phone) in enumerate(contacts, 1):
            self.sink.add(ContactPerson, version_id=vid, position=i, name=name,
                          organisation=organisation, email=address, phone=phone)
        action = "addendum.edit_draft" if number == 1 else "addendum.new_version"
        self.audit(created, self.coordinator, action, "addendum_version", vid, version=number)

    # --- intake ---------------------------------------------------------------------------------

    def intake(self) -> None:
        last_start = self.deadline_day - 2
        if self.plan.state == P.PUBLISHED:
            last_start = min(last_start, (brussels_date(self.now) - self.p_date).days - 1)
        combos = [(t, s, town) for t in ORG_TYPES for s in ORG_STEMS for town in self.towns]
        self.rng.shuffle(combos)
        for j, fate in enumerate(self.fates):
            kind, stem, town = combos[j % len(combos)]
            suffix = f" – afdeling {j // len(combos) + 1}" if j >= len(combos) else ""
            self.candidacy(j + 1, fate, f"{kind} {stem} {town}{suffix}",
                           self.rng.randint(1, last_start))

    def candidacy(self, j: int, fate: Fate, name: str, start_day: int) -> None:
        form = self.rng.choice(LEGAL_FORMS)
        org = self.sink.add(Organisation, name=f"{name} {form}",
                            enterprise_number=self.numbers.next(), legal_form=form,
                            kind=OrganisationKind.OTHER, email=None)
        started = self.at(start_day, self.rng.randint(8, 19), self.rng.randint(0, 59))
        address = applicant_email(self.plan.number, j)
        applicant = self.staff.account(self.sink, address, person(self.rng), Role.APPLICANT,
                                       started - timedelta(days=2), organisation_id=org["id"])
        row = self.sink.add(
            Candidacy, organisation_id=org["id"], procedure_id=self.procedure["id"],
            state=C.DRAFT, reference=f"KAND-{self.area_id:03d}-1-{org['id']:05d}",
            created_at=started, submitted_at=None, withdrawn_at=None, withdrawal_reason=None,
            inadmissible_reason=None, partnership_fit=texts.PARTNERSHIP_FIT,
            declares_individual=True, declares_not_invoice_only=True,
            declares_partnership_commitment=True, declares_quality_framework=True)
        cand = Cand(row, fate, applicant, address, org["name"])
        self.cands.append(cand)
        self.audit(started, applicant, "candidacy.start", "candidacy", row["id"],
                   organisation=org["name"])
        self.content(cand, started + timedelta(minutes=self.rng.randint(20, 120)))
        self.submit(cand, start_day)

    def content(self, cand: Cand, at: datetime) -> None:
        cid, activity = cand.row["id"], self.rng.choice(ACTIVITIES)
        codes = sorted(self.rng.sample(range(1, 4), self.rng.choice((1, 1, 2))))
        for code in codes:
            goal = self.challenges[code - 1][4]
            self.sink.add(Contribution, candidacy_id=cid, challenge_code=f"RU{code}",
                          text=texts.CONTRIBUTION.format(activity=activity,
                                                        objective=goal[0].lower() + goal[1:]))
        fill = {"activity": activity, "staff": self.rng.randint(3, 12),
                "reached": self.rng.randint(40, 160),
                "places": f"{self.rng.choice(self.towns)} en omliggende gemeenten"}
        complete = cand.fate.intake != "draft"
        answers = [(k, v) for k, v in texts.ANSWERS.items() if complete or k.startswith(CC.value)]
        for key, template in answers:
            criterion, question = key.split(".")
            self.sink.add(Answer, candidacy_id=cid, criterion=Criterion(criterion),
                          question=int(question), text=template.format(**fill))
        self.audit(at, cand.applicant, "candidacy.save", "candidacy", cid,
                   contributions=[f"RU{c}" for c in codes], answers=len(answers))

    def submit(self, cand: Cand, start_day: int) -> None:
        fate, row = cand.fate, cand.row
        if fate.intake == "draft":
            return
        day = self.rng.randint(start_day + 1, min(start_day + 10, self.deadline_day - 1))
        submitted = self.at(day, self.rng.randint(8, 21), self.rng.randint(0, 59))
        if not self.past(submitted):
            return  # still a draft today
        row["submitted_at"] = submitted
        self.move(row, "candidacy", CandidacyStep.SUBMIT, C.SUBMITTED, cand.applicant, submitted)
        withdrawn = submitted + timedelta(days=self.rng.randint(1, 4), hours=self.rng.randint(0, 5))
        if fate.intake == "withdrawn" and self.past(withdrawn):
            reason = self.rng.choice(WITHDRAWAL_REASONS)
            row["withdrawn_at"], row["withdrawal_reason"] = withdrawn, reason
            self.move(row, "candidacy", CandidacyStep.WITHDRAW, C.WITHDRAWN, cand.applicant,
                      withdrawn, reason=reason)

    # --- after the deadline ---------------------------------------------------------------------

    def close_intake(self) -> None:
        """Drafts lapse; the deadline check refuses some; round 1 starts; conflicts."""
        d, coordinator = self.deadline_day, self.coordinator
        closed = self.at(d + 1, 9)
        for cand in self.cands:
            if cand.row["state"] == C.DRAFT:
                cand.row["withdrawn_at"], cand.row["withdrawal_reason"] = closed, LAPSED
                self.move(cand.row, "candidacy", CandidacyStep.WITHDRAW, C.WITHDRAWN, coordinator,
                          closed, reason=LAPSED)
        self.move(self.procedure, "procedure", ProcedureStep.CLOSE_CANDIDACIES,
                  P.CANDIDACY_CLOSED, coordinator, closed)
        refused = [c for c in self.cands
                   if c.fate.intake == "inadmissible" and c.row["state"] == C.SUBMITTED]
        for k, cand in enumerate(refused):
            reason = self.rng.choice(INADMISSIBLE_REASONS)
            cand.row["inadmissible_reason"] = reason
            at = self.at(d + 1, 10, k % 60)
            self.move(cand.row, "candidacy", CandidacyStep.DECLARE_INADMISSIBLE, C.INADMISSIBLE,
                      coordinator, at, reason=reason)
            # issue 12: the motivated letter, appealable like a non-selection
            self.letter(LetterKind.INADMISSIBLE, cand, at, 0, coordinator,
                        deadline=appeal_deadline(at))
            self.receive(cand, 0, False, at)
        self.move(self.procedure, "procedure", ProcedureStep.START_ROUND_1, P.ROUND_1,
                  coordinator, self.at(d + 1, 11))
        for k, cand in enumerate(self.assessed()):
            cand.eligible = list(self.jury)
            if cand.fate.conflict:
                self.conflict(cand, self.at(d + 2, 9, k % 240))

    def assessed(self) -> list[Cand]:
        return [c for c in self.cands if c.fate.assessed and c.row["state"] == C.SUBMITTED]

    def conflict(self, cand: Cand, at: datetime) -> None:
        """A matchmaker of a bloc with two or more seats declares a conflict of interest."""
        counts = Counter(m.bloc for m in self.jury)
        options = [m for m in self.jury if counts[m.bloc] > 1]
        if not options:
            return
        member = self.rng.choice(options)
        row = self.sink.add(ConflictDeclaration, user_id=member.user_id,
                            candidacy_id=cand.row["id"], declared_at=at,
                            reason=f"Ik ben bestuurder van {cand.organisation}.")
        cand.eligible = [m for m in self.jury if m is not member]
        self.audit(at, member.user_id, "conflict.declare", "conflict_declaration", row["id"],
                   candidacy=cand.row["reference"])
