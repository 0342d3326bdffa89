"""The committee pages and API cost the same number of SQL statements whatever the number
of cases, items, votes and decisions they show: no statement per row."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework import clock
from casework.cases.models import MitigationAction
from casework.committees.models import AgendaItem, Attendance, Decision, Meeting, Vote
from casework.extensions import db
from tests.committees.meeting_pages import before, board
from tests.statements import statements


@pytest.fixture
def sitting(frozen_now, make_committee, make_user, make_site):
    """A committee of three, an open meeting with nobody's attendance yet, a closed one."""
    committee, members = board(make_committee, make_user)
    site = make_site()
    now = clock.now()
    week_ago = now - timedelta(days=7)
    meeting = Meeting(committee=committee, kind="meeting", status="open",
                      starts_dt=now - timedelta(hours=1), place="Goma")  # fmt: skip
    closed = Meeting(committee=committee, kind="meeting", status="closed",
                     starts_dt=week_ago, closed_dt=week_ago)  # fmt: skip
    db.session.add_all([meeting, closed])
    for user in members.values():
        sector = next(m.sector for m in committee.memberships if m.user_id == user.id)
        db.session.add(Attendance(meeting=meeting, user=user, sector=sector))
    db.session.commit()
    return committee, members, meeting, closed, site


def add_cases(sitting, make_case, count: int) -> None:
    """``count`` cases before the committee, each with an action, a decision of the closed
    meeting, and an item on the open meeting that every member voted on."""
    # The test's objects were sent out of the session by `cost`: read them again.
    committee, people, meeting, closed, site = sitting
    committee, meeting, closed, site = (
        db.session.merge(o, load=False) for o in (committee, meeting, closed, site)
    )
    members = {s: db.session.merge(u, load=False) for s, u in people.items()}
    for _ in range(count):
        case = before(make_case, committee, site=site, due_dt=clock.now() + timedelta(days=3))
        case.actions.append(MitigationAction(description="Lever la barrière", owner="FARDC",
                                             due_date=date(2026, 12, 1)))  # fmt: skip
        past = AgendaItem(meeting=closed, case=case, proposed_outcome="suspend",
                          status="adopted", result="Adopted: 3 for.")  # fmt: skip
        db.session.add(past)
        db.session.flush()
        db.session.add(Decision(case_id=case.id, committee_id=committee.id, outcome="suspend",
                                decided_dt=closed.starts_dt, agenda_item=past,
                                tally={"members": 3}))  # fmt: skip
        item = AgendaItem(meeting=meeting, case=case, position=len(meeting.items),
                          proposed_outcome="suspend", rationale="Barrière.")  # fmt: skip
        db.session.add(item)
        for user in members.values():
            db.session.add(Vote(item=item, user=user, choice="for", cast_dt=clock.now()))
    db.session.commit()


def cost(client, url: str) -> int:
    db.session.expunge_all()  # the request loads everything itself, as in production
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(seen)


@pytest.mark.parametrize(
    "page",
    [
        "/committees/{c}",
        "/committees/{c}/meetings/{m}",
        "/committees/{c}/meetings/{m}/minutes",
        "/committees/{c}/meetings/{p}/minutes",
        "/api/v1/meetings/{m}",
        "/api/v1/committees/{c}/cases",
    ],
)
def test_a_committee_page_costs_as_many_statements_for_twelve_rows_as_for_three(
    sitting, make_case, login_as, page
):
    committee, _, meeting, closed, _ = sitting
    url = page.format(c=committee.id, m=meeting.id, p=closed.id)
    client, _ = login_as("supervisor")
    add_cases(sitting, make_case, 3)
    few = cost(client, url)

    add_cases(sitting, make_case, 9)
    many = cost(client, url)

    assert many == few, f"{url}: {few} statements for 3 rows, {many} for 12"
