"""``/dashboard``: the programme's own figures. Supervisors and admins see every case they
may read; committee members their committees' cases. Every chart is drawn on the server
as SVG and has its numbers in a table beside it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from casework import clock
from casework.cases.forms import CATEGORY_LABELS
from casework.dashboard import figures
from workflows import STATES

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

DASHBOARD_ROLES = frozenset({"supervisor", "admin", "committee"})
DEFAULT_PERIOD_DAYS = 90
MONTHS_SHOWN = 12


def may_see_dashboard(user) -> bool:
    return getattr(user, "role", None) in DASHBOARD_ROLES


EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _day(name: str) -> date | None:
    """``?name=YYYY-MM-DD`` between 2000 and 2100, else None (the default is used)."""
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def _period() -> tuple[datetime, datetime, list[str]]:
    """[start, end) from ``?from=`` and ``?to=`` (inclusive days, UTC); the last 90 days by
    default. A wrong date is named and the default used."""
    problems = []
    today = clock.now().date()
    end_day = _day("to") or today
    start_day = _day("from") or (end_day - timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    for name in ("from", "to"):
        if request.args.get(name) and _day(name) is None:
            problems.append(
                _(
                    "“%(value)s” is not a date between 2000 and 2100 (YYYY-MM-DD).",
                    value=request.args[name],
                )
            )
    if start_day > end_day:
        problems.append(_("The period starts after it ends; the last 90 days are shown."))
        end_day, start_day = today, today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    start = datetime.combine(start_day, time.min, tzinfo=UTC)
    end = datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=UTC)
    return start, end, problems


@bp.get("")
def index():
    if not may_see_dashboard(current_user):
        abort(403)
    start, end, problems = _period()
    months = figures.months_back(MONTHS_SHOWN)
    incidents = figures.incidents_by_month(current_user, months)
    recurrences, recurrence_groups = figures.recurrences(current_user)
    return render_template(
        "dashboard/index.html",
        open_table=figures.open_by_state_and_level(current_user),
        overdue=figures.overdue_by_state(current_user),
        period=figures.period_figures(current_user, start, end),
        period_from=start.date(),
        period_to=(end - timedelta(days=1)).date(),
        problems=problems,
        months=months,
        by_category=incidents["category"],
        by_province=incidents["province"],
        recurring=figures.recurring_sites(current_user, months[0]),
        recurrences=recurrences,
        recurrence_groups=recurrence_groups,
        open_states=[s for s in STATES if s != "closed"],
        category_labels=CATEGORY_LABELS,
        month_label=lambda m: format_date(m, "MMM yy"),
        duration=_duration,
    )


def _duration(span: timedelta | None) -> str:
    if span is None:
        return "\u2013"  # an en dash: no figure
    hours = span.total_seconds() / 3600
    if hours < 48:
        return _("%(hours)s h", hours=round(hours, 1))
    return _("%(days)s days", days=round(hours / 24, 1))
