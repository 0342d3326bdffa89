"""The queue as people work it: views with counts, two sorts that page correctly, words
for codes, a site picker that finds sites by name, pending downgrades flagged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from casework.extensions import db as _db
from tests.cases.test_views import form_fields, text_of


def listed(html: str) -> list[str]:
    """The references in the queue's table, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'class="ref">([A-Z0-9-]+)<', body)


def tab_counts(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="view-(\w+)"[^>]*>[^<]*<span class="count">([^<]+)<', html))


def next_link(html: str) -> str | None:
    found = re.findall(r'href="(/cases\?[^"]*cursor=[^"]*)" rel="next"', html)
    return found[0].replace("&amp;", "&") if found else None


@pytest.fixture
def dated(make_case, frozen_now):
    """``dated(reported=hours_ago, due=hours_from_now or None, **fields)``."""

    def make(*, reported: float = 0, due: float | None = None, **fields):
        case = make_case(**fields)
        case.reported_dt = frozen_now - timedelta(hours=reported)
        case.due_dt = None if due is None else frozen_now + timedelta(hours=due)
        _db.session.commit()
        return case

    return make


def test_the_queue_opens_on_open_cases_and_counts_each_view(login_as, dated):
    client, officer = login_as("officer")
    late = dated(title="Late", due=-3, assignee_id=officer.id)
    on_time = dated(title="On time", due=30)
    closed = dated(title="Done", status="closed")

    html = text_of(client.get("/cases"))
    assert set(listed(html)) == {late.reference, on_time.reference}
    assert 'id="view-open" aria-current="page"' in html
    assert tab_counts(html) == {
        "open": "2",
        "overdue": "1",
        "waiting": "1",
        "closed": "1",
        "all": "3",
    }

    assert listed(text_of(client.get("/cases?view=overdue"))) == [late.reference]
    assert listed(text_of(client.get("/cases?view=waiting"))) == [late.reference]
    assert listed(text_of(client.get("/cases?view=closed"))) == [closed.reference]
    assert len(listed(text_of(client.get("/cases?view=all")))) == 3
    # An unknown view is the default one, not an error.
    assert set(listed(text_of(client.get("/cases?view=everything")))) == {
        late.reference,
        on_time.reference,
    }


def test_counts_follow_the_other_filters(login_as, dated):
    client, _ = login_as("supervisor")
    dated(category="SEC", level=1, due=-1)
    dated(category="SEC", level=1, status="closed")
    dated(category="TRC", level=3, due=-1)
    html = text_of(client.get("/cases?category=SEC"))
    assert tab_counts(html) == {
        "open": "1",
        "overdue": "1",
        "waiting": "0",
        "closed": "1",
        "all": "2",
    }
    # The tabs keep the filter, and the filter form keeps the view.
    assert 'href="/cases?category=SEC&amp;view=closed"' in html
    assert form_fields(text_of(client.get("/cases?view=closed")), "/cases")["view"] == "closed"


def test_waiting_for_me_holds_a_supervisors_approvals_and_their_own_cases(
    login_as, make_user, dated
):
    client, supervisor = login_as("supervisor")
    colleague = make_user("supervisor")
    to_approve = dated(level=1, pending_level=3, pending_level_by_id=colleague.id)
    asked_by_me = dated(level=1, pending_level=2, pending_level_by_id=supervisor.id)
    mine = dated(assignee_id=supervisor.id)
    dated(title="nobody's")
    dated(assignee_id=supervisor.id, status="closed")

    html = text_of(client.get("/cases?view=waiting"))
    assert set(listed(html)) == {to_approve.reference, mine.reference}
    assert asked_by_me.reference not in listed(html)
    assert tab_counts(html)["waiting"] == "2"


def test_waiting_for_me_holds_a_committee_members_cases_where_the_committee_acts(
    login_as, make_committee, make_user, dated
):
    ours, other = make_committee("Masisi"), make_committee("Walikale")
    member = make_user("committee", committee=ours)
    client, _ = login_as(user=member)
    escalated = dated(status="escalated", committee_id=ours.id, category="SEC", level=1)
    mitigating = dated(status="mitigation", committee_id=ours.id, category="SEC", level=1)
    monitoring = dated(status="monitoring", committee_id=ours.id, category="SEC", level=1)
    dated(status="escalated", committee_id=other.id, category="SEC", level=1)

    waiting = set(listed(text_of(client.get("/cases?view=waiting"))))
    assert waiting == {escalated.reference, mitigating.reference}
    assert monitoring.reference in listed(text_of(client.get("/cases")))


@pytest.mark.parametrize("role", ["admin", "viewer"])
def test_roles_with_nothing_to_do_on_a_case_have_no_waiting_view(login_as, role):
    client, _ = login_as(role)
    html = text_of(client.get("/cases?view=waiting"))
    assert 'id="view-waiting"' not in html
    assert 'id="view-open"' in html


def test_a_viewer_starts_on_every_published_case(login_as, dated):
    client, _ = login_as("viewer")
    open_one = dated(is_published=True, public_summary="Barrier tax reported.")
    closed_one = dated(is_published=True, public_summary="Resolved.", status="closed")
    html = text_of(client.get("/cases"))
    assert set(listed(html)) == {open_one.reference, closed_one.reference}
    assert 'id="view-all" aria-current="page"' in html


def test_sort_by_deadline_puts_the_soonest_first_and_cases_without_one_last(login_as, dated):
    client, _ = login_as("officer")
    later = dated(reported=5, due=48)
    none = dated(reported=1, due=None)
    soon = dated(reported=9, due=2)
    late = dated(reported=3, due=-4)

    assert listed(text_of(client.get("/cases?sort=deadline"))) == [
        late.reference,
        soon.reference,
        later.reference,
        none.reference,
    ]
    html = text_of(client.get("/cases"))  # newest reported first, whatever the ids say
    assert listed(html) == [none.reference, late.reference, later.reference, soon.reference]
    assert "Cases, newest first" in html
    assert "Cases, soonest deadline first" in text_of(client.get("/cases?sort=deadline"))
    # The overdue view starts with the most overdue.
    assert 'aria-current="true">soonest deadline first' in text_of(
        client.get("/cases?view=overdue")
    )


@pytest.mark.parametrize("sort", ["newest", "deadline"])
def test_paging_shows_every_case_once_in_order_in_each_sort(login_as, dated, monkeypatch, sort):
    from casework.cases import queue_views

    monkeypatch.setattr(queue_views, "QUEUE_PAGE_SIZE", 2)
    client, _ = login_as("officer")
    # Ties on both keys, and cases with no deadline, across page boundaries.
    for reported, due in [(1, 5), (1, 5), (2, None), (2, 5), (3, -1), (3, None), (4, 5), (5, 1)]:
        dated(reported=reported, due=due, category="OHS")
    dated(reported=0, due=0.5, category="TRC")  # filtered out

    # One page of 50 holds them all: the pages of 2 must show the same, in the same order.
    monkeypatch.setattr(queue_views, "QUEUE_PAGE_SIZE", 50)
    whole = listed(text_of(client.get(f"/cases?category=OHS&sort={sort}")))
    monkeypatch.setattr(queue_views, "QUEUE_PAGE_SIZE", 2)
    assert len(whole) == 8

    seen, url = [], f"/cases?category=OHS&sort={sort}"
    while url:
        html = text_of(client.get(url))
        page = listed(html)
        assert len(page) <= 2
        seen += page
        url = next_link(html)
        if url:
            assert "category=OHS" in url and f"sort={sort}" in url and "view=open" in url
    assert seen == whole


def test_a_cursor_of_one_sort_is_refused_by_the_other(login_as, dated, monkeypatch):
    from casework.cases import queue_views

    monkeypatch.setattr(queue_views, "QUEUE_PAGE_SIZE", 1)
    client, _ = login_as("officer")
    dated(due=1)
    dated(due=2)
    cursor = re.search(r"cursor=([^&\"]+)", next_link(text_of(client.get("/cases"))) or "")
    assert cursor
    assert client.get(f"/cases?sort=deadline&cursor={cursor.group(1)}").status_code == 400
    assert client.get(f"/cases?sort=newest&cursor={cursor.group(1)}").status_code == 200


def test_the_site_filter_finds_a_site_by_name_or_by_code(login_as, make_site, dated):
    client, _ = login_as("officer")
    kalimbi = make_site(code="CD-SK-KAL", name="Kalimbi", province="Sud-Kivu")
    rubaya = make_site()
    at_kalimbi = dated(site=kalimbi)
    at_rubaya = dated(site=rubaya)
    dated(location_text="Somewhere")

    for text in ("Kalimbi", "kalimbi", "alimb", "CD-SK-KAL", "cd-sk-kal"):
        html = text_of(client.get("/cases", query_string={"site": text}))
        assert listed(html) == [at_kalimbi.reference], text
        assert "Cases at:" in html and "CD-SK-KAL" in html
    html = text_of(client.get("/cases?site=Rubaya"))
    assert listed(html) == [at_rubaya.reference]

    nothing = text_of(client.get("/cases?site=Kamituga"))
    assert listed(nothing) == []
    assert "No mine site has “Kamituga” in its name or as its code." in nothing


def test_the_site_picker_offers_every_site_by_name(login_as, make_site):
    client, _ = login_as("officer")
    make_site(code="CD-SK-KAL", name="Kalimbi", province="Sud-Kivu")
    make_site()
    html = text_of(client.get("/cases"))
    assert 'list="site-list"' in html
    datalist = html.split('<datalist id="site-list">', 1)[1].split("</datalist>", 1)[0]
    assert '<option value="CD-SK-KAL">Kalimbi · Sud-Kivu</option>' in datalist
    assert '<option value="CD-NK-RUB">Rubaya · Nord-Kivu</option>' in datalist
    assert "<script" not in html.split("<main", 1)[-1]  # no inline script (CSP)


def test_category_and_site_are_words_with_the_code_as_a_hint(login_as, make_site, dated):
    client, _ = login_as("officer")
    case = dated(category="SEC", site=make_site())
    html = text_of(client.get("/cases"))
    row = next(r for r in html.split("<tr") if case.reference in r)
    assert 'Security forces: illegal taxation, mining, abuse <small class="code">SEC</small>' in row
    assert 'Rubaya <small class="code">CD-NK-RUB</small>' in row


def test_a_pending_level_1_downgrade_is_flagged_in_the_list(login_as, make_user, dated):
    client, _ = login_as("supervisor")
    pending = dated(level=1, pending_level=3, pending_level_by_id=make_user("supervisor").id)
    plain = dated(level=1)
    rows = {r: r for r in text_of(client.get("/cases")).split("<tr")}
    [pending_row] = [r for r in rows if pending.reference in r]
    [plain_row] = [r for r in rows if plain.reference in r]
    assert "downgrade to Level 3 awaits approval" in pending_row
    assert "awaits approval" not in plain_row


def test_the_export_links_carry_the_view_and_the_export_follows_it(login_as, dated):
    client, _ = login_as("supervisor")
    open_case = dated(category="SEC", level=1)
    closed = dated(category="SEC", level=1, status="closed")
    html = text_of(client.get("/cases?view=closed&category=SEC"))
    [href] = re.findall(r'href="(/cases/export\.csv[^"]*)"', html)
    href = href.replace("&amp;", "&")
    assert "view=closed" in href and "category=SEC" in href
    csv_text = text_of(client.get(href))
    assert closed.reference in csv_text and open_case.reference not in csv_text


def test_the_export_command_takes_a_view_and_a_site_name(runner, make_user, make_site, dated):
    supervisor = make_user("supervisor")
    kalimbi = make_site(code="CD-SK-KAL", name="Kalimbi", province="Sud-Kivu")
    late = dated(due=-2, site=kalimbi)
    dated(due=5, site=kalimbi)
    dated(due=-2, site=make_site())
    result = runner.invoke(
        args=["export", "cases", "--as", supervisor.email, "--view", "overdue", "--site", "kalimbi"]
    )
    assert result.exit_code == 0, result.output
    assert [r.split(",")[0] for r in result.stdout.splitlines()[1:]] == [late.reference]


def test_the_closed_view_has_no_deadline_sort(login_as, dated):
    client, _ = login_as("officer")
    older = dated(reported=5, status="closed")
    newer = dated(reported=1, status="closed")
    html = text_of(client.get("/cases?view=closed&sort=deadline"))
    assert listed(html) == [newer.reference, older.reference]  # no deadline runs once closed
    assert 'id="sort"' not in html


@pytest.mark.parametrize(
    "raw",
    [
        "n:0001-01-01T00:00:00+01:00|5",  # before year 1 once in UTC
        "n:2026-11-02T09:00:00|5",  # no offset
        "n:2026-11-02T09:00:00+00:00|99999999999",  # beyond any row id
        "n:yesterday|5",
        "d:-|0",
        "id:5",  # the old cursors
    ],
)
def test_a_cursor_we_did_not_make_is_a_400_page(login_as, raw):
    import base64

    client, _ = login_as("officer")
    cursor = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    sort = "deadline" if raw.startswith("d:") else "newest"
    response = client.get("/cases", query_string={"cursor": cursor, "sort": sort})
    assert response.status_code == 400
    assert "That link to older cases is not valid" in text_of(response)
