"""The legal hold's form on the case page (posted against the case's version)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from casework.cases.forms import CaseForm


class LegalHoldForm(CaseForm):
    """Put a case on legal hold or lift it. ``value`` says which way, so a form posted
    twice never lifts the hold it just set (the second post is stale anyway)."""

    value = HiddenField(validators=[AnyOf(("on", "off"))])
    reason = TextAreaField(
        _l("Reason"),
        validators=[
            DataRequired(_l("Say why in the Reason box: it is kept on the case's record.")),
            Length(max=2000),
        ],
    )
