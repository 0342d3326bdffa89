"""/admin/log: admins read every administrative change, newest first, a page at a time,
with who, when, what, the target and a readable before → after. Committee changes made
in the browser and on the command line land on it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casework.admin.log import record_admin_change
from casework.admin.models import AdminLogEntry
from tests.cases.test_views import submit, text_of

LOG = "/admin/log"


def entries(db) -> list[AdminLogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AdminLogEntry).order_by(AdminLogEntry.seq)))


def rows_shown(page: str) -> list[int]:
    """The entries' numbers in the order the page lists them."""
    return [int(n) for n in re.findall(r'<tr id="log-(\d+)"', page)]


def test_only_admins_read_the_admin_log(db, client, login_as):
    assert client.get(LOG).status_code == 302  # anonymous: to the login page
    for role in ("supervisor", "officer", "viewer", "committee"):
        other, _ = login_as(role)
        assert other.get(LOG).status_code == 403, role
    admin, _ = login_as("admin")
    assert admin.get(LOG).status_code == 200


def test_committee_changes_in_the_browser_are_logged_with_the_admin_and_shown_as_a_diff(
    db, login_as, make_committee, make_user
):
    committee = make_committee()
    member = make_user("committee", email="aline@example.org", name="Aline Uwase")
    client, admin = login_as("admin", email="root@example.org")
    edit = f"/committees/{committee.id}/edit"
    members = f"/committees/{committee.id}/members"

    keep = {"quorum_each_sector": "y"}  # a checked box (the form reader skips checkboxes)
    assert submit(client, edit, edit, quorum_percent="60", **keep).status_code == 302
    added = submit(client, edit, members, user_id=str(member.id), sector="government")
    assert added.status_code == 302
    assert submit(client, edit, f"{members}/{member.id}", sector="industry").status_code == 302
    assert submit(client, edit, edit, chair_id=str(member.id), **keep).status_code == 302
    assert submit(client, edit, f"{members}/{member.id}/remove").status_code == 302

    logged = entries(db)
    assert [e.action for e in logged] == [
        "committee.update",
        "committee.member_add",
        "committee.member_sector",
        "committee.chair",
        "committee.member_remove",
    ]
    assert {(e.actor_id, e.actor_label) for e in logged} == {(admin.id, "root@example.org")}
    assert {(e.target_type, e.target_id) for e in logged} == {("committee", str(committee.id))}
    assert (logged[0].before, logged[0].after) == ({"quorum_percent": 50}, {"quorum_percent": 60})
    assert logged[4].before == {
        "member": "aline@example.org",
        "sector": "industry",
        "chair": "aline@example.org",
    }

    page = text_of(client.get(LOG))
    assert rows_shown(page) == [5, 4, 3, 2, 1]  # newest first
    first = page[page.index('<tr id="log-1"') :]
    assert "committee changed" in first and "root@example.org" in first
    assert "quorum (%)" in first and "<del><bdi>50</bdi></del> → <ins><bdi>60</bdi></ins>" in first
    assert (
        f'Committees: <a href="/committees/{committee.id}/edit">'
        "<bdi>Comité local de suivi de Masisi</bdi></a>"
    ) in first
    sector = page[page.index('<tr id="log-3"') : page.index('<tr id="log-2"')]
    assert "member's sector changed" in sector
    assert "<del><bdi>government</bdi></del> → <ins><bdi>industry</bdi></ins>" in sector
    assert "aline@example.org" in sector


def test_a_change_that_changes_nothing_is_not_logged(db, login_as, make_committee):
    committee = make_committee()
    client, _ = login_as("admin")
    edit = f"/committees/{committee.id}/edit"
    assert submit(client, edit, edit, quorum_each_sector="y").status_code == 302
    assert entries(db) == []


