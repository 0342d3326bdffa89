"""A committee meeting end to end in real browsers: a supervisor schedules it and marks the
attendance, a member (in a browser of their own) declares a conflict of interest on one
case and votes on the other, the chair records the others' votes and closes both items,
and the minutes show the recusal."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from casework import clock
from casework.committees.models import CommitteeMembership, Meeting
from casework.extensions import db as _db
from tests.committees.meeting_pages import before, board

pytestmark = pytest.mark.browser


def log_in(page, email: str) -> None:
    from playwright.sync_api import expect

    from tests.conftest import TEST_PASSWORD

    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    context.set_default_timeout(10_000)
    return context.new_page()


def item_card(page, case):
    return page.locator(f'.agenda-item[data-case="{case.reference}"]')


def record_vote(page, case, member: str, choice: str) -> None:
    from playwright.sync_api import expect

    card = item_card(page, case)
    card.get_by_text("Record a present member").click()
    card.get_by_label("Member").select_option(label=member)
    card.get_by_label("Vote", exact=True).select_option(choice)
    card.get_by_role("button", name="Record the vote").click()
    expect(page.locator(".flash")).to_contain_text("vote is recorded")


def close_item(page, case, summary: str) -> None:
    card = item_card(page, case)
    card.get_by_text("Close the vote on this item").click()
    card.get_by_label("Summary of the discussion").fill(summary)
    card.get_by_role("button", name="Close the vote").click()


def test_a_committee_meets_votes_with_a_recusal_and_prints_its_minutes(
    page, browser, live_server, make_committee, make_user, make_case, frozen_now
):
    from playwright.sync_api import expect

    committee, members = board(make_committee, make_user, language="en")  # minutes' language
    # A second industry member, so that the industry sector still takes part in a vote
    # on which the first is recused.
    josue = make_user("committee", name="Josué Mapendo")
    _db.session.add(CommitteeMembership(committee=committee, user=josue, sector="industry"))
    _db.session.commit()
    barrier = before(make_case, committee)
    children = before(make_case, committee, title="Enfants au puits de Kalimbi", category="CHL")
    make_user("supervisor", email="sifa@example.org", name="Sifa Kahindo")

    # The supervisor schedules the meeting; the agenda proposes both cases.
    log_in(page, "sifa@example.org")
    page.goto(f"/committees/{committee.id}/meetings/new")
    expect(page.get_by_text("Africa/Lubumbashi")).to_be_visible()
    page.get_by_label("Date").fill((date.today() + timedelta(days=1)).isoformat())
    page.get_by_label("Time").fill("10:00")
    page.get_by_label("Place").fill("Goma, Division des mines")
    page.get_by_role("button", name="Schedule the meeting").click()
    expect(page.locator(".flash")).to_contain_text("The meeting is scheduled")
    expect(page.locator(".agenda-item")).to_have_count(2)
    expect(item_card(page, barrier)).to_contain_text(barrier.title)
    expect(item_card(page, children)).to_contain_text("Enfants au puits de Kalimbi")
    meeting_path = page.url.replace(live_server, "")

    # Everyone is present; the proposals are put to the vote.
    for label in ("Gloire Mukendi", "Innocent Bahati", "Claudine Furaha", "Josué Mapendo"):
        page.get_by_label(re.compile(label)).check()
    page.get_by_role("button", name="Save the attendance").click()
    expect(page.locator(".meeting-quorum")).to_contain_text("Quorum: 4 of 4 members.")
    for case, outcome in ((barrier, "continue_with_mitigation"), (children, "suspend")):
        card = item_card(page, case)
        card.get_by_label("Proposed outcome").select_option(outcome)
        card.get_by_label("Rationale").fill("Proposition du bureau.")
        card.get_by_role("button", name="Put to the vote").click()
        expect(page.locator(".flash")).to_contain_text("is put to the vote")

    # The day comes: votes open when the meeting starts (the server shares this clock).
    meeting = _db.session.scalars(select(Meeting).order_by(Meeting.id.desc())).first()
    clock.freeze(meeting.starts_dt)

    # A member, in a browser of their own: a conflict on the barrier, a vote on the children.
    member = new_page(browser, live_server)
    log_in(member, members["industry"].email)
    member.goto(meeting_path)
    card = item_card(member, barrier)
    card.get_by_text("Declare a conflict of interest").click()
    card.get_by_label("Your conflict of interest").fill("Je suis actionnaire de la coopérative.")
    card.get_by_role("button", name="Recuse myself from this item").click()
    expect(member.locator(".flash")).to_contain_text("Your conflict of interest is recorded")
    item_card(member, children).get_by_role("button", name="For", exact=True).click()
    expect(item_card(member, children).locator(".own-vote")).to_have_text("Your vote: For")
    expect(item_card(member, barrier).locator(".own-vote")).to_contain_text(
        "You declared a conflict of interest"
    )

    # The chair votes and records the show of hands of the others, then closes both items.
    chair = new_page(browser, live_server)
    log_in(chair, members["government"].email)
    chair.goto(meeting_path)
    for case in (barrier, children):
        item_card(chair, case).get_by_role("button", name="For", exact=True).click()
        expect(chair.locator(".flash")).to_contain_text("Your vote is recorded: For.")
    record_vote(chair, barrier, "Claudine Furaha (Civil society)", "for")
    record_vote(chair, barrier, "Josué Mapendo (Industry)", "for")
    record_vote(chair, children, "Claudine Furaha (Civil society)", "against")
    record_vote(chair, children, "Josué Mapendo (Industry)", "abstain")
    expect(item_card(chair, barrier).locator(".item-quorum")).to_have_text(
        "Quorum: 3 of 3 members."
    )
    close_item(chair, barrier, "La coopérative lève la barrière sous 30 jours.")
    expect(chair.locator(".flash")).to_contain_text("Adopted: 3 for, 0 against, 0 abstained.")
    close_item(chair, children, "Les enfants quittent le puits.")
    expect(chair.locator(".flash")).to_contain_text("Adopted: 2 for, 1 against, 1 abstained.")
    expect(item_card(chair, children).locator(".item-status")).to_have_text("adopted")

    # The minutes, printable: attendance, votes and the recusal with its reason.
    chair.get_by_role("link", name="Minutes (printable)").click()
    minutes = chair.locator(".minutes")
    expect(minutes).to_contain_text("Innocent Bahati: Je suis actionnaire de la coopérative.")
    expect(minutes.locator('tr[data-sector="industry"] .present')).to_have_text(
        "Innocent Bahati, Josué Mapendo"
    )
    expect(minutes).to_contain_text("Against (1): Claudine Furaha")
    chair.emulate_media(media="print")
    expect(chair.locator("header.topbar")).to_be_hidden()
