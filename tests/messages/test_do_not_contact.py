"""The "do not contact the reporter" switch: audited, on and off, by those working the case;
while on, nothing reaches the reporter, not even what was queued before it was switched on."""

from __future__ import annotations

import pytest

from casework.cases.models import Case, CaseEvent
from casework.errors import PermissionDenied
from casework.messages.models import Message
from casework.messages.operations import (
    DoNotContact,
    contact_state,
    send_status_update,
    send_to_reporter,
)
from casework.reporters.models import Reporter
from notifications.models import OutboxMessage
from notifications.outbox import dispatch
from tests.conftest import csrf_token

PHONE = "+243812345678"


@pytest.fixture
def reported_case(db, make_case):
    reporter = Reporter.for_phone(PHONE, country="CD", language="fr")
    db.session.add(reporter)
    db.session.commit()
    return make_case(reporter=reporter, status="verifying")


def switch(client, case: Case, value: str, reason: str = "Son téléphone est surveillé", **extra):
    url = f"/cases/{case.reference}"
    data = {
        "csrf_token": csrf_token(client, url),
        "version": str(case.version),
        "value": value,
        "reason": reason,
        **extra,
    }
    return client.post(f"{url}/do-not-contact", data=data)


def events(db, case, *kinds) -> list[CaseEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(kinds))
            .order_by(CaseEvent.seq)
        )
    )


def reload(db, case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def test_an_officer_switches_it_on_and_a_supervisor_off_both_on_the_record(
    db, login_as, reported_case
):
    officer, officer_user = login_as("officer")
    response = switch(officer, reported_case, "on")
    assert response.status_code == 303
    assert response.location.endswith(f"/cases/{reported_case.reference}#do-not-contact")
    assert reload(db, reported_case).do_not_contact is True

    html = officer.get(f"/cases/{reported_case.reference}").get_data(as_text=True)
    assert "switched on “do not contact the reporter”" in html
    assert "Son téléphone est surveillé" in html  # the reason, on the timeline
    assert "Allow contact again" in html
    assert "<textarea" in html and 'id="message-body"' not in html  # no compose box...
    assert "“Do not contact the reporter” is switched on" in html  # ...but the reason why

    supervisor, supervisor_user = login_as("supervisor")
    case = reload(db, reported_case)
    assert switch(supervisor, case, "off", "Le rapporteur a rappelé").status_code == 303
    assert reload(db, reported_case).do_not_contact is False
    on, off = events(db, reported_case, "do_not_contact_set", "do_not_contact_cleared")
    assert (on.kind, on.actor_id, on.data) == (
        "do_not_contact_set", officer_user.id, {"reason": "Son téléphone est surveillé"},
    )  # fmt: skip
    assert (off.kind, off.actor_id, off.data) == (
        "do_not_contact_cleared", supervisor_user.id, {"reason": "Le rapporteur a rappelé"},
    )  # fmt: skip
    html = supervisor.get(f"/cases/{reported_case.reference}").get_data(as_text=True)
    assert "switched off “do not contact the reporter”" in html


def test_a_reason_is_required(db, login_as, reported_case):
    officer, _ = login_as("officer")
    response = switch(officer, reported_case, "on", reason="   ")
    assert response.status_code == 422
    assert "Say why in the Reason box" in response.get_data(as_text=True)
    assert reload(db, reported_case).do_not_contact is False
    assert events(db, reported_case, "do_not_contact_set") == []


@pytest.mark.parametrize("role", ["committee", "viewer", "admin"])
def test_other_roles_may_not_switch_it(db, login_as, make_committee, reported_case, role):
    committee = make_committee()
    reported_case.committee_id = committee.id
    reported_case.is_published = True
    db.session.commit()
    client, _ = login_as(role, committee=committee if role == "committee" else None)
    page = client.get(f"/cases/{reported_case.reference}").get_data(as_text=True)
    assert "do-not-contact" not in page
    token = csrf_token(client, "/cases")
    response = client.post(
        f"/cases/{reported_case.reference}/do-not-contact",
        data={"csrf_token": token, "version": str(reported_case.version), "value": "on",
              "reason": "x"},
    )  # fmt: skip
    assert response.status_code == 403
    assert reload(db, reported_case).do_not_contact is False


def test_the_operation_refuses_other_roles(db, make_user, reported_case):
    from casework.cases.operations import set_do_not_contact

    with pytest.raises(PermissionDenied):
        set_do_not_contact(reported_case, True, reason="x", actor=make_user("viewer"))


def test_a_stale_form_is_a_conflict(db, login_as, reported_case):
    officer, _ = login_as("officer")
    stale_version = reported_case.version
    reported_case.title = "Changed meanwhile"
    db.session.commit()
    response = switch(officer, reported_case, "on", version=str(stale_version))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this case" in html
    assert "Son téléphone est surveillé" in html  # the reason typed is kept
    assert reload(db, reported_case).do_not_contact is False


def test_the_form_needs_csrf(db, login_as, reported_case):
    officer, _ = login_as("officer")
    response = officer.post(
        f"/cases/{reported_case.reference}/do-not-contact",
        data={"version": str(reported_case.version), "value": "on", "reason": "x"},
    )
    assert response.status_code == 400
    assert reload(db, reported_case).do_not_contact is False


def test_under_do_not_contact_nothing_is_queued(db, make_user, reported_case):
    reported_case.do_not_contact = True
    db.session.commit()
    officer = make_user("officer")
    with pytest.raises(DoNotContact):
        send_to_reporter(reported_case, "Bonjour", actor=officer)
    db.session.rollback()
    assert send_status_update(reported_case, "Signalement: suivi.", kind="reminder") is None
    assert db.session.scalars(db.select(OutboxMessage)).all() == []
    state = contact_state(officer, reported_case)
    assert not state.allowed and "Do not contact the reporter" in state.reason


def test_switched_on_after_queueing_the_message_is_given_up_not_sent(
    db, login_as, make_user, reported_case, twilio_fake
):
    update = send_status_update(reported_case, "Signalement: suivi.", kind="reminder", key="r:1")
    by_hand = send_to_reporter(reported_case, "Bonjour", actor=make_user("officer"))
    db.session.commit()
    client, _ = login_as("officer")
    assert switch(client, reload(db, reported_case), "on").status_code == 303

    report = dispatch()
    assert (report.sent, report.dead) == (0, 2)
    assert twilio_fake.creates() == []
    db.session.expire_all()
    for message in (update, by_hand):
        message = db.session.get(Message, message.id)
        assert (message.status, message.error_code) == ("failed", "do_not_contact")
    rows = db.session.scalars(db.select(OutboxMessage)).all()
    assert {(r.status, r.last_error_code) for r in rows} == {("dead", "do_not_contact")}
    html = client.get(f"/cases/{reported_case.reference}").get_data(as_text=True)
    assert "given up" in html
    assert "“do not contact the reporter” was switched on for the case" in html
