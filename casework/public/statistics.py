"""What the programme publishes: six-month periods, published summaries and incident
statistics with small counts suppressed.

Statistics count *incidents*: cases reported in the period, triaged (they have a
category), and not closed as a duplicate or out of scope. Each breakdown (category, level,
province, outcome) is published with the period's total, so suppression has two steps:

1. a count from 1 to 4 is shown as "fewer than 5" (primary suppression);
2. when a breakdown then has exactly one such cell, the total would give it away
   (total minus the cells shown): the smallest other cell is withheld as well, shown as
   "withheld" (secondary suppression). A period with fewer than 5 incidents shows no
   breakdown at all.

Counts of 0 are not listed. `suppress` is pure and tested as a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from casework import clock
from casework.cases.models import Case, CaseEvent
from casework.extensions import db
from casework.sites.models import Site

THRESHOLD = 5
SMALL = "fewer_than_5"  # primary suppression
WITHHELD = "withheld"  # secondary suppression
NOT_INCIDENTS = ("duplicate", "rejected")
DIMENSIONS = ("category", "level", "province", "outcome")


# ---------------------------------------------------------------- periods


@dataclass(frozen=True, order=True)
class Period:
    """A half year: ``2026-H2`` is 1 July 2026 to 31 December 2026 (UTC)."""

    year: int
    half: int  # 1 or 2

    @property
    def key(self) -> str:
        return f"{self.year}-H{self.half}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, 1 if self.half == 1 else 7, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        if self.half == 1:
            return datetime(self.year, 7, 1, tzinfo=UTC)
        return datetime(self.year + 1, 1, 1, tzinfo=UTC)

    @classmethod
    def containing(cls, moment: datetime) -> Period:
        return cls(moment.year, 1 if moment.month <= 6 else 2)

    @classmethod
    def parse(cls, key: str) -> Period | None:
        """``"2026-H2"`` -> Period; None for anything else (the page answers 404)."""
        year, sep, half = key.partition("-H")
        if not (sep and year.isdigit() and len(year) == 4 and half in {"1", "2"}):
            return None
        return cls(int(year), int(half))

    def previous(self) -> Period:
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)


def periods() -> list[Period]:
    """Every half year from the first reported case to now, newest first."""
    first = db.session.scalar(select(func.min(Case.reported_dt)))
    current = Period.containing(clock.now())
    if first is None:
        return [current]
    oldest = Period.containing(first)
    out = [current]
    while out[-1] > oldest:
        out.append(out[-1].previous())
    return out


# ---------------------------------------------------------------- suppression


@dataclass(frozen=True)
class Cell:
    key: str
    count: int | None  # None when suppressed
    suppressed: str | None = None  # SMALL or WITHHELD


def suppress(counts: dict[str, int]) -> list[Cell]:
    """The cells of one breakdown, largest first, with small counts suppressed (see the
    module docstring). ``counts`` maps each key to its count; zeros are left out."""
    cells = sorted(((k, n) for k, n in counts.items() if n > 0), key=lambda kn: (-kn[1], kn[0]))
    small = {k for k, n in cells if n < THRESHOLD}
    withheld: set[str] = set()
    if len(small) == 1:
        others = [(n, k) for k, n in cells if k not in small]
        if others:
            withheld.add(min(others)[1])
    out = []
    for key, count in cells:
        if key in small:
            out.append(Cell(key, None, SMALL))
        elif key in withheld:
            out.append(Cell(key, None, WITHHELD))
        else:
            out.append(Cell(key, count))
    return out


# ---------------------------------------------------------------- the figures


@dataclass
class Statistics:
    period: Period
    total: int | None  # None: fewer than 5 incidents, nothing broken down
    breakdowns: dict[str, list[Cell]]

    def as_json(self, label: Any = None) -> dict[str, Any]:
        def cell(dimension: str, c: Cell) -> dict[str, Any]:
            row: dict[str, Any] = {"key": c.key, "count": c.count}
            if label is not None:
                row["label"] = str(label(dimension, c.key))
            if c.suppressed:
                row["suppressed"] = c.suppressed
            return row

        return {
            "period": self.period.key,
            "start": self.period.start.date().isoformat(),
            "end": self.period.end.date().isoformat(),
            "incidents": self.total,
            "incidents_suppressed": SMALL if self.total is None else None,
            "by": {d: [cell(d, c) for c in cells] for d, cells in self.breakdowns.items()},
        }


def _incidents(period: Period):
    return (
        Case.reported_dt >= period.start,
        Case.reported_dt < period.end,
        Case.category.is_not(None),
        Case.resolution.is_(None) | Case.resolution.not_in(NOT_INCIDENTS),
    )


def _grouped(column, period: Period, *, join_site: bool = False) -> dict[str, int]:
    query = select(column, func.count()).select_from(Case)
    if join_site:
        query = query.outerjoin(Site, Site.id == Case.site_id)
    rows = db.session.execute(query.where(*_incidents(period)).group_by(column))
    return {str(key if key not in (None, "") else "unknown"): n for key, n in rows}


def statistics(period: Period) -> Statistics:
    """The period's published figures: grouped counts in the database, suppressed here."""
    outcome = sql_case((Case.status == "closed", Case.resolution), else_="open")
    counts = {
        "category": _grouped(Case.category, period),
        "level": _grouped(Case.level, period),
        "province": _grouped(Site.province, period, join_site=True),
        "outcome": _grouped(outcome, period),
    }
    total = sum(counts["category"].values())
    if total < THRESHOLD:
        return Statistics(period, None, {})
    return Statistics(period, total, {d: suppress(counts[d]) for d in DIMENSIONS})


