"""Forms of the case pages, and the words the case UI shows for the lifecycle's codes.

Every form that changes a case carries the case ``version`` it was built from (a hidden
field): the view hands it to the operation, which refuses a stale one (see `StaleCase`).
Choices that come from the database (officers, committees) are filled in by the view.
"""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from casework.cases.models import CATEGORIES, CHANNELS
from workflows import CLOSING_RESOLUTIONS, LEVELS, STATES
from workflows.committees import OUTCOME_LABELS as WORKFLOW_OUTCOME_LABELS

# ------------------------------------------------------------------ labels for codes

STATUS_LABELS = {
    "received": _l("received"),
    "triaged": _l("triaged"),
    "verifying": _l("verifying"),
    "verified": _l("verified"),
    "escalated": _l("escalated"),
    "mitigation": _l("in mitigation"),
    "monitoring": _l("monitoring"),
    "closed": _l("closed"),
}

TRANSITION_LABELS = {
    "triage": _l("Confirm triage"),
    "start_verification": _l("Start verification"),
    "verify": _l("Mark verified"),
    "escalate": _l("Escalate to committee"),
    "start_mitigation": _l("Start mitigation"),
    "mitigate_locally": _l("Mitigate locally (Level 2/3)"),
    "monitor": _l("Move to monitoring"),
    "close": _l("Close"),
    "mark_duplicate": _l("Close as duplicate"),
    "reject": _l("Reject (out of scope)"),
    "close_unsubstantiated": _l("Close as unsubstantiated"),
    "reopen": _l("Reopen"),
}

RESOLUTION_LABELS = {
    "resolved": _l("resolved"),
    "unresolved": _l("unresolved"),
    "unsubstantiated": _l("unsubstantiated"),
    "duplicate": _l("duplicate"),
    "rejected": _l("rejected (out of scope)"),
}

OUTCOME_LABELS = {outcome: _l(label) for outcome, label in WORKFLOW_OUTCOME_LABELS.items()}

CHANNEL_LABELS = {
    "sms": _l("SMS"),
    "whatsapp": _l("WhatsApp"),
    "web": _l("Web"),
    "phone": _l("Phone call"),
    "field": _l("Field visit"),
    "email": _l("Email"),
}

CATEGORY_LABELS = {
    "SA-TOR": _l("Torture, cruel or inhuman treatment"),
    "SA-FL": _l("Forced labour"),
    "SA-WFCL": _l("Worst forms of child labour"),
    "SA-SGBV": _l("Sexual violence, gross abuses"),
    "SA-WAR": _l("War crimes"),
    "NSAG": _l("Non-state armed group presence, control or taxation"),
    "SEC": _l("Security forces: illegal taxation, mining, abuse"),
    "BRB": _l("Bribery, tag fraud, fraudulent origin, smuggling"),
    "AML": _l("Money laundering"),
    "TAX": _l("Undeclared taxes, fees, royalties"),
    "CHL": _l("Children at sites (worst forms not confirmed)"),
    "OHS": _l("Accidents, unsafe conditions"),
    "ENV": _l("Environment"),
    "LAND": _l("Land conflict"),
    "TRC": _l("Traceability and record-keeping errors"),
}

LANGUAGE_LABELS = {
    "fr": _l("French"),
    "sw": _l("Swahili"),
    "en": _l("English"),
    "rw": _l("Kinyarwanda"),
    "ln": _l("Lingala"),
}

# Channels an officer records a report from by hand (SMS and WhatsApp come in by intake,
# but a message forwarded from a personal phone is still typed in).
MANUAL_CHANNELS = ("phone", "field", "email", "web", "sms", "whatsapp")


