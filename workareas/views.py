"""Public pages (no login): the list of published addenda (R-ADD-3), its Atom feed of
new and changed versions, and one addendum with its version history. Each answers a
conditional request of an anonymous visitor with 304 after one statement and before
anything is rendered (:mod:`workareas.conditional`)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, raiseload

from matching.core.db import db
from matching.core.errors import N_
from matching.core.navigation import register_nav
from workareas.conditional import addendum_state, anonymous_without_flashes, conditional, list_state
from workareas.models import AddendumVersion, Procedure
from workareas.queries import FEED_SIZE, public_addendum, published_procedures
from workareas.rules import PROCEDURE_STATE_LABELS

bp = Blueprint("public", __name__)

register_nav(N_("Lijst van addenda"), "public.addenda", visible=lambda user: True, order=5)


@bp.get("/addenda")
def addenda():
    if anonymous_without_flashes():
        return conditional(list_state(), _addenda, html=True)
    return _addenda()


def _addenda() -> Response:
    return Response(render_template("public/addenda.html", procedures=published_procedures(),
                                    state_labels=PROCEDURE_STATE_LABELS),
                    content_type="text/html; charset=utf-8")


@bp.get("/addenda/feed.atom")
def feed():
    """One entry per published addendum version, newest first (RFC 4287)."""
    if anonymous_without_flashes():
        return conditional(list_state(), _feed, html=False)
    return _feed()


def _feed() -> Response:
    versions = db.session.scalars(
        select(AddendumVersion).where(AddendumVersion.published_at.is_not(None))
        .options(joinedload(AddendumVersion.procedure).joinedload(Procedure.work_area),
                 raiseload("*"))
        .order_by(AddendumVersion.published_at.desc(), AddendumVersion.id.desc())
        .limit(FEED_SIZE)).all()
    xml = render_template("public/feed.xml", versions=versions,
                          updated=versions[0].published_at if versions else None,
                          )
    return Response(xml, content_type="application/atom+xml; charset=utf-8")


@bp.get("/addenda/<int:procedure_id>")
def addendum(procedure_id: int):
    if anonymous_without_flashes():
        state = addendum_state(procedure_id)
        if state is None:
            abort(404)
        return conditional(state, lambda: _addendum(procedure_id), html=True)
    return _addendum(procedure_id)


def _addendum(procedure_id: int) -> Response:
    page = public_addendum(procedure_id, request.args.get("versie", type=int))
    if page is None:
        abort(404)
    return Response(render_template(
        "public/addendum.html", procedure=page.procedure, version=page.version,
        published=page.published, latest=page.published[-1], state_labels=PROCEDURE_STATE_LABELS),
        content_type="text/html; charset=utf-8")
