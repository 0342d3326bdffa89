"""Votes at a meeting and in writing, through the operations on a real database: the
quorum refuses with its reason, one vote per member, recusals kept, a decision only by a
vote, and the case's record holding the tally."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from casework import clock
from casework.cases import operations as ops
from casework.cases.models import CaseEvent
from casework.committees import meetings, votes
from casework.committees.models import Decision, Vote
from casework.committees.operations import StaleMeeting
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db as _db
from tests.committees.bodies import committee_with
from workflows import GuardFailed


@pytest.fixture
def body(make_committee, make_user, frozen_now):
    """A committee of one government, one industry and one civil society member; the first
    chairs it."""
    return committee_with(make_committee, make_user)


@pytest.fixture
def case(body, make_case):
    committee, _ = body
    return make_case(status="escalated", level=2, category="BRB", committee_id=committee.id)


def sit(committee, chair, *, present=(), outcome="continue_with_mitigation"):
    """A meeting in an hour with the committee's cases on its agenda, the proposal put on
    the first item, and ``present`` marked present; committed."""
    meeting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(minutes=10), place="Goma", actor=chair
    )
    item = meeting.items[0]
    meetings.set_proposal(item, outcome=outcome, rationale="Tags do not match.", actor=chair)
    meetings.record_attendance(meeting, member_ids={u.id for u in present}, actor=chair)
    _db.session.commit()
    return meeting, item


def case_events(case, kind: str) -> list[CaseEvent]:
    return list(
        _db.session.scalars(
            select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
            .order_by(CaseEvent.seq)
        )
    )


def decisions() -> list[Decision]:
    return list(_db.session.scalars(select(Decision)))


# ------------------------------------------------------------------ quorum


def test_an_item_closed_without_quorum_is_refused_with_the_reason_and_nothing_is_decided(
    db, body, case
):
    committee, (gov, _industry, _civil) = body
    _meeting, item = sit(committee, gov, present=[gov])
    votes.cast_vote(item, gov, "for", actor=gov)
    with pytest.raises(InvalidInput) as refused:
        votes.close_item(item, actor=gov)
    assert str(refused.value) == (
        "No quorum: 1 of 3 members take part; 2 are needed, "
        "and every sector must take part (none for Industry, Civil society)."
    )
    db.session.rollback()
    assert item.is_open and decisions() == []
    assert case_events(case, "decision") == case_events(case, "committee_vote") == []


def test_enough_members_but_a_sector_missing_is_refused_naming_the_sector(db, body, case):
    committee, (gov, industry, _civil) = body
    _meeting, item = sit(committee, gov, present=[gov, industry])
    for member in (gov, industry):
        votes.cast_vote(item, member, "for", actor=member)
    with pytest.raises(InvalidInput, match="no member for Civil society takes part"):
        votes.close_item(item, actor=gov)


# ------------------------------------------------------------------ start_mitigation


def plan(case, actor):
    ops.add_action(case, description="Reconcile the tag register", owner="Division des Mines",
                   due_date=clock.now().date() + timedelta(days=30), actor=actor)  # fmt: skip


def vote_all(committee, chair, outcome, choice="for"):
    _meeting, item = sit(committee, chair, present=[m.user for m in committee.memberships],
                        outcome=outcome)  # fmt: skip
    for membership in committee.memberships:
        votes.cast_vote(item, membership.user, choice, actor=membership.user)
    votes.close_item(item, actor=chair)
    _db.session.commit()
    return item


def test_start_mitigation_is_refused_without_a_voted_decision(db, body, case):
    committee, (gov, _industry, _civil) = body
    plan(case, gov)
    # A decision written by hand, without a vote (as before committees voted), is no decision.
    db.session.add(Decision(case_id=case.id, committee_id=committee.id, outcome="suspend"))
    db.session.commit()
    with pytest.raises(GuardFailed, match="quorate meeting or by a written vote"):
        ops.fire(case, "start_mitigation", actor=gov)


def test_start_mitigation_is_refused_when_the_proposal_was_not_adopted(db, body, case):
    committee, (gov, _industry, _civil) = body
    plan(case, gov)
    item = vote_all(committee, gov, "continue_with_mitigation", choice="against")
    assert item.status == "not_adopted" and decisions() == []
    with pytest.raises(GuardFailed, match="has not decided yet"):
        ops.fire(case, "start_mitigation", actor=gov)


def test_start_mitigation_is_refused_after_a_decision_to_disengage(db, body, case):
    committee, (gov, _industry, _civil) = body
    plan(case, gov)
    vote_all(committee, gov, "disengage")
    with pytest.raises(GuardFailed, match="decided to disengage"):
        ops.fire(case, "start_mitigation", actor=gov)
    assert case.status == "escalated"


def test_start_mitigation_follows_an_adopted_decision_to_continue_with_mitigation(db, body, case):
    committee, (gov, _industry, _civil) = body
    plan(case, gov)
    vote_all(committee, gov, "continue_with_mitigation")
    ops.fire(case, "start_mitigation", actor=gov)
    assert case.status == "mitigation"


# ------------------------------------------------------------------ one vote per member


def test_a_member_voting_twice_keeps_one_vote_the_second(db, body, case):
    committee, (gov, industry, civil) = body
    _meeting, item = sit(committee, gov, present=[gov, industry, civil])
    votes.cast_vote(item, industry, "for", actor=industry)
    db.session.commit()
    votes.cast_vote(item, industry, "against", actor=industry)
    db.session.commit()
    rows = db.session.scalars(select(Vote).where(Vote.user_id == industry.id)).all()
    assert [v.choice for v in rows] == ["against"]
    assert votes.counts(item) == {"against": 1}


def test_a_member_voting_at_the_meeting_is_marked_present(db, body, case):
    committee, (gov, _industry, civil) = body
    meeting, item = sit(committee, gov, present=[gov])
    votes.cast_vote(item, civil, "abstain", actor=civil)
    assert meetings.present_ids(meeting) == {gov.id, civil.id}


def test_someone_who_is_not_a_member_cannot_vote(db, body, case, make_committee, make_user):
    committee, (gov, industry, civil) = body
    _meeting, item = sit(committee, gov, present=[gov, industry, civil])
    _other_committee, (outsider, *_) = committee_with(make_committee, make_user, name="Kalehe")
    supervisor = make_user("supervisor")
    for who in (outsider, supervisor):
        with pytest.raises(PermissionDenied, match="Only the committee's members vote"):
            votes.cast_vote(item, who, "for", actor=who)
    assert db.session.scalars(select(Vote)).all() == []


def test_the_chair_records_a_present_members_vote_but_not_an_absent_ones(db, body, case):
    committee, (gov, industry, civil) = body
    _meeting, item = sit(committee, gov, present=[gov, industry])
    vote = votes.cast_vote(item, industry, "for", actor=gov)  # a show of hands
    assert (vote.choice, vote.recorded_by_id) == ("for", gov.id)
    with pytest.raises(InvalidInput, match="Mark the member present"):
        votes.cast_vote(item, civil, "for", actor=gov)


def test_a_member_cannot_vote_for_another(db, body, case):
    committee, (gov, industry, civil) = body
    _meeting, item = sit(committee, gov, present=[gov, industry, civil])
    with pytest.raises(PermissionDenied, match="Members cast their own votes"):
        votes.cast_vote(item, civil, "for", actor=industry)


# ------------------------------------------------------------------ recusal and the record


def test_a_recused_members_vote_is_not_counted_and_their_reason_is_kept(
    db, make_committee, make_user, make_case, frozen_now, runner
):
    committee, (gov, gov2, industry, civil) = committee_with(
        make_committee, make_user, government=2, industry=1, civil_society=1
    )
    case = make_case(status="escalated", level=2, category="BRB", committee_id=committee.id)
    meeting, item = sit(committee, gov, present=[gov, gov2, industry, civil], outcome="suspend")
    meetings.add_guest(meeting, name="Josué Mwamba", organisation="Division des Mines",
                       sector="government", actor=gov)  # fmt: skip
    votes.cast_vote(item, gov2, "against", actor=gov2)
    reason = "My brother runs the trading house that buys the tags."
    votes.cast_vote(item, gov2, "recused", actor=gov2, reason=reason)  # replaces the vote
    votes.cast_vote(item, gov, "for", actor=gov)
    votes.cast_vote(item, industry, "for", actor=industry)
    votes.cast_vote(item, civil, "abstain", actor=civil)
    votes.close_item(item, discussion="Tags sold twice.", actor=gov)
    db.session.commit()

    tally = {
        "members": 4,
        "taking_part": {"government": 1, "industry": 1, "civil_society": 1},
        "votes": {
            "for": sorted([gov.name, industry.name]),
            "against": [],
            "abstain": [civil.name],
        },
        "recused": [{"member": gov2.name, "reason": reason}],
        "present": {"government": 2, "industry": 1, "civil_society": 1},
        "guests": [
            {"name": "Josué Mwamba", "organisation": "Division des Mines", "sector": "government"}
        ],
    }
    [decision] = decisions()
    assert (decision.outcome, decision.tally) == ("suspend", tally)
    assert decision.summary == "Tags do not match.\n\nTags sold twice."
    [event] = case_events(case, "decision")
    assert event.data["tally"] == tally
    assert (event.data["decision_id"], event.data["result"]) == (decision.id, "adopted")
    assert item.result == "Adopted: 2 for, 0 against, 1 abstained."
    # The record is still a sound hash chain.
    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def test_a_recusal_needs_its_reason(db, body, case):
    committee, (gov, industry, civil) = body
    _meeting, item = sit(committee, gov, present=[gov, industry, civil])
    with pytest.raises(InvalidInput, match="conflict of interest"):
        votes.cast_vote(item, civil, "recused", actor=civil, reason="  ")


# ------------------------------------------------------------------ closing, written votes


def test_closing_a_meeting_postpones_its_open_items_for_the_next(db, body, case, make_case):
    committee, (gov, industry, civil) = body
    other = make_case(status="escalated", level=2, category="TAX", committee_id=committee.id)
    meeting, item = sit(committee, gov, present=[gov, industry, civil])
    assert [i.case_id for i in meeting.items] == [case.id, other.id]
    for member in (gov, industry, civil):
        votes.cast_vote(item, member, "for", actor=member)
    votes.close_item(item, actor=gov)
    meetings.close_meeting(meeting, actor=gov)
    db.session.commit()
    assert meeting.status == "closed"
    assert [i.status for i in meeting.items] == ["adopted", "postponed"]
    following = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(days=30), place="Goma", actor=gov
    )
    assert other.id in [i.case_id for i in following.items]


def test_nothing_is_voted_once_the_meeting_is_closed(db, body, case):
    committee, (gov, industry, civil) = body
    meeting, item = sit(committee, gov, present=[gov, industry, civil])
    meetings.close_meeting(meeting, actor=gov)
    with pytest.raises(InvalidInput, match="closed"):
        votes.cast_vote(item, industry, "for", actor=industry)


def test_a_written_vote_is_only_for_a_level_1_case(db, body, case, make_case):
    committee, (gov, _industry, _civil) = body
    with pytest.raises(InvalidInput, match="written procedure is for Level 1 cases"):
        votes.open_written_vote(case, outcome="suspend", rationale="Urgent.", actor=gov)
    urgent = make_case(status="escalated", level=1, category="NSAG", committee_id=committee.id)
    meeting = votes.open_written_vote(urgent, outcome="suspend", rationale="Urgent.", actor=gov)
    assert meeting.is_written and meeting.closes_dt == clock.now() + timedelta(hours=72)


def test_a_written_vote_refuses_a_vote_after_its_deadline(db, body, make_case):
    committee, (gov, industry, _civil) = body
    urgent = make_case(status="escalated", level=1, category="NSAG", committee_id=committee.id)
    meeting = votes.open_written_vote(urgent, outcome="suspend", rationale="Urgent.", actor=gov)
    clock.freeze(meeting.closes_dt)
    with pytest.raises(InvalidInput, match="closed at its deadline"):
        votes.cast_vote(meeting.items[0], industry, "for", actor=industry)


def test_an_attendance_form_loaded_before_a_members_own_vote_keeps_them_present(body, case):
    committee, (chair, industry, civil) = body
    meeting, item = sit(committee, chair, present=(chair, industry))
    loaded = meeting.version
    votes.cast_vote(item, civil, "for", actor=civil)  # on the call: marked present
    _db.session.commit()
    meetings.record_attendance(
        meeting, member_ids={chair.id, industry.id}, actor=chair, expected_version=loaded
    )
    _db.session.commit()
    assert civil.id in meetings.present_ids(meeting)
    assert votes.counts(item)["for"] == 1


def test_each_agenda_or_attendance_change_bumps_the_meeting_version_under_a_frozen_clock(
    body, case
):
    committee, (chair, industry, _) = body
    meeting, _ = sit(committee, chair, present=(chair,))
    before = meeting.version
    meetings.record_attendance(meeting, member_ids={chair.id, industry.id}, actor=chair)
    _db.session.commit()
    assert meeting.version == before + 1
    with pytest.raises(StaleMeeting):
        meetings.record_attendance(
            meeting, member_ids={chair.id}, actor=chair, expected_version=before
        )


def test_votes_at_a_meeting_open_when_it_starts_not_days_ahead(db, body, case):
    committee, (gov, industry, _civil) = body
    meeting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(days=5), place="Goma", actor=gov
    )
    item = meeting.items[0]
    meetings.set_proposal(item, outcome="suspend", rationale="Tags.", actor=gov)
    with pytest.raises(InvalidInput, match="Voting opens when the meeting starts"):
        votes.cast_vote(item, industry, "for", actor=industry)
    votes.cast_vote(item, industry, "recused", actor=industry, reason="Buys there.")  # ahead: ok
    with pytest.raises(InvalidInput, match="Voting opens"):
        votes.close_item(item, actor=gov)


def test_the_chair_cannot_end_or_change_a_written_vote(db, body, make_case):
    committee, (gov, _industry, _civil) = body
    urgent = make_case(status="escalated", level=1, category="NSAG", committee_id=committee.id)
    written = votes.open_written_vote(urgent, outcome="suspend", rationale="Urgent.", actor=gov)
    item = written.items[0]
    for attempt in (
        lambda: votes.close_item(item, actor=gov),
        lambda: votes.postpone_item(item, actor=gov),
        lambda: meetings.remove_item(item, actor=gov),
        lambda: meetings.set_proposal(item, outcome="disengage", rationale="x", actor=gov),
        lambda: meetings.close_meeting(written, actor=gov),
    ):
        with pytest.raises(InvalidInput, match="counted at its deadline"):
            attempt()
    assert item.is_open and written.is_open


def test_the_tally_holds_only_the_votes_that_counted(db, body, case, make_user):
    from casework.committees import operations as committee_ops

    committee, (gov, industry, civil) = body
    _meeting, item = sit(committee, gov, present=[gov, industry, civil])
    for member, choice in ((gov, "for"), (industry, "for"), (civil, "against")):
        votes.cast_vote(item, member, choice, actor=member)
    committee_ops.remove_member(committee, civil, actor=make_user("admin"))  # left before the count
    votes.close_item(item, actor=gov)
    assert item.decision.tally["votes"] == {"for": sorted([gov.name, industry.name]),
                                           "against": [], "abstain": []}  # fmt: skip


def test_cancelling_a_meeting_puts_its_items_back_for_the_next(db, body, case):
    committee, (gov, _industry, _civil) = body
    meeting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(days=5), place="Goma", actor=gov
    )
    meetings.cancel_meeting(meeting, actor=gov)
    assert [i.status for i in meeting.items] == ["postponed"]
    following = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(days=9), place="Goma", actor=gov
    )
    assert [i.case_id for i in following.items] == [case.id]


def test_a_decision_from_before_the_case_was_reopened_does_not_count(db, body, case, make_user):
    committee, (gov, _industry, _civil) = body
    vote_all(committee, gov, "continue_with_mitigation")
    assert case.decision_count == 1
    clock.freeze(clock.now() + timedelta(days=40))
    supervisor = make_user("supervisor")
    ops.fire(case, "close", actor=supervisor, resolution="unresolved")
    ops.fire(case, "reopen", actor=supervisor, reason="The roadblock is back.")
    case.status = "verified"  # triaged and verified again, quickly
    ops.fire(case, "escalate", actor=supervisor, committee_id=committee.id)
    assert case.decision_count == 0
    with pytest.raises(GuardFailed, match="quorate meeting"):
        ops.fire(case, "start_mitigation", actor=supervisor)
