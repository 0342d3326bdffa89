"""``media-fetch``: a photo or recording sent by MMS or WhatsApp is fetched from Twilio (the
local fake) with the account's credentials and becomes a file on the message's case;
failures are retried on a schedule, then given up, refusals noted once, each on the record
and on the case page."""

from __future__ import annotations

import hashlib
import io
import secrets
import threading
from datetime import datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import select, update

from casework import clock
from casework.cases.models import Case, CaseEvent
from casework.evidence.models import EvidenceFile
from casework.evidence.storage import get_storage
from casework.jobs import media as media_job
from casework.messages.models import Message
from casework.reporters.crypto import decrypt_bytes
from tests.fakes.twilio_fake import ACCOUNT
from tests.intake.conftest import TOKEN, cases, messages

NOW = datetime.fromisoformat("2026-11-02T09:00:00+00:00")  # tests/conftest.py's frozen_now
REPORT = "Kizuizi cha barabara Rubaya, wanajeshi wanadai pesa. Picha hii."


def png(colour=(150, 110, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def mms(sms, twilio_fake, frozen_now):
    """``mms((bytes, claimed type), ...)``: Twilio's webhook for a message with media that
    the fake serves; the message's media URLs are the real api.twilio.com ones."""

    def send(*files: tuple[bytes, str], urls: list[str] | None = None, body: str = REPORT):
        sid = "MM" + secrets.token_hex(16)
        urls = list(urls or [])
        for data, claimed in files:
            urls.append(twilio_fake.add_media(data, claimed, message_sid=sid))
        extra = {"NumMedia": str(len(urls))}
        for i, url in enumerate(urls):
            extra[f"MediaUrl{i}"] = url
            extra[f"MediaContentType{i}"] = files[i][1] if i < len(files) else "image/jpeg"
        answer = sms(body, sid=sid, extra=extra)
        assert answer.status_code == 200
        return urls

    return send


def run(at: datetime | None = None) -> dict[str, int]:
    if at is not None:
        clock.freeze(at)
    return media_job.sweep()


def files(db) -> list[EvidenceFile]:
    db.session.expire_all()
    return list(db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


def media_of(db) -> list[dict]:
    [message] = messages(db, Message.direction == "in")
    return message.media


def events(db, kind: str) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.kind == kind)))


