"""The access-control matrix: every route of the URL map × every role, against the
expected status.

The routes are GENERATED from ``app.url_map``: a new route (or a new method on a route)
without an entry in ``EXPECTED`` fails :func:`test_every_route_has_an_expectation`, so
access control is decided, not forgotten, for every new page.

The house rule (``matching.core.web.perform``): another's object answers 404,
never 403; anonymous users of a login-only page are sent to the login page.

One rich world per backend: a procedure in round 2 with candidacies in several states
(draft, withdrawn, not selected after round 1 with a filed appeal and a panel, selected
and pitched with an open ballot), an attachment, letters with their outbox messages, and
a second work area with its own coordinator, procedure and jury.

GETs run first (and must not change a single row, audit events included), then POSTs
with an EMPTY form: the unauthorised roles first, the authorised ones last (their POST
may change state; any answer but 404 and 500 is accepted from them).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from appeals import operations as appeal_ops
from juries import operations as jury_ops
from juries.rules import Bloc
from matching.accounts.rules import Role
from matching.candidacies import notifications as candidacy_letters
from matching.candidacies import operations as candidacy_ops
from matching.candidacies.models import Letter
from matching.candidacies.rules import Criterion
from matching.mail.models import OutboxMessage
from matching.oversight.models import RatificationRefusal
from matching.oversight.operations import record_observation
from tests.helpers import sample_pdf
from tests.support import ADDENDUM, ALL_DECLARED, ANSWERS, login
from workareas import operations as area_ops

# --- roles ----------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
OWNER = "owner"  # applicant of the candidacy's organisation
OTHER_APPLICANT = "other_applicant"  # applicant of another organisation (same procedure)
JURY = "jury_matchmaker"  # vdab1, on this procedure's jury
OTHER_JURY = "other_matchmaker"  # matchmaker on the jury of another work area's procedure
PANEL = "panel_matchmaker"  # appeal matchmaker assigned to the appeal
OTHER_PANEL = "other_appeal_matchmaker"  # appeal matchmaker not assigned to it
COORDINATOR = "coordinator"  # of this work area
OTHER_COORDINATOR = "other_coordinator"  # of another work area
OBSERVER = "observer"
ADMIN = "administrator"

ROLES = (ANONYMOUS, OWNER, OTHER_APPLICANT, JURY, OTHER_JURY, PANEL, OTHER_PANEL, COORDINATOR,
         OTHER_COORDINATOR, OBSERVER, ADMIN)
LOGGED_IN = frozenset(ROLES) - {ANONYMOUS}

# --- what a cell may answer ------------------------------------------------------------------

#: Anonymous on a login-only page: 302 to the login page.
LOGIN = "→login"
#: An authorised POST with an empty form: anything but 404 (refused access) and 500 (crash).
ACT = "any but 404/500"
NOT_FOUND = frozenset({404})
OK = frozenset({200})


def everyone(statuses: Iterable[int]) -> dict:
    return {role: frozenset(statuses) for role in ROLES}


def only(allowed: Iterable[str], method: str, ok: Iterable[int] = OK) -> dict:
    """A login-only route: ``allowed`` roles get ``ok`` (GET) or act (POST); other
    logged-in roles get 404; anonymous goes to the login page."""
    allowed = frozenset(allowed)
    cells = {ANONYMOUS: LOGIN}
    for role in LOGGED_IN:
        if role in allowed:
            cells[role] = frozenset(ok) if method == "GET" else ACT
        else:
            cells[role] = NOT_FOUND
    return cells


def logged_out_only(anonymous: Iterable[int]) -> dict:
    """Registration: anonymous gets the page, a logged-in user goes to the home page."""
    cells = {role: frozenset({302}) for role in LOGGED_IN}
    cells[ANONYMOUS] = frozenset(anonymous)
    return cells


APPLICANTS = {OWNER, OTHER_APPLICANT}
COORDINATORS = {COORDINATOR, OTHER_COORDINATOR}
APPEAL_MATCHMAKERS = {PANEL, OTHER_PANEL}

EXPECTED: dict[tuple[str, str], dict] = {
    # --- public -------------------------------------------------------------------------
    ("index", "GET"): everyone({200}),
    ("public.addenda", "GET"): everyone({200}),
    ("public.feed", "GET"): everyone({200}),
    ("public.addendum", "GET"): everyone({200}),
    ("letter_verification.verify", "GET"): everyone({200}),
    ("web.set_language", "POST"): everyone({400}),  # empty form: no language chosen
    ("web.ping", "GET"): everyone({200}),  # liveness and the benchmark's ceiling (make bench)
    ("web.ready", "GET"): everyone({200}),  # readiness: the database answers, migrated to head
    # --- login, logout, account -----------------------------------------------------------
    ("accounts.login", "GET"): everyone({200}),
    ("accounts.login", "POST"): everyone({422}),
    # logging out ends the server-side session; anonymous goes to the home page
    ("accounts.logout", "POST"): {**only(LOGGED_IN, "POST"), ANONYMOUS: frozenset({302})},
    ("accounts.account", "GET"): only(LOGGED_IN, "GET"),
    ("accounts.change_password", "GET"): only(LOGGED_IN, "GET"),
    ("accounts.change_password", "POST"): only(LOGGED_IN, "POST"),
    # the second step of signing in: only with a pending session (else back to the login)
    ("accounts.second_factor", "GET"): everyone({302}),
    ("accounts.second_factor", "POST"): everyone({302}),
    # an applicant may add a second factor; the other roles have one (back to the account)
    ("accounts.enrol", "GET"): {**only(APPLICANTS, "GET"),
                                **{r: frozenset({302}) for r in LOGGED_IN - APPLICANTS}},
    ("accounts.enrol", "POST"): {**only(APPLICANTS, "POST"),
                                 **{r: frozenset({302}) for r in LOGGED_IN - APPLICANTS}},
    # the administrator resets someone's second factor (asked to confirm first)
    ("accounts.reset_second_factor", "GET"): only({ADMIN}, "GET"),
    ("accounts.reset_second_factor", "POST"): only({ADMIN}, "POST"),
    ("accounts.notifications", "POST"): only(LOGGED_IN, "POST"),  # issue 13: one's own choice
    # issue 13: one's own task list (computed for the person: no object of another)
    ("tasks.tasks", "GET"): only(LOGGED_IN, "GET"),
    # --- registration, confirmation, password reset (tokens are invalid) -------------------
    ("accounts.register", "GET"): logged_out_only({200}),
    ("accounts.register", "POST"): logged_out_only({422}),
    ("accounts.registered", "GET"): everyone({200}),
    ("accounts.confirm", "GET"): everyone({404}),
    ("accounts.confirm", "POST"): everyone({404, 422}),
    ("accounts.resend_confirmation", "GET"): everyone({200}),  # issue 13
    ("accounts.resend_confirmation", "POST"): everyone({422}),
    ("accounts.forgot_password", "GET"): everyone({200}),
    ("accounts.forgot_password", "POST"): everyone({422}),
    ("accounts.reset_password", "GET"): everyone({404}),
    ("accounts.reset_password", "POST"): everyone({404}),
    ("accounts.accept", "GET"): everyone({404}),
    ("accounts.accept", "POST"): everyone({404}),
    # --- the applicant ------------------------------------------------------------------
    ("applicant.dashboard", "GET"): only(APPLICANTS, "GET"),
    ("applicant.start", "POST"): only(APPLICANTS, "POST"),
    ("applicant.candidacy", "GET"): only({OWNER}, "GET"),
    ("applicant.candidacy", "POST"): only({OWNER}, "POST"),
    ("applicant.withdraw", "POST"): only({OWNER}, "POST"),
    ("applicant.upload", "POST"): only({OWNER}, "POST"),
    ("applicant.remove_attachment", "POST"): only({OWNER}, "POST"),  # issue 13
    # issue 13: a correction of one's own submitted candidacy; its submitted versions are
    # read by whoever reads its attachments
    ("applicant.open_correction", "POST"): only({OWNER}, "POST"),
    ("applicant.version", "GET"): only({OWNER, JURY, PANEL, OBSERVER}, "GET"),
    ("applicant_appeals.appeal", "GET"): only({OWNER}, "GET"),
    ("applicant_appeals.appeal", "POST"): only({OWNER}, "POST"),
    ("applicant.letter", "GET"): only({OWNER}, "GET"),
    ("applicant.letter_pdf", "GET"): only({OWNER}, "GET"),
    # an attachment: its organisation, the procedure's jury, and the observer
    # (matching.applicant_views.may_see_attachment)
    # and the appeal panel of its appeal (issue 12: the panel reads what the appeal is about)
    ("applicant.attachment", "GET"): only({OWNER, JURY, PANEL, OBSERVER}, "GET"),
    # --- the administrator ----------------------------------------------------------------
    ("admin.organisations", "GET"): only({ADMIN}, "GET"),
    ("admin.organisations", "POST"): only({ADMIN}, "POST"),
    ("admin.accounts", "GET"): only({ADMIN}, "GET"),
    # issue 11: one account's roles, granting, revoking, deactivation (administrator only)
    ("admin.account", "GET"): only({ADMIN}, "GET"),
    ("admin.grant", "POST"): only({ADMIN}, "POST"),
    ("admin.revoke", "POST"): only({ADMIN}, "POST"),
    ("admin.deactivate", "POST"): only({ADMIN}, "POST"),
    ("admin.reactivate", "POST"): only({ADMIN}, "POST"),
    # issue 11: work areas in the browser (administrator only)
    ("admin.work_areas", "GET"): only({ADMIN}, "GET"),
    ("admin.work_areas", "POST"): only({ADMIN}, "POST"),
    ("admin.work_area", "GET"): only({ADMIN}, "GET"),
    ("admin.work_area", "POST"): only({ADMIN}, "POST"),
    ("admin.add_contact", "POST"): only({ADMIN}, "POST"),
    ("admin.remove_contact", "POST"): only({ADMIN}, "POST"),
    ("admin.invite", "GET"): only({ADMIN} | COORDINATORS, "GET"),
    ("admin.invite", "POST"): only({ADMIN} | COORDINATORS, "POST"),
    # --- the observer ---------------------------------------------------------------------
    ("observer.overview", "GET"): only({OBSERVER}, "GET"),
    ("observer.procedure", "GET"): only({OBSERVER}, "GET"),
    # exports: every procedure for observers and administrators; one procedure also for
    # the coordinator of its work area (matching.oversight.views._personal_data)
    ("observer.trail", "GET"): only({OBSERVER}, "GET"),
    # issue 12: the complete candidacy and its letters, as the appeal panel sees them
    ("observer.candidacy", "GET"): only({OBSERVER}, "GET"),
    ("observer.letter", "GET"): only({OBSERVER}, "GET"),
    # the six conditions (R-OBS-1): observers and the coordinator of the work area see
    # them and the final report; observers observe and ratify, the coordinator answers
    ("conditions.conditions", "GET"): only({OBSERVER, COORDINATOR}, "GET"),
    ("conditions.final_report", "GET"): only({OBSERVER, COORDINATOR}, "GET"),
    ("conditions.observe", "POST"): only({OBSERVER}, "POST"),
    ("conditions.ratify_procedure", "POST"): only({OBSERVER}, "POST"),
    ("conditions.answer", "POST"): only({COORDINATOR}, "POST"),
    # issue 11: a motivated refusal to ratify (observers) and its answer (the coordinator)
    ("conditions.refuse", "POST"): only({OBSERVER}, "POST"),
    ("conditions.answer_refusal_view", "POST"): only({COORDINATOR}, "POST"),
    ("observer.export_all_csv", "GET"): only({OBSERVER, ADMIN}, "GET"),
    ("observer.export_all_xlsx", "GET"): only({OBSERVER, ADMIN}, "GET"),
    ("observer.export_procedure_csv", "GET"): only({OBSERVER, ADMIN, COORDINATOR}, "GET"),
    ("observer.export_procedure_xlsx", "GET"): only({OBSERVER, ADMIN, COORDINATOR}, "GET"),
    # issue 12: the evaluation of every procedure (figures, no personal data), as the
    # export of every procedure: observers and administrators
    ("observer.evaluation", "GET"): only({OBSERVER, ADMIN}, "GET"),
    ("observer.export_totals_csv", "GET"): only({OBSERVER, ADMIN}, "GET"),
    ("observer.export_emergencies_csv", "GET"): only({OBSERVER, ADMIN}, "GET"),
    # --- the coordinator ----------------------------------------------------------------
    ("coordinator.dashboard", "GET"): only(COORDINATORS, "GET"),
    ("coordinator.create_procedure", "POST"): only({COORDINATOR}, "POST"),
    ("coordinator.addendum", "GET"): only({COORDINATOR}, "GET"),
    ("coordinator.addendum", "POST"): only({COORDINATOR}, "POST"),
    ("coordinator.publish", "POST"): only({COORDINATOR}, "POST"),
    ("coordinator.add_pitch_slot", "POST"): only({COORDINATOR}, "POST"),
    ("coordinator.letter_sender", "POST"): only({COORDINATOR}, "POST"),
    ("coordinator_candidacies.close_candidacies", "POST"): only({COORDINATOR}, "POST"),
    ("coordinator_candidacies.inadmissible", "GET"): only({COORDINATOR}, "GET"),
    ("coordinator_candidacies.inadmissible", "POST"): only({COORDINATOR}, "POST"),
    ("rounds.jury", "GET"): only({COORDINATOR}, "GET"),
    ("rounds.jury", "POST"): only({COORDINATOR}, "POST"),
    ("rounds.start_round_1", "POST"): only({COORDINATOR}, "POST"),
    ("rounds.board", "GET"): only({COORDINATOR}, "GET"),
    ("rounds.close_round", "GET"): only({COORDINATOR}, "GET"),  # the confirmation page
    ("rounds.close_round", "POST"): only({COORDINATOR}, "POST"),
    # an empty form used to reach db.session.get(PitchSlot, None): now 422 "Kies een vrij
    # pitch-moment."
    ("rounds.plan_pitch", "POST"): only({COORDINATOR}, "POST"),
    ("rounds.pitch_held", "POST"): only({COORDINATOR}, "POST"),
    # issue 13: pitch days cut into slots, a no-show, the organisation choosing its slot
    ("rounds.pitch_no_show", "POST"): only({COORDINATOR}, "POST"),
    ("rounds.pitch_planning_page", "GET"): only({COORDINATOR}, "GET"),
    ("rounds.add_pitch_session", "POST"): only({COORDINATOR}, "POST"),
    ("jury.pick_pitch", "GET"): only({OWNER}, "GET"),
    ("jury.pick_pitch", "POST"): only({OWNER}, "POST"),
    ("coordinator_candidacies.letters", "GET"): only({COORDINATOR}, "GET"),
    # issue 13: the letters page links to each letter as recorded
    ("coordinator_candidacies.letter", "GET"): only({COORDINATOR}, "GET"),
    # 422 is the page's own answer when the letter would be incomplete
    ("rounds.preview", "GET"): only({COORDINATOR}, "GET", ok={200, 422}),
    ("coordinator_candidacies.retry", "POST"): only({COORDINATOR}, "POST"),
    ("appeal_panels.appeals", "GET"): only({COORDINATOR}, "GET"),
    ("appeal_panels.assign", "POST"): only({COORDINATOR}, "POST"),
    # issue 12: an appeal that arrived by e-mail or post, registered by the coordinator
    ("appeal_panels.register", "POST"): only({COORDINATOR}, "POST"),
    # --- the jury -------------------------------------------------------------------------
    # The dashboard lists the user's own juries (empty for anyone else): no object of
    # another, so every logged-in user gets the (possibly empty) page.
    ("jury.dashboard", "GET"): only(LOGGED_IN, "GET"),
    ("jury.score", "GET"): only({JURY}, "GET"),
    ("jury.assess", "POST"): only({JURY}, "POST"),
    ("jury.consensus", "POST"): only({JURY}, "POST"),
    ("jury.open_ballot", "POST"): only({JURY}, "POST"),
    ("jury.vote", "POST"): only({JURY}, "POST"),
    ("jury.close", "POST"): only({JURY}, "POST"),
    ("jury.conflict", "POST"): only({JURY}, "POST"),
    # --- issue 12: the emergency procedure of step 4 (R-STEP4-2: the jury's VDAB and local
    # government members only; the independent external, another work area's jury and
    # everyone else get 404). The world's procedure is in round 2: the page says why no
    # emergency procedure can start; a partner's page and the POSTs go back to it (302).
    ("emergency.overview", "GET"): only({JURY}, "GET"),
    ("emergency.partner", "GET"): only({JURY}, "GET", ok={302}),
    ("emergency.start", "POST"): only({JURY}, "POST"),
    ("emergency.score", "POST"): only({JURY}, "POST"),
    ("emergency.conclude", "POST"): only({JURY}, "POST"),
    ("jury.confirm_consensus", "POST"): only({JURY}, "POST"),
    ("jury.withdraw_consensus", "POST"): only({JURY}, "POST"),
    # --- the appeal panel -------------------------------------------------------------------
    ("panel.appeals", "GET"): only(APPEAL_MATCHMAKERS, "GET"),
    ("panel.appeal", "GET"): only({PANEL}, "GET"),
    ("panel.appeal", "POST"): only({PANEL}, "POST"),
    ("panel.letter", "GET"): only({PANEL}, "GET"),
    # an appeal's clarifying document: the organisation, its coordinator, the panel and
    # Europa WSE (appeals.views.may_read_appeal)
    ("panel.appeal_document", "GET"): only({OWNER, PANEL, COORDINATOR, OBSERVER}, "GET"),
    # --- personal data (issue 18) -----------------------------------------------------------
    ("privacy.notice", "GET"): everyone({200}),
    ("privacy.accessibility", "GET"): everyone({200}),
    # everyone signed in sees (and downloads) their own data, nobody another's
    ("privacy.my_data", "GET"): only(LOGGED_IN, "GET"),
    ("privacy.my_data_json", "GET"): only(LOGGED_IN, "GET"),
    # an administrator produces a person's data on request (the POST is audited)
    ("privacy.produce", "GET"): only({ADMIN}, "GET"),
    ("privacy.produce", "POST"): only({ADMIN}, "POST"),
    # rectification: one's own name and phone number
    ("accounts.contact_details", "POST"): only(LOGGED_IN, "POST"),
    # a new e-mail address: asked for on one's account page, confirmed by the link sent to
    # it (the token here is invalid)
    ("accounts.change_email", "POST"): only(LOGGED_IN, "POST"),
    ("accounts.confirm_email", "GET"): everyone({404}),
    ("accounts.confirm_email", "POST"): everyone({404}),
}

#: Pages that are not the site's own layout but a recorded document shown as it is (a
#: letter's HTML): they carry no footer, so no link to the privacy notice.
# the letters themselves (their own HTML document, as sent): no site footer
DOCUMENTS = {"applicant.letter", "rounds.preview", "coordinator_candidacies.letter",
             "observer.letter", "panel.letter"}
PRIVACY_LINK = 'href="/privacyverklaring"'


IGNORED_METHODS = {"HEAD", "OPTIONS"}


def route_keys(app) -> set[tuple[str, str]]:
    return {(rule.endpoint, method) for rule in app.url_map.iter_rules()
            if rule.endpoint != "static" for method in rule.methods - IGNORED_METHODS}


def test_every_route_has_an_expectation(app):
    in_map = route_keys(app)
    missing = sorted(in_map - EXPECTED.keys())
    extra = sorted(EXPECTED.keys() - in_map)
    assert not missing and not extra, (
        "the access matrix does not match the URL map:\n"
        + "".join(f"  missing in EXPECTED (new route?): {e} {m}\n" for e, m in missing)
        + "".join(f"  in EXPECTED but not in the URL map: {e} {m}\n" for e, m in extra))


def test_every_expectation_names_every_role():
    incomplete = [key for key, cells in EXPECTED.items() if set(cells) != set(ROLES)]
    assert not incomplete, f"rows without a cell for every role: {incomplete}"


# --- the world --------------------------------------------------------------------------------

def build_world(world, db, upload_dir: str) -> tuple[dict, dict]:
    """The rich world; returns (users by role, URL values by argument name)."""
    w = world
    p = w.published_procedure()
    now = w.clock.now

    # The owner's candidacy, with an attachment added while it was a draft.
    owner_org = w.organisation("Jobkracht vzw")
    owner = w.applicant(owner_org)
    mine = candidacy_ops.start_candidacy(p, owner_org, actor=owner, now=now)
    attachment = candidacy_ops.add_attachment(mine, "referenties.pdf", sample_pdf(),
                                              actor=owner, now=now)
    candidacy_ops.save_candidacy(mine, actor=owner, now=now,
                       contributions={"RU1": "Wij bieden outreach via onze jeugdwerkers."},
                       answers=ANSWERS, partnership_fit="Wij werken al jaren samen.",
                       declarations=ALL_DECLARED)
    candidacy_ops.submit_candidacy(mine, actor=owner, now=now)

    # Another organisation's candidacy (selected in round 1, pitched, with an open ballot),
    # a withdrawn one and a draft that never got submitted.
    theirs = w.apply("Buurtwerk De Brug")
    other_applicant = w.applicant(theirs.organisation)
    gone = w.apply("Weg vzw")
    candidacy_ops.withdraw_candidacy(gone, "We trekken ons terug.",
                                     actor=w.applicant(gone.organisation), now=now)
    draft_org = w.organisation("Concept vzw")
    candidacy_ops.start_candidacy(p, draft_org, actor=w.applicant(draft_org), now=now)

    w.start_round_1()
    w.decide(mine, 1, (2, 3))
    w.decide(theirs, 1, (3, 3))
    w.close_round(1)
    w.received(mine, 1)
    appeal = appeal_ops.file_appeal(
        mine, "De bijlage met onze referenties werd niet meegenomen in de beoordeling.", [],
        attachment_ids=[attachment.id], document=("toelichting.pdf", sample_pdf("Toelichting")),
        actor=owner, now=w.clock.now)
    appeal_ops.assign_panel(appeal, w.panel[:2], actor=w.coordinator, now=w.clock.now)
    w.pitch(theirs)
    ballot = jury_ops.open_ballot(theirs, 2, Criterion.CRUCIAL_CONTRIBUTION,
                                  actor=w.mm["vdab1"], now=w.clock.now)
    # a consensus recorded by vdab2 (not the chair) awaits confirmation (issue 13)
    for user in w.eligible(theirs):
        jury_ops.record_assessment(theirs, 2, Criterion.FIT_FOR_PARTNERSHIP, 3, ["ok"] * 4,
                                   actor=user, now=w.clock.now)
    pending = jury_ops.record_consensus(theirs, 2, Criterion.FIT_FOR_PARTNERSHIP, 3,
                                        "De jury is het eens over de fit.",
                                        actor=w.mm["vdab2"], now=w.clock.now)

    # A second work area, with its own coordinator, procedure and jury.
    coordinator2, area2 = w.other_coordinator()
    p2 = area_ops.create_procedure(area2, "Matching Gent", actor=coordinator2, now=w.clock.now)
    area_ops.edit_draft_addendum(p2, dict(ADDENDUM, candidacy_deadline=w.deadline(weeks=7)),
                                 actor=coordinator2, now=w.clock.now)
    other_jury = [w.user("gentvdab", Role.MATCHMAKER), w.user("gentlokaal", Role.MATCHMAKER),
                  w.user("gentextern", Role.MATCHMAKER)]
    blocs = (Bloc.VDAB, Bloc.LOKAAL_BESTUUR, Bloc.EXTERN)
    jury_ops.compose_jury(p2, list(zip(other_jury, blocs, ("", "", ""), strict=True)),
                          actor=coordinator2, now=w.clock.now)

    observer = w.user("waarnemer", Role.OBSERVER)
    # an account the administrator's pages act on (no client of the matrix uses it)
    target = w.user("doelwit", Role.APPEAL_MATCHMAKER)
    contact = area_ops.add_work_area_contact(w.area, "An Peeters", "Stad Aalst",
                                             "an@aalst.be", "", actor=w.admin, now=w.clock.now)
    db.session.flush()
    refusal = RatificationRefusal(procedure_id=p.id, observer_id=observer.id,
                                  motivation="Een motivering van de weigering.",
                                  refused_at=w.clock.now)  # as on a decided procedure
    db.session.add(refusal)
    observation = record_observation(p, 3, "Hoe werd de publicatie aangekondigd?",
                                     actor=observer, now=w.clock.now)
    db.session.flush()

    letter = db.session.scalar(select(Letter).where(Letter.candidacy_id == mine.id)
                               .order_by(Letter.id))
    message = db.session.scalar(select(OutboxMessage)
                                .join(Letter, OutboxMessage.letter_id == Letter.id)
                                .where(Letter.procedure_id == p.id).order_by(OutboxMessage.id))
    assert letter is not None and message is not None
    db.session.commit()
    candidacy_letters.sealed_pdf(letter, now=w.clock.now)  # as the mail worker does
    users = {OWNER: owner, OTHER_APPLICANT: other_applicant, JURY: w.mm["vdab1"],
             OTHER_JURY: other_jury[0], PANEL: w.panel[0], OTHER_PANEL: w.panel[2],
             COORDINATOR: w.coordinator, OTHER_COORDINATOR: coordinator2, OBSERVER: observer,
             ADMIN: w.admin}
    values = {"procedure_id": p.id, "candidacy_id": mine.id, "letter_id": letter.id,
              "attachment_id": attachment.id, "appeal_id": appeal.id, "ballot_id": ballot.id,
              "area_id": w.area.id, "message_id": message.id, "round_no": 1,
              "observation_id": observation.id, "user_id": target.id, "refusal_id": refusal.id,
              "grant_id": target.grants[0].id, "contact_id": contact.id,
              "document_id": appeal.document.id, "number": 1, "pending_id": pending.id,
              "criterion": Criterion.CRUCIAL_CONTRIBUTION.value, "token": "ongeldig-token"}
    db.session.commit()
    return users, values


# --- the matrix -----------------------------------------------------------------------------

def routes(app, values: dict, method: str) -> list[tuple[str, str]]:
    """(endpoint, URL) of every rule with ``method``, the URL variables filled in."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if rule.endpoint == "static" or method not in rule.methods:
            continue
        unknown = set(rule.arguments) - values.keys()
        assert not unknown, f"{rule.rule}: no test value for {sorted(unknown)}"
        found.append((rule.endpoint, adapter.build(rule.endpoint,
                                                   {a: values[a] for a in rule.arguments},
                                                   method=method)))
    return found


