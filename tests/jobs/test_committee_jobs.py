"""``written-votes`` closes urgent written votes at their deadline and tells the committee
the result; ``meeting-reminders`` reminds the members the day before a meeting, once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework.cases import operations as ops
from casework.committees import meetings, votes
from casework.committees.models import Decision, Meeting
from casework.jobs import committees as jobs
from casework.notices.models import Notice
from notifications.models import JobRun
from tests.committees.bodies import committee_with
from tests.jobs.conftest import START, events, notices
from tests.jobs.test_concurrency import twice_at_once

DEADLINE = START + timedelta(hours=72)


@pytest.fixture
def body(make_committee, make_user):
    return committee_with(make_committee, make_user)


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor")


def written_vote(db, case, supervisor, outcome="suspend"):
    meeting = votes.open_written_vote(
        case, outcome=outcome, rationale="Armed men at the pits.", actor=supervisor
    )
    db.session.commit()
    return meeting


def vote(db, meeting, member, choice="for"):
    votes.cast_vote(meeting.items[0], member, choice, actor=member)
    db.session.commit()


def fresh_meeting(db, meeting) -> Meeting:
    db.session.expire_all()
    return db.session.get(Meeting, meeting.id)


def test_a_written_vote_stays_open_until_its_deadline_then_is_the_committees_decision(
    db, at, body, supervisor, make_case
):
    committee, members = body
    case = make_case(status="escalated", level=1, committee_id=committee.id)
    meeting = written_vote(db, case, supervisor)
    for member in members:
        vote(db, meeting, member)

    at(DEADLINE - timedelta(minutes=1))
    assert jobs.close_written_votes() == {"adopted": 0, "not adopted": 0, "lapsed": 0}
    assert fresh_meeting(db, meeting).is_open
    assert db.session.scalars(select(Decision)).all() == []
    assert notices(db, "vote_result") == []

    at(DEADLINE)
    assert jobs.close_written_votes() == {"adopted": 1, "not adopted": 0, "lapsed": 0}
    meeting = fresh_meeting(db, meeting)
    assert meeting.status == "closed" and meeting.closed_dt == DEADLINE
    [item] = meeting.items
    assert item.status == "adopted"
    [decision] = db.session.scalars(select(Decision)).all()
    assert (decision.case_id, decision.outcome, decision.agenda_item_id) == (
        case.id,
        "suspend",
        item.id,
    )
    [event] = events(db, case, "decision")
    assert event.data["result"] == "adopted" and event.data["kind"] == "written"
    assert event.actor_id is None  # the scheduler, not a person


def test_the_members_and_the_supervisors_are_told_the_result_once(
    db, at, body, supervisor, make_case
):
    committee, members = body
    case = make_case(status="escalated", level=1, committee_id=committee.id)
    meeting = written_vote(db, case, supervisor)
    vote(db, meeting, members[0])
    vote(db, meeting, members[1])
    vote(db, meeting, members[2], "against")
    at(DEADLINE + timedelta(minutes=3))
    jobs.close_written_votes()
    jobs.close_written_votes()

    told = notices(db, "vote_result")
    assert sorted(n.user_id for n in told) == sorted([*(m.id for m in members), supervisor.id])
    notice = told[0]
    assert notice.case_id == case.id
    assert case.reference in notice.title and "adopted" in notice.title
    assert "Adopted: 2 for, 1 against, 0 abstained." in notice.body
    assert f"/cases/{case.reference}" in notice.body
    assert case.description not in notice.body  # never the report's words


def test_a_written_vote_too_few_members_answered_lapses_with_the_reason_in_words(
    db, at, body, supervisor, make_case
):
    committee, members = body
    case = make_case(status="escalated", level=1, committee_id=committee.id)
    meeting = written_vote(db, case, supervisor)
    vote(db, meeting, members[0])

    at(DEADLINE)
    assert jobs.close_written_votes() == {"adopted": 0, "not adopted": 0, "lapsed": 1}
    [item] = fresh_meeting(db, meeting).items
    assert item.status == "lapsed"
    assert item.result == (
        "No quorum: 1 of 3 members take part; 2 are needed, "
        "and every sector must take part (none for Industry, Civil society)."
    )
    assert db.session.scalars(select(Decision)).all() == []
    assert events(db, case, "decision") == []
    [event] = events(db, case, "committee_vote")
    assert event.data["result"] == "lapsed"
    notice = notices(db, "vote_result", members[1])[0]
    assert "lapsed" in notice.title
    assert "No quorum: 1 of 3 members take part; 2 are needed" in notice.body


def test_a_restricted_cases_members_are_sent_to_its_brief_and_not_to_the_case(
    db, at, body, supervisor, make_case
):
    committee, members = body
    case = make_case(
        status="escalated",
        level=1,
        category="SA-SGBV",
        committee_id=committee.id,
        committee_brief="Sexual violence at a mine site in Masisi territory.",
    )
    meeting = written_vote(db, case, supervisor)
    for member in members:
        vote(db, meeting, member)
    at(DEADLINE)
    jobs.close_written_votes()

    brief = f"/committees/{committee.id}/cases/{case.reference}"
    member_notice = notices(db, "vote_result", members[0])[0]
    assert member_notice.case_id is None  # the case itself stays closed to them
    assert f"Read the brief: http://casework.test{brief}" in member_notice.body
    assert case.description not in member_notice.body
    supervisors_notice = notices(db, "vote_result", supervisor)[0]
    assert supervisors_notice.case_id == case.id
    assert f"Open the case: http://casework.test/cases/{case.reference}" in supervisors_notice.body


def test_one_written_vote_that_fails_does_not_keep_the_others_from_closing(
    db, at, body, supervisor, make_case, monkeypatch
):
    committee, members = body
    first = make_case(status="escalated", level=1, committee_id=committee.id)
    second = make_case(status="escalated", level=1, committee_id=committee.id)
    broken, sound = written_vote(db, first, supervisor), written_vote(db, second, supervisor)
    for meeting in (broken, sound):
        for member in members:
            vote(db, meeting, member)
    real = votes.close_written_vote

    def failing(meeting):
        if meeting.id == broken.id:
            raise RuntimeError("the database went away")
        return real(meeting)

    monkeypatch.setattr(votes, "close_written_vote", failing)
    at(DEADLINE)
    with pytest.raises(jobs.WrittenVotesFailed):
        jobs.close_written_votes()
    assert fresh_meeting(db, sound).status == "closed"
    assert fresh_meeting(db, broken).is_open

    monkeypatch.setattr(votes, "close_written_vote", real)  # the next run closes it
    assert jobs.close_written_votes() == {"adopted": 1, "not adopted": 0, "lapsed": 0}
    assert fresh_meeting(db, broken).status == "closed"


@pytest.mark.postgres
def test_two_written_vote_runs_at_once_count_each_vote_once(
    app, db, at, body, supervisor, make_case
):
    committee, members = body
    for _ in range(4):
        case = make_case(status="escalated", level=1, committee_id=committee.id)
        meeting = written_vote(db, case, supervisor)
        for member in members:
            vote(db, meeting, member)
    at(DEADLINE)
    results = twice_at_once(app, jobs.close_written_votes)
    assert sum(r["adopted"] for r in results) == 4
    assert len(db.session.scalars(select(Decision)).all()) == 4
    assert len(notices(db, "vote_result")) == 4 * (len(members) + 1)


def test_the_scheduler_runs_the_written_votes_job_by_its_name(
    db, at, body, supervisor, make_case, runner
):
    committee, members = body
    case = make_case(status="escalated", level=1, committee_id=committee.id)
    meeting = written_vote(db, case, supervisor, outcome="continue_with_mitigation")
    for member in members:
        vote(db, meeting, member, "against")
    at(DEADLINE)
    result = runner.invoke(args=["jobs", "run", "written-votes"])
    assert result.exit_code == 0, result.output
    assert "written-votes: ok. adopted 0, not adopted 1, lapsed 0" in result.output
    assert [r.result for r in db.session.scalars(select(JobRun))] == ["ok"]
    assert fresh_meeting(db, meeting).items[0].status == "not_adopted"


# ------------------------------------------------------------------ meeting reminders


def schedule(db, committee, chair, starts):
    meeting = meetings.schedule_meeting(committee, starts_dt=starts, place="Goma", actor=chair)
    db.session.commit()
    return meeting


def reminders(db) -> list[Notice]:
    return notices(db, "meeting_reminder")


def test_the_members_are_reminded_the_day_before_the_meeting_once(db, at, body):
    committee, members = body
    meeting = schedule(db, committee, members[0], START + timedelta(days=3))

    at(START + timedelta(days=2) - timedelta(minutes=1))  # a day and a minute before
    assert jobs.remind_meetings() == {"reminded": 0}
    assert reminders(db) == []
    at(START + timedelta(days=2, minutes=20))
    assert jobs.remind_meetings() == {"reminded": 1}
    at(START + timedelta(days=2, hours=1, minutes=20))
    assert jobs.remind_meetings() == {"reminded": 0}

    told = reminders(db)
    assert sorted(n.user_id for n in told) == sorted(m.id for m in members)
    assert "tomorrow" in told[0].title
    assert f"/committees/{committee.id}/meetings/{meeting.id}" in told[0].body


def test_a_cancelled_meeting_is_not_reminded(db, at, body):
    committee, members = body
    meeting = schedule(db, committee, members[0], START + timedelta(days=3))
    meetings.cancel_meeting(meeting, actor=members[0])
    db.session.commit()
    at(START + timedelta(days=2, hours=1))
    assert jobs.remind_meetings() == {"reminded": 0}
    assert reminders(db) == []


def test_a_meeting_scheduled_less_than_a_day_ahead_is_told_by_its_invitation_alone(db, at, body):
    committee, members = body
    schedule(db, committee, members[0], START + timedelta(hours=20))
    at(START + timedelta(hours=1))
    assert jobs.remind_meetings() == {"reminded": 0}
    assert len(notices(db, "meeting_invitation")) == len(members) - 1  # not the chair who set it


def test_a_meeting_that_has_started_is_not_reminded(db, at, body):
    committee, members = body
    schedule(db, committee, members[0], START + timedelta(days=3))
    at(START + timedelta(days=3, minutes=5))  # the scheduler was down the day before
    assert jobs.remind_meetings() == {"reminded": 0}


def test_a_review_falling_due_after_scheduling_joins_the_agenda_and_restarts_when_reviewed(
    db, at, body, make_case, make_user
):
    committee, (chair, industry, civil) = body
    case = make_case(status="mitigation", level=2, category="BRB", committee_id=committee.id)
    case.due_dt = START + timedelta(days=100)  # its progress review: after the meeting
    db.session.commit()
    meeting = schedule(db, committee, chair, START + timedelta(days=40))
    assert meeting.items == []

    at(START + timedelta(days=1))  # into monitoring: a monthly check, due before the meeting
    ops.fire(case, "monitor", actor=make_user("officer"))
    db.session.commit()
    at(START + timedelta(days=39, hours=1))
    jobs.remind_meetings()
    [item] = fresh_meeting(db, meeting).items
    assert (item.case_id, item.reason) == (case.id, "review")

    at(START + timedelta(days=40, minutes=5))
    meetings.set_proposal(item, outcome="continue_with_mitigation", rationale="On track.",
                          actor=chair)  # fmt: skip
    meetings.record_attendance(
        item.meeting, member_ids={chair.id, industry.id, civil.id}, actor=chair
    )
    for member in (chair, industry, civil):
        votes.cast_vote(item, member, "for", actor=chair)
    votes.close_item(item, actor=chair)
    db.session.commit()
    db.session.refresh(case)
    assert case.due_dt == START + timedelta(days=40, minutes=5) + timedelta(days=30)


def test_a_case_the_chair_took_off_the_agenda_is_not_put_back_by_the_reminder(
    db, at, body, make_case
):
    committee, (chair, _, _) = body
    make_case(status="escalated", level=2, category="BRB", committee_id=committee.id)
    meeting = schedule(db, committee, chair, START + timedelta(days=3))
    [item] = meeting.items
    meetings.remove_item(item, actor=chair)
    db.session.commit()
    at(START + timedelta(days=2, hours=1))
    jobs.remind_meetings()
    assert fresh_meeting(db, meeting).items == []
