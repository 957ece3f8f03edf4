"""The forms of the matchmakers' scoring page and of the coordinator's jury and round pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from juries.rules import BLOC_LABELS, SCALE, Bloc
from matching.core.forms import FlaskForm
from matching.core.web import whole_number


def _score_field(label):
    return RadioField(label, choices=[(s, SCALE[s]) for s in SCALE], coerce=whole_number,
                      validate_choice=False,
                      validators=[InputRequired(message=_l("Kies een score van 1 tot 4."))])


class AssessmentForm(FlaskForm):
    score = _score_field(_l("Uw score"))
    note_1 = TextAreaField(validators=[Length(max=5000)])
    note_2 = TextAreaField(validators=[Length(max=5000)])
    note_3 = TextAreaField(validators=[Length(max=5000)])
    note_4 = TextAreaField(validators=[Length(max=5000)])


class ConsensusForm(FlaskForm):
    score = _score_field(_l("Score bij consensus"))
    motivation = TextAreaField(_l("Motivering van de jury"),
                               validators=[InputRequired(message=_l("Geef een motivering.")),
                                           Length(max=10000)])


class OpenBallotForm(FlaskForm):
    pass


class VoteForm(FlaskForm):
    score = _score_field(_l("Stem van uw organisatie"))


class CloseBallotForm(FlaskForm):
    motivation = TextAreaField(_l("Motivering van de beslissing"), validators=[Length(max=10000)])


class ConflictForm(FlaskForm):
    reason = TextAreaField(_l("Aard van het belangenconflict"),
                           validators=[InputRequired(message=_l("Geef kort de aard van het "
                                                                "belangenconflict.")),
                                       Length(max=2000)])


BLOC_CHOICES = [("", "–")] + [(b.value, _l(BLOC_LABELS[b])) for b in Bloc]


# --- forms --------------------------------------------------------------------------------

class MemberRow(Form):
    user_id = HiddenField()
    selected = BooleanField(_l("In de jury"))
    bloc = SelectField(_l("Geleding"), choices=BLOC_CHOICES, validate_choice=True)
    affiliation = StringField(_l("Organisatie of expertise"), validators=[Length(max=300)])


class JuryForm(FlaskForm):
    rows = FieldList(FormField(MemberRow))
    members = HiddenField()  # where the refusal of the composition goes


class PlanPitchForm(FlaskForm):
    slot = SelectField(_l("Pitch-moment"), coerce=int, validate_choice=False)


class PitchHeldForm(FlaskForm):
    report = TextAreaField(_l("Kort verslag van de pitch"), validators=[DataRequired()])
