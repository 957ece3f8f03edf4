"""The forms of sign-in, registration, password reset, invitations and organisations."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from matching.accounts.municipalities import municipalities
from matching.accounts.rules import (
    KIND_LABELS,
    ROLE_LABELS,
    SELF_REGISTERED_KINDS,
    OrganisationKind,
)
from matching.core.forms import FlaskForm
from matching.core.validators import Required


def seat_choices(none_label: str) -> list[tuple[str, str]]:
    """The municipalities of the reference list, by name, for a seat."""
    return [("", none_label)] + [(m.nis_code, m.name) for m in municipalities()]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[Required(), Length(max=254)],
                       render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Wachtwoord"), validators=[Required(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})


class RegistrationForm(FlaskForm):
    organisation_name = StringField(_l("Naam van de organisatie"),
                                    validators=[Required(), Length(max=300)],
                                    render_kw={"autocomplete": "organization"})
    enterprise_number = StringField(_l("Ondernemingsnummer"),
                                    validators=[Required(), Length(max=20)])
    legal_form = StringField(_l("Rechtsvorm"), validators=[Required(), Length(max=100)])
    # issue 11: the kind and the seat (R-CAND-2 follows from them); the choices are set by
    # the view, a forged value is refused by the operation
    kind = RadioField(_l("Soort organisatie"),
                      choices=[(k.value, KIND_LABELS[k]) for k in SELF_REGISTERED_KINDS],
                      validators=[InputRequired(message=_l("Kies de soort organisatie."))],
                      validate_choice=False)
    seat_nis_code = SelectField(_l("Gemeente van de zetel"), validate_choice=False,
                                validators=[InputRequired(message=_l(
                                    "Kies de gemeente van de zetel van de organisatie."))])
    name = StringField(_l("Uw naam"), validators=[Required(), Length(max=200)],
                       render_kw={"autocomplete": "name"})
    email = EmailField(_l("Uw e-mailadres"), validators=[Required(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    password = PasswordField(_l("Wachtwoord"), validators=[Required(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Herhaal het wachtwoord"), validators=[Required(), Length(max=200)],
                            render_kw={"autocomplete": "new-password"})


class ConfirmForm(FlaskForm):
    pass


class ForgotForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[Required(), Length(max=254)],
                       render_kw={"autocomplete": "username"})


class ResetForm(FlaskForm):
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[Required(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Herhaal het nieuwe wachtwoord"),
                            validators=[Required(), Length(max=200)],
                            render_kw={"autocomplete": "new-password"})


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
    seat_nis_code = SelectField(_l("Gemeente van de zetel (optioneel)"), validate_choice=False)
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
    # The choices are set per person (matching.accounts.rules.grantable_roles); a forged
    # value is refused by the operation with its own message, not by the form.
    role = RadioField(_l("Rol"), choices=[(r.value, ROLE_LABELS[r]) for r in ROLE_LABELS],
                      validators=[InputRequired(message=_l("Kies een rol."))],
                      validate_choice=False)
    work_area_id = SelectField(_l("Werkingsgebied"), coerce=_optional_int,
                               validate_choice=False)
    organisation_id = SelectField(_l("Organisatie (voor een aanvrager)"), coerce=_optional_int,
                                  validate_choice=False)


class AcceptForm(FlaskForm):
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[InputRequired(message=_l(
        "Een wachtwoord telt minstens 12 tekens.")), Length(max=200)],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Herhaal het wachtwoord"), validators=[EqualTo(
        "password", message=_l("De twee wachtwoorden verschillen."))],
        render_kw={"autocomplete": "new-password"})


class GrantForm(FlaskForm):
    """The administrator grants one more role to an existing account."""
    role = RadioField(_l("Rol"), choices=[(r.value, ROLE_LABELS[r]) for r in ROLE_LABELS],
                      validators=[InputRequired(message=_l("Kies een rol."))],
                      validate_choice=False)
    work_area_id = SelectField(_l("Werkingsgebied"), coerce=_optional_int,
                               validate_choice=False)
    organisation_id = SelectField(_l("Organisatie (voor een aanvrager)"), coerce=_optional_int,
                                  validate_choice=False)


class ConfirmActionForm(FlaskForm):
    """A button that changes something (revoke, deactivate, reactivate): CSRF only."""


class AccountFilterForm(FlaskForm):
    """The accounts page's filters (GET: no CSRF, nothing changes)."""

    class Meta:
        csrf = False

    role = SelectField(_l("Rol"), validate_choice=False)
    work_area_id = SelectField(_l("Werkingsgebied"), coerce=_optional_int, validate_choice=False)
    state = SelectField(_l("Status"), validate_choice=False)


class SecondFactorForm(FlaskForm):
    """The code of the authenticator app (six digits) or a recovery code."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})


class EnrolForm(FlaskForm):
    code = StringField(_l("Code uit de app"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false"})


class StartEnrolmentForm(FlaskForm):
    pass


class ResetSecondFactorForm(FlaskForm):
    pass


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Huidig wachtwoord"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Herhaal het nieuwe wachtwoord"),
                            validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "new-password"})


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