def check(response, expected) -> bool:
    status = response.status_code
    if status == 500:
        return False
    if expected == LOGIN:
        return status == 302 and "/aanmelden" in response.headers.get("Location", "")
    if expected == ACT:
        return status != 404
    return status in expected


def describe(expected) -> str:
    return expected if isinstance(expected, str) else "/".join(map(str, sorted(expected)))


def got(response) -> str:
    if response.status_code in (301, 302, 303):
        return f"{response.status_code}→{response.headers.get('Location', '?')}"
    return str(response.status_code)


def row_counts(db) -> dict[str, int]:
    counts = {t.name: db.session.scalar(select(func.count()).select_from(t))
              for t in db.metadata.sorted_tables}
    db.session.rollback()
    return counts


#: The POST order: unauthorised roles first, the roles that may act on most routes last.
POST_ORDER = (ANONYMOUS, OTHER_JURY, OTHER_PANEL, OTHER_COORDINATOR, OBSERVER, OTHER_APPLICANT,
              ADMIN, OWNER, JURY, PANEL, COORDINATOR)


def test_access_matrix(app, db, world, client, monkeypatch, tmp_path, pages_at_world_time):
    assert set(POST_ORDER) == set(ROLES)
    upload_dir = str(tmp_path / "uploads")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", upload_dir)
    users, values = build_world(world, db, upload_dir)

    clients = {ANONYMOUS: client}
    for role, user in users.items():
        clients[role] = app.test_client()  # the FreshContextClient set by the fixture
        login(clients[role], db, user)

    mismatches: list[tuple[str, str, str, str, str, str]] = []
    without_notice: list[tuple[str, str, int]] = []
    cells = 0

    def run(method: str, role: str, endpoint: str, url: str):
        nonlocal cells
        cells += 1
        expected = EXPECTED[(endpoint, method)][role]
        try:
            response = clients[role].open(url, method=method, data={})
        except Exception as error:  # TESTING propagates a view's exception: a 500
            mismatches.append((endpoint, method, url, role,
                               f"500 ({type(error).__name__}: {str(error)[:60]})",
                               describe(expected)))
            return
        if not check(response, expected):
            mismatches.append((endpoint, method, url, role, got(response), describe(expected)))
        elif (method == "GET" and role != ANONYMOUS
              and response.headers.get("Cache-Control") != "no-store"):
            # issue 14: nothing shown to a signed-in person stays in a cache
            mismatches.append((endpoint, method, url, role, got(response) + " cacheable",
                               "Cache-Control: no-store"))
        if (method == "GET" and response.mimetype == "text/html" and response.status_code < 300
              and endpoint not in DOCUMENTS and PRIVACY_LINK not in response.get_data(True)):
            # the privacy notice is reachable from every page of every role (footer)
            without_notice.append((endpoint, role, response.status_code))

    # GETs first: they must not change the database (no row, no audit event).
    before = row_counts(db)
    for endpoint, url in routes(app, values, "GET"):
        for role in ROLES:
            run("GET", role, endpoint, url)
    after = row_counts(db)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}

    # Then the POSTs, with an empty form; logging out goes last for each role.
    posts = sorted(routes(app, values, "POST"), key=lambda r: r[0] == "accounts.logout")
    for role in POST_ORDER:
        for endpoint, url in posts:
            run("POST", role, endpoint, url)

    report = []
    if mismatches:
        widths = [max(len(m[i]) for m in mismatches + [("route", "method", "url", "role",
                                                        "got", "expected")])
                  for i in range(6)]
        header = ("route", "method", "url", "role", "got", "expected")
        report.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        report += ["  ".join(c.ljust(w) for c, w in zip(m, widths, strict=True))
                   for m in mismatches]
    if without_notice:
        report.append("pages without the link to the privacy notice: " + ", ".join(
            f"{e} ({r}, {s})" for e, r, s in without_notice))
    if changed:
        report.append("GET requests changed row counts (table: before → after): "
                      + ", ".join(f"{t}: {b} → {a}" for t, (b, a) in changed.items()))
    assert not report, (f"{len(mismatches)} of {cells} cells differ from the access matrix "
                        "(500 always differs):\n" + "\n".join(report))
