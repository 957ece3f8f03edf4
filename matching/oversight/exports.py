"""Exports for evaluators: candidacies, jury scores per round and criterion, decision
methods, appeals and their outcomes, as CSV and XLSX (R-OBS-1: everything of the
procedure is readable for Europa WSE; nothing here changes anything).

Rows: ONE ROW PER CANDIDACY AND ROUND in which the jury decided at least one criterion,
plus one row (``ronde`` empty) for a candidacy that was never decided in any round
(inadmissible, withdrawn, still submitted...). Drafts (never submitted) are not part of
the procedure and are left out. ``geselecteerd`` is the jury's outcome of that round on
the threshold of R-JURY-5 (both criteria ≥ 3), filled only when both criteria are
decided; a reversal on appeal shows in ``weerwoord_uitkomst``, not there. The columns
``noodprocedure_*`` (issue 12, R-STEP4-1) describe the candidacy, like ``toestand``: the
emergency procedure of step 4 it was a partner in (started, motivation, concluded, the
agreed scores, selected, its place in the ranking and the ranking's motivation).

Personal data (the organisation's e-mail address, the names and e-mail addresses of the
people acting for it) is only added with ``include_personal=True``; who may ask for it
is decided by the caller (matching.oversight.views).

Issue 12 (data for evaluation) added, per candidacy: the organisation's kind and the
municipality of its seat, the regional challenges it addresses (code and title of the
procedure's latest published addendum), the date of every step (submitted, declared
inadmissible, withdrawn, each round's decision and its receipt, the pitch held, ratified);
per round: the jury's composition for each criterion (the blocs that reached consensus, or
each bloc's vote in the deciding ballot, R-JURY-4; with the number of matchmakers
per bloc), and for an appeal its grounds, the
moment it was decided and each panel member's position (no names). An appeal against an
inadmissibility (round 0) shows on the candidacy's row with ``ronde`` empty, which a
candidacy whose inadmissibility was reversed and then decided keeps for it.

Streamed (issue 17): the rows are produced batch by batch, a batch being whole procedures
with at most :data:`EXPORT_BATCH` candidacies together (a larger procedure is a batch of
its own), and written out as they come (:func:`iter_csv`), so memory stays constant however
many procedures there are and the time grows linearly. The rows are column tuples, not ORM
objects. The batches follow the export's order (work area by its unique name, procedure by
its sequence, unique within the work area), so the output is the same as in one piece.

Per batch a constant number of queries: one select for the candidacies (with organisation,
procedure and work area), one each for the jury decisions, the ballots' votes, the appeals,
the panels' positions, the contributions, the challenges, the decision notices, the pitches
and the inadmissibility transitions and, with personal data, one for the applicants; the
rest are dict lookups; and one statement before the first batch for the procedures and
their number of candidacies.

Besides the candidacies: :func:`totals_rows` (per work area and for Flanders, from
:mod:`matching.oversight.evaluation`) and :func:`emergency_rows` (R-STEP4-1's outcomes).
"""

from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO, Any

from sqlalchemy import ColumnElement, func, select

from appeals.models import Appeal, PanelMember
from appeals.rules import APPEAL_STATE_LABELS, POSITION_LABELS, AppealState, Position
from juries.emergency.models import EmergencyOutcome, EmergencyProcedure, EmergencyState
from juries.models import JuryDecision, PitchAppointment, Vote
from juries.rules import BLOC_LABELS, Bloc, Method, passes_threshold
from matching.accounts import municipalities
from matching.accounts.models import Organisation, RoleGrant, User
from matching.accounts.rules import KIND_LABELS, Role
from matching.audit.models import Transition
from matching.candidacies.models import Candidacy, Contribution, DecisionNotice
from matching.candidacies.rules import (
    CANDIDACY_STATE_LABELS,
    CandidacyState,
    CandidacyStep,
    Criterion,
)
from matching.core.dates import format_brussels
from matching.core.db import db
from matching.core.text import neutralise_formula
from matching.oversight.evaluation import Evaluation, Totals
from workareas.models import AddendumVersion, Procedure, RegionalChallenge, WorkArea

