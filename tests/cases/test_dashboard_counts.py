"""The dashboard's summary table, `CaseMonthCount`, kept by triggers on ``cases``: after
real operations (and statements that bypass the ORM) it holds exactly the counts grouped
from the cases themselves; the migration backfills it from existing cases; the dashboard
reads it with the readers' visibility."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, insert, select, update

from casework import create_app
from casework.cases import operations
from casework.cases.models import RESTRICTED_CATEGORIES, Case
from casework.dashboard import figures
from casework.dashboard.models import CaseMonthCount, CaseSiteMonthCount
from casework.extensions import db as _db
from tests.conftest import test_config
from tests.test_migrations import empty_database_url  # noqa: F401 (a fixture)

DROPPED = ("duplicate", "rejected")


def _expected() -> tuple[dict[tuple, int], dict[tuple, int]]:
    """Both tables' counts computed from the cases, in Python: every case with a category
    under (month of reported_dt in UTC, category, its site's province or '', committee or
    0, dropped); and those with a site under (month, site, committee or 0, restricted)."""
    _db.session.expire_all()
    months: Counter[tuple] = Counter()
    sites: Counter[tuple] = Counter()
    for case in _db.session.scalars(select(Case).where(Case.category.is_not(None))):
        month = case.reported_dt.astimezone(UTC).strftime("%Y-%m")
        province = case.site.province if case.site else ""
        dropped = case.resolution in DROPPED
        months[(month, case.category, province, case.committee_id or 0, dropped)] += 1
        if case.site_id:
            restricted = case.category in RESTRICTED_CATEGORIES
            sites[(month, case.site_id, case.committee_id or 0, restricted)] += 1
    return dict(months), dict(sites)


def _tables() -> tuple[dict[tuple, int], dict[tuple, int]]:
    months = _db.session.scalars(select(CaseMonthCount)).all()
    sites = _db.session.scalars(select(CaseSiteMonthCount)).all()
    assert all(r.n >= 0 for r in [*months, *sites]), "a count went below zero"
    return (
        {(r.month, r.category, r.province, r.committee_id, r.dropped): r.n for r in months if r.n},
        {(r.month, r.site_id, r.committee_id, r.restricted): r.n for r in sites if r.n},
    )


def _table() -> dict[tuple, int]:
    return _tables()[0]


def test_the_counts_follow_every_change_to_a_case(
    db, frozen_now, make_user, make_case, make_site, make_committee
):
    supervisor = make_user("supervisor")
    rubaya = make_site()
    kalimbi = make_site(code="CD-SK-KAL", name="Kalimbi", province="Sud-Kivu")
    committee = make_committee()

    # A report without a category is not counted; triage gives it one, then another, then a
    # site, then another site.
    report = operations.create_case(description="Barrière à Mushaki, 2000 FC par sac.")
    db.session.commit()
    assert _tables() == ({}, {})
    operations.update_details(report, actor=supervisor, category="SEC")
    db.session.commit()
    assert _tables() == ({("2026-11", "SEC", "", 0, False): 1}, {})
    operations.update_details(report, actor=supervisor, category="OHS", site=rubaya)
    db.session.commit()
    operations.update_details(report, actor=supervisor, site=kalimbi)
    db.session.commit()
    assert (
        _tables()
        == _expected()
        == (
            {("2026-11", "OHS", "Sud-Kivu", 0, False): 1},
            {("2026-11", kalimbi.id, 0, False): 1},
        )
    )

    # Escalated to a committee, then closed.
    escalated = make_case(status="verified", level=2, category="ENV", site=rubaya)
    operations.fire(escalated, "escalate", actor=supervisor, committee_id=committee.id)
    db.session.commit()
    assert escalated.committee_id == committee.id
    assert _tables() == _expected()

    # Closed as a duplicate (dropped), reopened (counted again), rejected (dropped).
    twin = make_case(status="triaged", level=3, category="ENV", site=rubaya)
    operations.fire(twin, "mark_duplicate", actor=supervisor, duplicate_of_id=escalated.id)
    db.session.commit()
    assert _table()[("2026-11", "ENV", "Nord-Kivu", 0, True)] == 1
    assert _tables() == _expected()
    operations.fire(twin, "reopen", actor=supervisor, reason="Not the same incident.")
    db.session.commit()
    assert ("2026-11", "ENV", "Nord-Kivu", 0, True) not in _table()
    assert _tables() == _expected()
    operations.fire(twin, "reject", actor=supervisor, reason="Out of scope.")
    db.session.commit()
    assert _tables() == _expected()

    # Statements that bypass the ORM: reported_dt moved across a month's edge in UTC (the
    # last hour of October; then 01:00 on 1 December at UTC+2, still November in UTC).
    cases = Case.__table__
    db.session.execute(
        update(cases)
        .where(cases.c.id == report.id)
        .values(reported_dt=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))
    )
    db.session.commit()
    assert _table()[("2026-10", "OHS", "Sud-Kivu", 0, False)] == 1
    plus_two = timezone(timedelta(hours=2))
    db.session.execute(
        update(cases)
        .where(cases.c.id == escalated.id)
        .values(reported_dt=datetime(2026, 12, 1, 1, 0, tzinfo=plus_two))
    )
    db.session.commit()
    assert _tables() == _expected()
    assert ("2026-11", "ENV", "Nord-Kivu", committee.id, False) in _table()

    # No operation deletes cases (their record forbids it); a row inserted and deleted by
    # statements is counted, then no longer.
    gone = db.session.execute(
        insert(cases)
        .values(reference="CW-TEST-0001", description="x", category="TRC", site_id=kalimbi.id)
        .returning(cases.c.id)
    ).scalar_one()
    db.session.commit()
    assert _table()[("2026-11", "TRC", "Sud-Kivu", 0, False)] == 1
    db.session.execute(delete(cases).where(cases.c.id == gone))
    db.session.commit()
    assert _tables() == _expected()
    assert not any(key[1] == "TRC" for key in _table())

    # A site moved to another province takes its cases' counts along; a restricted case
    # is counted as such for the sites.
    make_case(category="SA-SGBV", site=kalimbi)
    kalimbi.province = "Maniema"
    db.session.commit()
    assert _tables() == _expected()
    assert not any(key[2] == "Sud-Kivu" for key in _table())
    assert _tables()[1][("2026-11", kalimbi.id, 0, True)] == 1

    # A change that rolls back leaves the counts as they were.
    before = _tables()
    twin_again = db.session.get(Case, twin.id)
    twin_again.category = "LAND"
    db.session.flush()
    db.session.rollback()
    assert _tables() == before == _expected()


def test_the_dashboard_reads_the_counts_with_each_readers_visibility(
    db, frozen_now, make_user, make_case, make_site, make_committee
):
    rubaya = make_site()
    committee = make_committee()
    make_case(category="SEC", site=rubaya, committee=committee)
    make_case(category="SA-SGBV", site=rubaya, committee=committee)
    make_case(category="SEC", site=rubaya)
    months = figures.months_back(2)
    november = datetime(2026, 11, 1, tzinfo=UTC)

    def seen(user) -> tuple[dict, list]:
        by = figures.incidents_by_month(user, months)["category"]
        return {c: sum(n) for c, n in by.items()}, figures.recurring_sites(user, november)

    assert seen(make_user("supervisor")) == (
        {"SEC": 2, "SA-SGBV": 1},
        [("CD-NK-RUB", "Rubaya", 3)],
    )
    assert seen(make_user("admin")) == ({"SEC": 2}, [("CD-NK-RUB", "Rubaya", 2)])
    assert seen(make_user("committee", committee=committee)) == ({"SEC": 1}, [])
    assert seen(make_user("committee")) == ({}, [])
    assert seen(make_user("officer")) == ({}, [])  # no dashboard, no counts


def test_the_migration_counts_the_cases_already_there(empty_database_url):  # noqa: F811
    from casework.demo.seed import seed

    app = create_app(test_config(empty_database_url))
    with app.app_context():
        upgrade()
        seed(2026)
        _db.session.commit()
        expected = _expected()
        assert all(expected) and _tables() == expected  # kept by the triggers as the seed ran
        _db.session.remove()
        downgrade(revision="a32a360aff4b")  # as the database was before this migration
        upgrade()
        assert _tables() == expected  # backfilled
        _db.session.remove()
        _db.engine.dispose()
