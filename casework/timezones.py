"""Time zones people are told in: any IANA zone this machine knows, offered from a short
list (workflows.notices.TIME_ZONES) in forms."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

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


def zone(name: str | None) -> ZoneInfo:
    """The zone called ``name``; UTC when the name is empty or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local(moment: datetime, timezone: str | None) -> datetime:
    """``moment`` on the wall clock of ``timezone`` (UTC when the name is unknown)."""
    return moment.astimezone(zone(timezone))


def local_when(moment: datetime | None, timezone: str) -> str:
    """``2026-11-03 09:00 (Africa/Kinshasa)``: a time as the recipient reads it."""
    if moment is None:
        return ""
    shown = zone(timezone)
    return f"{moment.astimezone(shown):%Y-%m-%d %H:%M} ({shown.key})"
