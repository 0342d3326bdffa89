"""Votes at the same moment on PostgreSQL: two members both counted, and one member's
double submission kept as one vote. Each thread has its own application context (its own
session and connection), like two gunicorn workers; a barrier releases them together."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from casework import clock
from casework.auth.models import User
from casework.committees import meetings, votes
from casework.committees.models import AgendaItem, Attendance, Vote
from casework.extensions import db as _db
from tests.committees.bodies import committee_with

pytestmark = pytest.mark.postgres


@pytest.fixture
def sitting(db, make_committee, make_user, make_case, frozen_now):
    """An item put to the vote at a meeting where only the chair is marked present."""
    committee, members = committee_with(make_committee, make_user)
    chair = members[0]
    make_case(status="escalated", level=2, category="BRB", committee_id=committee.id)
    meeting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(minutes=10), place="Goma", actor=chair
    )
    [item] = meeting.items
    meetings.set_proposal(item, outcome="suspend", rationale="Tags sold twice.", actor=chair)
    meetings.record_attendance(meeting, member_ids={chair.id}, actor=chair)
    _db.session.commit()
    return item.id, members


def at_once(app, ballots: list[tuple[int, int, str]], *, stagger: float = 0.0) -> None:
    """Cast each ``(item id, voter id, choice)`` in its own thread, all released together
    (or ``stagger`` seconds apart). Each thread first reads the item, its meeting and who
    is present, as a vote page would, so what it read may be stale when it votes."""
    barrier = threading.Barrier(len(ballots))
    errors: list[BaseException] = []

    def cast(n: int, item_id: int, voter_id: int, choice: str) -> None:
        try:
            with app.app_context():
                item = _db.session.get(AgendaItem, item_id)
                voter = _db.session.get(User, voter_id)
                assert item is not None and voter is not None
                meeting = item.meeting  # held, as a view holds what it checked
                meetings.present_ids(meeting)
                barrier.wait(timeout=10)
                time.sleep(n * stagger)
                votes.cast_vote(item, voter, choice, actor=voter)
                _db.session.commit()
        except BaseException as error:  # surfaced below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=cast, args=(n, *b)) for n, b in enumerate(ballots)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def test_two_members_voting_at_the_same_moment_are_both_counted(app, db, sitting):
    item_id, (chair, industry, civil) = sitting
    at_once(app, [(item_id, industry.id, "for"), (item_id, civil.id, "against")])
    db.session.expire_all()
    item = db.session.get(AgendaItem, item_id)
    assert votes.counts(item) == {"for": 1, "against": 1}
    assert meetings.present_ids(item.meeting) == {chair.id, industry.id, civil.id}


@pytest.mark.parametrize("stagger", [0.0, 0.3], ids=["together", "just-after"])
def test_one_member_submitting_twice_at_once_keeps_one_vote(app, db, sitting, stagger):
    item_id, (_chair, _industry, civil) = sitting
    at_once(app, [(item_id, civil.id, "for"), (item_id, civil.id, "abstain")], stagger=stagger)
    db.session.expire_all()
    rows = db.session.scalars(select(Vote).where(Vote.agenda_item_id == item_id)).all()
    assert len(rows) == 1 and rows[0].user_id == civil.id
    assert rows[0].choice in {"for", "abstain"}  # whichever came second
    present = db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.user_id == civil.id)
    )
    assert present == 1
