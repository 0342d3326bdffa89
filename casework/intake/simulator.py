"""The SMS simulator: a phone in the browser that texts the real webhook.

A message goes through ``POST /sms/inbound`` exactly as Twilio's would: the same form
fields, signed with ``TWILIO_AUTH_TOKEN`` over the URL the webhook checks. The call runs
in a thread of its own so the webhook gets a fresh application context and database
session, as a request from Twilio would, rather than the officer's.

Only the fictitious numbers below can be used, and the thread shows only messages the
simulator sent (MessageSid prefix ``SMSIM``), the replies to them and what Casework sent
about the cases they opened or added to (milestones, feedback, officers' messages): should
one of these numbers belong to a real person who texts the programme, the simulator shows
nothing of it.

An anonymous message (``ANON ...``, or an addition by reference) keeps no trace of its
number, so nothing in the database ties it to the simulator's number: the officer's own
session remembers the MessageSids the simulator sent (`remember`), and the thread shows
those messages, if stored without a sender, and the replies to them.
"""

from __future__ import annotations

import secrets
import threading
import xml.etree.ElementTree as ET  # nosec B405  # only our own TwiML
from dataclasses import dataclass

from flask import Flask, current_app, request
from sqlalchemy import and_, or_, select
from werkzeug.test import Client

from casework.cases.models import Case
from casework.cases.permissions import can_view
from casework.extensions import db
from casework.intake.signature import public_url, sign
from casework.messages.models import Message
from casework.reporters.models import Reporter

SID_PREFIX = "SMSIM"
# (number, label): valid mobile numbers per phonenumbers, one or two per country.
NUMBERS: tuple[tuple[str, str], ...] = (
    ("+243990000001", "DRC +243 990 000 001"),
    ("+243970000002", "DRC +243 970 000 002"),
    ("+250780000003", "Rwanda +250 780 000 003"),
    ("+25779000004", "Burundi +257 79 000 004"),
    ("+256770000005", "Uganda +256 770 000 005"),
)
ALLOWED = frozenset(number for number, _ in NUMBERS)
INBOUND_PATH = "/sms/inbound"


@dataclass(frozen=True)
class Result:
    status_code: int
    twiml: str
    reply: str | None
    sid: str = ""


def can_sign() -> bool:
    """Without TWILIO_AUTH_TOKEN the webhook refuses everything, the simulator's too."""
    return bool(current_app.config.get("TWILIO_AUTH_TOKEN"))


def new_sid() -> str:
    return SID_PREFIX + secrets.token_hex(15)[:29]


def send(number: str, body: str, *, channel: str = "sms") -> Result:
    """Text ``body`` from ``number`` to the webhook, signed like Twilio; what it answered."""
    if number not in ALLOWED:
        raise ValueError("not a simulator number")
    config = current_app.config
    sender = f"whatsapp:{number}" if channel == "whatsapp" else number
    to = config.get("TWILIO_FROM_NUMBER") or "+15005550006"
    params = {
        "MessageSid": new_sid(),
        "SmsSid": "",
        "AccountSid": config.get("TWILIO_ACCOUNT_SID") or "",
        "From": sender,
        "To": f"whatsapp:{to}" if channel == "whatsapp" else to,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    params["SmsSid"] = params["MessageSid"]
    url = public_url(INBOUND_PATH)
    headers = {"X-Twilio-Signature": sign(url, params)}
    base_url = request.host_url.rstrip("/") + request.script_root
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    result = _post_in_own_thread(app, base_url, params, headers)
    return Result(result.status_code, result.twiml, result.reply, params["MessageSid"])


REMEMBERED = 30  # SIDs per number kept in the session, newest last


def remember(session, number: str, sid: str) -> None:
    """Keep ``sid`` in the officer's session: the way back to the simulator's anonymous
    messages, which are stored without their number."""
    sids = dict(session.get(SESSION_SIDS) or {})
    sids[number] = [*(sids.get(number) or []), sid][-REMEMBERED:]
    session[SESSION_SIDS] = sids


def remembered(session, number: str) -> list[str]:
    return list((session.get(SESSION_SIDS) or {}).get(number) or [])


SESSION_SIDS = "intake.simulator.sids"


def _post_in_own_thread(app: Flask, base_url: str, params, headers) -> Result:
    results: list[tuple[int, str]] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            response = Client(app).post(
                INBOUND_PATH, base_url=base_url, data=params, headers=headers
            )
            results.append((response.status_code, response.get_data(as_text=True)))
        except Exception as error:  # handed back to the caller's thread
            errors.append(error)

    worker = threading.Thread(target=run, name="sms-simulator", daemon=True)
    worker.start()
    worker.join(timeout=60)
    if errors:
        raise errors[0]
    if not results:
        raise TimeoutError("the webhook did not answer within 60 seconds")
    status_code, text = results[0]
    return Result(status_code, text, reply_text(text))


def reply_text(twiml: str) -> str | None:
    """The text of the first ``<Message>`` in a TwiML response (our own webhook's output)."""
    try:
        root = ET.fromstring(twiml)  # noqa: S314  # nosec B314  # our own webhook's answer
    except ET.ParseError:
        return None
    element = root.find("Message")
    if element is None:
        return None
    body = element.find("Body")
    return (body.text if body is not None else element.text) or ""


def thread(number: str, user, limit: int = 50, sids: list[str] | None = None) -> list[Message]:
    """The simulator's messages from ``number`` and the replies to them, oldest first, with
    the anonymous ones among ``sids`` (see `remember`); a message on a case the user may
    not see is left out."""
    if number not in ALLOWED:
        return []
    shown = []
    if sids:
        anonymous = select(Message.id).where(
            Message.provider_sid.in_(sids),
            Message.provider_sid.startswith(SID_PREFIX),
            Message.reporter_id.is_(None),
        )
        shown.append(or_(Message.id.in_(anonymous), Message.reply_to_id.in_(anonymous)))
    reporter = Reporter.find(number)
    if reporter is not None:
        shown.append(_reporter_thread(reporter))
    if not shown:
        return []
    rows = list(
        db.session.scalars(
            select(Message)
            .where(or_(*shown))
            .order_by(Message.created_dt.desc(), Message.id.desc())
            .limit(limit)
        )
    )
    cases = {
        case.id: case
        for case in db.session.scalars(
            select(Case).where(Case.id.in_({m.case_id for m in rows if m.case_id}))
        )
    }
    return [m for m in reversed(rows) if m.case_id is None or can_view(user, cases[m.case_id])]


def _reporter_thread(reporter: Reporter):
    """What the simulator sent as ``reporter``, the replies, and what Casework sent about
    the cases it reported or added to."""
    from_simulator = and_(
        Message.reporter_id == reporter.id,
        Message.direction == "in",
        Message.provider_sid.startswith(SID_PREFIX),
    )
    sent = select(Message.id).where(from_simulator)
    # Cases the simulator's messages reported or added to: what Casework sends about them
    # (milestones, feedback, officers' messages) reaches this phone too.
    simulated_cases = select(Message.case_id).where(from_simulator, Message.case_id.is_not(None))
    return and_(
        Message.reporter_id == reporter.id,
        or_(
            and_(Message.direction == "in", Message.provider_sid.startswith(SID_PREFIX)),
            and_(
                Message.direction == "out",
                or_(Message.reply_to_id.in_(sent), Message.case_id.in_(simulated_cases)),
            ),
        ),
    )