def page(login_as, case) -> str:
    """The case page as a supervisor sees it."""
    client, _ = login_as("supervisor")
    response = client.get(f"/cases/{case.reference}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


# ------------------------------------------------------------------------- fetched


def test_a_photo_sent_by_mms_becomes_a_file_on_the_case_with_the_same_bytes(
    db, mms, twilio_fake, login_as
):
    photo = png()
    [url] = mms((photo, "image/png"))
    assert run() == {**ZERO, "fetched": 1}
    [case] = cases(db)
    [file] = files(db)
    [message] = messages(db, Message.direction == "in")
    assert (file.case_id, file.message_id) == (case.id, message.id)
    assert (file.source, file.added_by_id, file.content_type) == ("reporter", None, "image/png")
    assert file.sha256 == hashlib.sha256(photo).hexdigest()
    assert decrypt_bytes(get_storage().get(file.storage_key)) == photo
    [added] = events(db, "file_added")
    assert added.data["sha256"] == file.sha256 and added.case_id == case.id
    # Fetched from Twilio's own path, on the fake's host, as the account.
    [fetch] = twilio_fake.media_fetches()
    assert url.startswith("https://api.twilio.com/") and url.endswith(fetch.path)
    assert fetch.auth == (ACCOUNT, TOKEN)
    assert media_of(db)[0] == {
        "url": url,
        "content_type": "image/png",
        "state": "fetched",
        "attempts": 1,
        "file_id": file.id,
    }
    html = page(login_as, case)
    assert f'href="/cases/{case.reference}/files/{file.id}"' in html
    assert "fetched from Twilio and attached to the case" in html
    assert "Twilio's copy is deleted" not in html


ZERO = {"fetched": 0, "retrying": 0, "gave_up": 0, "refused": 0, "deleted": 0, "errors": 0}


def test_each_item_of_a_message_is_a_file_of_its_own(db, mms):
    mms((png(), "image/png"), (png((10, 20, 30)), "image/png"))
    assert run()["fetched"] == 2
    assert [f.filename for f in files(db)] == [
        f"mms-{m.id}-{n}.png" for m in messages(db, Message.direction == "in") for n in (1, 2)
    ]


def test_running_the_job_again_attaches_nothing_more_and_asks_twilio_nothing(db, mms, twilio_fake):
    mms((png(), "image/png"))
    run()
    assert run(NOW + timedelta(days=1)) == ZERO
    assert len(files(db)) == 1 and len(twilio_fake.media_fetches()) == 1


def test_media_of_a_closed_case_are_still_attached(db, mms):
    mms((png(), "image/png"))
    db.session.execute(update(Case).values(status="closed", resolution="resolved"))
    db.session.commit()
    assert run()["fetched"] == 1
    assert files(db)[0].case_id == cases(db)[0].id


def test_media_of_a_message_without_a_case_wait_for_it_to_have_one(db, mms, twilio_fake):
    mms((png(), "image/png"))
    db.session.execute(update(Message).where(Message.direction == "in").values(case_id=None))
    db.session.commit()
    assert run() == ZERO and twilio_fake.media_fetches() == []
    case = cases(db)[0]
    db.session.execute(update(Message).where(Message.direction == "in").values(case_id=case.id))
    db.session.commit()
    assert run()["fetched"] == 1


def test_the_job_runs_from_the_command_line(db, mms, runner):
    mms((png(), "image/png"))
    result = runner.invoke(args=["jobs", "run", "media-fetch"])
    assert result.exit_code == 0, result.output
    assert len(files(db)) == 1


def test_without_a_twilio_account_nothing_is_tried_and_the_page_says_waiting(
    app, db, mms, twilio_fake, login_as
):
    mms((png(), "image/png"))
    app.config["TWILIO_ACCOUNT_SID"] = ""
    assert run() == ZERO and twilio_fake.media_fetches() == []
    html = page(login_as, cases(db)[0])
    assert "image/png: waiting to be fetched from Twilio." in html


# ------------------------------------------------------------------------- retried


def test_a_failed_fetch_is_tried_again_five_minutes_later_and_then_attached(
    db, mms, twilio_fake, login_as
):
    photo = png()
    mms((photo, "image/png"))
    twilio_fake.fail_next(1, status=503, code=20500, method="GET")
    assert run() == {**ZERO, "retrying": 1}
    [item] = media_of(db)
    assert (item["state"], item["attempts"], item["error"], item["http_status"]) == (
        "retry", 1, "http", 503,
    )  # fmt: skip
    assert item["next_attempt_dt"] == (NOW + timedelta(minutes=5)).isoformat()
    assert "api.twilio.com" not in str({k: v for k, v in item.items() if k != "url"})
    html = page(login_as, cases(db)[0])
    assert "not fetched yet, 1 attempt failed (Twilio answered with error 503)" in html
    assert "it will be tried again at" in html

    assert run(NOW + timedelta(minutes=4)) == ZERO  # not yet due
    assert len(twilio_fake.media_fetches()) == 1
    assert run(NOW + timedelta(minutes=5)) == {**ZERO, "fetched": 1}
    [file] = files(db)
    assert file.sha256 == hashlib.sha256(photo).hexdigest()
    [item] = media_of(db)
    assert (item["state"], item["attempts"]) == ("fetched", 2)
    assert "error" not in item and "next_attempt_dt" not in item


def test_a_media_twilio_never_serves_is_given_up_after_five_attempts_on_the_record(
    db, mms, twilio_fake, login_as
):
    gone = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME404"
    mms(urls=[gone])
    moment = NOW
    for wait in [timedelta(0), *media_job.state.BACKOFF[:-1]]:
        moment += wait
        assert run(moment)["retrying"] == 1
    assert run(moment + timedelta(hours=12) - timedelta(seconds=1)) == ZERO
    assert run(moment + timedelta(hours=12)) == {**ZERO, "gave_up": 1}
    assert len(twilio_fake.media_fetches()) == 5
    [item] = media_of(db)
    assert (item["state"], item["attempts"], item["http_status"]) == ("gave_up", 5, 404)
    [event] = events(db, "media_gave_up")
    assert event.data == {
        "message_id": messages(db, Message.direction == "in")[0].id,
        "item": 1,
        "attempts": 5,
        "error": "http",
        "http_status": 404,
    }
    assert run(moment + timedelta(days=30)) == ZERO and len(twilio_fake.media_fetches()) == 5
    html = page(login_as, cases(db)[0])
    assert (
        "could not be fetched from Twilio after 5 attempts (Twilio answered with error 404); "
        "Casework gave up." in html
    )
    assert "Casework gave up fetching attachment 1 of a message from the reporter" in html
    assert files(db) == []


def test_twilio_unreachable_counts_as_a_failure_to_retry(app, db, mms, twilio_fake):
    mms((png(), "image/png"))
    twilio_fake.stop()  # nothing listens on its port any more
    assert run()["retrying"] == 1
    assert media_of(db)[0]["error"] == "network"


# ------------------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"#!/bin/sh\nrm -rf /\n" * 40, "type", "its content is not a type a case accepts"),
        (b"", "empty", "the file Twilio sent is empty"),
        (b"\xff\xd8\xff" + b"\0" * 3000, "too_large", "the file is larger than the"),
    ],
    ids=["a script called a photo", "empty", "too large"],
)
def test_a_file_casework_does_not_take_is_noted_once_and_never_fetched_again(
    app, db, mms, twilio_fake, login_as, data, error, words
):
    app.config["CASEWORK_FILE_MAX_BYTES"] = 2048
    mms((data, "image/jpeg"))
    assert run() == {**ZERO, "refused": 1}
    [item] = media_of(db)
    assert (item["state"], item["error"]) == ("refused", error)
    [event] = events(db, "media_refused")
    assert event.data["error"] == error
    assert files(db) == []
    assert run(NOW + timedelta(days=1)) == ZERO
    assert len(twilio_fake.media_fetches()) == 1
    html = page(login_as, cases(db)[0])
    assert "image/jpeg: not attached to the case: " + words in html


