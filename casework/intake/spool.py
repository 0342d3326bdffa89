"""The intake spool: signed webhooks kept on local disk while the database cannot take them.

One file per MessageSid in ``CASEWORK_SPOOL_DIR`` (default ``<instance>/spool``), holding
one entry (the webhook's signed fields, when it came, the reference reserved for it and
the reply it was given) as JSON encrypted with the data key (`casework.reporters.crypto`:
the sender's number is in it). A file is written whole or not at all: to a temporary
file in the same folder, flushed and fsynced, then linked to its final name (which fails
if the MessageSid is spooled already: the first delivery stands) and the folder fsynced,
so that a crash or a power cut leaves either no entry or a complete one.

Files are read back by `casework.intake.spooled`, which files them when the database
answers again, and removed only after the transaction that filed them has committed.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import InvalidToken
from flask import current_app

from casework.reporters import crypto

log = logging.getLogger(__name__)

SUFFIX = ".sms"
_SAFE_SID = re.compile(r"[A-Za-z0-9]{1,64}")


class SpoolError(RuntimeError):
    """An entry could not be written or read; the message names the file, never its content."""


@dataclass(frozen=True)
class Entry:
    """One spooled inbound message."""

    sid: str
    form: dict[str, str]  # the webhook's fields as signed (From left out for ANON)
    received_dt: str  # ISO 8601, UTC
    reference: str | None = None  # reserved for the case this message opens
    reply: str | None = None  # what the webhook answered (None: nothing yet)
    language: str | None = None  # the reply's language
    sender_hash: str | None = None  # keyed hash of the number: groups one reporter's messages
    sender_valid: bool = False  # when From is left out: whether it could be answered
    sender_country: str | None = None
    sender_channel: str | None = None

    def to_json(self) -> bytes:
        return json.dumps(self.__dict__, ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Entry:
        data = json.loads(raw)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def folder() -> Path:
    configured = current_app.config.get("CASEWORK_SPOOL_DIR") or ""
    return Path(configured) if configured else Path(current_app.instance_path) / "spool"


def filename(sid: str) -> str:
    """``<MessageSid>.sms`` for a SID of letters and digits (Twilio's), else a hash of it."""
    if _SAFE_SID.fullmatch(sid):
        return sid + SUFFIX
    return "h" + hashlib.sha256(sid.encode()).hexdigest()[:40] + SUFFIX


def path_for(sid: str) -> Path:
    return folder() / filename(sid)


def holds(sid: str) -> bool:
    """Whether this MessageSid is spooled (a repeat of it is a duplicate)."""
    try:
        return path_for(sid).exists()
    except OSError:
        return False


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _ensure_folder() -> Path:
    path = folder()
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        _fsync_dir(path.parent)
    return path


@contextlib.contextmanager
def locked() -> Iterator[Path]:
    """Hold the spool's lock (one writer at a time, across processes): reading what is
    spooled and adding to it is then one step. Yields the folder."""
    path = _ensure_folder()
    fd = os.open(path / ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield path
    finally:
        os.close(fd)  # closing drops the lock


def write(entry: Entry) -> bool:
    """Write ``entry`` durably; False when its MessageSid is spooled already."""
    directory = _ensure_folder()
    final = directory / filename(entry.sid)
    if final.exists():
        return False
    data = crypto.encrypt_bytes(entry.to_json())
    temp = directory / f".tmp-{secrets.token_hex(8)}"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(temp, final)  # unlike a rename, never replaces an entry already there
        except FileExistsError:
            return False
        _fsync_dir(directory)
        return True
    except OSError as error:
        raise SpoolError(f"could not write {final.name} in {directory}: {error.strerror}") from None
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def read(path: Path) -> Entry:
    try:
        return Entry.from_json(crypto.decrypt_bytes(path.read_bytes()))
    except InvalidToken:
        raise SpoolError(
            f"{path.name} cannot be decrypted with CASEWORK_DATA_KEY: put back the key it was "
            "written with (keys are separated by commas, the newest first)"
        ) from None
    except (OSError, ValueError, TypeError) as error:
        raise SpoolError(f"{path.name} cannot be read: {type(error).__name__}") from None


def pending() -> list[Path]:
    """The spooled files, oldest first (a missing folder is an empty spool)."""
    try:
        paths = [p for p in folder().iterdir() if p.name.endswith(SUFFIX)]
    except FileNotFoundError:
        return []
    return sorted(paths, key=lambda p: (_mtime(p), p.name))


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def entries() -> Iterator[tuple[Path, Entry]]:
    """Every readable entry with its file; unreadable ones are logged and skipped."""
    for path in pending():
        try:
            yield path, read(path)
        except SpoolError as error:
            log.error("Spooled SMS skipped: %s", error)


def remove(path: Path) -> None:
    """Delete a filed entry (already gone is fine: another filer took it)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return
    _fsync_dir(path.parent)
