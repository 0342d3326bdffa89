"""What became of each photo, recording or document a reporter sent by MMS or WhatsApp: the
state kept beside it in ``Message.media``, and the words the case page shows for it.

An item of ``Message.media`` is a dict: ``url`` and ``content_type`` as Twilio's webhook
gave them, then, once the ``media-fetch`` job (casework/jobs/media.py) has tried it:

- ``state``: ``retry`` (it failed; tried again at ``next_attempt_dt``), ``fetched`` (it is
  the case's evidence file ``file_id``), ``gave_up`` (it failed MAX_ATTEMPTS times) or
  ``refused`` (Casework does not take it: never retried). No ``state``: not tried yet.
- ``attempts``; ``next_attempt_dt`` (ISO 8601, UTC); ``error`` (a key of ERROR_WORDS) with
  ``http_status`` when Twilio answered with an error, ``detail`` when a refusal had no key.
- ``twilio_copy``: ``to_delete`` then ``deleted`` (or ``kept`` when deleting failed for good),
  only when CASEWORK_DELETE_TWILIO_MEDIA is on; ``delete_attempts`` beside it.

An error is stored as a key, never as an exception's text: that text often quotes the URL,
which names the Twilio account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.evidence.models import EvidenceFile
from casework.extensions import db
from casework.messages.models import Message

# Waits between failed fetches of one item; the fetch after the last wait is the last one.
BACKOFF = (
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1

# WAITING: never tried, but another item of its message was (so the message's JSON names a
# state and the job must still find it).
WAITING, RETRY, FETCHED, GAVE_UP, REFUSED = "waiting", "retry", "fetched", "gave_up", "refused"
TO_DELETE, DELETED, KEPT = "to_delete", "deleted", "kept"

ERROR_WORDS: dict[str, LazyString] = {
    # failures, retried
    "http": _l("Twilio answered with error %(status)s"),
    "timeout": _l("Twilio did not answer in time"),
    "network": _l("Twilio could not be reached"),
    # refusals, never retried
    "empty": _l("the file Twilio sent is empty"),
    "too_large": _l("the file is larger than the %(limit)s MB a case accepts"),
    "type": _l("its content is not a type a case accepts"),
    "not_twilio": _l("its link does not point to Twilio, so Casework did not follow it"),
}


def parse_dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def is_due(item: dict[str, Any], now: datetime) -> bool:
    """Whether the job should try to fetch ``item`` now."""
    state = item.get("state")
    if state is None or state == WAITING:
        return True
    if state != RETRY:
        return False
    when = parse_dt(item.get("next_attempt_dt"))
    return when is None or when <= now


def delete_due(item: dict[str, Any], now: datetime) -> bool:
    """Whether Twilio's copy of a fetched ``item`` should be deleted now."""
    if item.get("twilio_copy") != TO_DELETE:
        return False
    when = parse_dt(item.get("next_attempt_dt"))
    return when is None or when <= now


def error_words(item: dict[str, Any]) -> str | None:
    """Why the item's last fetch failed or it was refused, in the reader's language."""
    error = item.get("error")
    if not error:
        return None
    if error in ERROR_WORDS:
        limit = current_app.config["CASEWORK_FILE_MAX_BYTES"] / 1_048_576
        return str(ERROR_WORDS[error] % {"status": item.get("http_status"), "limit": f"{limit:g}"})
    return str(item.get("detail") or error)


@dataclass(frozen=True)
class MediaView:
    """One item as the messages panel shows it."""

    number: int  # 1-based, in the message's order
    content_type: str
    key: str  # waiting, retry, fetched, gave_up, refused (a CSS class: media-<key>)
    attempts: int
    why: str | None
    retry_at: datetime | None
    file: EvidenceFile | None  # when fetched and still on the case
    twilio_deleted: bool


def media_views(messages: Iterable[Message]) -> dict[int, list[MediaView]]:
    """``{message id: [its items]}`` for the messages that have media (one query for their
    evidence files)."""
    with_media = [m for m in messages if m.media]
    file_ids = {
        item["file_id"]
        for m in with_media
        for item in m.media
        if isinstance(item, dict) and isinstance(item.get("file_id"), int)
    }
    files: dict[int, EvidenceFile] = {}
    if file_ids:
        rows = db.session.scalars(select(EvidenceFile).where(EvidenceFile.id.in_(file_ids)))
        files = {f.id: f for f in rows}
    views: dict[int, list[MediaView]] = {}
    for message in with_media:
        views[message.id] = [
            _view(i + 1, item, files, message) for i, item in enumerate(message.media)
        ]
    return views


def _view(number: int, item: dict[str, Any], files: dict[int, EvidenceFile], message) -> MediaView:
    state = item.get("state") or WAITING
    file = files.get(item.get("file_id")) if state == FETCHED else None  # type: ignore[arg-type]
    if file is not None and file.case_id != message.case_id:
        file = None  # the file went with another case: not this one's to link
    return MediaView(
        number=number,
        content_type=str(item.get("content_type") or ""),
        key=state,
        attempts=int(item.get("attempts") or 0),
        why=error_words(item) if state in {RETRY, GAVE_UP, REFUSED} else None,
        retry_at=parse_dt(item.get("next_attempt_dt")) if state == RETRY else None,
        file=file,
        twilio_deleted=item.get("twilio_copy") == DELETED,
    )
