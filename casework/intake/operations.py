"""SMS intake: an inbound message becomes a case, a follow-up, or an answer to a keyword.

Like every operation, these flush and never commit; the webhook view commits once.

Idempotency: the inbound message row is written first, with ``INSERT ... ON CONFLICT
(provider_sid) DO NOTHING``. The unique MessageSid decides, not a read-then-write: a
second delivery, even one racing the first on another worker, inserts nothing and gets no
case and no reply. (On PostgreSQL the second insert waits for the first transaction and
then finds the row; should the first roll back, the second goes ahead.) A SAVEPOINT +
IntegrityError would do the same on PostgreSQL, but on SQLite the pysqlite driver opens
no transaction before a SAVEPOINT, so releasing it commits the row on its own: a failure
later in the request would leave a message with no case that every retry then takes for
a duplicate.

Per reporter, messages are handled one at a time: the reporter row is locked (``FOR
UPDATE`` on PostgreSQL; on SQLite that insert, the transaction's first write, takes the
database's write lock before anything is read), so two parts of one report arriving
together on two workers give one case and a follow-up, not two cases. What needs no lock
(keywords, language detection, category and site suggestions) is worked out before.

Nothing is lost when processing fails: the webhook rolls back and `keep_failed` stores the
message flagged ``processing_failed``, with its reporter, and no case. Twilio's retry of
that MessageSid, or ``casework intake replay``, processes it again: the insert finds the
row and `_claim` takes it with a conditional UPDATE (still ``processing_failed``, still no
case), so of two retries at once only one goes on; the other waits for its commit, finds
nothing left to take and is a duplicate.

A message the database cannot take at all (a lock, a timeout, no connection) is spooled
on local disk by the webhook and filed later through `receive_message` with the
reference its reporter was given (`casework.intake.spooled`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from flask import current_app
from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

import notifications
from casework import clock
from casework.cases.models import Case
from casework.cases.operations import create_case, record_event
from casework.extensions import db
from casework.intake import classify, keywords, language, replies
from casework.messages import routing
from casework.messages.models import DELIVERY_STATUSES, Message
from casework.messages.operations import status_callback_url
from casework.reporters import crypto, erasure
from casework.reporters.models import Reporter, mask_phone

log = logging.getLogger(__name__)

MAX_MEDIA = 10  # Twilio's own limit per message
# Flags on inbound messages (``Message.flag_reason``, comma-separated).
PROCESSING_FAILED = "processing_failed"  # kept after a failure; processed again later
FLOOD = "flood"  # past the hourly limit: kept on a case, no reply
# ERASE's confirmation must come within this many hours of the request, else it is asked again.
ERASE_CONFIRM_HOURS = 24
# Keywords answered with a fixed text: parsed kind -> reply key (else the help text).
_KEYWORD_REPLIES = {"language": "language", "new_without_text": "new_without_text"}


@dataclass(frozen=True)
class Inbound:
    """What Twilio's webhook tells us about one inbound message."""

    sid: str
    sender: str  # the From field as given, "whatsapp:" prefix included
    body: str = ""
    media: list[dict[str, str]] = field(default_factory=list)
    # Filed from the spool (`casework.intake.spooled`): when it came, the reference the
    # reporter was given for it, and the reply they got then (none is sent again).
    received_dt: datetime | None = None
    reference: str | None = None
    answered: str | None = None


@dataclass
class Outcome:
    """What happened: ``action`` names the path taken (for logs and tests)."""

    action: str
    message: Message | None = None
    reporter: Reporter | None = None
    case: Case | None = None
    reply: Message | None = None
    # The reporter row was made by this transaction: nothing else can point at it yet.
    new_reporter: bool = False

    @property
    def is_duplicate(self) -> bool:
        return self.action == "duplicate"


def media_from_form(form: Any) -> list[dict[str, str]]:
    """``NumMedia``, ``MediaUrl0``, ``MediaContentType0``... as a list of dicts."""
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        count = 0
    media = []
    for i in range(max(0, min(count, MAX_MEDIA))):
        url = (form.get(f"MediaUrl{i}") or "").strip()
        if url:
            media.append({"url": url, "content_type": form.get(f"MediaContentType{i}") or ""})
    return media


