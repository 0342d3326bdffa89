"""Who may open a case's files: whoever sees the full case (a restricted case's files
follow its rules), never a viewer; every download and preview is on the case's record."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases.models import CaseEvent
from casework.evidence.models import EvidenceFile
from tests.evidence import samples
from tests.evidence.conftest import upload


@pytest.fixture
def case_with_file(login_as, make_case, make_committee, db):
    """A restricted (SA-SGBV) case and an ordinary one of the Masisi committee, each with
    a photo added by the supervisor."""
    committee = make_committee()
    client, _ = login_as("supervisor")
    files = {}
    for name, category in (("restricted", "SA-SGBV"), ("ordinary", "CHL")):
        case = make_case(status="verifying", category=category, committee_id=committee.id,
                         is_published=True, public_summary="Published.")  # fmt: skip
        assert upload(client, case, samples.photo(), f"{name}.jpg").status_code == 303
        files[name] = db.session.scalar(select(EvidenceFile).where(EvidenceFile.case_id == case.id))
    return committee, files


def _events(db, kind: str):
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.kind == kind)))


def _get(client, file, *, preview=False):
    url = f"/cases/{file.case.reference}/files/{file.id}" + ("/preview" if preview else "")
    return client.get(url)


@pytest.mark.parametrize(
    ("who", "which"),
    [
        ("viewer", "ordinary"),  # a published case: a viewer reads its summary, no files
        ("viewer", "restricted"),
        ("other-committee", "ordinary"),
        ("committee", "restricted"),  # their committee's case, but restricted: its brief only
        ("officer", "restricted"),  # not assigned
        ("admin", "restricted"),
    ],
)
def test_a_download_is_refused_to_who_may_not_see_the_case(
    case_with_file, login_as, make_committee, db, who, which
):
    committee, files = case_with_file
    file = files[which]
    if who == "other-committee":
        client, _ = login_as("committee", committee=make_committee("Comité provincial du Sud-Kivu"))
    elif who == "committee":
        client, _ = login_as("committee", committee=committee)
    else:
        client, _ = login_as(who)
    before = len(db.session.scalars(select(CaseEvent)).all())

    assert _get(client, file).status_code == 403
    assert _get(client, file, preview=True).status_code == 403
    assert len(db.session.scalars(select(CaseEvent)).all()) == before  # refusals record nothing
    page = client.get(f"/cases/{file.case.reference}", follow_redirects=True)
    assert f"/files/{file.id}" not in page.get_data(as_text=True)
    assert _events(db, "file_downloaded") == [] and _events(db, "preview_viewed") == []


@pytest.mark.parametrize(
    ("who", "which"),
    [
        ("supervisor", "restricted"),
        ("assigned-officer", "restricted"),
        ("officer", "ordinary"),
        ("committee", "ordinary"),
        ("admin", "ordinary"),
    ],
)
def test_a_download_by_who_may_see_the_case_is_recorded(case_with_file, login_as, db, who, which):
    committee, files = case_with_file
    file = files[which]
    if who == "assigned-officer":
        client, user = login_as("officer")
        file.case.assignee_id = user.id
        db.session.commit()
    else:
        client, user = login_as(who, committee=committee if who == "committee" else None)

    response = _get(client, file)

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    (event,) = _events(db, "file_downloaded")
    assert (event.case_id, event.actor_id, event.data["file_id"]) == (
        file.case_id,
        user.id,
        file.id,
    )

    assert _get(client, file, preview=True).mimetype == "image/jpeg"
    assert _events(db, "preview_viewed") == []  # shown on the case page: not one event each


def test_a_file_of_another_case_is_not_found_through_this_one(case_with_file, login_as, db):
    _, files = case_with_file
    client, _ = login_as("supervisor")
    other = files["ordinary"].case.reference
    assert client.get(f"/cases/{other}/files/{files['restricted'].id}").status_code == 404
    assert client.get(f"/cases/{other}/files/999999").status_code == 404


def test_files_are_never_on_a_static_path_and_need_a_login(case_with_file, app, db):
    _, files = case_with_file
    file = files["ordinary"]
    anonymous = app.test_client()
    response = anonymous.get(f"/cases/{file.case.reference}/files/{file.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert anonymous.get(f"/static/{file.storage_key}").status_code == 404
