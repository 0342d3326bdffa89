"""Notices that go out at once, queued in the transaction of the change that causes them."""

from __future__ import annotations

from sqlalchemy import select

from casework.notices.models import Notice
from notifications.models import OutboxMessage
from tests.conftest import csrf_token


def _outbox(db, ref_prefix="notice:"):
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.ref.startswith(ref_prefix))
            .order_by(OutboxMessage.id)
        )
    )


def test_an_officer_assigned_a_case_from_the_case_page_gets_a_notice_and_an_email(
    db, login_as, make_user, make_case
):
    client, _ = login_as("supervisor")
    officer = make_user("officer", language="fr")
    case = make_case(level=2)
    token = csrf_token(client, f"/cases/{case.reference}")
    response = client.post(
        f"/cases/{case.reference}/assign",
        data={"csrf_token": token, "assignee_id": officer.id, "version": case.version},
    )
    assert response.status_code in (302, 303)
    notice = db.session.scalar(select(Notice).where(Notice.user_id == officer.id))
    assert notice is not None and notice.kind == "assigned"
    assert notice.title == f"Le cas {case.reference} vous est attribué"  # in her language
    [email] = _outbox(db)
    assert email.channel == "email" and email.recipient == f"user:{officer.id}"
    assert email.subject == notice.title
    assert (
        f"/cases/{case.reference}" in email.body and f"/cases/{case.reference}" in email.html_body
    )
    assert case.description not in email.body  # the report's text never leaves in a notice


def test_a_level_1_case_alerts_every_supervisor_by_email_and_sms_whatever_the_hour(
    db, make_user, make_case
):
    first = make_user("supervisor", phone="+243810000010", quiet_from=21, quiet_until=6)
    second = make_user("supervisor")  # no phone: email only
    make_user("officer")
    case = make_case(level=1)
    db.session.commit()
    rows = _outbox(db)
    assert sorted((r.recipient, r.channel) for r in rows) == sorted(
        [(f"user:{first.id}", "email"), (f"user:{first.id}", "sms"), (f"user:{second.id}", "email")]
    )
    sms = next(r for r in rows if r.channel == "sms")
    assert case.reference in sms.body and case.description[:20] not in sms.body