@dataclass(frozen=True)
class Sender:
    channel: str
    number: str  # E.164 when valid, else what was given (without "whatsapp:")
    is_valid: bool
    country: str | None


def parse_sender(raw: str) -> Sender:
    channel = "sms"
    number = raw.strip()
    if number.lower().startswith("whatsapp:"):
        channel = "whatsapp"
        number = number[len("whatsapp:") :].strip()
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return Sender(channel, number, False, None)
    if not phonenumbers.is_valid_number(parsed):
        return Sender(channel, number, False, phonenumbers.region_code_for_number(parsed))
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Sender(channel, e164, True, phonenumbers.region_code_for_number(parsed))


def _insert_ignoring_conflict(model: type, index: str, values: dict[str, Any]):
    """Insert a row and return it (in the session); None when the unique ``index`` column
    already holds the value."""
    dialect = db.session.get_bind().dialect.name
    insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(model).values(**values).on_conflict_do_nothing(index_elements=[index])
    return db.session.scalars(stmt.returning(model)).first()


_WITH_TEXT = frozenset({"report", "new", "empty", "anon", "anon_without_text", "by_reference"})


@dataclass(frozen=True)
class _Reading:
    """What the text says, worked out before the transaction takes any lock."""

    parsed: keywords.Parsed
    text: str  # the report's text ("" for keywords)
    detected: str | None
    suggestion: classify.Suggestion | None = None
    site_id: int | None = None
    reserved: str | None = None  # the reference given from the spool: the case gets it
    answered: str | None = None  # the reply given from the spool


def _read(inbound: Inbound, sender: Sender) -> _Reading:
    parsed = keywords.parse(inbound.body, prefix=current_app.config["CASEWORK_REFERENCE_PREFIX"])
    # A report has words or media; so have ANON and an addition by reference.
    is_report = parsed.kind in _WITH_TEXT and bool(parsed.text or inbound.media)
    if not is_report:
        return _Reading(parsed, "", None, answered=inbound.answered)
    text = parsed.text
    if not text.strip():  # media only
        n = len(inbound.media)
        text = f"[{n} attachment{'s' if n != 1 else ''}, no text]"
    return _Reading(
        parsed,
        text,
        language.detect(parsed.text) if parsed.text else None,
        classify.suggest_category(text),
        classify.suggest_site_id(
            text, country=sender.country, app_extensions=current_app.extensions
        ),
        reserved=inbound.reference,
        answered=inbound.answered,
    )


def _store_inbound(inbound: Inbound, sender: Sender, now, **fields: Any) -> Message | None:
    """INSERT the inbound message unless its MessageSid is stored already (then None)."""
    return _insert_ignoring_conflict(
        Message,
        "provider_sid",
        {
            "direction": "in",
            "channel": sender.channel,
            "provider_sid": inbound.sid,
            "body": inbound.body,
            "media": inbound.media,
            "status": "received",
            "created_dt": now,
            **fields,
        },
    )


def receive_message(inbound: Inbound, *, sender: Sender | None = None) -> Outcome:
    """Store an inbound SMS and act on it; see the module docstring for the guarantees.
    ``sender`` stands for the number when the spool did not keep it (ANON)."""
    now = inbound.received_dt or clock.now()
    sender = sender or parse_sender(inbound.sender)
    # Reading the text is the slow part and needs no lock: do it before the first write
    # (on SQLite the first write holds the database's write lock until the commit).
    reading = _read(inbound, sender)
    message = _store_inbound(inbound, sender, now, is_flagged=False, language=reading.detected)
    if message is None:
        # Stored already: a duplicate, unless it is kept from a failed attempt.
        message = _claim(
            Message.provider_sid == inbound.sid, failed=True, language=reading.detected
        )
        if message is None:
            return Outcome("duplicate")
    # Changes to the message gather into one UPDATE at the next explicit flush.
    with db.session.no_autoflush:
        if _anonymous().concerns(reading.parsed):  # decided before any reporter is made
            handled = _anonymous().handle(message, reading, sender, now)
            if isinstance(handled, Outcome):
                return handled
            reading = handled
        return _act_on(message, reading, sender, now)


