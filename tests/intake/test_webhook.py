"""POST /sms/inbound: signatures, idempotency, new reports, media, bad input, no 500s."""

from __future__ import annotations

import io
import logging

import pytest

from casework.cases.models import Case, CaseEvent
from casework.intake import operations
from casework.messages.models import Message
from casework.reporters.models import Reporter
from tests.intake.conftest import DRC, INBOUND_URL, cases, count, messages, new_sid

WATOTO = "Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule."

# ---------------------------------------------------------------- signatures


def test_a_signed_report_opens_a_case_and_the_reply_gives_its_reference(sms, db):
    answer = sms(WATOTO)
    assert answer.status_code == 200
    [case] = cases(db)
    assert case.status == "received"
    assert case.channel == "sms"
    assert case.description == WATOTO
    assert case.reporter is not None and case.reporter.phone == DRC
    assert case.reporter.phone_masked == "+243 ••• ••• 101"
    assert case.reference in answer.reply
    assert "HALI " + case.reference in answer.reply  # how to ask for status, in Swahili
    assert "siri" in answer.reply  # the safety note


def test_the_reply_is_recorded_and_asks_for_delivery_status(sms, db):
    answer = sms(WATOTO)
    [inbound, reply] = messages(db)
    assert (inbound.direction, inbound.status) == ("in", "received")
    assert (reply.direction, reply.status) == ("out", "queued")
    assert reply.body == answer.reply
    assert reply.reply_to_id == inbound.id and reply.case_id == inbound.case_id
    assert answer.action == f"http://casework.test/sms/status?m={reply.id}"
    kinds = [e.kind for e in db.session.scalars(db.select(CaseEvent).order_by(CaseEvent.seq))]
    assert kinds == ["created", "message_out"]


