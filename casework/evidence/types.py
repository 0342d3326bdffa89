"""Which files a case accepts, read from their content: a file's name and the type a
browser or a phone claims are never trusted (a script renamed photo.jpg stays a script).

`filetype` reads the magic numbers; a few plain checks cover what it cannot tell apart:
HEIF images whose brand it does not know, and an MP4 container holding only sound (a voice
recording), which it calls a video.
"""

from __future__ import annotations

import re

import filetype
from flask_babel import lazy_gettext as _l

from casework.errors import InvalidInput

# Content type -> (kind, the extension a download gets).
ALLOWED: dict[str, tuple[str, str]] = {
    "image/jpeg": ("photo", "jpg"),
    "image/png": ("photo", "png"),
    "image/webp": ("photo", "webp"),
    "image/gif": ("photo", "gif"),
    "image/heic": ("photo", "heic"),
    "image/heif": ("photo", "heif"),
    "application/pdf": ("document", "pdf"),
    "audio/mpeg": ("audio", "mp3"),
    "audio/mp4": ("audio", "m4a"),
    "audio/ogg": ("audio", "ogg"),
    "audio/amr": ("audio", "amr"),
    "audio/x-wav": ("audio", "wav"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("office", "docx"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("office", "xlsx"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "office",
        "pptx",
    ),
    "application/vnd.oasis.opendocument.text": ("office", "odt"),
    "application/vnd.oasis.opendocument.spreadsheet": ("office", "ods"),
    "application/msword": ("office", "doc"),
    "application/vnd.ms-excel": ("office", "xls"),
}

ALLOWED_SUMMARY = _l(
    "photos (JPEG, PNG, WebP, HEIC, GIF), PDF, audio (MP3, M4A, Ogg/Opus, AMR, WAV) and "
    "office documents (Word, Excel, PowerPoint, OpenDocument)"
)

_HEIF_BRANDS = {"heic", "heix", "hevc", "hevx", "heim", "heis"}
_HEIF_GENERIC = {"mif1", "msf1"}
_MP4_BRANDS = {"isom", "iso2", "mp41", "mp42", "M4A ", "dash"}
# A track's handler: hdlr box, then version/flags and pre_defined (8 bytes), then its type.
_HANDLER = re.compile(rb"hdlr.{8}(vide|soun)", re.DOTALL)


def _ftyp(data: bytes) -> tuple[str, set[str]] | None:
    """An ISO-BMFF file's major and compatible brands, or None."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return None
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > len(data):
        return None
    brands = {data[i : i + 4].decode("latin-1") for i in range(16, size - 3, 4)}
    return data[8:12].decode("latin-1"), brands


def _iso_bmff_type(data: bytes) -> str | None:
    ftyp = _ftyp(data)
    if ftyp is None:
        return None
    major, brands = ftyp
    every = brands | {major}
    if major in _HEIF_BRANDS or (major in _HEIF_GENERIC and every & _HEIF_BRANDS):
        return "image/heic"
    if major in _HEIF_GENERIC:
        return "image/heif"
    if every & _MP4_BRANDS:
        handlers = {m.group(1) for m in _HANDLER.finditer(data)}
        # Sound and no picture: a voice recording saved as .mp4/.m4a. A video is refused.
        if handlers == {b"soun"} or (not handlers and major == "M4A "):
            return "audio/mp4"
    return None


def detect(data: bytes) -> str | None:
    """The content type read from ``data``, or None when it is nothing we know."""
    found = _iso_bmff_type(data)
    if found:
        return found
    kind = filetype.guess(data)
    return kind.mime if kind is not None else None


def check_file(data: bytes, *, max_bytes: int) -> str:
    """The allowed content type of ``data``; InvalidInput saying what is wrong otherwise."""
    if not data:
        raise InvalidInput(_l("The file is empty. Choose the file again and attach it."))
    if len(data) > max_bytes:
        raise InvalidInput(
            _l(
                "The file is too large (%(size)s); files up to %(limit)s are accepted.",
                size=human_size(len(data)),
                limit=human_size(max_bytes),
            )
        )
    content_type = detect(data)
    if content_type not in ALLOWED:
        raise InvalidInput(
            _l(
                "This file's content is not a type a case accepts, whatever its name says. "
                "Accepted: %(allowed)s.",
                allowed=ALLOWED_SUMMARY,
            )
        )
    return content_type


def human_size(size: int) -> str:
    """20 MB, 1.5 MB, 98 KB: sizes as people say them (a limit, a file)."""
    if size >= 1_048_576:
        return f"{size / 1_048_576:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


def extension_for(content_type: str) -> str:
    return ALLOWED.get(content_type, ("", "bin"))[1]
