"""The forms of the matchmakers' scoring page and of the coordinator's jury and round pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

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


class PendingConsensusForm(FlaskForm):
    """Confirm or withdraw a consensus awaiting confirmation (a button; CSRF only)."""


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


class PitchNoShowForm(FlaskForm):
    note = TextAreaField(_l("Wat gebeurde er (niet opgedaagd)?"),
                         validators=[DataRequired(_l("Noteer kort wat er gebeurde."))])


class PickPitchForm(FlaskForm):
    slot = RadioField(_l("Kies een vrij moment"), coerce=whole_number, validate_choice=False,
                      validators=[InputRequired(_l("Kies een vrij moment."))])


class PitchSessionForm(FlaskForm):
    """A pitch session: a day part at one place or link, cut into slots (issue 13)."""

    day = DateField(_l("Datum"), validators=[InputRequired(_l("Kies de datum."))])
    starts_at = TimeField(_l("Begin (Belgische tijd)"),
                       validators=[InputRequired(_l("Vul het beginuur in."))])
    ends_at = TimeField(_l("Einde (Belgische tijd)"),
                     validators=[InputRequired(_l("Vul het einduur in."))])
    location = StringField(_l("Plaats of videolink"),
                           validators=[DataRequired(_l("Vul de plaats of de link in.")),
                                       Length(max=300)])
    slot_minutes = IntegerField(_l("Duur van één pitch (minuten)"), default=20,
                                validators=[InputRequired(_l("Vul de duur van een pitch in."))])
    break_minutes = IntegerField(_l("Pauze tussen twee pitches (minuten)"), default=10,
                                 validators=[InputRequired(_l("Vul de pauze in (0 mag)."))])
    pause_after = IntegerField(_l("Langere pauze na elke zoveel pitches (leeg: geen)"),
                               validators=[Optional()])
    pause_minutes = IntegerField(_l("Duur van de langere pauze (minuten)"), default=0,
                                 validators=[Optional()])
    pick_until = DateTimeLocalField(
        _l("Organisaties kiezen zelf een vrij slot tot (leeg: u wijst toe)"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[Optional()])