@pytest.mark.parametrize(
    "tamper",
    [
        {"sign": False},
        {"token": "not-the-token"},
        {"url": "http://casework.test/sms/other"},
        {"headers": {"X-Twilio-Signature": "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}},
    ],
    ids=["missing", "wrong-token", "wrong-url", "forged"],
)
def test_unsigned_or_forged_requests_are_refused_and_leave_nothing(sms, db, tamper, caplog):
    if "headers" in tamper:
        tamper = {"sign": False, **tamper}
    with caplog.at_level(logging.WARNING):
        answer = sms(WATOTO, **tamper)
    assert answer.status_code == 403
    assert count(db, Case) == count(db, Message) == count(db, Reporter) == 0
    assert "signature" in caplog.text
    assert DRC not in caplog.text and DRC[1:] not in caplog.text


def test_a_signature_for_other_parameters_is_refused(client, db):
    from tests.intake.conftest import signature

    params = {"MessageSid": new_sid(), "From": DRC, "Body": "hello"}
    sig = signature(INBOUND_URL, params)
    response = client.post(
        "/sms/inbound", data={**params, "Body": "changed"}, headers={"X-Twilio-Signature": sig}
    )
    assert response.status_code == 403
    assert count(db, Message) == 0


class TestWithoutToken:
    @pytest.fixture
    def app_config(self):
        return {"TWILIO_AUTH_TOKEN": ""}

    def test_no_token_configured_refuses_everything(self, sms, db):
        # An empty HMAC key is a key anybody has: nothing may pass.
        assert sms(WATOTO, token="").status_code == 403
        assert count(db, Message) == 0


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self):
        return {"CASEWORK_PUBLIC_URL": "https://sms.casework.example"}

    def test_the_public_url_is_what_is_signed(self, sms, db):
        assert sms(WATOTO).status_code == 403  # signed over the internal URL
        answer = sms(WATOTO, url="https://sms.casework.example/sms/inbound")
        assert answer.status_code == 200
        [reply] = messages(db, Message.direction == "out")
        assert answer.action == f"https://sms.casework.example/sms/status?m={reply.id}"


class TestSharedKey:
    @pytest.fixture
    def app_config(self):
        return {"TWILIO_WEBHOOK_SHARED_KEY": "shared-secret"}

    def test_a_shared_key_signature_is_checked_with_its_own_secret_and_algorithm(self, client, db):
        from twilio.request_validator import RequestValidator

        params = {"MessageSid": new_sid(), "From": DRC, "Body": WATOTO}
        settings = "key=webhooks_sharedkey_1,algorithm=HMAC_SHA256"
        good = RequestValidator("shared-secret").compute_signature(
            INBOUND_URL, params, "HMAC_SHA256"
        )
        bad = RequestValidator("test-auth-token").compute_signature(
            INBOUND_URL, params, "HMAC_SHA256"
        )
        headers = {"X-Twilio-Webhooks-Signature-Settings": settings}
        refused = client.post(
            "/sms/inbound", data=params, headers={**headers, "X-Twilio-Signature": bad}
        )
        assert refused.status_code == 403
        taken = client.post(
            "/sms/inbound", data=params, headers={**headers, "X-Twilio-Signature": good}
        )
        assert taken.status_code == 200
        assert count(db, Case) == 1


# ---------------------------------------------------------------- idempotency


def test_the_same_message_sid_twice_makes_one_case_and_one_reply(sms, db):
    sid = new_sid()
    first = sms(WATOTO, sid=sid)
    second = sms(WATOTO, sid=sid)
    assert first.reply and second.status_code == 200
    assert second.reply is None
    assert second.text.endswith("<Response />")
    assert count(db, Case) == 1
    assert count(db, Message, Message.direction == "in") == 1
    assert count(db, Message, Message.direction == "out") == 1


def test_a_failure_half_way_keeps_the_message_flagged_with_its_reporter(sms, db, monkeypatch):
    """The whole request is one transaction: the message row written first (the idempotency
    gate) and the case go away with the failure; what stays is the flagged copy the error
    handler keeps, with the reporter (number encrypted), so that it can be processed again.
    """

    def failing(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(operations, "create_case", failing)
    answer = sms(WATOTO)
    assert answer.status_code == 200 and answer.reply is None
    [kept] = messages(db)
    assert kept.is_flagged and kept.flag_reason == "processing_failed"
    assert kept.body == WATOTO and kept.case_id is None
    [reporter] = db.session.scalars(db.select(Reporter)).all()
    assert kept.reporter_id == reporter.id and reporter.phone == DRC
    assert DRC not in reporter.phone_encrypted and DRC[1:] not in reporter.phone_encrypted
    assert count(db, Case) == 0


# ---------------------------------------------------------------- what is kept


@pytest.mark.parametrize(
    "text",
    [
        "Hommes armés à Rubaya 😡🔫 — ils exigent 2 000 FC/sac. Ça suffit!",
        "تقرير: رجال مسلحون في المنجم",  # right-to-left text
        "ÉBOULEMENT à Kalimbi\n\n  watu 2 wamekufa  \t",
        ("Watoto wanachimba kwa shimo. " * 60)[:1600],
    ],
    ids=["emoji-accents", "rtl", "whitespace", "1600-chars"],
)
def test_the_text_is_kept_verbatim(sms, db, text):
    assert sms(text).status_code == 200
    [case] = cases(db)
    [inbound] = messages(db, Message.direction == "in")
    assert case.description == text
    assert inbound.body == text


def test_whatsapp_messages_are_recorded_on_their_channel(sms, db):
    answer = sms(WATOTO, sender=f"whatsapp:{DRC}")
    [case] = cases(db)
    assert case.channel == "whatsapp"
    assert case.reporter.phone == DRC  # the same reporter as by SMS
    assert {m.channel for m in messages(db)} == {"whatsapp"}
    assert answer.reply


def test_the_number_is_normalised_and_one_reporter_kept_per_number(sms, db):
    sms("Premier message de Rubaya, hommes armés")
    sms("NOUVEAU autre chose: pot-de-vin au pont de Kalehe", sender=f"whatsapp:{DRC}")
    assert count(db, Reporter) == 1
    assert count(db, Case) == 2


def test_media_are_recorded_on_the_message(sms, db):
    extra = {
        "NumMedia": "2",
        "MediaUrl0": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "MediaContentType0": "image/jpeg",
        "MediaUrl1": "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
        "MediaContentType1": "audio/amr",
    }
    sms("Photo ya shimo", extra=extra)
    sms("Picha nyingine", extra=extra)  # a follow-up: its event names the media too
    first, second = messages(db, Message.direction == "in")
    assert (
        first.media
        == second.media
        == [
            {"url": extra["MediaUrl0"], "content_type": "image/jpeg"},
            {"url": extra["MediaUrl1"], "content_type": "audio/amr"},
        ]
    )
    event = db.session.scalars(db.select(CaseEvent).where(CaseEvent.kind == "message_in")).one()
    assert event.data["media"] == ["image/jpeg", "audio/amr"]
    assert event.data["message_id"] == second.id


def test_a_picture_without_text_is_a_report_too(sms, db):
    extra = {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/m/ME1"}
    answer = sms("", extra=extra)
    [case] = cases(db)
    assert case.description == "[1 attachment, no text]"
    assert case.reference in answer.reply


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("missing", ["From", "MessageSid"])
def test_missing_sender_or_sid_is_a_400_and_no_case(sms, db, missing):
    answer = sms(WATOTO, drop=(missing,))
    assert answer.status_code == 400
    assert count(db, Case) == count(db, Message) == 0


def test_a_body_over_64_kb_is_a_413(sms, db):
    answer = sms("x" * (65 * 1024))
    assert answer.status_code == 413
    assert count(db, Message) == 0


def test_a_chunked_body_over_64_kb_is_a_413_too(app, db):
    """No Content-Length to check up front: the limit holds while the body is read. (Run
    through WSGI directly: Flask's test client drops ``wsgi.input_terminated``, which
    servers such as gunicorn set for chunked bodies.)"""
    from werkzeug.test import EnvironBuilder, run_wsgi_app

    body = b"MessageSid=SM1&From=%2B243990000101&Body=" + b"x" * (70 * 1024)
    environ = EnvironBuilder(
        path="/sms/inbound",
        method="POST",
        base_url="http://casework.test/",
        input_stream=io.BytesIO(body),
        content_type="application/x-www-form-urlencoded",
        headers={"Transfer-Encoding": "chunked"},
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True
    _, status, _ = run_wsgi_app(app, environ, buffered=True)
    assert status.startswith("413")
    assert count(db, Message) == 0


@pytest.mark.parametrize("sender", ["AIRTEL", "0990000101", "+24399", "+999 123"])
def test_a_sender_that_is_no_phone_number_is_kept_and_flagged(sms, db, sender):
    answer = sms(WATOTO, sender=sender)
    assert answer.status_code == 200
    [case] = cases(db)
    assert case.reporter.is_phone_valid is False
    assert case.reporter.phone == sender  # kept as given
    [inbound] = messages(db, Message.direction == "in")
    assert inbound.is_flagged and inbound.flag_reason == "invalid_sender"
    # Nothing is texted to a sender we cannot text (nor to an auto-responder's loop).
    assert answer.reply is None
    assert count(db, Message, Message.direction == "out") == 0


def test_a_crash_inside_intake_is_a_200_with_the_message_kept(sms, db, monkeypatch, caplog):
    def boom(inbound):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(operations, "receive_message", boom)
    sid = new_sid()
    with caplog.at_level(logging.ERROR):
        answer = sms(WATOTO, sid=sid)
    assert answer.status_code == 200 and answer.reply is None
    [kept] = messages(db)
    assert kept.flag_reason == "processing_failed" and kept.body == WATOTO
    assert kept.case_id is None and kept.reporter.phone == DRC  # kept to be processed again
    assert "SMS intake failed" in caplog.text
    assert DRC not in caplog.text and DRC[1:] not in caplog.text

    monkeypatch.undo()  # the cause is fixed: Twilio's retry of the same MessageSid is taken
    retry = sms(WATOTO, sid=sid)
    [case] = cases(db)
    assert retry.reply and case.reference in retry.reply
    [kept] = messages(db, Message.direction == "in")
    assert kept.case_id == case.id and not kept.is_flagged


@pytest.mark.parametrize(
    "extra",
    [
        {"NumMedia": "lots"},
        {"NumMedia": "-3"},
        {"NumMedia": "1000000"},
        {"Body": "\x00\x01 binary \ufffd"},
        {"MessageSid": "SM" + "x" * 200},
    ],
)
def test_odd_fields_never_give_a_500(sms, db, extra):
    answer = sms(WATOTO, extra=extra)
    assert answer.status_code in (200, 400)


def test_get_is_not_allowed_and_the_webhook_needs_no_login(client):
    assert client.get("/sms/inbound").status_code == 405


def test_no_phone_number_is_logged(sms, db, caplog):
    with caplog.at_level(logging.DEBUG):
        sms(WATOTO)
        sms("HALI")
        sms("STOP")
        sms("START")
        sms(WATOTO, sender="whatsapp:" + DRC)
    assert DRC not in caplog.text and DRC[1:] not in caplog.text and "990000101" not in caplog.text


def test_a_chunked_body_under_the_limit_is_read_whole(app, db):
    from urllib.parse import urlencode

    from werkzeug.test import EnvironBuilder, run_wsgi_app

    from tests.intake.conftest import signature

    params = {"MessageSid": new_sid(), "From": DRC, "Body": WATOTO}
    environ = EnvironBuilder(
        path="/sms/inbound",
        method="POST",
        base_url="http://casework.test/",
        input_stream=io.BytesIO(urlencode(params).encode()),
        content_type="application/x-www-form-urlencoded",
        headers={
            "Transfer-Encoding": "chunked",
            "X-Twilio-Signature": signature(INBOUND_URL, params),
        },
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input_terminated"] = True
    _, status, _ = run_wsgi_app(app, environ, buffered=True)
    assert status.startswith("200")
    [case] = cases(db)
    assert case.description == WATOTO


def test_when_nothing_can_be_stored_twilio_hears_503_not_success(sms, db, monkeypatch, app):
    def boom(*args, **kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(operations, "receive_message", boom)
    monkeypatch.setattr(operations, "keep_failed", boom)
    spool_dir = app.config["CASEWORK_SPOOL_DIR"]
    open(spool_dir, "w").close()  # a file where the spool's folder should be: no spool
    answer = sms(WATOTO)
    assert answer.status_code == 503
    assert messages(db) == []


def test_a_nul_byte_in_a_report_does_not_lose_it(sms, db):
    """PostgreSQL text cannot hold NUL: it is kept as U+FFFD, the rest verbatim."""
    answer = sms("Watoto\x00 wanachimba Nyabibwe")
    assert answer.status_code == 200 and answer.reply
    [case] = cases(db)
    assert case.description == "Watoto\ufffd wanachimba Nyabibwe"
