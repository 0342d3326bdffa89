"""A Level 1 report by SMS alerts the supervisors in the same transaction that files it."""

from __future__ import annotations

from sqlalchemy import select

from casework.cases.models import Case
from notifications.models import OutboxMessage


def _alerts(db):
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.ref.startswith("notice:")))
    )


def test_a_report_intake_reads_as_level_1_alerts_every_supervisor(db, sms, make_user):
    supervisor = make_user("supervisor", phone="+243810000011")
    make_user("officer")
    answer = sms("Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe, "
                 "hawaendi shule.")  # fmt: skip
    assert answer.status_code == 200
    case = db.session.scalar(select(Case))
    assert case.suggested_level == 1
    rows = _alerts(db)
    assert {(r.recipient, r.channel) for r in rows} == {
        (f"user:{supervisor.id}", "email"),
        (f"user:{supervisor.id}", "sms"),
    }
    assert all(case.reference in r.body for r in rows)
    assert all("Nyabibwe" not in r.body for r in rows)


def test_a_level_3_report_alerts_nobody(db, sms, make_user):
    make_user("supervisor", phone="+243810000011")
    sms("Cahier ya coopérative haijajazwa tangu wiki 2, poids hailingani na tags.")
    assert db.session.scalar(select(Case)).suggested_level != 1
    assert _alerts(db) == []
