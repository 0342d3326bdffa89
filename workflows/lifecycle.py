"""The lifecycle declaration: a table a programme manager can review.

Each transition names who may fire it and the guards it must pass; each state names the
deadline it starts, by case level. Guards live in `workflows.guards` and read only the
case object handed to them (and the data passed with the transition).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from workflows import guards as g
from workflows.i18n import N_

ROLES = ("admin", "supervisor", "officer", "committee", "viewer")
LEVELS = (1, 2, 3)

STATES = (
    "received",
    "triaged",
    "verifying",
    "verified",
    "escalated",
    "mitigation",
    "monitoring",
    "closed",
)
INITIAL_STATE = "received"

RESOLUTIONS = ("resolved", "unresolved", "unsubstantiated", "duplicate", "rejected")
# Resolutions a plain "close" may carry; the side exits set their own.
CLOSING_RESOLUTIONS = ("resolved", "unresolved", "unsubstantiated")

OPEN_EARLY = ["received", "triaged", "verifying"]


@dataclass(frozen=True)
class Transition:
    name: str
    source: tuple[str, ...]
    dest: str
    roles: tuple[str, ...]
    label: str
    guards: tuple[g.Guard, ...] = field(default_factory=tuple)
    # Data the transition must be given (e.g. a reason); see `MISSING_DATA`.
    needs: tuple[str, ...] = ()
    # Fixed resolution set when the transition closes the case.
    resolution: str | None = None


# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "triage", ("received",), "triaged", ("officer", "supervisor"),
        "Confirm triage", (g.has_category, g.has_level, g.has_place),
    ),
    Transition(
        "start_verification", ("triaged",), "verifying", ("officer", "supervisor"),
        "Start verification",
    ),
    Transition(
        "verify", ("verifying",), "verified", ("officer", "supervisor"),
        "Mark verified", (g.has_corroboration,),
    ),
    Transition(
        "escalate", ("verified",), "escalated", ("supervisor",),
        "Escalate to committee", (g.has_committee, g.has_brief_if_restricted),
    ),
    Transition(
        "start_mitigation", ("escalated",), "mitigation", ("committee", "supervisor"),
        "Start mitigation", (g.has_decision, g.has_open_action_with_owner_and_due_date),
    ),
    Transition(
        "mitigate_locally", ("verified",), "mitigation", ("officer", "supervisor"),
        "Mitigate locally (Level 2/3)",
        (g.not_level_1, g.has_open_action_with_owner_and_due_date),
    ),
    Transition(
        "monitor", ("mitigation",), "monitoring", ("officer", "supervisor", "committee"),
        "Move to monitoring",
    ),
    Transition(
        "close", ("verified", "escalated", "mitigation", "monitoring"), "closed",
        ("supervisor",), "Close",
        (g.resolution_is_valid, g.resolved_needs_all_actions_done,
         g.level_1_needs_committee_decision),
        needs=("resolution",),
    ),
    Transition(
        "mark_duplicate", tuple(OPEN_EARLY), "closed", ("officer", "supervisor"),
        "Close as duplicate", (g.has_duplicate_of,), resolution="duplicate",
    ),
    Transition(
        "reject", tuple(OPEN_EARLY), "closed", ("supervisor",),
        "Reject (out of scope)", needs=("reason",), resolution="rejected",
    ),
    Transition(
        "close_unsubstantiated", tuple(OPEN_EARLY), "closed", ("supervisor",),
        "Close as unsubstantiated", needs=("reason",), resolution="unsubstantiated",
    ),
    Transition(
        "reopen", ("closed",), "triaged", ("supervisor",),
        "Reopen", needs=("reason",),
    ),
)
# fmt: on

# What to say when a transition is fired without data it `needs`, by data name.
MISSING_DATA: dict[str, str] = {
    "resolution": g.CHOOSE_RESOLUTION,
    "reason": N_("Give the reason in the Reason box: it is kept on the case's record."),
}

_BY_NAME = {t.name: t for t in TRANSITIONS}


def transition(name: str) -> Transition:
    return _BY_NAME[name]


def _days(level_1: float, other: float) -> dict[int, timedelta]:
    return {1: timedelta(days=level_1), 2: timedelta(days=other), 3: timedelta(days=other)}


# The deadline a state starts, by level (None: no deadline). A case without a level yet
# (freshly received) is treated as Level 1 until triage says otherwise: better early than late.
DEADLINES: dict[str, dict[int, timedelta] | None] = {
    "received": _days(1, 3),  # triage: Level 1 within 24 h, otherwise 3 days
    "triaged": _days(3, 14),  # start verification: Level 1 within 72 h
    "verifying": _days(14, 30),  # field verification
    "verified": _days(3, 7),  # decide: escalate, mitigate locally or close
    "escalated": _days(7, 30),  # committee review: Level 1 7 days, else next monthly meeting
    "mitigation": _days(90, 90),  # progress review of the mitigation plan
    "monitoring": _days(30, 30),  # monthly monitoring check
    "closed": None,
}


def deadline_for(state: str, level: int | None) -> timedelta | None:
    policy = DEADLINES[state]
    if policy is None:
        return None
    return policy[level or 1]
