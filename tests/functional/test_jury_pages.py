"""The matchmakers' pages: dashboard, scoring, spread, conflicts, consensus and ballots."""

import re

from markupsafe import escape
from sqlalchemy import select

from juries import operations as jury_ops
from juries.models import Assessment, Ballot, BallotState, ConflictDeclaration, JuryDecision, Vote
from juries.rules import SCALE
from matching.candidacies.rules import ASSESSMENT_QUESTIONS, Criterion
from tests.support import login, snapshot

CC, FFP = Criterion.CRUCIAL_CONTRIBUTION, Criterion.FIT_FOR_PARTNERSHIP


def in_round_1(world, db, *names):
    candidacies = world.in_round_1(*(names or ("Jobkracht vzw",)))
    db.session.commit()
    return candidacies


def score_url(c, round_no=1):
    return f"/jury/kandidaturen/{c.id}/ronde/{round_no}"


def assess(client, c, criterion=CC, score=3, round_no=1, **notes):
    p = f"a-{criterion.value}-"
    data = {p + "score": score} if score is not None else {}
    data.update({p + f"note_{i}": notes.get(f"note_{i}", f"notitie {i}") for i in range(1, 5)})
    return client.post(f"{score_url(c, round_no)}/score/{criterion.value}", data=data)


def dashboard_row(page: str, organisation: str) -> str:
    """The text of the dashboard's table row of ``organisation``."""
    row = next(r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if organisation in r)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()


def test_dashboard_lists_the_candidacies_and_what_is_left_to_score(world, db, client):
    c1, c2 = in_round_1(world, db, "Jobkracht vzw", "Werkwinkel vzw")
    login(client, db, world.mm["vdab1"])
    page = client.get("/jury").get_data(as_text=True)
    assert "Jobkracht vzw" in page and "Werkwinkel vzw" in page and "Ronde 1" in page
    assert "Mijn jury" in page  # the menu entry
    both = "Cruciale bijdrage, Fit for partnership"
    assert both in dashboard_row(page, "Jobkracht vzw")
    # vdab1 scores Jobkracht's crucial contribution: only its fit is left for them
    jury_ops.record_assessment(c1, 1, CC, 3, ["n"] * 4, actor=world.mm["vdab1"],
                               now=world.clock.now)
    db.session.commit()
    page = client.get("/jury").get_data(as_text=True)
    row = dashboard_row(page, "Jobkracht vzw")
    assert f"({c1.reference}) Fit for partnership {both}" in row  # nothing decided yet
    assert f"({c2.reference}) {both} {both}" in dashboard_row(page, "Werkwinkel vzw")
    # once both are scored by them and decided by the jury, nothing is left
    world.consensus(c1, 1, CC, 3)
    world.consensus(c1, 1, FFP, 3)
    db.session.commit()
    row = dashboard_row(client.get("/jury").get_data(as_text=True), "Jobkracht vzw")
    assert "niets meer" in row and "beide criteria beslist" in row


def test_the_dashboard_hides_conflicted_candidacies_and_needs_login(world, db, client):
    c1, c2 = in_round_1(world, db, "Jobkracht vzw", "Werkwinkel vzw")
    assert client.get("/jury").status_code == 302
    login(client, db, world.mm["vdab2"])
    r = client.post(f"/jury/kandidaturen/{c1.id}/conflict",
                    data={"reason": "Ik zetel in de raad van bestuur."})
    assert r.status_code == 200 and "Bevestigen: conflict melden" in r.get_data(as_text=True)
    assert world.count(ConflictDeclaration) == 0  # issue 13: confirmed first
    r = client.post(f"/jury/kandidaturen/{c1.id}/conflict",
                    data={"reason": "Ik zetel in de raad van bestuur.", "bevestigd": "1"})
    assert r.status_code == 302
    page = client.get("/jury").get_data(as_text=True)
    assert "Jobkracht vzw" not in page and "Werkwinkel vzw" in page
    assert client.get(score_url(c1)).status_code == 404
    assert db.session.scalar(select(ConflictDeclaration.reason)) == \
        "Ik zetel in de raad van bestuur."


def test_a_conflict_without_reason_is_refused(world, db, client):
    (c,) = in_round_1(world, db)
    login(client, db, world.mm["vdab2"])
    r = client.post(f"/jury/kandidaturen/{c.id}/conflict", data={"reason": "x"})
    assert r.status_code == 422 and "Geef kort de aard" in r.get_data(as_text=True)
    assert world.count(ConflictDeclaration) == 0


