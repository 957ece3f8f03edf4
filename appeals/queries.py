"""Read-only queries of the appeal pages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import joinedload, raiseload, selectinload

from appeals.models import Appeal, PanelMember
from appeals.rules import AppealState
from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from matching.candidacies.models import Candidacy
from matching.core import signals
from matching.core.db import db
from workareas.models import Procedure


def panel_assignments(user_id: int) -> Sequence[PanelMember]:
    return db.session.scalars(
        select(PanelMember).where(PanelMember.user_id == user_id)
        .options(selectinload(PanelMember.appeal).selectinload(Appeal.candidacy)
                 .selectinload(Candidacy.organisation),
                 selectinload(PanelMember.appeal).selectinload(Appeal.candidacy)
                 .selectinload(Candidacy.procedure).selectinload(Procedure.work_area),
                 raiseload("*"))
        .order_by(PanelMember.id)).all()


def appeal_matchmakers() -> list[User]:
    return list(db.session.scalars(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.APPEAL_MATCHMAKER, User.deactivated_at.is_(None))
        .distinct().order_by(User.name, User.id)))  # several grants (work areas): once


def procedure_appeals(procedure) -> list[Appeal]:
    """The procedure's appeals with their organisation and panel (constant statements)."""
    return list(db.session.scalars(
        select(Appeal).join(Candidacy, Appeal.candidacy_id == Candidacy.id)
        .where(Candidacy.procedure_id == procedure.id)
        .options(joinedload(Appeal.candidacy).joinedload(Candidacy.organisation),
                 selectinload(Appeal.panel).joinedload(PanelMember.user),
                 selectinload(Appeal.document), raiseload("*"))
        .order_by(Appeal.filed_at, Appeal.id)))


def appealable_candidacies(procedure) -> list[Candidacy]:
    """The procedure's candidacies whose latest decision can still be appealed and has no
    appeal yet (what a coordinator may register an appeal for), in two statements."""
    from matching.candidacies.rules import NOT_SELECTED_STATE, appeal_round
    candidacies = list(db.session.scalars(
        select(Candidacy).where(Candidacy.procedure_id == procedure.id,
                                Candidacy.state.in_(list(NOT_SELECTED_STATE.values())))
        .options(joinedload(Candidacy.organisation)).order_by(Candidacy.reference)))
    filed = set(db.session.execute(
        select(Appeal.candidacy_id, Appeal.round).join(Candidacy)
        .where(Candidacy.procedure_id == procedure.id)).tuples())
    return [c for c in candidacies if (c.id, appeal_round(c.state)) not in filed]


def appeals_of(candidacy: Candidacy) -> list[Appeal]:
    """The candidacy's appeals, per round."""
    return list(db.session.scalars(select(Appeal).where(Appeal.candidacy_id == candidacy.id)
                                   .order_by(Appeal.round)))


def appeal_of(candidacy: Candidacy, round_no: int | None) -> Appeal | None:
    """The appeal against the decision of ``round_no``, if one was filed."""
    if round_no is None:
        return None
    return db.session.scalar(select(Appeal).where(Appeal.candidacy_id == candidacy.id,
                                                  Appeal.round == round_no))


@signals.appeal_reversal.connect
def reversal_positions(candidacy: Candidacy, *,
                       round_no: int) -> tuple[tuple[str, str], ...] | None:
    """The panel's positions and motivations when an appeal reversed the non-selection of
    ``round_no`` (R-APP-3), for the letter that follows; None otherwise."""
    appeal = appeal_of(candidacy, round_no)
    if appeal is None or appeal.state != AppealState.REVERSED:
        return None
    return tuple((m.position.value, m.motivation or "") for m in appeal.panel if m.position)


@signals.attachment_readers.connect
def _panel_reads_attachments(candidacy: Candidacy, *, user) -> bool:
    """The appeal panel reads the attachments of the candidacy it judges: R-APP-2 is about
    "documentatie die niet of onvoldoende meegenomen werd bij de beoordeling"."""
    return bool(db.session.scalar(
        select(PanelMember.id).join(Appeal, Appeal.id == PanelMember.appeal_id)
        .where(Appeal.candidacy_id == candidacy.id, PanelMember.user_id == user.id).limit(1)))
