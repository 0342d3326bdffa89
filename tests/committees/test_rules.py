"""The quorum and majority rules (workflows/committees.py) as tables, then recusal on real
rows: who takes part in an item's vote is counted from attendance and votes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework import clock
from casework.committees import meetings, votes
from casework.committees.operations import verdict_text
from tests.committees.bodies import committee_with
from workflows.committees import Rules, majority, quorum

DEFAULT = Rules()
ANY_SECTOR = Rules(quorum_each_sector=False)


def by_sector(government: int, industry: int, civil_society: int) -> dict[str, int]:
    return {"government": government, "industry": industry, "civil_society": civil_society}


def test_the_default_rules_are_more_than_half_present_each_sector_and_more_than_half_cast():
    assert Rules(quorum_percent=50, quorum_each_sector=True, majority_percent=50) == DEFAULT


# members by sector, present by sector, rules -> holds, the reason in words
QUORUM = [
    # more than half: 4 of 8 is not a quorum, 5 of 8 is
    ((3, 3, 2), (2, 1, 1), DEFAULT, False,
     "No quorum: 4 of 8 members take part; 5 are needed."),
    ((3, 3, 2), (2, 2, 1), DEFAULT, True, "Quorum: 5 of 8 members."),
    ((3, 3, 2), (3, 3, 2), DEFAULT, True, "Quorum: 8 of 8 members."),
    ((1, 1, 1), (1, 1, 0), ANY_SECTOR, True, "Quorum: 2 of 3 members."),
    ((1, 1, 1), (1, 0, 0), ANY_SECTOR, False,
     "No quorum: 1 of 3 members take part; 2 are needed."),
    # every sector: a missing one is named, whatever the count
    ((1, 1, 1), (1, 1, 0), DEFAULT, False,
     "No quorum: no member for Civil society takes part; every sector must."),
    ((3, 3, 2), (3, 3, 0), DEFAULT, False,
     "No quorum: no member for Civil society takes part; every sector must."),
    ((1, 1, 1), (1, 0, 0), DEFAULT, False,
     "No quorum: 1 of 3 members take part; 2 are needed, and every sector must take part "
     "(none for Industry, Civil society)."),
    ((2, 2, 2), (0, 0, 0), DEFAULT, False,
     "No quorum: 0 of 6 members take part; 4 are needed, and every sector must take part "
     "(none for Government, Industry, Civil society)."),
    # a sector without members is not required
    ((2, 2, 0), (2, 1, 0), DEFAULT, True, "Quorum: 3 of 4 members."),
    ((2, 2, 0), (1, 1, 0), DEFAULT, False,
     "No quorum: 2 of 4 members take part; 3 are needed."),
    # other shares: the percentage must be exceeded
    ((2, 2, 2), (2, 1, 1), Rules(quorum_percent=66), True, "Quorum: 4 of 6 members."),
    ((2, 2, 2), (2, 1, 1), Rules(quorum_percent=67), False,
     "No quorum: 4 of 6 members take part; 5 are needed."),
    ((2, 2, 1), (1, 0, 0), Rules(quorum_percent=0, quorum_each_sector=False), True,
     "Quorum: 1 of 5 members."),
    ((0, 0, 0), (0, 0, 0), DEFAULT, False, "The committee has no members."),
]  # fmt: skip


@pytest.mark.parametrize(("members", "present", "rules", "holds", "words"), QUORUM)
def test_quorum(app, members, present, rules, holds, words):
    verdict = quorum(by_sector(*members), by_sector(*present), rules)
    assert verdict.holds is holds
    assert verdict_text(verdict) == words


# for, against, abstain, rules -> adopted, the reason in words
MAJORITY = [
    (3, 2, 0, DEFAULT, True, "Adopted: 3 for, 2 against, 0 abstained."),
    (1, 0, 0, DEFAULT, True, "Adopted: 1 for, 0 against, 0 abstained."),
    # a tie is not a majority
    (2, 2, 0, DEFAULT, False, "Not adopted: 2 for, 2 against, 0 abstained."),
    (5, 5, 1, DEFAULT, False, "Not adopted: 5 for, 5 against, 1 abstained."),
    # abstentions are not votes cast
    (2, 1, 5, DEFAULT, True, "Adopted: 2 for, 1 against, 5 abstained."),
    (1, 0, 7, DEFAULT, True, "Adopted: 1 for, 0 against, 7 abstained."),
    (1, 2, 0, DEFAULT, False, "Not adopted: 1 for, 2 against, 0 abstained."),
    # nobody cast a vote: nothing is adopted
    (0, 0, 3, DEFAULT, False, "Not adopted: 0 for, 0 against, 3 abstained."),
    (0, 0, 0, DEFAULT, False, "Not adopted: 0 for, 0 against, 0 abstained."),
    # a two-thirds majority, exceeded or not
    (2, 1, 0, Rules(majority_percent=66), True, "Adopted: 2 for, 1 against, 0 abstained."),
    (2, 1, 0, Rules(majority_percent=67), False, "Not adopted: 2 for, 1 against, 0 abstained."),
    (3, 1, 2, Rules(majority_percent=67), True, "Adopted: 3 for, 1 against, 2 abstained."),
]  # fmt: skip


@pytest.mark.parametrize(("yes", "no", "abstain", "rules", "adopted", "words"), MAJORITY)
def test_majority(app, yes, no, abstain, rules, adopted, words):
    verdict = majority({"for": yes, "against": no, "abstain": abstain}, rules)
    assert verdict.holds is adopted
    assert verdict_text(verdict) == words


# ------------------------------------------------------------------ recusal, on real rows


@pytest.fixture
def sitting(db, make_committee, make_user, make_case, frozen_now):
    """A meeting of a committee with two government, one industry and one civil society
    member, all present, voting on one escalated case."""
    committee, members = committee_with(
        make_committee, make_user, government=2, industry=1, civil_society=1
    )
    chair = members[0]
    make_case(status="escalated", level=2, committee_id=committee.id)
    meeting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(minutes=10), place="Goma", actor=chair
    )
    [item] = meeting.items
    meetings.set_proposal(item, outcome="continue_with_mitigation", rationale="", actor=chair)
    meetings.record_attendance(meeting, member_ids=committee.member_ids(), actor=chair)
    db.session.commit()
    return item, members


def test_a_recused_member_does_not_take_part(db, sitting):
    item, (_gov, gov2, _industry, _civil) = sitting
    votes.cast_vote(item, gov2, "recused", actor=gov2, reason="Owns a share of the pit.")
    assert votes.taking_part(item) == {"government": 1, "industry": 1, "civil_society": 1}
    assert votes.quorum_of(item).holds  # 3 of 4, every sector still there


def test_a_sector_whose_only_member_is_recused_is_not_required_on_that_item(db, sitting):
    """A recused member is out of the item's count altogether: otherwise one conflict of
    interest in a small committee would block every decision on the item."""
    item, (_gov, _gov2, industry, _civil) = sitting
    votes.cast_vote(item, industry, "recused", actor=industry, reason="Buys from the site.")
    verdict = votes.quorum_of(item)
    assert verdict.holds
    assert verdict_text(verdict) == "Quorum: 3 of 3 members."


def test_the_quorum_of_an_item_is_counted_on_the_members_who_may_vote_on_it(db, sitting):
    item, (gov, gov2, _industry, civil) = sitting
    votes.cast_vote(item, gov2, "recused", actor=gov2, reason="Brother of the site chief.")
    votes.cast_vote(item, civil, "recused", actor=civil, reason="Works for the cooperative.")
    assert votes.quorum_of(item).holds  # 2 of the 2 who may vote
    meetings.record_attendance(item.meeting, member_ids={gov.id, gov2.id, civil.id}, actor=gov)
    assert verdict_text(votes.quorum_of(item)).startswith(
        "No quorum: 1 of 2 members take part; 2 are needed"
    )


def test_a_recused_members_choice_is_not_among_the_votes_counted(db, sitting):
    item, (gov, gov2, industry, civil) = sitting
    for member in (gov, industry):
        votes.cast_vote(item, member, "for", actor=member)
    votes.cast_vote(item, civil, "against", actor=civil)
    votes.cast_vote(item, gov2, "recused", actor=gov2, reason="Owns a share of the pit.")
    assert votes.counts(item) == {"for": 2, "against": 1}


def test_in_a_written_vote_only_the_members_who_answered_take_part(
    db, make_committee, make_user, make_case, frozen_now
):
    committee, (gov, industry, civil) = committee_with(make_committee, make_user)
    case = make_case(status="escalated", level=1, committee_id=committee.id)
    meeting = votes.open_written_vote(case, outcome="suspend", rationale="Urgent.", actor=gov)
    [item] = meeting.items
    votes.cast_vote(item, industry, "abstain", actor=industry)
    votes.cast_vote(item, civil, "recused", actor=civil, reason="Related to a guard.")
    assert votes.taking_part(item) == {"industry": 1}  # abstaining is taking part