def test_scoring_page_shows_answers_needs_questions_and_the_scale(world, db, client):
    (c,) = in_round_1(world, db)
    login(client, db, world.mm["vdab1"])
    r = client.get(score_url(c))
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Toeleiding naar werk" in page and "Bereik van kwetsbare jongeren" in page
    assert "Ons antwoord op vraag crucial_contribution.1" in page
    assert "Wij bieden outreach via onze jeugdwerkers." in page
    for criterion in Criterion:  # R-JURY-2: the four questions of both criteria
        for question in ASSESSMENT_QUESTIONS[criterion]:
            assert escape(question) in page, question
        for i in range(1, 5):
            assert f'name="a-{criterion.value}-note_{i}"' in page
    for level in SCALE.values():  # R-JURY-3: the whole scale next to the score fields
        assert level in page, level
    assert "<fieldset" in page and "<legend>" in page and "<script" not in page
    assert 'name="a-crucial_contribution-score"' in page
    assert "verborgen tot u zelf gescoord heeft" in page


def test_recording_a_score_then_the_spread_appears(world, db, client):
    (c,) = in_round_1(world, db)
    login(client, db, world.mm["lokaal1"])
    r = assess(client, c, CC, 4, note_1="Sterk antwoord op de noden.")
    assert r.status_code == 302
    a = db.session.scalar(select(Assessment))
    assert (a.user_id, a.score, a.note_1) == (world.mm["lokaal1"].id, 4,
                                              "Sterk antwoord op de noden.")
    page = client.get(score_url(c)).get_data(as_text=True)
    assert "Individuele scores van de jury" in page and "nog niet gescoord" in page
    # the spread of the other criterion stays hidden
    assert page.count("verborgen tot u zelf gescoord heeft") == 1


def test_the_spread_stays_hidden_before_ones_own_score(world, db, client):
    (c,) = in_round_1(world, db)
    jury_ops.record_assessment(c, 1, CC, 2, ["a"] * 4, actor=world.mm["vdab2"], now=world.clock.now)
    db.session.commit()
    login(client, db, world.mm["vdab1"])
    page = client.get(score_url(c)).get_data(as_text=True)
    assert page.count("verborgen tot u zelf gescoord heeft") == 2
    assert "Individuele scores van de jury" not in page


def test_a_score_of_5_or_none_is_refused_next_to_the_field(world, db, client):
    (c,) = in_round_1(world, db)
    login(client, db, world.mm["vdab1"])
    before = snapshot(db)
    for bad in (5, None, "abc"):
        r = assess(client, c, CC, bad)
        page = r.get_data(as_text=True)
        assert r.status_code == 422
        assert 'class="error-summary"' in page and 'aria-invalid="true"' in page
        assert ("Een score is een geheel getal van 1 tot 4." in page
                or "Kies een score van 1 tot 4." in page)
    db.session.rollback()
    assert snapshot(db) == before


def test_matchmakers_of_another_jury_and_other_roles_get_404(world, db, client):
    (c,) = in_round_1(world, db)
    login(client, db, world.mm["extern2"])  # a matchmaker, not on this jury
    assert client.get(score_url(c)).status_code == 404
    assert assess(client, c).status_code == 404
    assert client.post(f"/jury/kandidaturen/{c.id}/conflict",
                       data={"reason": "iets anders"}).status_code == 404
    login(client, db, world.coordinator)
    assert client.get(score_url(c)).status_code == 404
    assert client.get(score_url(c, 3)).status_code == 404
    assert world.count(Assessment) == 0 and world.count(ConflictDeclaration) == 0


def everyone_scores(world, db, c, criterion, scores):
    for name, s in scores.items():
        jury_ops.record_assessment(c, 1, criterion, s, ["n"] * 4, actor=world.mm[name],
                                   now=world.clock.now)
    db.session.commit()


