"""Page helpers: what a user does on each page, in the user's words."""

from __future__ import annotations

from playwright.sync_api import Page, expect


class LoginPage:
    def __init__(self, page: Page):
        self.page = page

    def log_in(self, email: str, password: str) -> QueuePage:
        self.enter_password(email, password)
        expect(self.page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
        return QueuePage(self.page)

    def enter_password(self, email: str, password: str) -> None:
        self.page.goto("/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()

    def log_in_with_code(self, email: str, password: str, code: str) -> QueuePage:
        """Password, then the second step's code (from the app, or a recovery code)."""
        self.enter_password(email, password)
        expect(self.page.get_by_role("heading", name="Enter your code")).to_be_visible()
        self.page.get_by_label("Code from your authenticator app, or a recovery code").fill(code)
        self.page.get_by_role("button", name="Continue").click()
        expect(self.page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
        return QueuePage(self.page)


class QueuePage:
    def __init__(self, page: Page):
        self.page = page

    def open_case(self, reference: str) -> CasePage:
        self.page.get_by_role("link", name=reference).click()
        expect(self.page.locator("h1 .ref")).to_have_text(reference)
        return CasePage(self.page)


class CasePage:
    def __init__(self, page: Page):
        self.page = page

    @property
    def status(self):
        return self.page.locator("h1 .status")

    def flash(self):
        return self.page.locator(".flash")

    def set_details(self, *, category: str, location: str) -> None:
        form = self.page.locator("#details form")
        form.get_by_label("Risk category").select_option(category)
        form.get_by_label("Location").fill(location)
        form.get_by_role("button", name="Save details").click()
        expect(self.flash()).to_contain_text("The case details are saved.")

    def set_level(self, level: int) -> None:
        form = self.page.locator("#level form")
        form.get_by_label("New level").select_option(str(level))
        form.get_by_role("button", name="Change level").click()
        expect(self.flash()).to_contain_text(f"The case is now Level {level}.")

    def fire(self, label: str) -> None:
        self.page.locator(".next-steps").get_by_role("button", name=label).click()


class Header:
    """The page header every logged-in page shows."""

    def __init__(self, page: Page):
        self.page = page

    @property
    def notifications(self):
        return self.page.locator("header .notices-link")

    def log_out(self) -> None:
        self.page.locator("header").get_by_role("button", name="Log out").click()
        expect(self.page.locator(".flash")).to_contain_text("You are logged out.")

    def open_security(self) -> SecurityPage:
        self.page.locator("header").get_by_role("link", name="Account security").click()
        expect(self.page.get_by_role("heading", name="Account security")).to_be_visible()
        return SecurityPage(self.page)

    def open_notifications(self) -> NotificationsPage:
        self.notifications.click()
        expect(self.page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
        return NotificationsPage(self.page)


class NotificationsPage:
    def __init__(self, page: Page):
        self.page = page

    @property
    def unread(self):
        return self.page.locator(".notices li.unread")

    def open_settings(self) -> NotificationSettingsPage:
        self.page.get_by_role("link", name="Notification settings").click()
        expect(self.page.get_by_role("heading", name="Notification settings")).to_be_visible()
        return NotificationSettingsPage(self.page)

    def open_notice(self, title_part: str) -> CasePage:
        self.page.locator(".notices").get_by_role("button", name=title_part).click()
        expect(self.page.locator("h1 .ref")).to_be_visible()
        return CasePage(self.page)


class NotificationSettingsPage:
    def __init__(self, page: Page):
        self.page = page

    def choose(self, kind_label: str, *, email: bool | None = None, sms: bool | None = None):
        for channel, on in (("email", email), ("SMS", sms)):
            if on is not None:
                self.page.get_by_label(f"{kind_label}: by {channel}").set_checked(on)

    def quiet_hours(self, start: str, end: str) -> None:
        self.page.get_by_label("No SMS from").select_option(label=start)
        self.page.get_by_label("until").select_option(label=end)

    def save(self) -> None:
        self.page.get_by_role("button", name="Save settings").click()
        expect(self.page.locator(".flash")).to_contain_text("Your notification settings are saved.")


class SecurityPage:
    """Account security: setting up two-factor login, recovery codes."""

    def __init__(self, page: Page):
        self.page = page

    @property
    def status(self):
        return self.page.locator("#two-factor .twofactor-status")

    def start_set_up(self) -> str:
        """Begin, and read the key shown for manual entry (as a user would type it)."""
        self.page.get_by_role("button", name="Set up two-factor login").click()
        expect(self.page.locator("#two-factor svg.qr")).to_be_visible()
        return self.page.locator(".totp-secret").inner_text().replace(" ", "")

    def confirm(self, code: str) -> list[str]:
        """Enter the app's code; the recovery codes the page shows this once."""
        self.page.get_by_label("Code").fill(code)
        self.page.get_by_role("button", name="Turn on two-factor login").click()
        expect(self.page.get_by_role("heading", name="Two-factor login is on")).to_be_visible()
        return self.page.locator(".recovery-codes li").all_inner_texts()


class AdminUserPage:
    """An administrator's page for one user account."""

    def __init__(self, page: Page):
        self.page = page

    def open(self, user_id: int) -> AdminUserPage:
        self.page.goto(f"/admin/users/{user_id}")
        return self

    def reset_second_factor(self) -> None:
        self.page.get_by_role("button", name="Reset the second factor").click()
        expect(self.page.locator(".flash")).to_contain_text("second factor")


class QueueViews:
    """The queue's tabs, its sort and its filters, as a user works them."""

    def __init__(self, page: Page):
        self.page = page

    @property
    def references(self):
        return self.page.locator("table.queue tbody .ref")

    def tab(self, name: str):
        return self.page.get_by_role("navigation", name="Views of the queue").get_by_role(
            "link", name=name
        )

    def switch_to(self, name: str) -> None:
        self.tab(name).click()
        expect(self.tab(name)).to_have_attribute("aria-current", "page")

    def sort_by(self, label: str) -> None:
        self.page.locator("#sort").get_by_role("link", name=label).click()
        expect(self.page.locator("#sort strong")).to_have_text(label)

    def filter_by_site(self, text: str) -> None:
        form = self.page.get_by_role("search")
        form.get_by_label("Mine site").fill(text)
        form.get_by_role("button", name="Filter").click()


class DashboardPage:
    def __init__(self, page: Page):
        self.page = page

    def open_from_header(self) -> DashboardPage:
        self.page.locator("header").get_by_role("link", name="Dashboard").click()
        expect(self.page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
        return self

    def table(self, caption: str):
        return self.page.get_by_role("table", name=caption)
