"""The programme's own figures, for the dashboard: counted in the database (grouped
queries over indexed columns), scoped to the cases the reader may see.

Milestone times come from the case's own columns, kept by `operations.fire` (first triage,
start of verification, verification; latest escalation), and from the first voted committee
decision since that escalation. Deadline compliance is measured against
`workflows.lifecycle.DEADLINES`; a case whose deadline has passed without the step counts as
late, one still within it is not counted. Nothing loads the cases into Python: compliance
and medians are aggregates (PostgreSQL's ``percentile_cont``; on SQLite the middle rows by
rank), recurrences are grouped in SQL. Incidents per month and sites with recurring
incidents read summary tables that triggers keep in step with the cases
(`casework.dashboard.counts`): 16,000 and 151,000 rows for 1,000,000 cases over five
years, instead of the cases themselves.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    Interval,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.sqltypes import NullType

from casework import clock
from casework.auth.models import User
from casework.cases.models import RESTRICTED_CATEGORIES, Case, CaseEvent
from casework.cases.permissions import visible_filter
from casework.committees.models import Decision
from casework.dashboard.models import CaseMonthCount, CaseSiteMonthCount
from casework.extensions import UTCDateTime, db
from casework.sites.models import Site
from workflows import STATES, deadline_for
from workflows.lifecycle import DEADLINES

# DOMAIN.md: three or more Level 3 reports of one category at one site within six months
# suggest Level 2.
RECURRENCE_COUNT = 3
RECURRENCE_WINDOW = timedelta(days=183)
RECURRENCE_LEVEL = 3
RECURRENCES_SHOWN = 50  # groups listed on the dashboard, most reports first
# Named rather than "not closed", so the (status, ...) indexes serve the counts.
OPEN_STATES = tuple(s for s in STATES if s != "closed")


def _visible(user: User):
    return visible_filter(user)


def _limit(state: str, level: int | None) -> timedelta:
    """The deadline of ``state`` at ``level`` (each state measured here has one)."""
    limit = deadline_for(state, level)
    assert limit is not None, state
    return limit


# ---------------------------------------------------------------- now


def open_by_state_and_level(user: User) -> dict[str, dict[str, int]]:
    """{state: {"1": n, "2": n, "3": n, "none": n}} for every open state."""
    rows = db.session.execute(
        select(Case.status, Case.level, func.count())
        .where(_visible(user), Case.status.in_(OPEN_STATES))
        .group_by(Case.status, Case.level)
    )
    table: dict[str, dict[str, int]] = {s: {"1": 0, "2": 0, "3": 0, "none": 0} for s in OPEN_STATES}
    for status, level, n in rows:
        table[status][str(level) if level else "none"] += n
    return table


def overdue_by_state(user: User) -> dict[str, int]:
    rows = db.session.execute(
        select(Case.status, func.count())
        .where(_visible(user), Case.status.in_(OPEN_STATES), Case.due_dt < clock.now())
        .group_by(Case.status)
    )
    return {status: n for status, n in rows}


# ---------------------------------------------------------------- a period


class span(FunctionElement):
    """``span(a, b)``: the time from ``a`` to ``b`` (`UTCDateTime` columns), exactly, so it
    compares with a deadline to the microsecond: an ``interval`` on PostgreSQL
    (``timestamptz`` columns); microseconds as an integer on SQLite, which stores the UTC
    text ``YYYY-MM-DD HH:MM:SS.ffffff`` (`_epoch_us_sqlite`). Compare it with `_duration`."""

    type = NullType()
    inherit_cache = True


@compiles(span, "postgresql")
def _span_postgresql(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"({b} - {a})"


def _epoch_us_sqlite(at: str) -> str:
    return (
        f"(CAST(strftime('%s', substr({at}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({at} || '000000', 21, 6) AS INTEGER))"
    )


@compiles(span)
def _span_sqlite(element, compiler, **kw):
    a, b = (compiler.process(c, **kw) for c in element.clauses)
    return f"({_epoch_us_sqlite(b)} - {_epoch_us_sqlite(a)})"


def _duration(limit: timedelta, postgres: bool) -> Any:
    """A duration to compare a `span` with."""
    return literal(limit, Interval()) if postgres else literal(limit // _MICROSECOND)


_MICROSECOND = timedelta(microseconds=1)


@dataclass
class Compliance:
    """One deadline's record over a period: on time, late, and the share on time.

    A step done within its limit is on time, done after it late; one not done is late once
    its limit has passed, and not counted while it still runs."""

    on_time: int = 0
    late: int = 0

    @property
    def measured(self) -> int:
        return self.on_time + self.late

    @property
    def share(self) -> float | None:
        return self.on_time / self.measured if self.measured else None


@dataclass
class PeriodFigures:
    start: datetime
    end: datetime
    compliance: dict[str, Compliance] = field(default_factory=dict)
    medians: dict[str, timedelta | None] = field(default_factory=dict)
    downgrades_by_approver: dict[str, int] = field(default_factory=dict)


def _period_cases(user: User, start: datetime, end: datetime):
    """The cases reported in [start, end), one row each: level and the time of each
    milestone (NULL when not reached). The committee's decision is the first voted one since
    the latest escalation (decisions of the period's cases only)."""
    in_period = and_(Case.reported_dt >= start, Case.reported_dt < end)
    decided = (
        select(Decision.case_id, func.min(Decision.decided_dt).label("at"))
        .join(Case, Case.id == Decision.case_id)
        .where(
            in_period,
            Decision.agenda_item_id.is_not(None),
            Decision.decided_dt >= Case.escalated_dt,
        )
        .group_by(Decision.case_id)
        .subquery()
    )
    return (
        select(
            Case.level.label("level"),
            Case.reported_dt.label("reported"),
            Case.triaged_dt.label("triaged"),
            Case.verification_started_dt.label("verifying"),
            Case.verified_dt.label("verified"),
            Case.escalated_dt.label("escalated"),
            decided.c.at.label("decided"),
            Case.closed_dt.label("closed"),
        )
        .outerjoin(decided, decided.c.case_id == Case.id)
        .where(_visible(user), in_period)
        .cte("period_cases")
    )


def _compliance_columns(r, now: datetime, postgres: bool) -> list:
    """(on time, late) counts of each deadline, as aggregate columns over `_period_cases`."""
    committee_limits = DEADLINES["escalated"] or {}
    committee_limit = case(
        {level: _duration(limit, postgres) for level, limit in committee_limits.items()},
        value=r.level,
        else_=_duration(_limit("escalated", None), postgres),
    )
    measured = (
        # (name, which cases, start, done, limit)
        ("triage_l1", r.level == 1, r.reported, r.triaged, _limit("received", 1)),
        (
            "verification_l1",
            and_(r.level == 1, r.triaged.is_not(None)),
            r.triaged,
            r.verifying,
            _limit("triaged", 1),
        ),
        ("committee_review", r.escalated.is_not(None), r.escalated, r.decided, committee_limit),
    )
    columns = []
    for name, which, begun, done, limit in measured:
        if isinstance(limit, timedelta):
            limit = _duration(limit, postgres)
        still = func.coalesce(done, literal(now, UTCDateTime()))
        on_time = and_(which, done.is_not(None), span(begun, done) <= limit)
        late = and_(which, span(begun, still) > limit)
        columns += [func.count().filter(on_time).label(f"{name}_on_time")]
        columns += [func.count().filter(late).label(f"{name}_late")]
    return columns


def _spans(r) -> dict[str, Any]:
    """The spans whose medians are shown (NULL where not measured)."""
    return {
        "triage": span(r.reported, r.triaged),
        "verify": span(r.verifying, r.verified),
        "decide": span(r.escalated, r.decided),
        "close": span(r.reported, r.closed),
    }


def period_figures(user: User, start: datetime, end: datetime) -> PeriodFigures:
    """Compliance and median times for the cases reported in [start, end): one aggregate
    query (and on SQLite one more for the medians)."""
    rows = _period_cases(user, start, end)
    spans = _spans(rows.c)
    postgres = db.session.get_bind().dialect.name == "postgresql"
    columns = _compliance_columns(rows.c, clock.now(), postgres)
    if postgres:
        columns += [
            func.percentile_cont(0.5).within_group(measured).label(f"median_{key}")
            for key, measured in spans.items()
        ]
    counts = db.session.execute(select(*columns).select_from(rows)).one()._mapping
    figures = PeriodFigures(start, end)
    figures.compliance = {
        name: Compliance(counts[f"{name}_on_time"], counts[f"{name}_late"])
        for name in ("triage_l1", "verification_l1", "committee_review")
    }
    if postgres:
        figures.medians = {key: counts[f"median_{key}"] for key in spans}
    else:
        medians = _medians_by_rank(rows, spans)
        figures.medians = {
            key: None if medians.get(key) is None else medians[key] * _MICROSECOND for key in spans
        }
    figures.downgrades_by_approver = _downgrades(user, start, end)
    return figures


def _medians_by_rank(rows, spans: dict[str, Any]) -> dict[str, float]:
    """Each span's median without ``percentile_cont`` (SQLite): the middle row of each key's
    spans in order, or the mean of the two middle rows of an even count."""
    every = union_all(
        *(
            select(literal(key).label("key"), measured.label("span"))
            .select_from(rows)
            .where(measured.is_not(None))
            for key, measured in spans.items()
        )
    ).subquery()
    ranked = select(
        every.c.key,
        every.c.span,
        func.row_number().over(partition_by=every.c.key, order_by=every.c.span).label("rank"),
        func.count().over(partition_by=every.c.key).label("n"),
    ).subquery()
    middle = or_(ranked.c.rank == (ranked.c.n + 1) // 2, ranked.c.rank == (ranked.c.n + 2) // 2)
    return {
        key: median
        for key, median in db.session.execute(
            select(ranked.c.key, func.avg(ranked.c.span)).where(middle).group_by(ranked.c.key)
        )
    }


def _downgrades(user: User, start: datetime, end: datetime) -> dict[str, int]:
    """Level 1 downgrades approved in the period, by approving supervisor."""
    rows = db.session.execute(
        select(User.name, User.email, func.count())
        .select_from(CaseEvent)
        .join(Case, Case.id == CaseEvent.case_id)
        .join(User, User.id == CaseEvent.actor_id)
        .where(
            _visible(user),
            CaseEvent.kind == "level_changed",
            CaseEvent.created_dt >= start,
            CaseEvent.created_dt < end,
            CaseEvent.data["from"].as_integer() == 1,
            CaseEvent.data["requested_by"].as_integer().is_not(None),
        )
        .group_by(User.id, User.name, User.email)
    )
    return {name or email: n for name, email, n in rows}


# ---------------------------------------------------------------- months and sites


def month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def months_back(count: int) -> list[datetime]:
    """The first instants of the last ``count`` months, oldest first (this month last)."""
    months = [month_start(clock.now())]
    while len(months) < count:
        months.append(month_start(months[-1] - timedelta(days=1)))
    return months[::-1]


def _month_name(month: datetime) -> str:
    """``YYYY-MM`` of an aware datetime's month in UTC, as the summary tables key months."""
    month = month.astimezone(UTC)
    return f"{month.year:04d}-{month.month:02d}"


def _counted_visible(user: User, counts: type[CaseMonthCount] | type[CaseSiteMonthCount]):
    """`visible_filter` over a summary table, for the dashboard's readers: every counted
    case has a category, so a restricted case is one of a restricted category. Other roles
    do not see the dashboard (``views.DASHBOARD_ROLES``) and count nothing here."""
    if counts is CaseMonthCount:
        unrestricted = CaseMonthCount.category.not_in(RESTRICTED_CATEGORIES)
    else:
        unrestricted = CaseSiteMonthCount.restricted.is_(False)
    if user.role == "supervisor":
        return true()
    if user.role == "admin":
        return unrestricted
    if user.role == "committee":
        ids = list(user.committee_ids)
        return and_(counts.committee_id.in_(ids), unrestricted) if ids else false()
    return false()


def incidents_by_month(user: User, months: list[datetime]) -> dict[str, dict[str, list[int]]]:
    """{"category": {category: [count per month]}, "province": {province: [...]}} for the
    categorised cases reported in ``months`` (in UTC), leaving out those closed as
    duplicates or rejected: one query over `CaseMonthCount` grouped by month, category and
    province, summed here both ways. Most incidents first ("" is no site)."""
    counts = CaseMonthCount
    query = (
        select(counts.month, counts.category, counts.province, func.sum(counts.n))
        .where(
            _counted_visible(user, counts),
            counts.month >= _month_name(months[0]),
            counts.dropped.is_(False),
            counts.n > 0,
        )
        .group_by(counts.month, counts.category, counts.province)
    )
    index = {_month_name(m): i for i, m in enumerate(months)}
    series: dict[str, dict[str, list[int]]] = {
        by: defaultdict(lambda: [0] * len(months)) for by in ("category", "province")
    }
    for month, category, in_province, n in db.session.execute(query):
        at = index.get(month)
        if at is not None:
            series["category"][category][at] += n
            series["province"][in_province][at] += n
    return {
        by: dict(sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0])))
        for by, counts in series.items()
    }


