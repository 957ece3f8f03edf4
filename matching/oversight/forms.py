"""The forms of the observer's procedure page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired

from matching.core.forms import FlaskForm
from matching.core.web import whole_number
from matching.oversight.facts import TITLES


class ObservationForm(FlaskForm):
    # The condition's range is the operation's rule: an unknown one is refused in Dutch.
    condition = RadioField(_l("Voorwaarde"), coerce=whole_number, validate_choice=False,
                           choices=[(n, title) for n, title in TITLES.items()],
                           validators=[InputRequired(_l("Kies een van de zes voorwaarden."))])
    text = TextAreaField(_l("Opmerking"), validators=[InputRequired(_l("Schrijf uw opmerking."))])


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Antwoord"), validators=[InputRequired(_l("Schrijf uw antwoord."))])


class RatifyForm(FlaskForm):
    pass


class RefusalForm(FlaskForm):
    """An observer's motivated refusal to ratify (issue 11)."""
    motivation = TextAreaField(_l("Motivering van de weigering"), validators=[
        InputRequired(_l("Schrijf waarom u de procedure (nog) niet bekrachtigt."))])
