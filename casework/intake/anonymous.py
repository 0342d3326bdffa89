"""Anonymous reports by SMS: ``ANON <text>`` opens a case that keeps no trace of the number.

What this means for each guarantee of `casework.intake.operations`:

- **No reporter.** No `Reporter` row is looked up or made for an ANON message: no
  encrypted number, no keyed hash. The message and the reply are stored with
  ``reporter_id`` None and the case with ``is_anonymous`` set and no reporter, so nothing
  (milestones, reminders, an officer's message, the outbox) has anyone to write to.
- **The reply** goes back in the webhook's TwiML response, the only moment the number is
  known; nothing is queued (a replayed ANON message gets no reply: the number is gone).
- **The way back is the reference.** A message that starts with it (``CW-7K3Q-92MX more``)
  is added to that anonymous case, from any number, and ``STATUS <ref>`` answers an
  anonymous case's public status from any number. The sender's number is not stored for
  either, not even when it belongs to a known reporter. A reference that names no
  anonymous case gets a neutral answer and stores nothing about the sender either (it may
  be an anonymous reporter's typo); only a reference to one of the sender's own cases
  goes the ordinary way (then the sender is a known reporter already).
- **No follow-up window.** Without a number there is nothing to group messages by: every
  ANON message opens a case of its own; additions must name the reference.
- **Flood control** cannot be per number. It is per case: an anonymous case answers at
  most ``CASEWORK_SMS_HOURLY_LIMIT`` SMS an hour; past that, additions are kept on the case,
  flagged, without a reply. New ANON reports have no limit: any limit not tied to a
  number would let one sender silence every anonymous reporter.
- **Idempotency** by MessageSid is unchanged: the message row is written first.
- **Language** comes from the text, else the keyword's language (``ANONYME``, ``STATUT``),
  else the case's, else the country of the number (used, never kept).
- **Locking:** an addition locks the case row (``FOR UPDATE``), so the hourly count and
  the case's record stay consistent when two additions arrive at once.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from casework import clock
from casework.cases.models import Case
from casework.cases.operations import create_case, record_event
from casework.extensions import db
from casework.intake import keywords, language, replies
from casework.intake import operations as ops
from casework.messages.models import Message
from casework.reporters.models import Reporter

log = logging.getLogger(__name__)

KINDS = frozenset({"anon", "anon_without_text", "by_reference"})


def concerns(parsed: keywords.Parsed) -> bool:
    """Whether the message may be anonymous, or about an anonymous case: then no reporter
    row is made for it before `handle` has decided."""
    return parsed.kind in KINDS or (parsed.kind == "status" and parsed.reference is not None)


def handle(
    message: Message, reading: ops._Reading, sender: ops.Sender, now
) -> ops.Outcome | ops._Reading:
    """Act on a message that `concerns` anonymity: the outcome, or, when the message is
    to go the ordinary way after all, the reading to process it with."""
    parsed = reading.parsed
    if sender.number and not sender.is_valid:
        ops._flag(message, "invalid_sender")
    outcome = ops.Outcome("", message=message)
    if parsed.kind == "by_reference" and reading.suggestion is None:  # a reference alone
        parsed = keywords.Parsed("status", reference=parsed.reference)
        reading = dataclasses.replace(reading, parsed=parsed)

    if parsed.kind == "status":
        case = _case(parsed.reference)
        if case is not None and case.is_anonymous:
            _status(outcome, case, reading, sender, now)
        elif sender.number and Reporter.find(sender.number) is not None:
            return reading  # a known reporter: the ordinary rule (only their own cases)
        else:  # a number we do not know: answered, and still not kept
            outcome.action = "status_not_found"
            lang = _language(reading, sender)
            outcome.reply = _reply(message, sender, replies.render("not_found", lang), lang)
        return outcome

    if parsed.kind == "anon_without_text" and reading.suggestion is None:
        outcome.action = "anon_without_text"
        lang = _language(reading, sender)
        text = replies.render("anon_without_text", lang)
        outcome.reply = _reply(message, sender, text, lang)
        return outcome

    case = _case(parsed.reference) if parsed.reference else None
    if case is not None and case.is_anonymous and case.status != "closed":
        text = reading.text
        if parsed.kind == "anon":  # "ANON <ref> text": the text after the reference
            after = keywords.by_reference(parsed.text, _prefix())
            text = after.text if after is not None and after.text else text
        _add_to(outcome, case, text, reading, sender, now)
    elif parsed.kind in {"anon", "anon_without_text"} or (case is not None and case.is_anonymous):
        _open(outcome, reading, sender)  # a closed anonymous case: a new one, as for anyone
    else:  # by_reference to a case that is not anonymous
        reporter = Reporter.find(sender.number) if sender.number else None
        if reporter is not None and case is not None and case.reporter_id == reporter.id:
            text = message.body
            # The reporter named their own case: the text is added to that one.
            ordinary = keywords.Parsed("report", text=text, reference=case.reference)
            return dataclasses.replace(reading, parsed=ordinary, text=text)
        outcome.action = "ref_not_found"
        lang = _language(reading, sender)
        outcome.reply = _reply(message, sender, replies.render("ref_not_found", lang), lang)
    return outcome


def _prefix() -> str:
    return current_app.config["CASEWORK_REFERENCE_PREFIX"]


def _case(reference: str | None, lock: bool = False) -> Case | None:
    if not reference:
        return None
    query = select(Case).where(Case.reference == reference)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalars(query).first()


def _language(reading: ops._Reading, sender: ops.Sender, case: Case | None = None) -> str:
    lang, _ = language.choose(
        detected=reading.detected,
        keyword_language=reading.parsed.language,
        reporter_language=case.language if case else None,
        country=sender.country,
    )
    return lang


def _open(outcome: ops.Outcome, reading: ops._Reading, sender: ops.Sender) -> None:
    message = outcome.message
    assert message is not None and reading.suggestion is not None
    lang = _language(reading, sender)
    case = create_case(
        description=reading.text,
        channel=message.channel,
        actor=None,
        language=lang,
        suggested_category=reading.suggestion.category,
        suggested_level=reading.suggestion.level,
        suggested_site_id=reading.site_id,
        is_anonymous=True,
        reference=reading.reserved,
    )
    outcome.action, outcome.case = "anon_case", case
    text = reading.answered or replies.render("anon_case", lang, ref=case.reference)
    outcome.reply = _reply(message, sender, text, lang, case=case)
    message.case_id = case.id  # after the reply's flush: one UPDATE of the message
    log.info(
        "SMS %s opened anonymous case %s (suggested %s, level %s)", message.provider_sid,
        case.reference, reading.suggestion.category, reading.suggestion.level,
    )  # fmt: skip


def _add_to(
    outcome: ops.Outcome, case: Case, text: str, reading: ops._Reading, sender: ops.Sender, now
) -> None:
    message = outcome.message
    assert message is not None
    locked = _case(case.reference, lock=True)
    assert locked is not None
    outcome.case = case = locked
    data = ops._message_data(message, body=text)
    record_event(case, "message_in", actor=None, data=data, flush=False)
    if _is_flooded(case, now):
        _flood(outcome, case)
    else:
        outcome.action = "anon_follow_up"
        lang = _language(reading, sender, case)
        reply = replies.render("anon_follow_up", lang, ref=case.reference)
        outcome.reply = _reply(message, sender, reply, lang, case=case)
    message.case_id = case.id


def _status(outcome: ops.Outcome, case: Case, reading: ops._Reading, sender, now) -> None:
    """The public status of an anonymous case, to whoever names its reference."""
    message = outcome.message
    assert message is not None
    locked = _case(case.reference, lock=True)
    assert locked is not None
    outcome.case = case = locked
    # As for any status request: on the case's record, not filed on the case.
    data = ops._message_data(message, keyword="status")
    record_event(case, "message_in", actor=None, data=data, flush=False)
    if _is_flooded(case, now):
        ops._flag(message, ops.FLOOD)
        outcome.action = "flooded"
        return
    outcome.action = "anon_status"
    lang = _language(reading, sender, case)
    text = replies.status_reply(case.reference, case.status, lang)
    outcome.reply = _reply(message, sender, text, lang, case=case)


def _is_flooded(case: Case, now) -> bool:
    """Whether the case has answered its hourly limit of SMS already (replies to additions
    and to status requests alike: nobody's number to count by)."""
    limit = current_app.config["CASEWORK_SMS_HOURLY_LIMIT"]
    if not limit or limit <= 0:
        return False
    answered = db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.case_id == case.id,
            Message.direction == "out",
            Message.reply_to_id.is_not(None),
            Message.created_dt > now - timedelta(hours=1),
        )
    )
    return (answered or 0) >= limit


