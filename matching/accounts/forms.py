"""The forms of sign-in, registration, password reset, invitations and organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from matching.accounts.rules import KIND_LABELS, ROLE_LABELS, OrganisationKind


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(), Length(max=200)])


class RegistrationForm(FlaskForm):
    organisation_name = StringField("Naam van de organisatie",
                                    validators=[DataRequired(), Length(max=300)])
    enterprise_number = StringField("Ondernemingsnummer",
                                    validators=[DataRequired(), Length(max=20)])
    legal_form = StringField("Rechtsvorm", validators=[DataRequired(), Length(max=100)])
    name = StringField("Uw naam", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Uw e-mailadres", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("Herhaal het wachtwoord", validators=[DataRequired(), Length(max=200)])


class ConfirmForm(FlaskForm):
    pass


class ForgotForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired(), Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField("Nieuw wachtwoord", validators=[DataRequired(), Length(max=200)])
    confirm = PasswordField("Herhaal het nieuwe wachtwoord",
                            validators=[DataRequired(), Length(max=200)])


class OrganisationForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[
        InputRequired(message=_l("Geef de naam van de organisatie.")), Length(max=300)])
    enterprise_number = StringField(_l("Ondernemingsnummer"), validators=[
        InputRequired(message=_l("Geef het ondernemingsnummer.")), Length(max=20)])
    legal_form = StringField(_l("Rechtsvorm"), validators=[InputRequired(message=_l(
        "Geef de rechtsvorm van de organisatie.")), Length(max=100)])
    kind = RadioField(_l("Soort organisatie"),
                      choices=[(k.value, KIND_LABELS[k]) for k in OrganisationKind],
                      validators=[InputRequired(message=_l("Kies de soort organisatie."))])
    email = EmailField(_l("E-mailadres (optioneel)"), validators=[Optional(), Length(max=254)])


def _optional_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class InvitationForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[
        InputRequired(message=_l("Geef een geldig e-mailadres.")), Length(max=254)])
    name = StringField(_l("Naam"), validators=[InputRequired(message=_l("Geef een naam.")),
                                               Length(max=200)])
    role = RadioField(_l("Rol"), choices=[(r.value, ROLE_LABELS[r]) for r in ROLE_LABELS],
                      validators=[InputRequired(message=_l("Kies een rol."))])
    work_area_id = SelectField(_l("Werkingsgebied (voor een coördinator)"), coerce=_optional_int,
                               validate_choice=False)
    organisation_id = SelectField(_l("Organisatie (voor een aanvrager)"), coerce=_optional_int,
                                  validate_choice=False)


class AcceptForm(FlaskForm):
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[InputRequired(message=_l(
        "Een wachtwoord telt minstens 12 tekens.")), Length(max=200)])
    confirm = PasswordField(_l("Herhaal het wachtwoord"), validators=[EqualTo(
        "password", message=_l("De twee wachtwoorden verschillen."))])


class ContactDetailsForm(FlaskForm):
    """A person corrects their own name and phone number (rectification)."""

    name = StringField(_l("Naam"), validators=[InputRequired(message=_l("Geef uw naam.")),
                                               Length(max=200)],
                       render_kw={"autocomplete": "name"})
    phone = StringField(_l("Telefoonnummer (optioneel)"),
                        validators=[Optional(), Length(max=50)],
                        render_kw={"autocomplete": "tel", "type": "tel"})


class EmailChangeForm(FlaskForm):
    """A person asks to use another e-mail address (confirmed from that address)."""

    email = EmailField(_l("Nieuw e-mailadres"), validators=[
        InputRequired(message=_l("Geef een geldig e-mailadres.")), Length(max=254)],
        render_kw={"autocomplete": "email"})