#: Issue 12: the emergency procedure of step 4 the candidacy was a partner in.
CANDIDACY_EMERGENCY_COLUMNS: tuple[str, ...] = (
    "noodprocedure_gestart_op", "noodprocedure_motivering", "noodprocedure_afgesloten_op",
    "noodprocedure_score_cruciale_bijdrage", "noodprocedure_score_fit_for_partnership",
    "noodprocedure_geselecteerd", "noodprocedure_plaats", "noodprocedure_motivering_rangschikking",
)

COLUMNS: tuple[str, ...] = (
    "werkingsgebied", "procedure", "procedure_id", "kandidatuur", "organisatie",
    "ondernemingsnummer", "toestand", "ronde",
    "score_cruciale_bijdrage", "methode_cruciale_bijdrage", "motivering_cruciale_bijdrage",
    "score_fit_for_partnership", "methode_fit_for_partnership",
    "motivering_fit_for_partnership",
    "geselecteerd", "beslist_op", "weerwoord", "weerwoord_uitkomst", "weerwoord_ingediend_op",
    # issue 12: data for evaluation
    "organisatie_soort", "organisatie_gemeente", "regio_uitdagingen",
    "ingediend_op", "onontvankelijk_verklaard_op", "ingetrokken_op",
    "beslist_ronde_1_op", "beslissing_ronde_1_ontvangen_op", "pitch_gehouden_op",
    "beslist_ronde_2_op", "beslissing_ronde_2_ontvangen_op", "bekrachtigd_op",
    "jury_cruciale_bijdrage", "jury_fit_for_partnership",
    "weerwoord_gronden", "weerwoord_beslist_op", "weerwoord_panel",
    *CANDIDACY_EMERGENCY_COLUMNS,
)


#: Personal data: only with ``include_personal=True``.
PERSONAL_COLUMNS: tuple[str, ...] = ("organisatie_email", "aanvragers_namen",
                                     "aanvragers_emails")

_CRITERION_PREFIX = {Criterion.CRUCIAL_CONTRIBUTION: "cruciale_bijdrage",
                     Criterion.FIT_FOR_PARTNERSHIP: "fit_for_partnership"}


_METHOD_LABELS = {Method.CONSENSUS: "consensus", Method.BALLOT: "stemming"}


_APPEAL_OUTCOMES = {AppealState.CONFIRMED: "bevestigd", AppealState.REVERSED: "omgekeerd"}

Row = dict[str, object]


def columns(include_personal: bool) -> tuple[str, ...]:
    return COLUMNS + (PERSONAL_COLUMNS if include_personal else ())


def _when(instant: datetime | None) -> str:
    return format_brussels(instant) if instant is not None else ""


def _jury(decision: Any, votes: dict[int, list[tuple[Bloc, int]]]) -> str:
    """Who decided: the blocs that reached consensus (with the number of their matchmakers
    on the jury for this candidacy), or each bloc's vote in the ballot."""
    if decision is None:
        return ""
    if decision.method == Method.BALLOT and decision.ballot_id is not None:
        cast = sorted(votes.get(decision.ballot_id, []), key=lambda v: _BLOC_ORDER[v[0]])
        return "stemming: " + ", ".join(f"{BLOC_LABELS[b]} {score}" for b, score in cast)
    members = Counter(Bloc(b) for b in decision.jury_blocs.split(",") if b)
    return "consensus: " + ", ".join(f"{BLOC_LABELS[b]} ({members[b]})"
                                     for b in sorted(members, key=lambda b: _BLOC_ORDER[b]))


_BLOC_ORDER = {bloc: index for index, bloc in enumerate(Bloc)}


def _decided_at(by_criterion: dict[Criterion, Any]) -> datetime | None:
    return (max(d.decided_at for d in by_criterion.values())
            if len(by_criterion) == len(Criterion) else None)


#: Candidacies per batch of the export (whole procedures): bounds the memory a running
#: export holds, whatever the number of procedures.
EXPORT_BATCH = 2000


def export_batches(procedure_ids: list[int] | None, batch: int | None = EXPORT_BATCH
                   ) -> list[list[int]]:
    """The procedures with a submitted candidacy (of ``procedure_ids``, or all), in the
    export's order, grouped into batches of whole procedures with at most ``batch``
    candidacies together (``None``: one batch). One statement."""
    scope: ColumnElement[bool] = Candidacy.submitted_at.is_not(None)
    if procedure_ids is not None:
        scope = scope & Candidacy.procedure_id.in_(procedure_ids)
    counted = db.session.execute(
        select(Procedure.id, func.count(Candidacy.id))
        .join(Candidacy, Candidacy.procedure_id == Procedure.id)
        .join(WorkArea, Procedure.work_area_id == WorkArea.id)
        .where(scope)
        .group_by(Procedure.id, WorkArea.name, Procedure.sequence)
        .order_by(WorkArea.name, Procedure.sequence)).tuples().all()
    batches: list[list[int]] = []
    size = 0
    for procedure_id, n in counted:
        if not batches or (batch is not None and size + n > batch):
            batches.append([])
            size = 0
        batches[-1].append(procedure_id)
        size += n
    return batches


