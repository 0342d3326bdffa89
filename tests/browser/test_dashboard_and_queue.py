"""A supervisor in a real browser: opens the dashboard and reads its tables, then works the
queue: switches between its views, sorts by deadline, filters by a site's name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_a_supervisor_reads_the_dashboard_and_works_the_queue(
    page, db, make_user, make_case, make_site
):
    from playwright.sync_api import expect

    from casework import clock
    from tests.browser.pages import DashboardPage, LoginPage, QueueViews

    now = clock.now()
    make_user("supervisor", email="furaha@example.org", name="Furaha Mapendo")
    colleague = make_user("supervisor", name="Jean Bosco")
    kalimbi = make_site(code="CD-SK-KAL", name="Kalimbi", province="Sud-Kivu")
    rubaya = make_site()

    def case(title, *, reported_h, due_h, **fields):
        made = make_case(title=title, **fields)
        made.reported_dt = now - timedelta(hours=reported_h)
        made.due_dt = None if due_h is None else now + timedelta(hours=due_h)
        db.session.commit()
        return made.reference

    soon = case("Barrier tax", reported_h=3, due_h=2, category="SEC", level=1, site=kalimbi)
    newest = case("Pit collapse", reported_h=1, due_h=40, category="OHS", level=2, site=rubaya)
    late = case("River silt", reported_h=10, due_h=-5, category="ENV", level=3, site=rubaya)
    closed = case("Old dispute", reported_h=90, due_h=None, status="closed", site=kalimbi)
    to_approve = case(
        "Downgrade asked",
        reported_h=5,
        due_h=20,
        category="TAX",
        level=1,
        site=rubaya,
        pending_level=3,
        pending_level_by_id=colleague.id,
        pending_level_reason="Taxes, not armed groups.",
    )

    LoginPage(page).log_in("furaha@example.org", TEST_PASSWORD)

    dashboard = DashboardPage(page).open_from_header()
    open_table = dashboard.table("Open cases by state and level")
    expect(open_table).to_be_visible()
    received = open_table.get_by_role("row", name="received")
    expect(received.get_by_role("cell")).to_have_text(["2", "1", "1", "0", "1"])  # L1-3, none, late
    expect(dashboard.table("Deadline compliance")).to_be_visible()
    expect(dashboard.table("Median times")).to_be_visible()

    page.locator("header").get_by_role("link", name="Cases", exact=True).click()
    queue = QueueViews(page)
    # Open cases by default, newest first, with a count on each view.
    expect(queue.tab("Open")).to_have_attribute("aria-current", "page")
    expect(queue.references).to_have_text([newest, soon, to_approve, late])
    expect(queue.tab("Open")).to_contain_text("4")
    expect(queue.tab("Closed")).to_contain_text("1")
    expect(page.locator("table.queue")).to_contain_text("Security forces: illegal taxation")

    queue.switch_to("Overdue")
    expect(queue.references).to_have_text([late])
    queue.switch_to("Waiting for me")
    expect(queue.references).to_have_text([to_approve])
    expect(page.locator("table.queue")).to_contain_text("downgrade to Level 3 awaits approval")
    queue.switch_to("Closed")
    expect(queue.references).to_have_text([closed])
    queue.switch_to("Open")

    queue.sort_by("soonest deadline first")
    expect(queue.references).to_have_text([late, soon, to_approve, newest])

    queue.filter_by_site("Kalimbi")
    expect(page.locator("#site-match")).to_contain_text("Kalimbi")
    expect(queue.references).to_have_text([soon])
    expect(queue.tab("Closed")).to_contain_text("1")  # the counts follow the filter
    expect(queue.page.locator("#sort strong")).to_have_text("soonest deadline first")
