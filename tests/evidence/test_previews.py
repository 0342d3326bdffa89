"""Images get a downscaled preview without location or camera metadata; the original is
kept and downloaded byte for byte, EXIF GPS included, as evidence."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from casework.evidence.models import EvidenceFile
from tests.evidence import samples
from tests.evidence.conftest import upload

GPS_IFD = 0x8825


def test_exif_gps_is_in_the_original_and_not_in_the_preview(login_as, make_case, db):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    data = samples.photo(size=(2400, 1800), gps=True)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the test's own premise

    assert upload(client, case, data, "barrier.jpg").status_code == 303
    file = db.session.scalar(select(EvidenceFile))
    base = f"/cases/{case.reference}/files/{file.id}"

    original = client.get(base).data
    assert original == data
    exif = Image.open(io.BytesIO(original)).getexif()
    assert exif.get_ifd(GPS_IFD)[2] == samples.GPS_LATITUDE and exif[0x010F] == "TECNO"

    preview = client.get(f"{base}/preview")
    assert preview.status_code == 200 and preview.mimetype == "image/jpeg"
    image = Image.open(io.BytesIO(preview.data))
    assert max(image.size) == 1024 and image.size == (1024, 768)
    assert len(image.getexif()) == 0 and not image.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in preview.data and b"TECNO" not in preview.data
    assert not image.info.get("exif") and not image.info.get("icc_profile")


def test_a_transparent_png_gets_a_flat_preview_and_a_document_none(login_as, make_case, db):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    out = io.BytesIO()
    Image.new("RGBA", (200, 100), (0, 0, 0, 0)).save(out, "PNG")
    upload(client, case, out.getvalue(), "sketch.png")
    upload(client, case, samples.pdf(), "attestation.pdf")
    png, pdf = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id))

    preview = client.get(f"/cases/{case.reference}/files/{png.id}/preview")
    assert Image.open(io.BytesIO(preview.data)).getpixel((0, 0)) == (255, 255, 255)
    assert pdf.preview_key is None
    assert client.get(f"/cases/{case.reference}/files/{pdf.id}/preview").status_code == 409
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert f"/files/{png.id}/preview" in page and f"/files/{pdf.id}/preview" not in page


def test_an_image_too_large_to_decode_safely_is_kept_without_a_preview(login_as, make_case, db):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    out = io.BytesIO()
    Image.new("1", (8000, 6000)).save(out, "PNG")  # 48 megapixels, a few kilobytes
    assert upload(client, case, out.getvalue(), "huge.png").status_code == 303
    file = db.session.scalar(select(EvidenceFile))
    assert file.preview_key is None and file.content_type == "image/png"