def _anonymous():
    from casework.intake import anonymous  # it imports this module

    return anonymous


def keep_failed(inbound: Inbound, *, with_reporter: bool = True) -> Message | None:
    """After processing ``inbound`` failed (and was rolled back): store it flagged
    ``processing_failed``, without a case but with its reporter (found or created by the
    number, as ever), for Twilio's retry or ``casework intake replay`` to process again.
    Nothing is read from the text here: that may be what failed. ``with_reporter=False``
    keeps the bare message, for when even the reporter cannot be written. None when the
    MessageSid is stored already (then that row stands)."""
    now = clock.now()
    sender = parse_sender(inbound.sender)
    message = _store_inbound(inbound, sender, now, is_flagged=True, flag_reason=PROCESSING_FAILED)
    if message is None or not with_reporter or _may_be_anonymous(inbound.body):
        return message
    reporter, _ = _reporter_for(sender, now, keywords.Parsed("report"), None)
    message.reporter_id = reporter.id
    return message


def _may_be_anonymous(body: str) -> bool:
    """Whether a message may be ANON or about an anonymous case (its number must then not
    be kept, even after a failure); when even that cannot be read, assume it may."""
    try:
        prefix = current_app.config["CASEWORK_REFERENCE_PREFIX"]
        return _anonymous().concerns(keywords.parse(body, prefix=prefix))
    except Exception:
        return True


# Inbound messages that should be on a case and are not: kept after a failure, or (before
# flooded messages always got a case) flooded by a reporter who had none.
_UNFILED = (
    Message.direction == "in",
    Message.case_id.is_(None),
    or_(Message.flag_reason.contains(PROCESSING_FAILED), Message.flag_reason.contains(FLOOD)),
)


def _claim(*where: Any, failed: bool, **values: Any) -> Message | None:
    """Take a stored, unfiled inbound message for processing: a conditional UPDATE, so that
    of two takers at once (Twilio's retries, a replay) one gets the row and the other, once
    the first commits, finds it filed and gets None. A failed message loses its flag here;
    a flooded one keeps it."""
    if failed:
        condition = Message.flag_reason == PROCESSING_FAILED
        values.update(is_flagged=False, flag_reason=None)
    else:
        condition = Message.flag_reason.contains(FLOOD)
    stmt = (
        update(Message)
        .where(*_UNFILED, condition, *where)
        .values(updated_dt=clock.now(), **values)
        .returning(Message)
        .execution_options(populate_existing=True, synchronize_session=False)
    )
    return db.session.scalars(stmt).first()


def unfiled_messages(limit: int = 50) -> tuple[int, list[Message]]:
    """How many inbound messages are on no case though they should be, and the oldest
    ``limit`` of them (for supervisors; `replay` files them)."""
    total = db.session.scalar(select(func.count()).select_from(Message).where(*_UNFILED)) or 0
    if not total:
        return 0, []
    rows = db.session.scalars(
        select(Message).where(*_UNFILED).order_by(Message.created_dt, Message.id).limit(limit)
    )
    return total, list(rows)


def unfiled_message_ids() -> list[int]:
    return list(db.session.scalars(select(Message.id).where(*_UNFILED).order_by(Message.id)))


