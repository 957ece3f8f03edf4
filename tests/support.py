"""A small world to test the procedure in: people, organisations, a published procedure,
and helpers that walk a candidacy through the steps with the real operations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from appeals import operations as appeal_ops
from juries import operations as jury_ops
from juries import queries as jury_queries
from juries import round_operations as round_ops
from juries.models import PitchAppointment
from juries.rules import Bloc
from matching.accounts import operations as account_ops
from matching.accounts.models import RoleGrant
from matching.accounts.rules import OrganisationKind, Role
from matching.candidacies import operations as candidacy_ops
from matching.candidacies import rules as candidacy_rules
from matching.candidacies.rules import Criterion, Declaration
from matching.core.dates import BRUSSELS
from tests.helpers import count_rows
from workareas import operations as area_ops

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # a Monday


def kbo(n: int) -> str:
    """A valid Belgian enterprise number derived from ``n`` (mod-97 check)."""
    body = 2000000 + n  # eight digits with a leading 0
    return f"{body:08d}{97 - body % 97:02d}"


ADDENDUM = {
    "delimitation": "Het werkingsgebied omvat de gemeenten van de regio.",
    "needs": [{"title": "Toeleiding naar werk", "description": "",
               "motivation": "Uit de persona-analyse blijkt een grote afstand tot werk."}],
    "challenges": [
        {"code": "RU1", "title": "Bereik van kwetsbare jongeren", "target_groups": "NEET-jongeren",
         "obstacles": "Wantrouwen tegenover diensten", "opportunities": "Jeugdwerkingen",
         "objectives": "Meer jongeren in begeleiding"},
        {"code": "RU2", "title": "Gezondheid en werk", "target_groups": "Langdurig zieken",
         "obstacles": "Fysieke en psychische drempels", "opportunities": "Eerstelijnszones",
         "objectives": "Stappen op de participatieladder"},
    ],
    "contacts": [{"name": "An Peeters", "organisation": "Stad", "email": "an@example.be"}],
    "expected_decision_date": date(2025, 4, 30),
    "partnership_start_date": date(2025, 9, 1),
}

ANSWERS = {key: f"Ons antwoord op vraag {key}, met concrete voorbeelden."
           for key in candidacy_rules.QUESTION_KEYS}
ALL_DECLARED = {d: True for d in Declaration}


class Clock:
    def __init__(self, start: datetime = T0):
        self.now = start

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class World:
    def __init__(self, db):
        self.db = db
        self.clock = Clock()
        self._n = 0
        now = self.clock.now
        self.admin = account_ops.create_user("admin@wse.example", "Beheerder",
                                             "correct horse battery", actor=None, now=now)
        self.admin.grants.append(RoleGrant(role=Role.ADMINISTRATOR, granted_at=now))
        self.vdab = self.organisation("VDAB", OrganisationKind.VDAB)
        self.city = self.organisation("Stad Aalst", OrganisationKind.LOCAL_GOVERNMENT)
        self.area = area_ops.create_work_area("Regio Aalst", "Oost-Vlaanderen",
                                              ["Aalst", "Erpe-Mere", "Lede"], [self.city],
                                              actor=self.admin, now=now)
        db.session.flush()
        self.coordinator = self.user("coord", Role.COORDINATOR, work_area_id=self.area.id)
        area_ops.set_letter_sender(self.area, "Stad Aalst – Dienst Werk\nGrote Markt 3\n"
                                   "9300 Aalst", "Ann Vermeulen", "Algemeen directeur, Stad Aalst",
                                   actor=self.coordinator, now=now)
        self.mm = {
            "vdab1": self.user("vdab1", Role.MATCHMAKER),
            "vdab2": self.user("vdab2", Role.MATCHMAKER),
            "lokaal1": self.user("lokaal1", Role.MATCHMAKER),
            "extern1": self.user("extern1", Role.MATCHMAKER),
            "extern2": self.user("extern2", Role.MATCHMAKER),
        }
        self.blocs = {"vdab1": Bloc.VDAB, "vdab2": Bloc.VDAB, "lokaal1": Bloc.LOKAAL_BESTUUR,
                      "extern1": Bloc.EXTERN, "extern2": Bloc.EXTERN}
        self.panel = [self.user(f"panel{i}", Role.APPEAL_MATCHMAKER) for i in range(1, 4)]
        self.procedure = None
        self.applicants = {}

    # --- people and organisations -------------------------------------------------------
    def user(self, name: str, role: Role, **scope):
        u = account_ops.create_user(f"{name}@example.be", name.title(), None, actor=self.admin,
                                    now=self.clock.now)
        self.db.session.flush()
        account_ops.grant_role(u, role, actor=self.admin, now=self.clock.now, **scope)
        return u

    def organisation(self, name: str, kind=OrganisationKind.OTHER):
        self._n += 1
        return account_ops.register_organisation(name, kbo(self._n), "vzw", kind,
                                                 actor=self.admin, now=self.clock.now)

    def applicant(self, organisation):
        if organisation.id not in self.applicants:
            self.db.session.flush()
            self.applicants[organisation.id] = self.user(f"aanvrager{organisation.id}",
                                                         Role.APPLICANT,
                                                         organisation_id=organisation.id)
        return self.applicants[organisation.id]

    def observer(self):
        """Europa WSE's observer (created once, committed so that a page can log them in)."""
        if not hasattr(self, "obs"):
            self.obs = self.user("waarnemer", Role.OBSERVER)
            self.db.session.commit()
        return self.obs

    def other_coordinator(self):
        """The coordinator of a second work area (Regio Gent), with that area."""
        area = area_ops.create_work_area("Regio Gent", "Oost-Vlaanderen", ["Gent"], [],
                                         actor=self.admin, now=self.clock.now)
        self.db.session.flush()
        return self.user("coord2", Role.COORDINATOR, work_area_id=area.id), area

    # --- the procedure ------------------------------------------------------------------
    def deadline(self, weeks: int = 6, minutes: int = 0) -> datetime:
        local = self.clock.now.astimezone(BRUSSELS).replace(tzinfo=None)
        return (local + timedelta(weeks=weeks, minutes=minutes)).replace(tzinfo=BRUSSELS)

    def draft_procedure(self, deadline: datetime | None = None, slots: int = 4):
        now = self.clock.now
        p = area_ops.create_procedure(self.area, "Matching 2025", actor=self.coordinator, now=now)
        content = dict(ADDENDUM, candidacy_deadline=deadline or self.deadline(weeks=7))
        area_ops.edit_draft_addendum(p, content, actor=self.coordinator, now=now)
        for i in range(slots):
            start = content["candidacy_deadline"] + timedelta(days=14 + i, hours=1)
            area_ops.add_pitch_slot(p, start, start + timedelta(minutes=45), "Stadhuis Aalst",
                                    actor=self.coordinator, now=now)
        self.procedure = p
        return p

    def published_procedure(self, **kw):
        p = self.draft_procedure(**kw)
        area_ops.publish_addendum(p, actor=self.coordinator, now=self.clock.now)
        return p

    def compose_jury(self, names=("vdab1", "vdab2", "lokaal1", "extern1"), chair="vdab1"):
        """The jury, with ``chair`` (default the first VDAB member) as its chair, who
        records the consensus (issue 13); ``chair=None`` for a jury without one."""
        return jury_ops.compose_jury(
            self.procedure, [(self.mm[n], self.blocs[n], "") for n in names],
            actor=self.coordinator, now=self.clock.now,
            chair=self.mm[chair] if chair in names else None)

    def apply(self, name: str, kind=OrganisationKind.OTHER, organisation=None):
        org = organisation or self.organisation(name, kind)
        who = self.applicant(org)
        c = candidacy_ops.start_candidacy(self.procedure, org, actor=who, now=self.clock.now)
        candidacy_ops.save_candidacy(
            c, actor=who, now=self.clock.now,
            contributions={"RU1": "Wij bieden outreach via onze jeugdwerkers."},
            answers=ANSWERS, partnership_fit="Wij werken al jaren samen in casusoverleg.",
            declarations=ALL_DECLARED)
        candidacy_ops.submit_candidacy(c, actor=who, now=self.clock.now)
        return c

    def start_round_1(self):
        self.clock.now = self.procedure.candidacy_deadline + timedelta(minutes=1)
        candidacy_ops.close_candidacies(self.procedure, actor=self.coordinator, now=self.clock.now)
        if jury_queries.jury_of(self.procedure) is None:
            self.compose_jury()
        round_ops.start_round_1(self.procedure, actor=self.coordinator, now=self.clock.now)

    def in_round_1(self, *names: str) -> list:
        """A published procedure, a submitted candidacy of a new organisation for each of
        ``names``, candidacies closed and round 1 started. Returns the candidacies."""
        self.published_procedure()
        candidacies = [self.apply(name) for name in names]
        self.start_round_1()
        return candidacies

    def round_1_closed(self, selected, not_selected, scores=((3, 4), (2, 3))):
        """Round 1 decided for two candidacies in round 1 (``scores``: theirs, by default
        ``selected`` for the pitch and ``not_selected`` not) and closed; the letter to
        ``not_selected`` received (its appeal window opens)."""
        self.decide(selected, 1, scores[0])
        self.decide(not_selected, 1, scores[1])
        self.close_round(1)
        self.received(not_selected, 1)

    def eligible(self, candidacy):
        return [m.user for m in jury_queries.eligible_members(candidacy)]

    def consensus(self, candidacy, round_no: int, criterion: Criterion, score: int):
        for user in self.eligible(candidacy):
            jury_ops.record_assessment(candidacy, round_no, criterion, score, ["ok"] * 4,
                                       actor=user, now=self.clock.now)
        return record_and_confirm(candidacy, round_no, criterion, score,
                                  f"Motivering voor score {score} op {criterion.value}.",
                                  now=self.clock.now)

    def decide(self, candidacy, round_no: int, scores=(3, 3)):
        for criterion, score in zip(Criterion, scores, strict=True):
            self.consensus(candidacy, round_no, criterion, score)

    def close_round(self, round_no: int):
        return round_ops.close_round(self.procedure, round_no, actor=self.coordinator,
                                    now=self.clock.now)

    def pitch(self, candidacy, slot_index: int | None = None):
        slots = self.procedure.pitch_slots
        taken = set(self.db.session.scalars(select(PitchAppointment.slot_id)))
        slot = (slots[slot_index] if slot_index is not None
                else next(s for s in slots if s.id not in taken))
        round_ops.plan_pitch(candidacy, slot, actor=self.coordinator, now=self.clock.now)
        if self.clock.now < slot.starts_at:
            self.clock.now = slot.starts_at + timedelta(minutes=30)
        return round_ops.record_pitch_held(candidacy, "De pitch verliep vlot en concreet.",
                                          actor=self.coordinator, now=self.clock.now)

    def received(self, candidacy, round_no: int, at: datetime | None = None):
        return candidacy_ops.record_decision_received(candidacy, round_no, at or self.clock.now,
                                                      actor=None, now=self.clock.now)

    def appeal(self, candidacy):
        return appeal_ops.file_appeal(
            candidacy, "De bijlage met onze referenties werd niet meegenomen in de beoordeling.",
            ["Bijlage 2: referentielijst"], actor=self.applicant(candidacy.organisation),
            now=self.clock.now)

    def decided_procedure(self, appeal: bool = False):
        """A procedure decided end to end: A admitted to step 4, B not selected after round
        1 (filing an appeal when asked), every letter received, every appeal window closed.
        Returns A, B and B's appeal (or None)."""
        a, b = self.in_round_1("Jobkracht vzw", "Buurtwerk De Brug")
        self.round_1_closed(a, b)
        filed = self.appeal(b) if appeal else None
        self.pitch(a)
        self.received(a, 1)
        self.decide(a, 2, (4, 3))
        self.close_round(2)
        self.received(a, 2)
        self.clock.advance(days=20)
        return a, b, filed

    def count(self, model) -> int:
        return count_rows(self.db, model)


