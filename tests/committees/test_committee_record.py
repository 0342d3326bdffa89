"""What the committee wrote about a restricted case stays with those who read it (an admin
sees the reference only), and the minutes of a closed meeting say what was decided then,
whoever has left the committee since."""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from casework import clock
from casework.cases.operations import add_action
from casework.committees import meetings, operations, votes
from casework.committees.models import Meeting
from casework.extensions import db
from tests.cases.test_views import text_of
from tests.committees.meeting_pages import before, board, meeting_url

RATIONALE = "Des militaires rançonnent les femmes au point de contrôle."
DISCUSSION = "La coopérative a reçu la victime; le comité suspend."
ACTION = "Accompagner la survivante au centre de santé de Rubaya"
OWNER = "Maman Riziki, de la coopérative"


def held(committee, members, cases, *, supervisor, discussion: str = "") -> Meeting:
    """A meeting of ``committee`` an hour from now, every member present, each case on its
    agenda proposed for suspension and voted for by all; the clock moved past its start and
    the items closed (adopted), and the meeting."""
    meeting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(hours=1), place="Goma", actor=supervisor
    )
    for case in cases:
        if not any(item.case_id == case.id for item in meeting.items):
            meetings.add_item(meeting, case, actor=supervisor)
    for item in meeting.items:
        meetings.set_proposal(item, outcome="suspend", rationale=RATIONALE, actor=supervisor)
    meetings.record_attendance(meeting, member_ids=committee.member_ids(), actor=supervisor)
    db.session.commit()
    clock.freeze(clock.now() + timedelta(hours=2))
    for item in meeting.items:
        for member in members.values():
            votes.cast_vote(item, member, "for", actor=supervisor)
        votes.close_item(item, discussion=discussion, actor=supervisor)
    meetings.close_meeting(meeting, actor=supervisor)
    db.session.commit()
    return meeting


@pytest.fixture
def restricted(frozen_now, make_committee, make_user, make_case) -> SimpleNamespace:
    """A restricted case before a committee of three, with an action owned by a named
    person, and a meeting that decided on it (rationale and discussion on the record)."""
    committee, members = board(make_committee, make_user)
    supervisor = make_user("supervisor")
    case = before(make_case, committee, category="SA-SGBV", level=1, title="Agression")
    add_action(case, description=ACTION, due_date=date(2026, 12, 1), owner=OWNER,
               actor=supervisor)  # fmt: skip
    meeting = held(committee, members, [case], supervisor=supervisor, discussion=DISCUSSION)
    case.status = "escalated"  # still before the committee: its actions are listed
    db.session.commit()
    return SimpleNamespace(committee=committee, members=members, case=case, meeting=meeting)


# ---------------------------------------------------------------- an admin reads the reference


def test_an_admins_workspace_lists_no_action_of_a_restricted_case(restricted, login_as):
    client, _ = login_as("admin")

    html = text_of(client.get(f"/committees/{restricted.committee.id}"))

    assert restricted.case.reference in html
    assert ACTION not in html and OWNER not in html


def test_a_member_reads_the_restricted_cases_actions_in_the_workspace(restricted, login_as):
    client, _ = login_as(user=restricted.members["industry"])

    html = text_of(client.get(f"/committees/{restricted.committee.id}"))

    assert ACTION in html and OWNER in html


def test_an_admins_meeting_page_gives_a_restricted_case_by_its_reference_only(restricted, login_as):
    client, _ = login_as("admin")

    html = text_of(client.get(meeting_url(restricted.meeting)))

    assert restricted.case.reference in html and "restricted" in html
    assert RATIONALE not in html and DISCUSSION not in html


def test_an_admins_minutes_give_a_restricted_case_by_its_reference_only(restricted, login_as):
    client, _ = login_as("admin")

    html = text_of(client.get(meeting_url(restricted.meeting) + "/minutes"))

    assert restricted.case.reference in html
    for words in (RATIONALE, DISCUSSION, ACTION, OWNER):
        assert words not in html


def test_a_members_minutes_carry_the_rationale_discussion_and_actions(restricted, login_as):
    client, _ = login_as(user=restricted.members["industry"])

    html = text_of(client.get(meeting_url(restricted.meeting) + "/minutes"))

    for words in (RATIONALE, DISCUSSION, ACTION, OWNER):
        assert words in html


# ---------------------------------------------------------------- the record does not move


def test_minutes_still_say_what_was_decided_after_a_member_leaves(
    frozen_now, make_committee, make_user, make_case, login_as
):
    committee, members = board(make_committee, make_user, language="en")
    supervisor = make_user("supervisor")
    case = before(make_case, committee)
    meeting = held(committee, members, [case], supervisor=supervisor)
    client, _ = login_as("supervisor")
    minutes_url = meeting_url(meeting) + "/minutes"
    then = text_of(client.get(minutes_url))
    assert "Adopted: 3 for, 0 against, 0 abstained." in then
    assert "For (3): Claudine Furaha, Gloire Mukendi, Innocent Bahati" in then
    assert "3 of 3 members were present." in then

    leaving = members["industry"]
    operations.remove_member(committee, leaving, actor=make_user("admin"))
    db.session.commit()
    now = text_of(client.get(minutes_url))

    assert "Adopted: 3 for, 0 against, 0 abstained." in now
    assert "For (3): Claudine Furaha, Gloire Mukendi, Innocent Bahati" in now
    assert "3 of 3 members were present." in now
    industry = now.split('<tr data-sector="industry">')[1].split("</tr>")[0]
    assert "Innocent Bahati" in industry  # present then, in the sector they sat for
    page = text_of(client.get(meeting_url(meeting)))
    assert "For: 3 · Against: 0 · Abstain: 0" in page
