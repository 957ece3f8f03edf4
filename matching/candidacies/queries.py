"""Read-only queries of the candidacy pages: the applicant's own candidacies and letters,
the coordinator's access to a candidacy, a procedure's letters with their delivery."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import (
    abort,
    current_app,
)
from flask_login import current_user
from sqlalchemy import BindParameter, Row, bindparam, func, select
from sqlalchemy.orm import load_only, raiseload

from matching.accounts.models import Organisation, User
from matching.accounts.rules import Role, can_coordinate
from matching.candidacies.models import Candidacy, Letter, LetterPdf
from matching.candidacies.rules import (
    MAX_ATTACHMENTS_PER_CANDIDACY,
    MAX_ATTACHMENTS_TOTAL,
    CandidacyState,
    effective_appeal_deadline,
)
from matching.core import signals
from matching.core.db import db
from matching.letters.content import LetterKind, decision_kind
from matching.mail.models import OutboxMessage, OutboxState
from workareas.models import Procedure, WorkArea
from workareas.operations import summarise
from workareas.queries import candidacy_deadline_column
from workareas.rules import ProcedureState, changes_needs_or_challenges


def organisation_ids(user) -> list[int]:
    return sorted({g.organisation_id for g in user.grants if g.role == Role.APPLICANT})


@dataclass(frozen=True)
class DashboardCandidacy:
    """A candidacy as the applicant's dashboard shows it (issue 17: its columns)."""

    id: int
    reference: str
    state: CandidacyState
    procedure_id: int
    organisation_id: int
    organisation_name: str
    title: str  # of the procedure
    area_name: str
    candidacy_deadline: datetime | None


@dataclass(frozen=True)
class OpenCall:
    """A procedure that takes candidacies, as the applicant's dashboard offers it."""

    id: int
    title: str
    area_name: str
    candidacy_deadline: datetime | None


@cache
def _dashboard_statements():
    """The applicant dashboard's three statements, built once per process (issue 17:
    building them cost about as much as running them)."""
    org_ids: BindParameter[list[int]] = bindparam("org_ids", expanding=True)
    deadline = candidacy_deadline_column()
    organisations = (select(Organisation.id, Organisation.name)
                     .where(Organisation.id.in_(org_ids)).order_by(Organisation.name))
    candidacies = (
        select(Candidacy.id, Candidacy.reference, Candidacy.state, Candidacy.procedure_id,
               Candidacy.organisation_id, Organisation.name, Procedure.title, WorkArea.name,
               deadline)
        .join(Organisation, Organisation.id == Candidacy.organisation_id)
        .join(Procedure, Procedure.id == Candidacy.procedure_id)
        .join(WorkArea, WorkArea.id == Procedure.work_area_id)
        .where(Candidacy.organisation_id.in_(org_ids))
        .order_by(Candidacy.created_at.desc(), Candidacy.id.desc()))
    published = (select(Procedure.id, Procedure.title, WorkArea.name, deadline)
                 .join(WorkArea, WorkArea.id == Procedure.work_area_id)
                 .where(Procedure.state == ProcedureState.PUBLISHED)
                 .order_by(Procedure.id))
    return organisations, candidacies, published


def applicant_dashboard(org_ids: list[int]) -> tuple[Sequence[Row], list[DashboardCandidacy],
                                                     list[OpenCall]]:
    """What the applicant's dashboard shows, in three statements whatever the number of
    candidacies (issue 17): the organisations (id, name), their candidacies (newest first)
    and the published procedures, each with its work area's name and candidacy deadline."""
    organisations, candidacies, published = _dashboard_statements()
    ids = {"org_ids": list(org_ids)}
    return (db.session.execute(organisations, ids).all(),
            [DashboardCandidacy(*row) for row in db.session.execute(candidacies, ids)],
            [OpenCall(*row) for row in db.session.execute(published)])


def own_candidacy(candidacy_id: int) -> Candidacy:
    """The candidacy, if the current user acts for its organisation; otherwise 404."""
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or candidacy.organisation_id not in organisation_ids(current_user):
        abort(404)
    return candidacy


def upload_dir() -> str:
    """Where attachments were stored before issue 14 (``flask attachments sweep`` moves
    them into the database)."""
    return current_app.config.get("UPLOAD_DIR") or os.path.join(current_app.instance_path,
                                                                 "uploads")


