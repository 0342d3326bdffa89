"""Demo evidence files: a photo of the Kalimbi roadblock's receipt (with the phone's GPS in
the original, none in the preview), a page of the Numbi weighing book, and a PDF from a
third party, added through `attach_file` like any upload. Small images, so the seed
stays fast. Added at the demo's now (the seeder's clock), after every other event."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from casework.evidence.operations import attach_file

if TYPE_CHECKING:
    from casework.demo.seed import _Seeder

# Kalimbi, South Kivu (degrees, minutes, seconds), as a phone would tag the photo.
_KALIMBI_GPS = {1: "S", 2: (2.0, 8.0, 30.0), 3: "E", 4: (28.0, 52.0, 12.0)}
_RECEIPT = [
    "REPUBLIQUE DEMOCRATIQUE DU CONGO",
    "SAEMAPE - Antenne de Kalimbi",
    "Recu No 0457",
    "Moto: 1   Cassiterite: 2 sacs",
    "Montant: 10 USD",
    "Signature: ........",
]
_LOGBOOK = [
    "Cahier de pesee - Numbi",
    "12/11  Lot 88   42 kg  -> 61 kg",
    "13/11  Lot 91   38 kg  -> 55 kg",
    "14/11  Lot 94   40 kg  -> 58 kg",
]
_MINUTES = [
    "Cooperative miniere de Numbi - Proces-verbal",
    "Reunion du 15 novembre 2026",
    "Les membres constatent des ecarts entre les poids notes et les poids reels.",
    "Ils demandent une verification par la division des mines.",
]


def _photo(lines: list[str], *, paper=(236, 230, 214), gps: dict | None = None) -> bytes:
    img = Image.new("RGB", (900, 640), (92, 74, 52))
    draw = ImageDraw.Draw(img)
    draw.rectangle((120, 60, 780, 580), fill=paper, outline=(60, 60, 60), width=3)
    for i, line in enumerate(lines):
        draw.text((160, 100 + i * 44), line, fill=(30, 30, 30), font_size=26)
    out = io.BytesIO()
    exif = Image.Exif()
    if gps:
        exif[0x010F], exif[0x0110] = "TECNO", "Spark 10"  # camera make and model
        exif.get_ifd(0x8825).update(gps)
    img.save(out, "JPEG", quality=80, exif=exif)
    return out.getvalue()


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF with its cross-reference table, readable by any viewer."""
    text = " T* ".join(f"({line})Tj" for line in lines)
    stream = f"BT /F1 12 Tf 14 TL 60 760 Td {text} ET".encode("latin-1")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
        b"/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n" % len(stream) + stream + b"\nendstream",
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def add_demo_files(seeder: _Seeder) -> None:
    supervisor = seeder.user("supervisor@example.org")
    roadblock = seeder.cases["kalimbi-roadblock"]
    attach_file(
        roadblock,
        _photo(_RECEIPT, gps=_KALIMBI_GPS),
        filename="IMG_20261117_0932.jpg",
        caption="Receipt handed to a motorbike driver at the Kalimbi roadblock: issued by "
        "SAEMAPE, 10 USD for two bags. Photographed during the field visit.",
        source="field_visit",
        actor=roadblock.assignee or supervisor,
    )
    weights = seeder.cases["numbi-weights"]
    attach_file(
        weights,
        _photo(_LOGBOOK, paper=(245, 245, 235)),
        filename="cahier-pesee-numbi.jpg",
        caption="Page of the weighing book, photographed by the cooperative's secretary; "
        "the second column was written over.",
        source="reporter",
        actor=weights.assignee or supervisor,
    )
    attach_file(
        weights,
        _pdf(_MINUTES),
        filename="PV-cooperative-Numbi.pdf",
        caption="Minutes of the cooperative's meeting on the weights, given by its president.",
        source="third_party",
        actor=weights.assignee or supervisor,
    )
