"""One case before a committee through the API (/committees/<id>/cases/<reference>), and
what a meeting's detail gives of a restricted case to an admin: its reference, never what
the committee wrote about it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from casework import clock
from casework.cases.operations import add_action
from casework.committees import meetings, votes
from tests.api import test_committees_api as committees_api

BRIEF = committees_api.BRIEF
bearer = committees_api.bearer  # the fixtures of the committees API tests
board = committees_api.board

RATIONALE = "Soldiers hold women at the checkpoint."
DISCUSSION = "The cooperative took the survivor to the clinic."


@pytest.fixture
def decided(db, board, make_case, make_user):
    """A restricted case before the board with an action, decided at a meeting held an hour
    from now (the clock moved past its start) whose rationale and discussion are recorded."""
    committee, members, site = board
    supervisor = make_user("supervisor")
    case = make_case(status="escalated", committee_id=committee.id, level=1,
                     category="SA-SGBV", site=site)  # fmt: skip
    case.committee_brief = BRIEF
    add_action(case, description="Escort her to the clinic", owner="Maman Riziki",
               due_date=date(2026, 12, 1), actor=supervisor)  # fmt: skip
    sitting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(hours=1), place="Masisi", actor=supervisor
    )
    [item] = sitting.items
    meetings.set_proposal(item, outcome="suspend", rationale=RATIONALE, actor=supervisor)
    meetings.record_attendance(sitting, member_ids=committee.member_ids(), actor=supervisor)
    db.session.commit()
    clock.freeze(clock.now() + timedelta(hours=2))
    for member in members.values():
        votes.cast_vote(item, member, "for", actor=supervisor)
    votes.close_item(item, discussion=DISCUSSION, actor=supervisor)
    db.session.commit()
    return case, sitting


def test_a_member_reads_one_restricted_cases_brief_decisions_and_actions(
    client, frozen_now, board, decided, bearer
):
    committee, members, _ = board
    case, _ = decided
    response = client.get(f"/api/v1/committees/{committee.id}/cases/{case.reference}",
                          headers=bearer(members["industry"]))  # fmt: skip
    data = response.json
    assert response.status_code == 200 and data["brief"] == BRIEF
    assert [d["outcome"] for d in data["decisions"]] == ["suspend"]
    assert data["actions"] == [{"description": "Escort her to the clinic", "owner": "Maman Riziki",
                                "due_date": "2026-12-01", "is_done": False}]  # fmt: skip


def test_a_case_of_another_committee_or_none_is_a_404(
    client, frozen_now, board, decided, make_committee, make_case, bearer
):
    committee, members, _ = board
    other = make_case(status="escalated", committee_id=make_committee("Kalehe").id, level=2)
    headers = bearer(members["industry"])
    for reference in (other.reference, "CW-NONE"):
        response = client.get(f"/api/v1/committees/{committee.id}/cases/{reference}",
                              headers=headers)  # fmt: skip
        assert response.status_code == 404, reference


def test_an_admin_may_not_read_a_restricted_cases_brief(
    client, frozen_now, board, decided, make_user, bearer
):
    committee, _, _ = board
    case, _ = decided
    response = client.get(f"/api/v1/committees/{committee.id}/cases/{case.reference}",
                          headers=bearer(make_user("admin")))  # fmt: skip
    assert response.status_code == 403 and BRIEF not in response.get_data(as_text=True)


def test_an_admins_meeting_detail_gives_a_restricted_case_by_its_reference_only(
    client, frozen_now, decided, make_user, bearer
):
    case, sitting = decided
    response = client.get(f"/api/v1/meetings/{sitting.id}", headers=bearer(make_user("admin")))
    [entry] = response.json["items"]
    assert entry["case"]["reference"] == case.reference and entry["case"]["is_restricted"]
    assert entry["rationale"] is None and entry["discussion"] is None
    text = response.get_data(as_text=True)
    assert RATIONALE not in text and DISCUSSION not in text


def test_a_members_meeting_detail_carries_the_rationale_and_discussion(
    client, frozen_now, board, decided, bearer
):
    _, members, _ = board
    _, sitting = decided
    response = client.get(f"/api/v1/meetings/{sitting.id}", headers=bearer(members["industry"]))
    [entry] = response.json["items"]
    assert entry["rationale"] == RATIONALE and entry["discussion"] == DISCUSSION
    assert entry["counts"] == {"for": 3, "against": 0, "abstain": 0, "recused": 0}