def replay(message_id: int) -> Outcome:
    """Process again an unfiled message (see `unfiled_messages`); flushes, never commits.

    A message kept after a failure is processed as if it had just arrived (a case, a
    follow-up, a keyword's answer); its reply, with no webhook response to carry it, goes
    through the outbox. A flooded message without a case gets one, still without a reply.
    The action is "duplicate" when the message is filed already (another replay, a retry).
    """
    now = clock.now()
    kept = db.session.get(Message, message_id)
    if kept is None or kept.case_id is not None:
        return Outcome("duplicate")
    reporter = kept.reporter
    # The reporter is known by its row: the number stays encrypted.
    sender = Sender(
        kept.channel,
        "",
        bool(reporter and reporter.is_phone_valid),
        reporter.country if reporter else None,
    )
    inbound = Inbound(sid=kept.provider_sid or "", sender="", body=kept.body, media=kept.media)
    reading = _read(inbound, sender)
    failed = kept.flag_reason == PROCESSING_FAILED
    if failed:
        message = _claim(Message.id == message_id, failed=True, language=reading.detected)
    else:
        message = _claim(Message.id == message_id, failed=False)
    if message is None:
        return Outcome("duplicate")
    with db.session.no_autoflush:
        if reporter is None and _anonymous().concerns(reading.parsed):
            # Kept without its sender: processed anonymously, with nobody to answer.
            handled = _anonymous().handle(message, reading, sender, now)
            if isinstance(handled, Outcome):
                return handled
            reading = handled
        if reporter is None:
            return _file_without_sender(message, reading)
        if not failed:
            reporter, _ = _reporter_for(sender, now, reading.parsed, None, reporter.id)
            case = _store_flooded(message, reporter, reading, sender)
            return Outcome("flooded", message=message, reporter=reporter, case=case)
        outcome = _act_on(message, reading, sender, now, reporter_id=reporter.id)
    if outcome.reply is not None and outcome.reply.reporter_id is not None:  # not erased
        _queue_reply(outcome.reply)
    return outcome


def _file_without_sender(message: Message, reading: _Reading) -> Outcome:
    """A message kept, before reporters were kept with it, without its sender: a report
    still opens a case (nobody to answer); a keyword has nobody to answer and is done."""
    outcome = Outcome("no_sender", message=message)
    if reading.suggestion is None:
        return outcome
    outcome.action = "new_case"
    outcome.case = create_case(
        description=reading.text,
        channel=message.channel,
        actor=None,
        language=reading.detected,
        suggested_category=reading.suggestion.category,
        suggested_level=reading.suggestion.level,
        suggested_site_id=reading.site_id,
    )
    message.case_id = outcome.case.id
    return outcome


def _queue_reply(reply: Message) -> None:
    """A reply made outside the webhook (no TwiML to carry it) goes out through the outbox;
    the number is resolved, and an opt-out checked, at send time. A WhatsApp reporter is
    answered on WhatsApp within 24 hours of their last message, else by SMS (a template
    could not carry the reply's words): `casework.messages.routing`."""
    if reply.channel == "whatsapp":
        reporter = db.session.get(Reporter, reply.reporter_id)
        if reporter is None or not routing.whatsapp_window_open(reporter, clock.now()):
            reply.channel = "sms"
    notifications.enqueue(
        reply.channel,
        f"reporter:{reply.reporter_id}",
        reply.body,
        ref=f"message:{reply.id}",
        dedupe_key=f"intake-reply:{reply.id}",
        status_callback_url=status_callback_url(reply),
    )


def _act_on(
    message: Message, reading: _Reading, sender: Sender, now, reporter_id: int | None = None
) -> Outcome:
    parsed = reading.parsed
    reporter, is_new = _reporter_for(sender, now, parsed, reading.detected, reporter_id)
    if not sender.is_valid:
        _flag(message, "invalid_sender")
    outcome = Outcome("", message=message, reporter=reporter, new_reporter=is_new)
    _respond(outcome, reading, sender, now)
    # Set last, like the case id: the message's changes make one UPDATE, at the commit,
    # not one in each flush on the way (no query here needs it: they leave it out by id).
    # An erasure leaves the message unlinked: the reporter is gone.
    if outcome.action != "erased":
        message.reporter_id = reporter.id
    return outcome


