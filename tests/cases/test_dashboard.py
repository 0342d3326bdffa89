"""The dashboard's figures against hand-counted cases: open cases by state and level,
deadline compliance at its boundaries, median times, Level 1 downgrades by approver, and
the recurrence rule (three Level 3 reports of one category at one site within six months
suggest Level 2), on the dashboard and on the case page."""

from __future__ import annotations

import re
from datetime import timedelta

from casework import clock
from casework.cases import operations as ops
from casework.extensions import db as _db

HOUR = timedelta(hours=1)


def _cell(html: str, table_id: str, row: str) -> list[str]:
    """The numbers of a row (by its header text) in the table with ``table_id``."""
    table = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        if row in tr:
            return [c.strip() for c in re.findall(r'<td class="num[^"]*">(.*?)</td>', tr, re.S)]
    raise AssertionError(f"no row {row!r} in {table_id}")


def test_deadline_compliance_and_medians_are_counted_at_their_boundaries(
    frozen_now, login_as, make_user, make_case
):
    supervisor = make_user("supervisor")
    t0 = frozen_now
    on_time = make_case(
        category="SEC", level=1, location_text="Rubaya"
    )  # triaged at exactly 24 h: on time
    late = make_case(
        category="SEC", level=1, location_text="Rubaya"
    )  # triaged a minute after 24 h: late
    never = make_case(category="SEC", level=1)  # never triaged, now past 24 h: late
    level_2 = make_case(category="BRB", level=2, location_text="Rubaya")  # not a Level 1 deadline
    clock.freeze(t0 + 24 * HOUR)
    ops.fire(on_time, "triage", actor=supervisor)
    ops.fire(level_2, "triage", actor=supervisor)
    clock.freeze(t0 + 24 * HOUR + timedelta(minutes=1))
    ops.fire(late, "triage", actor=supervisor)
    # verification: 72 h after triage exactly (on time) and 73 h after (late)
    clock.freeze(t0 + 24 * HOUR + 72 * HOUR)
    ops.fire(on_time, "start_verification", actor=supervisor)
    clock.freeze(t0 + 24 * HOUR + timedelta(minutes=1) + 73 * HOUR)
    ops.fire(late, "start_verification", actor=supervisor)
    fresh = make_case(category="SEC", level=1)  # reported an hour ago: not yet counted
    clock.freeze(clock.now() + HOUR)
    _db.session.commit()
    assert never.status == "received" and fresh.status == "received"

    client, _ = login_as("supervisor")
    html = client.get("/dashboard?from=2026-11-01&to=2026-11-30").get_data(as_text=True)
    assert _cell(html, "compliance-table", "Level 1 triaged within 24 hours") == ["1", "2", "33 %"]
    assert _cell(html, "compliance-table", "Level 1 verification started") == ["1", "1", "50 %"]
    # Median report-to-triage of 24 h (on time, level 2) and 24 h 1 min: 24.0 h
    assert _cell(html, "median-table", "Report to triage") == ["24.0 h"]
    # Open now: received holds never + fresh (Level 1); verifying holds two Level 1 cases.
    assert _cell(html, "open-table", ">received<")[:4] == ["2", "0", "0", "0"]
    assert _cell(html, "open-table", ">verifying<")[:4] == ["2", "0", "0", "0"]


def test_a_period_outside_the_cases_counts_nothing_and_bad_dates_are_named(
    frozen_now, login_as, make_case
):
    make_case(category="SEC", level=1)
    client, _ = login_as("admin")
    html = client.get("/dashboard?from=2025-01-01&to=2025-03-31").get_data(as_text=True)
    assert _cell(html, "compliance-table", "Level 1 triaged within 24 hours") == [
        "0",
        "0",
        "\u2013",
    ]
    for bad in ("from=yesterday", "to=9999-12-31", "to=0001-01-05", "from=0001-01-01"):
        response = client.get(f"/dashboard?{bad}")
        assert response.status_code == 200, bad
        assert "is not a date between 2000 and 2100" in response.get_data(as_text=True), bad


def test_level_1_downgrades_are_counted_by_approver(frozen_now, login_as, make_user, make_case):
    asking = make_user("supervisor", name="Asha Asking")
    approving = make_user("supervisor", name="Bora Approving")
    case = make_case(category="SEC", level=1)
    ops.change_level(case, 2, actor=asking, reason="Only one digger, no weapons seen")
    ops.approve_level_change(case, actor=approving)
    _db.session.commit()
    client, _ = login_as("admin")
    html = client.get("/dashboard").get_data(as_text=True)
    assert _cell(html, "downgrade-table", "Bora Approving") == ["1"]
    assert "Asha Asking" not in html.split('id="downgrade-table"')[1].split("</table>")[0]


def test_three_level_3_reports_at_one_site_within_six_months_are_flagged(
    frozen_now, login_as, make_case, make_site
):
    site = make_site()
    cases = [make_case(category="ENV", level=3, site=site) for _ in range(3)]
    make_case(category="ENV", level=3, site=site, reported_dt=frozen_now - timedelta(days=200))
    make_case(category="LAND", level=3, site=site)  # another category: not counted with ENV
    client, _ = login_as("supervisor")
    html = client.get("/dashboard").get_data(as_text=True)
    table = html.split('id="recurrence-table"')[1].split("</table>")[0]
    assert "Rubaya" in table and "Environment" in table
    assert all(c.reference in table for c in cases)
    assert "Land conflict" not in table
    page = client.get(f"/cases/{cases[0].reference}").get_data(as_text=True)
    assert "3 Level 3 reports of this category at this site in the last six months" in page
    land = make_case(category="LAND", level=3, site=site)
    assert 'id="recurrence"' not in client.get(f"/cases/{land.reference}").get_data(as_text=True)


def test_committee_members_see_their_committees_figures_and_others_are_refused(
    frozen_now, login_as, make_case, make_committee
):
    committee = make_committee()
    make_case(category="SEC", level=1, committee_id=committee.id, status="escalated")
    make_case(category="SEC", level=1, status="verifying")  # before no committee
    member, _ = login_as("committee", committee=committee)
    html = member.get("/dashboard").get_data(as_text=True)
    assert _cell(html, "open-table", ">escalated<")[:1] == ["1"]
    assert _cell(html, "open-table", ">verifying<")[:1] == ["0"]
    for role in ("officer", "viewer"):
        client, _ = login_as(role)
        assert client.get("/dashboard").status_code == 403
