"""The forms of the appeal: the applicant's appeal, the panel's assignment and positions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from appeals.rules import APPEAL_CHANNEL_LABELS, POSITION_LABELS, AppealChannel, Position
from matching.candidacies.forms import MultiCheckboxField
from matching.core.forms import FlaskForm


class AppealForm(FlaskForm):
    grounds = TextAreaField(_l("Welke materiële fout werd gemaakt?"),
                            validators=[DataRequired(), Length(max=10000)])
    referenced_documents = TextAreaField(_l("Documentatie die niet of onvoldoende werd meegenomen "
                                         "(één per regel)"), validators=[Length(max=5000)])
    attachment_ids = MultiCheckboxField(_l("Bijlagen van uw kandidatuur"), coerce=int,
                                        validators=[Optional()])
    document = FileField(_l("Verduidelijkend document (optioneel; PDF, DOCX of ODT, hoogstens "
                            "10 MB)"))


class RegisterAppealForm(FlaskForm):
    """The coordinator registers an appeal that arrived by e-mail or post (issue 12)."""

    candidacy_id = SelectField(_l("Kandidatuur"), coerce=int,
                               validators=[InputRequired(message=_l("Kies de kandidatuur."))])
    channel = RadioField(_l("Hoe kwam het weerwoord binnen?"),
                         choices=[(c.value, APPEAL_CHANNEL_LABELS[c])
                                  for c in (AppealChannel.EMAIL, AppealChannel.POST)],
                         validators=[InputRequired(message=_l("Kies: per e-mail of per post."))])
    received_at = DateTimeLocalField(
        _l("Ontvangen op (Belgische tijd)"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[InputRequired(message=_l("Geef het moment waarop het weerwoord binnenkwam."))])
    grounds = TextAreaField(_l("De materiële fout, zoals het weerwoord ze beschrijft"),
                            validators=[DataRequired(), Length(max=10000)])
    referenced_documents = TextAreaField(_l("Documentatie die niet of onvoldoende werd "
                                            "meegenomen (één per regel)"),
                                         validators=[Length(max=5000)])
    document = FileField(_l("Het weerwoord zelf of een verduidelijkend document (optioneel; "
                            "PDF, DOCX of ODT)"))


class PanelForm(FlaskForm):
    panel = SelectMultipleField(_l("Twee matchmakers voor weerwoorden"), coerce=int,
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