def _respond(outcome: Outcome, reading: _Reading, sender: Sender, now) -> None:
    message, reporter, parsed = outcome.message, outcome.reporter, reading.parsed
    assert message is not None and reporter is not None
    is_new = outcome.new_reporter

    # An opt-out is honoured whatever else is going on, flood included.
    if parsed.kind in {"stop", "start"}:
        _opt(reporter, parsed.kind, now, message)
        outcome.action = parsed.kind
        if is_new or not _is_flooded(reporter, message, now):
            lang = _language(reporter, parsed, None, sender)
            text = replies.render(parsed.kind, lang)
            outcome.reply = _reply(message, reporter, text, lang, confirm_stop=True)
        return

    # Like an opt-out, a request to be forgotten is answered whatever else is going on.
    if parsed.kind in {"erase", "erase_confirm"}:
        _erase(outcome, parsed, sender, now)
        return

    # A report answered from the spool was promised its reference: it gets its case.
    if not is_new and not reading.reserved and _is_flooded(reporter, message, now):
        outcome.case = _store_flooded(message, reporter, reading, sender)
        outcome.action = "flooded"
        return

    lang = _language(reporter, parsed, reading.detected, sender)
    if reading.suggestion is not None:
        _take_report(outcome, reading, lang, sender, now)
    elif parsed.kind == "status":
        _answer_status(outcome, parsed, lang)
    else:  # help, a language choice, NEW without text, an empty message
        key = _KEYWORD_REPLIES.get(parsed.kind, "help")
        outcome.action = "language" if key == "language" else "help"
        outcome.reply = _reply(message, reporter, replies.render(key, lang), lang)


# ---------------------------------------------------------------- the steps


def _reporter_for(
    sender: Sender,
    now,
    parsed: keywords.Parsed,
    detected: str | None,
    reporter_id: int | None = None,
) -> tuple[Reporter, bool]:
    """The reporter with this number (or, when replaying, this id), created if new, and
    locked for this transaction; and whether this transaction created it (then with the
    language `_language` will choose, so that choosing it writes nothing more)."""
    known = (
        Reporter.id == reporter_id
        if reporter_id is not None
        else Reporter.phone_hash.in_(crypto.lookup_hashes(sender.number))
    )
    locked = select(Reporter).where(known).with_for_update()
    locked = locked.execution_options(populate_existing=True)
    reporter = db.session.scalars(locked).first()
    if reporter is not None or reporter_id is not None:
        assert reporter is not None, "a message's reporter row cannot go away"
        return reporter, False
    lang, source = _choose_language(None, parsed, detected, sender)
    # A row this transaction inserts is locked by it; a concurrent insert of the same
    # number makes this one wait, then insert nothing, and the select finds theirs.
    reporter = _insert_ignoring_conflict(
        Reporter,
        "phone_hash",
        {
            "phone_hash": crypto.lookup_hash(sender.number),
            "phone_encrypted": crypto.encrypt(sender.number),
            "phone_masked": mask_phone(sender.number),
            "is_phone_valid": sender.is_valid,
            "country": sender.country,
            "language": lang,
            "language_source": source,
            "anonymity": "confidential",
            "created_dt": now,
        },
    )
    if reporter is None:
        return db.session.scalars(locked).one(), False
    return reporter, True


def _flag(message: Message, reason: str) -> None:
    message.is_flagged = True
    reasons = [r for r in (message.flag_reason or "").split(",") if r]
    if reason not in reasons:
        reasons.append(reason)
    message.flag_reason = ",".join(reasons)[:100]


def _language(reporter: Reporter, parsed: keywords.Parsed, detected, sender: Sender) -> str:
    lang, source = _choose_language(reporter, parsed, detected, sender)
    reporter.language, reporter.language_source = lang, source
    return lang


def _choose_language(
    reporter: Reporter | None, parsed: keywords.Parsed, detected, sender: Sender
) -> tuple[str, str]:
    return language.choose(
        keyword_choice=parsed.language if parsed.kind == "language" else None,
        reporter_language=reporter.language if reporter else None,
        reporter_source=reporter.language_source if reporter else None,
        detected=detected,
        keyword_language=parsed.language,
        country=sender.country,
    )


def _latest_case(reporter: Reporter) -> Case | None:
    return db.session.scalars(
        select(Case)
        .where(Case.reporter_id == reporter.id)
        .order_by(Case.reported_dt.desc(), Case.id.desc())
        .limit(1)
    ).first()


