"""Forms of the user pages (/admin/users). Light validation: `casework.admin.users`
checks what an account must be and says it in sentences."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from casework.admin.users import LANGUAGES
from casework.auth.forms import ROLE_LABELS
from casework.cases.forms import LANGUAGE_LABELS, choices
from casework.timezones import zone_choices
from workflows import ROLES


def _role_choices():
    return choices((role, ROLE_LABELS[role]) for role in ROLES)


class NewUserForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter the person's email address.")), Length(max=255)],
        description=_l("They log in with it, and their password link goes to it."),
    )
    name = StringField(_l("Full name"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=_role_choices(), default="officer")
    language = SelectField(
        _l("Language"),
        choices=choices((code, LANGUAGE_LABELS[code]) for code in LANGUAGES),
        default="en",
    )
    timezone = SelectField(_l("Time zone"), default="Africa/Lubumbashi")
    phone = StringField(
        _l("Phone (optional)"),
        validators=[Optional(), Length(max=32)],
        description=_l("In international form, e.g. +243812345678: for urgent notices by SMS."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices((z, z) for z in zone_choices())


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_role_choices())


class ButtonForm(FlaskForm):
    """A button: the CSRF token is all it carries."""