def export_rows(procedure_ids: list[int] | None, include_personal: bool,
                batch: int | None = EXPORT_BATCH) -> Iterator[Row]:
    """The export rows (dicts keyed by :func:`columns`) of the given procedures, or of
    every procedure with ``None``; in the order work area, procedure, candidacy, round.
    A generator: each batch of procedures (:func:`export_batches`) is read when the
    rows before it were taken."""
    for procedures in export_batches(procedure_ids, batch):
        yield from _batch_rows(procedures, include_personal)


def _batch_rows(procedure_ids: list[int], include_personal: bool) -> Iterator[Row]:
    """The rows of these procedures (one batch): a constant number of statements."""
    scope: ColumnElement[bool] = (Candidacy.submitted_at.is_not(None)
                                  & Candidacy.procedure_id.in_(procedure_ids))
    in_scope = select(Candidacy.id).where(scope)

    decisions: dict[int, dict[int, dict[Criterion, Any]]] = defaultdict(dict)
    for d in db.session.execute(
            select(JuryDecision.candidacy_id, JuryDecision.round, JuryDecision.criterion,
                   JuryDecision.score, JuryDecision.method, JuryDecision.motivation,
                   JuryDecision.ballot_id, JuryDecision.jury_blocs, JuryDecision.decided_at)
            .where(JuryDecision.candidacy_id.in_(in_scope))):
        decisions[d.candidacy_id].setdefault(d.round, {})[d.criterion] = d
    votes: dict[int, list[tuple[Bloc, int]]] = defaultdict(list)
    for ballot_id, bloc, score in db.session.execute(
            select(Vote.ballot_id, Vote.bloc, Vote.score)
            .join(JuryDecision, JuryDecision.ballot_id == Vote.ballot_id)
            .where(JuryDecision.candidacy_id.in_(in_scope))):
        votes[ballot_id].append((bloc, score))
    appeals: dict[tuple[int, int], Any] = {
        (a.candidacy_id, a.round): a
        for a in db.session.execute(
            select(Appeal.id, Appeal.candidacy_id, Appeal.round, Appeal.state,
                   Appeal.filed_at, Appeal.grounds, Appeal.decided_at)
            .where(Appeal.candidacy_id.in_(in_scope)))}
    positions: dict[int, list[Position | None]] = defaultdict(list)
    for appeal_id, position in db.session.execute(
            select(PanelMember.appeal_id, PanelMember.position)
            .join(Appeal, Appeal.id == PanelMember.appeal_id)
            .where(Appeal.candidacy_id.in_(in_scope)).order_by(PanelMember.id)):
        positions[appeal_id].append(position)
    codes: dict[int, list[str]] = defaultdict(list)
    for cid, code in db.session.execute(
            select(Contribution.candidacy_id, Contribution.challenge_code)
            .where(Contribution.candidacy_id.in_(in_scope)).order_by(Contribution.id)):
        codes[cid].append(code)
    titles: dict[tuple[int, str], tuple[int, str]] = {}  # latest published version's title
    for pid, number, code, title in db.session.execute(
            select(AddendumVersion.procedure_id, AddendumVersion.number,
                   RegionalChallenge.code, RegionalChallenge.title)
            .join(RegionalChallenge, RegionalChallenge.version_id == AddendumVersion.id)
            .where(AddendumVersion.published_at.is_not(None),
                   AddendumVersion.procedure_id.in_(select(Candidacy.procedure_id)
                                                    .where(scope)))):
        if titles.get((pid, code), (0, ""))[0] < number:
            titles[(pid, code)] = (number, title)
    received: dict[tuple[int, int], datetime] = {
        (cid, round_no): at for cid, round_no, at in db.session.execute(
            select(DecisionNotice.candidacy_id, DecisionNotice.round,
                   DecisionNotice.received_at)
            .where(DecisionNotice.candidacy_id.in_(in_scope))
            .order_by(DecisionNotice.received_at))}
    pitched: dict[int, datetime | None] = dict(db.session.execute(
        select(PitchAppointment.candidacy_id, PitchAppointment.held_at)
        .where(PitchAppointment.candidacy_id.in_(in_scope))).tuples().all())
    inadmissible: dict[int, datetime] = dict(db.session.execute(
        select(Transition.object_id, func.max(Transition.at))
        .where(Transition.object_type == "candidacy",
               Transition.step == CandidacyStep.DECLARE_INADMISSIBLE.value,
               Transition.object_id.in_(in_scope))
        .group_by(Transition.object_id)).tuples().all())
    applicants: dict[int, list[tuple[str, str]]] = defaultdict(list)
    if include_personal:
        for org_id, name, email in db.session.execute(
                select(RoleGrant.organisation_id, User.name, User.email)
                .join(User, RoleGrant.user_id == User.id)
                .where(RoleGrant.role == Role.APPLICANT,
                       RoleGrant.organisation_id.in_(select(Candidacy.organisation_id)
                                                     .where(scope)))
                .order_by(User.name, User.id)):
            applicants[org_id].append((name, email))

    emergency, open_by_procedure = _emergency_columns(in_scope, procedure_ids)
    candidacies = db.session.execute(
        select(Candidacy.id, Candidacy.reference, Candidacy.state, Candidacy.organisation_id,
               Organisation.name, Organisation.enterprise_number, Organisation.email,
               Procedure.id, Procedure.title, Procedure.sequence, WorkArea.name,
               Organisation.kind, Organisation.seat_nis_code, Candidacy.submitted_at,
               Candidacy.withdrawn_at, Procedure.ratified_at)
        .join(Organisation, Candidacy.organisation_id == Organisation.id)
        .join(Procedure, Candidacy.procedure_id == Procedure.id)
        .join(WorkArea, Procedure.work_area_id == WorkArea.id)
        .where(scope)
        .order_by(WorkArea.name, Procedure.sequence, Candidacy.reference, Candidacy.id))
    seats = municipalities.by_code()
    for (cid, reference, state, org_id, org_name, enterprise_number, org_email,
         procedure_id, title, sequence, area_name, kind, nis_code, submitted_at,
         withdrawn_at, ratified_at) in candidacies:
        rounds = decisions.get(cid, {})
        seat = seats.get(nis_code) if nis_code else None
        base: Row = {
            "werkingsgebied": area_name, "procedure": f"{sequence}. {title}",
            "procedure_id": procedure_id, "kandidatuur": reference, "organisatie": org_name,
            "ondernemingsnummer": enterprise_number, "toestand": CANDIDACY_STATE_LABELS[state],
            "organisatie_soort": KIND_LABELS[kind],
            "organisatie_gemeente": seat.name if seat else "",
            "regio_uitdagingen": "; ".join(
                f"{code} {titles[(procedure_id, code)][1]}" if (procedure_id, code) in titles
                else code for code in codes.get(cid, [])),
            "ingediend_op": _when(submitted_at),
            "onontvankelijk_verklaard_op": _when(inadmissible.get(cid)),
            "ingetrokken_op": _when(withdrawn_at),
            "beslist_ronde_1_op": _when(_decided_at(rounds.get(1, {}))),
            "beslissing_ronde_1_ontvangen_op": _when(received.get((cid, 1))),
            "pitch_gehouden_op": _when(pitched.get(cid)),
            "beslist_ronde_2_op": _when(_decided_at(rounds.get(2, {}))),
            "beslissing_ronde_2_ontvangen_op": _when(received.get((cid, 2))),
            "bekrachtigd_op": _when(ratified_at),
        }
        # an open emergency procedure concerns the partners of step 4
        emergency_open = ({procedure_id: open_by_procedure[procedure_id]}
                          if state == CandidacyState.ADMITTED_TO_STEP4
                          and procedure_id in open_by_procedure else {})
        personal: Row = {}
        if include_personal:
            people = applicants.get(org_id, [])
            personal = {"organisatie_email": org_email or "",
                        "aanvragers_namen": "; ".join(n for n, _ in people),
                        "aanvragers_emails": "; ".join(e for _, e in people)}
        round_nos: list[int | None] = [*sorted(rounds)] or [None]  # undecided: one row
        if rounds and (cid, 0) in appeals:  # an inadmissibility reversed, then decided
            round_nos.insert(0, None)
        for round_no in round_nos:
            row = dict(base, ronde=round_no)
            by_criterion = rounds.get(round_no, {}) if round_no is not None else {}
            for criterion, prefix in _CRITERION_PREFIX.items():
                decision = by_criterion.get(criterion)
                row[f"score_{prefix}"] = decision.score if decision else None
                row[f"methode_{prefix}"] = _METHOD_LABELS[decision.method] if decision else ""
                row[f"motivering_{prefix}"] = decision.motivation if decision else ""
                row[f"jury_{prefix}"] = _jury(decision, votes)
            complete = len(by_criterion) == len(Criterion)
            row["geselecteerd"] = (
                ("ja" if passes_threshold({c: d.score for c, d in by_criterion.items()})
                 else "nee") if complete else "")
            row["beslist_op"] = _when(_decided_at(by_criterion))
            # the undecided row carries the appeal against an inadmissibility (round 0)
            appeal = appeals.get((cid, round_no if round_no is not None else 0))
            row["weerwoord"] = APPEAL_STATE_LABELS[appeal.state] if appeal else ""
            row["weerwoord_uitkomst"] = _APPEAL_OUTCOMES.get(appeal.state, "") if appeal else ""
            row["weerwoord_ingediend_op"] = _when(appeal.filed_at) if appeal else ""
            row["weerwoord_gronden"] = appeal.grounds if appeal else ""
            row["weerwoord_beslist_op"] = _when(appeal.decided_at) if appeal else ""
            row["weerwoord_panel"] = "; ".join(
                f"lid {i}: {POSITION_LABELS[p] if p else 'nog geen standpunt'}"
                for i, p in enumerate(positions.get(appeal.id, []), start=1)) if appeal else ""
            row.update(emergency.get(cid) or emergency_open.get(procedure_id) or {})
            row.update(personal)
            yield row


