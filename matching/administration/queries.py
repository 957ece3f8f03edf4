"""What the administrator's pages read."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import raiseload

from matching.accounts.forms import InvitationForm
from matching.accounts.models import Organisation
from matching.core.db import db
from workareas.models import WorkArea


def _organisations():
    return db.session.scalars(select(Organisation).options(raiseload("*"))
                              .order_by(Organisation.name)).all()


def _invitation_form():
    form = InvitationForm()
    form.work_area_id.choices = [("", _("– geen –"))] + [
        (str(a.id), a.name) for a in db.session.scalars(
            select(WorkArea).options(raiseload("*")).order_by(WorkArea.name))]
    form.organisation_id.choices = [("", _("– geen –"))] + [
        (str(o.id), o.name) for o in _organisations()]
    return form
