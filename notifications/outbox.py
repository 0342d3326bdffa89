"""Enqueue in the caller's transaction; dispatch later, safely, with retries.

Delivery is at least once: a dispatcher that dies between the provider accepting a message
and recording it leaves the row claimed; once its lease runs out another dispatcher sends
it again. Everything short of that sends each row once, however many dispatchers run.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from casework.extensions import db
from notifications import NotificationsState, channels, get_state
from notifications.errors import DeliveryError, Undeliverable
from notifications.models import CHANNELS, OutboxMessage

log = logging.getLogger(__name__)

# Wait after the 1st, 2nd, ... failed attempt; one attempt more than there are waits, then
# the row is dead. Override with NOTIFICATIONS_BACKOFF_SECONDS (a list of seconds).
BACKOFF_SECONDS: tuple[int, ...] = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
# A claim older than this is presumed abandoned (its dispatcher died) and may be taken
# over. Far longer than one send may take (the SMTP and HTTP timeouts are seconds).
LEASE = timedelta(minutes=10)
RENEW_AFTER = LEASE / 2  # a claim this old is renewed before its message is sent
MAX_SMS_LENGTH = 1600  # Twilio's limit for one (concatenated) message
DISPATCH_THREADS = 4  # senders per dispatcher; NOTIFICATIONS_DISPATCH_THREADS overrides

_REFERENCE = re.compile(r"^[a-z][a-z0-9_-]*:\S+$")


@dataclass(frozen=True)
class Outgoing:
    """What a sender needs, copied off the row so nothing is sent inside a transaction."""

    id: int
    channel: str
    to: str
    subject: str | None
    body: str
    html: str | None
    status_callback_url: str | None
    template: str | None = None


@dataclass(frozen=True)
class SendResult:
    provider_id: str | None
    provider_status: str | None = None


@dataclass
class DispatchReport:
    claimed: int = 0
    sent: int = 0
    retry: int = 0
    dead: int = 0
    skipped: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __iadd__(self, other: DispatchReport) -> DispatchReport:
        for name in ("claimed", "sent", "retry", "dead", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


def _is_reference(recipient: str) -> bool:
    return bool(_REFERENCE.match(recipient)) and "@" not in recipient


def enqueue(
    channel: str,
    recipient: str,
    body: str,
    subject: str | None = None,
    dedupe_key: str | None = None,
    ref: str | None = None,
    status_callback_url: str | None = None,
    html: str | None = None,
    not_before: datetime | None = None,
    template: str | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the caller's transaction; never commits.

    Nothing is sent until the caller commits and a dispatcher picks the row up, so a
    rolled-back change sends nothing. With a ``dedupe_key`` already in the outbox (sent
    or not), nothing is added and None is returned: a job that runs twice sends once.
    ``not_before`` holds the message back (quiet hours); ``template`` is a WhatsApp
    template's Content SID, ``body`` then its variables as JSON.
    The insert runs in a SAVEPOINT, so a concurrent duplicate leaves the caller's
    transaction usable.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    state = get_state()
    if _is_reference(recipient):
        if recipient.split(":", 1)[0] not in state.resolvers:
            raise ValueError(f"no resolver registered for recipient {recipient!r}")
    elif channel in ("sms", "whatsapp"):
        raise ValueError(
            "SMS recipients are references such as 'reporter:42' (resolved at send time), "
            "never phone numbers: the outbox does not keep numbers in clear"
        )
    elif "@" not in recipient:
        raise ValueError("an email recipient is an address or a reference such as 'user:7'")
    if channel == "sms" and len(body) > MAX_SMS_LENGTH:
        raise ValueError(f"an SMS body is at most {MAX_SMS_LENGTH} characters")
    if channel == "email" and not subject:
        raise ValueError("an email needs a subject")

    now = state.now()
    row = OutboxMessage(
        channel=channel,
        recipient=recipient,
        subject=subject,
        body=body,
        html_body=html,
        status="pending",
        attempts=0,
        next_attempt_dt=max(now, not_before) if not_before else now,
        template=template,
        dedupe_key=dedupe_key,
        ref=ref,
        status_callback_url=status_callback_url,
        created_dt=now,
    )
    if dedupe_key is None:
        db.session.add(row)
        db.session.flush()
        return row
    exists = select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    if db.session.scalar(exists) is not None:
        return None
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # a concurrent transaction enqueued the same key first
        return None
    return row


# ------------------------------------------------------------------------------ dispatch


def _backoff(state: NotificationsState) -> tuple[int, ...]:
    from flask import current_app

    configured = current_app.config.get("NOTIFICATIONS_BACKOFF_SECONDS")
    return tuple(int(s) for s in configured) if configured else BACKOFF_SECONDS


def max_attempts() -> int:
    return len(_backoff(get_state())) + 1


def _due(now: datetime):
    return or_(
        and_(
            OutboxMessage.status.in_(("pending", "failed")),
            OutboxMessage.next_attempt_dt <= now,
        ),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_dt < now - LEASE),
    )


def _claim(batch: int, now: datetime, token: str) -> list[tuple[int, str]]:
    """Mark up to ``batch`` due rows as ours and commit: one short transaction. Returns
    their ids and recipients, in sending order.

    PostgreSQL: the rows are picked ``FOR UPDATE SKIP LOCKED`` first (a separate statement:
    inside ``UPDATE ... WHERE id IN (...)`` the planner may re-run a LIMITed subquery and
    claim more than ``batch``), so concurrent dispatchers take disjoint sets without
    waiting. SQLite: one UPDATE, which takes the database's single write lock before it
    reads, re-checks that each row is still due, so a row is claimed once.
    """
    pick = (
        select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.next_attempt_dt, OutboxMessage.id)
        .limit(batch)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        chosen: Any = list(db.session.scalars(pick.with_for_update(skip_locked=True)))
        if not chosen:
            db.session.commit()
            return []
    else:
        chosen = pick.scalar_subquery()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(chosen), _due(now))
        .values(
            status="sending",
            claim_token=token,
            claimed_dt=now,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    claimed = [
        (row_id, recipient)
        for row_id, recipient in db.session.execute(
            select(OutboxMessage.id, OutboxMessage.recipient)
            .where(OutboxMessage.claim_token == token, OutboxMessage.status == "sending")
            .order_by(OutboxMessage.next_attempt_dt, OutboxMessage.id)
        )
    ]
    db.session.commit()
    return claimed


def dispatch(batch: int = 50) -> DispatchReport:
    """Send up to ``batch`` due messages; return what happened to them.

    Runs its own transactions (one to claim, then a few per message) and commits them: call
    it from a job, a CLI command or a test, with no uncommitted work in the session. Each
    message is sent with no transaction open, so a slow provider holds no locks.

    The claimed messages are sent by NOTIFICATIONS_DISPATCH_THREADS senders at once (each
    in its own app context, session, SMTP connection and Twilio client), so one slow
    provider round trip does not hold up the others; 1 sends them one by one, here. All
    the messages to one recipient go through one sender, so they arrive in order.
    """
    from flask import current_app

    state = get_state()
    token = uuid.uuid4().hex
    report = DispatchReport()
    claimed = _claim(batch, state.now(), token)
    report.claimed = len(claimed)
    configured = current_app.config.get("NOTIFICATIONS_DISPATCH_THREADS") or DISPATCH_THREADS
    threads = min(int(configured), len(claimed))
    if threads <= 1:
        _send_all(deque(row_id for row_id, _ in claimed), token, state, report)
        return report
    lanes: list[deque[int]] = [deque() for _ in range(threads)]
    lane_of: dict[str, int] = {}
    for row_id, recipient in claimed:  # recipients dealt round-robin, each to one lane
        who = ":".join(recipient.split(":")[:2])  # "reporter:42:case:7" is reporter:42 too
        lanes[lane_of.setdefault(who, len(lane_of) % threads)].append(row_id)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    lock = threading.Lock()

    def sender(lane: deque[int]) -> None:
        with app.app_context():
            try:
                _send_all(lane, token, state, report, lock)
            finally:
                db.session.remove()

    workers = [
        threading.Thread(target=sender, args=(lane,), name=f"dispatch-{n}")
        for n, lane in enumerate(lanes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    db.session.expire_all()  # the senders changed rows this session may hold
    return report


def _send_all(
    queue: deque[int],
    token: str,
    state: NotificationsState,
    report: DispatchReport,
    lock: threading.Lock | None = None,
) -> None:
    """Send the messages in ``queue``, in order."""
    from notifications.email import close_connection

    try:
        while True:
            try:
                row_id = queue.popleft()
            except IndexError:
                return
            try:
                outcome = _process(row_id, token, state)
            except Exception:
                # Recorded nowhere but the log: the row stays claimed until its lease runs
                # out, then is tried again. Never let one row stop the batch.
                db.session.rollback()
                log.exception("outbox row %s: dispatch failed unexpectedly", row_id)
                outcome = "skipped"
            with lock or contextlib.nullcontext():
                report.add(outcome)
    finally:
        close_connection()  # this sender's SMTP session


def drain(batch: int = 50, max_batches: int = 100) -> DispatchReport:
    """Dispatch until nothing is due (or ``max_batches`` batches have run)."""
    total = DispatchReport()
    for _ in range(max_batches):
        report = dispatch(batch)
        total += report
        if report.claimed < batch:
            break
    return total


def _still_ours(row_id: int, token: str):
    return and_(
        OutboxMessage.id == row_id,
        OutboxMessage.claim_token == token,
        OutboxMessage.status == "sending",
    )


def _process(row_id: int, token: str, state: NotificationsState) -> str:
    # A row another dispatcher took over is not ours. Nobody can take a row over while our
    # claim is younger than LEASE; past half of it (slow sends earlier in this batch) the
    # lease is renewed before sending, so the row never looks abandoned mid-send. A fresh
    # claim needs no write here: one commit per message fewer.
    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    if row is None or row.claim_token != token or row.status != "sending":
        db.session.rollback()
        return "skipped"
    if row.claimed_dt is None or state.now() - row.claimed_dt > RENEW_AFTER:
        renewed = db.session.execute(
            update(OutboxMessage)
            .where(_still_ours(row_id, token))
            .values(claimed_dt=state.now())
            .execution_options(synchronize_session=False)
        )
        if renewed.rowcount != 1:  # type: ignore[attr-defined]
            db.session.rollback()
            return "skipped"
        row = db.session.get(OutboxMessage, row_id, populate_existing=True)
        assert row is not None
    preparer = state.preparers.get((row.ref or "").split(":", 1)[0]) if row.ref else None
    if preparer is not None:
        try:
            with db.session.begin_nested():  # may re-route the row; commits with it below
                preparer(row)
        except Exception:
            log.exception("outbox row %s: the %r preparer failed; sending as queued", row_id,
                          row.ref)  # fmt: skip
            row = db.session.get(OutboxMessage, row_id, populate_existing=True)
            assert row is not None
    try:
        to = _resolve(row, state)
    except DeliveryError as exc:
        outcome = _record_failure(row, exc, state)
        db.session.commit()
        return outcome
    except Exception as exc:
        log.exception("outbox row %s: resolving %s failed", row_id, row.recipient)
        outcome = _record_failure(row, DeliveryError.from_exception(exc), state)
        db.session.commit()
        return outcome
    outgoing = Outgoing(
        id=row.id,
        channel=row.channel,
        to=to,
        subject=row.subject,
        body=row.body,
        html=row.html_body,
        status_callback_url=row.status_callback_url,
        template=row.template,
    )
    db.session.commit()  # no transaction stays open while we talk to the provider

    try:
        result = _send(outgoing)
    except DeliveryError as exc:
        error = exc
    except Exception as exc:
        error = DeliveryError.from_exception(exc)
    else:
        row = db.session.get(OutboxMessage, row_id, populate_existing=True)
        assert row is not None
        row.status = "sent"
        row.provider_id = result.provider_id
        row.provider_status = result.provider_status
        row.sent_dt = state.now()
        row.claim_token = None
        row.last_error = row.last_error_code = None
        _run_hook(row, "sent", state)
        db.session.commit()
        log.info("outbox row %s: %s sent (%s)", row_id, outgoing.channel, result.provider_id)
        return "sent"

    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    assert row is not None
    outcome = _record_failure(row, error, state)
    db.session.commit()
    return outcome


def _resolve(row: OutboxMessage, state: NotificationsState) -> str:
    if not _is_reference(row.recipient):
        return row.recipient
    prefix, ident = row.recipient.split(":", 1)
    resolver = state.resolvers.get(prefix)
    if resolver is None:
        raise DeliveryError(f"no resolver registered for '{prefix}:' recipients")
    address = resolver(ident, row.channel)
    if not address:
        raise Undeliverable(f"{prefix} {ident} has no address", code="no_address")
    return address


def _send(outgoing: Outgoing) -> SendResult:
    if not channels.is_configured(outgoing.channel):
        if channels.is_development():  # captured: nothing leaves the machine
            return SendResult(provider_id=None, provider_status=channels.CAPTURED)
        raise channels.not_configured_error(outgoing.channel)
    if outgoing.channel == "email":
        from notifications.email import send_email

        return send_email(outgoing)
    if outgoing.channel == "whatsapp":
        from notifications.sms import send_whatsapp

        return send_whatsapp(outgoing)
    from notifications.sms import send_sms

    return send_sms(outgoing)


def _record_failure(row: OutboxMessage, error: DeliveryError, state: NotificationsState) -> str:
    backoff = _backoff(state)
    row.last_error = error.detail
    row.last_error_code = error.code
    row.claim_token = None
    if error.permanent or row.attempts > len(backoff):
        row.status = "dead"
        outcome = "dead"
    else:
        row.status = "failed"
        row.next_attempt_dt = state.now() + timedelta(seconds=backoff[max(row.attempts, 1) - 1])
        outcome = "retry"
    log.warning(
        "outbox row %s: attempt %s failed (%s)%s",
        row.id,
        row.attempts,
        error.detail,
        "; giving up" if outcome == "dead" else f"; next at {row.next_attempt_dt:%H:%M:%S}",
    )
    _run_hook(row, outcome, state)
    return outcome


def _run_hook(row: OutboxMessage, outcome: str, state: NotificationsState) -> None:
    """Let the app update its records, in a SAVEPOINT: a failing hook never loses the
    outbox's own record of the attempt (losing it would mean sending twice)."""
    if not row.ref or ":" not in row.ref:
        return
    hook = state.hooks.get(row.ref.split(":", 1)[0])
    if hook is None:
        return
    try:
        with db.session.begin_nested():
            hook(row, outcome)
    except Exception:
        log.exception("outbox row %s: the %r hook failed on %s", row.id, row.ref, outcome)


