"""A committee's workspace (/committees/<id>) and a restricted case's brief page, read
through the HTTP client as a member, a supervisor or an outsider would."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from casework.cases.models import MitigationAction
from casework.committees import meetings, votes
from tests.cases.test_views import events, has_form, submit, text_of
from tests.committees.bodies import committee_with

REPORT = "SECRET verbatim report: Mama Furaha was attacked behind the washing pond."
TITLE = "Agression de Mama Furaha"
BRIEF = "A woman was assaulted near a washing site in Masisi; the committee is asked to decide."


def row(html: str, row_id: str) -> str:
    """The table row or list item with ``id="row_id"``, as HTML."""
    match = re.search(rf'<(tr|li) id="{re.escape(row_id)}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no row {row_id}"
    return match.group(2)


def words(fragment: str) -> str:
    """Text without tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


@pytest.fixture
def committee(make_committee, make_user):
    committee, _members = committee_with(make_committee, make_user)
    return committee


@pytest.fixture
def member(committee):
    return committee.memberships[1].user


@pytest.fixture
def restricted(make_case, make_site, committee):
    return make_case(
        status="escalated",
        committee_id=committee.id,
        level=1,
        category="SA-SGBV",
        description=REPORT,
        title=TITLE,
        site=make_site(),
        committee_brief=BRIEF,
    )


# ---------------------------------------------------------------- what awaits the committee


def test_a_member_sees_the_cases_before_the_committee_with_what_each_waits_for_and_when(
    db, login_as, make_case, make_committee, committee, member, frozen_now
):
    late = make_case(
        status="escalated",
        committee_id=committee.id,
        level=1,
        category="SEC",
        title="Taxation at Mushaki",
        due_dt=frozen_now - timedelta(days=1),
    )
    mitigating = make_case(
        status="mitigation",
        committee_id=committee.id,
        level=2,
        category="BRB",
        due_dt=frozen_now + timedelta(days=20),
    )
    monitored = make_case(status="monitoring", committee_id=committee.id, level=3, category="TRC")
    closed = make_case(status="closed", committee_id=committee.id, level=2, category="BRB")
    verified = make_case(status="verified", committee_id=committee.id, level=2, category="BRB")
    other = make_committee("Kalehe", territories="Kalehe")
    elsewhere = make_case(status="escalated", committee_id=other.id, level=1, category="SEC")
    client, _ = login_as(user=member)
    page = text_of(client.get(f"/committees/{committee.id}"))
    first = words(row(page, f"case-{late.reference}"))
    assert "Taxation at Mushaki" in first and "Decision" in first and "overdue" in first
    assert "L1" in first
    assert f'href="/cases/{late.reference}"' in row(page, f"case-{late.reference}")
    second = words(row(page, f"case-{mitigating.reference}"))
    assert "Progress review of the mitigation plan" in second and "overdue" not in second
    assert "Monitoring check" in words(row(page, f"case-{monitored.reference}"))
    assert page.index(late.reference) < page.index(mitigating.reference)  # nearest deadline first
    for absent in (closed, verified, elsewhere):
        assert absent.reference not in page


def test_a_case_whose_committee_decided_to_suspend_is_flagged(
    db, login_as, make_case, committee, member, decide
):
    suspended = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC")
    mitigated = make_case(status="escalated", committee_id=committee.id, level=2, category="BRB")
    decide(suspended, "suspend")
    decide(mitigated, "continue_with_mitigation")
    client, _ = login_as(user=member)
    page = text_of(client.get(f"/committees/{committee.id}"))
    assert "Decided: Temporarily suspend" in words(row(page, f"case-{suspended.reference}"))
    assert "Decided:" not in words(row(page, f"case-{mitigated.reference}"))


