"""``deadlines``: the warning, the breach and the supervisors, each once per deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework.cases import operations
from casework.cases.models import Case
from casework.jobs import deadlines
from tests.jobs.conftest import START, events, notices, outbox

MINUTE = timedelta(minutes=1)
DUE = START + timedelta(days=30)  # verifying, Level 2: 30 days, warned a day before


@pytest.fixture
def officer(make_user):
    return make_user("officer", timezone="Africa/Kinshasa")


@pytest.fixture
def boss(make_user):
    return make_user("supervisor", timezone="Africa/Kigali")


@pytest.fixture
def case(at, make_case, officer, boss):
    return make_case(status="verifying", level=2, assignee=officer, due_dt=DUE)


def test_the_assignee_is_warned_a_day_before_a_30_day_deadline_not_a_minute_earlier(
    db, at, case, officer
):
    at(DUE - timedelta(days=1) - MINUTE)
    assert deadlines.sweep() == {"warned": 0, "breached": 0, "overdue": 0}
    assert notices(db, "deadline") == []

    at(DUE - timedelta(days=1) + MINUTE)
    version = case.version
    assert deadlines.sweep()["warned"] == 1
    [notice] = notices(db, "deadline")
    assert notice.user_id == officer.id and case.reference in notice.title
    # The due time in the officer's own time zone (Kinshasa, UTC+1).
    assert "2026-12-02 10:00 (Africa/Kinshasa)" in notice.body
    db.session.refresh(case)
    assert case.deadline_stage == 1
    assert case.version == version  # an officer's open form does not go stale
    [event] = events(db, case, "deadline_warning")
    assert event.actor_id is None and event.data["due"] == DUE.isoformat()


def test_a_level_1_triage_deadline_of_a_day_is_warned_six_hours_before(db, at, make_case, officer):
    case = make_case(level=1, assignee=officer)  # received at START: due in 24 h
    assert case.due_dt == START + timedelta(days=1)
    at(case.due_dt - timedelta(hours=6) - MINUTE)
    deadlines.sweep()
    assert notices(db, "deadline") == []
    at(case.due_dt - timedelta(hours=6) + MINUTE)
    deadlines.sweep()
    assert len(notices(db, "deadline")) == 1


def test_the_breach_goes_to_the_assignee_the_minute_the_deadline_passes(db, at, case, officer):
    at(DUE - timedelta(hours=2))
    deadlines.sweep()  # the warning
    at(DUE - MINUTE)
    assert deadlines.sweep()["breached"] == 0
    at(DUE + MINUTE)
    assert deadlines.sweep()["breached"] == 1
    _warning, breach = notices(db, "deadline", officer)
    assert "overdue" in breach.title
    assert len(events(db, case, "deadline_breached")) == 1


def test_a_day_after_the_breach_the_supervisors_are_told(db, at, case, officer, boss, make_user):
    other = make_user("supervisor")
    at(DUE + MINUTE)
    deadlines.sweep()
    at(DUE + timedelta(days=1) - MINUTE)
    assert deadlines.sweep()["overdue"] == 0
    at(DUE + timedelta(days=1) + MINUTE)
    assert deadlines.sweep()["overdue"] == 1
    told = sorted(n.user_id for n in notices(db, "overdue"))
    assert told == sorted([boss.id, other.id])
    assert officer.display_name in notices(db, "overdue")[0].body
    db.session.refresh(case)
    assert case.deadline_stage == 3


def test_a_case_found_long_overdue_tells_the_assignee_and_the_supervisors_once(
    db, at, case, officer, boss
):
    at(DUE + timedelta(days=40))  # backfilled data: overdue since October
    assert deadlines.sweep() == {"warned": 0, "breached": 0, "overdue": 1}
    assert [n.user_id for n in notices(db, "deadline")] == [officer.id]
    assert [n.user_id for n in notices(db, "overdue")] == [boss.id]
    [event] = events(db, case, "deadline_overdue")
    assert event.data["late"] is True
    assert events(db, case, "deadline_warning") == events(db, case, "deadline_breached") == []
    at(DUE + timedelta(days=41))
    assert deadlines.sweep() == {"warned": 0, "breached": 0, "overdue": 0}
    assert len(notices(db)) == 2


def test_the_breach_of_an_unassigned_case_goes_to_the_supervisors(db, at, make_case, boss):
    case = make_case(status="verifying", level=2, due_dt=DUE)
    at(DUE + MINUTE)
    deadlines.sweep()
    [notice] = notices(db, "deadline")
    assert notice.user_id == boss.id and "no active officer is assigned" in notice.body
    assert events(db, case, "deadline_breached")[0].data["unassigned"] is True


def test_running_twice_tells_once(db, at, case):
    at(DUE + MINUTE)
    deadlines.sweep()
    deadlines.sweep()
    assert len(notices(db, "deadline")) == 1
    assert len(events(db, case, "deadline_breached")) == 1


def test_a_new_deadline_starts_its_reminders_again(db, at, case, officer, make_user):
    at(DUE + MINUTE)
    deadlines.sweep()
    boss = make_user("supervisor")
    operations.add_corroboration(case, source="Site visit", summary="", actor=officer)
    operations.fire(case, "verify", actor=officer)
    db.session.commit()
    assert case.deadline_stage == 0
    at(case.due_dt + MINUTE)
    assert deadlines.sweep()["breached"] == 1
    assert boss.id not in [n.user_id for n in notices(db, "deadline")]
    assert len(notices(db, "deadline", officer)) == 2


def test_closed_cases_and_cases_not_yet_due_are_not_read(db, at, make_case, officer):
    make_case(status="closed", assignee=officer, due_dt=START - timedelta(days=3))
    make_case(status="verifying", level=2, assignee=officer, due_dt=DUE + timedelta(days=2))
    at(DUE)
    assert deadlines.sweep() == {"warned": 0, "breached": 0, "overdue": 0}


def test_an_sms_deadline_notice_at_night_waits_for_the_end_of_quiet_hours(
    db, at, make_case, make_user
):
    night_owl = make_user(
        "officer", timezone="Africa/Kinshasa", phone="+243810000011", quiet_from=21, quiet_until=7
    )
    make_case(status="verifying", level=2, assignee=night_owl, due_dt=DUE)
    at(DUE.replace(hour=22) + MINUTE)  # 23:01 in Kinshasa, past the deadline
    deadlines.sweep()
    rows = {r.channel: r for r in outbox(db, f"user:{night_owl.id}")}
    assert set(rows) == {"email", "sms"}
    assert rows["email"].next_attempt_dt <= DUE.replace(hour=22) + MINUTE
    # 07:00 in Kinshasa is 06:00 UTC the next day.
    assert rows["sms"].next_attempt_dt == (DUE + timedelta(days=1)).replace(hour=6, minute=0)


def test_a_run_killed_midway_then_rerun_tells_each_once(db, at, make_case, officer, monkeypatch):
    cases = [make_case(status="verifying", level=2, assignee=officer, due_dt=DUE) for _ in range(3)]
    at(DUE + MINUTE)
    real = deadlines.notify_users
    calls = []

    def crash_on_the_second_case(users, kind, **kw):
        calls.append(kw["case"].id)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(users, kind, **kw)

    monkeypatch.setattr(deadlines, "notify_users", crash_on_the_second_case)
    with pytest.raises(RuntimeError):
        deadlines.sweep(batch=1)
    db.session.rollback()
    monkeypatch.setattr(deadlines, "notify_users", real)
    assert len(notices(db, "deadline")) == 1
    assert deadlines.sweep(batch=1)["breached"] == 2
    told = sorted(n.case_id for n in notices(db, "deadline"))
    assert told == sorted(c.id for c in cases)
    for c in cases:
        assert len(events(db, c, "deadline_breached")) == 1


def test_sweeping_reads_only_what_is_due(db, at, make_case, officer):
    for days in (1, 2, 40, 60):
        make_case(
            status="verifying", level=2, assignee=officer, due_dt=START + timedelta(days=days)
        )
    at(START + timedelta(days=2) + MINUTE)
    seen = []
    real = deadlines._remind
    deadlines_remind = lambda case, now, summary: (seen.append(case.id), real(case, now, summary))  # noqa: E731
    import unittest.mock

    with unittest.mock.patch.object(deadlines, "_remind", deadlines_remind):
        deadlines.sweep()
    assert len(seen) == 2
    assert db.session.get(Case, seen[0]).due_dt < db.session.get(Case, seen[1]).due_dt


def test_the_reminders_read_as_sentences_on_the_case_timeline(db, at, case, officer, login_as):
    at(DUE - timedelta(hours=1))
    deadlines.sweep()
    at(DUE + timedelta(days=1, minutes=1))
    deadlines.sweep()
    client, _ = login_as(user=officer)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert (
        "Casework reminded the assignee that the deadline, 2026-12-02 09:00 UTC, is near." in page
    )
    assert "overdue for a day (due 2026-12-02 09:00 UTC); Casework told the supervisors" in page
