"""The case lifecycle as data: states, transitions, roles, guards and deadlines.

Pure Python plus `transitions`; no Flask, no database. `casework` binds it to case rows.
"""

from workflows.lifecycle import (
    CLOSING_RESOLUTIONS,
    INITIAL_STATE,
    LEVELS,
    RESOLUTIONS,
    ROLES,
    STATES,
    TRANSITIONS,
    Transition,
    deadline_for,
    transition,
)
from workflows.machine import (
    GuardFailed,
    TransitionNotAllowed,
    allowed_transitions,
    check,
    fire,
)

__all__ = [
    "CLOSING_RESOLUTIONS",
    "INITIAL_STATE",
    "LEVELS",
    "RESOLUTIONS",
    "ROLES",
    "STATES",
    "TRANSITIONS",
    "GuardFailed",
    "Transition",
    "TransitionNotAllowed",
    "allowed_transitions",
    "check",
    "deadline_for",
    "fire",
    "transition",
]
