"""Who may see and work which case: one place for the UI and the API alike."""

from __future__ import annotations

from sqlalchemy import and_, false, func, or_, true
from sqlalchemy.sql import ColumnElement

from casework.cases.models import RESTRICTED_CATEGORIES, Case

# Roles that may see a reporter's phone number in clear (each view is audited).
PHONE_ROLES = frozenset({"supervisor"})
# Roles that publish and withdraw a case's public summary (DOMAIN.md: a supervisor's step).
PUBLISH_ROLES = frozenset({"supervisor"})


def is_restricted(case: Case) -> bool:
    """Restricted by its category, or, until triage sets one, by what intake suggested:
    an untriaged report of sexual violence is the most exposed of all."""
    return (case.category or case.suggested_category) in RESTRICTED_CATEGORIES


def visible_filter(user) -> ColumnElement[bool]:
    """A SQL filter matching exactly the cases `can_view` allows."""
    effective = func.coalesce(Case.category, Case.suggested_category)
    unrestricted = or_(effective.is_(None), ~effective.in_(RESTRICTED_CATEGORIES))
    if user.role == "supervisor":
        return true()
    if user.role == "admin":
        return unrestricted
    if user.role == "officer":
        return or_(unrestricted, Case.assignee_id == user.id)
    if user.role == "committee":
        ids = list(user.committee_ids)
        return and_(Case.committee_id.in_(ids), unrestricted) if ids else false()
    if user.role == "viewer":
        return Case.is_published.is_(True)
    return false()


def can_view(user, case: Case) -> bool:
    if user.role == "supervisor":
        return True
    restricted = is_restricted(case)
    if user.role == "admin":
        return not restricted
    if user.role == "officer":
        return not restricted or case.assignee_id == user.id
    if user.role == "committee":
        return case.committee_id in user.committee_ids and not restricted
    if user.role == "viewer":
        return case.is_published
    return False


def sees_masked_phone(user, case: Case) -> bool:
    """The masked number (country code, last three digits) can still point at a person in a
    small mining village: only supervisors and the officer working the case see it."""
    return user.role == "supervisor" or (user.role == "officer" and case.assignee_id == user.id)


def can_work(user, case: Case) -> bool:
    """May change the case (notes, transitions, triage): visible and not read-only."""
    if not can_view(user, case):
        return False
    return user.role in {"supervisor", "officer", "committee"}


def sees_full_case(user, case: Case) -> bool:
    """Viewers see only the published, redacted summary."""
    return user.role != "viewer" and can_view(user, case)
