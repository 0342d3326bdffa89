"""Which committees cover a place: what escalation offers, and in which order."""

from __future__ import annotations

from sqlalchemy import select

from casework.committees.models import Committee
from casework.extensions import db
from casework.sites.models import Site


def _same(a: str | None, b: str | None) -> bool:
    if not a or not b:
        return False
    return a.strip().casefold() == b.strip().casefold()


def covers(committee: Committee, site: Site) -> bool:
    """A provincial committee covers its province, a local one its territories (in its
    province, when it names one), both in their country. A committee without a country
    covers nothing."""
    if not _same(committee.country, site.country):
        return False
    if committee.scope == "provincial":
        return _same(committee.province, site.province)
    if committee.province and not _same(committee.province, site.province):
        return False
    return any(_same(t, site.territory) for t in committee.territory_list)


def covering(site: Site | None, level: int | None) -> list[Committee]:
    """The committees a case at ``site`` may be escalated to: the provincial one first for
    Level 1 (DOMAIN.md: provincial committees take Level 1 matters), the local one first
    otherwise. A case without a site (a place described in words) may go to any committee:
    the supervisor who escalates it knows where it happened."""
    committees = list(db.session.scalars(select(Committee).order_by(Committee.name)))
    if site is not None:
        committees = [c for c in committees if covers(c, site)]
    first = "provincial" if level == 1 else "local"
    return sorted(committees, key=lambda c: c.scope != first)
