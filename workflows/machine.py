"""One shared `transitions` machine for every case, bound per call to the case passed in.

A machine per case row would cost memory and time (see STACK.md); instead a single
`Machine(model=None)` holds the declaration and each event is fired with
``MACHINE.events[name].trigger(case)``, which reads and writes ``case.status``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from transitions import Machine, MachineError

from workflows.i18n import N_
from workflows.lifecycle import (
    INITIAL_STATE,
    MISSING_DATA,
    STATES,
    TRANSITIONS,
    Transition,
    transition,
)


class TransitionNotAllowed(Exception):
    """The transition does not exist from this state, or the role may not fire it.

    ``message`` is an English msgid with ``%(status)s``, ``%(transition)s`` or ``%(role)s``
    placeholders and ``params`` holds the codes that fill them, so the web app can show the
    sentence translated with the codes as labels; ``str()`` is the English sentence.
    """

    def __init__(self, message: str, **params: str):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class GuardFailed(Exception):
    """A guard refused the transition; ``reasons`` says what is missing."""

    def __init__(self, reasons: list[str]):
        super().__init__(" ".join(reasons))
        self.reasons = reasons


MACHINE = Machine(
    model=None,
    states=list(STATES),
    transitions=[
        {"trigger": t.name, "source": list(t.source), "dest": t.dest} for t in TRANSITIONS
    ],
    initial=INITIAL_STATE,
    model_attribute="status",
    auto_transitions=False,
    send_event=True,
)


def _reasons(t: Transition, case: Any, data: Mapping[str, Any]) -> list[str]:
    reasons = [MISSING_DATA[name] for name in t.needs if not str(data.get(name) or "").strip()]
    reasons += [r for guard in t.guards if (r := guard(case, data))]
    return list(dict.fromkeys(reasons))  # a missing value and a guard may say the same


def check(case: Any, name: str, role: str, data: Mapping[str, Any] | None = None) -> Transition:
    """Raise unless ``role`` may fire ``name`` on ``case`` now; return the transition."""
    data = data or {}
    if name not in MACHINE.events or name not in MACHINE.get_triggers(case.status):
        raise TransitionNotAllowed(
            N_("This case is %(status)s now, so “%(transition)s” does not apply to it."),
            status=case.status,
            transition=name,
        )
    t = transition(name)
    if role not in t.roles:
        raise TransitionNotAllowed(
            N_("Your role (%(role)s) may not take this step: %(transition)s."),
            role=role,
            transition=name,
        )
    reasons = _reasons(t, case, data)
    if reasons:
        raise GuardFailed(reasons)
    return t


def fire(case: Any, name: str, role: str, data: Mapping[str, Any] | None = None) -> Transition:
    """Check, then move ``case.status`` through the shared machine."""
    t = check(case, name, role, data)
    try:
        MACHINE.events[name].trigger(case)
    except MachineError as exc:  # the declaration and the machine disagree: a bug, say so
        raise TransitionNotAllowed(
            N_("This step cannot be taken from the case's current state."),
        ) from exc
    return t


def allowed_transitions(case: Any, role: str) -> list[Transition]:
    """The transitions this role may fire from the case's state (guards not yet applied)."""
    return [
        transition(name)
        for name in MACHINE.get_triggers(case.status)
        if role in transition(name).roles
    ]


def mermaid() -> str:
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL_STATE}"]
    for t in TRANSITIONS:
        for source in t.source:
            lines.append(f"    {source} --> {t.dest}: {t.name} ({', '.join(t.roles)})")
    lines.append("    closed --> [*]")
    return "\n".join(lines) + "\n"


def graphviz() -> str:
    lines = ["digraph lifecycle {", "    rankdir=LR;", "    node [shape=box, style=rounded];"]
    for t in TRANSITIONS:
        for source in t.source:
            lines.append(f'    {source} -> {t.dest} [label="{t.name}\\n({", ".join(t.roles)})"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
