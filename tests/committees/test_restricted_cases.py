"""Restricted (SA-SGBV) cases and their committee: told of an escalation without the case,
and every read of the case on its record."""

from __future__ import annotations

import secrets

import pytest
from sqlalchemy import select

from casework.auth.models import ApiToken
from casework.cases import operations
from casework.notices.models import Notice
from notifications.models import OutboxMessage
from tests.cases.test_views import case_url, events, text_of

REPORT = "Mama Neema, 0991112233, was assaulted at the Rubaya checkpoint by two soldiers."
BRIEF = "An assault by armed men near a site checkpoint; the committee decides on trade."


@pytest.fixture
def escalated(db, make_case, make_site, make_committee, make_user):
    """A restricted case escalated by a supervisor to a committee with one member."""
    committee = make_committee()
    member = make_user("committee", committee=committee, phone="+243810000031")
    supervisor = make_user("supervisor")
    case = make_case(
        status="verified", category="SA-SGBV", level=1, site=make_site(), description=REPORT
    )
    case.committee_brief = BRIEF
    db.session.commit()
    operations.fire(case, "escalate", actor=supervisor, committee_id=committee.id)
    db.session.commit()
    return case, committee, member


def _messages_to(db, user) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(OutboxMessage.recipient == f"user:{user.id}")
    return list(db.session.scalars(query))


def test_a_member_of_a_restricted_cases_committee_is_told_of_its_escalation(db, escalated):
    case, _, member = escalated
    [notice] = db.session.scalars(select(Notice).where(Notice.user_id == member.id))
    assert notice.kind == "escalated" and case.reference in notice.title
    assert notice.case_id is None  # nothing of the case is attached to it


def test_the_escalation_notice_links_to_the_brief_and_carries_nothing_restricted(db, escalated):
    case, committee, member = escalated
    messages = _messages_to(db, member)
    assert {m.channel for m in messages} == {"email", "sms"}
    email = next(m for m in messages if m.channel == "email")
    brief_url = f"/committees/{committee.id}/cases/{case.reference}"
    assert brief_url in email.body and brief_url in email.html_body
    assert f"casework.test/cases/{case.reference}" not in email.body + email.html_body
    for message in messages:
        text = f"{message.subject or ''} {message.body} {message.html_body or ''}"
        for secret in ("Mama Neema", "0991112233", "SA-SGBV", "assault", "restricted", BRIEF):
            assert secret not in text


def test_the_member_finds_the_notice_in_their_list(escalated, login_as):
    case, _, member = escalated
    client, _ = login_as(user=member)
    assert f"Case {case.reference} is escalated" in text_of(client.get("/notifications"))


def test_a_member_of_an_ordinary_cases_committee_still_gets_the_case_link(
    db, make_case, make_site, make_committee, make_user
):
    committee = make_committee()
    member = make_user("committee", committee=committee)
    case = make_case(status="verified", category="SEC", level=1, site=make_site())
    operations.fire(case, "escalate", actor=make_user("supervisor"), committee_id=committee.id)
    db.session.commit()
    [notice] = db.session.scalars(select(Notice).where(Notice.user_id == member.id))
    assert notice.case_id == case.id
    [email] = [m for m in _messages_to(db, member) if m.channel == "email"]
    assert f"casework.test/cases/{case.reference}" in email.body


# ---------------------------------------------------------------- every read on the record


def test_a_supervisor_opening_a_restricted_case_is_on_its_record(escalated, login_as):
    case, _, _ = escalated
    client, supervisor = login_as("supervisor")
    html = text_of(client.get(case_url(case)))
    [view] = events(case, "restricted_viewed")
    assert view.actor_id == supervisor.id and view.data == {"via": "page"}
    assert f"{supervisor.display_name} opened the case." in html


def test_the_assigned_officer_opening_it_twice_is_recorded_twice(db, escalated, login_as):
    case, _, _ = escalated
    client, officer = login_as("officer")
    case.assignee_id = officer.id
    db.session.commit()
    client.get(case_url(case))
    client.get(case_url(case))
    assert [e.actor_id for e in events(case, "restricted_viewed")] == [officer.id, officer.id]


def test_reading_a_restricted_case_through_the_api_is_on_its_record(
    db, client, escalated, make_user
):
    case, _, _ = escalated
    supervisor = make_user("supervisor")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=supervisor, token_hash=ApiToken.hash(token)))
    db.session.commit()
    response = client.get(
        f"/api/v1/cases/{case.reference}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    [view] = events(case, "restricted_viewed")
    assert view.actor_id == supervisor.id and view.data == {"via": "api"}


def test_opening_an_ordinary_case_records_nothing(login_as, make_case):
    client, _ = login_as("supervisor")
    case = make_case(category="SEC", level=1)
    client.get(case_url(case))
    assert events(case, "restricted_viewed") == []


def test_the_api_list_leaves_a_restricted_report_to_the_recorded_detail(
    db, client, escalated, make_user
):
    case, _, _ = escalated
    supervisor = make_user("supervisor")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=supervisor, token_hash=ApiToken.hash(token)))
    db.session.commit()
    listed = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    [entry] = listed.json["items"]
    assert entry["reference"] == case.reference
    assert entry["description"] is None and entry["title"] is None
    assert "Mama Neema" not in listed.get_data(as_text=True)
    assert events(case, "restricted_viewed") == []


def test_a_member_opening_the_restricted_case_is_sent_to_its_brief(db, escalated, login_as):
    case, committee, member = escalated
    client, _ = login_as(user=member)
    response = client.get(case_url(case))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/committees/{committee.id}/cases/{case.reference}"
    page = text_of(client.get(response.headers["Location"]))
    assert BRIEF in page and "Mama Neema" not in page and "0991112233" not in page
    outsider, _ = login_as("committee")
    assert outsider.get(case_url(case)).status_code == 403