# --- totals per work area and for Flanders; the emergency procedures ------------------------

TOTALS_COLUMNS: tuple[str, ...] = (
    "werkingsgebied", "procedures", "kandidaturen", "ontvankelijk",
    "geselecteerd_ronde_1", "geselecteerd_ronde_2", "toegelaten_tot_stap_4", "bekrachtigd",
    "weerwoorden", "omgekeerd_na_weerwoord", "onontvankelijk", "ingetrokken",
    "dagen_publicatie_tot_beslissing_mediaan", "noodprocedures", "noodprocedures_afgerond",
    "noodprocedure_partners", "noodprocedure_geselecteerd",
)


#: The name of the row with the sum of every work area.
FLANDERS = "Vlaanderen (alle werkingsgebieden)"


def _totals_row(name: str, t: Totals) -> Row:
    median = t.median_days_to_decision
    return {
        "werkingsgebied": name, "procedures": t.procedures, "kandidaturen": t.candidacies,
        "ontvankelijk": t.admissible, "geselecteerd_ronde_1": t.selected_round_1,
        "geselecteerd_ronde_2": t.selected_round_2, "toegelaten_tot_stap_4": t.after_appeal,
        "bekrachtigd": t.ratified, "weerwoorden": t.appeals,
        "omgekeerd_na_weerwoord": t.reversals, "onontvankelijk": t.inadmissible,
        "ingetrokken": t.withdrawn,
        "dagen_publicatie_tot_beslissing_mediaan": "" if median is None else median,
        "noodprocedures": t.emergencies, "noodprocedures_afgerond": t.emergencies_concluded,
        "noodprocedure_partners": t.emergency_partners,
        "noodprocedure_geselecteerd": t.emergency_selected,
    }


