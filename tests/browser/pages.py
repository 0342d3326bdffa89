"""Page helpers: what a user does on each page, in the user's words."""

from __future__ import annotations

from playwright.sync_api import Page, expect


class LoginPage:
    def __init__(self, page: Page):
        self.page = page

    def log_in(self, email: str, password: str) -> QueuePage:
        self.page.goto("/login")
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
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
