"""The e-mails of oversight: an observation of Europa WSE or its refusal to ratify, to each
coordinator of the work area (in the language they use the site in), with a link to the
procedure's page where they answer it."""

from __future__ import annotations

from datetime import datetime

from matching.accounts.notifications import coordinators_of, notify
from matching.core.errors import N_
from matching.core.web import external_url
from matching.oversight.models import Observation, RatificationRefusal
from workareas.models import Procedure


def refusal_mail(procedure: Procedure, refusal: RatificationRefusal, *,
                 now: datetime) -> None:
    """Tell each coordinator of the work area that Europa WSE refused to ratify, why, and
    where they answer (in the language they use the site in)."""
    notify(coordinators_of(procedure.work_area_id),
           N_("Europa WSE bekrachtigt de procedure niet – %(title)s"), "ratification_refused",
           now=now, key=f"ratification-refusal-{refusal.id}",
           link=external_url("conditions.conditions", procedure_id=procedure.id),
           subject_params={"title": procedure.title}, procedure=procedure, refusal=refusal)


def observation_mail(procedure: Procedure, observation: Observation, *, now: datetime) -> None:
    """Tell the coordinators of the work area, each with the link to answer it."""
    notify(coordinators_of(procedure.work_area_id),
           N_("Opmerking van Europa WSE – voorwaarde %(condition)s"), "observation", now=now,
           key=f"observation-{observation.id}",
           link=external_url("conditions.conditions", procedure_id=procedure.id),
           subject_params={"condition": observation.condition}, procedure=procedure,
           observation=observation)