def test_open_actions_across_the_cases_come_overdue_first_with_owner_and_due_date(
    db, login_as, make_case, committee, member, frozen_now
):
    today = frozen_now.date()
    one = make_case(status="mitigation", committee_id=committee.id, level=2, category="BRB")
    two = make_case(status="monitoring", committee_id=committee.id, level=2, category="TAX")
    gone = make_case(status="closed", committee_id=committee.id, level=2, category="TAX")
    rows = {
        "later": MitigationAction(
            case=one,
            description="Train the cooperative's tag agents",
            owner="COMIKA",
            due_date=today + timedelta(days=10),
        ),
        "late": MitigationAction(
            case=two,
            description="Publish the royalty receipts",
            owner="Division des mines",
            due_date=today - timedelta(days=3),
        ),
        "undated": MitigationAction(case=one, description="Meet the traders", owner="ITSCI"),
        "done": MitigationAction(
            case=two,
            description="Already done",
            owner="X",
            due_date=today - timedelta(days=30),
            is_done=True,
        ),
        "closed": MitigationAction(case=gone, description="Of a closed case", owner="Y"),
    }
    db.session.add_all(rows.values())
    db.session.commit()
    client, _ = login_as(user=member)
    page = text_of(client.get(f"/committees/{committee.id}"))
    late = words(row(page, f"action-{rows['late'].id}"))
    assert "Division des mines" in late and "2026-10-30 · overdue" in late
    assert two.reference in late
    assert "overdue" not in words(row(page, f"action-{rows['later'].id}"))
    order = [page.index(f'id="action-{rows[k].id}"') for k in ("late", "later", "undated")]
    assert order == sorted(order)
    assert "Already done" not in page and "Of a closed case" not in page


def test_meetings_written_votes_and_decisions_are_listed_with_their_links(
    db, login_as, make_case, make_user, committee, member, decide, frozen_now
):
    supervisor = make_user("supervisor")
    urgent = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC")
    decided = make_case(status="escalated", committee_id=committee.id, level=2, category="BRB")
    decide(decided, "continue_with_mitigation")
    coming = meetings.schedule_meeting(
        committee,
        starts_dt=frozen_now + timedelta(days=2),
        place="Goma, bureau de la division",
        actor=supervisor,
    )
    written = votes.open_written_vote(
        urgent, outcome="suspend", rationale="Armed men tax.", actor=supervisor
    )
    held = meetings.schedule_meeting(
        committee, starts_dt=frozen_now + timedelta(minutes=10), place="Sake", actor=supervisor
    )
    meetings.close_meeting(held, actor=supervisor)
    called_off = meetings.schedule_meeting(
        committee, starts_dt=frozen_now + timedelta(days=9), place="Masisi", actor=supervisor
    )
    meetings.cancel_meeting(called_off, actor=supervisor)
    db.session.commit()
    base = f"/committees/{committee.id}"
    client, _ = login_as(user=member)
    page = text_of(client.get(base))
    coming_row = row(page, f"meeting-{coming.id}")
    assert f'href="{base}/meetings/{coming.id}"' in coming_row
    assert "2026-11-04 11:00 (Africa/Lubumbashi)" in coming_row  # in the committee's time zone
    assert "Goma, bureau de la division" in coming_row
    written_row = words(row(page, f"meeting-{written.id}"))
    assert "Written vote, open until 2026-11-05 11:00" in written_row
    assert urgent.reference in written_row and "proposed: Temporarily suspend" in written_row
    assert f'href="{base}/meetings/{held.id}/minutes"' in row(page, f"meeting-{held.id}")
    assert "cancelled" in words(row(page, f"meeting-{called_off.id}"))
    decision = decided.decisions[0]
    decision_row = row(page, f"decision-{decision.id}")
    assert decided.reference in decision_row and "Continue trade while mitigating" in decision_row
    meeting_id = decision.agenda_item.meeting_id
    assert f'href="{base}/meetings/{meeting_id}/minutes"' in decision_row


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_officers_and_viewers_get_403_on_a_workspace(db, login_as, committee, role):
    client, _ = login_as(role)
    assert client.get(f"/committees/{committee.id}").status_code == 403


def test_a_supervisor_sees_any_committee_s_workspace(db, login_as, committee):
    client, _ = login_as("supervisor")
    assert client.get(f"/committees/{committee.id}").status_code == 200


def test_another_committee_s_member_gets_403(db, login_as, make_committee, committee, restricted):
    other = make_committee("Kalehe", territories="Kalehe")
    client, _ = login_as("committee", committee=other)
    assert client.get(f"/committees/{committee.id}").status_code == 403
    brief = f"/committees/{committee.id}/cases/{restricted.reference}"
    assert client.get(brief).status_code == 403
    assert events(restricted, "brief_viewed") == []


# ---------------------------------------------------------------- restricted cases


def test_a_restricted_case_links_a_member_to_its_brief_and_never_shows_its_title(
    db, login_as, committee, member, restricted
):
    client, _ = login_as(user=member)
    page = text_of(client.get(f"/committees/{committee.id}"))
    entry = row(page, f"case-{restricted.reference}")
    assert f'href="/committees/{committee.id}/cases/{restricted.reference}"' in entry
    assert f'href="/cases/{restricted.reference}"' not in page
    assert TITLE not in page and "Mama Furaha" not in page


