"""Guards: pure predicates over a case and the transition's data.

A guard returns None when the transition may go ahead, or a sentence saying what is missing.
They read only attributes of the case object (duck-typed), never a session or a clock.
Sentences are fixed and marked with ``N_`` so the web app can show them translated.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from workflows.i18n import N_

Guard = Callable[[Any, Mapping[str, Any]], str | None]

# Said both when no resolution is given and when it is not one a plain close may carry;
# the words must follow `lifecycle.CLOSING_RESOLUTIONS` (a test checks that they do).
CHOOSE_RESOLUTION = N_("Choose a resolution: resolved, unresolved or unsubstantiated.")


def has_category(case: Any, data: Mapping[str, Any]) -> str | None:
    return None if case.category else N_("Set a risk category before triage.")


def has_level(case: Any, data: Mapping[str, Any]) -> str | None:
    return None if case.level in (1, 2, 3) else N_("Set a level (1, 2 or 3) before triage.")


def has_place(case: Any, data: Mapping[str, Any]) -> str | None:
    if case.site_id or (case.location_text or "").strip():
        return None
    return N_("Set a mine site or describe the location before triage.")


def has_corroboration(case: Any, data: Mapping[str, Any]) -> str | None:
    if case.corroboration_count > 0:
        return None
    return N_("Record at least one corroboration before marking the case verified.")


def has_committee(case: Any, data: Mapping[str, Any]) -> str | None:
    if case.committee_id or data.get("committee_id"):
        return None
    return N_("Choose the committee that will review the case.")


def has_brief_if_restricted(case: Any, data: Mapping[str, Any]) -> str | None:
    if not case.lacks_committee_brief:
        return None
    return N_(
        "Write the committee brief first: committee members never read a restricted case, "
        "only its brief."
    )


def has_decision(case: Any, data: Mapping[str, Any]) -> str | None:
    from workflows.committees import MITIGATING_OUTCOMES

    if case.decision_count == 0:
        return N_(
            "The committee has not decided yet: a decision is reached by a vote at a quorate "
            "meeting or by a written vote."
        )
    if case.decision_outcome not in MITIGATING_OUTCOMES:
        return N_(
            "The committee decided to disengage or that no action is needed: close the case "
            "instead of starting mitigation."
        )
    return None


def has_open_action_with_owner_and_due_date(case: Any, data: Mapping[str, Any]) -> str | None:
    if any(a.owner and a.due_date and not a.is_done for a in case.actions):
        return None
    return N_("Add at least one mitigation action with an owner and a due date.")


def not_level_1(case: Any, data: Mapping[str, Any]) -> str | None:
    if case.level != 1:
        return None
    return N_("Level 1 cases go to a committee; they cannot be mitigated locally.")


def resolution_is_valid(case: Any, data: Mapping[str, Any]) -> str | None:
    from workflows.lifecycle import CLOSING_RESOLUTIONS

    if data.get("resolution") in CLOSING_RESOLUTIONS:
        return None
    return CHOOSE_RESOLUTION


def resolved_needs_all_actions_done(case: Any, data: Mapping[str, Any]) -> str | None:
    if data.get("resolution") != "resolved":
        return None
    if all(a.is_done for a in case.actions):
        return None
    return N_("Every mitigation action must be done before closing as resolved.")


def level_1_needs_committee_decision(case: Any, data: Mapping[str, Any]) -> str | None:
    if case.level != 1 or case.decision_count > 0:
        return None
    return N_(
        "A Level 1 case needs a committee decision (a vote at a quorate meeting or a written "
        "vote) before it can be closed."
    )


def has_duplicate_of(case: Any, data: Mapping[str, Any]) -> str | None:
    if case.duplicate_of_id or data.get("duplicate_of_id"):
        return None
    return N_("Link the case this one duplicates first.")
