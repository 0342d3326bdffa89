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


def test_triage_confirming_intakes_level_1_does_not_alert_the_supervisors_twice(db, make_user):
    from casework.cases import operations

    supervisor = make_user("supervisor", phone="+243810000012")
    officer = make_user("officer")
    case = operations.create_case(
        description="Wapiganaji wako kwa site", channel="sms", suggested_level=1
    )
    db.session.commit()
    operations.change_level(case, 1, actor=officer)  # the officer confirms it at triage
    db.session.commit()
    alerts = db.session.scalars(
        select(Notice).where(Notice.user_id == supervisor.id, Notice.kind == "level1_alert")
    ).all()
    assert len(alerts) == 1  # on arrival, not again at triage
    sms = [r for r in _outbox(db) if r.channel == "sms"]
    assert len(sms) == 1


def test_the_committee_is_told_even_when_the_case_was_read_before_escalation(
    db, make_user, make_case, make_committee
):
    from casework.cases import operations

    committee = make_committee()
    member = make_user("committee", committee=committee)
    supervisor = make_user("supervisor")
    case = make_case(status="verified", level=2)
    assert case.committee is None  # the relationship is loaded, empty, in this session
    operations.fire(case, "escalate", actor=supervisor, committee_id=committee.id)
    db.session.commit()
    kinds = [n.kind for n in db.session.scalars(select(Notice).where(Notice.user_id == member.id))]
    assert kinds == ["escalated"]


def test_a_notice_about_a_case_taken_away_is_no_longer_listed(db, login_as, make_case):
    from casework.cases import operations

    client, officer = login_as("officer")
    _, supervisor = login_as("supervisor")
    case = make_case(level=2, category="SA-SGBV")
    operations.assign(case, officer, actor=supervisor)
    db.session.commit()
    assert case.reference in client.get("/notifications").get_data(as_text=True)
    operations.assign(case, supervisor, actor=supervisor)  # reassigned: restricted, not hers
    db.session.commit()
    html = client.get("/notifications").get_data(as_text=True)
    assert case.reference not in html and "Notifications (" not in html


def test_a_contact_owning_an_action_on_a_restricted_case_is_not_sent_its_words(
    db, make_user, make_case
):
    from datetime import date

    from casework.cases import operations
    from casework.contacts.models import Contact

    supervisor = make_user("supervisor")
    contact = Contact(name="Espérance", sector="civil_society", email="e@example.org")
    db.session.add(contact)
    open_case = make_case(level=2, category="OHS", status="verified")
    restricted = make_case(level=1, category="SA-SGBV", status="verified")
    for case in (open_case, restricted):
        operations.add_action(case, description="Accompany Mama Neema to the clinic",
                              due_date=date(2026, 12, 1), actor=supervisor,
                              owner_contact=contact)  # fmt: skip
    db.session.commit()
    bodies = {r.ref: r.body for r in _outbox(db, "case:")}
    assert "Mama Neema" in bodies[f"case:{open_case.id}"]
    assert "Mama Neema" not in bodies[f"case:{restricted.id}"]
    assert "de vive voix" in bodies[f"case:{restricted.id}"]  # the contact reads French
