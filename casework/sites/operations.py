"""Changing the mine site registry: a CSV import and one site's edit, each on the admin log.

Like every operation: the actor is explicit (a User, or None for the command line),
errors are raised, the session is flushed and never committed. Only admins manage sites.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.admin.log import record_admin_change
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from casework.sites.importer import ImportResult, import_sites, validate_row
from casework.sites.models import Site

# What the admin log keeps of a site, in this order.
FIELDS = (
    "code",
    "name",
    "country",
    "province",
    "territory",
    "minerals",
    "latitude",
    "longitude",
)


class SiteInvalid(InvalidInput):
    """A site's new values have problems; ``problems`` says each in words."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def can_manage_sites(user) -> bool:
    return getattr(user, "role", None) == "admin"


def _require_manage(actor) -> None:
    if actor is not None and not can_manage_sites(actor):
        raise PermissionDenied(_l("Only an admin manages the site registry."))


def import_site_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    actor,
    source: str,
    on_row: Callable[[], None] | None = None,
) -> ImportResult:
    """Import parsed CSV rows (`importer.read_rows`): good rows kept, bad ones reported by
    line. When a row is kept, the admin log gets one entry with the counts and the codes
    added and updated (not the file). The caller commits, or rolls back when nothing was
    accepted."""
    _require_manage(actor)
    result = import_sites(rows, on_row=on_row)
    if result.accepted:
        record_admin_change(
            actor,
            "site.import",
            ("site", "import", source),
            after={
                "file": source,
                "imported": result.imported,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": len(result.rejected),
                "codes_added": result.codes_added,
                "codes_updated": result.codes_updated,
            },
        )
    return result


def site_values(site: Site) -> dict[str, Any]:
    return {key: getattr(site, key) for key in FIELDS}


def update_site(site: Site, raw: dict[str, str], *, actor) -> Site:
    """Change ``site`` to ``raw`` (text as typed, the import's columns; minerals
    ';'-separated), checked by the import's rules. Raises SiteInvalid with every problem.
    On the admin log with the fields that changed; nothing changed, nothing logged."""
    _require_manage(actor)
    values, problems = validate_row({key: str(raw.get(key) or "") for key in FIELDS})
    if values is not None and values["code"] != site.code:
        taken = db.session.scalar(select(Site.id).where(Site.code == values["code"]))
        if taken is not None:
            problems = [str(_l("Another site already has the code %(code)s.", code=values["code"]))]
            values = None
    if values is None:
        raise SiteInvalid([str(p) for p in problems])
    before = site_values(site)
    for key in FIELDS:
        setattr(site, key, values[key])
    db.session.flush()
    after = site_values(site)
    changed = [key for key in FIELDS if before[key] != after[key]]
    if changed:
        record_admin_change(
            actor,
            "site.update",
            ("site", site.id, f"{site.code} {site.name}"),
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return site