def choices(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms 3.3 wants them (tuples are deprecated)."""
    return [SelectChoice(value, label) for value, label in pairs]


def category_label(code: str | None) -> str:
    if not code:
        return ""
    return str(CATEGORY_LABELS.get(code, CATEGORIES.get(code, (code,))[0]))


def _coded_label(code: str) -> LazyString:
    """The choice label "SA-FL · Forced labour", read in the user's language each time it
    is shown (an f-string would freeze the English label when this module is imported)."""
    return LazyString(lambda: f"{code} · {CATEGORY_LABELS[code]}")


def _category_choices(blank):
    return choices([("", blank), *((c, _coded_label(c)) for c in CATEGORIES)])


def _level_choices(blank):
    return choices([("", blank), *((str(n), _l("Level %(n)s", n=n)) for n in LEVELS)])


def _version_of(form) -> int | None:
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


class CaseForm(FlaskForm):
    """Base for forms posted against one case: the version the user saw."""

    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        return _version_of(self)

    def validate_version(self, field):
        if _version_of(self) is None:
            raise ValidationError(_l("This form is missing the case version; reload the page."))


# ------------------------------------------------------------------ the queue


class FilterForm(FlaskForm):
    """The queue's GET form: no CSRF (it changes nothing), every field optional."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        choices=choices([("", _l("any status")), *((s, STATUS_LABELS[s]) for s in STATES)]),
        validators=[Optional()],
    )
    level = SelectField(
        _l("Level"), choices=_level_choices(_l("any level")), validators=[Optional()]
    )
    category = SelectField(
        _l("Category"), choices=_category_choices(_l("any category")), validators=[Optional()]
    )
    assignee = SelectField(
        _l("Assigned to"),
        choices=choices([("", _l("anyone")), ("me", _l("me")), ("none", _l("nobody"))]),
        validators=[Optional()],
    )
    site = StringField(_l("Mine site"), validators=[Optional(), Length(max=200)])
    q = StringField(_l("Text"), validators=[Optional(), Length(max=200)])


class NewReportForm(FlaskForm):
    """A report taken by phone, in the field or by email, typed in by an officer."""

    description = TextAreaField(
        _l("Report, word for word"),
        validators=[
            DataRequired(_l("Type the report as the reporter gave it.")),
            Length(max=20000),
        ],
    )
    channel = SelectField(
        _l("Received by"),
        choices=choices((c, CHANNEL_LABELS[c]) for c in MANUAL_CHANNELS if c in CHANNELS),
        default="phone",
    )
    language = SelectField(
        _l("Language of the report"),
        choices=choices([("", _l("not sure")), *LANGUAGE_LABELS.items()]),
        validators=[Optional()],
    )
    title = StringField(_l("Short title (optional)"), validators=[Optional(), Length(max=200)])
    category = SelectField(
        _l("Risk category"), choices=_category_choices(_l("not known yet")), validators=[Optional()]
    )
    level = SelectField(
        _l("Level"), choices=_level_choices(_l("not known yet")), validators=[Optional()]
    )
    site_code = StringField(_l("Mine site code"), validators=[Optional(), Length(max=40)])
    location_text = StringField(_l("Location"), validators=[Optional(), Length(max=300)])
    occurred_on = DateField(_l("Happened on"), validators=[Optional()])


# ------------------------------------------------------------------ the case page


class NoteForm(CaseForm):
    text = TextAreaField(
        _l("Note"), validators=[DataRequired(_l("Write the note first.")), Length(max=20000)]
    )


class AssignForm(CaseForm):
    # Values are user ids; "0" means nobody. The view fills the choices.
    assignee_id = SelectField(_l("Assign to"), choices=[])


class DetailsForm(CaseForm):
    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    category = SelectField(
        _l("Risk category"), choices=_category_choices(_l("not set")), validators=[Optional()]
    )
    site_code = StringField(_l("Mine site code"), validators=[Optional(), Length(max=40)])
    location_text = StringField(_l("Location"), validators=[Optional(), Length(max=300)])
    occurred_on = DateField(_l("Happened on"), validators=[Optional()])


class LevelForm(CaseForm):
    # Empty until someone chooses: a browser shows the first option of a select, and a
    # case with no level must not look like (nor be saved as) Level 1 by default.
    level = SelectField(
        _l("New level"),
        choices=_level_choices(_l("choose a level...")),
        validators=[DataRequired(_l("Choose a level."))],
    )
    reason = TextAreaField(_l("Why"), validators=[Optional(), Length(max=5000)])


class SuggestionsForm(CaseForm):
    """Accept intake's suggestions for the fields still unset, in one click."""


