"""``action-reminders``: 3 days before, on the day, weekly while overdue, from 08:00 in
the owner's time zone; a copy to the case's assignee."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from casework.cases import operations
from casework.contacts.models import Contact
from casework.jobs import actions
from tests.jobs.conftest import events, notices, outbox

DUE = date(2026, 11, 10)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.fixture
def officer(make_user):
    return make_user("officer", timezone="Africa/Kinshasa")


@pytest.fixture
def case(at, make_case, officer):
    return make_case(status="mitigation", level=2, assignee=officer)


def add_action(db, case, officer, **owner):
    action = operations.add_action(
        case, description="Fence the pit at Nyabibwe", due_date=DUE, actor=officer, **owner
    )
    db.session.commit()
    return action


def test_the_owner_in_kigali_is_reminded_at_8_their_time_an_hour_before_kinshasa(
    db, at, case, officer, make_user
):
    kigali = make_user("officer", timezone="Africa/Kigali")  # UTC+2
    kinshasa = make_user("supervisor", timezone="Africa/Kinshasa")  # UTC+1
    first = add_action(db, case, officer, owner_user=kigali)
    second = add_action(db, case, officer, owner_user=kinshasa)
    soon = DUE - timedelta(days=3)
    assert first.next_reminder_on == second.next_reminder_on == soon

    at(utc(soon, 5, 59))  # 07:59 in Kigali
    assert actions.sweep() == {"reminded": 0}
    at(utc(soon, 6, 1))  # 08:01 in Kigali, 07:01 in Kinshasa
    assert actions.sweep() == {"reminded": 1}
    assert [n.user_id for n in notices(db, "action_reminder", kigali)] == [kigali.id]
    assert notices(db, "action_reminder", kinshasa) == []
    at(utc(soon, 7, 1))  # 08:01 in Kinshasa
    assert actions.sweep() == {"reminded": 1}
    [notice] = notices(db, "action_reminder", kinshasa)
    assert "3 days" in notice.title and "Fence the pit" in notice.body


def test_the_assignee_gets_a_copy_and_the_reminder_is_on_the_record(
    db, at, case, officer, make_user
):
    owner = make_user("supervisor", timezone="Africa/Kinshasa")
    action = add_action(db, case, officer, owner_user=owner)
    at(utc(DUE - timedelta(days=3), 8))
    actions.sweep()
    assert {n.user_id for n in notices(db, "action_reminder")} == {owner.id, officer.id}
    copy = notices(db, "action_reminder", officer)[0]
    assert owner.display_name in copy.body
    [event] = events(db, case, "action_reminder")
    assert event.data == {
        "action_id": action.id,
        "when": "soon",
        "due_date": "2026-11-10",
        "owner": owner.display_name,
    }


def test_3_days_before_on_the_day_then_weekly_while_overdue(db, at, case, officer):
    action = add_action(db, case, officer, owner_user=officer)
    sent_on = []
    day = DUE - timedelta(days=5)
    while day <= DUE + timedelta(days=22):
        for hour in (6, 12):  # twice a day: a second run that day sends nothing more
            at(utc(day, hour))
            if actions.sweep()["reminded"]:
                sent_on.append(day)
        day += timedelta(days=1)
    assert sent_on == [
        date(2026, 11, 7),
        DUE,
        date(2026, 11, 17),
        date(2026, 11, 24),
        date(2026, 12, 1),
    ]
    titles = [n.title for n in notices(db, "action_reminder")]
    assert len(titles) == 5 and "today" in titles[1] and "overdue" in titles[2]
    db.session.refresh(action)
    assert action.next_reminder_on == date(2026, 12, 8)


def test_a_reminder_missed_while_the_scheduler_was_down_is_sent_once_late(db, at, case, officer):
    action = add_action(db, case, officer, owner_user=officer)
    at(utc(date(2026, 11, 19), 9))  # nothing ran since the 2nd: one overdue reminder
    assert actions.sweep() == {"reminded": 1}
    assert actions.sweep() == {"reminded": 0}
    db.session.refresh(action)
    assert action.next_reminder_on == date(2026, 11, 24)


def test_a_stakeholder_contact_is_reminded_by_email(db, at, case, officer):
    contact = Contact(
        name="Maman Furaha",
        organisation="COOPERAMA",
        sector="industry",
        email="furaha@example.org",
        language="fr",
        timezone="Africa/Kigali",
    )
    db.session.add(contact)
    db.session.commit()
    add_action(db, case, officer, owner_contact=contact)
    at(utc(DUE, 6, 30))
    actions.sweep()
    rows = outbox(db, f"contact:{contact.id}")
    reminders = [r for r in rows if "action_reminder" in (r.dedupe_key or "")]
    assert len(reminders) == 1 and reminders[0].channel == "email"
    assert "Fence the pit" in reminders[0].body


def test_an_owner_known_by_name_only_is_reminded_through_the_assignee(db, at, case, officer):
    add_action(db, case, officer, owner="Chef de colline")
    at(utc(DUE, 7, 30))  # 08:30 in Kinshasa, the assignee's zone
    assert actions.sweep() == {"reminded": 1}
    [notice] = notices(db, "action_reminder")
    assert notice.user_id == officer.id and "Chef de colline" in notice.body


def test_done_actions_and_closed_cases_are_not_reminded(db, at, make_case, case, officer):
    done = add_action(db, case, officer, owner_user=officer)
    operations.complete_action(done, actor=officer)
    other = make_case(status="mitigation", level=2, assignee=officer)
    add_action(db, other, officer, owner_user=officer)
    other.status, other.resolution = "closed", "resolved"
    db.session.commit()
    at(utc(DUE, 9))
    assert actions.sweep() == {"reminded": 0}
