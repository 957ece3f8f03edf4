"""The forms of the emergency procedure's pages (shape only: the rules are the operations')."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from juries.rules import SCALE
from matching.core.forms import FlaskForm
from matching.core.web import whole_number


class StartEmergencyForm(FlaskForm):
    motivation = TextAreaField(
        _l("Waarom start u de noodprocedure?"),
        validators=[InputRequired(message=_l("Geef een motivering.")), Length(max=10000)])


class EmergencyScoreForm(FlaskForm):
    score = RadioField(_l("Score van uw organisatie"), choices=[(s, SCALE[s]) for s in SCALE],
                       coerce=whole_number, validate_choice=False,
                       validators=[InputRequired(message=_l("Kies een score van 1 tot 4."))])
    motivation = TextAreaField(_l("Motivering van de score"),
                               validators=[InputRequired(message=_l("Geef een motivering.")),
                                           Length(max=10000)])
    observed_behaviour = TextAreaField(_l("Gedrag van de partner in stap 4"),
                                       validators=[Length(max=10000)])


class ConcludeEmergencyForm(FlaskForm):
    """The ranking comes as ``rank-<candidacy id>`` fields (one per selected partner), read
    by the view; the motivation is a field of its own."""

    ranking_motivation = TextAreaField(_l("Motivering van de rangschikking"),
                                       validators=[Length(max=10000)])
