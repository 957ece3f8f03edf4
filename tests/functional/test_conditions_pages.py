"""The six-condition page (R-OBS-1): statuses with their evidence, observations and
answers, a refused and a given ratification, the final report, the filtered trail."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from matching.oversight.kept_conditions import forget
from matching.oversight.models import FinalReport, Observation
from tests.support import QueryCounter, login, snapshot
from workareas.rules import ProcedureState


def decided(world, db):
    a, b, _ = world.decided_procedure()
    world.observer()
    return a, b


def test_the_page_shows_six_statuses_with_links_to_the_evidence(app, world, db, client,
                                                                 pages_at_world_time):
    a, b = decided(world, db)
    login(client, db, world.observer())
    r = client.get(f"/observatie/procedures/{world.procedure.id}/voorwaarden")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    assert page.count('class="status-met"') == 12  # summary table and section headings
    for title in ("Overal in Vlaanderen dezelfde standaardprocedure", "Weerwoord mogelijk bij "
                  "niet-selectie", "Gepubliceerd op"):
        assert title in page
    assert f'/observatie/procedures/{world.procedure.id}#addendum' in page
    # the overview shows it at a glance
    overview = client.get("/observatie").get_data(as_text=True)
    assert "6 van 6 voldaan" in overview


def test_an_observation_refused_then_recorded_and_answered(app, world, db, client,
                                                            pages_at_world_time):
    decided(world, db)
    login(client, db, world.observer())
    url = f"/observatie/procedures/{world.procedure.id}"
    before = snapshot(db)
    r = client.post(f"{url}/opmerkingen", data={"condition": "3", "text": "kort"})
    assert r.status_code == 422 and "Schrijf minstens 10 tekens." in r.get_data(as_text=True)
    assert snapshot(db) == before
    for unknown in ("9", "drie"):  # refused in Dutch next to the field, nothing saved
        r = client.post(f"{url}/opmerkingen",
                        data={"condition": unknown, "text": "Een opmerking van voldoende lengte."})
        assert r.status_code == 422
        assert "Kies een van de zes voorwaarden." in r.get_data(as_text=True)
    assert snapshot(db) == before
    r = client.post(f"{url}/opmerkingen",
                    data={"condition": "3", "text": "Waar werd het addendum aangekondigd?"})
    assert r.status_code == 302
    observation = db.session.scalar(select(Observation))
    assert observation.condition == 3

    login(client, db, world.coordinator)
    page = client.get(f"{url}/voorwaarden").get_data(as_text=True)
    assert "Waar werd het addendum aangekondigd?" in page and "Antwoord bewaren" in page
    assert "Procedure bekrachtigen" not in page  # only observers ratify
    r = client.post(f"/observatie/opmerkingen/{observation.id}/antwoord",
                    data={f"obs{observation.id}-answer": "Op de website van Europa WSE."})
    assert r.status_code == 302
    db.session.refresh(observation)
    assert observation.answer == "Op de website van Europa WSE."
    # another coordinator's or a matchmaker's attempt: 404, and the answer stays
    other, _ = world.other_coordinator()
    db.session.commit()
    for outsider in (other, world.mm["vdab1"]):
        login(client, db, outsider)
        assert client.get(f"{url}/voorwaarden").status_code == 404
        r = client.post(f"/observatie/opmerkingen/{observation.id}/antwoord",
                        data={f"obs{observation.id}-answer": "Een ander antwoord van iemand."})
        assert r.status_code == 404
    db.session.refresh(observation)
    assert observation.answer == "Op de website van Europa WSE."


def test_ratification_refused_lists_the_unmet_then_given_freezes(app, world, db, client,
                                                                pages_at_world_time):
    a, b = decided(world, db)
    appeal_time = world.clock.now
    login(client, db, world.observer())
    url = f"/observatie/procedures/{world.procedure.id}"
    # while an appeal window is still open the ratification is refused, naming condition 6
    world.clock.now = appeal_time - timedelta(days=25)  # B's window still runs
    before = snapshot(db)
    r = client.post(f"{url}/bekrachtigen", data={"bevestigd": "1"}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 422 and "niet (of nog niet) voldaan aan voorwaarde(n) 6" in page
    assert snapshot(db) == before
    world.clock.now = appeal_time
    r = client.post(f"{url}/bekrachtigen")  # issue 13: what will happen, then confirm
    assert r.status_code == 200 and "Bevestigen: bekrachtigen" in r.get_data(as_text=True)
    assert world.procedure.state != ProcedureState.RATIFIED
    r = client.post(f"{url}/bekrachtigen", data={"bevestigd": "1"})
    assert r.status_code == 302
    db.session.expire_all()
    assert world.procedure.state == ProcedureState.RATIFIED
    report = db.session.scalar(select(FinalReport))
    pdf = client.get(f"{url}/eindverslag.pdf")
    assert pdf.status_code == 200 and pdf.data == report.pdf
    assert pdf.headers["X-Content-SHA256"] == report.sha256
    page = client.get(f"{url}/voorwaarden").get_data(as_text=True)
    assert "bekrachtigd door Europa WSE" in page and "Opmerking bewaren" not in page


def test_the_trail_filters_by_candidacy_and_actor(app, world, db, client):
    a, b = decided(world, db)
    login(client, db, world.observer())
    url = f"/observatie/procedures/{world.procedure.id}/audit"
    everything = client.get(url).get_data(as_text=True)
    only_b = client.get(f"{url}?kandidatuur={b.id}").get_data(as_text=True)
    assert everything.count("<tr>") > only_b.count("<tr>") > 1
    # issue 13: in words ("pitch 1", "individuele score gegeven"), not codes
    assert "pitch gepland" in everything and "pitch gepland" not in only_b
    by_coordinator = client.get(f"{url}?persoon={world.coordinator.id}").get_data(as_text=True)
    assert "individuele score gegeven" in everything
    assert "individuele score gegeven" not in by_coordinator


def test_the_pages_issue_the_same_statements_for_few_and_many(app, world, db, client):
    world.published_procedure()
    first = [world.apply(f"Organisatie {i}") for i in range(2)]
    login(client, db, world.observer())
    pages = [f"/observatie/procedures/{world.procedure.id}/voorwaarden",
             f"/observatie/procedures/{world.procedure.id}/audit",
             f"/observatie/procedures/{world.procedure.id}/audit?kandidatuur={first[0].id}",
             "/observatie"]
    few = {}
    for page in pages:
        client.get(page)
        with QueryCounter(db) as q:
            assert client.get(page).status_code == 200
        few[page] = q.count
    for i in range(2, 12):
        world.apply(f"Organisatie {i}")
    db.session.commit()
    for page in pages:
        client.get(page)  # the audit trail is verified again once its head moved
        with QueryCounter(db) as q:
            assert client.get(page).status_code == 200
        assert q.count == few[page], page


def test_the_overview_recomputes_a_procedure_once_an_operation_changed_it(
        app, world, db, client, pages_at_world_time):
    """The overview keeps each procedure's result while its record is unchanged; every
    operation appends an audit event naming the procedure, which makes it recompute."""
    a, b = decided(world, db)
    world.clock.now -= timedelta(days=25)  # B's appeal window still runs
    login(client, db, world.observer())
    assert "5 van 6 voldaan" in client.get("/observatie").get_data(as_text=True)
    world.appeal(b)
    db.session.commit()
    page = client.get("/observatie").get_data(as_text=True)
    assert "5 van 6 voldaan" in page and "niet voldaan: 6" in page


def test_the_confirmation_says_what_of_the_audit_trail_is_checked(app, world, db, client,
                                                                  runner):
    """Issue 17: ratification checks the trail from the latest full check when it is
    recent (its moment shown, Brussels time), else the whole trail (it may take a while)."""
    from matching.audit.models import AuditCheckpoint
    from matching.audit.queries import CHECKPOINT_MAX_AGE
    from matching.core.dates import format_brussels

    decided(world, db)
    db.session.commit()
    login(client, db, world.observer())
    url = f"/observatie/procedures/{world.procedure.id}/bekrachtigen"
    page = client.post(url).get_data(as_text=True)
    assert "De volledige audittrail wordt eerst opnieuw gecontroleerd; als" in page  # none
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    checkpoint = db.session.scalar(select(AuditCheckpoint))
    page = client.post(url).get_data(as_text=True)
    assert ("elke gebeurtenis sinds de laatste volledige controle van "
            f"{format_brussels(checkpoint.checked_at)}") in page
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's trigger refuses the change
        checkpoint.checked_at -= CHECKPOINT_MAX_AGE + timedelta(hours=1)
        db.session.commit()
        page = client.post(url).get_data(as_text=True)
        assert "is ouder dan twee dagen; dat kan even duren" in page


def count_loads(monkeypatch) -> list[int]:
    """Every load of a procedure's facts for its page, on both databases (on PostgreSQL the
    facts' statements go through psycopg's pipeline, which the statement count cannot see)."""
    from matching.oversight import kept_conditions

    loads: list[int] = []
    real = kept_conditions.load_facts

    def counting(*args, **kwargs):
        loads.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(kept_conditions, "load_facts", counting)
    return loads


def test_the_conditions_page_reads_its_facts_once_while_the_audit_chain_stands_still(
        app, world, db, client, pages_at_world_time, monkeypatch):
    """Issue 17: the first view reads the account's session, the procedure with its work
    area's name, its stored report, whether it has observations or refusals and its
    published addendum's version and deadline, the audit trail's head with the latest
    checkpoint, and the five statements of the facts (on PostgreSQL sent together in one
    pipeline, outside the engine's events). A second view while the audit chain's head has
    not moved keeps the facts: three statements. An operation (here an observation) moves
    the head: the next view reads the facts again; the observations (with their authors)
    are read at every view, but only when there are any."""
    decided(world, db)
    login(client, db, world.observer())
    url = f"/observatie/procedures/{world.procedure.id}"
    first = 3 if db.engine.dialect.name == "postgresql" else 8
    client.get(f"{url}/voorwaarden")  # the session's first request, the trail's walk
    forget()  # as a worker that has not shown the procedure yet
    loads = count_loads(monkeypatch)
    with QueryCounter(db) as q:
        assert client.get(f"{url}/voorwaarden").status_code == 200
    assert q.count == first, q.statements
    assert len(loads) == 1
    with QueryCounter(db) as q:
        assert client.get(f"{url}/voorwaarden").status_code == 200
    assert q.count == 3, q.statements
    assert len(loads) == 1  # kept
    assert client.post(f"{url}/opmerkingen", data={
        "condition": "2", "text": "Hoe werden de organisaties uitgenodigd?"}).status_code == 302
    with QueryCounter(db) as q:
        page = client.get(f"{url}/voorwaarden").get_data(as_text=True)
    assert "Hoe werden de organisaties uitgenodigd?" in page
    # the facts read again (and the trail's new entry walked)
    assert q.count > first + 2, q.statements
    assert len(loads) == 2
    with QueryCounter(db) as q:
        again = client.get(f"{url}/voorwaarden").get_data(as_text=True)
    assert q.count == 3 + 2, q.statements  # kept again; the observations, their observer
    assert len(loads) == 2
    assert "Hoe werden de organisaties uitgenodigd?" in again
    assert again.count("status-met") == page.count("status-met") == 12


def test_the_kept_conditions_follow_every_operation_and_the_clock(app, world, db, client,
                                                                  pages_at_world_time,
                                                                  monkeypatch):
    """Issue 17: what a view keeps never hides a change. A change made by an operation of
    another package (a jury's decisions) moves the audit chain's head and shows at once;
    condition 6 reads the clock at every view (an appeal window closes without any
    operation)."""
    a, b = world.in_round_1("Jobkracht vzw", "Buurtwerk De Brug")
    world.round_1_closed(a, b)
    login(client, db, world.observer())
    url = f"/observatie/procedures/{world.procedure.id}/voorwaarden"
    open_window = "Er loopt nog een termijn voor een weerwoord."
    page = client.get(url).get_data(as_text=True)
    assert open_window in page
    assert client.get(url).get_data(as_text=True).count("status-met") == page.count("status-met")
    world.pitch(a)
    world.received(a, 1)
    world.decide(a, 2, (4, 3))
    world.close_round(2)
    world.received(a, 2)
    db.session.commit()
    decided = client.get(url).get_data(as_text=True)
    assert decided.count("status-met") > page.count("status-met"), "round 2 did not show"
    assert open_window in decided
    world.clock.advance(days=20)  # no operation: the windows closed with time alone
    db.session.commit()
    loads = count_loads(monkeypatch)
    with QueryCounter(db) as q:
        closed = client.get(url).get_data(as_text=True)
    assert open_window not in closed
    assert closed.count("status-met") == 12  # the six, in the summary and their sections
    # the facts were kept (only condition 6 was worked out again): none of their tables read
    assert loads == []
    assert not any(table in statement for statement in q.statements
                   for table in ("jury_decision", "decision_notice", "contribution")), q.statements
