"""POST /sms/status: Twilio's delivery status updates our outbound message."""

from __future__ import annotations

import pytest

from casework.messages.models import Message
from tests.intake.conftest import messages, new_sid

REPORT = "Hommes armés à Rubaya ce matin, ils taxent les creuseurs."


@pytest.fixture
def reply(sms, db):
    sms(REPORT)
    [out] = messages(db, Message.direction == "out")
    return out


def test_callbacks_update_the_reply_by_our_id(status_callback, db, reply):
    sid = new_sid()
    for status in ("sent", "delivered"):
        response = status_callback(
            {"MessageSid": sid, "MessageStatus": status}, query=f"m={reply.id}"
        )
        assert response.status_code == 200
        db.session.refresh(reply)
        assert reply.status == status
    assert reply.provider_sid == sid
    assert reply.updated_dt is not None


def test_callbacks_find_the_message_by_its_sid_too(status_callback, db, reply):
    sid = new_sid()
    status_callback({"MessageSid": sid, "MessageStatus": "sent"}, query=f"m={reply.id}")
    status_callback({"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"})
    db.session.refresh(reply)
    assert (reply.status, reply.error_code) == ("undelivered", "30003")


def test_a_late_callback_does_not_move_the_status_back(status_callback, db, reply):
    sid = new_sid()
    status_callback({"MessageSid": sid, "MessageStatus": "delivered"}, query=f"m={reply.id}")
    status_callback({"MessageSid": sid, "MessageStatus": "sent"}, query=f"m={reply.id}")
    db.session.refresh(reply)
    assert reply.status == "delivered"


def test_failure_records_the_error_code(status_callback, db, reply):
    status_callback(
        {"MessageSid": new_sid(), "MessageStatus": "failed", "ErrorCode": "30007"},
        query=f"m={reply.id}",
    )
    db.session.refresh(reply)
    assert (reply.status, reply.error_code) == ("failed", "30007")


def test_an_unsigned_callback_is_refused(status_callback, db, reply):
    response = status_callback(
        {"MessageSid": new_sid(), "MessageStatus": "failed"}, query=f"m={reply.id}", sign=False
    )
    assert response.status_code == 403
    db.session.refresh(reply)
    assert reply.status == "queued"


def test_a_callback_signed_for_another_message_id_is_refused(client, db, reply):
    from tests.intake.conftest import STATUS_URL, signature

    params = {"MessageSid": new_sid(), "MessageStatus": "failed"}
    sig = signature(f"{STATUS_URL}?m={reply.id + 1}", params)
    response = client.post(
        f"/sms/status?m={reply.id}", data=params, headers={"X-Twilio-Signature": sig}
    )
    assert response.status_code == 403


def test_a_callback_never_touches_an_inbound_message(status_callback, db, reply):
    [inbound] = messages(db, Message.direction == "in")
    status_callback({"MessageSid": new_sid(), "MessageStatus": "failed"}, query=f"m={inbound.id}")
    db.session.refresh(inbound)
    assert inbound.status == "received"


@pytest.mark.parametrize(
    ("params", "query", "code"),
    [
        ({"MessageSid": "SMunknown", "MessageStatus": "sent"}, "", 200),
        ({"MessageSid": "SMunknown", "MessageStatus": "sent"}, "m=999999", 200),
        ({"MessageStatus": "sent"}, "", 400),
        ({"MessageSid": "SMx", "MessageStatus": "exploded"}, "m=1", 200),
        ({"MessageSid": "SMx", "MessageStatus": "sent"}, "m=abc", 200),
    ],
)
def test_odd_callbacks_never_give_a_500(status_callback, db, params, query, code):
    assert status_callback(params, query=query).status_code == code
