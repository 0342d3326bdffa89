"""Checking the case event hash chains against each other and against their heads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from casework.cases.models import GENESIS_HASH, Case, CaseEvent
from casework.extensions import db


@dataclass
class BrokenLink:
    case_id: int
    seq: int
    problem: str
    event_id: int | None = None


def verify_chains(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """Walk every chain in (case, seq) order, then check each ends at the head its case
    row records; return the events checked and the first break."""
    query = select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)
    with db.session.scalars(query.execution_options(yield_per=batch_size)) as events:
        checked, broken, ends = _walk(events)
    if broken:
        return checked, broken
    heads = db.session.execute(select(Case.id, Case.event_count, Case.last_event_hash))
    for case_id, count, last_hash in heads:
        seq, chain_hash = ends.get(case_id, (0, GENESIS_HASH))
        if (seq, chain_hash) != (count, last_hash):
            problem = (
                f"the case records {count} events but its chain ends at event #{seq} "
                "(the newest events were removed or changed)"
            )
            return checked, BrokenLink(case_id, seq + 1, problem)
    return checked, None


def _walk(events) -> tuple[int, BrokenLink | None, dict[int, tuple[int, str]]]:
    checked = 0
    ends: dict[int, tuple[int, str]] = {}
    last_case, last_seq, last_hash = None, 0, GENESIS_HASH
    for event in events:
        if event.case_id != last_case:
            last_case, last_seq, last_hash = event.case_id, 0, GENESIS_HASH
        problem = None
        if event.seq != last_seq + 1:
            problem = f"sequence jumps from {last_seq} to {event.seq} (an event was removed)"
        elif event.prev_hash != last_hash:
            problem = "prev_hash does not match the previous event (changed or removed)"
        elif event.compute_hash() != event.hash:
            problem = "its content does not match its hash (the event was edited)"
        checked += 1
        if problem:
            return checked, BrokenLink(event.case_id, event.seq, problem, event.id), ends
        last_seq, last_hash = event.seq, event.hash
        ends[event.case_id] = (last_seq, last_hash)
    return checked, None, ends
