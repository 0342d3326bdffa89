"""Table-driven tests generated from the lifecycle declaration itself."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date

import pytest

from workflows import (
    CLOSING_RESOLUTIONS,
    INITIAL_STATE,
    ROLES,
    STATES,
    TRANSITIONS,
    GuardFailed,
    TransitionNotAllowed,
    allowed_transitions,
    check,
    deadline_for,
    fire,
)
from workflows.guards import CHOOSE_RESOLUTION
from workflows.lifecycle import MISSING_DATA
from workflows.machine import MACHINE, graphviz, mermaid


@dataclass
class Action:
    owner: str = "Coopérative COMIMPA"
    due_date: date | None = date(2026, 12, 1)
    is_done: bool = False


@dataclass
class FakeCase:
    """Everything the guards read, set so that every guard passes."""

    status: str = INITIAL_STATE
    category: str | None = "SEC"
    level: int | None = 2
    site_id: int | None = 1
    location_text: str = ""
    committee_id: int | None = 1
    duplicate_of_id: int | None = 7
    corroboration_count: int = 1
    decision_count: int = 1
    decision_outcome: str | None = "continue_with_mitigation"
    lacks_committee_brief: bool = False
    actions: list[Action] = field(default_factory=lambda: [Action()])


GOOD_DATA = {"resolution": "unresolved", "reason": "Out of scope: not a mine site."}

CASES = [(t, role, source) for t in TRANSITIONS for role in ROLES for source in t.source]


@pytest.mark.parametrize(
    ("t", "role", "source"), CASES, ids=[f"{t.name}-{r}-{s}" for t, r, s in CASES]
)
def test_every_role_against_every_transition(t, role, source):
    case = FakeCase(status=source)
    if role in t.roles:
        fire(case, t.name, role, GOOD_DATA)
        assert case.status == t.dest
    else:
        with pytest.raises(TransitionNotAllowed):
            fire(case, t.name, role, GOOD_DATA)
        assert case.status == source


@pytest.mark.parametrize("t", TRANSITIONS, ids=lambda t: t.name)
def test_no_transition_fires_from_a_state_it_does_not_leave(t):
    role = t.roles[0]
    for state in set(STATES) - set(t.source):
        case = FakeCase(status=state)
        with pytest.raises(TransitionNotAllowed):
            fire(case, t.name, role, GOOD_DATA)
        assert case.status == state


def test_every_state_is_reachable_and_closed_can_reopen():
    reachable, frontier = {INITIAL_STATE}, [INITIAL_STATE]
    while frontier:
        state = frontier.pop()
        for t in TRANSITIONS:
            if state in t.source and t.dest not in reachable:
                reachable.add(t.dest)
                frontier.append(t.dest)
    assert reachable == set(STATES)
    assert "reopen" in MACHINE.get_triggers("closed")


def test_allowed_transitions_lists_only_what_the_role_may_fire():
    case = FakeCase(status="verified")
    names = {t.name for t in allowed_transitions(case, "supervisor")}
    assert names == {"escalate", "mitigate_locally", "close"}
    assert {t.name for t in allowed_transitions(case, "officer")} == {"mitigate_locally"}
    assert allowed_transitions(case, "viewer") == []


# Each guard, refused when its fact is missing (and the reason says what to do).
GUARD_CASES = [
    ("triage", "received", {"category": None}, {}, "category"),
    ("triage", "received", {"level": None}, {}, "level"),
    ("triage", "received", {"site_id": None, "location_text": "  "}, {}, "location"),
    ("verify", "verifying", {"corroboration_count": 0}, {}, "corroboration"),
    ("escalate", "verified", {"committee_id": None}, {}, "committee"),
    ("escalate", "verified", {"lacks_committee_brief": True}, {}, "committee brief"),
    ("start_mitigation", "escalated", {"decision_count": 0}, {}, "quorate meeting"),
    ("start_mitigation", "escalated", {"decision_outcome": "disengage"}, {}, "close the case"),
    ("start_mitigation", "escalated", {"actions": []}, {}, "owner and a due date"),
    (
        "start_mitigation",
        "escalated",
        {"actions": [Action(owner="", due_date=None)]},
        {},
        "owner and a due date",
    ),
    ("mitigate_locally", "verified", {"level": 1}, {}, "Level 1"),
    ("close", "monitoring", {}, {"resolution": ""}, "resolution"),
    ("close", "monitoring", {}, {"resolution": "duplicate"}, "Choose a resolution"),
    (
        "close",
        "monitoring",
        {"actions": [Action(is_done=False)]},
        {"resolution": "resolved"},
        "mitigation action must be done",
    ),
    (
        "close",
        "monitoring",
        {"level": 1, "decision_count": 0},
        {"resolution": "unresolved"},
        "committee decision",
    ),
    ("mark_duplicate", "triaged", {"duplicate_of_id": None}, {}, "Link the case"),
    ("reject", "received", {}, {"reason": ""}, "reason"),
    ("close_unsubstantiated", "verifying", {}, {}, "reason"),
    ("reopen", "closed", {}, {"reason": " "}, "reason"),
]


@pytest.mark.parametrize(
    ("name", "state", "facts", "data", "says"),
    GUARD_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(GUARD_CASES)],
)
def test_guards_refuse_with_a_reason(name, state, facts, data, says):
    case = FakeCase(status=state, **facts)
    with pytest.raises(GuardFailed) as excinfo:
        fire(case, name, "supervisor", data)
    assert case.status == state
    assert any(says.lower() in r.lower() for r in excinfo.value.reasons), excinfo.value.reasons


def test_a_missing_resolution_is_said_once():
    case = FakeCase(status="monitoring")
    with pytest.raises(GuardFailed) as excinfo:
        fire(case, "close", "supervisor", {"resolution": ""})
    assert excinfo.value.reasons == [CHOOSE_RESOLUTION]


def test_every_needed_input_has_a_sentence_and_the_resolution_one_names_them_all():
    assert {name for t in TRANSITIONS for name in t.needs} <= set(MISSING_DATA)
    for resolution in CLOSING_RESOLUTIONS:
        assert resolution in CHOOSE_RESOLUTION


def test_refusals_carry_a_msgid_and_the_codes_that_fill_it():
    with pytest.raises(TransitionNotAllowed) as excinfo:
        check(FakeCase(status="received"), "verify", "officer")
    assert excinfo.value.params == {"status": "received", "transition": "verify"}
    assert "%(status)s" in excinfo.value.message
    assert str(excinfo.value) == excinfo.value.message % excinfo.value.params
    with pytest.raises(TransitionNotAllowed) as excinfo:
        check(FakeCase(status="verified"), "escalate", "officer")
    assert excinfo.value.params == {"role": "officer", "transition": "escalate"}


def test_workflows_import_neither_flask_nor_babel():
    code = (
        "import sys, workflows, workflows.machine; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'flask_babel', 'babel'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_level_2_closing_unresolved_needs_no_decision_and_open_actions_are_fine():
    case = FakeCase(status="mitigation", level=2, decision_count=0, actions=[Action(is_done=False)])
    check(case, "close", "supervisor", {"resolution": "unresolved"})


def test_committee_given_with_the_transition_satisfies_the_guard():
    case = FakeCase(status="verified", committee_id=None)
    fire(case, "escalate", "supervisor", {"committee_id": 3})
    assert case.status == "escalated"


def test_deadlines_follow_the_declared_policy():
    assert deadline_for("received", 1).total_seconds() == 24 * 3600
    assert deadline_for("received", 3).days == 3
    assert deadline_for("received", None).total_seconds() == 24 * 3600  # unknown: strictest
    assert deadline_for("triaged", 1).days == 3
    assert deadline_for("escalated", 1).days == 7
    assert deadline_for("escalated", 2).days == 30
    assert deadline_for("closed", 1) is None


def test_diagrams_are_generated_from_the_declaration():
    text = mermaid()
    assert text.startswith("stateDiagram-v2")
    for t in TRANSITIONS:
        for source in t.source:
            assert f"{source} --> {t.dest}: {t.name}" in text
    assert graphviz().count("->") == sum(len(t.source) for t in TRANSITIONS)