# ------------------------------------------------------------------------------ retry


class NotRetryable(Exception):
    """Only a message that was given up (``dead``) can be retried."""


def recipient_refusal(row: OutboxMessage) -> DeliveryError | None:
    """Why the row's recipient cannot be reached now (the resolver's refusal), or None."""
    try:
        _resolve(row, get_state())
    except DeliveryError as exc:
        return exc
    return None


def retry(row_id: int) -> OutboxMessage:
    """Give a message that was given up a fresh start: ``dead`` -> ``pending``, attempts
    reset, due now. In the caller's transaction; never commits.

    One conditional UPDATE, so two people pressing "retry" at once requeue it once (the
    second gets `NotRetryable`), and a row that is not dead (waiting, sending, sent) is
    never touched: it would be sent twice.
    """
    state = get_state()
    done = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == "dead")
        .values(
            status="pending",
            attempts=0,
            next_attempt_dt=state.now(),
            claim_token=None,
            claimed_dt=None,
            last_error=None,
            last_error_code=None,
        )
        .execution_options(synchronize_session=False)
    )
    row = db.session.get(OutboxMessage, row_id, populate_existing=True)
    if row is None:
        raise NotRetryable(f"outbox row {row_id} does not exist")
    if done.rowcount != 1:  # type: ignore[attr-defined]
        raise NotRetryable(f"outbox row {row_id} is {row.status}, not dead")
    return row
