"""An officer sets how they are told, a supervisor assigns them a case, and the officer
finds the notice in their list, counted in the header, in a real browser."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_an_officer_sets_preferences_then_sees_a_colleagues_assignment(
    page, browser, live_server, db, make_user, make_case
):
    from playwright.sync_api import expect

    from casework.auth.models import User
    from notifications.models import OutboxMessage
    from tests.browser.pages import Header, LoginPage

    officer = make_user("officer", email="amani@example.org", name="Amani Bahati",
                        phone="+243971112233")  # fmt: skip
    make_user("supervisor", email="grace@example.org", name="Grace Mwamba")
    case = make_case(level=2, language="sw")

    # The officer: no email when a case is assigned, an SMS instead, never at night.
    LoginPage(page).log_in("amani@example.org", TEST_PASSWORD)
    header = Header(page)
    expect(header.notifications).to_have_accessible_name("Notifications: none unread")
    settings = header.open_notifications().open_settings()
    settings.choose("A case is assigned to you", email=False, sms=True)
    settings.quiet_hours("21:00", "06:00")
    page.get_by_label("Time zone").select_option("Africa/Kigali")
    settings.save()
    expect(page.get_by_label("A case is assigned to you: by email")).not_to_be_checked()
    expect(page.get_by_label("A case is assigned to you: by SMS")).to_be_checked()

    # The supervisor, in a browser of their own, assigns the case to the officer.
    other = browser.new_context(base_url=live_server, locale="en-GB")
    try:
        supervisor_page = other.new_page()
        queue = LoginPage(supervisor_page).log_in("grace@example.org", TEST_PASSWORD)
        case_page = queue.open_case(case.reference)
        assign = supervisor_page.locator("#assign form")
        assign.get_by_label("Assign to").select_option(label="Amani Bahati (incident officer)")
        assign.get_by_role("button", name="Assign").click()
        expect(case_page.flash()).to_contain_text("Amani Bahati is now assigned to this case.")
    finally:
        other.close()

    # The officer sees it counted in the header, then in the list, and opens it.
    page.reload()
    expect(header.notifications).to_have_text("Notifications (1)")
    expect(header.notifications).to_have_accessible_name("Notifications: 1 unread")
    notices = header.open_notifications()
    expect(notices.unread).to_have_count(1)
    expect(notices.unread).to_contain_text(case.reference)
    notices.open_notice(case.reference)
    expect(page.locator("h1 .ref")).to_have_text(case.reference)
    expect(header.notifications).to_have_accessible_name("Notifications: none unread")

    # What went out followed the settings: an SMS, no email.
    db.session.expire_all()
    user = db.session.get(User, officer.id)
    assert (user.quiet_from, user.quiet_until, user.timezone) == (21, 6, "Africa/Kigali")
    sent = db.session.scalars(
        select(OutboxMessage.channel).where(OutboxMessage.recipient == f"user:{officer.id}")
    ).all()
    assert sent == ["sms"]
