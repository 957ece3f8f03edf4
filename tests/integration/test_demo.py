"""The demo (``flask --app matching.app demo``): complete, valid, and never later than today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from appeals.models import Appeal
from appeals.rules import AppealState
from juries.emergency.models import EmergencyProcedure, EmergencyState
from juries.models import Ballot, BallotState, ConflictDeclaration
from matching.accounts.models import Organisation, User
from matching.accounts.rules import Role, is_valid_enterprise_number
from matching.audit.models import Transition
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import CandidacyState
from matching.core.db import UTCDateTime
from matching.demo import data, load_demo
from matching.demo.data import PASSWORD, email
from tests.helpers import count_rows
from workareas.models import Procedure, WorkArea
from workareas.rules import ProcedureState

#: The only instants that may lie after today: the open procedure's timing.
FUTURE_ALLOWED = {("addendum_version", "candidacy_deadline"), ("pitch_slot", "starts_at"),
                  ("pitch_slot", "ends_at")}


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """The demo creates some sixty accounts; scrypt would spend most of the test on them."""
    monkeypatch.setattr("matching.accounts.models.generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))


def test_the_demo_shows_every_state_and_stays_before_today(db):
    today = datetime(2025, 11, 5, 8, 30, tzinfo=UTC)
    summary = load_demo(today)
    db.session.commit()

    assert summary["werkingsgebieden"] == count_rows(db, WorkArea) == 5
    assert summary["organisaties"] == count_rows(db, Organisation) >= 35
    assert summary["kandidaturen"] == count_rows(db, Candidacy)
    assert summary["gebruikers"] == count_rows(db, User)
    assert summary["weerwoorden"] == count_rows(db, Appeal)

    states = set(db.session.scalars(select(Candidacy.state)))
    assert states == set(CandidacyState)
    appeals = set(db.session.scalars(select(Appeal.state)))
    assert {AppealState.UNDER_REVIEW, AppealState.REVERSED, AppealState.CONFIRMED} <= appeals
    procedures = {p.work_area.name: p for p in db.session.scalars(select(Procedure))}
    assert {p.state for p in procedures.values()} == {
        ProcedureState.PUBLISHED, ProcedureState.ROUND_1, ProcedureState.ROUND_2,
        ProcedureState.DECIDED}

    concluded, open_ = db.session.scalars(select(EmergencyProcedure)
                                          .order_by(EmergencyProcedure.id)).all()
    assert open_.state == EmergencyState.OPEN and open_.procedure_id == concluded.procedure_id
    emergency = concluded
    assert emergency.state == EmergencyState.CONCLUDED
    ranked = [o for o in emergency.outcomes if o.rank is not None]
    assert len(ranked) > 1 and emergency.ranking_motivation
    assert emergency.procedure.state == ProcedureState.DECIDED
    ballots = set(db.session.scalars(select(Ballot.state)))
    assert ballots == {BallotState.DECIDED, BallotState.UNDECIDED, BallotState.OPEN}
    assert count_rows(db, ConflictDeclaration) >= 1

    for organisation in db.session.scalars(select(Organisation)):
        assert is_valid_enterprise_number(organisation.enterprise_number), organisation.name

    latest = db.session.scalar(select(func.max(Transition.at)))
    assert latest <= today
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, UTCDateTime) and \
                    (table.name, column.name) not in FUTURE_ALLOWED:
                value = db.session.scalar(select(func.max(column)))
                assert value is None or value <= today, (table.name, column.name, value)
    # Only the still-open procedure has its deadline ahead; the others closed theirs.
    for procedure in procedures.values():
        open_ = procedure.state == ProcedureState.PUBLISHED
        assert (procedure.candidacy_deadline > today) == open_, procedure.work_area.name
        assert procedure.published_at <= today - timedelta(weeks=2)

    admin = db.session.scalar(select(User).where(User.email == email("admin")))
    assert admin.has_role(Role.ADMINISTRATOR) and admin.check_password(PASSWORD)
    assert all(u.email.endswith("@demo.lokalepartnerschappen.be")
               for u in db.session.scalars(select(User)))


def test_the_cli_loads_the_demo_only_into_an_empty_database(db, runner):
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Demo geladen" in result.output
    counts = {m: count_rows(db, m) for m in (WorkArea, Organisation, Candidacy, User, Appeal)}
    assert counts[WorkArea] == 5

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "geen demo geladen" in again.output
    assert {m: count_rows(db, m) for m in counts} == counts


def test_the_demo_gives_the_active_roles_something_to_do_at_once(app, db):
    """Issue 13: after ``make run`` the demo's task lists have work: a consensus awaiting
    confirmation (for the other organisations of the jury), an open ballot, a pitch to plan
    and pitches to hold, an appeal to judge, a procedure ready to ratify."""
    from juries.models import PendingConsensus
    from juries.rules import ConsensusState
    from matching.tasks.queries import tasks_for
    from matching.tasks.views import task_text

    today = datetime(2025, 11, 5, 8, 30, tzinfo=UTC)
    load_demo(today)
    db.session.commit()
    db.session.expunge_all()  # as a fresh request: no object loaded by the builder's pages

    pending = db.session.scalars(select(PendingConsensus)).one()
    assert pending.state == ConsensusState.PENDING
    assert pending.candidacy.procedure.state == ProcedureState.ROUND_2

    texts = {}
    for user_id in db.session.scalars(select(User.id)).all():
        db.session.expunge_all()  # one person per request, as on the site
        user = db.session.get(User, user_id)
        with app.test_request_context():
            texts[user.email.split("@")[0]] = [task_text(t) for g in tasks_for(user, today)
                                               for t in g.tasks]
    # the other organisations of the Waasland jury confirm the consensus; Els recorded it
    for member in ("bart.vangoethem", "nadia.elamrani"):
        assert any("Bevestig de consensus" in t for t in texts[member]), texts[member]
    assert not any("Bevestig de consensus" in t for t in texts["els.verstraeten"])
    assert not any("Bevestig de consensus" in t for t in texts["wim.debock"])  # same bloc
    # the open ballot: the blocs that did not vote yet
    assert any("Stem voor uw organisatie" in t for t in texts["bart.vangoethem"])
    # the coordinator of Waasland plans a pitch; the observer ratifies Kortrijk
    assert texts["sofie.vandamme"] and texts["katrien.dewulf"]
    assert any("bekrachtig" in t for t in texts["katrien.dewulf"])
    # an appeal to judge: the panel member who has not given a position yet
    assert any("weerwoord" in t for local, ts in texts.items() for t in ts
               if local in {"karel.claes", "sara.mertens", "ahmed.benali", "veerle.willems",
                            "joris.vermeulen"})
    # round 1 in Regio Mechelen: scores missing and a ballot open for its (Turnhout's) jury
    assert any("op uw score wachten" in t for t in texts["inge.vanlooy"])
    assert any("Stem voor uw organisatie" in t for t in texts["marc.goossens"])
    # every coordinator of a running round and every member of those juries has work
    for local in ("sofie.vandamme", "hanne.verbist", "bart.vangoethem", "els.verstraeten",
                  "wim.debock", "nadia.elamrani", "tom.janssens", "inge.vanlooy",
                  "marc.goossens", "leen.wouters"):
        assert texts[local], local
    # the open noodprocedure in Kortrijk: its VDAB and local-government members score
    for local in ("annelies.verhaeghe", "griet.vandenbulcke"):
        assert any("Noodprocedure" in t for t in texts[local]), texts[local]
    # unanswered observations: Kortrijk's and Turnhout's coordinators answer them
    for key in ("kortrijk", "turnhout"):
        coordinator = data.mailbox(data.AREAS[key]["coordinator"][0])
        assert any("opmerkingen van europa wse" in t.lower() for t in texts[coordinator]), key
    # the administrator invites a coordinator for the work area just registered
    assert texts["admin"] == ["Regio Oostende heeft nog geen coördinator: nodig er een uit."]

    empty = {local for local, ts in texts.items() if not ts}
    assert empty <= idle_by_the_state(db, today), sorted(empty)


#: Candidacy states that leave the applicant nothing to do in this system (the appeal window
#: of a non-selection is checked apart): withdrawn, inadmissible (no appeal: R-APP-1 is
#: against a non-selection), admitted to step 4 (the partnership is formed outside it).
REST_STATES = {CandidacyState.WITHDRAWN, CandidacyState.INADMISSIBLE,
               CandidacyState.ADMITTED_TO_STEP4}


def idle_by_the_state(db, today: datetime) -> set[str]:
    """The demo accounts that may have an empty task list, each for a reason the demo's
    state shows (issue 13): everyone else must have work.

    * applicants all of whose candidacies rest: a state of ``REST_STATES``; not selected
      with the appeal window over (or appealed); submitted after the intake closed (the
      jury scores it); selected for the pitch with the pitch held (the jury decides round 2);
    * appeal matchmakers on no panel of an appeal under review without their position;
    * matchmakers of the external bloc on the decided Kortrijk jury only (the open
      noodprocedure is for VDAB and the local government, R-STEP4-1).
    """
    from appeals.models import PanelMember
    from juries.models import JuryMembership, PitchAppointment
    from juries.rules import Bloc
    from matching.candidacies.queries import appeal_deadline_of
    from matching.candidacies.rules import appeal_round

    def resting(c: Candidacy) -> bool:
        if c.state in REST_STATES:
            return True
        round_no = appeal_round(c.state)
        if round_no is not None:
            until = appeal_deadline_of(c, round_no)
            appealed = db.session.scalar(select(Appeal.id).where(
                Appeal.candidacy_id == c.id, Appeal.round == round_no))
            return appealed is not None or (until is not None and until <= today)
        if c.state == CandidacyState.SUBMITTED:  # the intake closed: the jury scores it
            return c.procedure.state != ProcedureState.PUBLISHED
        if c.state == CandidacyState.SELECTED_FOR_PITCH:
            return db.session.scalar(select(PitchAppointment.held_at).where(
                PitchAppointment.candidacy_id == c.id)) is not None
        return False

    idle = set()
    for user in db.session.scalars(select(User)):
        local = user.email.split("@")[0]
        roles = {g.role for g in user.grants}
        if roles == {Role.APPLICANT}:
            org_ids = [g.organisation_id for g in user.grants]
            candidacies = db.session.scalars(select(Candidacy).where(
                Candidacy.organisation_id.in_(org_ids))).all()
            if candidacies and all(resting(c) for c in candidacies):
                idle.add(local)
        elif roles == {Role.APPEAL_MATCHMAKER}:
            waiting = [m for m in db.session.scalars(select(PanelMember).where(
                PanelMember.user_id == user.id))
                if m.position is None and m.appeal.state == AppealState.UNDER_REVIEW]
            if not waiting:
                idle.add(local)
        elif roles == {Role.MATCHMAKER}:
            seats = db.session.scalars(select(JuryMembership).where(
                JuryMembership.user_id == user.id)).all()
            if all(m.jury.procedure.state == ProcedureState.DECIDED
                   and m.bloc == Bloc.EXTERN for m in seats):
                idle.add(local)
    return idle