def attachment_quota() -> dict[str, int]:
    """The quota per candidacy, from the configuration (ATTACHMENT_MAX_COUNT,
    ATTACHMENT_MAX_TOTAL_MB)."""
    config = current_app.config
    return {"max_count": int(config.get("ATTACHMENT_MAX_COUNT", MAX_ATTACHMENTS_PER_CANDIDACY)),
            "max_total": int(config.get("ATTACHMENT_MAX_TOTAL_MB",
                                        MAX_ATTACHMENTS_TOTAL // (1024 * 1024))) * 1024 * 1024}


def _challenges(candidacy: Candidacy):
    return candidacy.procedure.current_version.challenges


def may_read_attachments(user, candidacy: Candidacy) -> bool:
    """Who reads a candidacy's attachments: the organisation itself, and whoever a package
    above answers for (:data:`~matching.core.signals.attachment_readers`: the jury, the
    appeal panel, Europa WSE's observers)."""
    if candidacy.organisation_id in organisation_ids(user):
        return True
    return any(signals.ask(signals.attachment_readers, candidacy, user=user))


def own_letter(letter_id: int) -> Letter:
    letter = db.session.get(Letter, letter_id)
    if letter is None or letter.candidacy_id is None:
        abort(404)
    own_candidacy(letter.candidacy_id)
    return letter


def decision_receipt(candidacy: Candidacy,
                     round_no: int) -> tuple[datetime | None, datetime | None]:
    """When the round's decision e-mail was received (None: not yet), and the appeal
    deadline its non-selection letter stated (R-APP-1)."""
    notice = candidacy.notice(round_no)
    stated = latest_letter(candidacy, decision_kind(round_no, selected=False))
    return (notice.received_at if notice else None,
            stated.appeal_deadline if stated else None)


def appeal_deadline_of(candidacy: Candidacy, round_no: int | None) -> datetime | None:
    """The appeal deadline of a round's decision, the same instant wherever it is shown:
    the later of 14 days after receipt and what the decision letter stated
    (:func:`~matching.candidacies.rules.effective_appeal_deadline`); None before the
    decision was received."""
    if round_no is None:
        return None
    received_at, stated = decision_receipt(candidacy, round_no)
    return effective_appeal_deadline(received_at, stated) if received_at else None


def candidacy_letters(candidacy: Candidacy) -> list[Letter]:
    """Every letter written to the candidacy's organisation, every version, oldest first."""
    return list(db.session.scalars(select(Letter).where(Letter.candidacy_id == candidacy.id)
                                   .order_by(Letter.created_at, Letter.id)))


def latest_letter(candidacy: Candidacy, kind: LetterKind) -> Letter | None:
    return db.session.scalar(select(Letter).where(Letter.candidacy_id == candidacy.id,
                                                  Letter.kind == kind)
                             .order_by(Letter.version.desc()).limit(1))


LETTER_COLUMNS = (Letter.id, Letter.kind, Letter.reference, Letter.version, Letter.recipients,
                  Letter.created_at, Letter.round, Letter.candidacy_id, Letter.subject,
                  Letter.locale)  # issue 16: the subject is marked with its language


def procedure_letters(procedure: Procedure) -> list[tuple]:
    """The procedure's letters (without their bytes) with their e-mail in the outbox, the
    organisation they go to and when their PDF was sealed (None: not made yet), in one
    statement: rows of (letter, message, organisation name, sealed_at, rendered_at)."""
    rows = db.session.execute(
        select(Letter, OutboxMessage, Organisation.name, LetterPdf.sealed_at,
               LetterPdf.rendered_at)
        .outerjoin(OutboxMessage, OutboxMessage.letter_id == Letter.id)
        .outerjoin(LetterPdf, LetterPdf.letter_id == Letter.id)
        .outerjoin(Candidacy, Candidacy.id == Letter.candidacy_id)
        .outerjoin(Organisation, Organisation.id == Candidacy.organisation_id)
        .where(Letter.procedure_id == procedure.id)
        .options(load_only(*LETTER_COLUMNS), raiseload("*"),
                 load_only(OutboxMessage.id, OutboxMessage.state, OutboxMessage.attempts,
                           OutboxMessage.last_error, OutboxMessage.failed_step,
                           OutboxMessage.accepted_at, OutboxMessage.next_attempt_at))
        .order_by(Letter.created_at.desc(), Letter.id.desc())).all()
    return [tuple(row) for row in rows]


def outbox_counts(procedure: Procedure) -> dict[OutboxState, int]:
    counts = Counter({state: 0 for state in OutboxState})
    for state, n in db.session.execute(
            select(OutboxMessage.state, func.count(OutboxMessage.id))
            .join(Letter, Letter.id == OutboxMessage.letter_id)
            .where(Letter.procedure_id == procedure.id).group_by(OutboxMessage.state)):
        counts[OutboxState(state)] = n
    return dict(counts)


def candidacy_or_404(user: User, candidacy_id: int) -> Candidacy:
    """The candidacy, if the user coordinates the work area of its procedure; otherwise 404."""
    candidacy = db.session.get(Candidacy, candidacy_id)
    if candidacy is None or not can_coordinate(user, candidacy.procedure.work_area_id):
        abort(404)
    return candidacy


def letter_versions(reference: str) -> list:
    """The versions of the letter ``reference`` that were sent with a PDF: version, when
    it was rendered and sealed, and the PDF's SHA-256 (nothing about the addressee), in
    version order."""
    return list(db.session.execute(
        select(Letter.version, LetterPdf.rendered_at, LetterPdf.sealed_at, LetterPdf.sha256)
        .join(LetterPdf, LetterPdf.letter_id == Letter.id)
        .where(Letter.reference == reference).order_by(Letter.version)))


def letter_of_pdf(sha256: str) -> tuple[Letter, LetterPdf] | None:
    """The letter version whose stored PDF has this SHA-256."""
    row = db.session.execute(select(Letter, LetterPdf)
                             .join(LetterPdf, LetterPdf.letter_id == Letter.id)
                             .where(LetterPdf.sha256 == sha256).limit(1)).first()
    return (row[0], row[1]) if row else None


def letter_seal_fingerprints() -> set[str]:
    """The SHA-256 of every certificate that sealed a stored letter."""
    return set(db.session.scalars(select(LetterPdf.seal_fingerprint).distinct()
                                  .where(LetterPdf.seal_fingerprint.is_not(None))))


def substantive_versions(procedure: Procedure) -> list[int]:
    """The numbers of the addendum's published versions that added or changed needs or
    regional challenges (issue 12, R-ADD-2): after one of them, organisations that had
    submitted may update their candidacy until the deadline."""
    published = [v for v in procedure.versions if v.published_at is not None]
    return [after.number for before, after in zip(published, published[1:], strict=False)
            if changes_needs_or_challenges(summarise(procedure, before),
                                           summarise(procedure, after))]
