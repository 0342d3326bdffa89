"""attach_file as the other callers use it: the system (actor=None) attaching an MMS's
media to the message's case, and the refusals an operation makes itself."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.cases.models import CaseEvent
from casework.errors import InvalidInput, PermissionDenied
from casework.evidence.models import EvidenceFile
from casework.evidence.operations import attach_file, clean_filename, download_name
from casework.messages.models import Message
from tests.evidence import samples


def test_the_system_attaches_an_mms_photo_to_the_messages_case(make_case, db):
    case = make_case(status="received")
    media = [{"url": "http://127.0.0.1/media/ME1", "content_type": "image/jpeg"}]
    message = Message(direction="in", case_id=case.id, body="Voici la photo", media=media)
    db.session.add(message)
    db.session.flush()

    file = attach_file(case, samples.photo(gps=True), filename="", source="reporter",
                       actor=None, message=message)  # fmt: skip
    db.session.commit()

    stored = db.session.scalar(select(EvidenceFile))
    assert stored is file and file.message_id == message.id and file.added_by_id is None
    assert (file.filename, file.source) == ("file.jpg", "reporter")
    assert file.preview_key is not None
    event = db.session.scalar(select(CaseEvent).where(CaseEvent.kind == "file_added"))
    assert event.actor_id is None and event.data["source"] == "reporter"


def test_an_officer_not_assigned_to_a_restricted_case_may_not_attach(make_case, make_user, db):
    case = make_case(status="verifying", category="SA-SGBV")
    with pytest.raises(PermissionDenied):
        attach_file(case, samples.pdf(), filename="a.pdf", source="field_visit",
                    actor=make_user("officer"))  # fmt: skip
    officer = make_user("officer")
    case.assignee_id = officer.id
    attach_file(case, samples.pdf(), filename="a.pdf", source="field_visit", actor=officer)


def test_an_unknown_source_and_a_long_caption_are_refused(make_case, make_user, db):
    case = make_case(status="verifying")
    supervisor = make_user("supervisor")
    with pytest.raises(InvalidInput, match="Say where the file comes from"):
        attach_file(case, samples.pdf(), filename="a.pdf", source="rumour", actor=supervisor)
    with pytest.raises(InvalidInput, match="Keep the caption under 2000 characters"):
        attach_file(case, samples.pdf(), filename="a.pdf", caption="x" * 2001,
                    source="third_party", actor=supervisor)  # fmt: skip


def test_names_lose_their_folders_and_downloads_get_the_contents_extension():
    assert clean_filename("C:\\Users\\agent\\..\\recu.jpg", "image/jpeg") == "recu.jpg"
    assert clean_filename("../../etc/passwd\n", "application/pdf") == "passwd"
    assert clean_filename("  ", "audio/amr") == "file.amr"
    named = EvidenceFile(filename="passwd", content_type="application/pdf")
    assert download_name(named) == "passwd.pdf"
    assert download_name(EvidenceFile(filename="IMG.JPG", content_type="image/jpeg")) == "IMG.JPG"
    assert download_name(EvidenceFile(filename="a.exe", content_type="image/png")) == "a.png"
