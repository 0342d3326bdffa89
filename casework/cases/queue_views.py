"""The queue of cases, its filters and the form an officer files a new report with
(routes on the cases blueprint)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from casework import clock
from casework.cases import operations, search
from casework.cases.forms import FilterForm, NewReportForm, choices
from casework.cases.models import Case
from casework.cases.permissions import visible_filter
from casework.cases.queries import (
    SORTS,
    VIEWS,
    WAITING_ROLES,
    CaseFilters,
    count_cap,
    page_of_cases,
    sites_matching,
    view_counts,
)
from casework.cases.views import WORKING_ROLES, as_datetime, assignable_users, bp, find_site
from casework.errors import InvalidInput
from casework.extensions import db
from casework.intake import spool
from casework.intake.operations import unfiled_messages
from casework.sites.models import Site

QUEUE_PAGE_SIZE = 50
FILTER_KEYS = ("status", "level", "category", "assignee", "site", "q")
# A <datalist> of every site helps pick one by name; past this many it would weigh on
# each page load, and the filter still finds sites by part of their name.
SITE_LIST_MAX = 500


def queue_views() -> tuple[str, ...]:
    """The views the current user's queue offers ("waiting for me" only to those with work)."""
    return tuple(v for v in VIEWS if v != "waiting" or current_user.role in WAITING_ROLES)


def default_view() -> str:
    """Open cases; a viewer reads published summaries, mostly of closed cases: all."""
    return "all" if current_user.role == "viewer" else "open"


def _view_and_sort() -> tuple[str, str]:
    view = request.args.get("view", "")
    if view not in queue_views():
        view = default_view()
    sort = request.args.get("sort", "")
    if view == "closed":
        sort = "newest"  # a closed case has no deadline running
    elif sort not in SORTS:
        sort = "deadline" if view == "overdue" else "newest"  # most overdue first
    return view, sort


def _level(value: str | None) -> int | None:
    return int(value) if value else None


def _filters_from_args(
    *, view_by_default: bool = True
) -> tuple[FilterForm, CaseFilters, dict[str, str]]:
    """The queue's filters from the query string; without ``view_by_default``, no view unless
    one is named (an export link without one exports every case the user may read)."""
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
    view: str | None = _view_and_sort()[0]
    if not view_by_default and request.args.get("view") not in queue_views():
        view = None
    filters = CaseFilters(
        status=active.get("status"),
        level=_level(active.get("level")),
        category=active.get("category"),
        site=active.get("site"),
        assignee=active.get("assignee"),
        q=active.get("q"),
        view=view,
    )
    return form, filters, active


def _sites_for_picker() -> list[Site]:
    if (db.session.scalar(select(func.count()).select_from(Site)) or 0) > SITE_LIST_MAX:
        return []
    return list(db.session.scalars(select(Site).order_by(Site.name, Site.code)))


def _matched_sites(text: str | None) -> list[Site]:
    """The sites a site filter matched, to say so above the list (at most a few)."""
    if not text:
        return []
    return list(
        db.session.scalars(
            select(Site).where(Site.id.in_(sites_matching(text))).order_by(Site.name).limit(6)
        )
    )


def _render_queue(report_form: NewReportForm | None = None, status: int = 200):
    filter_form, filters, active = _filters_from_args()
    view, sort = _view_and_sort()
    try:
        cases, next_cursor = page_of_cases(
            current_user,
            filters,
            cursor=request.args.get("cursor"),
            limit=QUEUE_PAGE_SIZE,
            sort=sort,
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
            views=queue_views(),
            view=view,
            sort=sort,
            counts=view_counts(current_user, filters, queue_views()),
            count_cap=count_cap(filters),
            # The filters and the view, as links keep them (the sort is added per link).
            queue_args={**active, "view": view},
            sites=_sites_for_picker(),
            matched_sites=_matched_sites(filters.site),
            spooled_count=spooled_count,
        ),
        status,
    )


@bp.get("")
def queue():
    # A reference typed into search goes straight to its case (when the user may open it).
    reference = search.find_reference(request.args.get("q", ""))
    if reference and db.session.scalar(
        select(Case.id).where(Case.reference == reference, visible_filter(current_user))
    ):
        return redirect(url_for("cases.detail", reference=reference))
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
