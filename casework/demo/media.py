"""Demo media sent by WhatsApp: the Bisie accident's reporter sends a photo of the shaft
(fetched and attached to the case, source "reporter") and a video (refused: a case takes no
video), each settled as the ``media-fetch`` job would (casework/jobs/media.py), without
Twilio. The case page's messages panel shows both states; the timeline the refusal."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from casework import clock
from casework.cases.operations import record_event
from casework.extensions import db
from casework.jobs.media import attach_media
from casework.messages.models import Message

if TYPE_CHECKING:
    from casework.demo.seed import _Seeder

_ACCOUNT = "AC" + "d" * 32  # a demo account: the job never fetches settled media
_TEXT = "Voici la photo du puits ou le creuseur est tombe, et la video quand on l'a remonte."


def _shaft_photo() -> bytes:
    img = Image.new("RGB", (800, 600), (122, 92, 60))
    draw = ImageDraw.Draw(img)
    draw.ellipse((250, 180, 550, 420), fill=(25, 20, 15), outline=(80, 60, 40), width=12)
    for x in (230, 570):  # the shaft's timber frame
        draw.rectangle((x - 12, 140, x + 12, 460), fill=(150, 120, 80))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=80)
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return (8 + len(payload)).to_bytes(4, "big") + kind + payload


def _video() -> bytes:
    """The start of an MP4 with a picture track: what a phone's video looks like."""
    handler = _box(b"hdlr", b"\0" * 8 + b"vide" + b"\0" * 12 + b"VideoHandler\0")
    moov = _box(b"moov", _box(b"trak", _box(b"mdia", handler)))
    return _box(b"ftyp", b"isom\0\0\0\0isomiso2mp41") + moov + b"\0" * 256


def add_demo_media(seeder: _Seeder) -> None:
    case = seeder.cases["bisie-accident"]
    sid = f"MM{seeder.rng.getrandbits(128):032x}"
    base = f"https://api.twilio.com/2010-04-01/Accounts/{_ACCOUNT}/Messages/{sid}/Media"
    message = Message(
        direction="in",
        channel="whatsapp",
        provider_sid=sid,
        case=case,
        reporter=case.reporter,
        body=_TEXT,
        language="fr",
        media=[
            {"url": f"{base}/ME{'1' * 32}", "content_type": "image/jpeg"},
            {"url": f"{base}/ME{'2' * 32}", "content_type": "video/mp4"},
        ],
        status="received",
        created_dt=clock.now(),
    )
    db.session.add(message)
    db.session.flush()
    data = {"message_id": message.id, "channel": "whatsapp", "language": "fr", "text": _TEXT,
            "media": ["image/jpeg", "video/mp4"]}  # fmt: skip
    record_event(case, "message_in", actor=None, data=data)
    message.media = [
        attach_media(message, 0, _shaft_photo()),
        attach_media(message, 1, _video()),
    ]
    db.session.flush()
