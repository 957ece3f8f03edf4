"""Load the facts of the six conditions (R-OBS-1) in bulk and evaluate them.

One statement per kind of record, for one procedure or all of them at once: the number
of statements does not grow with the number of procedures or candidacies. The rules
themselves are the pure functions of :mod:`matching.oversight.rules`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, NamedTuple

from sqlalchemy import (
    Boolean,
    Integer,
    String,
    any_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
    type_coerce,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import CompoundSelect, Select

from appeals.models import Appeal, PanelMember
from appeals.rules import AppealState
from juries.models import Ballot, Jury, JuryDecision, JuryMembership, Vote
from matching.accounts.models import Organisation
from matching.audit.queries import AuditStatus, audit_status, ratification_status
from matching.candidacies.models import Candidacy, Contribution, DecisionNotice, Letter
from matching.candidacies.rules import CandidacyState
from matching.core.db import db
from matching.letters.content import DECISION_KINDS, INTAKE, LetterKind
from matching.oversight.facts import (
    AppealFacts,
    CandidacyFacts,
    ConditionResult,
    DecisionFacts,
    LetterFacts,
    NeedFacts,
    NoticeFacts,
    PanelFacts,
    ProcedureFacts,
)
from matching.oversight.rules import evaluate
from workareas.models import (
    AddendumVersion,
    LocalNeed,
    Municipality,
    Procedure,
    RegionalChallenge,
    WorkAreaGovernment,
)
from workareas.rules import ProcedureState

_SELECTED_KINDS = {LetterKind.ROUND1_SELECTED, LetterKind.ROUND2_ADMITTED}

# --- the statements, built once (issue 17) ------------------------------------------------------
# Each is a Core statement executed on the session's connection: no ORM layer, no statement
# built and no cache key computed per request. The enum columns of the many-row statements
# are read as their stored text (the enum's value, see ``enum_column``) and turned into the
# members here with a dictionary, which is what the facts hold.

_IDS: BindParameter[list[int]] = bindparam("ids", expanding=True)


def _text(column):
    """An enum column as the text it stores (its member's value)."""
    return type_coerce(column, String)


def _members(enum_cls) -> dict:
    return {m.value: m for m in enum_cls}


_CANDIDACY_STATES = _members(CandidacyState)
_APPEAL_STATES = _members(AppealState)

#: The latest published addendum version of a procedure (by number, unique per procedure).
_PUBLISHED = aliased(AddendumVersion)
_LATEST_PUBLISHED = (
    select(_PUBLISHED.id)
    .where(_PUBLISHED.procedure_id == Procedure.id, _PUBLISHED.published_at.is_not(None))
    .order_by(_PUBLISHED.number.desc()).limit(1)
    .correlate(Procedure).scalar_subquery())


def with_published_addendum(statement: Select) -> Select:
    """``statement`` (it reads ``procedure``) with two more columns at its end: the id and the
    candidacy deadline of the procedure's latest published addendum version (None, None
    without one), what :class:`ProcedureRow` holds beside the procedure's own columns. A page
    that reads the procedure anyway passes them to :func:`evaluate_procedure` (issue 17: the
    conditions page, one statement fewer)."""
    return (statement.add_columns(AddendumVersion.id, AddendumVersion.candidacy_deadline)
            .outerjoin(AddendumVersion, AddendumVersion.id == _LATEST_PUBLISHED))


class ProcedureRow(NamedTuple):
    """What the facts read of a procedure itself (:data:`_PROCEDURES`' columns)."""

    id: int
    state: ProcedureState
    published_at: datetime | None
    work_area_id: int
    version_id: int | None  # the latest published addendum version
    candidacy_deadline: datetime | None  # that version's


_PROCEDURES = with_published_addendum(
    select(Procedure.id, Procedure.state, Procedure.published_at, Procedure.work_area_id))
_PROCEDURES_IN = _PROCEDURES.where(Procedure.id.in_(_IDS))
#: What the conditions read of the addendum, the work area, the jury and the candidacies'
#: challenges: few rows each, so one statement for all six (issue 17: a round trip each was
#: most of their cost), every row tagged with its kind. Columns: kind, owner (the version,
#: work area, procedure or candidacy it belongs to), a number and two texts.
_NEED, _CHALLENGE, _GOVERNMENT, _NIS_CODE, _JURY_SEAT, _CONTRIBUTION = range(6)
_VERSIONS: BindParameter[list[int]] = bindparam("versions", expanding=True)
_AREAS: BindParameter[list[int]] = bindparam("areas", expanding=True)
_NO_NUMBER, _NO_TEXT = cast(null(), Integer), cast(null(), String)


def _kind(kind: int):
    return literal_column(str(kind), Integer)


#: The letters of an appealable decision, by "round" (0: the inadmissibility, issue 12).
_DECISION_ROUNDS = {**DECISION_KINDS, LetterKind.INADMISSIBLE: INTAKE}
_ROUND_OF_KIND = {kind.value: round_no for kind, round_no in _DECISION_ROUNDS.items()}
_SELECTED_KIND_VALUES = frozenset(kind.value for kind in _SELECTED_KINDS)
#: The decision letters (by version, then id: a correction comes after what it corrects)
#: and the moments their decisions were received (by id), in one statement (issue 17).
#: Columns: tag (0 a letter, 1 a notice), procedure, candidacy, the letter's id or the
#: notice's round, the letter's kind, whether the notice's decision selected, the letter's
#: appeal deadline or the notice's moment of receipt, then the two columns it is ordered by.
_LETTER, _NOTICE = 0, 1


#: For one procedure on PostgreSQL (see :func:`_one_on_postgresql`): the procedure, its latest
#: published addendum version (NULL without one: then ``= NULL`` reads none) and work area.
_ID: BindParameter[int] = bindparam("id")
_VERSION: BindParameter[int | None] = bindparam("version")
_AREA: BindParameter[int] = bindparam("area")


class _Statements(NamedTuple):
    small_facts: CompoundSelect
    candidacies: Select
    decisions: Select
    letters_and_notices: CompoundSelect
    appeals: Select


def _statements(postgresql: bool, one: bool = False) -> _Statements:
    """The statements of :func:`load_facts`. On PostgreSQL every table read through the
    candidacies (their organisations, contributions, decisions and notices) is also
    restricted by ``column = ANY(ARRAY(the candidacies' ids))`` (issue 17): joined only on
    the candidacy, such a table was read whole (a hash join over a sequential scan, the
    planner's choice at its default costs, 1-3 ms a statement at 1x); with the ids known
    before the scan it is read by its index. The rows are the same (the join restricts
    them already); elsewhere the condition is left out. Not the appeals: a few hundred
    rows at 1x, which PostgreSQL then scans comparing each with the whole array (slower).

    ``one``: for one procedure, selected by the single values ``id``, ``version`` and
    ``area`` (:data:`_ID`…) instead of the lists ``ids``, ``versions`` and ``areas``, and
    the letter kinds compared as their text: no parameter SQLAlchemy would have to expand or
    convert, so that their SQL can be sent as it is (:func:`_one_on_postgresql`)."""

    def of_procedures(column):
        return column == _ID if one else column.in_(_IDS)

    def of_versions(column):
        return column == _VERSION if one else column.in_(_VERSIONS)

    def of_areas(column):
        return column == _AREA if one else column.in_(_AREAS)

    #: The candidacies of the procedures: their ids, their organisations' ids.
    candidacy_ids = select(Candidacy.id).where(of_procedures(Candidacy.procedure_id))
    organisation_ids = (select(Candidacy.organisation_id)
                        .where(of_procedures(Candidacy.procedure_id)))

    def among(column, ids):
        return column == any_(func.array(ids)) if postgresql else true()

    def of_candidacies(column):
        return among(column, candidacy_ids.scalar_subquery())

    def of_organisations(column):
        return among(column, organisation_ids.scalar_subquery())

    decision_kinds = (_text(Letter.kind).in_(sorted(k.value for k in _DECISION_ROUNDS)) if one
                      else Letter.kind.in_(list(_DECISION_ROUNDS)))

    small_facts = union_all(
        select(_kind(_NEED).label("kind"), LocalNeed.version_id.label("owner"),
               LocalNeed.position.label("number"), LocalNeed.title.label("a"),
               LocalNeed.motivation.label("b"))
        .where(of_versions(LocalNeed.version_id)),
        select(_kind(_CHALLENGE), RegionalChallenge.version_id, _NO_NUMBER, RegionalChallenge.code,
               _NO_TEXT)
        .where(of_versions(RegionalChallenge.version_id)),
        select(_kind(_GOVERNMENT), WorkAreaGovernment.work_area_id,
               WorkAreaGovernment.organisation_id, _NO_TEXT, _NO_TEXT)
        .where(of_areas(WorkAreaGovernment.work_area_id)),
        select(_kind(_NIS_CODE), Municipality.work_area_id, _NO_NUMBER, Municipality.nis_code,
               _NO_TEXT)
        .where(of_areas(Municipality.work_area_id), Municipality.nis_code.is_not(None)),
        select(_kind(_JURY_SEAT), Jury.procedure_id, JuryMembership.user_id,
               cast(JuryMembership.bloc, String), _NO_TEXT)
        .join(JuryMembership, JuryMembership.jury_id == Jury.id)
        .where(of_procedures(Jury.procedure_id)),
        select(_kind(_CONTRIBUTION), Contribution.candidacy_id, _NO_NUMBER,
               Contribution.challenge_code, _NO_TEXT)
        .join(Candidacy, Candidacy.id == Contribution.candidacy_id)
        .where(of_procedures(Candidacy.procedure_id), of_candidacies(Contribution.candidacy_id)),
    ).order_by(literal_column("kind"), literal_column("number"))  # the needs by position
    candidacies = (
        select(Candidacy.id, Candidacy.procedure_id, Candidacy.reference,
               Candidacy.organisation_id, Organisation.name, _text(Organisation.kind),
               _text(Candidacy.state), Candidacy.submitted_at.is_not(None),
               Candidacy.declares_individual, Candidacy.inadmissible_reason,
               Organisation.seat_nis_code)
        .join(Organisation, Organisation.id == Candidacy.organisation_id)
        .where(of_procedures(Candidacy.procedure_id), of_organisations(Organisation.id))
        .order_by(Candidacy.id))
    #: Every decision with the votes of its ballot (one row per vote; one row without).
    decisions = (
        select(Candidacy.procedure_id, JuryDecision.id, JuryDecision.candidacy_id,
               JuryDecision.round, _text(JuryDecision.criterion), JuryDecision.score,
               func.length(func.trim(JuryDecision.motivation)), _text(JuryDecision.method),
               JuryDecision.jury_blocs, JuryDecision.ballot_id, _text(Ballot.state),
               Ballot.outcome_score, _text(Vote.bloc), Vote.score)
        .join(Candidacy, Candidacy.id == JuryDecision.candidacy_id)
        .outerjoin(Ballot, Ballot.id == JuryDecision.ballot_id)
        .outerjoin(Vote, Vote.ballot_id == JuryDecision.ballot_id)
        .where(of_procedures(Candidacy.procedure_id), of_candidacies(JuryDecision.candidacy_id))
        .order_by(JuryDecision.id, Vote.id))
    letters_and_notices = union_all(
        select(_kind(_LETTER).label("tag"), Letter.procedure_id.label("procedure"),
               Letter.candidacy_id.label("candidacy"), Letter.id.label("number"),
               _text(Letter.kind).label("letter_kind"), cast(null(), Boolean).label("selected"),
               Letter.appeal_deadline.label("at"), Letter.version.label("first"),
               Letter.id.label("second"))
        .where(of_procedures(Letter.procedure_id), decision_kinds),
        select(_kind(_NOTICE), Candidacy.procedure_id, DecisionNotice.candidacy_id,
               DecisionNotice.round, _NO_TEXT, DecisionNotice.selected, DecisionNotice.received_at,
               _kind(0), DecisionNotice.id)
        .join(Candidacy, Candidacy.id == DecisionNotice.candidacy_id)
        .where(of_procedures(Candidacy.procedure_id), of_candidacies(DecisionNotice.candidacy_id)),
    ).order_by(literal_column("tag"), literal_column("first"), literal_column("second"))
    #: Every appeal with its panel (one row per member; one row without).
    appeals = (
        select(Candidacy.procedure_id, Appeal.id, Appeal.candidacy_id, Appeal.round,
               _text(Appeal.state), PanelMember.id, PanelMember.user_id,
               _text(PanelMember.position), PanelMember.motivation)
        .join(Candidacy, Candidacy.id == Appeal.candidacy_id)
        .outerjoin(PanelMember, PanelMember.appeal_id == Appeal.id)
        .where(of_procedures(Candidacy.procedure_id)).order_by(Appeal.id, PanelMember.id))

    return _Statements(small_facts, candidacies, decisions, letters_and_notices, appeals)


_DEFAULT, _ONE_ON_POSTGRESQL = _statements(False), _statements(True, one=True)


#: The SQL of :data:`_ONE_ON_POSTGRESQL` as sent and its constant parameters, per dialect,
#: driver and server version (compiled at the first use: text, not data).
_ONE_SQL: dict[tuple, list[tuple[str, dict]]] = {}


def _one_on_postgresql(conn: Connection, procedure: Sequence[Any]) -> list[Sequence[Any]]:
    """The rows of the five statements for one procedure on PostgreSQL (the conditions
    page, the final report, a ratification), given its row (:class:`ProcedureRow`).

    Issue 17: sent together in psycopg's pipeline mode on the session's connection and
    transaction (one round trip instead of five, the statements prepared by psycopg as
    before) and read as psycopg's plain tuples, without SQLAlchemy's execution and result
    layers (about half of these statements' time in the process). Their parameters are
    plain integers (``id``, ``version``, ``area``) and the constant texts of the letter
    kinds, which need no conversion on the way in; of what comes out only the instant
    column of the letters and notices would be converted by its type
    (:class:`~matching.core.db.UTCDateTime`), and :func:`_letters_and_notices` does the same.
    Not sent through the engine, these statements do not pass its events."""
    dialect = conn.dialect
    key = (dialect.name, dialect.driver, dialect.server_version_info)
    compiled = _ONE_SQL.get(key)
    if compiled is None:
        compiled = []
        for statement in _ONE_ON_POSTGRESQL:
            # (the per-request values given for the compilation only; sent as parameters)
            done = statement.params(id=0, version=0, area=0).compile(
                dialect=dialect, compile_kwargs={"render_postcompile": True})
            compiled.append((done.string, {k: v for k, v in done.params.items()
                                           if k not in ("id", "version", "area")}))
        _ONE_SQL[key] = compiled
    values = {"id": procedure[0], "version": procedure[4], "area": procedure[3]}
    raw = conn.connection.dbapi_connection
    assert raw is not None
    cursors = []
    with raw.pipeline():
        for sql, constants in compiled:
            cursor = raw.cursor()
            cursor.execute(sql, {**constants, **values})
            cursors.append(cursor)
    out: list[Sequence[Any]] = []
    for cursor in cursors:
        out.append(cursor.fetchall())
        cursor.close()
    return out


def load_facts(procedure_ids: list[int] | None = None,
               audit: AuditStatus | None = None,
               procedures: list[ProcedureRow] | None = None) -> dict[int, ProcedureFacts]:
    """The facts of the given procedures (every procedure when None), in bulk: six
    statements, however many procedures and records; five when the caller read the
    procedures' rows already (``procedures``, see :func:`with_published_addendum`; then
    ``procedure_ids`` is not read)."""
    conn = db.session.connection()
    rows: Sequence[Any] = procedures if procedures is not None else conn.execute(
        _PROCEDURES if procedure_ids is None else _PROCEDURES_IN,
        None if procedure_ids is None else {"ids": list(procedure_ids)}).all()
    ids = [p[0] for p in rows]
    if not ids:
        return {}
    small_rows: Sequence[Any]
    candidacy_rows: Sequence[Any]
    decision_rows: Sequence[Any]
    letter_and_notice_rows: Sequence[Any]
    appeal_rows: Sequence[Any]
    if len(rows) == 1 and conn.dialect.name == "postgresql":
        (small_rows, candidacy_rows, decision_rows, letter_and_notice_rows,
         appeal_rows) = _one_on_postgresql(conn, rows[0])
        instants = True  # as psycopg gives them, in the session's time zone
    else:
        params = {"ids": ids, "versions": [p[4] for p in rows if p[4] is not None],
                  "areas": list({p[3] for p in rows})}
        small_rows, candidacy_rows, decision_rows, letter_and_notice_rows, appeal_rows = (
            conn.execute(statement, params).all() for statement in _DEFAULT)
        instants = False

    needs: dict[int, list[NeedFacts]] = defaultdict(list)
    codes: dict[int, set[str]] = defaultdict(set)
    governments: dict[int, set[int]] = defaultdict(set)
    area_codes: dict[int, set[str]] = defaultdict(set)
    jury: dict[int, dict[int, str]] = defaultdict(dict)
    contributions: dict[int, set[str]] = defaultdict(set)
    for kind, owner, number, a, b in small_rows:
        if kind == _CONTRIBUTION:
            contributions[owner].add(a)
        elif kind == _NEED:
            needs[owner].append(NeedFacts(a, b))
        elif kind == _CHALLENGE:
            codes[owner].add(a)
        elif kind == _GOVERNMENT:
            governments[owner].add(number)
        elif kind == _NIS_CODE:
            area_codes[owner].add(a)
        else:
            jury[owner][number] = a

    candidacies = _candidacies(candidacy_rows, contributions)
    decisions = _decisions(decision_rows)
    letters, notices = _letters_and_notices(letter_and_notice_rows, instants)
    appeals = _appeals(appeal_rows)

    out = {}
    for pid, state, published_at, area_id, vid, deadline in rows:
        out[pid] = ProcedureFacts(
            id=pid, state=state, published_at=published_at,
            candidacy_deadline=deadline if vid is not None else None,
            needs=tuple(needs.get(vid, ())) if vid is not None else (),
            challenge_codes=frozenset(codes.get(vid, ())) if vid is not None else frozenset(),
            area_government_ids=frozenset(governments.get(area_id, ())),
            area_nis_codes=frozenset(area_codes.get(area_id, ())),
            jury=dict(jury.get(pid, {})), candidacies=tuple(candidacies.get(pid, ())),
            decisions=tuple(decisions.get(pid, ())), letters=tuple(letters.get(pid, ())),
            notices=tuple(notices.get(pid, ())), appeals=tuple(appeals.get(pid, ())),
            audit_intact=audit.intact if audit else None,
            audit_events=audit.events if audit else 0,
            audit_broken_event=audit.broken_event if audit else None,
            audit_full_at=audit.full_at if audit else None)
    return out


def _candidacies(rows: Sequence[Any], codes: dict[int, set[str]]
                 ) -> dict[int, list[CandidacyFacts]]:
    out: dict[int, list[CandidacyFacts]] = defaultdict(list)
    none: frozenset[str] = frozenset()
    states = _CANDIDACY_STATES
    for (cid, pid, reference, org_id, name, kind, state, submitted, individual,
         reason, seat) in rows:
        out[pid].append(CandidacyFacts(cid, reference, org_id, name, kind, states[state],
                                       bool(submitted), individual, reason,
                                       frozenset(codes[cid]) if cid in codes else none,
                                       seat))
    return out


def _decisions(rows: Sequence[Any]) -> dict[int, list[DecisionFacts]]:
    """Per decision what the conditions read; of the motivation only its length."""
    out: dict[int, list[DecisionFacts]] = defaultdict(list)
    votes: dict[str, int] = {}  # of the ballot of the decision being read
    last_id = None
    for (pid, did, cid, round_no, criterion, score, motivated, method, blocs, ballot_id,
         ballot_state, outcome, bloc, vote) in rows:
        if did != last_id:  # a decision's first row (the next ones: its ballot's other votes)
            last_id = did
            if ballot_id is None:
                out[pid].append(DecisionFacts(cid, round_no, criterion, score, motivated,
                                              method, blocs))
                continue
            votes = {}
            out[pid].append(DecisionFacts(cid, round_no, criterion, score, motivated, method,
                                          blocs, ballot_state, outcome,
                                          MappingProxyType(votes)))
        if bloc is not None:
            votes[bloc] = vote
    return out


def _letters_and_notices(rows: Sequence[Any], instants: bool = False
                         ) -> tuple[dict[int, list[LetterFacts]], dict[int, list[NoticeFacts]]]:
    """The latest version of every decision letter (a correction supersedes), the
    inadmissibility's included; every decision's moment of receipt. ``instants``: the
    instants are as the driver gives them, to be turned to UTC as
    :class:`~matching.core.db.UTCDateTime` does."""
    latest: dict[tuple[int, int], tuple] = {}
    round_of = _ROUND_OF_KIND
    notices: dict[int, list[NoticeFacts]] = defaultdict(list)
    for (tag, pid, candidacy_id, number, kind, selected, at, _, _) in rows:
        if instants and at is not None:
            at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        if tag == _NOTICE:
            notices[pid].append(NoticeFacts(candidacy_id, number, selected, at))
            continue
        if candidacy_id is None:  # a decision letter is issued about a candidacy
            raise RuntimeError(f"decision letter {number} names no candidacy")
        latest[(candidacy_id, round_of[kind])] = (number, pid, kind, at)
    letters: dict[int, list[LetterFacts]] = defaultdict(list)
    selected_kinds = _SELECTED_KIND_VALUES
    for (candidacy_id, round_no), (lid, pid, kind, deadline) in latest.items():
        letters[pid].append(LetterFacts(lid, candidacy_id, round_no, kind in selected_kinds,
                                        deadline))
    return letters, notices


def _appeals(rows: Sequence[Any]) -> dict[int, list[AppealFacts]]:
    out: dict[int, list[AppealFacts]] = defaultdict(list)
    appeals: dict[int, tuple] = {}  # appeal id -> (procedure, candidacy, round, state)
    panel: dict[int, list[PanelFacts]] = defaultdict(list)
    for (pid, aid, cid, round_no, state, member_id, user_id, position,
         motivation) in rows:
        if aid not in appeals:
            appeals[aid] = (pid, cid, round_no, state)
        if member_id is not None:
            panel[aid].append(PanelFacts(user_id, position, motivation))
    states = _APPEAL_STATES
    for aid, (pid, cid, round_no, state) in appeals.items():
        out[pid].append(AppealFacts(aid, cid, round_no, states[state],
                                    tuple(panel.get(aid, ()))))
    return out


def evaluate_procedures(procedure_ids: list[int] | None, now: datetime,
                        ratification: bool = False,
                        procedures: list[ProcedureRow] | None = None
                        ) -> dict[int, list[ConditionResult]]:
    """The six conditions of the given procedures (every procedure when None, or those of
    ``procedures`` when given, see :func:`load_facts`); ``ratification`` verifies the
    audit trail afresh from the latest checkpoint (see
    :func:`matching.audit.queries.ratification_status`), not from this process's previous
    answer."""
    audit = ratification_status() if ratification else audit_status()
    return {pid: evaluate(facts, now)
            for pid, facts in load_facts(procedure_ids, audit, procedures).items()}


def evaluate_procedure(procedure_id: int, now: datetime, ratification: bool = False,
                       row: ProcedureRow | None = None) -> list[ConditionResult]:
    """The six conditions of one procedure; ``row``: its row, when the caller read it (see
    :func:`with_published_addendum`), else it is read here."""
    return evaluate_procedures([procedure_id], now, ratification,
                               None if row is None else [row]).get(procedure_id, [])
