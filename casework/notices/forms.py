"""The notification settings form: where, when and by which channel a user is told.

Which kinds a user may choose between depends on their role (`workflows.notices.kinds_for`);
urgent kinds (Level 1 alerts) are not a choice and are shown as always on. The view
removes the fields a role has no use for.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, TelField
from wtforms.validators import Length, Optional, ValidationError

from casework.cases.forms import choices
from casework.phones import INVALID_PHONE, normalise_phone
from casework.timezones import zone_choices
from workflows.notices import NoticeKind

HOURS = [f"{hour:02d}:00" for hour in range(24)]


def _hour_choices(blank=None):
    pairs = [(str(hour), label) for hour, label in enumerate(HOURS)]
    return choices([("", blank), *pairs] if blank is not None else pairs)


class SettingsForm(FlaskForm):
    timezone = SelectField(
        _l("Time zone"),
        description=_l("Reminders, your digest and quiet hours follow this zone's clock."),
    )
    digest_hour = SelectField(
        _l("Daily digest at"),
        choices=_hour_choices(),
        description=_l("In your time zone. Nothing is sent on a day with nothing to say."),
    )
    quiet_from = SelectField(_l("No SMS from"), choices=_hour_choices(_l("no quiet hours")))
    # Not Optional(): its check below must see an empty end against a given start.
    quiet_until = SelectField(_l("until"), choices=_hour_choices(_l("no quiet hours")))
    phone = TelField(
        _l("Mobile phone number for SMS"),
        validators=[Optional(), Length(max=40)],
        description=_l("In international form, e.g. +243812345678. Leave empty for no SMS."),
    )
    # The kinds chosen per channel; the view offers only the role's editable kinds.
    email_notices = SelectMultipleField(_l("By email"), choices=[], validate_choice=True)
    sms_notices = SelectMultipleField(_l("By SMS"), choices=[], validate_choice=True)

    def __init__(self, *args, editable: list[NoticeKind], current_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = choices((z, z) for z in zone_choices(current_zone))
        kind_choices = choices((k.name, _l(k.label)) for k in editable)
        self.email_notices.choices = kind_choices
        self.sms_notices.choices = list(kind_choices)

    def validate_phone(self, field):
        try:
            field.data = normalise_phone(field.data or "")
        except ValueError:
            raise ValidationError(INVALID_PHONE) from None

    def validate_quiet_until(self, field):
        start = self.quiet_from.data or ""
        end = field.data or ""
        if bool(start) != bool(end):
            raise ValidationError(
                _l("Give both ends of your quiet hours, or choose no quiet hours for both.")
            )
        if start and start == end:
            raise ValidationError(_l("Quiet hours must end at another hour than they start."))

    def hour(self, name: str) -> int | None:
        value = self[name].data
        return int(value) if value not in (None, "") else None
