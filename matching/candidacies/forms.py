"""The applicant's forms: the candidacy (built for the addendum's challenges), attachments,
withdrawal."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectMultipleField,
    TextAreaField,
    widgets,
)
from wtforms.validators import Length, Optional

from matching.candidacies import operations as candidacy_ops
from matching.candidacies import rules as candidacy_rules
from matching.candidacies.models import Candidacy
from matching.candidacies.rules import (
    ASSESSMENT_QUESTIONS,
    DECLARATION_TEXTS,
    Criterion,
    Declaration,
)
from matching.core.forms import FlaskForm
from matching.core.validators import Required


class StartForm(FlaskForm):
    #: A hidden field: its label is never shown. Given, as WTForms would make it from the
    #: name, so that the dashboard, which offers a form per open call, does not load
    #: WTForms' own message catalogue on every request to translate it (issue 17).
    organisation_id = IntegerField("Organisation Id", validators=[Optional()])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reden van de intrekking"), validators=[Required(),
                                                                  Length(max=2000)])


class UploadForm(FlaskForm):
    file = FileField(_l("Bijlage (PDF, DOCX of ODT, hoogstens 10 MB)"), validators=[FileRequired()])


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def answer_field(key: str) -> str:
    return "answer_" + key.replace(".", "_")


def candidacy_form(candidacy: Candidacy, challenges):
    """The candidacy form for this addendum's regional challenges."""
    class CandidacyForm(FlaskForm):
        # Placeholders that receive the refusals the operations name (field=...).
        contributions = HiddenField()
        answers = HiddenField()
        declarations = HiddenField()
        partnership_fit = TextAreaField(_("Hoe is uw organisatie fit for partnership?"),
                                        validators=[Length(max=20000)])

    for c in challenges:
        setattr(CandidacyForm, f"challenge_{c.code}", BooleanField(f"{c.code} – {c.title}"))
        setattr(CandidacyForm, f"contribution_{c.code}",
                TextAreaField(_("Uw (unieke) bijdrage aan %(code)s", code=c.code),
                              validators=[Length(max=20000)]))
    for key in candidacy_rules.QUESTION_KEYS:
        criterion, number = key.split(".")
        setattr(CandidacyForm, answer_field(key),
                TextAreaField(_(ASSESSMENT_QUESTIONS[Criterion(criterion)][int(number) - 1]),
                              validators=[Length(max=20000)]))
    for d in Declaration:
        setattr(CandidacyForm, f"declaration_{d.value}", BooleanField(_(DECLARATION_TEXTS[d])))

    contributions = {c.challenge_code: c.text for c in candidacy.contributions}
    data: dict[str, str | bool] = {"partnership_fit": candidacy.partnership_fit}
    for c in challenges:
        data[f"challenge_{c.code}"] = c.code in contributions
        data[f"contribution_{c.code}"] = contributions.get(c.code, "")
    for a in candidacy.answers:
        data[answer_field(f"{a.criterion.value}.{a.question}")] = a.text
    for d, declared in candidacy_ops.declarations_of(candidacy).items():
        data[f"declaration_{d.value}"] = declared
    return CandidacyForm(data=data)


def content_of(form, challenges) -> dict:
    return {
        "contributions": {c.code: form[f"contribution_{c.code}"].data or ""
                          for c in challenges if form[f"challenge_{c.code}"].data},
        "answers": {key: form[answer_field(key)].data or ""
                    for key in candidacy_rules.QUESTION_KEYS},
        "partnership_fit": form.partnership_fit.data or "",
        "declarations": {d: bool(form[f"declaration_{d.value}"].data) for d in Declaration},
    }


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Procedurele reden"), validators=[Required()])


class RetryForm(FlaskForm):
    pass
