"""Forms of two-factor login: a code from the app (or a recovery code), and a bare
CSRF-protected button."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(_l("Enter the code your authenticator app shows.")),
            Length(max=40, message=_l("A code is 6 digits; a recovery code 10 characters.")),
        ],
    )


class LoginCodeForm(CodeForm):
    """The login's second step: a code from the app or a recovery code."""

    code = StringField(
        _l("Code from your authenticator app, or a recovery code"),
        validators=[
            DataRequired(_l("Enter the code your authenticator app shows, or a recovery code.")),
            Length(max=40, message=_l("A code is 6 digits; a recovery code 10 characters.")),
        ],
    )


class ButtonForm(FlaskForm):
    """A form with nothing but its CSRF token: one button's POST."""