def record_and_confirm(candidacy, round_no, criterion, score, motivation, *, now, actor=None):
    """The jury's consensus as a decision: recorded by the chair (or ``actor``, else the
    first member without a conflict) and, when that is not the chair, confirmed by the first
    member of another organisation (issue 13)."""
    from juries.models import JuryDecision
    members = jury_queries.eligible_members(candidacy)
    chair = next((m for m in members if m.chair), None)
    recorder = next(m for m in members if m.user_id == actor.id) if actor else (
        chair or members[0])
    result = jury_ops.record_consensus(candidacy, round_no, criterion, score, motivation,
                                       actor=recorder.user, now=now)
    if isinstance(result, JuryDecision):
        return result
    confirmer = next(m for m in members if m.bloc != recorder.bloc)
    return jury_ops.confirm_consensus(result, actor=confirmer.user, now=now)


def snapshot(db) -> dict[str, list[str]]:
    """Every row of every table, as sorted text: to prove a refused step changed nothing."""
    db.session.flush()
    with db.session.no_autoflush:
        return {t.name: sorted(repr(tuple(r)) for r in db.session.execute(t.select()))
                for t in db.metadata.sorted_tables}


def refused(db, fn, *args, match: str | None = None, error=None, **kwargs):
    """Call an operation that must be refused; assert it raised a DomainError (with a
    Dutch message matching ``match``) and changed nothing, neither in the session nor in
    the database. Returns the error."""
    import pytest

    from matching.core.errors import DomainError

    before = snapshot(db)
    with pytest.raises(error or DomainError, match=match) as info:
        fn(*args, **kwargs)
    assert not db.session.new and not db.session.deleted, "a refused step left pending changes"
    assert not [o for o in db.session.dirty if db.session.is_modified(o)], \
        "a refused step modified objects"
    assert snapshot(db) == before, "a refused step changed the database"
    return info.value


