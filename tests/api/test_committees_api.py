"""Committees through the JSON API: what members read, and their votes by bearer token."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework import clock
from casework.auth.models import ApiToken
from casework.cases.models import CaseEvent
from casework.committees import meetings
from casework.committees.models import CommitteeMembership, Vote
from casework.messages.models import Message
from casework.reporters.models import Reporter
from tests.conftest import csrf_token

REPORT = "Mama Neema was assaulted near the Rubaya checkpoint by two soldiers."
BRIEF = "An assault by armed men near a site checkpoint; the committee decides on trade."
PHONE = "+243991112233"


@pytest.fixture
def bearer(db):
    def make(user) -> dict[str, str]:
        token = secrets.token_urlsafe(32)
        # Voting is a write: a write token (reads need no more than read).
        row = ApiToken(user=user, token_hash=ApiToken.hash(token), scopes="read write")
        db.session.add(row)
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def board(db, make_committee, make_user, make_site):
    """The Masisi committee: a member of each sector (government chairs), and its site."""
    committee = make_committee()
    members = {}
    for sector, name in (("government", "Amani Bisimwa"), ("industry", "Jean Mushagalusa"),
                         ("civil_society", "Furaha Kahindo")):  # fmt: skip
        user = make_user("committee", name=name)
        db.session.add(CommitteeMembership(committee=committee, user=user, sector=sector))
        members[sector] = user
    committee.chair = members["government"]
    db.session.commit()
    return committee, members, make_site()


@pytest.fixture
def meeting(db, board, make_case, make_user):
    """A meeting of the board with one escalated case on its agenda, a proposal put."""
    committee, _, site = board
    case = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC",
                     site=site)  # fmt: skip
    supervisor = make_user("supervisor")
    sitting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(minutes=10), place="Masisi", actor=supervisor
    )
    [item] = sitting.items
    meetings.set_proposal(item, outcome="suspend", rationale="Soldiers tax at the checkpoint.",
                          actor=supervisor)  # fmt: skip
    db.session.commit()
    return sitting, item, case


def _vote(client, item_id, headers=None, **body):
    return client.post(
        f"/api/v1/agenda-items/{item_id}/votes",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers or {},
    )


# ---------------------------------------------------------------- reading


def test_a_member_lists_only_their_committees(client, board, make_committee, make_user, bearer):
    committee, members, _ = board
    make_committee("Comité local de Kalehe", territories="Kalehe", province="Sud-Kivu")
    items = client.get("/api/v1/committees", headers=bearer(members["industry"])).json["items"]
    assert [c["name"] for c in items] == [committee.name]
    supervisor = bearer(make_user("supervisor"))
    assert len(client.get("/api/v1/committees", headers=supervisor).json["items"]) == 2
    officer = bearer(make_user("officer"))
    assert client.get("/api/v1/committees", headers=officer).json["items"] == []


def test_a_member_reads_the_members_by_name_and_sector_without_their_emails(client, board, bearer):
    committee, members, _ = board
    data = client.get(f"/api/v1/committees/{committee.id}", headers=bearer(members["industry"]))
    data = data.json
    assert data["scope"] == "local" and data["territories"] == ["Masisi"]
    assert data["rules"] == {"quorum_percent": 50, "quorum_each_sector": True,
                             "majority_percent": 50}  # fmt: skip
    assert data["chair"] == {"name": "Amani Bisimwa"}
    assert {(m["name"], m["sector"]) for m in data["members"]} == {
        ("Amani Bisimwa", "government"),
        ("Jean Mushagalusa", "industry"),
        ("Furaha Kahindo", "civil_society"),
    }
    assert "@" not in json.dumps(data)


def test_a_supervisor_reads_the_members_emails(client, board, make_user, bearer):
    committee, members, _ = board
    data = client.get(f"/api/v1/committees/{committee.id}", headers=bearer(make_user("supervisor")))
    emails = {m["email"] for m in data.json["members"]}
    assert emails == {u.email for u in members.values()}


def test_a_member_of_another_committee_gets_403_everywhere(
    client, board, meeting, make_committee, make_user, bearer
):
    committee, _, _ = board
    sitting, _, case = meeting
    kalehe = make_committee("Comité local de Kalehe", territories="Kalehe")
    outsider = bearer(make_user("committee", committee=kalehe))
    for url in (
        f"/api/v1/committees/{committee.id}",
        f"/api/v1/committees/{committee.id}/cases",
        f"/api/v1/committees/{committee.id}/meetings",
        f"/api/v1/meetings/{sitting.id}",
        f"/api/v1/cases/{case.reference}/decisions",
    ):
        response = client.get(url, headers=outsider)
        assert response.status_code == 403, url
        assert response.content_type == "application/problem+json"
    assert client.get("/api/v1/meetings/999999", headers=outsider).status_code == 404


def test_a_member_reads_the_cases_before_the_committee_with_the_flagged_decision(
    client, db, board, make_case, decide, bearer
):
    committee, members, site = board
    case = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC",
                     site=site)  # fmt: skip
    decide(case, "suspend")
    make_case(status="closed", committee_id=committee.id, level=2, category="BRB")
    data = client.get(f"/api/v1/committees/{committee.id}/cases",
                      headers=bearer(members["industry"])).json  # fmt: skip
    [entry] = data["items"]
    assert entry["reference"] == case.reference and entry["status"] == "escalated"
    assert entry["level"] == 1 and entry["waits_for"] == "Decision"
    assert entry["decision"] == "suspend" and entry["flagged"] is True
    assert entry["due_dt"] == case.due_dt.isoformat()


def test_a_member_reads_the_meetings_items_votes_and_recusals(client, db, board, meeting, bearer):
    committee, members, _ = board
    sitting, item, case = meeting
    chair = members["government"]
    meetings.record_attendance(sitting, member_ids=committee.member_ids(), actor=chair)
    meetings.add_guest(sitting, name="Neema Riziki", organisation="PACT", sector="civil_society",
                       actor=chair)  # fmt: skip
    db.session.commit()
    headers = bearer(members["industry"])
    assert _vote(client, item.id, bearer(chair), choice="for").status_code == 201
    assert _vote(client, item.id, headers, choice="against").status_code == 201
    assert _vote(client, item.id, bearer(members["civil_society"]), choice="recused",
                 reason="My cooperative trades at this site.").status_code == 201  # fmt: skip

    listed = client.get(f"/api/v1/committees/{committee.id}/meetings", headers=headers).json
    assert [m["id"] for m in listed["items"]] == [sitting.id]
    data = client.get(f"/api/v1/meetings/{sitting.id}", headers=headers).json
    assert data["kind"] == "meeting" and data["status"] == "open" and data["place"] == "Masisi"
    assert data["attendance"]["by_sector"] == {"government": 1, "industry": 1,
                                               "civil_society": 1}  # fmt: skip
    assert data["attendance"]["guests"] == [
        {"name": "Neema Riziki", "organisation": "PACT", "sector": "civil_society"}
    ]
    assert data["quorum"]["holds"] is True
    [entry] = data["items"]
    assert entry["case"] == {"reference": case.reference, "status": "escalated", "level": 1,
                             "is_restricted": False}  # fmt: skip
    assert entry["proposed_outcome"] == "suspend"
    assert entry["rationale"] == "Soldiers tax at the checkpoint."
    assert entry["status"] == "open"
    assert entry["counts"] == {"for": 1, "against": 1, "abstain": 0, "recused": 1}
    assert sorted((v["member"], v["choice"]) for v in entry["votes"]) == [
        ("Amani Bisimwa", "for"),
        ("Jean Mushagalusa", "against"),
    ]
    assert entry["recusals"] == [
        {"member": "Furaha Kahindo", "reason": "My cooperative trades at this site."}
    ]


def test_a_cases_decisions_carry_their_meeting_and_tally(client, board, make_case, decide, bearer):
    committee, members, site = board
    case = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC",
                     site=site)  # fmt: skip
    decision = decide(case, "continue_with_mitigation")
    data = client.get(f"/api/v1/cases/{case.reference}/decisions",
                      headers=bearer(members["industry"])).json  # fmt: skip
    [entry] = data["items"]
    assert entry["outcome"] == "continue_with_mitigation" and entry["is_voted"] is True
    assert entry["meeting_id"] == decision.agenda_item.meeting_id
    assert entry["decided_dt"] == decision.decided_dt.isoformat()
    assert entry["tally"]["votes"]["for"] == sorted(u.name for u in members.values())


# ---------------------------------------------------------------- a restricted case's brief


@pytest.fixture
def restricted(db, board, make_case, decide):
    """An escalated SA-SGBV case before the board, with a reporter, a message and a decision."""
    committee, _, site = board
    reporter = Reporter.for_phone(PHONE)
    case = make_case(status="escalated", committee_id=committee.id, level=1,
                     category="SA-SGBV", site=site, description=REPORT,
                     reporter=reporter)  # fmt: skip
    case.committee_brief = BRIEF
    sid = "SM" + "2" * 32
    message = Message(direction="in", channel="sms", case=case, reporter=reporter,
                      body="Ni mimi Mama Neema, nisaidie", provider_sid=sid)  # fmt: skip
    db.session.add(message)
    db.session.commit()
    decide(case, "suspend")
    return case


def test_a_member_reads_a_restricted_cases_brief_and_decisions_and_nothing_else(
    client, db, board, restricted, bearer
):
    committee, members, _ = board
    member = members["industry"]
    headers = bearer(member)
    listed = client.get(f"/api/v1/committees/{committee.id}/cases", headers=headers)
    [entry] = listed.json["items"]
    assert entry["reference"] == restricted.reference and entry["is_restricted"] is True
    brief_url = f"/api/v1/committees/{committee.id}/cases/{restricted.reference}"
    assert entry["brief_url"] == brief_url and "brief" not in entry
    brief = client.get(brief_url, headers=headers)
    assert brief.json["brief"] == BRIEF
    assert [d["outcome"] for d in brief.json["decisions"]] == ["suspend"]
    decisions = client.get(f"/api/v1/cases/{restricted.reference}/decisions", headers=headers)
    assert [d["outcome"] for d in decisions.json["items"]] == ["suspend"]
    texts = (listed.get_data(as_text=True), brief.get_data(as_text=True),
             decisions.get_data(as_text=True))  # fmt: skip
    for text in texts:
        for secret in (REPORT, "Mama Neema", PHONE[1:], "description", "messages", "reporter",
                       "SA-SGBV"):  # fmt: skip
            assert secret not in text
    assert client.get(f"/api/v1/cases/{restricted.reference}", headers=headers).status_code == 403


def test_listing_the_cases_reads_no_brief_and_reading_one_is_on_its_record(
    client, db, board, restricted, bearer
):
    committee, members, _ = board
    member = members["industry"]
    headers = bearer(member)

    def viewed() -> list[int | None]:
        query = select(CaseEvent).where(
            CaseEvent.case_id == restricted.id, CaseEvent.kind == "brief_viewed"
        )
        return [e.actor_id for e in db.session.scalars(query)]

    for _ in range(3):
        client.get(f"/api/v1/committees/{committee.id}/cases", headers=headers)
    assert viewed() == []
    client.get(f"/api/v1/committees/{committee.id}/cases/{restricted.reference}", headers=headers)
    assert viewed() == [member.id]


def test_a_supervisors_list_names_a_restricted_case_without_its_words(
    client, board, restricted, make_user, bearer
):
    committee, _, _ = board
    headers = bearer(make_user("supervisor"))
    listed = client.get(f"/api/v1/committees/{committee.id}/cases", headers=headers)
    [entry] = listed.json["items"]
    assert entry["reference"] == restricted.reference and entry["category"] == "SA-SGBV"
    assert "title" not in entry and "Mama Neema" not in listed.get_data(as_text=True)


def test_an_officer_may_not_read_a_restricted_cases_decisions(
    client, restricted, make_user, bearer
):
    response = client.get(
        f"/api/v1/cases/{restricted.reference}/decisions", headers=bearer(make_user("officer"))
    )
    assert response.status_code == 403


# ---------------------------------------------------------------- voting


def test_a_member_votes_with_a_bearer_token(client, db, board, meeting, bearer):
    _, members, _ = board
    _, item, _ = meeting
    member = members["industry"]
    response = _vote(client, item.id, bearer(member), choice="for")
    assert response.status_code == 201
    assert response.json["member"] == "Jean Mushagalusa" and response.json["choice"] == "for"
    vote = db.session.scalar(select(Vote).where(Vote.agenda_item_id == item.id))
    assert vote.user_id == member.id and vote.choice == "for"
    assert "Set-Cookie" not in response.headers


def test_voting_twice_keeps_one_vote_the_last(client, db, board, meeting, bearer):
    _, members, _ = board
    _, item, _ = meeting
    headers = bearer(members["industry"])
    assert _vote(client, item.id, headers, choice="for").status_code == 201
    again = _vote(client, item.id, headers, choice="abstain")
    assert again.status_code == 200 and again.json["counts"]["abstain"] == 1
    db.session.expire_all()
    votes = db.session.scalars(select(Vote).where(Vote.agenda_item_id == item.id)).all()
    assert [v.choice for v in votes] == ["abstain"]


def test_a_session_cookie_cannot_vote_through_the_api(login_as, db, board, meeting):
    _, members, _ = board
    _, item, _ = meeting
    client, _ = login_as(user=members["industry"])
    token = csrf_token(client, "/notifications")
    for headers in ({}, {"X-CSRFToken": token}):
        response = _vote(client, item.id, headers, choice="for")
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert "Bearer" in response.headers["WWW-Authenticate"]
    assert db.session.scalars(select(Vote)).all() == []


def test_anonymous_votes_are_refused(client, meeting):
    _, item, _ = meeting
    assert _vote(client, item.id, choice="for").status_code == 401


def test_who_may_not_vote_gets_403_and_a_missing_item_404(
    client, board, meeting, make_user, make_committee, bearer
):
    _, item, _ = meeting
    kalehe = make_committee("Comité local de Kalehe", territories="Kalehe")
    for user in (make_user("committee", committee=kalehe), make_user("supervisor")):
        response = _vote(client, item.id, bearer(user), choice="for")
        assert response.status_code == 403
        assert response.content_type == "application/problem+json"
    _, members, _ = board
    assert _vote(client, 999999, bearer(members["industry"]), choice="for").status_code == 404


def test_a_vote_on_a_closed_item_is_a_409_conflict(client, db, board, meeting, bearer):
    _, members, _ = board
    sitting, item, _ = meeting
    meetings.close_meeting(sitting, actor=members["government"])  # the item is postponed
    db.session.commit()
    response = _vote(client, item.id, bearer(members["industry"]), choice="for")
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.json["detail"] == "The vote on this item is closed."


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"choice": "maybe"}, "Vote for, against, or abstain."),
        ({"choice": "recused"}, "Say what the conflict of interest is"),
        ({"choice": "recused", "reason": "  "}, "Say what the conflict of interest is"),
        ({"choice": 3}, "choice and reason are strings."),
    ],
)
def test_an_invalid_vote_is_a_422_with_the_reason(client, db, board, meeting, bearer, body, detail):
    _, members, _ = board
    _, item, _ = meeting
    response = _vote(client, item.id, bearer(members["industry"]), **body)
    assert response.status_code == 422
    assert response.json["detail"].startswith(detail)
    assert db.session.scalars(select(Vote)).all() == []


def test_a_body_that_is_not_a_json_object_is_a_400(client, board, meeting, bearer):
    _, members, _ = board
    _, item, _ = meeting
    response = client.post(
        f"/api/v1/agenda-items/{item.id}/votes",
        data="choice=for",
        headers=bearer(members["industry"]),
    )
    assert response.status_code == 400