def test_committee_changes_on_the_command_line_say_so_or_name_the_admin_given(
    db, runner, login_as, make_user
):
    client, admin = login_as("admin", email="root@example.org")
    args = ["committees", "create", "Masisi", "--country", "CD", "--territory", "Masisi"]
    assert runner.invoke(args=args).exit_code == 0
    member = make_user("committee", email="aline@example.org")
    args = ["committees", "add-member", "Masisi", member.email, "--sector", "industry"]
    assert runner.invoke(args=[*args, "--as", admin.email]).exit_code == 0
    args = ["committees", "set-chair", "Masisi", member.email]
    assert runner.invoke(args=args).exit_code == 0

    created, added, chaired = entries(db)
    assert (created.action, created.actor_id, created.actor_label) == (
        "committee.create",
        None,
        "command line",
    )
    assert created.after["territories"] == "Masisi" and created.after["country"] == "CD"
    assert (added.action, added.actor_label) == ("committee.member_add", "root@example.org")
    assert added.after == {"member": "aline@example.org", "sector": "industry"}
    assert (chaired.before, chaired.after) == ({"chair": None}, {"chair": "aline@example.org"})

    page = text_of(client.get(LOG))
    created_row = page[page.index('<tr id="log-1"') :]
    assert "<em>the command line</em>" in created_row
    assert "committee created" in created_row


def test_the_log_is_paged_by_entry_number_and_filtered_by_target_type(db, login_as):
    for n in range(1, 61):
        kind = "site" if n % 3 == 0 else "committee"
        record_admin_change(None, f"{kind}.update", (kind, n, f"{kind} {n}"), after={"n": n})
    db.session.commit()
    client, _ = login_as("admin")

    first = text_of(client.get(LOG))
    assert rows_shown(first) == list(range(60, 10, -1))
    older = re.search(r'href="(/admin/log\?before=\d+)"', first).group(1)
    assert older == "/admin/log?before=11"
    assert rows_shown(text_of(client.get(older))) == list(range(10, 0, -1))

    sites = text_of(client.get(f"{LOG}?type=site"))
    assert rows_shown(sites) == list(range(60, 0, -3))
    assert "Older" not in sites
    older_sites = text_of(client.get(f"{LOG}?type=site&before=30"))
    assert rows_shown(older_sites) == list(range(27, 0, -3))


@pytest.mark.parametrize("anchor", ["99999999999999999999", "-1", "abc", "0", "2147483648"])
def test_an_edited_page_anchor_shows_the_newest_page(db, login_as, anchor):
    record_admin_change(None, "site.update", ("site", 1, "Rubaya"), after={"name": "Rubaya"})
    db.session.commit()
    client, _ = login_as("admin")
    response = client.get(f"{LOG}?before={anchor}")
    assert response.status_code == 200
    assert rows_shown(text_of(response)) == [1]


def test_a_target_type_that_cannot_exist_is_a_400(db, login_as):
    client, _ = login_as("admin")
    assert client.get(f"{LOG}?type=site%27%20OR%201=1").status_code == 400
    assert client.get(f"{LOG}?type=unknown").status_code == 200  # a type with no entries


def test_the_header_links_admins_to_the_log_and_the_sites(db, login_as):
    admin, _ = login_as("admin")
    page = text_of(admin.get("/notifications"))
    assert 'href="/admin/log"' in page and 'href="/admin/sites"' in page
    supervisor, _ = login_as("supervisor")
    page = text_of(supervisor.get("/notifications"))
    assert 'href="/admin/log"' not in page and 'href="/admin/sites"' not in page


def test_token_changes_are_listed_under_users_in_words(db, runner, login_as, make_user):
    user = make_user("officer", email="amani@example.org")
    assert runner.invoke(args=["tokens", "create", user.email]).exit_code == 0
    assert runner.invoke(args=["tokens", "revoke", user.email]).exit_code == 0
    client, _ = login_as("admin")
    page = text_of(client.get(f"{LOG}?type=user"))
    assert rows_shown(page) == [2, 1]
    assert "API token created" in page and "API tokens revoked" in page
    assert f'Users: <a href="/admin/users/{user.id}"><bdi>amani@example.org</bdi></a>' in page
    assert "live tokens (numbers)" in page
    assert rows_shown(text_of(client.get(f"{LOG}?type=committee"))) == []
