"""Forms of the site pages: the CSV upload and one site's fields.

Light validation only: the import's rules (`casework.sites.importer.validate_row`) say
what a site must be, in sentences, for the browser and `casework sites import` alike.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SelectMultipleField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from casework.cases.forms import choices
from casework.sites.importer import COLUMNS
from casework.sites.models import MINERALS

MINERAL_LABELS = {
    "cassiterite": _l("cassiterite (tin)"),
    "coltan": _l("coltan (tantalum)"),
    "wolframite": _l("wolframite (tungsten)"),
    "gold": _l("gold"),
}


class SiteImportForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose the CSV file to import."))],
        description=_l("UTF-8, with the header line %(columns)s", columns=",".join(COLUMNS)),
    )


class SiteForm(FlaskForm):
    version = HiddenField()  # the site's version the form was loaded at
    code = StringField(
        _l("Code"),
        validators=[Optional(), Length(max=40)],
        description=_l("Letters, digits, '-', '_' or '.', e.g. CD-NK-RUB; imports match on it."),
    )
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    country = StringField(
        _l("Country"),
        validators=[Optional(), Length(max=2)],
        description=_l("Its two-letter code: CD, RW, BI, UG."),
    )
    province = StringField(_l("Province"), validators=[Optional(), Length(max=100)])
    territory = StringField(_l("Territory (district)"), validators=[Optional(), Length(max=100)])
    minerals = SelectMultipleField(
        _l("Minerals"),
        choices=choices((m, MINERAL_LABELS.get(m, m)) for m in MINERALS),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    latitude = StringField(
        _l("Latitude"), validators=[Optional()], description=_l("Decimal degrees, e.g. -1.566")
    )
    longitude = StringField(
        _l("Longitude"), validators=[Optional()], description=_l("Decimal degrees, e.g. 28.883")
    )

    def values(self) -> dict[str, str]:
        """The fields as the import's columns (minerals ';'-separated)."""
        return {
            "code": self.code.data or "",
            "name": self.name.data or "",
            "country": self.country.data or "",
            "province": self.province.data or "",
            "territory": self.territory.data or "",
            "minerals": ";".join(self.minerals.data or []),
            "latitude": self.latitude.data or "",
            "longitude": self.longitude.data or "",
        }
