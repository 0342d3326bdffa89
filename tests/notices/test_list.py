"""The notifications list: a user's own notices, newest first, linked to their case, the
unread ones marked and counted in the page header."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from casework import clock
from casework.notices.models import Notice
from tests.conftest import csrf_token


def add_notice(db, user, case=None, *, title="Case CW-TEST is assigned to you", **fields):
    n = db.session.scalar(select(func.count()).select_from(Notice)) or 0
    notice = Notice(
        user_id=user.id,
        case_id=case.id if case is not None else None,
        kind=fields.pop("kind", "assigned"),
        title=title,
        body="",
        dedupe_key=f"test:{n}:{user.id}",
        **fields,
    )
    db.session.add(notice)
    db.session.commit()
    return notice


def header_count(html: str) -> str | None:
    match = re.search(r'class="notices-link[^"]*"[^>]*aria-label="([^"]*)"', html)
    return match.group(1) if match else None


def test_a_user_sees_their_own_notices_newest_first_and_nobody_elses(db, login_as, make_case):
    client, me = login_as("officer")
    _, other = login_as("officer")
    case = make_case()
    add_notice(db, me, case, title="Older notice", created_dt=clock.now() - timedelta(hours=2))
    add_notice(db, me, case, title="Newer notice")
    add_notice(db, other, case, title="Somebody else's notice")
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("Newer notice") < html.index("Older notice")
    assert "Somebody else" not in html
    assert f"Case {case.reference}" in html


def test_the_header_counts_unread_notices_for_the_logged_in_user(db, login_as, make_case):
    client, me = login_as("officer")
    case = make_case()
    html = client.get("/cases").get_data(as_text=True)
    assert header_count(html) == "Notifications: none unread"
    for _ in range(3):
        add_notice(db, me, case)
    add_notice(db, me, case, read_dt=clock.now())
    html = client.get("/cases").get_data(as_text=True)
    assert header_count(html) == "Notifications: 3 unread"
    assert re.search(r"Notifications <span class=\"count\">\(3\)</span>", html)


def test_nobody_is_counted_before_login(client):
    assert "Notifications" not in client.get("/login").get_data(as_text=True)


def test_opening_a_notice_marks_it_read_and_goes_to_its_case(db, login_as, make_case):
    client, me = login_as("officer")
    case = make_case()
    notice = add_notice(db, me, case)
    html = client.get("/notifications").get_data(as_text=True)
    assert 'class="notice unread"' in html
    response = client.post(
        f"/notifications/{notice.id}/open",
        data={"csrf_token": csrf_token(client, "/notifications")},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.reference}")
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_dt is not None
    html = client.get("/notifications").get_data(as_text=True)
    assert 'class="notice unread"' not in html
    assert header_count(html) == "Notifications: none unread"


def test_loading_the_list_marks_nothing_read(db, login_as, make_case):
    client, me = login_as("officer")
    notice = add_notice(db, me, make_case())
    client.get("/notifications")
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_dt is None


def test_another_users_notice_is_404_and_stays_unread(db, login_as, make_case):
    client, _ = login_as("officer")
    _, other = login_as("officer")
    notice = add_notice(db, other, make_case())
    token = csrf_token(client, "/notifications")
    response = client.post(f"/notifications/{notice.id}/open", data={"csrf_token": token})
    assert response.status_code == 404
    assert client.post("/notifications/999999/open", data={"csrf_token": token}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_dt is None


def test_opening_needs_the_csrf_token(db, login_as, make_case):
    client, me = login_as("officer")
    notice = add_notice(db, me, make_case())
    assert client.post(f"/notifications/{notice.id}/open").status_code == 400
    db.session.expire_all()
    assert db.session.get(Notice, notice.id).read_dt is None


def test_mark_all_as_read_marks_only_mine(db, login_as, make_case):
    client, me = login_as("officer")
    _, other = login_as("officer")
    case = make_case()
    mine = [add_notice(db, me, case) for _ in range(2)]
    theirs = add_notice(db, other, case)
    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"csrf_token": token})
    assert response.status_code == 302
    html = client.get("/notifications").get_data(as_text=True)
    assert "2 notifications marked as read." in html
    assert header_count(html) == "Notifications: none unread"
    db.session.expire_all()
    assert all(db.session.get(Notice, n.id).read_dt is not None for n in mine)
    assert db.session.get(Notice, theirs.id).read_dt is None


def test_the_list_pages_by_keyset_without_repeats_or_gaps(db, login_as, make_case):
    client, me = login_as("officer")
    case = make_case()
    start = clock.now()
    for i in range(35):
        # Some share a creation time: the id breaks the tie.
        add_notice(
            db,
            me,
            case,
            title=f"Notice number {i:02d}.",
            created_dt=start + timedelta(minutes=i // 2),
        )
    first = client.get("/notifications").get_data(as_text=True)
    titles = re.findall(r"Notice number (\d\d)\.", first)
    assert len(titles) == 30
    cursor = re.search(r'href="/notifications\?cursor=([^"]+)"', first).group(1)
    second = client.get(f"/notifications?cursor={cursor}").get_data(as_text=True)
    rest = re.findall(r"Notice number (\d\d)\.", second)
    assert len(rest) == 5
    assert sorted(titles + rest) == [f"{i:02d}" for i in range(35)]
    assert titles[0] == "34" and rest[-1] == "00"
    assert client.get("/notifications?cursor=bogus").status_code == 400


def test_a_notice_made_by_a_colleague_shows_in_the_list(db, login_as, make_user, make_case):
    """End to end: a supervisor assigns a case through the case page; the officer sees it."""
    from tests.cases.test_views import submit

    supervisor_client, _ = login_as("supervisor")
    officer_client, officer = login_as("officer")
    case = make_case(level=2)
    url = f"/cases/{case.reference}"
    assert (
        submit(supervisor_client, url, f"{url}/assign", assignee_id=str(officer.id)).status_code
        == 302
    )
    html = officer_client.get("/notifications").get_data(as_text=True)
    assert case.reference in html and 'class="notice unread"' in html
    assert header_count(html) == "Notifications: 1 unread"


def test_a_meeting_invitation_opens_the_meeting_page(db, login_as, make_committee, make_user):
    from datetime import timedelta

    from casework import clock
    from casework.committees import meetings

    committee = make_committee()
    client, member = login_as("committee", committee=committee)
    chair = make_user("supervisor")
    meeting = meetings.schedule_meeting(
        committee, starts_dt=clock.now() + timedelta(days=3), place="Goma", actor=chair
    )
    db.session.commit()
    [notice] = db.session.scalars(select(Notice).where(Notice.user_id == member.id))
    assert notice.kind == "meeting_invitation" and notice.case_id is None
    token = csrf_token(client, "/notifications")
    response = client.post(f"/notifications/{notice.id}/open", data={"csrf_token": token})
    assert response.headers["Location"] == f"/committees/{committee.id}/meetings/{meeting.id}"