def test_a_media_link_that_is_not_twilio_is_never_followed(db, mms, twilio_fake):
    """The account's credentials go to Twilio alone (the test guard would also fail any
    request leaving this machine)."""
    mms(urls=["https://media.example.org/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1"])
    assert run() == {**ZERO, "refused": 1}
    assert media_of(db)[0]["error"] == "not_twilio"
    assert twilio_fake.requests == []


# ------------------------------------------------------------------ Twilio's copy


@pytest.mark.parametrize("delete", [True, False], ids=["setting on", "setting off"])
def test_twilios_copy_is_deleted_after_the_fetch_only_when_the_setting_says_so(
    app, db, mms, twilio_fake, login_as, delete
):
    app.config["CASEWORK_DELETE_TWILIO_MEDIA"] = delete
    [url] = mms((png(), "image/png"))
    result = run()
    path = url.removeprefix("https://api.twilio.com")
    assert result == {**ZERO, "fetched": 1, "deleted": int(delete)}
    assert twilio_fake.deleted == ([path] if delete else [])
    deletes = [r for r in twilio_fake.requests if r.method == "DELETE"]
    expected = [(path + ".json", (ACCOUNT, TOKEN))] if delete else []  # the resource's URL
    assert [(r.path, r.auth) for r in deletes] == expected
    assert media_of(db)[0].get("twilio_copy") == ("deleted" if delete else None)
    html = page(login_as, cases(db)[0])
    assert ("Twilio's copy is deleted." in html) is delete
    assert run(NOW + timedelta(days=1)) == ZERO


def test_a_failed_delete_is_tried_again_later_and_the_file_stays_attached(
    app, db, mms, twilio_fake
):
    app.config["CASEWORK_DELETE_TWILIO_MEDIA"] = True
    mms((png(), "image/png"))
    twilio_fake.fail_next(1, status=500, method="DELETE")
    assert run() == {**ZERO, "fetched": 1}
    [item] = media_of(db)
    assert (item["state"], item["twilio_copy"], item["delete_attempts"]) == (
        "fetched", "to_delete", 1,
    )  # fmt: skip
    assert run(NOW + timedelta(minutes=5)) == {**ZERO, "deleted": 1}
    assert len(twilio_fake.deleted) == 1 and len(files(db)) == 1


# ------------------------------------------------------------------ two runs at once


def test_two_runs_at_once_attach_each_file_once(app, db, mms, twilio_fake):
    for _ in range(3):
        mms((png(), "image/png"))
    twilio_fake.delay = 0.2  # both runs download each item before either settles it
    barrier = threading.Barrier(2)
    results: list[dict] = []
    errors: list[BaseException] = []

    def one_run():
        with app.app_context():
            barrier.wait()
            try:
                results.append(media_job.sweep())
            except BaseException as exc:  # surfaced below, in the test's thread
                errors.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sum(r["fetched"] for r in results) == 3
    assert len(files(db)) == 3 and len(events(db, "file_added")) == 3
    assert {m.media[0]["file_id"] for m in messages(db, Message.direction == "in")} == {
        f.id for f in files(db)
    }


def test_a_run_that_stops_after_the_first_item_leaves_the_second_for_the_next(db, mms, monkeypatch):
    """Items are committed one at a time: the ones not yet tried must stay findable."""
    mms((png(), "image/png"), (png((10, 20, 30)), "image/png"))
    real_attach, calls = media_job.attach_file, []

    def storage_down_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("storage unreachable")
        return real_attach(*args, **kwargs)

    monkeypatch.setattr(media_job, "attach_file", storage_down_on_the_second)
    assert run()["errors"] == 1
    assert len(files(db)) == 1
    assert [item.get("state") for item in media_of(db)] == ["fetched", "waiting"]
    monkeypatch.setattr(media_job, "attach_file", real_attach)
    run()
    assert len(files(db)) == 2