# ---------------------------------------------------------------- published summaries


@dataclass(frozen=True)
class Publication:
    case_id: int
    category: str | None
    level: int | None
    province: str
    reported_dt: datetime
    outcome: str
    summary: str
    published_dt: datetime


def _published_at():
    """Each published case's latest 'published' event time (a republish moves it)."""
    return (
        select(CaseEvent.case_id, func.max(CaseEvent.created_dt).label("published_dt"))
        .where(CaseEvent.kind == "published")
        .group_by(CaseEvent.case_id)
        .subquery()
    )


def publications(
    period: Period | None = None, *, newest_first_by_publication: bool = False, limit: int = 0
) -> list[Publication]:
    """Published summaries: of one period (by date reported), or the newest publications
    (for the feed). Only what viewers may read: the summary, never the report."""
    published = _published_at()
    query = (
        select(Case, Site.province, published.c.published_dt)
        .join(published, published.c.case_id == Case.id)
        .outerjoin(Site, Site.id == Case.site_id)
        .where(Case.is_published.is_(True))
    )
    if period is not None:
        query = query.where(Case.reported_dt >= period.start, Case.reported_dt < period.end)
    if newest_first_by_publication:
        query = query.order_by(published.c.published_dt.desc(), Case.id.desc())
    else:
        query = query.order_by(Case.reported_dt.desc(), Case.id.desc())
    if limit:
        query = query.limit(limit)
    return [
        Publication(
            case_id=c.id,
            category=c.category,
            level=c.level,
            province=province or "",
            reported_dt=c.reported_dt,
            outcome=c.resolution if c.status == "closed" and c.resolution else "open",
            summary=c.public_summary,
            published_dt=published_dt,
        )
        for c, province, published_dt in db.session.execute(query)
    ]


def publication_counts(keys: Iterable[Period]) -> dict[str, int]:
    """How many summaries each period has (for the index page)."""
    out = {}
    for period in keys:
        out[period.key] = (
            db.session.scalar(
                select(func.count())
                .select_from(Case)
                .where(
                    Case.is_published.is_(True),
                    Case.reported_dt >= period.start,
                    Case.reported_dt < period.end,
                )
            )
            or 0
        )
    return out
