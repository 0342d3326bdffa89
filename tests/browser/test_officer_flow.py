"""An officer works a fresh SMS report in a real browser: log in, open it from the
queue, set what triage needs, confirm triage, see the new status."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.browser


def test_officer_triages_a_case_in_the_browser(page, make_user, make_case):
    from playwright.sync_api import expect

    from tests.browser.pages import LoginPage

    make_user("officer", email="amani@example.org", name="Amani Bahati")
    case = make_case(
        description="Bjr. Kwa barrière ya Mushaki, FARDC wanatoza 2000 FC kwa kila sac "
        "ya coltan inayotoka Rubaya.",
        language="sw",
    )

    queue = LoginPage(page).log_in("amani@example.org", TEST_PASSWORD)
    case_page = queue.open_case(case.reference)
    expect(case_page.status).to_have_text("received")
    expect(page.locator(".report-text")).to_have_attribute("lang", "sw")

    # Triage before the details are set: the page says what is missing.
    case_page.fire("Confirm triage")
    expect(page.get_by_role("alert")).to_contain_text("Set a risk category before triage.")
    expect(case_page.status).to_have_text("received")

    case_page.set_details(category="SEC", location="Barrière de Mushaki")
    case_page.set_level(1)
    case_page.fire("Confirm triage")

    expect(case_page.flash()).to_contain_text(f"Case {case.reference} is now triaged.")
    expect(case_page.status).to_have_text("triaged")
    expect(page.locator(".timeline")).to_contain_text(
        "Amani Bahati moved the case from received to triaged (Confirm triage)."
    )
