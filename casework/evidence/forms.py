from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, TextAreaField
from wtforms.validators import Length, Optional

from casework.cases.forms import choices

SOURCE_LABELS = {
    "field_visit": _l("Field visit"),
    "reporter": _l("The reporter"),
    "third_party": _l("A third party"),
}


class UploadForm(FlaskForm):
    """A file for a case. Its type is read from the content by the operation, so the
    field's ``accept`` only helps the file picker; it is no check."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to attach."))])
    caption = TextAreaField(
        _l("Caption"),
        description=_l("What it shows, where and when it was taken, and by whom."),
        validators=[Optional(), Length(max=2000)],
    )
    source = SelectField(
        _l("Source"), choices=choices(SOURCE_LABELS.items()), default="field_visit"
    )
