"""Form validators shared by the forms: a required field whose message names the field."""

from __future__ import annotations

from flask_babel import gettext
from wtforms.validators import StopValidation


class Required:
    """Like WTForms' ``DataRequired``, but the message says which field ("Uw naam: vul dit
    veld in."), so an error summary listing several of them stays understandable."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        data = field.data
        if data and (not isinstance(data, str) or data.strip()):
            return
        field.errors[:] = []
        raise StopValidation(gettext("%(field)s: vul dit veld in.",
                                     field=gettext(str(field.label.text))))
