"""The coordinator's forms of a procedure and its addendum; Brussels wall-clock time in the
forms, aware UTC in the operations."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DateTimeLocalField,
    EmailField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from matching.core.dates import BRUSSELS, UTC
from matching.core.forms import FlaskForm
from workareas import operations as area_ops

EMPTY_ROWS = 2


LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


# --- Brussels wall-clock time in the forms, aware UTC in the operations -------------------

def to_local(instant: datetime | None) -> datetime | None:
    return instant.astimezone(BRUSSELS).replace(tzinfo=None) if instant else None


def from_local(naive: datetime | None) -> datetime | None:
    return naive.replace(tzinfo=BRUSSELS).astimezone(UTC) if naive else None


# --- forms --------------------------------------------------------------------------------

class NeedRow(Form):
    title = StringField(_l("Titel"), validators=[Length(max=300)])
    description = TextAreaField(_l("Beschrijving"))
    motivation = TextAreaField(_l("Motivering van de keuze"))


class ChallengeRow(Form):
    code = StringField(_l("Code"), validators=[Length(max=20)])
    title = StringField(_l("Titel"), validators=[Length(max=300)])
    target_groups = TextAreaField(_l("Doelgroepen"))
    obstacles = TextAreaField(_l("Obstakels"))
    opportunities = TextAreaField(_l("Mogelijkheden"))
    objectives = TextAreaField(_l("Doelstellingen"))


class ContactRow(Form):
    name = StringField(_l("Naam"), validators=[Length(max=200)])
    organisation = StringField(_l("Organisatie"), validators=[Length(max=300)])
    email = StringField(_l("E-mailadres"), validators=[Length(max=254)])
    phone = StringField(_l("Telefoon"), validators=[Length(max=50)])


class AddendumForm(FlaskForm):
    delimitation = TextAreaField(_l("Afbakening van het werkingsgebied"))
    needs = FieldList(FormField(NeedRow))
    challenges = FieldList(FormField(ChallengeRow))
    contacts = FieldList(FormField(ContactRow))
    candidacy_deadline = DateTimeLocalField(_l("Deadline voor kandidaturen (Brusselse tijd)"),
                                            format=LOCAL_FORMAT, validators=[Optional()])
    expected_decision_date = DateField(_l("Verwacht beslissingsmoment"), validators=[Optional()])
    partnership_start_date = DateField(_l("Start van het partnerschap"), validators=[Optional()])
    change_note = TextAreaField(_l("Wat verandert er in deze nieuwe versie?"))


class ProcedureForm(FlaskForm):
    title = StringField(_l("Titel van de procedure"), validators=[Length(max=200)])
    #: R-DYN-1: the ratified procedure whose partnership this later one changes (empty: a
    #: new partnership). The choices are the work area's ratified procedures, offered per
    #: work area by the page; the operation checks the choice.
    changes_procedure_id = IntegerField(validators=[Optional()])


class PitchSlotForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Begin (Brusselse tijd)"), format=LOCAL_FORMAT,
                                   validators=[InputRequired()])
    ends_at = DateTimeLocalField(_l("Einde (Brusselse tijd)"), format=LOCAL_FORMAT,
                                 validators=[InputRequired()])
    location = StringField(_l("Plaats of link"), validators=[DataRequired(), Length(max=300)])


class LetterSenderForm(FlaskForm):
    """The sender of the work area's letters (R-DEC-1)."""

    postal_address = TextAreaField(
        _l("Postadres van de lokale besturen"),
        validators=[InputRequired(_l("Vul het postadres in.")), Length(max=600)],
        render_kw={"autocomplete": "off", "rows": 4})
    signatory_name = StringField(
        _l("Naam van de ondertekenaar"),
        validators=[InputRequired(_l("Vul de naam van de ondertekenaar in.")), Length(max=200)],
        render_kw={"size": 40, "autocomplete": "off"})
    signatory_function = StringField(
        _l("Functie van de ondertekenaar"),
        validators=[InputRequired(_l("Vul de functie van de ondertekenaar in.")),
                    Length(max=200)], render_kw={"size": 60, "autocomplete": "off"})


def _row_values(row: Form) -> dict[str, str]:
    return {name: (field.data or "").strip() for name, field in row._fields.items()}


def addendum_content(form: AddendumForm) -> dict:
    """The operation's content dict; fully empty repeated rows are ignored."""
    def rows(field_list):
        return [values for values in (_row_values(e.form) for e in field_list.entries)
                if any(values.values())]
    return {
        "delimitation": (form.delimitation.data or "").strip(),
        "needs": rows(form.needs),
        "challenges": rows(form.challenges),
        "contacts": rows(form.contacts),
        "candidacy_deadline": from_local(form.candidacy_deadline.data),
        "expected_decision_date": form.expected_decision_date.data,
        "partnership_start_date": form.partnership_start_date.data,
    }


def form_from_version(version) -> AddendumForm:
    """The form filled with the version: its rows plus two empty ones per group."""
    content = area_ops.version_content(version)
    content["candidacy_deadline"] = to_local(content["candidacy_deadline"])
    form = AddendumForm(formdata=None, data=content)
    for field_list in (form.needs, form.challenges, form.contacts):
        for _i in range(EMPTY_ROWS):
            field_list.append_entry()
    return form


class WorkAreaForm(FlaskForm):
    """A work area: name, province, municipalities (NIS codes of the reference list, shown
    as check boxes per province) and the local governments involved since step 2."""
    name = StringField(_l("Naam van het werkingsgebied"), validators=[
        InputRequired(message=_l("Geef het werkingsgebied een naam (hoogstens 200 tekens).")),
        Length(max=200)])
    province = SelectField(_l("Provincie"), validate_choice=False)
    municipalities = SelectMultipleField(_l("Gemeenten"), validate_choice=False)
    involved_governments = SelectMultipleField(_l("Lokale besturen betrokken sinds stap 2"),
                                               coerce=int, validate_choice=False)


class ContactForm(FlaskForm):
    """A work area's contact person. The ids are prefixed: the work area's form on the same
    page has a field "name" too (issue 16: ids are unique on a page)."""

    name = StringField(_l("Naam"), id="contact-name", validators=[
        InputRequired(message=_l("Geef de naam van de contactpersoon.")), Length(max=200)],
        render_kw={"autocomplete": "name"})
    organisation = StringField(_l("Organisatie"), id="contact-organisation",
                               validators=[Optional(), Length(max=300)],
                               render_kw={"autocomplete": "organization"})
    email = EmailField(_l("E-mailadres"), id="contact-email", validators=[
        InputRequired(message=_l("Geef een geldig e-mailadres.")), Length(max=254)],
        render_kw={"autocomplete": "email"})
    phone = StringField(_l("Telefoon (optioneel)"), id="contact-phone",
                        validators=[Optional(), Length(max=50)],
                        render_kw={"autocomplete": "tel"})