def totals_rows(evaluation: Evaluation) -> Iterator[Row]:
    """One row per work area (by name), then one for all of Flanders."""
    for area in evaluation.areas:
        yield _totals_row(area.name, area.totals)
    yield _totals_row(FLANDERS, evaluation.flanders)


EMERGENCY_COLUMNS: tuple[str, ...] = (
    "werkingsgebied", "procedure", "procedure_id", "noodprocedure_id", "gestart_op",
    "afgerond_op", "kandidatuur", "organisatie", "score_cruciale_bijdrage",
    "score_fit_for_partnership", "geselecteerd", "rang",
)


def emergency_rows() -> Iterator[Row]:
    """Every emergency procedure (R-STEP4-1) with one row per partner's outcome (one row with
    empty outcome columns while it has none); two statements."""
    outcomes: dict[int, list[tuple]] = defaultdict(list)
    for row in db.session.execute(
            select(EmergencyOutcome.emergency_id, Candidacy.reference, Organisation.name,
                   EmergencyOutcome.crucial_contribution,
                   EmergencyOutcome.fit_for_partnership, EmergencyOutcome.selected,
                   EmergencyOutcome.rank)
            .join(Candidacy, Candidacy.id == EmergencyOutcome.candidacy_id)
            .join(Organisation, Organisation.id == Candidacy.organisation_id)
            .order_by(EmergencyOutcome.emergency_id, EmergencyOutcome.rank.is_(None),
                      EmergencyOutcome.rank, Candidacy.reference)):  # the ranked first
        outcomes[row[0]].append(tuple(row[1:]))
    for eid, started_at, concluded_at, pid, title, sequence, area in db.session.execute(
            select(EmergencyProcedure.id, EmergencyProcedure.started_at,
                   EmergencyProcedure.concluded_at, Procedure.id, Procedure.title,
                   Procedure.sequence, WorkArea.name)
            .join(Procedure, Procedure.id == EmergencyProcedure.procedure_id)
            .join(WorkArea, WorkArea.id == Procedure.work_area_id)
            .order_by(WorkArea.name, Procedure.sequence, EmergencyProcedure.id)):
        base: Row = {"werkingsgebied": area, "procedure": f"{sequence}. {title}",
                     "procedure_id": pid, "noodprocedure_id": eid,
                     "gestart_op": _when(started_at), "afgerond_op": _when(concluded_at)}
        if eid not in outcomes:
            yield dict(base, kandidatuur="", organisatie="", score_cruciale_bijdrage=None,
                       score_fit_for_partnership=None, geselecteerd="", rang=None)
        for reference, name, cc, ffp, selected, rank in outcomes.get(eid, []):
            yield dict(base, kandidatuur=reference, organisatie=name,
                       score_cruciale_bijdrage=cc, score_fit_for_partnership=ffp,
                       geselecteerd="ja" if selected else "nee", rang=rank)


