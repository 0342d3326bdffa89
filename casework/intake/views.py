"""Twilio's webhooks (``/sms/inbound``, ``/sms/status``) and the SMS simulator.

The webhooks are public (Twilio has no session) and CSRF-exempt (Twilio signs instead):
a request without a valid ``X-Twilio-Signature`` gets 403 and leaves nothing behind.
They never answer 500: whatever goes wrong is logged (never with a phone number) and
Twilio gets a 200 with an empty TwiML response, or a 4xx for a request that cannot be
taken (400 without From/MessageSid, 413 over 64 KB).

The inbound webhook waits for the database a few seconds at most (`db_timeouts`). When
the database cannot take the message (a lock, a timeout, no connection), or processing
failed and even the failure could not be kept with its reporter, the message goes to the
local spool and the reporter still gets their reference (`casework.intake.spooled`);
only when the disk fails too is the bare message kept, and when nothing can be stored
Twilio hears 503.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from twilio.twiml.messaging_response import MessagingResponse
from werkzeug.exceptions import RequestEntityTooLarge

from casework.cases.models import Case
from casework.extensions import csrf, db
from casework.intake import db_timeouts, operations, spool, spooled
from casework.intake import simulator as simulator_ops
from casework.intake.forms import SimulatorForm
from casework.intake.signature import public_url, request_is_from_twilio
from casework.security import public

log = logging.getLogger(__name__)

bp = Blueprint("intake", __name__)

MAX_BODY = 64 * 1024
RETRIES = 3


def twiml(reply_text: str | None = None, status_url: str | None = None) -> Response:
    response = MessagingResponse()
    if reply_text:
        response.message(reply_text, action=status_url, method="POST" if status_url else None)
    return Response(str(response), status=200, mimetype="application/xml")


def _plain(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain")


def _refuse_unsigned_or_oversized() -> Response | None:
    """413 for bodies over 64 KB, 403 without Twilio's signature; None when fine."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return _plain(413, "Request body over 64 KB.")
    # A chunked body has no length to check up front, and Werkzeug cuts a form at the
    # limit rather than refuse it: read one byte more than allowed to tell.
    request.max_content_length = MAX_BODY + 1
    try:
        if len(request.get_data(cache=True)) > MAX_BODY:
            return _plain(413, "Request body over 64 KB.")
    except RequestEntityTooLarge:
        return _plain(413, "Request body over 64 KB.")
    if not request_is_from_twilio():
        log.warning(
            "Refused %s: missing or wrong Twilio signature (MessageSid %s)",
            request.path,
            _sid_for_log(),
        )
        return _plain(403, "Missing or wrong X-Twilio-Signature.")
    return None


def status_callback_url(message_id: int) -> str:
    return public_url("/sms/status", f"m={message_id}")


@bp.post("/sms/inbound")
@csrf.exempt
@public
def sms_inbound():
    stage = "checking"
    try:
        refused = _refuse_unsigned_or_oversized()
        if refused is not None:
            return refused
        # Checked as signed; stored as text every database can hold (PostgreSQL refuses NUL).
        form = {key: value.replace("\x00", "\ufffd") for key, value in request.form.items()}
        sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
        sender = (form.get("From") or "").strip()
        if not sid or not sender:
            return _plain(400, "MessageSid and From are required.")
        if len(sid) > 64:
            return _plain(400, "MessageSid is too long.")
        inbound = operations.Inbound(
            sid=sid,
            sender=sender,
            body=form.get("Body") or "",
            media=operations.media_from_form(form),
        )
        if spool.holds(sid):  # taken while the database was away: a repeat
            log.info("SMS %s is spooled already: ignored", sid)
            return twiml()
        stage = "processing"
        with db_timeouts.bounded():
            reply = _receive(inbound)
        stage = "answering"
        if reply is None:
            return twiml()
        return twiml(reply[0], status_callback_url(reply[1]))
    except Exception as error:
        _rollback()
        log.exception("SMS intake failed while %s (MessageSid %s)", stage, _sid_for_log())
        if stage != "processing":
            return twiml()
        database_works = not db_timeouts.is_unavailable(error)
        if database_works:
            with db_timeouts.bounded():
                if _keep(inbound, with_reporter=True):
                    return twiml()
        spooled_answer = _spool(inbound, form)
        if spooled_answer is not None:
            return spooled_answer
        if database_works:  # no disk either: the bare message is better than nothing
            with db_timeouts.bounded():
                if _keep(inbound, with_reporter=False):
                    return twiml()
        # Nothing could be stored: say so, so that Twilio logs the failure (and retries
        # where configured) instead of taking it as delivered.
        return Response("Service unavailable\n", 503, {"Retry-After": "60"}, mimetype="text/plain")


def _rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # a connection that broke mid-way; the pool replaces it
        log.warning("Rollback after a failed SMS intake failed too", exc_info=True)


