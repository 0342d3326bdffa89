"""Two-factor login in Chromium: an officer sets it up from the key the page shows, logs
out, logs in with a code from the app, then with a recovery code; an administrator resets
it and the password alone logs the officer in again."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest

from casework import clock
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_an_officer_sets_up_two_factor_login_and_an_admin_resets_it(
    browser, live_server, make_user, frozen_now
):
    from playwright.sync_api import expect

    from tests.browser.pages import AdminUserPage, Header, LoginPage

    officer = make_user("officer", email="neema@example.org", name="Neema Kahindo")
    admin = make_user("admin", email="admin@example.org", name="Jean Admin")
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # Set up: the key as text, a code computed from it as the phone's app would.
    LoginPage(page).log_in(officer.email, TEST_PASSWORD)
    security = Header(page).open_security()
    expect(security.status).to_contain_text("Off.")
    secret = security.start_set_up()
    codes = security.confirm(pyotp.TOTP(secret).at(clock.now()))
    assert len(codes) == 10 and len(set(codes)) == 10
    page.get_by_role("link", name="I saved them: continue").click()
    expect(Header(page).open_security().status).to_contain_text("On since")
    Header(page).log_out()

    # The password alone is not enough any more; the next code from the app is.
    clock.freeze(frozen_now + timedelta(seconds=30))
    login = LoginPage(page)
    login.enter_password(officer.email, TEST_PASSWORD)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.goto("/cases")
    expect(page).to_have_url(f"{live_server}/login?next=/cases")
    login.log_in_with_code(officer.email, TEST_PASSWORD, pyotp.TOTP(secret).at(clock.now()))
    Header(page).log_out()

    # A recovery code works once.
    login.log_in_with_code(officer.email, TEST_PASSWORD, codes[0])
    expect(page.locator(".flash")).to_contain_text("You logged in with a recovery code. 9 are")
    Header(page).log_out()
    login.enter_password(officer.email, TEST_PASSWORD)
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".error")).to_contain_text("That code is not right, or was used already")

    # The officer lost their phone: an administrator resets the second factor.
    admin_context = browser.new_context(base_url=live_server, locale="en-GB")
    admin_context.set_default_timeout(10_000)
    admin_page = admin_context.new_page()
    LoginPage(admin_page).log_in(admin.email, TEST_PASSWORD)
    AdminUserPage(admin_page).open(officer.id).reset_second_factor()
    expect(admin_page.locator("dt:text-is('Second factor') + dd")).to_have_text("off")
    admin_context.close()

    # Their password alone logs them in again (an officer's role does not require one).
    LoginPage(page).log_in(officer.email, TEST_PASSWORD)
    expect(Header(page).open_security().status).to_contain_text("Off.")
    context.close()
