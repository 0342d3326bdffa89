"""The size limit (CASEWORK_FILE_MAX_BYTES, 100 KB here): a file over it is refused in
words on the case page (422); a request body far over it is stopped before it is read,
with a page saying the limit (413)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from casework.evidence.models import EvidenceFile
from tests.conftest import csrf_token
from tests.evidence import samples
from tests.evidence.conftest import upload


@pytest.fixture
def app_config():
    return {"CASEWORK_FILE_MAX_BYTES": 100_000}


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(EvidenceFile))


def test_a_file_over_the_limit_is_refused_with_the_limit(login_as, make_case, db):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    data = samples.pdf() + b"%" * 150_000

    response = upload(client, case, data, "scan.pdf", caption="Keep me")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The file is too large (147 KB); files up to 98 KB are accepted." in page
    assert "Keep me" in page  # the caption typed is kept
    assert _count(db) == 0


def test_a_file_at_the_limit_is_accepted(login_as, make_case, db):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    data = samples.pdf()
    data += b"%" * (100_000 - len(data))
    assert upload(client, case, data, "scan.pdf").status_code == 303
    assert _count(db) == 1


def test_a_body_far_over_the_limit_gets_a_clear_413_page(login_as, make_case, db, app):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    assert app.config["MAX_CONTENT_LENGTH"] == 100_000 + 1024 * 1024

    token = csrf_token(client, f"/cases/{case.reference}")
    # Encoded in memory: the test client would spool a large body to an unclosed temp file.
    boundary, body = encode_multipart(
        {"csrf_token": token, "source": "field_visit",
         "file": FileStorage(io.BytesIO(b"\0" * (2 * 1024 * 1024)), "video.jpg")}
    )  # fmt: skip
    response = client.post(
        f"/cases/{case.reference}/files",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "File too large" in page and "Nothing was saved" in page
    assert "Files up to 98 KB can be attached" in page
    assert f"/cases/{case.reference}" in page  # the way back
    assert _count(db) == 0
