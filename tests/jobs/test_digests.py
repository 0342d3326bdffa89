"""``digests``: each officer's and supervisor's day, at their own digest hour, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from casework.cases import operations
from casework.jobs import digests
from tests.jobs.conftest import START, notices, outbox

DAY = datetime(2026, 11, 5, tzinfo=UTC)


def hour(h: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=h, minute=minute)


def test_the_digest_goes_at_the_users_own_hour_kigali_an_hour_before_kinshasa(
    db, at, make_user, make_case
):
    kinshasa = make_user("officer", timezone="Africa/Kinshasa", digest_hour=7)  # UTC+1
    kigali = make_user("officer", timezone="Africa/Kigali", digest_hour=7)  # UTC+2
    for user in (kinshasa, kigali):
        make_case(status="verifying", level=2, assignee=user, due_dt=START + timedelta(days=1))
    at(hour(4, 59))
    assert digests.sweep()["sent"] == 0
    at(hour(5))  # 07:00 in Kigali, 06:00 in Kinshasa
    assert digests.sweep()["sent"] == 1
    assert [n.user_id for n in notices(db, "digest")] == [kigali.id]
    at(hour(6))  # 07:00 in Kinshasa, 08:00 in Kigali
    assert digests.sweep()["sent"] == 1
    assert sorted(n.user_id for n in notices(db, "digest")) == sorted([kigali.id, kinshasa.id])


def test_a_digest_lists_overdue_due_today_and_newly_assigned_cases(db, at, make_user, make_case):
    officer = make_user("officer", timezone="Africa/Kinshasa", digest_hour=7)
    boss = make_user("supervisor", digest_hour=3)
    overdue = make_case(status="verifying", level=2, assignee=officer, due_dt=START)
    today = make_case(status="verifying", level=2, assignee=officer, due_dt=hour(22, 59))
    tomorrow = make_case(status="verifying", level=2, assignee=officer, due_dt=hour(23, 1))
    at(hour(1))
    fresh = make_case(status="triaged", level=3)
    operations.assign(fresh, officer, actor=boss)
    taken = make_case(status="triaged", level=3)
    operations.assign(taken, officer, actor=officer)  # they know: they took it
    db.session.commit()

    at(hour(6))  # 07:00 in Kinshasa
    assert digests.sweep() == {"sent": 1, "nothing to say": 0}
    [notice] = notices(db, "digest", officer)
    body = notice.body
    overdue_part, rest = body.split("\nDue today\n", 1)
    today_part, assigned_part = rest.split("\nNewly assigned to you\n", 1)
    assert overdue.reference in overdue_part
    assert today.reference in today_part and "2026-11-05 23:59 (Africa/Kinshasa)" in today_part
    assert tomorrow.reference not in body  # due 00:01 tomorrow, Kinshasa time
    assert fresh.reference in assigned_part and taken.reference not in body
    assert overdue.description[:20] not in body
    [email] = [r for r in outbox(db) if r.ref == f"notice:{notice.id}"]
    assert f"/cases/{today.reference}" in email.html_body
    assert notice.title == "Your day in Casework, 2026-11-05"


def test_a_supervisor_sees_the_downgrades_waiting_for_their_approval(db, at, make_user, make_case):
    asker = make_user("supervisor", digest_hour=23)
    approver = make_user("supervisor", digest_hour=8)
    case = make_case(level=1, status="triaged")
    operations.change_level(case, 3, actor=asker, reason="Only a rumour.")
    db.session.commit()
    at(hour(8))
    assert digests.sweep() == {"sent": 1, "nothing to say": 0}
    [notice] = notices(db, "digest", approver)
    assert case.reference in notice.body.split("waiting for your approval\n")[-1]
    at(hour(23))
    assert digests.sweep() == {"sent": 0, "nothing to say": 1}  # not their own request


def test_nothing_is_sent_when_there_is_nothing_to_say(db, at, make_user, make_case):
    make_user("officer", digest_hour=9)
    at(hour(9))
    assert digests.sweep() == {"sent": 0, "nothing to say": 1}
    assert notices(db, "digest") == []


def test_a_second_run_in_the_hour_sends_nothing_more(db, at, make_user, make_case):
    officer = make_user("officer", digest_hour=9)
    make_case(status="verifying", level=2, assignee=officer, due_dt=START)
    at(hour(9))
    digests.sweep()
    at(hour(9, 30))
    assert digests.sweep()["sent"] == 0
    assert len(notices(db, "digest")) == 1
