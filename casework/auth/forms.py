from babel import Locale
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length

ROLE_LABELS = {
    "admin": _l("administrator"),
    "supervisor": _l("supervisor"),
    "officer": _l("incident officer"),
    "committee": _l("committee member"),
    "viewer": _l("viewer"),
}


def ui_languages() -> list[tuple[str, str]]:
    """``(code, name)`` for each language the UI speaks, each named in itself ("Kiswahili"),
    so a user lost in the wrong language still finds their own."""
    return [
        (code, (Locale.parse(code).get_display_name(code) or code).capitalize())
        for code in current_app.config["CASEWORK_LANGUAGES"]
    ]


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(_l("Enter an email address such as name@example.org.")),
            Length(max=255),
        ],
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=200)],
    )


class LanguageForm(FlaskForm):
    """The header's language switch; ``next`` is the page to return to (checked as safe)."""

    language = SelectField(
        _l("Language"), validators=[DataRequired(_l("Choose a language."))], choices=[]
    )
    next = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(code, name) for code, name in ui_languages()]
