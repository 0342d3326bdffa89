"""``media-fetch`` (every 2 minutes): photos, recordings and documents a reporter sent by MMS
or WhatsApp become files on the message's case.

Twilio keeps an inbound message's media at api.twilio.com URLs that need the account's
credentials (HTTP Basic) and stop working once Twilio's copy is deleted. For each inbound
message on a case (closed ones too) with media not yet settled, each item is downloaded
(through TWILIO_API_BASE_URL when set) and attached to the case with
`casework.evidence.operations.attach_file` (source "reporter", no actor, the message
named), and its state kept in ``Message.media`` (casework/messages/media.py). A message
without a case waits until it has one (a replay files it).

- A failure (no answer, a network error, any error status from Twilio, 404 included) is
  retried after 5 minutes, 30 minutes, 2 hours and 12 hours; after the last failure the
  job gives up, on the case's record (``media_gave_up``).
- What Casework does not take (empty, too large, a type a case does not accept, a link
  that is not Twilio's) is refused at once, never retried, on the record
  (``media_refused``).
- With CASEWORK_DELETE_TWILIO_MEDIA on, Twilio's copy is deleted once ours is committed;
  a failed delete is retried on the same schedule, then the copy is left (logged).

Two runs at once, or a run killed midway: downloads happen outside any write transaction
(on SQLite the write lock would otherwise hold up the webhook for as long as a download
takes); then the message row is locked (an UPDATE: the row's lock on PostgreSQL, the
database's write lock on SQLite) and read again, and the item is settled only if it is
still as it was when the download started. The loser of a race drops its copy; each item
is committed on its own, so a killed run loses at most the item it was on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from flask import current_app
from sqlalchemy import Text, cast, or_, select, update

from casework import clock
from casework.cases.operations import record_event
from casework.errors import InvalidInput
from casework.evidence.operations import attach_file
from casework.evidence.types import ALLOWED, detect, extension_for
from casework.extensions import db
from casework.messages import media as state
from casework.messages.models import Message

log = logging.getLogger(__name__)

BATCH = 50  # messages per run; the next run takes the rest
TIMEOUT = 30.0  # seconds without a byte before a download counts as failed
TWILIO_HOST = "api.twilio.com"
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Answer:
    """What one request to Twilio came to: ``data`` (a fetch's bytes) or an ``error`` key;
    ``final`` errors are refusals, the others failures to retry."""

    data: bytes | None = None
    error: str | None = None
    http_status: int | None = None
    final: bool = False


@dataclass(frozen=True)
class Settings:
    account: str
    token: str
    base_url: str
    max_bytes: int
    delete_copies: bool


def _settings() -> Settings | None:
    config = current_app.config
    account, token = config.get("TWILIO_ACCOUNT_SID"), config.get("TWILIO_AUTH_TOKEN")
    if not account or not token:
        return None
    return Settings(
        account,
        token,
        config.get("TWILIO_API_BASE_URL") or "",
        int(config["CASEWORK_FILE_MAX_BYTES"]),
        bool(config.get("CASEWORK_DELETE_TWILIO_MEDIA")),
    )


def sweep(batch: int = BATCH) -> dict[str, int]:
    """Fetch the media due now, for up to ``batch`` messages; commits after each item."""
    counts = {"fetched": 0, "retrying": 0, "gave_up": 0, "refused": 0, "deleted": 0, "errors": 0}
    settings = _settings()
    if settings is None:
        # Development has no Twilio account: the media stay "waiting", nothing is tried.
        log.info("media-fetch: TWILIO_ACCOUNT_SID or TWILIO_AUTH_TOKEN is not set; skipped")
        return counts
    now = clock.now()
    with requests.Session() as session:
        if settings.base_url and urlsplit(settings.base_url).hostname in _LOOPBACK:
            session.trust_env = False  # no proxy from the environment for a local fake
        for message_id in due_messages(now, settings, batch):
            try:
                _message(message_id, session, settings, now, counts)
            except Exception:
                # Storage down, say: this message is tried again next run, the others go on.
                db.session.rollback()
                counts["errors"] += 1
                log.exception("media-fetch: message %s failed; tried again next run", message_id)
    return counts


def _message(
    message_id: int,
    session: requests.Session,
    settings: Settings,
    now: datetime,
    counts: dict[str, int],
) -> None:
    _run(message_id, state.is_due, lambda item: _fetch(session, settings, item),
         lambda *a: _settle_fetch(*a, settings=settings), now, counts)  # fmt: skip
    if settings.delete_copies:  # once our copy is committed (a fetch just now included)
        _run(message_id, state.delete_due, lambda item: _delete(session, settings, item),
             _settle_delete, now, counts)  # fmt: skip


def due_messages(now: datetime, settings: Settings, limit: int) -> list[int]:
    """Inbound messages on a case with an item to fetch (or a copy to delete) now.

    Only unsettled messages are read: their JSON text names no state yet (never tried),
    or a retry or a copy to delete. The match is on the text because JSON has no portable
    query between SQLite and PostgreSQL; the states are written so no URL can look like
    one (a quoted word inside a JSON string is escaped)."""
    text = cast(Message.media, Text)
    pending = [
        text.not_like('%"state"%'),
        text.like(f'%"{state.WAITING}"%'),
        text.like(f'%"{state.RETRY}"%'),
    ]
    if settings.delete_copies:
        pending.append(text.like(f'%"{state.TO_DELETE}"%'))
    rows = db.session.scalars(
        select(Message)
        .where(
            Message.direction == "in",
            Message.case_id.is_not(None),
            text.is_not(None),
            text.not_in(["[]", "null"]),
            or_(*pending),
        )
        .order_by(Message.id)
    )
    due = []
    for message in rows:
        items = [i for i in message.media or [] if isinstance(i, dict)]
        if any(state.is_due(i, now) for i in items) or (
            settings.delete_copies and any(state.delete_due(i, now) for i in items)
        ):
            due.append(message.id)
            if len(due) >= limit:
                break
    db.session.rollback()  # end the read: nothing is held while downloading
    return due


def _run(
    message_id: int,
    due: Callable[[dict[str, Any], datetime], bool],
    act: Callable[[dict[str, Any]], Answer],
    settle: Callable[..., dict[str, Any]],
    now: datetime,
    counts: dict[str, int],
) -> None:
    """For each of the message's items that is ``due``: do ``act`` (a request to Twilio),
    then lock the message, read it again and ``settle`` the item if it is still as it was;
    commit. One item at a time, so one download at most is held in memory."""
    message = db.session.get(Message, message_id)
    if message is None:
        return
    before = [dict(item) for item in message.media or []]
    db.session.rollback()
    for i, item in enumerate(before):
        if not due(item, now):
            continue
        answer = act(item)
        # The lock: taken only now, so nothing waits on us while we download.
        db.session.execute(
            update(Message)
            .where(Message.id == message_id)
            .values(updated_dt=now)
            .execution_options(synchronize_session=False)
        )
        message = db.session.scalars(
            select(Message)
            .where(Message.id == message_id)
            .execution_options(populate_existing=True)
        ).one()
        items = [dict(item) for item in message.media or []]
        if i < len(items) and _untried(items[i]) == _untried(item):  # else another run did
            items[i] = settle(message, i, items[i], answer, now, counts)
            # Items not tried yet say so: the message's JSON now names a state, and a run
            # that stops here must not leave them where the next run cannot find them.
            items = [{**x, "state": state.WAITING} if "state" not in x else x for x in items]
            message.media = items  # a new list: the JSON column sees the change
        db.session.commit()


def _untried(item: dict[str, Any]) -> dict[str, Any]:
    """The item without the mark a sibling's settling gives an item not tried yet."""
    return {k: v for k, v in item.items() if not (k == "state" and v == state.WAITING)}


# ------------------------------------------------------------------------------- fetch


def twilio_url(url: str, base_url: str) -> str | None:
    """``url`` rewritten to ``base_url`` (scheme, host, path prefix) when one is set; None
    for a link that is not Twilio's: the account's credentials go to Twilio alone."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname != TWILIO_HOST or parts.username:
        return None
    if not base_url:
        return url
    base = urlsplit(base_url)
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))


def _fetch(session: requests.Session, settings: Settings, item: dict[str, Any]) -> Answer:
    url = twilio_url(str(item.get("url") or ""), settings.base_url)
    if url is None:
        return Answer(error="not_twilio", final=True)
    try:
        # Twilio answers with a redirect to its storage; requests drops the credentials
        # when the redirect leaves the host.
        with session.get(
            url, auth=(settings.account, settings.token), timeout=TIMEOUT, stream=True
        ) as response:
            if response.status_code != 200:
                return Answer(error="http", http_status=response.status_code)
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > settings.max_bytes:
                return Answer(error="too_large", final=True)
            data = bytearray()
            for chunk in response.iter_content(_CHUNK):
                data += chunk
                if len(data) > settings.max_bytes:
                    return Answer(error="too_large", final=True)
            return Answer(data=bytes(data))
    except requests.Timeout:
        return Answer(error="timeout")
    except requests.RequestException as exc:
        log.warning("media-fetch: Twilio unreachable (%s)", type(exc).__name__)
        return Answer(error="network")


def attach_media(message: Message, i: int, data: bytes) -> dict[str, Any]:
    """Settle item ``i`` of ``message`` with bytes already in hand, as a fetch would:
    attached, or refused on the record; the new item (not yet on the message). Flushes,
    never commits. For the demo, which has no Twilio to fetch from."""
    config = current_app.config
    settings = Settings("", "", "", int(config["CASEWORK_FILE_MAX_BYTES"]), False)
    counts = dict.fromkeys(("fetched", "refused"), 0)
    item = dict(message.media[i])
    return _settle_fetch(
        message, i, item, Answer(data=data), clock.now(), counts, settings=settings
    )


def _settle_fetch(
    message: Message,
    i: int,
    item: dict[str, Any],
    answer: Answer,
    now: datetime,
    counts: dict[str, int],
    *,
    settings: Settings,
) -> dict:
    item["attempts"] = int(item.get("attempts") or 0) + 1
    for key in ("error", "http_status", "detail", "next_attempt_dt"):
        item.pop(key, None)
    case = message.case
    if answer.data is not None:
        try:
            with db.session.begin_nested():
                file = attach_file(
                    case,
                    answer.data,
                    filename=_filename(message, i, answer.data),
                    caption="",
                    source="reporter",
                    actor=None,
                    message=message,
                )
        except InvalidInput as exc:
            return _refuse(message, i, item, _refusal(answer.data, settings), str(exc), counts)
        item.update(state=state.FETCHED, file_id=file.id)
        if settings.delete_copies:
            item["twilio_copy"] = state.TO_DELETE
        counts["fetched"] += 1
        log.info("media-fetch: message %s item %s is file %s of %s",
                 message.id, i + 1, file.id, case.reference)  # fmt: skip
        return item
    if answer.final:
        return _refuse(message, i, item, answer.error or "invalid", None, counts)
    item.update(error=answer.error)
    if answer.http_status is not None:
        item["http_status"] = answer.http_status
    if item["attempts"] >= state.MAX_ATTEMPTS:
        item["state"] = state.GAVE_UP
        counts["gave_up"] += 1
        data = {"message_id": message.id, "item": i + 1, "attempts": item["attempts"],
                "error": answer.error, "http_status": answer.http_status}  # fmt: skip
        record_event(case, "media_gave_up", actor=None, data=data)
        log.warning("media-fetch: gave up on message %s item %s of %s after %s attempts (%s %s)",
                    message.id, i + 1, case.reference, item["attempts"], answer.error,
                    answer.http_status or "")  # fmt: skip
        return item
    item["state"] = state.RETRY
    item["next_attempt_dt"] = (now + state.BACKOFF[item["attempts"] - 1]).isoformat()
    counts["retrying"] += 1
    return item


def _refuse(
    message: Message,
    i: int,
    item: dict[str, Any],
    error: str,
    detail: str | None,
    counts: dict[str, int],
) -> dict:
    item.update(state=state.REFUSED, error=error)
    if detail and error == "invalid":
        item["detail"] = detail
    counts["refused"] += 1
    data = {"message_id": message.id, "item": i + 1, "error": error}
    if "detail" in item:
        data["detail"] = item["detail"]
    record_event(message.case, "media_refused", actor=None, data=data)
    log.info("media-fetch: message %s item %s refused (%s)", message.id, i + 1, error)
    return item


def _refusal(data: bytes, settings: Settings) -> str:
    """Why attach_file refused ``data``, as a key with words of its own (ERROR_WORDS)."""
    if not data:
        return "empty"
    if len(data) > settings.max_bytes:
        return "too_large"
    if detect(data) not in ALLOWED:
        return "type"
    return "invalid"  # its own sentence is kept as the item's detail


def _filename(message: Message, i: int, data: bytes) -> str:
    """Twilio gives media no name: the channel, the message and the item's number."""
    channel = "whatsapp" if message.channel == "whatsapp" else "mms"
    return f"{channel}-{message.id}-{i + 1}.{extension_for(detect(data) or '')}"


# ------------------------------------------------------------------------------ delete


def _delete(session: requests.Session, settings: Settings, item: dict[str, Any]) -> Answer:
    url = twilio_url(str(item.get("url") or ""), settings.base_url)
    if url is None:
        return Answer(error="not_twilio", final=True)
    parts = urlsplit(url)
    resource = urlunsplit((parts.scheme, parts.netloc, parts.path + ".json", "", ""))
    try:
        response = session.delete(
            resource, auth=(settings.account, settings.token), timeout=TIMEOUT
        )
    except requests.Timeout:
        return Answer(error="timeout")
    except requests.RequestException:
        return Answer(error="network")
    if response.status_code in (200, 204, 404):  # 404: deleted already (another run)
        return Answer(data=b"")
    return Answer(error="http", http_status=response.status_code)


def _settle_delete(
    message: Message,
    i: int,
    item: dict[str, Any],
    answer: Answer,
    now: datetime,
    counts: dict[str, int],
) -> dict:
    item.pop("next_attempt_dt", None)
    if answer.data is not None:
        item["twilio_copy"] = state.DELETED
        counts["deleted"] += 1
        return item
    item["delete_attempts"] = tries = int(item.get("delete_attempts") or 0) + 1
    if answer.final or tries >= state.MAX_ATTEMPTS:
        item["twilio_copy"] = state.KEPT
        log.warning("media-fetch: Twilio's copy of message %s item %s was not deleted (%s %s)",
                    message.id, i + 1, answer.error, answer.http_status or "")  # fmt: skip
    else:
        item["next_attempt_dt"] = (now + state.BACKOFF[tries - 1]).isoformat()
    return item
