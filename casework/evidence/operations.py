"""Attaching files to a case and reading them back, each on the case's record.

A file's original bytes are evidence: they are hashed (SHA-256, on the hash-chained record
in the ``file_added`` event), encrypted with the data key and stored unchanged. What
officers look at in the browser is a preview: a downscaled copy re-encoded without its
location and camera metadata.

Bytes are written to storage before the transaction commits, so a request that fails after
``attach_file`` leaves an orphan object in storage (never a row without its bytes); an
orphan has no row and no event, so nobody can reach it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import uuid
from typing import Any

from cryptography.fernet import InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps

from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.operations import record_event
from casework.cases.permissions import can_work, sees_full_case
from casework.errors import CaseworkError, InvalidInput, PermissionDenied
from casework.evidence.models import SOURCES, EvidenceFile
from casework.evidence.storage import FileMissing, get_storage
from casework.evidence.types import check_file, extension_for
from casework.extensions import db
from casework.reporters.crypto import decrypt_bytes, encrypt_bytes

log = logging.getLogger(__name__)

ATTACH_ROLES = frozenset({"officer", "supervisor"})
PREVIEW_MAX_PX = 1024
PREVIEW_SOURCE_MAX_PIXELS = 40_000_000
CAPTION_MAX = 2000


class FileUnavailable(CaseworkError):
    """The stored bytes are gone or no longer those recorded when the file was added."""


def may_attach(user: User, case: Case) -> bool:
    """Officers who may work the case, and supervisors."""
    return user.role in ATTACH_ROLES and can_work(user, case)


def may_read(user: User, case: Case) -> bool:
    """Whoever sees the full case (so a restricted case's files follow its rules);
    viewers, who see only the published summary, never."""
    return sees_full_case(user, case)


def clean_filename(name: str, content_type: str) -> str:
    """The name as given, without folders or control characters; a nameless file (an MMS
    attachment) is called after its type."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".")
    if not name:
        name = f"file.{extension_for(content_type)}"
    return name[-200:]


def download_name(file: EvidenceFile) -> str:
    """The name a download gets: the given name, its extension made to match the content,
    so a browser or a desktop never opens it as something else."""
    ext = extension_for(file.content_type)
    stem, dot, given = file.filename.rpartition(".")
    if dot and given.lower() == ext:
        return file.filename
    return f"{stem if dot else file.filename}.{ext}"


def make_preview(data: bytes, content_type: str) -> bytes | None:
    """A JPEG at most PREVIEW_MAX_PX on its longer side, upright, with no metadata at all
    (EXIF, GPS, camera, comments); None when the image cannot be read (HEIC without a
    decoder, a damaged file): the original is kept and downloadable either way."""
    if not content_type.startswith("image/"):
        return None
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format != "JPEG" and img.width * img.height > PREVIEW_SOURCE_MAX_PIXELS:
                # Decoded in full (only JPEG decodes at a reduced scale): a small PNG of
                # huge dimensions would take gigabytes of a web worker's memory.
                log.info("no preview for a %sx%s image", img.width, img.height)
                return None
            img.draft("RGB", (PREVIEW_MAX_PX, PREVIEW_MAX_PX))  # JPEG: decode smaller, faster
            upright = ImageOps.exif_transpose(img)
            upright.thumbnail((PREVIEW_MAX_PX, PREVIEW_MAX_PX))
            if upright.mode in ("RGBA", "LA", "P"):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                upright = flat
            clean = upright.convert("RGB")
            clean.info = {}  # nothing of the original's metadata may ride along
            out = io.BytesIO()
            clean.save(out, "JPEG", quality=82, optimize=True)
            return out.getvalue()
    except Exception:  # any unreadable image: no preview, not a refusal
        log.info("no preview for an evidence file of type %s", content_type)
        return None


def attach_file(
    case: Case,
    data: bytes,
    *,
    filename: str,
    caption: str = "",
    source: str,
    actor: User | None,
    message: Any = None,
) -> EvidenceFile:
    """Check, hash, encrypt and store ``data`` as a file of ``case``; on its record.

    ``actor=None`` is the system (media fetched from an MMS, ``source="reporter"`` and the
    ``message`` it came with). Raises PermissionDenied, or InvalidInput saying what is
    wrong with the file (empty, too large, a type a case does not accept).
    """
    if actor is not None and not may_attach(actor, case):
        raise PermissionDenied(_l("Only officers working this case and supervisors add files."))
    if source not in SOURCES:
        raise InvalidInput(
            _l("Say where the file comes from: a field visit, the reporter or a third party.")
        )
    caption = (caption or "").strip()
    if len(caption) > CAPTION_MAX:
        raise InvalidInput(_l("Keep the caption under %(n)s characters.", n=CAPTION_MAX))
    content_type = check_file(data, max_bytes=current_app.config["CASEWORK_FILE_MAX_BYTES"])
    sha256 = hashlib.sha256(data).hexdigest()
    if case.id is None:
        db.session.flush()
    storage = get_storage()
    key = f"cases/{case.id}/{uuid.uuid4().hex}"
    preview = make_preview(data, content_type)
    storage.put(key, encrypt_bytes(data))
    preview_key = None
    if preview is not None:
        preview_key = f"{key}.preview"
        storage.put(preview_key, encrypt_bytes(preview))
    file = EvidenceFile(
        case_id=case.id,
        message_id=message.id if message is not None else None,
        filename=clean_filename(filename, content_type),
        content_type=content_type,
        size=len(data),
        sha256=sha256,
        storage_key=key,
        preview_key=preview_key,
        caption=caption,
        source=source,
        added_by_id=actor.id if actor else None,
    )
    db.session.add(file)
    db.session.flush()
    record_event(
        case,
        "file_added",
        actor=actor,
        data={
            "file_id": file.id,
            "sha256": sha256,
            "filename": file.filename,
            "size": file.size,
            "content_type": content_type,
            "source": source,
            "caption": caption,
        },
    )
    return file


def read_file(file: EvidenceFile, *, actor: User, preview: bool = False) -> bytes:
    """The file's bytes (or its preview's) for ``actor``; a download is on the case's record.

    The original is checked against its SHA-256 first: bytes changed in storage since the
    file was added are refused (FileUnavailable), never served as evidence.
    """
    case = file.case
    if not may_read(actor, case):
        raise PermissionDenied(_l("You may not open the files of this case."))
    if preview and file.preview_key is None:
        raise FileUnavailable(_l("This file has no preview; download it instead."))
    key = file.preview_key if preview else file.storage_key
    assert key is not None
    try:
        data = decrypt_bytes(get_storage().get(key))
    except FileMissing:
        log.error("evidence file %s of case %s is missing from storage", file.id, case.id)
        raise FileUnavailable(
            _l(
                "The file %(name)s is missing from storage: it cannot be opened. Tell an "
                "administrator (casework audit verify lists every missing file).",
                name=file.filename,
            )
        ) from None
    except InvalidToken:
        data = None
    if data is None or (not preview and hashlib.sha256(data).hexdigest() != file.sha256):
        log.error("evidence file %s of case %s was changed in storage", file.id, case.id)
        raise FileUnavailable(
            _l(
                "The stored copy of %(name)s no longer matches the one added to the case "
                "(its SHA-256 differs): it was changed and is not served. Tell an "
                "administrator.",
                name=file.filename,
            )
        )
    # The download of the evidence goes on the record. A preview (a downscaled copy without
    # metadata, shown on the case page itself) does not: one event per thumbnail per page
    # view would bury the record; a restricted case's page views are recorded anyway.
    if not preview:
        record_event(
            case,
            "file_downloaded",
            actor=actor,
            data={"file_id": file.id, "filename": file.filename},
        )
    return data
