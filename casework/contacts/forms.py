"""The stakeholder contact form, and the words shown for sectors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from casework.cases.forms import LANGUAGE_LABELS, choices
from casework.committees.models import SECTORS
from casework.contacts.operations import LANGUAGES
from casework.phones import INVALID_PHONE, normalise_phone
from casework.timezones import zone_choices

SECTOR_LABELS = {
    "government": _l("government"),
    "industry": _l("industry"),
    "civil_society": _l("civil society"),
}


class ContactForm(FlaskForm):
    """A contact's details. The phone field is never filled from the database: the number
    on file is shown masked beside it, and an empty field keeps it."""

    name = StringField(
        _l("Name"), validators=[DataRequired(_l("Give the contact's name.")), Length(max=200)]
    )
    organisation = StringField(
        _l("Organisation"),
        validators=[Optional(), Length(max=200)],
        description=_l("A cooperative, a mines division, a company..."),
    )
    sector = SelectField(
        _l("Sector"),
        choices=choices((s, SECTOR_LABELS[s]) for s in SECTORS),
        validators=[DataRequired(_l("Choose the contact's sector."))],
    )
    email = EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Email(_l("Write the email address as name@example.org.")),
            Length(max=255),
        ],
    )
    phone = TelField(
        _l("Phone number"),
        validators=[Optional(), Length(max=40)],
        description=_l("In international form, e.g. +243812345678."),
    )
    remove_phone = BooleanField(_l("Remove the phone number on file"))
    language = SelectField(
        _l("Language"),
        choices=choices((code, LANGUAGE_LABELS[code]) for code in LANGUAGES),
        default="fr",
    )
    timezone = SelectField(_l("Time zone"), default="Africa/Kinshasa")

    def __init__(self, *args, current_zone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices((z, z) for z in zone_choices(current_zone))

    def validate_phone(self, field):
        try:
            normalise_phone(field.data or "")
        except ValueError:
            raise ValidationError(INVALID_PHONE) from None


class ActiveForm(FlaskForm):
    """Deactivate (``0``) or reactivate (``1``) a contact."""

    active = HiddenField(validators=[DataRequired()])

    def validate_active(self, field):
        if field.data not in ("0", "1"):
            raise ValidationError(_l("Choose whether the contact is active."))
