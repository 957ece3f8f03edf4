"""The e-mails of oversight: an observation, to the work area's coordinators."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from matching.accounts.models import RoleGrant, User
from matching.accounts.rules import Role
from matching.core.db import db
from matching.mail.outbox import queue_mail
from matching.oversight.models import Observation
from workareas.models import Procedure


def _mail_coordinators(procedure: Procedure, observation: Observation, now: datetime) -> None:
    emails = db.session.scalars(
        select(User.email).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.COORDINATOR,
               RoleGrant.work_area_id == procedure.work_area_id)
        .order_by(User.email)).all()
    if not emails:
        return
    body = (f"Europa WSE maakte een opmerking bij voorwaarde {observation.condition} "
            f"van de procedure '{procedure.title}':\n\n{observation.text}\n\n"
            "U kunt ze beantwoorden op de pagina van de procedure.\n")
    queue_mail(", ".join(sorted(set(emails))),
               f"Opmerking van Europa WSE – voorwaarde {observation.condition}", body, now=now,
               domain=current_app.config.get("MAIL_DOMAIN", "lokalepartnerschappen.be"),
               key=f"observation-{observation.id}")
