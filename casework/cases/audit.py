"""Checking the case event hash chains."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from casework.cases.models import GENESIS_HASH, CaseEvent
from casework.extensions import db


@dataclass
class BrokenLink:
    event_id: int
    case_id: int
    seq: int
    problem: str


def verify_chains(batch_size: int = 5000) -> tuple[int, BrokenLink | None]:
    """Walk every chain in (case, seq) order; return events checked and the first break."""
    query = select(CaseEvent).order_by(CaseEvent.case_id, CaseEvent.seq)
    with db.session.scalars(query.execution_options(yield_per=batch_size)) as events:
        return _walk(events)


def _walk(events) -> tuple[int, BrokenLink | None]:
    checked = 0
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
            return checked, BrokenLink(event.id, event.case_id, event.seq, problem)
        last_seq, last_hash = event.seq, event.hash
    return checked, None
