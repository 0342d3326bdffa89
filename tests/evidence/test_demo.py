"""The demo shows files on cases: a captioned photo whose preview has lost its GPS, a
PDF, all passing `casework audit verify`."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from casework.cases.models import Case
from casework.demo.seed import demo_password
from casework.evidence.models import EvidenceFile
from tests.conftest import login


def test_the_demo_has_files_on_cases_that_pass_audit_verify(app, db, runner):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    files = db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)).all()
    assert {f.content_type for f in files} >= {"image/jpeg", "application/pdf"}
    captioned = [f for f in files if f.caption]
    assert len(captioned) >= 3 and len({f.case_id for f in captioned}) >= 2

    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{len(files)} files match the record" in result.output

    (photo,) = [f for f in files if f.filename == "IMG_20261117_0932.jpg"]
    case = db.session.get(Case, photo.case_id)
    client = app.test_client()
    login(client, "supervisor@example.org", demo_password("supervisor"))
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert photo.caption[:40] in page
    original = client.get(f"/cases/{case.reference}/files/{photo.id}").data
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the phone's GPS
    preview = client.get(f"/cases/{case.reference}/files/{photo.id}/preview").data
    assert not Image.open(io.BytesIO(preview)).getexif().get_ifd(0x8825)
