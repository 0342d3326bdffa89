"""Time zones people are told in: any IANA zone this machine knows, offered from a short
list (workflows.notices.TIME_ZONES) in forms."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from workflows.notices import TIME_ZONES


@cache
def _known() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA zone the system's (or tzdata's) database has."""
    return name in _known()


def zone_choices(current: str | None = None) -> list[str]:
    """The zones a form offers: the usual ones, plus ``current`` when it is another."""
    zones = list(TIME_ZONES)
    if current and current not in zones and is_time_zone(current):
        zones.append(current)
    return zones
