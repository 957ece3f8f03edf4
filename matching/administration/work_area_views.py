"""The administrator's work areas (issue 11): create and edit a work area's name, province,
municipalities (the reference list of matching/accounts/data), the local governments involved since
step 2, and its contact persons. Thin views: access, form shape, one operation."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from matching.accounts.forms import ConfirmActionForm
from matching.accounts.models import Organisation
from matching.accounts.municipalities import PROVINCES, by_province
from matching.accounts.rules import KIND_LABELS, LOCAL_GOVERNMENT_KINDS
from matching.administration.views import _require_admin, bp
from matching.core.db import db
from matching.core.web import FAILED, perform
from workareas import operations as area_ops
from workareas.forms import ContactForm, WorkAreaForm
from workareas.models import WorkArea, WorkAreaContact


def _local_governments() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(
        Organisation.kind.in_(LOCAL_GOVERNMENT_KINDS)).order_by(Organisation.name)))


def _form(area: WorkArea | None = None) -> WorkAreaForm:
    if area is not None:
        form = WorkAreaForm(name=area.name, province=area.province,
                            municipalities=[m.nis_code for m in area.municipalities
                                            if m.nis_code],
                            involved_governments=[o.id for o in area.involved_governments])
    else:
        form = WorkAreaForm()
    form.province.choices = [("", _("– kies –"))] + [(p, p) for p in PROVINCES]
    return form


def _area_or_404(area_id: int) -> WorkArea:
    _require_admin()
    area = db.session.scalar(select(WorkArea).where(WorkArea.id == area_id).options(
        selectinload(WorkArea.municipalities), selectinload(WorkArea.involved_governments),
        selectinload(WorkArea.contacts)))
    if area is None:
        abort(404)
    return area


def _save(area: WorkArea | None, form: WorkAreaForm):
    governments = {o.id: o for o in _local_governments()}
    chosen = [governments[i] for i in (form.involved_governments.data or []) if i in governments]
    return perform(area_ops.save_work_area, area, form.name.data or "", form.province.data or "",
                   [str(c) for c in (form.municipalities.data or [])], chosen, form=form,
                   success=_("Het werkingsgebied is bewaard."))


def _render(template: str, form: WorkAreaForm, status: int, **context):
    chosen = set(form.municipalities.data or [])
    return render_template(template, form=form, provinces=by_province(), chosen=chosen,
                           governments=_local_governments(), kind_labels=KIND_LABELS,
                           chosen_governments=set(form.involved_governments.data or []),
                           **context), status


@bp.route("/beheer/werkingsgebieden", methods=["GET", "POST"])
@login_required
def work_areas():
    _require_admin()
    form = _form()
    status = 200
    if form.is_submitted():
        if form.validate():
            area = _save(None, form)
            if area is not FAILED:
                return redirect(url_for("admin.work_area", area_id=area.id))
        status = 422
    areas = db.session.scalars(select(WorkArea).options(
        selectinload(WorkArea.municipalities), selectinload(WorkArea.involved_governments),
        selectinload(WorkArea.contacts)).order_by(WorkArea.name)).all()
    return _render("admin/work_areas.html", form, status, areas=areas)


@bp.route("/beheer/werkingsgebieden/<int:area_id>", methods=["GET", "POST"])
@login_required
def work_area(area_id: int):
    area = _area_or_404(area_id)
    form = _form() if request.method == "POST" else _form(area)
    status = 200
    if form.is_submitted():
        if form.validate() and _save(area, form) is not FAILED:
            return redirect(url_for("admin.work_area", area_id=area.id))
        status = 422
        area = _area_or_404(area_id)
    return _render("admin/work_area.html", form, status, area=area,
                   contact_form=ContactForm(formdata=None), action_form=ConfirmActionForm())


@bp.post("/beheer/werkingsgebieden/<int:area_id>/contactpersonen")
@login_required
def add_contact(area_id: int):
    area = _area_or_404(area_id)
    contact_form = ContactForm()
    if contact_form.validate() and perform(
            area_ops.add_work_area_contact, area, contact_form.name.data or "",
            contact_form.organisation.data or "", contact_form.email.data or "",
            contact_form.phone.data or "", form=contact_form,
            success=_("De contactpersoon is toegevoegd.")) is not FAILED:
        return redirect(url_for("admin.work_area", area_id=area_id))
    area = _area_or_404(area_id)
    return _render("admin/work_area.html", _form(area), 422, area=area,
                   contact_form=contact_form, action_form=ConfirmActionForm())


@bp.post("/beheer/werkingsgebieden/<int:area_id>/contactpersonen/<int:contact_id>/verwijderen")
@login_required
def remove_contact(area_id: int, contact_id: int):
    area = _area_or_404(area_id)
    contact = db.session.get(WorkAreaContact, contact_id)
    if contact is None or contact.work_area_id != area.id:
        abort(404)
    if ConfirmActionForm().validate():
        perform(area_ops.remove_work_area_contact, contact,
                success=_("De contactpersoon is verwijderd."))
    return redirect(url_for("admin.work_area", area_id=area_id))
