"""The programme's own figures, for the dashboard: counted in the database (grouped
queries over indexed columns), scoped to the cases the reader may see.

Milestone times come from the case record: the first ``transition`` event of each kind
(triage, start of verification) and the first voted committee decision after escalation.
Deadline compliance is measured against `workflows.lifecycle.DEADLINES`; a case whose
deadline has passed without the step counts as late, one still within it is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from casework import clock
from casework.auth.models import User
from casework.cases.models import Case, CaseEvent
from casework.cases.permissions import visible_filter
from casework.committees.models import Decision
from casework.extensions import db
from casework.sites.models import Site
from workflows import STATES, deadline_for

# DOMAIN.md: three or more Level 3 reports of one category at one site within six months
# suggest Level 2.
RECURRENCE_COUNT = 3
RECURRENCE_WINDOW = timedelta(days=183)
RECURRENCE_LEVEL = 3


def _visible(user: User):
    return visible_filter(user)


def _limit(state: str, level: int | None) -> timedelta:
    """The deadline of ``state`` at ``level`` (each state measured here has one)."""
    limit = deadline_for(state, level)
    assert limit is not None, state
    return limit


def _median(spans: list[timedelta]) -> timedelta | None:
    if not spans:
        return None
    ordered = sorted(spans)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


# ---------------------------------------------------------------- now


def open_by_state_and_level(user: User) -> dict[str, dict[str, int]]:
    """{state: {"1": n, "2": n, "3": n, "none": n}} for every open state."""
    rows = db.session.execute(
        select(Case.status, Case.level, func.count())
        .where(_visible(user), Case.status != "closed")
        .group_by(Case.status, Case.level)
    )
    table: dict[str, dict[str, int]] = {
        s: {"1": 0, "2": 0, "3": 0, "none": 0} for s in STATES if s != "closed"
    }
    for status, level, n in rows:
        table[status][str(level) if level else "none"] += n
    return table


def overdue_by_state(user: User) -> dict[str, int]:
    rows = db.session.execute(
        select(Case.status, func.count())
        .where(_visible(user), Case.status != "closed", Case.due_dt < clock.now())
        .group_by(Case.status)
    )
    return {status: n for status, n in rows}


# ---------------------------------------------------------------- a period


def _first_transition(name: str):
    """Each case's first ``name`` transition time, as a subquery (case_id, at)."""
    return (
        select(CaseEvent.case_id, func.min(CaseEvent.created_dt).label("at"))
        .where(CaseEvent.kind == "transition", CaseEvent.data["transition"].as_string() == name)
        .group_by(CaseEvent.case_id)
        .subquery()
    )


@dataclass
class Compliance:
    """One deadline's record over a period: on time, late, and the share on time."""

    on_time: int = 0
    late: int = 0

    @property
    def measured(self) -> int:
        return self.on_time + self.late

    @property
    def share(self) -> float | None:
        return self.on_time / self.measured if self.measured else None

    def count(self, start: datetime, done: datetime | None, limit: timedelta, now: datetime):
        if done is not None:
            if done - start <= limit:
                self.on_time += 1
            else:
                self.late += 1
        elif now - start > limit:
            self.late += 1  # still not done, and past its deadline


@dataclass
class PeriodFigures:
    start: datetime
    end: datetime
    compliance: dict[str, Compliance] = field(default_factory=dict)
    medians: dict[str, timedelta | None] = field(default_factory=dict)
    downgrades_by_approver: dict[str, int] = field(default_factory=dict)