class QueryCounter:
    """Counts the SQL statements issued inside a ``with`` block (query-count tests)."""

    def __init__(self, db):
        self.engine, self.statements = db.engine, []

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    def __enter__(self):
        from sqlalchemy import event
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event
        event.remove(self.engine, "before_cursor_execute", self._count)

    @property
    def count(self) -> int:
        return len(self.statements)


TEST_PASSWORD = "test-wachtwoord-123"
#: The second factor of every test account that needs one (base32).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def prepare_sign_in(db, user) -> None:
    """Give ``user`` the test password and, where the role needs one, the test second factor
    (enrolled), and forget the last code used, so a test may sign in again at once."""
    from sqlalchemy import update

    from matching.accounts.models import User
    from matching.accounts.rules import second_factor_required

    if not user.check_password(TEST_PASSWORD):
        user.set_password(TEST_PASSWORD)
    if user.totp_confirmed_at is None and second_factor_required(g.role for g in user.grants):
        user.totp_secret, user.totp_confirmed_at = TEST_TOTP_SECRET, T0
    db.session.flush()
    db.session.execute(update(User).where(User.id == user.id).values(totp_last_step=None))
    db.session.commit()


def totp_code(app, secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app shows now, by the application's clock."""
    import pyotp

    clock = app.config.get("CLOCK")
    return pyotp.TOTP(secret).at(clock() if clock else datetime.now(UTC))


def sign_in(client, db, email: str, password: str, secret: str):
    """Sign in by address and password as typed, then with the code of ``secret`` when the
    second step is asked (the account's last code is forgotten first, so the same person may
    sign in again within 30 seconds). Returns the last response."""
    from sqlalchemy import update

    from matching.accounts.models import User

    db.session.execute(update(User).where(User.email == email).values(totp_last_step=None))
    db.session.commit()
    response = client.post("/aanmelden", data={"email": email, "password": password})
    if response.status_code == 302 and response.headers["Location"].endswith("/aanmelden/code"):
        response = client.post("/aanmelden/code",
                               data={"code": totp_code(client.application, secret)})
    return response


def login(client, db, user) -> None:
    """Log ``user`` in through the real login form, with the second factor where the
    account has one (gives them a password and the test second factor first, and commits
    the session: the pages then see what the test built)."""
    prepare_sign_in(db, user)
    client.post("/afmelden")
    response = client.post("/aanmelden", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, "login failed"
    if response.headers["Location"].endswith("/aanmelden/code"):
        response = client.post("/aanmelden/code",
                               data={"code": totp_code(client.application,
                                                       user.totp_secret or "")})
        assert response.status_code == 302, "second factor failed"


def addendum_as_objects(client, procedure_id: int, number: int | None = None) -> tuple[str, str]:
    """Issue 17: the public addendum page as served (read as columns) and as the template
    renders it from the ORM objects, as the view did before; CSRF tokens masked. The two
    must be equal."""
    import re

    from flask import render_template
    from sqlalchemy.orm import joinedload, selectinload

    from matching.core.db import db
    from workareas.models import AddendumVersion, Procedure, WorkArea
    from workareas.rules import PROCEDURE_STATE_LABELS

    query = "" if number is None else f"?versie={number}"
    served = client.get(f"/addenda/{procedure_id}{query}").get_data(as_text=True)
    with client.application.test_request_context(f"/addenda/{procedure_id}{query}"):
        procedure = db.session.scalar(select(Procedure).where(Procedure.id == procedure_id).options(
            joinedload(Procedure.work_area).selectinload(WorkArea.municipalities),
            selectinload(Procedure.versions).selectinload(AddendumVersion.needs),
            selectinload(Procedure.versions).selectinload(AddendumVersion.challenges),
            selectinload(Procedure.versions).selectinload(AddendumVersion.contacts),
            selectinload(Procedure.pitch_slots), selectinload(Procedure.pitch_sessions),
            joinedload(Procedure.changes_procedure)))
        published = [v for v in procedure.versions if v.published_at is not None]
        version = published[-1] if number is None else next(
            v for v in published if v.number == number)
        rendered = render_template(
            "public/addendum.html", procedure=procedure, version=version, published=published,
            latest=published[-1], state_labels=PROCEDURE_STATE_LABELS)
        db.session.rollback()

    def masked(html: str) -> str:
        return re.sub(r'value="[\w-]+\.[\w-]+\.[\w-]+"', 'value="(token)"', html)
    return masked(served), masked(rendered)


def statements_for(client, db, path: str) -> tuple[int, str]:
    """The number of SQL statements a GET of ``path`` issues (it must answer 200), and the
    page it served."""
    with QueryCounter(db) as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.count, response.get_data(as_text=True)


def built_candidacies(db, procedure, numbers: range, *, name: str, kbo_from: int,
                      reference: str, states, now) -> list:
    """Candidacies built directly, without the operations (too slow for the 200 of a test
    that counts statements): for each ``i`` in ``numbers``, one of a new organisation
    "``name`` i" (enterprise number ``kbo(kbo_from + i)``), with reference
    "``reference``-i" (five digits), in ``states`` in turn, submitted at ``now`` with every
    declaration made. Flushed, not committed."""
    from matching.accounts.models import Organisation
    from matching.candidacies.models import Candidacy

    organisations = [Organisation(name=f"{name} {i}", enterprise_number=kbo(kbo_from + i),
                                  legal_form="vzw", kind=OrganisationKind.OTHER)
                     for i in numbers]
    db.session.add_all(organisations)
    db.session.flush()
    candidacies = [Candidacy(organisation=o, procedure=procedure, state=states[k % len(states)],
                             reference=f"{reference}-{i:05d}", created_at=now, submitted_at=now,
                             declares_individual=True, declares_not_invoice_only=True,
                             declares_partnership_commitment=True, declares_quality_framework=True)
                   for k, (i, o) in enumerate(zip(numbers, organisations, strict=True))]
    db.session.add_all(candidacies)
    db.session.flush()
    return candidacies


def consensus_decision(candidacy, criterion: Criterion, *, by, now):
    """The jury's round-1 decision on ``criterion`` of ``candidacy``, score 3 by consensus,
    recorded by ``by``: built directly (with :func:`built_candidacies`)."""
    from juries.models import JuryDecision
    from juries.rules import Method

    return JuryDecision(candidacy_id=candidacy.id, round=1, criterion=criterion, score=3,
                        motivation="Een motivering van de jury.", method=Method.CONSENSUS,
                        decided_by_id=by.id, decided_at=now,
                        jury_blocs="EXTERN,LOKAAL_BESTUUR,VDAB")
