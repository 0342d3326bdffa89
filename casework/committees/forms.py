"""Forms of the committee pages: a committee's make-up and rules, its members.

Light validation only: the operations (`casework.committees.operations`) check what a
committee must be and say it in sentences; the forms check that a number is a number.
Choices that come from the database (members, users) are filled in by the view.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from casework.cases.forms import LANGUAGE_LABELS, choices
from casework.committees.models import SCOPES
from casework.committees.operations import LANGUAGES
from casework.timezones import zone_choices
from workflows.committees import SECTOR_LABELS, SECTORS

SCOPE_LABELS = {
    "local": _l("Local (territories)"),
    "provincial": _l("Provincial (a province)"),
}


def _sector_choices():
    return choices((s, _l(SECTOR_LABELS[s])) for s in SECTORS)


class CommitteeForm(FlaskForm):
    """A committee's scope and rules; ``chair`` is offered on an existing committee only
    (a chair is one of its members)."""

    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    scope = SelectField(
        _l("Scope"), choices=choices((s, SCOPE_LABELS[s]) for s in SCOPES), default="local"
    )
    country = StringField(
        _l("Country"),
        validators=[Optional(), Length(max=2)],
        description=_l("Its two-letter code: CD, RW, BI, UG."),
    )
    province = StringField(
        _l("Province"),
        validators=[Optional(), Length(max=100)],
        description=_l("A provincial committee covers it; a local one's territories lie in it."),
    )
    territories = StringField(
        _l("Territories"),
        validators=[Optional(), Length(max=500)],
        description=_l("A local committee's territories (districts), as “Masisi; Walikale”."),
    )
    time_zone = SelectField(_l("Time zone"), default="Africa/Lubumbashi")
    language = SelectField(
        _l("Language of its minutes"),
        choices=choices((code, LANGUAGE_LABELS[code]) for code in LANGUAGES),
        default="fr",
    )
    quorum_percent = IntegerField(
        _l("Quorum (%)"),
        default=50,
        validators=[InputRequired(_l("Give the quorum as a percentage, 50 by default."))],
        description=_l("More than this share of the members must take part."),
    )
    quorum_each_sector = BooleanField(
        _l("At least one member of each sector must take part"), default=True
    )
    majority_percent = IntegerField(
        _l("Majority (%)"),
        default=50,
        validators=[InputRequired(_l("Give the majority as a percentage, 50 by default."))],
        description=_l("More than this share of the votes cast (abstentions not counted)."),
    )
    chair_id = SelectField(_l("Chair"), choices=[], validators=[Optional()])

    def __init__(self, *args, current_zone: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = choices((z, z) for z in zone_choices(current_zone))

    def values(self) -> dict:
        """What the operations take (`create_committee`, `update_committee`)."""
        return {
            "name": self.name.data or "",
            "scope": self.scope.data,
            "country": self.country.data or "",
            "province": self.province.data or "",
            "territories": self.territories.data or "",
            "time_zone": self.time_zone.data,
            "language": self.language.data,
            "quorum_percent": self.quorum_percent.data,
            "quorum_each_sector": bool(self.quorum_each_sector.data),
            "majority_percent": self.majority_percent.data,
        }


class AddMemberForm(FlaskForm):
    user_id = SelectField(
        _l("Person"),
        choices=[],
        validators=[InputRequired(_l("Choose the person to add."))],
        description=_l("Users with the committee member or supervisor role."),
    )
    sector = SelectField(_l("Sits for"), choices=_sector_choices(), default="civil_society")


class SectorForm(FlaskForm):
    """Change the sector a member sits for."""

    sector = SelectField(_l("Sits for"), choices=_sector_choices())


class RemoveMemberForm(FlaskForm):
    """A button: the CSRF token is all it carries."""
