"""Forms for choosing a password: one's own change, and a reset link's page. The rules
(length) are checked by `casework.auth.passwords`, which says them in a sentence."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from casework.auth.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Enter the new password.")),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
        description=_l(
            "At least %(min)s characters. A few unrelated words make a good one.",
            min=MIN_PASSWORD_LENGTH,
        ),
    )
    confirm = PasswordField(
        _l("The new password again"),
        validators=[
            DataRequired(_l("Enter the new password a second time.")),
            EqualTo("password", _l("The two new passwords are not the same.")),
        ],
    )


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(_l("Enter your current password.")),
            Length(max=MAX_PASSWORD_LENGTH),
        ],
    )