def _is_flooded(reporter: Reporter, message: Message, now) -> bool:
    limit = current_app.config["CASEWORK_SMS_HOURLY_LIMIT"]
    if not limit or limit <= 0:
        return False
    earlier = db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.reporter_id == reporter.id,
            Message.direction == "in",
            Message.created_dt > now - timedelta(hours=1),
            Message.id != message.id,
        )
    )
    return (earlier or 0) >= limit


def _latest_open_case(reporter: Reporter) -> Case | None:
    return db.session.scalars(
        select(Case)
        .where(Case.reporter_id == reporter.id, Case.status != "closed")
        .order_by(Case.reported_dt.desc(), Case.id.desc())
        .limit(1)
    ).first()


def _store_flooded(message: Message, reporter: Reporter, reading: _Reading, sender: Sender) -> Case:
    """Past the hourly limit: keep the message, flagged, on the reporter's latest open case
    and say nothing. With no open case the flood opens one (the reporter row is locked, so
    the next flooded message finds it: one case per flood, however long). The case's
    timeline gets one event per flood, not one per message; the case page lists them all."""
    _flag(message, FLOOD)
    case = _latest_open_case(reporter)
    if case is None:
        text = reading.text or message.body
        suggestion = reading.suggestion
        case = create_case(
            description=text if text.strip() else "[empty message]",
            channel=sender.channel,
            actor=None,
            reporter=reporter,
            language=reading.detected or reporter.language,
            suggested_category=suggestion.category if suggestion else None,
            suggested_level=suggestion.level if suggestion else None,
            suggested_site_id=reading.site_id,
        )
    message.case_id = case.id
    already = db.session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.case_id == case.id,
            Message.direction == "in",
            Message.created_dt > message.created_dt - timedelta(hours=1),
            Message.flag_reason.contains(FLOOD),
            Message.id != message.id,
        )
    )
    if not already:
        record_event(
            case,
            "message_flood",
            actor=None,
            data={
                "message_id": message.id,
                "limit_per_hour": current_app.config["CASEWORK_SMS_HOURLY_LIMIT"],
            },
            flush=False,
        )
    log.warning(
        "SMS flood from reporter %s: message %s kept on %s", reporter.id, message.id,
        case.reference,
    )  # fmt: skip
    return case


def _opt(reporter: Reporter, kind: str, now, message: Message) -> None:
    """STOP records the opt-out (no more outbound SMS); START undoes it. Open cases hear of it."""
    if kind == "stop":
        changed = reporter.opted_out_dt is None
        reporter.opted_out_dt = reporter.opted_out_dt or now
        event = "reporter_opted_out"
    else:
        changed = reporter.opted_out_dt is not None
        reporter.opted_out_dt = None
        event = "reporter_opted_in"
    if not changed:
        return
    cases = list(
        db.session.scalars(
            select(Case).where(Case.reporter_id == reporter.id, Case.status != "closed")
        )
    )
    for case in cases:
        record_event(case, event, actor=None, data={"message_id": message.id}, flush=False)