class LevelReviewForm(CaseForm):
    """A second supervisor approves or refuses a pending Level 1 downgrade."""

    reason = TextAreaField(_l("Reason (when refusing)"), validators=[Optional(), Length(max=5000)])


class CorroborationForm(CaseForm):
    source = StringField(
        _l("Source"),
        validators=[DataRequired(_l("Say what the source is.")), Length(max=200)],
        description=_l("A site visit, a witness, a document..."),
    )
    summary = TextAreaField(_l("What it confirms"), validators=[Optional(), Length(max=20000)])


class ActionForm(CaseForm):
    description = TextAreaField(
        _l("Mitigation action"),
        validators=[DataRequired(_l("Describe the action.")), Length(max=5000)],
    )
    # ``user:<id>`` or ``contact:<id>``; the view fills the choices (casework.cases.owners).
    owner = SelectField(
        _l("Owner"),
        choices=[],
        validators=[DataRequired(_l("Choose who owns the action."))],
        description=_l("They are told at once, and reminded as the due date nears."),
    )
    due_date = DateField(_l("Due date"), validators=[DataRequired(_l("Give a due date."))])


class LinkOwnerForm(CaseForm):
    """Give an action whose owner is a name alone to a user or a contact from the list."""

    owner = SelectField(
        _l("Owner"), choices=[], validators=[DataRequired(_l("Choose who owns the action."))]
    )


class ActionDoneForm(CaseForm):
    pass


class RevealPhoneForm(CaseForm):
    pass


class PublishForm(CaseForm):
    """The redacted summary member companies and auditors read (the operation checks it)."""

    summary = TextAreaField(
        _l("Public summary"),
        validators=[DataRequired(_l("Write the public summary first.")), Length(max=5000)],
        description=_l(
            "Member companies and auditors read this text, not the report. "
            "Name no person and give no phone number."
        ),
    )


class UnpublishForm(CaseForm):
    reason = TextAreaField(
        _l("Why withdraw it"),
        validators=[DataRequired(_l("Say why the summary is withdrawn.")), Length(max=5000)],
    )


class BriefForm(CaseForm):
    """What a restricted case's committee reads instead of the case (a supervisor writes it)."""

    brief = TextAreaField(
        _l("Committee brief"),
        validators=[
            DataRequired(_l("Write what happened, where, and what is asked of the committee.")),
            Length(max=10000),
        ],
        description=_l(
            "The committee's members read this, never the report. Say what happened, where, "
            "and what is asked of the committee. Nothing that identifies the survivor or the "
            "reporter: no names, no phone numbers, no detail that points at a person."
        ),
    )


class TransitionForm(CaseForm):
    """One form for every transition; the page shows only the inputs a transition needs.

    Which inputs are *required* depends on the transition; the workflow's own checks
    (``needs`` and guards) decide, so their sentences are the ones the user reads.
    """

    resolution = SelectField(
        _l("Resolution"),
        choices=choices(
            [("", _l("choose...")), *((r, RESOLUTION_LABELS[r]) for r in CLOSING_RESOLUTIONS)]
        ),
        validators=[Optional()],
    )
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=5000)])
    # Offered: the committees covering the case's site. Any other id posted is refused by
    # the operation, whose sentence says why (not WTForms' "Not a valid choice").
    committee_id = SelectField(
        _l("Committee"), choices=[], validators=[Optional()], validate_choice=False
    )
    duplicate_of = StringField(
        _l("Reference of the original case"),
        validators=[Optional(), Length(max=20)],
        description=_l("For example CW-7K3Q-92MX"),
    )
    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=5000)])

    def validate_committee_id(self, field):
        value = str(field.data or "")
        if value and not (value.isascii() and value.isdigit() and len(value) <= 9):
            raise ValidationError(_l("Choose one of the committees offered."))


# Which inputs each transition shows.
TRANSITION_INPUTS: dict[str, tuple[str, ...]] = {
    "close": ("resolution", "comment"),
    "reject": ("reason",),
    "close_unsubstantiated": ("reason",),
    "reopen": ("reason",),
    "escalate": ("committee_id",),
    "mark_duplicate": ("duplicate_of",),
}
