"""The demo (``flask --app matching.app demo``): complete, valid, and never later than today."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import url_for
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from appeals.models import Appeal
from appeals.rules import AppealState
from juries.emergency.models import EmergencyProcedure, EmergencyState
from juries.models import Ballot, BallotState, ConflictDeclaration
from juries.queries import pitch_of
from matching.accounts.models import Organisation, User
from matching.accounts.rules import Role, is_valid_enterprise_number
from matching.audit.models import Transition
from matching.candidacies.models import Candidacy
from matching.candidacies.queries import appeal_deadline_of
from matching.candidacies.rules import CandidacyState
from matching.core.db import UTCDateTime
from matching.demo import data, load_demo
from matching.demo.data import PASSWORD, email
from matching.oversight.facts_queries import evaluate_procedure
from matching.oversight.models import FinalReport, Observation
from matching.oversight.rules import unmet
from tests.helpers import count_rows
from workareas.models import Procedure, WorkArea
from workareas.rules import ProcedureState

#: The only instants that may lie after today: the open procedure's timing.
FUTURE_ALLOWED = {("addendum_version", "candidacy_deadline"), ("pitch_slot", "starts_at"),
                  ("pitch_slot", "ends_at")}


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch):
    """The demo creates some sixty accounts; scrypt would spend most of the test on them."""
    monkeypatch.setattr("matching.accounts.passwords.generate_password_hash",
                        lambda password, method=None: generate_password_hash(
                            password, method="pbkdf2:sha256:1"))


def test_the_demo_shows_every_state_and_stays_before_today(db):
    today = datetime(2025, 11, 5, 8, 30, tzinfo=UTC)
    summary = load_demo(today)
    db.session.commit()

    assert summary["werkingsgebieden"] == count_rows(db, WorkArea) == 6
    assert summary["organisaties"] == count_rows(db, Organisation) >= 35
    assert summary["kandidaturen"] == count_rows(db, Candidacy)
    assert summary["gebruikers"] == count_rows(db, User)
    assert summary["weerwoorden"] == count_rows(db, Appeal)

    states = set(db.session.scalars(select(Candidacy.state)))
    assert states == set(CandidacyState)
    appeals = set(db.session.scalars(select(Appeal.state)))
    assert {AppealState.UNDER_REVIEW, AppealState.REVERSED, AppealState.CONFIRMED} <= appeals
    procedures = {p.work_area.name: p for p in db.session.scalars(select(Procedure))}
    # issue 13: a procedure in every state, from candidacies open to step 4
    assert {name: p.state for name, p in procedures.items()} == {
        "Regio Turnhout": ProcedureState.PUBLISHED, "Regio Mechelen": ProcedureState.ROUND_1,
        "Waasland": ProcedureState.ROUND_2, "Regio Roeselare": ProcedureState.DECIDED,
        "Regio Kortrijk": ProcedureState.RATIFIED}

    # Kortrijk was ratified (through the operation: the six conditions held), its final
    # report sealed; the noodprocedures of step 4 came after, one concluded, one open.
    kortrijk = procedures["Regio Kortrijk"]
    report = db.session.scalars(select(FinalReport)).one()
    assert report.procedure_id == kortrijk.id and kortrijk.ratified_at == report.created_at
    concluded, open_ = db.session.scalars(select(EmergencyProcedure)
                                          .order_by(EmergencyProcedure.id)).all()
    assert open_.state == EmergencyState.OPEN and open_.procedure_id == kortrijk.id
    assert concluded.state == EmergencyState.CONCLUDED and concluded.procedure_id == kortrijk.id
    assert kortrijk.ratified_at < concluded.started_at
    ranked = [o for o in concluded.outcomes if o.rank is not None]
    assert len(ranked) > 1 and concluded.ranking_motivation

    # Roeselare is ready to ratify: all six conditions met today, every decision received,
    # no appeal window open, every observation answered.
    roeselare = procedures["Regio Roeselare"]
    assert unmet(evaluate_procedure(roeselare.id, today, ratification=True)) == []
    assert roeselare.ratified_at is None
    assert not db.session.scalars(select(Observation).where(
        Observation.procedure_id == roeselare.id, Observation.answer.is_(None))).all()
    assert db.session.scalars(select(Observation).where(
        Observation.procedure_id == roeselare.id)).all()
    for c in db.session.scalars(select(Candidacy).where(
            Candidacy.procedure_id == roeselare.id)):
        for round_no in (1, 2):
            if c.state in (CandidacyState.NOT_SELECTED_R1, CandidacyState.NOT_SELECTED_R2,
                           CandidacyState.ADMITTED_TO_STEP4) and (
                    round_no == 1 or c.state != CandidacyState.NOT_SELECTED_R1):
                assert c.notice(round_no) is not None, (c.organisation.name, round_no)
                until = appeal_deadline_of(c, round_no)
                assert until is not None and until < today
    # Mechelen in round 1 has scores missing; Waasland in round 2 a pitch to plan and
    # pitches ahead, and appeals under review (their panels judge).
    waasland = procedures["Waasland"]
    selected = db.session.scalars(select(Candidacy).where(
        Candidacy.procedure_id == waasland.id,
        Candidacy.state == CandidacyState.SELECTED_FOR_PITCH)).all()
    planned = {c.id: pitch_of(c) for c in selected}
    assert any(a is None for a in planned.values())
    assert any(a is not None and a.held_at is None and a.slot.starts_at > today
               for a in planned.values())
    under_review = db.session.scalars(select(Appeal).where(
        Appeal.state == AppealState.UNDER_REVIEW)).all()
    assert {a.candidacy.procedure_id for a in under_review} == {waasland.id}
    assert len(under_review) >= 3
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
    assert counts[WorkArea] == 6

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "geen demo geladen" in again.output
    assert {m: count_rows(db, m) for m in counts} == counts


def test_the_demo_gives_the_active_roles_something_to_do_at_once(app, db, client):
    """Issue 13: after ``make run`` every demo account's start page has work, except the
    few whose rest the demo's state explains: a consensus awaiting confirmation (for the
    other organisations of the jury), an open ballot, a pitch to plan and pitches to hold,
    an appeal to judge for every appeal matchmaker, a procedure ready to ratify."""
    from juries.models import PendingConsensus
    from juries.rules import ConsensusState
    from matching.tasks.queries import tasks_for
    from matching.tasks.views import task_text
    from tests.support import login

    today = datetime(2025, 11, 5, 8, 30, tzinfo=UTC)
    load_demo(today)
    db.session.commit()
    db.session.expunge_all()  # as a fresh request: no object loaded by the builder's pages

    pending = db.session.scalars(select(PendingConsensus)).one()
    assert pending.state == ConsensusState.PENDING
    assert pending.candidacy.procedure.state == ProcedureState.ROUND_2

    texts: dict[str, list[str]] = {}
    about: dict[str, list[tuple[str, str]]] = {}  # (text, procedure) per person
    for user_id in db.session.scalars(select(User.id)).all():
        db.session.expunge_all()  # one person per request, as on the site
        user = db.session.get(User, user_id)
        with app.test_request_context():
            local = user.email.split("@")[0]
            about[local] = [(task_text(t), t.procedure) for g in tasks_for(user, today)
                            for t in g.tasks]
            texts[local] = [text for text, _ in about[local]]
    # the other organisations of the Waasland jury confirm the consensus; Els recorded it
    for member in ("bart.vangoethem", "nadia.elamrani"):
        assert any("Bevestig de consensus" in t for t in texts[member]), texts[member]
    assert not any("Bevestig de consensus" in t for t in texts["els.verstraeten"])
    assert not any("Bevestig de consensus" in t for t in texts["wim.debock"])  # same bloc
    # the open ballot: the blocs that did not vote yet
    assert any("Stem voor uw organisatie" in t for t in texts["bart.vangoethem"])
    # the coordinator of Waasland plans a pitch
    assert any("zonder pitch-moment" in t for t in texts["sofie.vandamme"])
    # the observer ratifies Roeselare (decided, conditions met), not Kortrijk (ratified)
    ratify = [where for text, where in about["katrien.dewulf"] if "bekrachtig" in text]
    assert len(ratify) == 1 and "Regio Roeselare" in ratify[0], about["katrien.dewulf"]
    # every appeal matchmaker judges an appeal (their panel position is missing)
    for name in data.APPEAL_MATCHMAKERS:
        local = data.mailbox(name)
        assert any("Beoordeel het weerwoord" in t for t in texts[local]), (local, texts[local])
    # round 1 in Regio Mechelen: scores missing and a ballot open for its (Turnhout's) jury
    assert any("op uw score wachten" in t for t in texts["inge.vanlooy"])
    assert any("Stem voor uw organisatie" in t for t in texts["marc.goossens"])
    # pitches ahead in Waasland: its jury and the invited organisations hold them
    for local in ("bart.vangoethem", "els.verstraeten", "wim.debock", "nadia.elamrani",
                  "samira.bouzid", "geert.verhulst"):
        assert any(t.startswith("Pitch van") for t in texts[local]), (local, texts[local])
    # the open noodprocedure of ratified Kortrijk: its VDAB and local-government members
    for local in ("annelies.verhaeghe", "koen.desmet", "griet.vandenbulcke"):
        assert any("Noodprocedure" in t for t in texts[local]), texts[local]
    # candidacies open in Turnhout: drafts to finish; its coordinator answers an observation
    assert any("Werk de kandidatuur" in t for t in texts["lien.stevens"])
    turnhout = data.mailbox(data.AREAS["turnhout"]["coordinator"][0])
    assert any("opmerkingen van europa wse" in t.lower() for t in texts[turnhout])
    # the administrator invites a coordinator for the work area just registered
    assert texts["admin"] == ["Regio Oostende heeft nog geen coördinator: nodig er een uit."]

    empty = {local for local, ts in texts.items() if not ts}
    idle = idle_by_the_state(db, today)
    assert empty <= idle, sorted(empty - idle)
    # besides applicants whose candidacies rest, only three people wait on others
    applicants = {local for local in idle if local in _applicant_mailboxes()}
    assert idle - applicants == {"hilde.maes", "lieselot.vanhoutte",
                                 "evelien.vandewalle"}, sorted(idle - applicants)

    # the observer's pages say it too: Kortrijk ratified, Roeselare ready to ratify
    db.session.expunge_all()
    observer = db.session.scalar(select(User).where(User.email == email("katrien.dewulf")))
    login(client, db, observer)
    procedures = {p.work_area.name: p.id for p in db.session.scalars(select(Procedure))}
    with app.test_request_context():
        kortrijk, roeselare = (url_for("conditions.conditions", procedure_id=procedures[name])
                               for name in ("Regio Kortrijk", "Regio Roeselare"))
    page = client.get(kortrijk)
    assert page.status_code == 200
    assert "Deze procedure is bekrachtigd door Europa WSE" in page.text
    page = client.get(roeselare)
    assert "Alle zes voorwaarden zijn voldaan" in page.text
    assert "Procedure bekrachtigen" in page.text


def _applicant_mailboxes() -> set[str]:
    return {data.mailbox(contact) for _, _, _, contact, _ in data.ORGANISATIONS.values()}


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
    * matchmakers of the external bloc whose juries are all decided or ratified (a
      noodprocedure is for VDAB and the local government only, R-STEP4-1);
    * coordinators whose procedures are all decided or ratified with every observation
      answered: the next step is Europa WSE's (ratification, R-OBS-1) or, in step 4,
      VDAB's and the local government's.
    """
    from juries.models import JuryMembership, PitchAppointment
    from juries.rules import Bloc
    from matching.candidacies.rules import appeal_round
    from matching.oversight.models import Observation

    done = (ProcedureState.DECIDED, ProcedureState.RATIFIED)

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
        elif roles == {Role.MATCHMAKER}:
            seats = db.session.scalars(select(JuryMembership).where(
                JuryMembership.user_id == user.id)).all()
            if all(m.jury.procedure.state in done and m.bloc == Bloc.EXTERN for m in seats):
                idle.add(local)
        elif roles == {Role.COORDINATOR}:
            areas = [g.work_area_id for g in user.grants]
            procedures = db.session.scalars(select(Procedure).where(
                Procedure.work_area_id.in_(areas))).all()
            open_observations = db.session.scalar(select(func.count(Observation.id)).where(
                Observation.procedure_id.in_([p.id for p in procedures]),
                Observation.answer.is_(None)))
            if procedures and all(p.state in done for p in procedures) \
                    and not open_observations:
                idle.add(local)
    return idle