def test_consensus_is_recorded_and_refused_when_scores_differ(world, db, client):
    (c,) = in_round_1(world, db)
    everyone_scores(world, db, c, CC, {"vdab1": 3, "vdab2": 3, "lokaal1": 3, "extern1": 2})
    login(client, db, world.mm["vdab1"])
    url = f"{score_url(c)}/consensus/{CC.value}"
    r = client.post(url, data={"c-crucial_contribution-score": 3,
                               "c-crucial_contribution-motivation": "Sterke en unieke bijdrage."})
    assert r.status_code == 422 and "Er is geen consensus over score 3" in r.get_data(as_text=True)
    assert world.count(JuryDecision) == 0
    everyone_scores(world, db, c, CC, {"extern1": 3})
    r = client.post(url, data={"c-crucial_contribution-score": 3,
                               "c-crucial_contribution-motivation": "kort"})
    assert r.status_code == 422 and "Een motivering is verplicht" in r.get_data(as_text=True)
    r = client.post(url, data={"c-crucial_contribution-score": 3,
                               "c-crucial_contribution-motivation": "Sterke en unieke bijdrage."})
    assert r.status_code == 302
    d = db.session.scalar(select(JuryDecision))
    assert (d.score, d.method.value) == (3, "consensus")
    page = client.get(score_url(c)).get_data(as_text=True)
    assert "Sterke en unieke bijdrage." in page


def test_a_ballot_one_vote_per_bloc_and_two_thirds(world, db, client):
    (c,) = in_round_1(world, db)
    login(client, db, world.mm["vdab1"])
    r = client.post(f"{score_url(c)}/stemming/{FFP.value}", data={})
    assert r.status_code == 302
    ballot = db.session.scalar(select(Ballot))

    def vote(score):
        return client.post(f"/jury/stemmingen/{ballot.id}/stem",
                           data={"v-fit_for_partnership-score": score})

    assert vote(3).status_code == 302
    login(client, db, world.mm["vdab2"])
    r = vote(2)
    assert r.status_code == 422 and "VDAB heeft al gestemd" in r.get_data(as_text=True)
    assert world.count(Vote) == 1
    login(client, db, world.mm["lokaal1"])

    def close(motivation):
        return client.post(f"/jury/stemmingen/{ballot.id}/sluiten",
                           data={"s-fit_for_partnership-motivation": motivation})

    assert close("Te vroeg om af te sluiten.").status_code == 422
    assert vote(3).status_code == 302
    page = client.get(score_url(c)).get_data(as_text=True)
    assert "Uitkomst: score 3 heeft ⅔ van de stemmen." in page
    assert close("").status_code == 422
    assert world.count(JuryDecision) == 0
    assert close("Twee van de drie organisaties geven 3.").status_code == 302
    d = db.session.scalar(select(JuryDecision))
    assert (d.score, d.method.value, d.ballot_id) == (3, "ballot", ballot.id)


def test_a_ballot_without_two_thirds_asks_for_a_new_one_and_is_kept(world, db, client):
    (c,) = in_round_1(world, db)
    for name, s in (("vdab1", 1), ("lokaal1", 2), ("extern1", 3)):
        login(client, db, world.mm[name])
        if name == "vdab1":
            client.post(f"{score_url(c)}/stemming/{CC.value}", data={})
            ballot = db.session.scalar(select(Ballot))
        assert client.post(f"/jury/stemmingen/{ballot.id}/stem",
                           data={"v-crucial_contribution-score": s}).status_code == 302
    assert "een nieuwe stemming nodig" in client.get(score_url(c)).get_data(as_text=True)
    assert client.post(f"/jury/stemmingen/{ballot.id}/sluiten", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Ballot, ballot.id).state == BallotState.UNDECIDED
    page = client.get(score_url(c)).get_data(as_text=True)
    assert "Eerdere stemmingen" in page and "geen ⅔: nieuwe stemming" in page
    assert "Stemming openen" in page


# --- issue 11: a draft is never the jury's; a conflict ends access to the attachments --------

def test_a_draft_candidacy_answers_404_to_the_jury_by_id(world, db, client):
    """Attack: a jury member opens an unsubmitted draft of their procedure by its id."""
    from matching.candidacies import operations as candidacy_ops

    world.published_procedure()
    org = world.organisation("Concept vzw")
    draft = candidacy_ops.start_candidacy(world.procedure, org, actor=world.applicant(org),
                                          now=world.clock.now)
    world.apply("Jobkracht vzw")
    world.start_round_1()
    db.session.commit()
    login(client, db, world.mm["vdab1"])
    assert client.get(score_url(draft)).status_code == 404
    assert client.get(score_url(draft, 2)).status_code == 404
    assert assess(client, draft).status_code == 404
    assert client.post(f"/jury/kandidaturen/{draft.id}/conflict",
                       data={"reason": "x"}).status_code == 404
    assert "Concept vzw" not in client.get("/jury").get_data(as_text=True)


