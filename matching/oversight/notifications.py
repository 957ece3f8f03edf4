"""The e-mails of oversight: an observation of Europa WSE, to the work area's coordinators,
with a link to the procedure's page where they answer it."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import select

from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from matching.core.db import db
from matching.core.web import external_url
from matching.mail.outbox import queue_mail
from matching.oversight.models import Observation, RatificationRefusal
from workareas.models import Procedure


def _coordinator_emails(procedure: Procedure) -> list[str]:
    return list(db.session.scalars(
        select(User.email).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.COORDINATOR,
               RoleGrant.work_area_id == procedure.work_area_id,
               User.deactivated_at.is_(None))
        .order_by(User.email)))


def refusal_mail(procedure: Procedure, refusal: RatificationRefusal, *,
                 now: datetime) -> None:
    """Tell the coordinators of the work area that Europa WSE refused to ratify, why, and
    where they answer (Dutch: their language is not recorded)."""
    emails = _coordinator_emails(procedure)
    if not emails:
        return
    with force_locale("nl"):
        body = render_template(
            "mail/ratification_refused.txt", procedure=procedure, refusal=refusal,
            link=external_url("conditions.conditions", procedure_id=procedure.id))
        subject = gettext("Europa WSE bekrachtigt de procedure niet – %(title)s",
                          title=procedure.title)
    queue_mail(", ".join(sorted(set(emails))), subject, body, now=now,
               domain=current_app.config.get("MAIL_DOMAIN", "lokalepartnerschappen.be"),
               key=f"ratification-refusal-{refusal.id}")


def observation_mail(procedure: Procedure, observation: Observation, *, now: datetime) -> None:
    """Tell the coordinators of the work area (Dutch: their language is not recorded)."""
    emails = _coordinator_emails(procedure)
    if not emails:
        return
    with force_locale("nl"):
        body = render_template(
            "mail/observation.txt", procedure=procedure, observation=observation,
            link=external_url("conditions.conditions", procedure_id=procedure.id))
        subject = gettext("Opmerking van Europa WSE – voorwaarde %(condition)s",
                          condition=observation.condition)
    queue_mail(", ".join(sorted(set(emails))), subject, body, now=now,
               domain=current_app.config.get("MAIL_DOMAIN", "lokalepartnerschappen.be"),
               key=f"observation-{observation.id}")