def _spool(inbound: operations.Inbound, form: dict[str, str]) -> Response | None:
    """Keep the message on local disk and answer the reporter; None if even that fails."""
    try:
        _, reply = spooled.spool_message(inbound, form)
    except Exception:
        log.exception("SMS %s could not be spooled either", inbound.sid)
        return None
    # No delivery-status URL: the reply has no row to report on until it is filed.
    return twiml(reply)


def _receive(inbound: operations.Inbound) -> tuple[str, int] | None:
    """Process and commit; the reply's text and id, or None when nothing is to be sent."""
    for attempt in range(1, RETRIES + 1):
        try:
            outcome = operations.receive_message(inbound)
            if outcome.is_duplicate:
                db.session.rollback()
                log.info("SMS %s delivered again: ignored", inbound.sid)
                return None
            reply = (outcome.reply.body, outcome.reply.id) if outcome.reply else None
            db.session.commit()
            return reply
        except IntegrityError:
            # A concurrent first message from the same new number created its reporter
            # first: start again, and find it.
            db.session.rollback()
            if attempt == RETRIES:
                raise
    return None


def _sid_for_log() -> str:
    try:
        return (request.form.get("MessageSid") or "-")[:64]
    except Exception:
        return "-"


def _keep(inbound: operations.Inbound, *, with_reporter: bool) -> bool:
    """After a processing failure, keep the message (flagged ``processing_failed``) so that
    Twilio's retry or ``casework intake replay`` processes it: with its reporter; else, the
    spool having failed too, bare (its sender is then lost, its text is not)."""
    try:
        operations.keep_failed(inbound, with_reporter=with_reporter)
        db.session.commit()
        return True
    except Exception:
        _rollback()
        how = "with its reporter" if with_reporter else "even bare"
        log.exception("Could not keep SMS %s %s", _sid_for_log(), how)
        return False


@bp.post("/sms/status")
@csrf.exempt
@public
def sms_status():
    try:
        refused = _refuse_unsigned_or_oversized()
        if refused is not None:
            return refused
        message_id = request.args.get("m", type=int)
        provider_sid = (request.form.get("MessageSid") or request.form.get("SmsSid") or "").strip()
        status = request.form.get("MessageStatus") or request.form.get("SmsStatus") or ""
        if message_id is None and not provider_sid:
            return _plain(400, "MessageSid is required.")
        message = operations.record_delivery_status(
            message_id=message_id,
            provider_sid=provider_sid or None,
            status=status,
            error_code=(request.form.get("ErrorCode") or "").strip() or None,
        )
        if message is None:
            log.info("Status callback for an unknown message (%s, id %s)", provider_sid, message_id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("SMS status callback failed")
    return twiml()


# ---------------------------------------------------------------- the simulator

# Sending from the simulator opens cases: officers' and supervisors' work (admins are
# read-only on cases).
SIMULATOR_ROLES = frozenset({"officer", "supervisor"})


def _require_simulator_role() -> None:
    if current_user.role not in SIMULATOR_ROLES:
        abort(403)


@bp.get("/simulator")
def simulator():
    _require_simulator_role()
    form = SimulatorForm(formdata=None)
    number = request.args.get("number")
    if number in simulator_ops.ALLOWED:
        form.number.data = number
    if request.args.get("channel") in {"sms", "whatsapp"}:
        form.channel.data = request.args["channel"]
    return _render_simulator(form)


@bp.post("/simulator")
def simulator_send():
    _require_simulator_role()
    form = SimulatorForm()
    if not form.validate():
        return _render_simulator(form, status=422)
    if not simulator_ops.can_sign():
        return _render_simulator(form, status=409)
    try:
        result = simulator_ops.send(
            form.number.data, form.body.data or "", channel=form.channel.data
        )
    except Exception:
        log.exception("The SMS simulator could not reach the webhook")
        flash(_("The message could not be delivered to the webhook; see the server log."), "error")
        return redirect(url_for(".simulator", number=form.number.data, channel=form.channel.data))
    simulator_ops.remember(session, form.number.data, result.sid)
    session[_LAST] = {
        "number": form.number.data,
        "status_code": result.status_code,
        "twiml": result.twiml[:4000],
        "reply": result.reply,
    }
    return redirect(url_for(".simulator", number=form.number.data, channel=form.channel.data))


_LAST = "intake.simulator.last"


def _render_simulator(form: SimulatorForm, status: int = 200):
    number = form.number.data or simulator_ops.NUMBERS[0][0]
    form.number.data = number
    last = session.pop(_LAST, None)
    if last and last.get("number") != number:
        last = None
    db.session.expire_all()
    messages = simulator_ops.thread(
        number, current_user, sids=simulator_ops.remembered(session, number)
    )
    references = {
        case.id: case.reference
        for case in db.session.scalars(
            select(Case).where(Case.id.in_({m.case_id for m in messages if m.case_id}))
        )
    }
    return (
        render_template(
            "intake/simulator.html",
            form=form,
            messages=messages,
            references=references,
            last=last,
            webhook_url=public_url("/sms/inbound"),
            numbers=simulator_ops.NUMBERS,
            can_sign=simulator_ops.can_sign(),
        ),
        status,
    )
