"""The queue of cases, its filters and the form an officer files a new report with
(routes on the cases blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework import clock
from casework.cases import operations
from casework.cases.forms import FilterForm, NewReportForm, choices
from casework.cases.queries import CaseFilters, page_of_cases
from casework.cases.views import WORKING_ROLES, as_datetime, assignable_users, bp, find_site
from casework.errors import InvalidInput
from casework.extensions import db
from casework.intake import spool
from casework.intake.operations import unfiled_messages

QUEUE_PAGE_SIZE = 50
FILTER_KEYS = ("status", "level", "category", "assignee", "site", "q")


def _level(value: str | None) -> int | None:
    return int(value) if value else None


def _filters_from_args() -> tuple[FilterForm, CaseFilters, dict[str, str]]:
    form = FilterForm(formdata=request.args)
    if current_user.role == "supervisor":
        form.assignee.choices = [
            *form.assignee.choices,
            *choices((str(u.id), u.display_name) for u in assignable_users()),
        ]
    form.validate()
    active = {}
    for key in FILTER_KEYS:
        field = form[key]
        value = (field.data or "").strip() if isinstance(field.data, str) else ""
        if value and not field.errors:
            active[key] = value
    if current_user.role == "viewer":
        # A viewer sees only published summaries; text search over the report itself
        # would tell them what unpublished text says.
        active.pop("q", None)
    filters = CaseFilters(
        status=active.get("status"),
        level=_level(active.get("level")),
        category=active.get("category"),
        site=active.get("site", "").upper() or None,
        assignee=active.get("assignee"),
        q=active.get("q"),
    )
    return form, filters, active


def _render_queue(report_form: NewReportForm | None = None, status: int = 200):
    filter_form, filters, active = _filters_from_args()
    try:
        cases, next_cursor = page_of_cases(
            current_user, filters, cursor=request.args.get("cursor"), limit=QUEUE_PAGE_SIZE
        )
    except ValueError:
        abort(400, _("That link to older cases is not valid; start again from the first page."))
    may_report = current_user.role in WORKING_ROLES
    # Inbound SMS that should be on a case and are not (see `unfiled_messages`): none, once
    # intake works; should any exist, supervisors must be able to find and read them.
    unfiled_count, unfiled = unfiled_messages() if current_user.role == "supervisor" else (0, [])
    # And those this host spooled while the database could not take them (a minute, unless
    # filing them fails): counted, never read here (the files are encrypted, on disk).
    spooled_count = len(spool.pending()) if current_user.role == "supervisor" else 0
    if may_report and report_form is None:
        report_form = NewReportForm(formdata=None)
    return (
        render_template(
            "cases/queue.html",
            cases=cases,
            next_cursor=next_cursor,
            active_filters=active,
            filter_form=filter_form,
            report_form=report_form if may_report else None,
            report_open=status != 200,
            is_paged=bool(request.args.get("cursor")),
            now=clock.now(),
            full_view=current_user.role != "viewer",
            unfiled=unfiled,
            unfiled_count=unfiled_count,
            spooled_count=spooled_count,
        ),
        status,
    )


@bp.get("")
def queue():
    return _render_queue()


@bp.post("/new")
def new_report():
    """A report taken by phone, in the field or by email, typed in by an officer."""
    if current_user.role not in WORKING_ROLES:
        abort(403)
    form = NewReportForm()
    if not form.validate():
        return _render_queue(form, 422)
    site = find_site(form.site_code.data)
    if form.site_code.data and site is None:
        form.site_code.errors.append(
            _("No mine site has the code %(code)s.", code=form.site_code.data)
        )
        return _render_queue(form, 422)
    try:
        case = operations.create_case(
            description=form.description.data,
            channel=form.channel.data,
            actor=current_user,
            title=(form.title.data or "").strip(),
            category=form.category.data or None,
            level=_level(form.level.data),
            site=site,
            location_text=(form.location_text.data or "").strip(),
            occurred_dt=as_datetime(form.occurred_on.data),
            language=form.language.data or None,
        )
    except InvalidInput as exc:
        db.session.rollback()
        form.description.errors.append(str(exc))
        return _render_queue(form, 422)
    db.session.commit()
    flash(_("Case %(ref)s is open. Give the reporter this reference.", ref=case.reference), "info")
    return redirect(url_for("cases.detail", reference=case.reference))