@dataclass
class Recurrence:
    site_id: int
    site_code: str
    site_name: str
    category: str
    count: int
    references: list[str]


def recurring_sites(user: User, since: datetime) -> list[tuple[str, str, int]]:
    """Sites with more than one categorised incident reported since ``since``, the first
    instant of a month (UTC): (code, name, count), most first (summed by site id over
    `CaseSiteMonthCount`, then the twenty named)."""
    first = since.astimezone(UTC)
    if first != month_start(first):
        raise ValueError(f"{since} is not the first instant of a month in UTC")
    counts = CaseSiteMonthCount
    by_site = (
        select(counts.site_id, func.sum(counts.n).label("n"))
        .where(_counted_visible(user, counts), counts.month >= _month_name(first))
        .group_by(counts.site_id)
        .having(func.sum(counts.n) > 1)
        .subquery()
    )
    rows = db.session.execute(
        select(Site.code, Site.name, by_site.c.n)
        .join(by_site, by_site.c.site_id == Site.id)
        .order_by(by_site.c.n.desc(), Site.code)
        .limit(20)
    )
    return [(code, name, int(n)) for code, name, n in rows]


def recurrences(user: User) -> tuple[list[Recurrence], int]:
    """The DOMAIN.md rule: three or more Level 3 reports of one category at one site within
    six months suggest Level 2. The `RECURRENCES_SHOWN` (site, category) groups with the
    most reports, each with its Level 3 cases, and how many groups there are in all: one
    grouped query, and one for the references of the groups shown."""
    since = clock.now() - RECURRENCE_WINDOW
    recent_level_3 = and_(
        _visible(user),
        Case.level == RECURRENCE_LEVEL,
        Case.category.is_not(None),
        Case.reported_dt >= since,
    )
    groups = (
        select(Case.site_id, Case.category, func.count().label("n"))
        .where(recent_level_3, Case.site_id.is_not(None))
        .group_by(Case.site_id, Case.category)
        .having(func.count() >= RECURRENCE_COUNT)
        .subquery()
    )
    listed = db.session.execute(
        select(
            Site.id,
            Site.code,
            Site.name,
            groups.c.category,
            groups.c.n,
            func.count().over().label("total"),
        )
        .join(groups, groups.c.site_id == Site.id)
        .order_by(groups.c.n.desc(), Site.code, groups.c.category)
        .limit(RECURRENCES_SHOWN)
    ).all()
    found = {
        (site_id, category): Recurrence(site_id, code, name, category or "", n, [])
        for site_id, code, name, category, n, _ in listed
    }
    if found:
        for site_id, category, reference in db.session.execute(
            select(Case.site_id, Case.category, Case.reference)
            .where(recent_level_3, tuple_(Case.site_id, Case.category).in_(list(found)))
            .order_by(Case.reported_dt, Case.id)
        ):
            found[(site_id, category)].references.append(reference)
    return list(found.values()), listed[0].total if listed else 0


def recurrence_for(case: Case) -> int:
    """How many Level 3 reports of the case's category at its site in the last six months
    (the case included), when that reaches the rule's three; else 0. For the case page."""
    if case.level != RECURRENCE_LEVEL or case.site_id is None or case.category is None:
        return 0
    n = (
        db.session.scalar(
            select(func.count())
            .select_from(Case)
            .where(
                Case.site_id == case.site_id,
                Case.category == case.category,
                Case.level == RECURRENCE_LEVEL,
                Case.reported_dt >= clock.now() - RECURRENCE_WINDOW,
            )
        )
        or 0
    )
    return n if n >= RECURRENCE_COUNT else 0