def test_the_brief_page_shows_the_brief_and_not_the_report_and_is_on_the_record(
    db, login_as, committee, member, restricted, frozen_now
):
    db.session.add(
        MitigationAction(
            case=restricted,
            description="Escort for the survivor's hearing",
            owner="Division du genre",
            due_date=frozen_now.date() + timedelta(days=5),
        )
    )
    db.session.commit()
    client, _ = login_as(user=member)
    response = client.get(f"/committees/{committee.id}/cases/{restricted.reference}")
    assert response.status_code == 200
    page = text_of(response)
    assert BRIEF in page
    assert "Escort for the survivor&#39;s hearing" in page and "Division du genre" in page
    assert "Masisi" in page  # the territory
    for secret in ("SECRET", "Mama Furaha", TITLE, "Rubaya", "CD-NK-RUB"):
        assert secret not in page, secret
    viewed = events(restricted, "brief_viewed")
    assert [e.actor_id for e in viewed] == [member.id]


def test_the_brief_page_shows_the_decisions_with_their_tallies(
    db, login_as, committee, member, restricted, decide
):
    decide(restricted, "suspend", rationale="Suspend purchases from the site until it is safe.")
    client, _ = login_as(user=member)
    page = words(text_of(client.get(f"/committees/{committee.id}/cases/{restricted.reference}")))
    assert "Temporarily suspend" in page and "3 for, 0 against, 0 abstained, 0 recused" in page
    assert "Suspend purchases from the site until it is safe." in page


def test_a_case_without_a_brief_says_a_supervisor_writes_it(
    db, login_as, committee, member, restricted
):
    restricted.committee_brief = ""
    db.session.commit()
    client, _ = login_as(user=member)
    page = text_of(client.get(f"/committees/{committee.id}/cases/{restricted.reference}"))
    assert "No brief yet: a supervisor writes it." in page
    assert "SECRET" not in page


def test_a_supervisor_is_sent_from_the_brief_to_the_case_itself(
    db, login_as, committee, restricted
):
    client, _ = login_as("supervisor")
    response = client.get(f"/committees/{committee.id}/cases/{restricted.reference}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/cases/{restricted.reference}"


def test_a_case_of_another_committee_has_no_brief_here(
    db, login_as, make_case, make_committee, committee, member
):
    other = make_committee("Kalehe", territories="Kalehe")
    theirs = make_case(
        status="escalated",
        committee_id=other.id,
        level=1,
        category="SA-SGBV",
        committee_brief=BRIEF,
    )
    client, _ = login_as(user=member)
    assert client.get(f"/committees/{committee.id}/cases/{theirs.reference}").status_code == 404
    assert client.get(f"/committees/{other.id}/cases/{theirs.reference}").status_code == 403
    assert events(theirs, "brief_viewed") == []


def test_an_admin_sees_a_restricted_case_listed_without_a_link_or_title(
    db, login_as, committee, restricted
):
    client, _ = login_as("admin")
    page = text_of(client.get(f"/committees/{committee.id}"))
    entry = row(page, f"case-{restricted.reference}")
    assert "href=" not in entry and TITLE not in page


# ---------------------------------------------------------------- what the chair starts here


def test_the_chair_is_offered_to_schedule_a_meeting_and_a_member_is_not(
    db, login_as, committee, member
):
    new_meeting = f'href="/committees/{committee.id}/meetings/new"'
    chair_client, _ = login_as(user=committee.chair)
    assert new_meeting in text_of(chair_client.get(f"/committees/{committee.id}"))
    member_client, _ = login_as(user=member)
    assert new_meeting not in text_of(member_client.get(f"/committees/{committee.id}"))


def test_the_chair_opens_a_written_vote_on_a_restricted_case_from_its_brief(
    db, login_as, committee, restricted
):
    client, _ = login_as(user=committee.chair)
    brief = f"/committees/{committee.id}/cases/{restricted.reference}"
    action = f"/committees/{committee.id}/written-votes"
    assert has_form(text_of(client.get(brief)), action)
    refused = submit(client, brief, action, outcome="suspend", rationale="")
    assert refused.status_code == 302 and refused.headers["Location"] == brief
    assert "Check the written vote" in text_of(client.get(brief))
    response = submit(client, brief, action, outcome="suspend", rationale="Stop buying there.")
    assert response.status_code == 302
    opened = events(restricted, "written_vote_opened")
    assert len(opened) == 1 and opened[0].data["proposed_outcome"] == "suspend"
    assert response.headers["Location"] == (
        f"/committees/{committee.id}/meetings/{opened[0].data['meeting_id']}"
    )