def _emergency_columns(in_scope, procedure_ids: list[int] | None
                       ) -> tuple[dict[int, Row], dict[int, Row]]:
    """Issue 12: the emergency procedure of step 4 (R-STEP4-1) in the export: per candidacy
    the outcome of the last concluded one it was a partner in (the same on every row of
    the candidacy, like its state); per procedure the one still open (started, its
    motivation, no outcome yet), for its partners. Two statements."""
    blank: Row = dict.fromkeys(CANDIDACY_EMERGENCY_COLUMNS, "")
    by_candidacy: dict[int, Row] = {}
    for outcome, emergency in db.session.execute(
            select(EmergencyOutcome, EmergencyProcedure)
            .join(EmergencyProcedure, EmergencyOutcome.emergency_id == EmergencyProcedure.id)
            .where(EmergencyOutcome.candidacy_id.in_(in_scope))
            .order_by(EmergencyProcedure.concluded_at, EmergencyProcedure.id)).tuples():
        by_candidacy[outcome.candidacy_id] = dict(
            blank, noodprocedure_gestart_op=_when(emergency.started_at),
            noodprocedure_motivering=emergency.motivation,
            noodprocedure_afgesloten_op=_when(emergency.concluded_at),
            noodprocedure_score_cruciale_bijdrage=outcome.crucial_contribution,
            noodprocedure_score_fit_for_partnership=outcome.fit_for_partnership,
            noodprocedure_geselecteerd="ja" if outcome.selected else "nee",
            noodprocedure_plaats=outcome.rank or "",
            noodprocedure_motivering_rangschikking=emergency.ranking_motivation or "")
    open_query = select(EmergencyProcedure).where(
        EmergencyProcedure.state == EmergencyState.OPEN)
    if procedure_ids is not None:
        open_query = open_query.where(EmergencyProcedure.procedure_id.in_(procedure_ids))
    by_procedure: dict[int, Row] = {
        e.procedure_id: dict(blank, noodprocedure_gestart_op=_when(e.started_at),
                             noodprocedure_motivering=e.motivation)
        for e in db.session.scalars(open_query)}
    return by_candidacy, by_procedure


