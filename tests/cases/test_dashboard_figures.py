"""The dashboard's figures as the database counts them (grouped queries, not rows loaded
into Python), at the edges of that SQL: medians of odd and even counts, an empty period,
the period's first and last instants, deadlines to the microsecond, the committee's review
deadline, months in UTC and the references of several recurring groups."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from casework import clock
from casework.committees.models import AgendaItem, Decision, Meeting
from casework.extensions import db as _db
from tests.cases.test_dashboard import _cell

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
US = timedelta(microseconds=1)
NOVEMBER = "/dashboard?from=2026-11-01&to=2026-11-30"


def _table(html: str, table_id: str) -> str:
    return html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]


def test_medians_of_odd_and_even_counts(frozen_now, login_as, make_case):
    t0 = frozen_now - 12 * HOUR
    for hours in (1, 2, 6):
        make_case(category="SEC", level=2, reported_dt=t0, triaged_dt=t0 + hours * HOUR)
    make_case(category="SEC", level=2, reported_dt=t0)  # not triaged: no span
    for days in (3, 4):
        make_case(category="SEC", level=2, reported_dt=t0, closed_dt=t0 + days * DAY)
    make_case(
        category="SEC",
        level=2,
        reported_dt=t0,
        verification_started_dt=t0 + DAY,
        verified_dt=t0 + 2 * DAY,
    )
    make_case(category="SEC", level=2, reported_dt=t0, verified_dt=t0 + DAY)  # no start
    client, _ = login_as("supervisor")
    html = client.get(NOVEMBER).get_data(as_text=True)
    assert _cell(html, "median-table", "Report to triage") == ["2.0 h"]  # 1, 2, 6
    assert _cell(html, "median-table", "Report to closure") == ["3.5 days"]  # 3, 4
    assert _cell(html, "median-table", "Verification started to verified") == ["24.0 h"]
    assert _cell(html, "median-table", "Escalation to committee decision") == ["\u2013"]

    make_case(category="SEC", level=2, reported_dt=t0, triaged_dt=t0 + 4 * HOUR)
    html = client.get(NOVEMBER).get_data(as_text=True)
    assert _cell(html, "median-table", "Report to triage") == ["3.0 h"]  # 1, 2, 4, 6


def test_an_empty_period_has_no_figure(frozen_now, login_as, make_case):
    make_case(category="SEC", level=1, triaged_dt=frozen_now + HOUR, closed_dt=frozen_now + DAY)
    client, _ = login_as("supervisor")
    html = client.get("/dashboard?from=2026-10-01&to=2026-10-31").get_data(as_text=True)
    for row in ("Level 1 triaged", "Level 1 verification", "Committee decision"):
        assert _cell(html, "compliance-table", row) == ["0", "0", "\u2013"], row
    for row in ("Report to triage", "Verification started", "Escalation", "Report to closure"):
        assert _cell(html, "median-table", row) == ["\u2013"], row
    assert "None." in _table(html, "downgrade-table")


def test_the_period_holds_its_first_instant_and_not_the_next_days(frozen_now, login_as, make_case):
    clock.freeze(datetime(2026, 12, 5, tzinfo=UTC))
    first, after = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    for reported in (first - US, first, after - US, after):
        make_case(category="SEC", level=1, reported_dt=reported, triaged_dt=reported + HOUR)
    client, _ = login_as("supervisor")
    html = client.get(NOVEMBER).get_data(as_text=True)
    # Only the cases reported at 1 November 00:00 and on 30 November at 23:59:59.999999.
    assert _cell(html, "compliance-table", "Level 1 triaged") == ["2", "0", "100 %"]
    # Months are counted in UTC: one case in October, two in November, one in December.
    months = _cell(html, "category-months", "Security")
    assert months[-3:] == ["1", "2", "1"]
    assert _cell(html, "province-months", "no site")[-3:] == ["1", "2", "1"]


def test_deadlines_are_compared_to_the_microsecond(frozen_now, login_as, make_case):
    now = datetime(2026, 11, 20, 9, tzinfo=UTC)
    clock.freeze(now)
    t0 = datetime(2026, 11, 5, 9, tzinfo=UTC) + 123457 * US
    make_case(category="SEC", level=1, reported_dt=t0, triaged_dt=t0 + DAY)  # on time
    make_case(category="SEC", level=1, reported_dt=t0, triaged_dt=t0 + DAY + US)  # late
    make_case(  # verification started exactly 72 h after triage: on time
        category="SEC",
        level=1,
        reported_dt=t0,
        triaged_dt=t0 + HOUR,
        verification_started_dt=t0 + HOUR + 72 * HOUR,
    )
    make_case(  # and a microsecond after: late
        category="SEC",
        level=1,
        reported_dt=t0,
        triaged_dt=t0 + HOUR,
        verification_started_dt=t0 + HOUR + 72 * HOUR + US,
    )
    # Not done, and the clock exactly at its limit: not counted yet; a microsecond later, late.
    waiting = make_case(category="SEC", level=1, reported_dt=now - DAY)
    client, _ = login_as("supervisor")
    html = client.get(NOVEMBER).get_data(as_text=True)
    assert _cell(html, "compliance-table", "Level 1 triaged") == ["3", "1", "75 %"]
    # (the first two were triaged and never had their verification started: late too)
    assert _cell(html, "compliance-table", "Level 1 verification") == ["1", "3", "25 %"]
    clock.freeze(now + US)
    html = client.get(NOVEMBER).get_data(as_text=True)
    assert _cell(html, "compliance-table", "Level 1 triaged") == ["3", "2", "60 %"]
    assert waiting.triaged_dt is None


def _decide(case, committee, at: datetime, voted: bool = True) -> None:
    meeting = Meeting(committee_id=committee.id, starts_dt=at, status="closed")
    item = AgendaItem(meeting=meeting, case_id=case.id, status="adopted")
    _db.session.add_all([meeting, item])
    _db.session.flush()
    _db.session.add(
        Decision(
            case_id=case.id,
            committee_id=committee.id,
            outcome="suspend",
            decided_dt=at,
            agenda_item_id=item.id if voted else None,
        )
    )
    _db.session.commit()


def test_committee_review_is_counted_at_its_deadline_by_level(
    frozen_now, login_as, make_case, make_committee
):
    committee = make_committee()
    now = datetime(2026, 12, 15, 9, tzinfo=UTC)
    clock.freeze(now)
    t0 = datetime(2026, 10, 8, 9, tzinfo=UTC)
    escalated = t0 + DAY
    report = {"category": "SEC", "reported_dt": t0, "escalated_dt": escalated}

    def escalated_case(level: int):
        return make_case(level=level, status="escalated", committee_id=committee.id, **report)

    _decide(escalated_case(1), committee, escalated + 7 * DAY)  # exactly 7 days: on time
    _decide(escalated_case(1), committee, escalated + 7 * DAY + US)  # late
    _decide(escalated_case(2), committee, escalated + 30 * DAY)  # Level 2: 30 days, on time
    _decide(escalated_case(1), committee, escalated + DAY, voted=False)  # not voted: late
    # Decided before its latest escalation: that decision does not count, and the new
    # escalation is still within Level 2's 30 days (not counted).
    earlier = escalated_case(2)
    earlier.escalated_dt = now - DAY
    _db.session.commit()
    _decide(earlier, committee, escalated + DAY)
    escalated_case(3)  # not decided, 67 days after escalation: late
    client, _ = login_as("supervisor")
    html = client.get("/dashboard?from=2026-10-01&to=2026-10-31").get_data(as_text=True)
    assert _cell(html, "compliance-table", "Committee decision") == ["2", "3", "40 %"]
    # Spans of 7 days, 7 days + 1 microsecond and 30 days: the middle one.
    assert _cell(html, "median-table", "Escalation to committee decision") == ["7.0 days"]


def test_each_recurring_group_lists_its_own_cases(frozen_now, login_as, make_case, make_site):
    rubaya = make_site()
    nyabibwe = make_site(code="CD-SK-NYA", name="Nyabibwe", province="Sud-Kivu")
    at = [frozen_now - n * DAY for n in range(5)]
    env = [make_case(category="ENV", level=3, site=rubaya, reported_dt=t) for t in at[:4]]
    land = [make_case(category="LAND", level=3, site=nyabibwe, reported_dt=t) for t in at[:3]]
    two = [make_case(category="ENV", level=3, site=nyabibwe, reported_dt=t) for t in at[:2]]
    client, _ = login_as("supervisor")
    table = _table(client.get("/dashboard").get_data(as_text=True), "recurrence-table")
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]  # after the header
    assert len(rows) == 2
    # Most reports first, each with its own cases, oldest first.
    assert "Rubaya" in rows[0] and ">4<" in rows[0]
    assert re.findall(r"CW-[\w-]+(?=</a>)", rows[0]) == [c.reference for c in env[::-1]]
    assert "Nyabibwe" in rows[1] and ">3<" in rows[1]
    assert re.findall(r"CW-[\w-]+(?=</a>)", rows[1]) == [c.reference for c in land[::-1]]
    assert not any(c.reference in table for c in two)


def test_only_the_groups_with_most_reports_are_listed_and_the_rest_counted(
    frozen_now, login_as, make_case, make_site, monkeypatch
):
    from casework.dashboard import figures

    monkeypatch.setattr(figures, "RECURRENCES_SHOWN", 1)
    rubaya = make_site()
    nyabibwe = make_site(code="CD-SK-NYA", name="Nyabibwe", province="Sud-Kivu")
    at = [frozen_now - n * DAY for n in range(4)]
    env = [make_case(category="ENV", level=3, site=rubaya, reported_dt=t) for t in at[:3]]
    land = [make_case(category="LAND", level=3, site=nyabibwe, reported_dt=t) for t in at]
    client, _ = login_as("supervisor")
    html = client.get("/dashboard").get_data(as_text=True)
    table = _table(html, "recurrence-table")
    assert all(c.reference in table for c in land)
    assert not any(c.reference in table for c in env)
    assert "The 1 sites and categories with the most reports are shown, of 2." in html
    monkeypatch.setattr(figures, "RECURRENCES_SHOWN", 2)
    html = client.get("/dashboard").get_data(as_text=True)
    assert all(c.reference in _table(html, "recurrence-table") for c in env + land)
    assert 'id="recurrence-more"' not in html
