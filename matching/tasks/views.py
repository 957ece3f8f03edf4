"""The person's task list: ``/taken``, and the same list on the start page once signed in."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext
from flask_login import current_user, login_required

from matching.core.errors import N_
from matching.core.navigation import register_nav
from matching.core.web import utcnow
from matching.tasks.queries import tasks_for
from matching.tasks.rules import Task, urgency

bp = Blueprint("tasks", __name__)

register_nav(N_("Mijn taken"), "tasks.tasks", visible=lambda user: user.is_authenticated, order=1)

#: Parameters that are themselves Dutch msgids (labels), translated before they are shown.
LABEL_PARAMS = {"criterion"}


def task_text(task: Task) -> str:
    params = {k: gettext(v) if k in LABEL_PARAMS else v for k, v in task.params.items()}
    return gettext(task.text, **params) if params else gettext(task.text)


def task_groups(user) -> list:
    """The task groups of ``user`` ready for the template: (heading, [(task, text, urgency)])."""
    now = utcnow()
    return [(group.heading, [(t, task_text(t), urgency(t.due, now).value) for t in group.tasks])
            for group in tasks_for(user, now)]


@bp.get("/taken")
@login_required
def tasks():
    return render_template("tasks/tasks.html", groups=task_groups(current_user))
