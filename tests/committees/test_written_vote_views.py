"""The urgent written vote in the browser: opened from a Level 1 case's page by the chair
of its committee or a supervisor, voted online by the members until its deadline."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from casework.committees import votes
from casework.committees.models import Meeting, Vote
from casework.extensions import db as _db
from casework.notices.models import Notice
from tests.cases.test_views import case_url, form_fields, fresh, has_form, text_of
from tests.committees.meeting_pages import before, board, meeting_url, post_form


def _open_url(committee) -> str:
    return f"/committees/{committee.id}/written-votes"


def test_a_supervisor_opens_a_written_vote_from_a_level_1_case(
    frozen_now, login_as, make_committee, make_user, make_case
):
    committee, members = board(make_committee, make_user)
    case = before(make_case, committee, level=1, category="NSAG")
    client, _ = login_as("supervisor")
    assert form_fields(text_of(client.get(case_url(case))), _open_url(committee))["hours"] == "72"

    response = post_form(
        client,
        case_url(case),
        _open_url(committee),
        outcome="suspend",
        rationale="Un groupe armé contrôle le puits.",
    )

    assert response.status_code == 302
    meeting = _db.session.scalars(select(Meeting)).one()
    assert (meeting.kind, meeting.closes_dt) == ("written", datetime(2026, 11, 5, 9, tzinfo=UTC))
    assert response.headers["Location"].endswith(meeting_url(meeting))
    page = text_of(client.get(meeting_url(meeting)))
    assert "2026-11-05 11:00 (Africa/Lubumbashi)" in page  # the deadline, on local time
    assert "Attendance" not in page
    notified = _db.session.scalars(select(Notice.user_id).where(Notice.kind == "written_vote"))
    assert set(notified) == {m.id for m in members.values()}
    # The case page now points to the open vote instead of offering another.
    case_page = text_of(client.get(case_url(case)))
    assert not has_form(case_page, _open_url(committee))
    assert meeting_url(meeting) in case_page


def test_a_level_2_case_offers_no_written_vote_and_one_is_refused(
    login_as, make_committee, make_user, make_case
):
    committee, _ = board(make_committee, make_user)
    case = before(make_case, committee, level=2)
    client, _ = login_as("supervisor")
    level_1 = before(make_case, committee, level=1)
    token = form_fields(text_of(client.get(case_url(level_1))), _open_url(committee))["csrf_token"]
    assert not has_form(text_of(client.get(case_url(case))), _open_url(committee))

    response = client.post(
        _open_url(committee),
        data={"csrf_token": token, "case": case.reference, "outcome": "suspend",
              "rationale": "Urgent.", "hours": "72"},
    )  # fmt: skip

    assert response.status_code == 422
    assert "The written procedure is for Level 1 cases" in text_of(response)
    assert _db.session.scalars(select(Meeting)).first() is None


def test_only_the_chair_or_a_supervisor_may_open_one(
    login_as, make_committee, make_user, make_case
):
    committee, members = board(make_committee, make_user)
    case = before(make_case, committee, level=1)
    chair, _ = login_as(user=members["government"])
    member, _ = login_as(user=members["industry"])
    assert has_form(text_of(chair.get(case_url(case))), _open_url(committee))
    member_page = text_of(member.get(case_url(case)))
    assert not has_form(member_page, _open_url(committee))
    token = form_fields(member_page, f"/cases/{case.reference}/notes")["csrf_token"]

    response = member.post(
        _open_url(committee),
        data={"csrf_token": token, "case": case.reference, "outcome": "suspend",
              "rationale": "Urgent.", "hours": "72"},
    )  # fmt: skip

    assert response.status_code == 403


def test_members_vote_in_writing_and_the_page_shows_who_has_voted(
    frozen_now, login_as, make_committee, make_user, make_case
):
    committee, members = board(make_committee, make_user)
    case = before(make_case, committee, level=1)
    meeting = votes.open_written_vote(
        case, outcome="suspend", rationale="Urgent.", actor=make_user("supervisor")
    )
    _db.session.commit()
    item = meeting.items[0]
    client, member = login_as(user=members["civil_society"])
    page = text_of(client.get(meeting_url(meeting)))
    assert "nobody yet" in page

    response = post_form(
        client, meeting_url(meeting), meeting_url(meeting) + f"/items/{item.id}/vote", choice="for"
    )

    assert response.status_code == 302
    page = text_of(client.get(meeting_url(meeting)))
    assert "Your vote: For" in page
    assert "Voted so far" in page and "Claudine Furaha" in page
    assert [(v.user_id, v.choice) for v in _db.session.scalars(select(Vote))] == [
        (member.id, "for")
    ]


def test_a_written_vote_closed_at_its_deadline_shows_its_decision_on_the_case(
    frozen_now, login_as, make_committee, make_user, make_case
):
    committee, members = board(make_committee, make_user)
    case = before(make_case, committee, level=1)
    meeting = votes.open_written_vote(
        case, outcome="suspend", rationale="Urgent.", actor=make_user("supervisor")
    )
    for member in members.values():
        votes.cast_vote(meeting.items[0], member, "for", actor=member)
    votes.close_written_vote(meeting)
    _db.session.commit()
    client, _ = login_as(user=members["industry"])

    page = text_of(client.get(case_url(fresh(case))))

    assert "Reached by an urgent written vote." in page
    assert "For: 3 · Against: 0 · Abstain: 0" in page
    assert "Adopted: 3 for, 0 against, 0 abstained." in text_of(client.get(meeting_url(meeting)))
    committee.language = "en"
    _db.session.commit()
    minutes = text_of(client.get(meeting_url(meeting) + "/minutes"))
    assert "Members who took part in the written vote" in minutes
    assert "For (3): Claudine Furaha, Gloire Mukendi, Innocent Bahati" in minutes


def test_the_chair_opens_a_written_vote_on_a_restricted_case_from_its_brief(
    login_as, make_committee, make_user, make_case
):
    committee, members = board(make_committee, make_user)
    case = before(make_case, committee, level=1, category="SA-SGBV", committee_brief="Brief.")
    client, _ = login_as(user=members["government"])
    brief = f"/committees/{committee.id}/cases/{case.reference}"
    assert client.get(case_url(case)).headers["Location"] == brief  # the chair reads the brief

    refused = post_form(client, brief, _open_url(committee), outcome="suspend", rationale="")
    assert refused.headers["Location"] == brief
    assert "Give the rationale the members vote on." in text_of(client.get(brief))
    opened = post_form(client, brief, _open_url(committee), outcome="suspend", rationale="Urgent.")

    meeting = _db.session.scalars(select(Meeting)).one()
    assert opened.headers["Location"].endswith(meeting_url(meeting))
