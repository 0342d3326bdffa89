"""Triage with intake's suggestions: what intake guessed (category, level, site) and
accepting it in one step.

Accepting fills only what is still unset: a category, level or site someone chose stays
theirs. It goes through the same operations as the forms (`update_details`,
`change_level`), so the same rules, events and deadlines apply.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from casework.auth.models import User
from casework.cases import operations
from casework.cases.models import Case
from casework.cases.permissions import can_work
from casework.errors import InvalidInput, PermissionDenied, StaleCase
from casework.sites.models import Site

TRIAGE_ROLES = frozenset({"officer", "supervisor"})


@dataclass(frozen=True)
class Suggestions:
    """The suggestions that would fill a field still unset (None: nothing for that field)."""

    category: str | None = None
    level: int | None = None
    site: Site | None = None

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.category, self.level, self.site))


def open_suggestions(case: Case) -> Suggestions:
    """Intake's suggestions for the fields of ``case`` nobody has set yet."""
    if case.is_closed:
        return Suggestions()
    return Suggestions(
        category=case.suggested_category if case.category is None else None,
        level=case.suggested_level if case.level is None else None,
        site=case.suggested_site if case.site_id is None else None,
    )


def may_accept(user: User, case: Case) -> bool:
    return user.role in TRIAGE_ROLES and can_work(user, case)


def accept_suggestions(case: Case, *, actor: User, expected_version: int | None = None) -> Case:
    """Set the unset category, level and site to intake's suggestions (one step, one
    version check); InvalidInput when there is nothing left to accept."""
    if not may_accept(actor, case):
        raise PermissionDenied(_l("Only officers and supervisors triage cases."))
    if expected_version is not None and expected_version != case.version:
        raise StaleCase()
    chosen = open_suggestions(case)
    if not chosen:
        raise InvalidInput(_l("There is no suggestion left to accept: every field is set."))
    if chosen.category is not None or chosen.site is not None:
        operations.update_details(case, actor=actor, category=chosen.category, site=chosen.site)
    if chosen.level is not None:
        operations.change_level(
            case, chosen.level, actor=actor, reason=str(_l("Intake's suggestion, accepted."))
        )
    return case
