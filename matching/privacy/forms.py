"""The administrator's form to produce a person's data."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, RadioField, StringField
from wtforms.validators import InputRequired, Length

from matching.core.forms import FlaskForm


class PersonLookupForm(FlaskForm):
    email = EmailField(_l("E-mailadres van de persoon"), validators=[
        InputRequired(message=_l("Geef het e-mailadres van de persoon.")), Length(max=254)])
    reason = StringField(_l("Op welk verzoek"), validators=[
        InputRequired(message=_l("Geef aan op welk verzoek u dit doet.")), Length(max=200)])
    format = RadioField(_l("Vorm"), default="page",
                        choices=[("page", _l("Als pagina")), ("json", _l("Als JSON-bestand"))],
                        validators=[InputRequired(message=_l("Kies een vorm."))])
