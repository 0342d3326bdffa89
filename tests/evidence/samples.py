"""Small real files of every type a case accepts, made in the test (no binary fixtures)."""

from __future__ import annotations

import io
import struct
import wave
import zipfile

from PIL import Image

# Kalimbi, South Kivu: where a photo "was taken" (degrees, minutes, seconds).
GPS_LATITUDE = (2.0, 8.0, 30.0)
GPS_LONGITUDE = (28.0, 52.0, 12.0)


def photo(fmt: str = "JPEG", size=(1600, 1200), *, gps: bool = False) -> bytes:
    img = Image.new("RGB", size, (150, 110, 60))
    for x in range(0, size[0], 40):  # some detail, so the encoder has something to do
        img.paste((40, 40, 40), (x, 0, x + 4, size[1]))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "TECNO"  # Make
        exif[0x0110] = "Spark 10"  # Model
        exif.get_ifd(0x8825).update(
            {1: "S", 2: GPS_LATITUDE, 3: "E", 4: GPS_LONGITUDE}  # GPSInfo
        )
        img.save(out, fmt, exif=exif)
    elif fmt == "GIF":
        img.convert("P").save(out, fmt)
    else:
        img.save(out, fmt)
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    return _box(b"ftyp", major + b"\0\0\0\0" + b"".join(compatible))


def _track(handler: bytes) -> bytes:
    hdlr = _box(b"hdlr", b"\0" * 8 + handler + b"\0" * 12 + b"Handler\0")
    return _box(b"trak", _box(b"mdia", hdlr))


def heic() -> bytes:
    return _ftyp(b"heic", b"mif1", b"heic") + _box(b"meta", b"\0" * 64)


def m4a() -> bytes:
    """A voice recording as phones save it: an MP4 container with one sound track."""
    return _ftyp(b"M4A ", b"M4A ", b"isom") + _box(b"moov", _track(b"soun")) + b"\0" * 64


def mp4_video() -> bytes:
    return _ftyp(b"isom", b"isom", b"mp42") + _box(b"moov", _track(b"vide") + _track(b"soun"))


def pdf() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\1" * 8000)
    return out.getvalue()


def mp3() -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\0" * 413 * 3


def ogg_opus() -> bytes:
    header = b"OggS\x00\x02" + b"\0" * 20 + b"\x01\x13"
    return header + b"OpusHead\x01\x01\x38\x01\x80\xbb\0\0\0\0\0" + b"\0" * 64


def amr() -> bytes:
    return b"#!AMR\n" + b"\x3c" + b"\0" * 31 + b"\x3c" + b"\0" * 31


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/{part}" ContentType="{ct}"/></Types>'
)
_OOXML = {
    "docx": ("word/document.xml", "application/vnd.openxmlformats-officedocument."
             "wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", "application/vnd.openxmlformats-officedocument."
             "spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml", "application/vnd.openxmlformats-officedocument."
             "presentationml.presentation.main+xml"),
}  # fmt: skip


def ooxml(kind: str) -> bytes:
    part, ct = _OOXML[kind]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES.format(part=part, ct=ct))
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr(part, "<document>Rapport de visite, Rubaya</document>")
    return out.getvalue()


def opendocument(kind: str) -> bytes:
    mime = {"odt": "text", "ods": "spreadsheet"}[kind]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        # The mimetype entry first and stored: that is how OpenDocument is recognised.
        z.writestr("mimetype", f"application/vnd.oasis.opendocument.{mime}", zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
    return out.getvalue()


_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def old_office(kind: str) -> bytes:
    """The start of an Office 97-2003 file (a compound file), as far as a reader checks."""
    marker = {"doc": b"\xec\xa5\xc1\x00", "xls": b"\xfd\xff\xff\xff\x00\x00\x00\x00"}[kind]
    return _CFB + b"\0" * (512 - len(_CFB)) + marker + b"\0" * 1024


# name -> (bytes, the name the browser sends, the content type read from them)
ALLOWED_SAMPLES = {
    "jpeg": (lambda: photo("JPEG"), "receipt.jpg", "image/jpeg"),
    "png": (lambda: photo("PNG", (300, 200)), "logbook.png", "image/png"),
    "webp": (lambda: photo("WEBP", (300, 200)), "barrier.webp", "image/webp"),
    "gif": (lambda: photo("GIF", (300, 200)), "map.gif", "image/gif"),
    "heic": (heic, "IMG_0412.HEIC", "image/heic"),
    "pdf": (pdf, "attestation.pdf", "application/pdf"),
    "mp3": (mp3, "temoignage.mp3", "audio/mpeg"),
    "m4a": (m4a, "voice.m4a", "audio/mp4"),
    "ogg": (ogg_opus, "PTT-20261101.opus", "audio/ogg"),
    "amr": (amr, "recording.amr", "audio/amr"),
    "wav": (wav, "interview.wav", "audio/x-wav"),
    "docx": (lambda: ooxml("docx"), "rapport.docx",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (lambda: ooxml("xlsx"), "production.xlsx",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (lambda: ooxml("pptx"), "briefing.pptx",
             "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "odt": (lambda: opendocument("odt"), "proces-verbal.odt",
            "application/vnd.oasis.opendocument.text"),
    "ods": (lambda: opendocument("ods"), "taxes.ods",
            "application/vnd.oasis.opendocument.spreadsheet"),
    "doc": (lambda: old_office("doc"), "lettre.doc", "application/msword"),
    "xls": (lambda: old_office("xls"), "registre.xls", "application/vnd.ms-excel"),
}  # fmt: skip