def test_a_conflicted_jury_member_no_longer_downloads_the_attachments(world, db, client,
                                                                       tmp_path, app,
                                                                       monkeypatch):
    from matching.candidacies import operations as candidacy_ops
    from matching.candidacies.models import Attachment
    from tests.helpers import sample_pdf

    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path))
    world.published_procedure()
    from tests.support import ALL_DECLARED, ANSWERS

    org = world.organisation("Jobkracht vzw")
    who = world.applicant(org)
    c = candidacy_ops.start_candidacy(world.procedure, org, actor=who, now=world.clock.now)
    candidacy_ops.add_attachment(c, "referenties.pdf", sample_pdf(),
                                 actor=who, now=world.clock.now)
    candidacy_ops.save_candidacy(c, actor=who, now=world.clock.now,
                                 contributions={"RU1": "Wij bieden outreach."}, answers=ANSWERS,
                                 partnership_fit="Wij werken al samen.",
                                 declarations=ALL_DECLARED)
    candidacy_ops.submit_candidacy(c, actor=who, now=world.clock.now)
    world.start_round_1()
    db.session.commit()
    item = db.session.scalar(select(Attachment))
    login(client, db, world.mm["vdab2"])
    assert client.get(f"/bijlagen/{item.id}").status_code == 200  # before the conflict
    assert client.post(f"/jury/kandidaturen/{c.id}/conflict",
                       data={"reason": "Ik zetel in de raad van bestuur.",
                             "bevestigd": "1"}).status_code == 302
    assert client.get(f"/bijlagen/{item.id}").status_code == 404
    login(client, db, world.mm["vdab1"])  # the others still read it
    assert client.get(f"/bijlagen/{item.id}").status_code == 200


def _many_awaiting(world, db, n: int, offset: int) -> list:
    """``n`` candidacies built directly (the operations are too slow for 200), in turn:
    awaiting round 1 with the jury's crucial-contribution decision and vdab1's own fit
    score, awaiting round 2 with a round-1 decision and a round-1 score (which round 2 does
    not count), and not selected after round 1 (awaiting no round)."""
    from matching.candidacies.rules import CandidacyState
    from tests.support import built_candidacies, consensus_decision

    now, vdab1 = world.clock.now, world.mm["vdab1"]
    candidacies = built_candidacies(
        db, world.procedure, range(offset, offset + n), now=now, name="Organisatie",
        kbo_from=7000, reference="KAND-J",
        states=(CandidacyState.SUBMITTED, CandidacyState.SELECTED_FOR_PITCH,
                CandidacyState.NOT_SELECTED_R1))
    rows = []
    for c in candidacies:
        if c.state != CandidacyState.NOT_SELECTED_R1:
            rows += [consensus_decision(c, CC, by=vdab1, now=now),
                     Assessment(user_id=vdab1.id, candidacy_id=c.id, round=1, criterion=FFP,
                                score=3, recorded_at=now)]
    db.session.add_all(rows)
    db.session.commit()
    return candidacies


def test_the_dashboard_issues_as_many_statements_for_5_as_for_200_candidacies(world, db, client):
    """Issue 17: the session's statement and two for the dashboard, whatever the number of
    candidacies; per row what is left in the round it awaits (a round-1 decision or score
    does not count for round 2)."""
    from tests.support import statements_for

    world.published_procedure()
    world.compose_jury()
    login(client, db, world.mm["vdab1"])
    client.get("/jury")
    _many_awaiting(world, db, 5, 0)
    five, page = statements_for(client, db, "/jury")
    many = _many_awaiting(world, db, 195, 5)
    two_hundred, page = statements_for(client, db, "/jury")
    assert five == two_hundred == 3, (five, two_hundred)
    both = "Cruciale bijdrage, Fit for partnership"
    assert "(KAND-J-00005) niets meer Fit for partnership" in dashboard_row(page, "Organisatie 5<")
    assert f"(KAND-J-00006) {both} {both}" in dashboard_row(page, "Organisatie 6<")
    assert "(KAND-J-00007) niet geselecteerd na ronde 1 Ronde 1 · Ronde 2" in dashboard_row(
        page, "Organisatie 7 <")
    assert page.count("<tr>") == 3 + 200  # the heads of round 1, round 2 and the rest
    # a conflict hides the candidacy
    db.session.add(ConflictDeclaration(user_id=world.mm["vdab1"].id, candidacy_id=many[-1].id,
                                       reason="Ik zetel in de raad van bestuur.",
                                       declared_at=world.clock.now))
    db.session.commit()
    assert "Organisatie 199" not in client.get("/jury").get_data(as_text=True)
