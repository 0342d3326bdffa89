"""The dashboard's summary tables: counts of the cases that have a category, kept by
database triggers in the same transaction as the change to a case
(`casework.dashboard.counts`). Written only by those triggers, never by the application;
a key whose cases have all moved away stays at 0."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from casework.extensions import Model


class CaseMonthCount(Model):
    """Incidents per month: cases by month, category, province and committee."""

    __tablename__ = "case_month_counts"
    __table_args__ = (UniqueConstraint("month", "category", "province", "committee_id", "dropped"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))  # 'YYYY-MM' of reported_dt, in UTC
    category: Mapped[str] = mapped_column(String(10))
    province: Mapped[str] = mapped_column(String(100))  # the site's ('' for no site)
    committee_id: Mapped[int]  # 0 for none (no foreign key: deletions never touch counts)
    # Closed as a duplicate or rejected: left out of incidents per month.
    dropped: Mapped[bool]
    n: Mapped[int]


class CaseSiteMonthCount(Model):
    """Sites with recurring incidents: cases with a site, by month, site and committee."""

    __tablename__ = "case_site_month_counts"
    __table_args__ = (UniqueConstraint("month", "site_id", "committee_id", "restricted"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    site_id: Mapped[int]  # no foreign key, as committee_id
    committee_id: Mapped[int]
    # Of a category in `RESTRICTED_CATEGORIES` (fixed in the triggers' SQL).
    restricted: Mapped[bool]
    n: Mapped[int]
