"""Messages the database could not take: answered from the spool, filed when it is back.

**At the webhook** (`spool_message`), with no database to ask, only what the text says
and what is spooled already can decide the answer:

- A report (text or media; ``NEW <text>``; ``ANON <text>``) gets a reference reserved for
  it and the usual reply naming it (new_case, anon_case). Another report from the same
  number spooled within the follow-up window, unless it starts with NEW, gets the same
  reference and the follow_up reply: the parts of one report stay one case, as they
  would with the database up.
- ``ANON`` alone gets its fixed answer. Nothing else is answered now: a status request,
  a reference with more text (is it the sender's own case, an anonymous one?), HELP,
  STOP, START, ERASE and language choices need the reporter's row or a case. They are
  answered when filed, through the outbox (an addition to an anonymous case, which keeps
  no number, gets no answer then).
- Past ``CASEWORK_SMS_HOURLY_LIMIT`` spooled messages from one number in an hour, a
  message is spooled without an answer, as a flood would be.
- For ``ANON`` the number is not written to the spool, only whether it could be answered
  and its country (the reporter's language).

The opt-out (STOP) cannot be checked without the database: a reporter who opted out and
then sends a report is still told its reference (Twilio's own STOP handling, where on,
still blocks the reply).

**Filing** (`file_spooled`, the ``intake-spool`` job every minute and ``casework intake
replay``) runs each entry through the ordinary intake (`operations.receive_message`),
dated when it came: a reserved reference becomes the case's (a later part finds it and
follows it; never an older case, since the reporter was told that reference), the reply
recorded is the one sent (as ``accepted``, not sent again), and a message not answered at
the time gets its answer through the outbox with its delivery-status URL. One
transaction per entry; the file is removed once it has committed. A MessageSid filed
already is a duplicate (its file is removed), so filing twice, or two filers at once,
file each message once.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy.exc import IntegrityError

from casework import clock
from casework.cases.models import new_reference
from casework.extensions import db
from casework.intake import keywords, language, operations, replies, spool
from casework.reporters import crypto

log = logging.getLogger(__name__)

RETRIES = 3
_REPORTS = frozenset({"report", "new", "empty", "anon"})
_ANONYMOUS = frozenset({"anon", "anon_without_text"})
# What an ANON message keeps of its webhook in the spool: what filing reads, no more.
_ANONYMOUS_FIELDS = frozenset({"MessageSid", "SmsSid", "Body", "NumMedia", "To", "AccountSid"})


# ---------------------------------------------------------------- at the webhook


def spool_message(inbound: operations.Inbound, form: dict[str, str]) -> tuple[bool, str | None]:
    """Write ``inbound`` (its signed ``form``) to the spool: (whether it was written, the
    reply to give). Not written: its MessageSid is spooled already (no reply, as for any
    repeat). Raises `spool.SpoolError` when the disk cannot take it either."""
    now = clock.now()
    prefix = current_app.config["CASEWORK_REFERENCE_PREFIX"]
    parsed = keywords.parse(inbound.body, prefix=prefix)
    sender = operations.parse_sender(inbound.sender)
    anonymous = parsed.kind in _ANONYMOUS
    kept = dict(form)
    if anonymous:  # nothing that names or locates the sender: not From, WaId, FromCity...
        kept = {
            key: value
            for key, value in form.items()
            if key in _ANONYMOUS_FIELDS or key.startswith(("MediaUrl", "MediaContentType"))
        }
    sender_hash = None if anonymous or not sender.number else crypto.lookup_hash(sender.number)
    with spool.locked():
        if spool.holds(inbound.sid):
            return False, None
        earlier = [e for _, e in spool.entries() if sender_hash and e.sender_hash == sender_hash]
        reference, reply, lang = _answer(parsed, inbound, sender, earlier, now)
        entry = spool.Entry(
            sid=inbound.sid,
            form=kept,
            received_dt=now.isoformat(),
            reference=reference,
            reply=reply,
            language=lang,
            sender_hash=sender_hash,
            sender_valid=sender.is_valid,
            sender_country=sender.country,
            sender_channel=sender.channel,
        )
        written = spool.write(entry)
    if written:
        log.warning(
            "SMS %s spooled: the database could not take it (reference %s reserved)",
            inbound.sid,
            reference or "none",
        )
    return written, reply if written else None


def _answer(
    parsed: keywords.Parsed,
    inbound: operations.Inbound,
    sender: operations.Sender,
    earlier: list[spool.Entry],
    now: datetime,
) -> tuple[str | None, str | None, str | None]:
    """(reserved reference, reply text, its language); see the module docstring."""
    detected = language.detect(parsed.text) if parsed.text.strip() else None
    lang: str | None = language.choose(
        detected=detected, keyword_language=parsed.language, country=sender.country
    )[0]
    if not sender.is_valid:  # no number to text (and no auto-responder loop)
        lang = None
    is_report = parsed.kind in _REPORTS and bool(parsed.text.strip() or inbound.media)
    if parsed.kind == "anon" and parsed.reference:  # an addition to an anonymous case
        is_report = False
    if not is_report:
        if parsed.kind == "anon_without_text" and lang:
            return None, replies.render("anon_without_text", lang), lang
        return None, None, None
    limit = current_app.config["CASEWORK_SMS_HOURLY_LIMIT"]
    hour_ago = now - timedelta(hours=1)
    if limit and limit > 0 and sum(_when(e) > hour_ago for e in earlier) >= limit:
        return None, None, None  # a flood: kept, not answered
    prefix = current_app.config["CASEWORK_REFERENCE_PREFIX"]
    if parsed.kind == "anon":
        fresh = new_reference(prefix)
        return fresh, replies.render("anon_case", lang, ref=fresh) if lang else None, lang
    window = timedelta(hours=current_app.config["CASEWORK_FOLLOWUP_WINDOW_HOURS"])
    same_report = sorted(
        (_when(e), e.reference)
        for e in earlier
        if e.reference and _when(e) > now - window and parsed.kind != "new"
    )
    if same_report:
        reference = same_report[-1][1]
        return reference, replies.render("follow_up", lang, ref=reference) if lang else None, lang
    reference = new_reference(prefix)
    return reference, replies.render("new_case", lang, ref=reference) if lang else None, lang


def _when(entry: spool.Entry) -> datetime:
    moment = datetime.fromisoformat(entry.received_dt)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# ---------------------------------------------------------------- filing


def file_entry(entry: spool.Entry) -> operations.Outcome:
    """File one spooled message; flushes, never commits."""
    form = entry.form
    inbound = operations.Inbound(
        sid=entry.sid,
        sender=form.get("From") or "",
        body=form.get("Body") or "",
        media=operations.media_from_form(form),
        received_dt=_when(entry),
        reference=entry.reference,
        answered=entry.reply,
    )
    sender = None
    if "From" not in form:  # ANON: the number was never spooled
        channel = entry.sender_channel or "sms"
        # Only a reply given at the time may be recorded: nothing can reach them now.
        valid = entry.sender_valid and entry.reply is not None
        sender = operations.Sender(channel, "", valid, entry.sender_country)
    outcome = operations.receive_message(inbound, sender=sender)
    if outcome.is_duplicate:
        return outcome
    reply = outcome.reply
    if reply is not None:
        if entry.reply is not None:
            reply.status = "accepted"  # it went back in the webhook's answer at the time
        elif reply.reporter_id is not None:
            operations._queue_reply(reply)
    return outcome


def file_spooled(limit: int | None = None) -> dict[str, int]:
    """File the spooled messages (the oldest ``limit``, or all), one transaction each;
    returns counts: ``spooled`` (taken this run), ``filed``, ``failed`` and ``unreadable``.
    A message whose filing fails stays spooled for the next run."""
    counts: Counter[str] = Counter()
    paths = spool.pending()[:limit]
    for path in paths:
        try:
            entry = spool.read(path)
        except spool.SpoolError as error:
            log.error("Spooled SMS not filed: %s", error)
            counts["unreadable"] += 1
            continue
        if _file_one(entry):
            spool.remove(path)
            counts["filed"] += 1
        else:
            counts["failed"] += 1
    return {"spooled": len(paths), **{k: counts[k] for k in ("filed", "failed", "unreadable")}}


def _file_one(entry: spool.Entry) -> bool:
    for attempt in range(1, RETRIES + 1):
        try:
            outcome = file_entry(entry)
            db.session.commit()
        except IntegrityError:
            # A concurrent first message from the same number, or the next event number
            # of a case, was taken: start again.
            db.session.rollback()
            if attempt < RETRIES:
                continue
            log.exception("Filing spooled SMS %s failed", entry.sid)
            return False
        except Exception:
            db.session.rollback()
            log.exception("Filing spooled SMS %s failed", entry.sid)
            return False
        log.info(
            "Spooled SMS %s filed: %s%s",
            entry.sid,
            outcome.action,
            f" on {outcome.case.reference}" if outcome.case is not None else "",
        )
        return True
    return False
