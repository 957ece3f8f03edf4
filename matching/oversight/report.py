"""The final report of step 3 (eindverslag stap 3 matchingsproces) of one procedure.

DOMAIN, step 4: "the system hands over the matched organisations and the final report of
step 3, which is uploaded as an annex to the project proposal". The report is written for
a reader outside the procedure (Europa WSE, an evaluator, the future partnership): what
the work area asked for (the addendum), who judged (the jury, its conflicts of interest),
how the procedure went (its state transitions), what happened to every candidacy (the
jury's scores with their motivation and decision method, the ballots with each
organisation's vote, the pitch, the appeal and the panel's positions), who goes on to
step 4, the six conditions of R-OBS-1 with their evidence, and the head of the audit
chain that the report was made from.

* :func:`final_report_html` renders ``templates/reports/final_report.html`` (Dutch
  message ids through Flask-Babel) in ``locale``; it needs an application context.
* :func:`build_final_report` lays that HTML out as an A4 PDF with the letters' engine
  (:mod:`matching.letters.layout`: Platypus, DejaVu fonts): the same record and the same
  ``now`` give the same bytes. Ratification seals it with the letters' seal
  (:func:`matching.oversight.operations.ratify`) and stores it with its SHA-256.

The data is :func:`matching.oversight.queries.procedure_record` (a constant number of statements,
whatever the number of candidacies), the six conditions from
:func:`matching.oversight.facts_queries.evaluate_procedure`, and two statements for the head
of the audit chain and its length. Instants are shown in Brussels time.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from appeals.rules import APPEAL_STATE_LABELS, AppealState
from juries.emergency.operations import emergencies_of
from juries.emergency.rules import EMERGENCY_BLOCS
from juries.rules import BLOC_LABELS, SCALE, THRESHOLD, Bloc
from matching.accounts.rules import format_enterprise_number
from matching.audit.queries import audit_status
from matching.candidacies.rules import CANDIDACY_STATE_LABELS, CRITERION_LABELS, CandidacyState
from matching.core.db import db
from matching.core.errors import N_
from matching.letters.markup import info, parse
from matching.letters.render import brussels, format_clock, format_day, template_gettext
from matching.oversight.facts import STATUS_LABELS
from matching.oversight.facts_queries import evaluate_procedure
from matching.oversight.models import RatificationRefusal
from matching.oversight.queries import procedure_record
from workareas.rules import PROCEDURE_STATE_LABELS, ProcedureState

#: The page number in the report's footer (a %-format: the PDF fills in both numbers).
PAGE_LABEL = N_("pagina %(page)s van %(pages)s")


REPORT_TITLE = N_("Eindverslag stap 3: het matchingsproces")


@dataclass
class CandidacyFile:
    """Everything the report says about one candidacy, in the order it says it."""

    candidacy: object
    decisions: dict[int, list] = field(default_factory=dict)  # round -> JuryDecision
    ballots: list = field(default_factory=list)
    pitch: object | None = None
    appeals: list = field(default_factory=list)
    transitions: list = field(default_factory=list)
    letters: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)


@dataclass(frozen=True)
class ChainHead:
    event_id: int | None
    hash: str | None
    events: int  # every event of the chain (all procedures)
    procedure_events: int  # the events about this procedure
    intact: bool | None  # the whole chain verified (None: not known)


def _chain_head(procedure_events: int) -> ChainHead:
    """The newest audit event (the head of the one chain of all procedures), the length of
    the chain and whether it verifies, from the same check the six conditions use."""
    status = audit_status()
    return ChainHead(status.head_id, status.head_hash, status.events, procedure_events,
                     status.intact)


def _conditions(procedure_id: int, now: datetime) -> list:
    return list(evaluate_procedure(procedure_id, now))


def _status_labels() -> dict:
    """The labels by status value (the template compares values)."""
    return {status.value: label for status, label in STATUS_LABELS.items()}


def report_context(procedure_id: int, now: datetime) -> dict | None:
    """The facts of the report, grouped per candidacy (no rendering, no translation)."""

    record = procedure_record(procedure_id, with_trail=False)
    if record is None:
        return None
    procedure = record["procedure"]
    candidacies = [c for c in record["candidacies"] if c.state != CandidacyState.DRAFT]
    files = {c.id: CandidacyFile(c) for c in candidacies}
    for cid, decisions in record["decisions"].items():
        if cid in files:
            by_round: dict[int, list] = defaultdict(list)
            for d in decisions:
                by_round[d.round].append(d)
            files[cid].decisions = dict(sorted(by_round.items()))
    for cid, ballots in record["ballots"].items():
        if cid in files:
            files[cid].ballots = sorted(ballots, key=lambda b: (b.round, b.criterion.value,
                                                                b.id))
    for cid, pitch in record["pitches"].items():
        if cid in files:
            files[cid].pitch = pitch
    for appeal in record["appeals"]:
        if appeal.candidacy_id in files:
            files[appeal.candidacy_id].appeals.append(appeal)
    for conflict in record["conflicts"]:
        if conflict.candidacy_id in files:
            files[conflict.candidacy_id].conflicts.append(conflict)
    for letter in record["letters"]:
        if letter.candidacy_id in files:
            files[letter.candidacy_id].letters.append(letter)
    appeal_candidacy = {a.id: a.candidacy_id for a in record["appeals"]}
    timeline = []
    for t in record["transitions"]:
        if t.object_type == "procedure":
            timeline.append(t)
        elif t.object_type == "candidacy" and t.object_id in files:
            files[t.object_id].transitions.append(t)
        elif t.object_type == "appeal" and appeal_candidacy.get(t.object_id) in files:
            files[appeal_candidacy[t.object_id]].transitions.append(t)
    version = procedure.published_version or (procedure.versions[-1] if procedure.versions
                                              else None)
    admitted = [c for c in candidacies if c.state == CandidacyState.ADMITTED_TO_STEP4]
    return dict(
        procedure=procedure, area=procedure.work_area, version=version,
        versions=procedure.versions, slots=procedure.pitch_slots, jury=record["jury"],
        conflicts=[d for d in record["conflicts"] if d.candidacy_id in files],
        candidacy_names=record["candidacy_names"], actor_names=record["actor_names"],
        files=[files[c.id] for c in candidacies],
        drafts=len(record["candidacies"]) - len(candidacies), timeline=timeline,
        admitted=admitted, conditions=_conditions(procedure_id, now),
        refusals=_refusals(procedure_id), observations=_observations(procedure_id),
        chain=_chain_head(record["event_count"]), now=now,
        emergencies=emergencies_of(procedure))


def _refusals(procedure_id: int) -> list:
    """The observers' refusals to ratify and the coordinators' answers (issue 11)."""
    return list(db.session.scalars(
        select(RatificationRefusal).where(RatificationRefusal.procedure_id == procedure_id)
        .options(selectinload(RatificationRefusal.observer),
                 selectinload(RatificationRefusal.answered_by))
        .order_by(RatificationRefusal.id)))


def _observations(procedure_id: int) -> list:
    """Europa WSE's observations on the procedure with their answers (issue 12: the final
    report shows them per condition)."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from matching.core.db import db
    from matching.oversight.models import Observation
    return list(db.session.scalars(
        select(Observation).where(Observation.procedure_id == procedure_id)
        .options(joinedload(Observation.observer), joinedload(Observation.answered_by))
        .order_by(Observation.condition, Observation.made_at, Observation.id)))


