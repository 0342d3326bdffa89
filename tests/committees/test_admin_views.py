"""Committees in the UI: the list, an admin's pages for a committee's scope, rules and
members, and where each role lands after logging in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.committees.models import Committee, CommitteeMembership
from tests.cases.test_views import form_fields, has_form, submit, text_of
from tests.committees.bodies import committee_with
from tests.conftest import csrf_token, login

NEW = "/committees/new"


def committee_named(db, name: str) -> Committee | None:
    db.session.expire_all()
    return db.session.scalar(select(Committee).where(Committee.name == name))


def new_committee(client, **changes):
    fields = form_fields(text_of(client.get(NEW)), NEW)
    fields.update(
        {
            "name": "Comité local de suivi de Walikale",
            "scope": "local",
            "country": "cd",
            "province": "Nord-Kivu",
            "territories": "Walikale; Lubero",
            "time_zone": "Africa/Lubumbashi",
            "language": "sw",
            "quorum_percent": "60",
            "quorum_each_sector": "y",
            "majority_percent": "66",
        }
    )
    fields.update(changes)
    return client.post(NEW, data=fields)


def edit_url(committee) -> str:
    return f"/committees/{committee.id}/edit"


# ---------------------------------------------------------------- the list


def test_admins_and_supervisors_see_every_committee_with_its_scope_chair_and_sectors(
    db, login_as, make_committee, make_user
):
    masisi, members = committee_with(
        make_committee, make_user, government=2, industry=1, civil_society=1
    )
    make_committee(
        "Comité provincial du Sud-Kivu", scope="provincial", province="Sud-Kivu", territories=""
    )
    for role in ("admin", "supervisor"):
        client, _ = login_as(role)
        page = text_of(client.get("/committees"))
        assert "Comité local de suivi de Masisi" in page and "Comité provincial du Sud-Kivu" in page
        assert "Territories: Masisi" in page and "Province: Sud-Kivu" in page
        assert members[0].display_name in page  # the chair
        assert "Government: 2 · Industry: 1 · Civil society: 1" in page
        assert f'href="/committees/{masisi.id}"' in page


def test_a_committee_member_sees_only_their_committees(db, login_as, make_committee):
    mine = make_committee("Masisi")
    make_committee("Kalehe", territories="Kalehe")
    client, _ = login_as("committee", committee=mine)
    page = text_of(client.get("/committees"))
    assert f'href="/committees/{mine.id}"' in page
    assert "Kalehe" not in page
    assert "Create a committee" not in page


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_officers_and_viewers_get_403_on_the_list(db, login_as, role):
    client, _ = login_as(role)
    assert client.get("/committees").status_code == 403


# ---------------------------------------------------------------- creating and editing


def test_an_admin_creates_a_committee_then_lands_on_its_page_to_add_members(db, login_as):
    client, _ = login_as("admin")
    response = new_committee(client)
    assert response.status_code == 302
    committee = committee_named(db, "Comité local de suivi de Walikale")
    assert response.headers["Location"] == edit_url(committee)
    assert (committee.scope, committee.country, committee.province) == ("local", "CD", "Nord-Kivu")
    assert committee.territory_list == ["Walikale", "Lubero"]
    assert (committee.time_zone, committee.language) == ("Africa/Lubumbashi", "sw")
    assert (committee.quorum_percent, committee.quorum_each_sector) == (60, True)
    assert committee.majority_percent == 66
    assert "now add its members" in text_of(client.get(response.headers["Location"]))


def test_a_committee_without_what_it_covers_is_shown_again_with_the_reason(db, login_as):
    client, _ = login_as("admin")
    response = new_committee(client, territories="")
    assert response.status_code == 422
    page = text_of(response)
    assert "A local committee covers territories (districts): give at least one." in page
    assert 'value="Comité local de suivi de Walikale"' in page  # what was typed stays
    assert committee_named(db, "Comité local de suivi de Walikale") is None


def test_a_quorum_that_is_not_a_percentage_is_refused(db, login_as):
    client, _ = login_as("admin")
    response = new_committee(client, quorum_percent="120")
    assert response.status_code == 422
    assert "A share is a percentage from 0 to 99 that must be exceeded." in text_of(response)
    assert committee_named(db, "Comité local de suivi de Walikale") is None


def test_an_admin_changes_the_rules_and_chooses_the_chair_among_the_members(
    db, login_as, make_committee, make_user
):
    committee, members = committee_with(make_committee, make_user, chair=False)
    client, _ = login_as("admin")
    url = edit_url(committee)
    chair = members[1]
    response = submit(
        client,
        url,
        url,
        scope="provincial",
        territories="",
        quorum_percent="40",
        quorum_each_sector="",
        majority_percent="50",
        chair_id=str(chair.id),
    )
    assert response.status_code == 302
    committee = committee_named(db, committee.name)
    assert committee.scope == "provincial" and committee.province == "Nord-Kivu"
    assert committee.territories == ""
    assert (committee.quorum_percent, committee.quorum_each_sector) == (40, False)
    assert committee.chair_id == chair.id


def test_the_chair_is_offered_among_the_members_only(db, login_as, make_committee, make_user):
    committee, members = committee_with(make_committee, make_user, chair=False)
    outsider = make_user("committee")
    client, _ = login_as("admin")
    url = edit_url(committee)
    page = text_of(client.get(url))
    assert all(f'value="{m.id}"' in page for m in members)
    response = submit(client, url, url, chair_id=str(outsider.id))
    assert response.status_code == 422
    assert committee_named(db, committee.name).chair_id is None


def test_another_committee_s_name_is_refused(db, login_as, make_committee):
    make_committee("Comité de Kalehe", territories="Kalehe")
    committee = make_committee()
    client, _ = login_as("admin")
    url = edit_url(committee)
    response = submit(client, url, url, name="comité de kalehe")
    assert response.status_code == 422
    assert "Another committee already has that name." in text_of(response)


# ---------------------------------------------------------------- members


def test_an_admin_adds_a_member_for_a_sector(db, login_as, make_committee, make_user):
    committee = make_committee()
    member = make_user("committee", name="Aline Uwase")
    client, _ = login_as("admin")
    url = edit_url(committee)
    response = submit(
        client, url, f"{url[:-5]}/members", user_id=str(member.id), sector="government"
    )
    assert response.status_code == 302
    assert "Aline Uwase is a member of" in text_of(client.get(url))
    db.session.expire_all()
    membership = db.session.scalar(
        select(CommitteeMembership).where(CommitteeMembership.user_id == member.id)
    )
    assert (membership.committee_id, membership.sector) == (committee.id, "government")


def test_only_committee_members_and_supervisors_are_offered_as_members(
    db, login_as, make_committee, make_user
):
    committee = make_committee()
    offered = [make_user("committee"), make_user("supervisor")]
    not_offered = [
        make_user("officer"),
        make_user("viewer"),
        make_user("committee", is_enabled=False),
    ]
    client, _ = login_as("admin")
    url = edit_url(committee)
    fields_page = text_of(client.get(url))
    add = f"/committees/{committee.id}/members"
    assert has_form(fields_page, add)
    assert all(f'value="{u.id}"' in fields_page for u in offered)
    assert not any(f'value="{u.id}"' in fields_page for u in not_offered)
    response = client.post(
        add,
        data={
            "csrf_token": csrf_token(client, url),
            "user_id": str(not_offered[0].id),
            "sector": "industry",
        },
    )
    assert response.status_code == 422
    assert committee_named(db, committee.name).memberships == []


def test_an_admin_changes_a_member_s_sector(db, login_as, make_committee, make_user):
    committee, members = committee_with(make_committee, make_user)
    client, _ = login_as("admin")
    url, member = edit_url(committee), members[2]
    action = f"/committees/{committee.id}/members/{member.id}"
    response = submit(client, url, action, sector="industry")
    assert response.status_code == 302
    assert f"{member.display_name} sits for Industry." in text_of(client.get(url))
    db.session.expire_all()
    sectors = {m.user_id: m.sector for m in committee_named(db, committee.name).memberships}
    assert sectors[member.id] == "industry"


def test_removing_the_chair_leaves_the_committee_without_one(
    db, login_as, make_committee, make_user
):
    committee, members = committee_with(make_committee, make_user)
    client, _ = login_as("admin")
    url, chair = edit_url(committee), members[0]
    response = submit(client, url, f"/committees/{committee.id}/members/{chair.id}/remove")
    assert response.status_code == 302
    committee = committee_named(db, committee.name)
    assert chair.id not in committee.member_ids() and committee.chair_id is None
    assert len(committee.memberships) == 2


@pytest.mark.parametrize("role", ["supervisor", "committee", "officer"])
def test_only_admins_manage_committees(db, login_as, make_committee, make_user, role):
    committee, members = committee_with(make_committee, make_user)
    client, _ = login_as(role)
    token = csrf_token(client, "/notifications")
    base = f"/committees/{committee.id}"
    assert client.get(NEW).status_code == 403
    assert client.get(f"{base}/edit").status_code == 403
    for path, data in (
        (NEW, {"name": "X", "territories": "X", "country": "CD"}),
        (f"{base}/edit", {"name": "X"}),
        (f"{base}/members", {"user_id": str(members[0].id), "sector": "industry"}),
        (f"{base}/members/{members[0].id}", {"sector": "industry"}),
        (f"{base}/members/{members[0].id}/remove", {}),
    ):
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403, path
    committee = committee_named(db, committee.name)
    assert len(committee.memberships) == 3 and committee.name != "X"


# ---------------------------------------------------------------- landing and navigation


def test_a_member_of_one_committee_lands_in_its_workspace(db, app, make_committee, make_user):
    committee = make_committee()
    member = make_user("committee", committee=committee)
    response = login(app.test_client(), member.email)
    assert response.headers["Location"] == f"/committees/{committee.id}"


def test_a_member_of_several_committees_lands_on_the_list_of_theirs(
    db, app, make_committee, make_user
):
    member = make_user("committee", committee=make_committee())
    db.session.add(CommitteeMembership(committee=make_committee("Kalehe"), user=member))
    db.session.commit()
    client = app.test_client()
    assert login(client, member.email).headers["Location"] == "/committees"
    assert client.get("/").headers["Location"] == "/committees"


def test_officers_still_land_on_the_case_queue(db, app, make_user):
    client = app.test_client()
    assert login(client, make_user("officer").email).headers["Location"] == "/cases"


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("admin", True),
        ("supervisor", True),
        ("committee", True),
        ("officer", False),
        ("viewer", False),
    ],
)
def test_the_committees_link_is_in_the_menu_of_those_who_use_it(db, login_as, role, shown):
    client, _ = login_as(role)
    page = text_of(client.get("/notifications"))
    assert ('href="/committees"' in page) is shown