def _flood(outcome: ops.Outcome, case: Case) -> None:
    """Past the limit: the addition is kept on the case, flagged, without a reply; the
    case's record says so once per hour of flood."""
    message = outcome.message
    assert message is not None
    ops._flag(message, ops.FLOOD)
    outcome.action = "flooded"
    already = db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.case_id == case.id,
            Message.direction == "in",
            Message.created_dt > message.created_dt - timedelta(hours=1),
            Message.flag_reason.contains(ops.FLOOD),
            Message.id != message.id,
        )
    )
    if not already:
        limit = current_app.config["CASEWORK_SMS_HOURLY_LIMIT"]
        data = {"message_id": message.id, "limit_per_hour": limit}
        record_event(case, "message_flood", actor=None, data=data, flush=False)
    log.warning("SMS flood on anonymous case %s: message %s kept", case.reference, message.id)


def _reply(
    message: Message, sender: ops.Sender, text: str, lang: str, case: Case | None = None
) -> Message | None:
    """The reply, for the webhook's TwiML: stored like any other (its delivery report finds
    it by id), with no reporter. None when there is no number to answer (a replay, or a
    sender that is no phone number: an auto-responder must not loop with us)."""
    if not sender.is_valid:
        return None
    reply = Message(
        direction="out",
        channel=message.channel,
        case_id=case.id if case else None,
        reply_to_id=message.id,
        body=text,
        language=lang,
        status="queued",
        created_dt=clock.now(),
    )
    db.session.add(reply)
    db.session.flush()
    if case is not None:
        data = {"message_id": reply.id, "body": text}
        record_event(case, "message_out", actor=None, data=data, flush=False)
    return reply