def _erase(outcome: Outcome, parsed: keywords.Parsed, sender: Sender, now) -> None:
    """ERASE asks for a confirmation (``ERASE YES`` within ERASE_CONFIRM_HOURS); the
    confirmation erases the number at once (`casework.reporters.erasure`), and the reply
    saying so is the last message that number gets. A number we did not know is erased
    straight away (there is nothing to confirm: it was only just written). While a case is
    on legal hold nothing is erased: the reporter is told their request is noted, and each
    of their cases gets it on its record for a person to follow up."""
    reporter, message = outcome.reporter, outcome.message
    assert reporter is not None and message is not None
    lang = _language(reporter, parsed, None, sender)
    requested = reporter.erase_requested_dt
    window = timedelta(hours=ERASE_CONFIRM_HOURS)
    confirmed = (
        parsed.kind == "erase_confirm" and requested is not None and now - requested <= window
    )
    if not (confirmed or outcome.new_reporter):
        reporter.erase_requested_dt = now
        outcome.action = "erase_asked"
        text = replies.render("erase_ask", lang)
        outcome.reply = _reply(message, reporter, text, lang, confirm_stop=True)
        return
    reporter.erase_requested_dt = None
    if erasure.held_cases(reporter):
        outcome.action = "erase_held"
        cases = db.session.scalars(select(Case).where(Case.reporter_id == reporter.id))
        for case in cases:
            data = {"message_id": message.id, "legal_hold": True}
            record_event(case, "contact_erase_requested", actor=None, data=data, flush=False)
        text = replies.render("erase_held", lang)
        outcome.reply = _reply(message, reporter, text, lang, confirm_stop=True)
        return
    # The reply is written first, linked like any other; the erasure then unlinks it with
    # every other message of the reporter's.
    text = replies.render("erase_done", lang)
    outcome.reply = _reply(message, reporter, text, lang, confirm_stop=True)
    erasure.erase_contact(reporter, actor=None, reason=erasure.REQUESTED)
    outcome.action = "erased"
    outcome.reporter = None
    log.info("SMS %s: a reporter's contact details were erased at their request",
             message.provider_sid)  # fmt: skip


def _answer_status(outcome: Outcome, parsed: keywords.Parsed, lang: str) -> None:
    """Only a case reported from this number is found; any other reference, existing or not,
    gets the same neutral answer, so nobody can probe references."""
    reporter, message = outcome.reporter, outcome.message
    assert reporter is not None and message is not None
    outcome.action = "status"
    if outcome.new_reporter:
        case = None
    elif parsed.reference is None:
        case = _latest_case(reporter)
    elif parsed.reference:
        case = db.session.scalars(
            select(Case).where(Case.reference == parsed.reference, Case.reporter_id == reporter.id)
        ).first()
    else:
        case = None
    if case is None:
        outcome.action = "status_not_found"
        outcome.reply = _reply(message, reporter, replies.render("not_found", lang), lang)
        return
    outcome.case = case
    # The request goes on the case's record but the message is not attached to the case:
    # asking for news is not part of the report (nor does it reopen the follow-up window).
    data = _message_data(message, keyword="status")
    record_event(case, "message_in", actor=None, data=data, flush=False)
    text = replies.status_reply(case.reference, case.status, lang)
    outcome.reply = _reply(message, reporter, text, lang, case=case)


def _take_report(outcome: Outcome, reading: _Reading, lang: str, sender: Sender, now) -> None:
    reporter, message = outcome.reporter, outcome.message
    assert reporter is not None and message is not None and reading.suggestion is not None
    suggestion, site_id = reading.suggestion, reading.site_id
    case = None
    named = reading.parsed.reference if reading.parsed.kind == "report" else None
    if reading.reserved:  # from the spool: an earlier part may have opened it already
        named = reading.reserved
    if named:  # "<ref> text" naming one of the reporter's own cases: that case, if open
        case = db.session.scalar(
            select(Case).where(
                Case.reference == named, Case.reporter_id == reporter.id, Case.status != "closed"
            )
        )
    elif reading.parsed.kind != "new" and not outcome.new_reporter:
        case = _open_case_to_follow(reporter, now)
    if case is not None:
        outcome.action = "follow_up"
        if case.status == "received":  # parts of a split report may name what the first lacked
            if case.suggested_category is None and suggestion.category:
                case.suggested_category = suggestion.category
                case.suggested_level = suggestion.level
            if case.suggested_site_id is None and site_id is not None:
                case.suggested_site_id = site_id
        data = _message_data(message, body=reading.text)
        record_event(case, "message_in", actor=None, data=data, flush=False)
        reply_text = reading.answered or replies.render("follow_up", lang, ref=case.reference)
    else:
        # The report's first message is the case's description and its "created" event;
        # later messages get "message_in" events of their own.
        outcome.action = "new_case"
        case = create_case(
            description=reading.text,
            channel=sender.channel,
            actor=None,
            reporter=reporter,
            language=lang,
            suggested_category=suggestion.category,
            suggested_level=suggestion.level,
            suggested_site_id=site_id,
            reference=reading.reserved,
        )
        reply_text = reading.answered or replies.render("new_case", lang, ref=case.reference)
        log.info(
            "SMS %s from reporter %s opened %s (suggested %s, level %s)",
            message.provider_sid, reporter.id, case.reference, suggestion.category,
            suggestion.level,
        )  # fmt: skip
    outcome.case = case
    outcome.reply = _reply(message, reporter, reply_text, lang, case=case)
    message.case_id = case.id  # after the reply's flush (see _act_on)