def _header_and_rows(rows: Iterable[Row],
                     header: Sequence[str] | None) -> tuple[Sequence[str], Iterator[Row]]:
    """The header (given, or the first row's keys, or :data:`COLUMNS` when empty)."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return tuple(header or COLUMNS), iter(())
    return tuple(header or first.keys()), itertools.chain([first], iterator)


def _csv_safe(value: object) -> object:
    """A text a spreadsheet would take for a formula (= + - @ | tab CR, fullwidth forms
    too: ``matching.core.text.neutralise_formula``) gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value)
    return value


#: Rows written per piece of a streamed CSV (a piece is one chunk of the response).
CSV_PIECE_ROWS = 500


def iter_csv(rows: Iterable[Row], header: Sequence[str] | None = None) -> Iterator[bytes]:
    """:func:`to_csv` in pieces, as the rows come (issue 17: a streamed response): the BOM
    and the header, then every :data:`CSV_PIECE_ROWS` rows; joined, exactly
    :func:`to_csv`'s bytes."""
    header, rows = _header_and_rows(rows, header)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_csv_safe(row.get(column)) for column in header])
        if n % CSV_PIECE_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def to_csv(rows: Iterable[Row], header: Sequence[str] | None = None) -> bytes:
    """UTF-8 with a BOM (so Excel reads the accents right), comma-separated, a header
    row first. Text that a spreadsheet would take for a formula gets a leading quote."""
    return b"".join(iter_csv(rows, header))


#: Column widths (characters) for the XLSX; others get the default.
_WIDTHS = {"werkingsgebied": 24, "procedure": 28, "procedure_id": 12, "kandidatuur": 22,
           "organisatie": 32, "ondernemingsnummer": 18, "toestand": 28, "ronde": 8,
           "geselecteerd": 13, "beslist_op": 17, "weerwoord": 28, "weerwoord_uitkomst": 19,
           "weerwoord_ingediend_op": 22, "organisatie_email": 30, "aanvragers_namen": 30,
           "aanvragers_emails": 36}


def _width(column: str) -> float:
    if column.startswith("motivering_") or column == "weerwoord_gronden":
        return 60
    if column.startswith("jury_") or column in ("regio_uitdagingen", "weerwoord_panel"):
        return 40
    if column.startswith(("score_", "methode_")):
        return 14
    return _WIDTHS.get(column, 18)


def write_xlsx(rows: Iterable[Row], out: IO[bytes],
               header: Sequence[str] | None = None) -> None:
    """Write the workbook to ``out``: one sheet 'Kandidaturen' (write-only mode), a bold
    and frozen header row. Text is always stored as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header, rows = _header_and_rows(rows, header)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Kandidaturen")
    sheet.freeze_panes = "A2"
    for index, column in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _width(column)
    bold = Font(bold=True)

    def header_cell(value: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=value)
        cell.font = bold
        return cell

    def cell(value: object) -> object:
        if not isinstance(value, str):
            return value
        c = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        c.data_type = "s"  # never a formula (＝1+1, |cmd … too): shown as typed
        return c

    sheet.append([header_cell(column) for column in header])
    for row in rows:
        sheet.append([cell(row.get(column)) for column in header])
    workbook.save(out)


def to_xlsx(rows: Iterable[Row], header: Sequence[str] | None = None) -> bytes:
    """One sheet 'Kandidaturen' (write-only mode), a bold and frozen header row.
    Text is always stored as text, never as a formula."""
    buffer = io.BytesIO()
    write_xlsx(rows, buffer, header)
    return buffer.getvalue()


#: Bytes per piece of a streamed XLSX.
XLSX_PIECE_BYTES = 64 * 1024


def iter_xlsx(rows: Iterable[Row], header: Sequence[str] | None = None) -> Iterator[bytes]:
    """:func:`to_xlsx` in pieces (issue 17): the workbook is written to a temporary file
    (openpyxl's write-only mode keeps the rows on disk, and a ZIP's directory comes last,
    so nothing can be sent before the end), then sent from it in pieces: the memory
    stays constant, the file is removed once sent or abandoned."""
    with tempfile.TemporaryFile() as spool:
        write_xlsx(rows, spool, header)
        spool.seek(0)
        while piece := spool.read(XLSX_PIECE_BYTES):
            yield piece
