"""The one place Casework asks the time; tests freeze it with `freeze(...)`."""

from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return _frozen or datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Pin `now()` to ``at`` (aware UTC), or unpin with None. For tests and demo seeding."""
    global _frozen
    _frozen = at
