"""The committee's work reads as sentences on the case's timeline."""

from __future__ import annotations

from casework.committees import meetings, votes
from casework.extensions import db
from tests.cases.test_views import case_url, text_of


def test_a_voted_decision_reads_with_its_counts(login_as, make_case, make_committee, decide):
    committee = make_committee()
    case = make_case(status="escalated", committee_id=committee.id, level=2, category="BRB")
    decide(case, "suspend")
    client, _ = login_as("supervisor")
    html = text_of(client.get(case_url(case)))
    assert "The committee decided by vote at a meeting: Temporarily suspend" in html
    assert "1 for, 0 against, 0 abstained, 0 recused" in html


def test_a_proposal_not_adopted_and_a_written_vote_read_as_sentences(
    login_as, make_case, make_committee, make_user, frozen_now
):
    committee = make_committee()
    member = make_user("committee", committee=committee)
    client, supervisor = login_as("supervisor")
    case = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC")
    written = votes.open_written_vote(
        case, outcome="disengage", rationale="Soldiers tax every bag.", actor=supervisor
    )
    votes.cast_vote(written.items[0], member, "against", actor=member)
    db.session.commit()
    html = text_of(client.get(case_url(case)))
    assert "opened an urgent written vote on &#34;Disengage&#34;" in html or (
        'opened an urgent written vote on "Disengage"' in html
    )
    votes.close_written_vote(written)
    db.session.commit()
    html = text_of(client.get(case_url(case)))
    assert "did not decide: the proposal was not adopted." in html
    assert meetings.cases_before(committee) == [case]


def test_a_decision_to_suspend_is_flagged_on_the_case_page(
    login_as, make_case, make_committee, decide
):
    committee = make_committee()
    case = make_case(status="escalated", committee_id=committee.id, level=2, category="BRB")
    client, _ = login_as("supervisor")
    assert "flag-trade-stopped" not in text_of(client.get(case_url(case)))
    decide(case, "suspend")
    assert "The committee decided: Temporarily suspend." in text_of(client.get(case_url(case)))