def final_report_html(procedure_id: int, now: datetime, locale: str = "nl") -> str:
    """The final report as a standalone HTML document in ``locale`` (nl, en)."""
    from flask import render_template
    from flask_babel import force_locale


    context = report_context(procedure_id, now)
    if context is None:
        raise LookupError(f"procedure {procedure_id} does not exist")
    lang = locale.split("_")[0].split("-")[0]

    def day(value: date | datetime | None) -> str:
        return format_day(value, locale) if value else "–"

    def instant(value: datetime | None) -> str:
        return f"{format_day(value, locale)} {format_clock(value)}" if value else "–"

    slot_days: dict[tuple[str, str], list] = {}  # the pitch moments per day and place
    for slot in context["slots"]:
        key = (format_day(slot.starts_at, locale, weekday=True), slot.location)
        slot_days.setdefault(key, []).append(slot)

    states: dict[str, tuple[type[enum.Enum], Mapping[Any, str]]] = {
        "procedure": (ProcedureState, PROCEDURE_STATE_LABELS),
        "candidacy": (CandidacyState, CANDIDACY_STATE_LABELS),
        "appeal": (AppealState, APPEAL_STATE_LABELS)}

    with force_locale(locale):
        translations = template_gettext()
        translate = translations.pop("translate")

        def state_label(object_type: str, value: str) -> str:
            """A recorded state (its value) as the label the pages use."""
            if object_type not in states:
                return value
            kind, labels = states[object_type]
            try:
                return translate(labels[kind(value)])
            except (KeyError, ValueError, TypeError):
                return value

        def finding(f) -> str:
            text = translate(f.msgid)
            return text % dict(f.params) if f.params else text

        return render_template(
            "reports/final_report.html", **translations, **context, lang=lang,
            tr=lambda message: translate(message) if message else "",
            finding=finding, day=day, instant=instant, clock=format_clock,
            state_label=state_label, slot_days=list(slot_days.items()),
            kbo=format_enterprise_number,
            iso=lambda value: (brussels(value) if isinstance(value, datetime) else value)
            .isoformat(),
            state_labels=CANDIDACY_STATE_LABELS, appeal_labels=APPEAL_STATE_LABELS,
            procedure_labels=PROCEDURE_STATE_LABELS, bloc_labels=BLOC_LABELS,
            criterion_labels=CRITERION_LABELS, blocs=list(Bloc), scale=SCALE,
            threshold=THRESHOLD, status_labels=_status_labels(), title_msgid=REPORT_TITLE,
            emergency_blocs=list(EMERGENCY_BLOCS))


def build_final_report(procedure_id: int, now: datetime, locale: str = "nl") -> bytes:
    """The final report of step 3 as an A4 PDF (deterministic for the same record and
    ``now``), with title, author, subject, keywords, language, creation moment ``now`` and
    "pagina X van Y"."""
    from flask_babel import force_locale, gettext

    html = final_report_html(procedure_id, now, locale)
    doc = info(parse(html))
    lang = doc.lang or locale
    with force_locale(locale):
        page_label = gettext(PAGE_LABEL, page="%(page)s", pages="%(pages)s")
    # reportlab (about 20 MB) only where a PDF is made: the mail worker, a ratification;
    # a web worker serving pages never loads it (issue 17, worker memory)
    from matching.letters.layout import PDF_LANG, PdfOptions, write_pdf

    return write_pdf(html, PdfOptions(
        created_at=now, keywords=f"procedure {procedure_id}", lang=PDF_LANG.get(lang, lang),
        footer=doc.title, page_label=page_label))
