"""Erasing a reporter's contact details (`casework.reporters.erasure`) and the legal hold
on the case page: what goes, what stays, and what the record says."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases.models import CaseEvent
from casework.messages.delivery import NotRetryable, retry_delivery
from casework.messages.models import Message
from casework.messages.operations import send_status_update
from casework.reporters.erasure import (
    REQUESTED,
    RETENTION_ENDED,
    OnLegalHold,
    erase_contact,
    set_legal_hold,
)
from casework.reporters.models import Reporter
from notifications import outbox
from notifications.models import OutboxMessage
from tests.conftest import csrf_token
from tests.reporters.traces import traces_of

NUMBER = "+243991230077"


@pytest.fixture
def reporter(db):
    reporter = Reporter.for_phone(NUMBER, country="CD", language="fr")
    db.session.add(reporter)
    db.session.commit()
    return reporter


def kinds(db, case) -> list[str]:
    return list(
        db.session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


def test_erasing_leaves_no_trace_of_the_number_and_keeps_the_cases_and_texts(
    db, reporter, make_case, frozen_now
):
    first = make_case(reporter=reporter, status="closed")
    second = make_case(reporter=reporter, description="Les tags sont vendus au marché.")
    db.session.add(
        Message(direction="in", channel="sms", body="Rapport", case_id=second.id,
                reporter_id=reporter.id, status="received")
    )  # fmt: skip
    db.session.commit()
    assert traces_of(db, NUMBER)  # the check sees the number while it is kept

    erased = erase_contact(reporter, actor=None, reason=REQUESTED)
    db.session.commit()

    assert (erased.cases, erased.messages) == (2, 1)
    assert traces_of(db, NUMBER) == []
    assert db.session.scalars(select(Reporter)).all() == []
    for case in (first, second):
        db.session.refresh(case)
        assert case.reporter_id is None and case.contact_erased_dt == frozen_now
        assert kinds(db, case)[-1] == "contact_erased"
    assert second.description == "Les tags sont vendus au marché."
    assert db.session.scalars(select(Message.body)).all() == ["Rapport"]
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.kind == "contact_erased", CaseEvent.case_id == first.id)
    ).one()
    assert event.data == {"reason": REQUESTED}


def test_messages_waiting_for_the_reporter_are_given_up_and_never_sent(
    db, reporter, make_case, frozen_now, login_as
):
    case = make_case(reporter=reporter)
    message = send_status_update(case, "Signalement: en examen.", kind="reminder", key="k1")
    db.session.commit()
    assert message is not None and message.status == "queued"

    erased = erase_contact(reporter, actor=None, reason=RETENTION_ENDED)
    db.session.commit()
    assert erased.given_up == 1

    row = db.session.scalars(select(OutboxMessage)).one()
    assert row.status == "dead" and row.last_error_code == "contact_erased"
    assert not row.recipient.startswith(f"reporter:{reporter.id}")
    assert outbox.drain().claimed == 0  # nothing due: nothing goes out
    db.session.refresh(message)
    assert message.status == "failed" and message.error_code == "contact_erased"
    client, _ = login_as("supervisor")
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "given up" in page and "queued" not in page
    assert "contact details were erased (contact erased)" in page


def test_a_message_given_up_for_an_erased_reporter_cannot_be_retried(
    db, reporter, make_case, make_user
):
    case = make_case(reporter=reporter)
    send_status_update(case, "Signalement: en examen.", kind="reminder", key="k2")
    db.session.commit()
    erase_contact(reporter, actor=None, reason=REQUESTED)
    db.session.commit()
    row = db.session.scalars(select(OutboxMessage)).one()
    with pytest.raises(NotRetryable, match="contact details were erased"):
        retry_delivery(row.id, actor=make_user("supervisor"))


def test_a_case_on_legal_hold_blocks_erasure(db, reporter, make_case, make_user):
    supervisor = make_user("supervisor")
    case = make_case(reporter=reporter, status="closed")
    set_legal_hold(case, reason="Requested by the Bukavu prosecutor.", actor=supervisor)
    db.session.commit()
    with pytest.raises(OnLegalHold):
        erase_contact(reporter, actor=None, reason=RETENTION_ENDED)
    db.session.rollback()
    assert db.session.get(Reporter, reporter.id) is not None


def test_audit_verify_passes_after_an_erasure(db, reporter, make_case, runner):
    case = make_case(reporter=reporter)
    make_case(reporter=reporter, status="closed")
    erase_contact(reporter, actor=None, reason=REQUESTED)
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "contact_erased" in kinds(db, case)


def test_the_case_page_says_contact_erased_with_the_date(db, reporter, make_case, login_as):
    case = make_case(reporter=reporter)
    erase_contact(reporter, actor=None, reason=REQUESTED)
    db.session.commit()
    client, _ = login_as("supervisor")
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "contact erased" in page
    assert "Contact erased" in page  # the messages panel
    assert "no longer write to them" in page  # the compose box says why
    assert "were erased at their request" in page  # the timeline


# ---------------------------------------------------------------- legal hold on the page


def post_hold(client, case, value: str, reason: str, version=None):
    token = csrf_token(client, "/cases")
    data = {"csrf_token": token, "version": version or case.version, "value": value,
            "reason": reason}  # fmt: skip
    return client.post(f"/cases/{case.reference}/legal-hold", data=data)


def test_a_supervisor_puts_a_case_on_legal_hold_and_lifts_it_on_the_record(
    db, reporter, make_case, login_as
):
    case = make_case(reporter=reporter)
    client, supervisor = login_as("supervisor")
    response = post_hold(client, case, "on", "Police inquiry, Walikale.")
    assert response.status_code == 303
    db.session.refresh(case)
    assert case.legal_hold_reason == "Police inquiry, Walikale."
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Police inquiry, Walikale." in page and "Lift the legal hold" in page

    assert post_hold(client, case, "off", "Inquiry closed.").status_code == 303
    db.session.refresh(case)
    assert case.legal_hold_reason is None
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind.like("legal_hold%"))
        .order_by(CaseEvent.seq)
    ).all()  # fmt: skip
    assert [(e.kind, e.data["reason"], e.actor_id) for e in events] == [
        ("legal_hold_set", "Police inquiry, Walikale.", supervisor.id),
        ("legal_hold_cleared", "Inquiry closed.", supervisor.id),
    ]


def test_a_legal_hold_needs_a_reason(db, make_case, login_as):
    case = make_case()
    client, _ = login_as("supervisor")
    response = post_hold(client, case, "on", "  ")
    assert response.status_code == 422
    db.session.refresh(case)
    assert case.legal_hold_reason is None


@pytest.mark.parametrize("role", ["officer", "viewer", "admin"])
def test_only_a_supervisor_may_put_a_case_on_legal_hold(db, make_case, login_as, role):
    case = make_case()
    client, _ = login_as(role)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Put on legal hold" not in page
    assert post_hold(client, case, "on", "Because.").status_code == 403
    db.session.refresh(case)
    assert case.legal_hold_reason is None


def test_a_stale_legal_hold_form_answers_409(db, make_case, login_as):
    case = make_case()
    client, _ = login_as("supervisor")
    stale = post_hold(client, case, "on", "Court order.", version=case.version + 5)
    assert stale.status_code == 409
