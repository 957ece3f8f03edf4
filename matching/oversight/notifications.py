"""The e-mails of oversight: an observation of Europa WSE, to each coordinator of the work
area (in the language they use the site in), with a link to the procedure's page where they
answer it."""

from __future__ import annotations

from datetime import datetime

from matching.accounts.notifications import coordinators_of, notify
from matching.core.errors import N_
from matching.core.web import external_url
from matching.oversight.models import Observation
from workareas.models import Procedure


def observation_mail(procedure: Procedure, observation: Observation, *, now: datetime) -> None:
    """Tell the coordinators of the work area, each with the link to answer it."""
    notify(coordinators_of(procedure.work_area_id),
           N_("Opmerking van Europa WSE – voorwaarde %(condition)s"), "observation", now=now,
           key=f"observation-{observation.id}",
           link=external_url("conditions.conditions", procedure_id=procedure.id),
           subject_params={"condition": observation.condition}, procedure=procedure,
           observation=observation)
