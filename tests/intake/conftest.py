"""Helpers for the intake tests: webhook requests signed with twilio's own RequestValidator."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from casework.cases.models import Case
from casework.messages.models import Message

TOKEN = "test-auth-token"
INBOUND_URL = "http://casework.test/sms/inbound"
STATUS_URL = "http://casework.test/sms/status"
DRC = "+243990000101"
DRC_2 = "+243970000102"
RWANDA = "+250780000103"
UGANDA = "+256770000104"
BURUNDI = "+25779000105"


def new_sid() -> str:
    return "SM" + secrets.token_hex(16)


def signature(url: str, params: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, params)


@dataclass
class Answer:
    """A webhook response, with the reply text (None when the TwiML sends nothing)."""

    status_code: int
    text: str
    reply: str | None
    action: str | None


def read_answer(response) -> Answer:
    text = response.get_data(as_text=True)
    reply = action = None
    if response.status_code == 200 and text.startswith("<?xml"):
        root = ET.fromstring(text)  # noqa: S314  (our own app's TwiML)
        assert root.tag == "Response"
        message = root.find("Message")
        if message is not None:
            reply, action = message.text, message.get("action")
    return Answer(response.status_code, text, reply, action)


@pytest.fixture
def sms(client):
    """``sms("text", sender=DRC)``: Twilio's inbound webhook, correctly signed."""

    def send(
        body: str = "",
        *,
        sender: str = DRC,
        sid: str | None = None,
        extra: dict | None = None,
        drop: tuple[str, ...] = (),
        sign: bool = True,
        url: str = INBOUND_URL,
        token: str = TOKEN,
        headers: dict | None = None,
    ) -> Answer:
        params = {
            "MessageSid": sid or new_sid(),
            "AccountSid": "AC" + "0" * 32,
            "From": sender,
            "To": "+15005550006",
            "Body": body,
            "NumMedia": "0",
        }
        params.update(extra or {})
        for key in drop:
            params.pop(key, None)
        all_headers = dict(headers or {})
        if sign:
            all_headers["X-Twilio-Signature"] = signature(url, params, token)
        return read_answer(client.post("/sms/inbound", data=params, headers=all_headers))

    return send


@pytest.fixture
def status_callback(client):
    def post(params: dict, *, query: str = "", sign: bool = True):
        url = STATUS_URL + (f"?{query}" if query else "")
        headers = {"X-Twilio-Signature": signature(url, params)} if sign else {}
        path = "/sms/status" + (f"?{query}" if query else "")
        return client.post(path, data=params, headers=headers)

    return post


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def cases(db) -> list[Case]:
    db.session.expire_all()
    return list(db.session.scalars(select(Case).order_by(Case.id)))


def messages(db, *where) -> list[Message]:
    db.session.expire_all()
    return list(db.session.scalars(select(Message).where(*where).order_by(Message.id)))
