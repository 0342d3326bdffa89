"""What the programme publishes: six-month periods, published summaries and incident
statistics that give no small count away.

Statistics count *incidents*: cases reported in the period, triaged (they have a
category), and not closed as a duplicate or out of scope. Each breakdown (category, level,
province, outcome) is published with the period's total. Two rules keep a small count
(one survivor of sexual violence in a province...) from being published or worked out:

1. a count from 1 to 4 is shown as "fewer than 5";
2. every other count, the totals included, is rounded to a multiple of 5, up or down as
   a keyed hash of (secret key, period, breakdown, group, count) decides: the same figure
   every time it is asked for, but a reader cannot tell which way any count went.

Withholding cells instead (secondary suppression) is not enough: with a total and exact
cells, the hidden cells' sum is known, and two hidden cells summing to 2 are 1 each.
Rounding to the *nearest* 5 is not enough either: at the edges of its intervals the
bounds meet (cells 8 and 8 published as 10 and 10, a total of 17 as 15: the third is 1).
Random rounding leaves each count an interval of nine values, and tests/public checks
that no small count is ever pinned down. A period with fewer
than 5 incidents shows no breakdown at all. Counts of 0 are not listed (they identify
nobody). `suppress` is pure and tested as a table.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import case as sql_case
from sqlalchemy import func, select

from casework import clock
from casework.cases.models import Case, CaseEvent
from casework.extensions import db
from casework.sites.models import Site

THRESHOLD = 5
ROUNDING = 5
SMALL = "fewer_than_5"
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
    count: int | None  # rounded to a multiple of 5; None when fewer than 5
    suppressed: str | None = None  # SMALL


def rounded(count: int, secret: bytes, label: str) -> int | None:
    """What may be published of ``count``: None below 5; a multiple of 5 as it is; else
    the multiple of 5 below or above it, as a keyed hash of ``label`` and the count says."""
    if count < THRESHOLD:
        return None
    below = ROUNDING * (count // ROUNDING)
    if count == below:
        return count
    digest = hmac.new(secret, f"{label}|{count}".encode(), hashlib.sha256).digest()
    return below + ROUNDING if digest[0] & 1 else below


def suppress(counts: dict[str, int], secret: bytes, label: str) -> list[Cell]:
    """The cells of one breakdown as published (see the module docstring), largest first
    by their published value. ``counts`` maps each key to its count; zeros are left out;
    ``label`` names the breakdown (period and dimension) for the rounding."""
    cells = [
        Cell(key, shown, None if shown is not None else SMALL)
        for key, n in counts.items()
        if n > 0
        for shown in [rounded(n, secret, f"{label}|{key}")]
    ]
    return sorted(cells, key=lambda c: (-(c.count or 0), c.key))


def public_id(case_id: int) -> str:
    """A publication's identifier: stable, but saying nothing of the case's id."""
    return hmac.new(_secret(), f"publication|{case_id}".encode(), hashlib.sha256).hexdigest()[:16]


def _secret() -> bytes:
    return hashlib.sha256(
        b"casework-public-rounding|" + str(current_app.secret_key).encode()
    ).digest()


# ---------------------------------------------------------------- the figures


@dataclass
class Statistics:
    period: Period
    total: int | None  # rounded; None: fewer than 5 incidents, nothing broken down
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
            "rounded_to": ROUNDING,
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
    secret = _secret()
    total = rounded(sum(counts["category"].values()), secret, f"{period.key}|total")
    if total is None:
        return Statistics(period, None, {})
    breakdowns = {d: suppress(counts[d], secret, f"{period.key}|{d}") for d in DIMENSIONS}
    return Statistics(period, total, breakdowns)


# ---------------------------------------------------------------- published summaries


@dataclass(frozen=True)
class Publication:
    public_id: str  # opaque: a case's id would tell how many cases came in between
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
            public_id=public_id(c.id),
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
