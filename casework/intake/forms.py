from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from casework.intake.simulator import NUMBERS


class SimulatorForm(FlaskForm):
    number = SelectField(
        _l("Phone number"),
        choices=[SelectChoice(number, label) for number, label in NUMBERS],
        validators=[DataRequired()],
    )
    channel = SelectField(
        _l("Channel"),
        choices=[SelectChoice("sms", "SMS"), SelectChoice("whatsapp", "WhatsApp")],
        default="sms",
    )
    # Twilio hands over concatenated messages of up to 1,600 characters.
    body = TextAreaField(_l("Message"), validators=[Length(max=1600)])
