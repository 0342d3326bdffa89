"""Forms of the meeting pages: scheduling, the agenda, attendance, votes, written votes.

The forms that change the agenda or the attendance carry the meeting ``version`` they were
built from (a hidden field), so a chair's form built on an older meeting is refused
(`StaleMeeting`) instead of overwriting another chair's change. Votes carry none: a vote
is one member's own row, and the operation upserts it. Choices that come from the
database (cases, members) are filled in by the view.
"""

from __future__ import annotations

from datetime import time

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from casework.cases.forms import choices
from workflows.committees import (
    CHOICE_LABELS,
    CHOICES,
    OUTCOME_LABELS,
    OUTCOMES,
    SECTOR_LABELS,
    SECTORS,
    WRITTEN_VOTE_HOURS,
)


def _outcome_choices():
    return choices([("", _l("choose...")), *((o, _l(OUTCOME_LABELS[o])) for o in OUTCOMES)])


class ScheduleForm(FlaskForm):
    """A meeting's date and time on the committee's wall clock (the view converts to UTC)."""

    day = DateField(_l("Date"), validators=[DataRequired(_l("Give the meeting's date."))])
    at = TimeField(
        _l("Time"), default=time(9, 0), validators=[DataRequired(_l("Give the meeting's time."))]
    )
    place = StringField(
        _l("Place"),
        validators=[Optional(), Length(max=300)],
        description=_l("Where the members meet, e.g. the mines division office in Goma."),
    )
    link = StringField(
        _l("Call link"),
        validators=[Optional(), Length(max=500)],
        description=_l("For members who join by video or phone call (https://...)."),
    )


class MeetingForm(FlaskForm):
    """Base for forms that change the meeting: the version the chair saw."""

    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None

    def validate_version(self, field):
        if self.expected_version is None:
            raise ValidationError(_l("This form is missing the meeting version; reload the page."))


class AddItemForm(MeetingForm):
    case_id = SelectField(
        _l("Case"), choices=[], validators=[DataRequired(_l("Choose a case to add."))]
    )


class ProposalForm(MeetingForm):
    outcome = SelectField(
        _l("Proposed outcome"),
        choices=_outcome_choices(),
        validators=[DataRequired(_l("Choose the outcome put to the vote."))],
    )
    rationale = TextAreaField(
        _l("Rationale"),
        validators=[DataRequired(_l("Give the rationale the members vote on.")), Length(max=10000)],
    )


class AttendanceForm(MeetingForm):
    present = SelectMultipleField(
        _l("Members present"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class GuestForm(MeetingForm):
    name = StringField(
        _l("Guest's name"),
        validators=[DataRequired(_l("Give the guest's name.")), Length(max=200)],
    )
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    sector = SelectField(
        _l("Sector"),
        choices=choices((s, _l(SECTOR_LABELS[s])) for s in SECTORS),
        validators=[DataRequired(_l("Choose the sector the guest comes from."))],
    )


class MeetingActionForm(MeetingForm):
    """Remove an item, close or cancel the meeting: nothing but the version."""


class VoteForm(FlaskForm):
    """A member's own vote on the proposal."""

    choice = RadioField(
        _l("Your vote"),
        choices=choices((c, _l(CHOICE_LABELS[c])) for c in CHOICES),
        validators=[DataRequired(_l("Vote for, against, or abstain."))],
    )


class RecusalForm(FlaskForm):
    reason = TextAreaField(
        _l("Your conflict of interest"),
        validators=[
            DataRequired(_l("Say what the conflict of interest is: it is kept in the minutes.")),
            Length(max=5000),
        ],
        description=_l("You will not vote on this item, nor count toward its quorum."),
    )


class RecordVoteForm(FlaskForm):
    """The chair records a present member's vote (a show of hands in the room)."""

    voter_id = SelectField(
        _l("Member"), choices=[], validators=[DataRequired(_l("Choose the member."))]
    )
    choice = SelectField(
        _l("Vote"),
        choices=choices(
            [
                *((c, _l(CHOICE_LABELS[c])) for c in CHOICES),
                ("recused", _l("Conflict of interest (recused)")),
            ]
        ),
        validators=[DataRequired(_l("Vote for, against, or abstain."))],
    )
    reason = StringField(
        _l("Conflict of interest (for a recusal)"), validators=[Optional(), Length(max=5000)]
    )


class CloseItemForm(FlaskForm):
    discussion = TextAreaField(
        _l("Summary of the discussion"),
        validators=[Optional(), Length(max=20000)],
        description=_l("It goes into the minutes and the decision."),
    )


class PostponeForm(FlaskForm):
    pass


class WrittenVoteForm(FlaskForm):
    """An urgent written vote on a Level 1 case, opened from the case page."""

    case = HiddenField(validators=[DataRequired()])
    outcome = SelectField(
        _l("Proposed outcome"),
        choices=_outcome_choices(),
        validators=[DataRequired(_l("Choose the outcome put to the vote."))],
    )
    rationale = TextAreaField(
        _l("Rationale"),
        validators=[DataRequired(_l("Give the rationale the members vote on.")), Length(max=10000)],
    )
    hours = IntegerField(
        _l("Open for (hours)"),
        default=WRITTEN_VOTE_HOURS,
        validators=[
            DataRequired(_l("Say how many hours the vote stays open.")),
            NumberRange(1, 24 * 14, _l("A written vote stays open between 1 hour and 14 days.")),
        ],
    )