def period_figures(user: User, start: datetime, end: datetime) -> PeriodFigures:
    """Compliance and median times for the cases reported in [start, end)."""
    now = clock.now()
    triaged = _first_transition("triage")
    verifying = _first_transition("start_verification")
    verified = _first_transition("verify")
    # A committee's decision: voted (at a meeting or in writing), since the latest escalation.
    decided = (
        select(Decision.case_id, func.min(Decision.decided_dt).label("at"))
        .join(Case, Case.id == Decision.case_id)
        .where(Decision.agenda_item_id.is_not(None), Decision.decided_dt >= Case.escalated_dt)
        .group_by(Decision.case_id)
        .subquery()
    )
    rows = db.session.execute(
        select(
            Case.level,
            Case.reported_dt,
            Case.closed_dt,
            Case.escalated_dt,
            triaged.c.at,
            verifying.c.at,
            verified.c.at,
            decided.c.at,
        )
        .outerjoin(triaged, triaged.c.case_id == Case.id)
        .outerjoin(verifying, verifying.c.case_id == Case.id)
        .outerjoin(verified, verified.c.case_id == Case.id)
        .outerjoin(decided, decided.c.case_id == Case.id)
        .where(_visible(user), Case.reported_dt >= start, Case.reported_dt < end)
    ).all()
    figures = PeriodFigures(start, end)
    c = figures.compliance = {
        "triage_l1": Compliance(),
        "verification_l1": Compliance(),
        "committee_review": Compliance(),
    }
    spans: dict[str, list[timedelta]] = defaultdict(list)
    for level, reported, closed, escalated, t_triaged, t_verifying, t_verified, t_decided in rows:
        if level == 1:
            c["triage_l1"].count(reported, t_triaged, _limit("received", 1), now)
            if t_triaged is not None:
                c["verification_l1"].count(t_triaged, t_verifying, _limit("triaged", 1), now)
        if escalated is not None:
            limit = _limit("escalated", level)
            decision = t_decided if t_decided and t_decided >= escalated else None
            c["committee_review"].count(escalated, decision, limit, now)
            if decision:
                spans["decide"].append(decision - escalated)
        if t_triaged:
            spans["triage"].append(t_triaged - reported)
        if t_verifying and t_verified:
            spans["verify"].append(t_verified - t_verifying)
        if closed:
            spans["close"].append(closed - reported)
    figures.medians = {key: _median(spans[key]) for key in ("triage", "verify", "decide", "close")}
    figures.downgrades_by_approver = _downgrades(user, start, end)
    return figures


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


def incidents_per_month(user: User, by: str, months: list[datetime]) -> dict[str, list[int]]:
    """{category or province: [count per month]} for the triaged cases reported then."""
    column: Any = Case.category if by == "category" else func.coalesce(Site.province, "")
    query = select(Case.reported_dt, column).where(
        _visible(user),
        Case.category.is_not(None),
        Case.reported_dt >= months[0],
        Case.resolution.is_(None) | Case.resolution.not_in(("duplicate", "rejected")),
    )
    if by != "category":
        query = query.outerjoin(Site, Site.id == Case.site_id)
    index = {(m.year, m.month): i for i, m in enumerate(months)}
    series: dict[str, list[int]] = defaultdict(lambda: [0] * len(months))
    for reported, key in db.session.execute(query):
        series[key or ""][index[(reported.year, reported.month)]] += 1
    return dict(sorted(series.items(), key=lambda kv: -sum(kv[1])))


@dataclass
class Recurrence:
    site_id: int
    site_code: str
    site_name: str
    category: str
    count: int
    references: list[str]


def recurring_sites(user: User, since: datetime) -> list[tuple[str, str, int]]:
    """Sites with more than one incident since ``since``: (code, name, count), most first."""
    rows = db.session.execute(
        select(Site.code, Site.name, func.count())
        .join(Case, Case.site_id == Site.id)
        .where(_visible(user), Case.reported_dt >= since, Case.category.is_not(None))
        .group_by(Site.id, Site.code, Site.name)
        .having(func.count() > 1)
        .order_by(func.count().desc(), Site.code)
        .limit(20)
    )
    return [(code, name, n) for code, name, n in rows]


def recurrences(user: User) -> list[Recurrence]:
    """The DOMAIN.md rule: three or more Level 3 reports of one category at one site within
    six months suggest Level 2. Open Level 3 cases of such a (site, category) are listed."""
    since = clock.now() - RECURRENCE_WINDOW
    groups = db.session.execute(
        select(Site.id, Site.code, Site.name, Case.category, func.count())
        .join(Site, Site.id == Case.site_id)
        .where(
            _visible(user),
            Case.level == RECURRENCE_LEVEL,
            Case.category.is_not(None),
            Case.reported_dt >= since,
        )
        .group_by(Site.id, Site.code, Site.name, Case.category)
        .having(func.count() >= RECURRENCE_COUNT)
    ).all()
    out = []
    for site_id, code, name, category, n in groups:
        refs = db.session.scalars(
            select(Case.reference)
            .where(
                _visible(user),
                Case.site_id == site_id,
                Case.category == category,
                Case.level == RECURRENCE_LEVEL,
                Case.reported_dt >= since,
            )
            .order_by(Case.reported_dt)
        ).all()
        out.append(Recurrence(site_id, code, name, category or "", n, list(refs)))
    return sorted(out, key=lambda r: (-r.count, r.site_code, r.category))


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