def _open_case_to_follow(reporter: Reporter, now) -> Case | None:
    """The reporter's latest case, if still open and its last inbound message (or its
    opening) is within the follow-up window."""
    last_in = (
        select(func.max(Message.created_dt))
        .where(Message.case_id == Case.id, Message.direction == "in")
        .scalar_subquery()
    )
    row = db.session.execute(
        select(Case, last_in)
        .where(Case.reporter_id == reporter.id)
        .order_by(Case.reported_dt.desc(), Case.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    case, last = row
    window = timedelta(hours=current_app.config["CASEWORK_FOLLOWUP_WINDOW_HOURS"])
    if case.status == "closed" or now - (last or case.reported_dt) > window:
        return None
    return case


def _message_data(message: Message, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"message_id": message.id, "channel": message.channel}
    if message.media:
        data["media"] = [m.get("content_type", "") for m in message.media]
    if message.language:
        data["language"] = message.language
    data.update(extra)
    return data


def _reply(message: Message, reporter: Reporter, text: str, lang: str,
           case: Case | None = None, confirm_stop: bool = False) -> Message | None:  # fmt: skip
    """Record the reply as an outbound message, or None when nothing may be sent: the
    reporter opted out (STOP itself is confirmed once), or the sender is no phone number we
    can text (which also keeps auto-responders from looping with us)."""
    if reporter.is_opted_out and not confirm_stop:
        return None
    if not reporter.is_phone_valid:
        return None
    reply = Message(
        direction="out",
        channel=message.channel,
        case_id=case.id if case else None,
        reporter_id=reporter.id,
        reply_to_id=message.id,
        body=text,
        language=lang,
        status="queued",
        created_dt=clock.now(),
    )
    db.session.add(reply)
    db.session.flush()  # the reply's id goes into the event and the status callback URL
    if case is not None:
        data = {"message_id": reply.id, "body": text}
        record_event(case, "message_out", actor=None, data=data, flush=False)
    return reply


# ---------------------------------------------------------------- delivery status

# Callbacks can arrive out of order; a message's status only moves forward.
_STATUS_RANK = {
    "queued": 1,
    "accepted": 1,
    "sending": 2,
    "sent": 3,
    "delivered": 4,
    "undelivered": 4,
    "failed": 4,
    "canceled": 4,
    "read": 5,
}


def record_delivery_status(
    *, message_id: int | None, provider_sid: str | None, status: str, error_code: str | None
) -> Message | None:
    """Apply Twilio's status callback to our outbound message, found by our id or its SID."""
    message = None
    if message_id is not None:
        message = db.session.get(Message, message_id)
        if message is not None and (
            message.direction != "out"
            or (provider_sid and message.provider_sid not in (None, provider_sid))
        ):
            message = None
    if message is None and provider_sid:
        message = db.session.scalars(
            select(Message).where(Message.provider_sid == provider_sid, Message.direction == "out")
        ).first()
    if message is None:
        return None
    status = (status or "").strip().lower()
    if status in DELIVERY_STATUSES and _STATUS_RANK.get(status, 0) >= _STATUS_RANK.get(
        message.status, 0
    ):
        message.status = status
    if error_code:
        message.error_code = error_code[:20]
    if provider_sid and message.provider_sid is None:
        taken = db.session.scalar(select(Message.id).where(Message.provider_sid == provider_sid))
        if taken is None:
            message.provider_sid = provider_sid[:64]
    message.updated_dt = clock.now()
    return message
