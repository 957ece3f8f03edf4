"""The forms of the appeal: the applicant's appeal, the panel's assignment and positions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    RadioField,
    SelectMultipleField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from appeals.rules import POSITION_LABELS, Position
from matching.candidacies.forms import MultiCheckboxField
from matching.core.forms import FlaskForm


class AppealForm(FlaskForm):
    grounds = TextAreaField("Welke materiële fout werd gemaakt?",
                            validators=[DataRequired(), Length(max=10000)])
    referenced_documents = TextAreaField("Documentatie die niet of onvoldoende werd meegenomen "
                                         "(één per regel)", validators=[Length(max=5000)])
    attachment_ids = MultiCheckboxField("Bijlagen van uw kandidatuur", coerce=int,
                                        validators=[Optional()])


class PanelForm(FlaskForm):
    panel = SelectMultipleField("Twee matchmakers voor weerwoorden", coerce=int,
                                validate_choice=False,
                                widget=widgets.ListWidget(prefix_label=False),
                                option_widget=widgets.CheckboxInput())


class PositionForm(FlaskForm):
    position = RadioField(_l("Uw standpunt"),
                          choices=[(p.value, POSITION_LABELS[p]) for p in Position],
                          validators=[InputRequired(message=_l("Kies: bevestigen of omkeren."))])
    motivation = TextAreaField(_l("Grondige motivering"),
                               validators=[InputRequired(message=_l(
                                   "Motiveer uw standpunt grondig (minstens 20 tekens).")),
                                   Length(max=10000)])
