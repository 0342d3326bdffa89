"""The maximum time open on the case page: how near the limit a case is, and the
supervisor's form to record a justified extension (routes on the cases blueprint).

Closing a case over the limit as unresolved is the ordinary close transition; this module
only adds the other way out, `operations.extend_age_limit`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, Length

from casework.cases import operations
from casework.cases.case_views import render_case
from casework.cases.forms import CaseForm
from casework.cases.models import Case
from casework.cases.permissions import can_work
from casework.cases.views import bp, done, get_case
from casework.errors import InvalidInput
from casework.extensions import db
from casework.jobs.age import warning_at
from casework.timezones import zone


class AgeLimitForm(CaseForm):
    until = DateField(
        _l("New time limit"),
        validators=[DataRequired(_l("Give the date until which the case may stay open."))],
        description=_l("The case may stay open until the end of this day, your time."),
    )
    reason = TextAreaField(
        _l("Why it needs more time"),
        validators=[
            DataRequired(_l("Say why this case needs more time: it is kept on the record.")),
            Length(max=5000),
        ],
    )


def age_limit_state(case: Case, now: datetime) -> str | None:
    """``over`` past the limit, ``near`` within its last month, else None."""
    limit = case.age_limit_dt
    if limit is None or case.is_closed:
        return None
    if now >= limit:
        return "over"
    return "near" if now >= warning_at(limit) else None


def age_limit_form(case: Case) -> AgeLimitForm | None:
    """A blank extension form for a supervisor who may work the case, else None."""
    if current_user.role != "supervisor" or not can_work(current_user, case) or case.is_closed:
        return None
    return AgeLimitForm(formdata=None, data={"version": str(case.version)})


bp.add_app_template_global(age_limit_state, "age_limit_state")
bp.add_app_template_global(age_limit_form, "age_limit_form")


@bp.app_template_filter("iso_when")
def iso_when(value: str | None) -> str:
    """A time kept as ISO text in an event's data (reminders, the time limit), shown as
    the ``when`` filter shows times."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def end_of_day(day: date, timezone: str | None) -> datetime:
    """Midnight at the end of ``day`` on the wall clock of ``timezone``, in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(timezone)).astimezone(UTC)


@bp.post("/<reference>/age-limit")
def extend_age_limit(reference: str):
    case = get_case(reference)
    if current_user.role != "supervisor" or not can_work(current_user, case):
        abort(403)
    form = AgeLimitForm()
    if not form.validate():
        return render_case(case, bound=("age_limit", form), status=422)
    until = end_of_day(form.until.data, current_user.timezone)
    try:
        operations.extend_age_limit(
            case,
            until=until,
            reason=form.reason.data,
            actor=current_user,
            expected_version=form.expected_version,
        )
    except InvalidInput as exc:
        db.session.rollback()
        return render_case(case, bound=("age_limit", form), status=422, problems=[str(exc)])
    return done(
        case,
        _("The case may stay open until %(date)s.", date=form.until.data.isoformat()),
    )
