"""The admin outbox page, production configuration problems, /healthz, and retrying a
message that was given up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from casework import clock
from casework.cases.models import CaseEvent
from casework.messages.operations import send_to_reporter
from casework.notices.operations import notify_users
from notifications.outbox import BACKOFF_SECONDS, dispatch
from tests.admin.conftest import outbox_rows
from tests.conftest import csrf_token


class TestProductionWithoutMailServer:
    @pytest.fixture
    def app_config(self, app_config):
        app_config.update(CASEWORK_ENV="production", MAIL_SERVER="")
        return app_config

    def test_an_email_fails_naming_mail_server_and_every_page_says_so(
        self, app, db, client, login_as, make_user, make_case, frozen_now
    ):
        officer = make_user("officer", name="Amani Officer")
        notify_users([officer], "assigned", key="test:assigned", case=make_case())
        db.session.commit()

        assert dispatch().retry == 1
        [row] = outbox_rows(db)
        assert row.status == "failed" and "MAIL_SERVER is not set" in row.last_error
        assert row.last_error_code == "not_configured"

        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.json == {
            "status": "degraded",
            "database": "ok",
            "email": "not configured: set MAIL_SERVER",
            "sms": "ok",
        }

        admin, admin_user = login_as("admin")
        html = admin.get("/admin/outbox").get_data(as_text=True)
        assert "Email is not configured: set MAIL_SERVER" in html  # the problem, at the top
        assert "the email service is not configured (set MAIL_SERVER)" in html  # the row's why
        assert "Amani Officer" in html and officer.email in html
        assert "failed, will be retried" in html
        assert 'href="/admin/captured"' not in html  # production captures nothing

        # Out of attempts: given up, with the same reason and a retry button.
        for wait in BACKOFF_SECONDS:
            clock.freeze(clock.now() + timedelta(seconds=wait))
            dispatch()
        assert outbox_rows(db)[0].status == "dead"
        admin, _ = login_as(user=admin_user)  # a day and a half later: the login has expired
        html = admin.get("/admin/outbox").get_data(as_text=True)
        assert "given up" in html and f"/admin/outbox/{row.id}/retry" in html

    def test_sms_without_a_twilio_account_fails_naming_it(self, app, db, client, reported_case):
        app.config["TWILIO_ACCOUNT_SID"] = ""
        from casework.auth.models import User

        supervisor = User(email="s@example.org", name="S", role="supervisor")
        db.session.add(supervisor)
        send_to_reporter(reported_case, "Habari", actor=supervisor)
        db.session.commit()
        assert dispatch().retry == 1
        assert "TWILIO_ACCOUNT_SID is not set" in outbox_rows(db)[0].last_error
        assert client.get("/healthz").json["sms"] == "not configured: set TWILIO_ACCOUNT_SID"

    def test_the_officer_is_told_the_message_cannot_go_out(self, app, db, login_as, reported_case):
        app.config["TWILIO_ACCOUNT_SID"] = ""
        client, _ = login_as("supervisor")
        page = f"/cases/{reported_case.reference}"
        html = client.post(
            f"{page}/messages",
            data={"csrf_token": csrf_token(client, page), "body": "Habari"},
            follow_redirects=True,
        ).get_data(as_text=True)
        assert "it cannot go out" in html and "TWILIO_ACCOUNT_SID" in html
        assert "goes out within a minute" not in html


def test_healthz_in_development_names_captured_channels(app, client):
    app.config.update(MAIL_SERVER="")
    assert client.get("/healthz").json == {
        "status": "ok",
        "database": "ok",
        "email": "captured",
        "sms": "ok",
    }


# ------------------------------------------------------------------ words on the case page


def _message(db, case, supervisor, text):
    message = send_to_reporter(case, text, actor=supervisor)
    db.session.commit()
    [row] = [r for r in outbox_rows(db) if r.ref == f"message:{message.id}"]
    return message, row


def test_the_case_page_says_each_state_in_words(
    app, db, login_as, reported_case, twilio_fake, frozen_now
):
    client, supervisor = login_as("supervisor")
    twilio_fake.fail_next(1, status=429, code=20429)
    failing, _ = _message(db, reported_case, supervisor, "One failing")
    assert dispatch().retry == 1
    sent, _ = _message(db, reported_case, supervisor, "One sent")
    delivered, _ = _message(db, reported_case, supervisor, "One delivered")
    assert dispatch().sent == 2  # failing's retry is not due yet
    waiting, _ = _message(db, reported_case, supervisor, "One waiting")
    twilio_fake.fail_next(1, status=400, code=21211)
    refused, _ = _message(db, reported_case, supervisor, "One refused")
    dead_opted, _ = _message(db, reported_case, supervisor, "One to an opted-out reporter")
    # waiting: its row is held back (quiet hours, a job's not_before).
    for row in outbox_rows(db):
        if row.ref == f"message:{waiting.id}":
            row.next_attempt_dt = frozen_now + timedelta(hours=1)
        if row.ref == f"message:{dead_opted.id}":
            row.status, row.last_error_code = "dead", "opted_out"
    db.session.commit()
    report = dispatch()
    assert (report.claimed, report.dead) == (1, 1)
    delivered.status = "delivered"  # Twilio's delivery report
    db.session.commit()

    html = client.get(f"/cases/{reported_case.reference}").get_data(as_text=True)

    def state(message):
        start = html.index(f'id="message-{message.id}"')
        return html[start : html.index("</li>", start)]

    assert "waiting to be sent" in state(waiting)
    failing_html = state(failing)
    assert "failed: Twilio asked Casework to slow down" in failing_html
    assert "will be retried at" in failing_html and "Retry</button>" not in failing_html
    assert ">sent<" in state(sent)
    assert "delivered" in state(delivered)
    refused_html = state(refused)
    assert "given up: Twilio refused the number: it is not a valid phone number" in refused_html
    assert "Retry</button>" in refused_html
    assert "given up: the reporter opted out" in state(dead_opted)
    assert "queued" not in html.lower()
    assert "21211" not in html  # never a raw code


def test_an_officer_sees_the_words_but_no_retry_button(
    app, db, login_as, reported_case, twilio_fake
):
    client, officer = login_as("officer")
    reported_case.assignee_id = officer.id
    db.session.commit()
    twilio_fake.fail_next(1, status=400, code=21211)
    _message(db, reported_case, officer, "Refused")
    dispatch()
    html = client.get(f"/cases/{reported_case.reference}").get_data(as_text=True)
    assert "given up: Twilio refused the number" in html and "Retry</button>" not in html


# ------------------------------------------------------------------ retry


def test_a_supervisor_retries_a_given_up_message_from_the_case_page(
    app, db, login_as, reported_case, twilio_fake
):
    client, supervisor = login_as("supervisor")
    twilio_fake.fail_next(1, status=400, code=21211)
    message, row = _message(db, reported_case, supervisor, "Try me again")
    assert dispatch().dead == 1
    page = f"/cases/{reported_case.reference}"
    officer_client, _ = login_as("officer")
    forbidden = officer_client.post(
        f"/admin/outbox/{row.id}/retry", data={"csrf_token": csrf_token(officer_client, page)}
    )
    assert forbidden.status_code == 403
    assert client.post(f"/admin/outbox/{row.id}/retry").status_code == 400  # no CSRF token

    response = client.post(
        f"/admin/outbox/{row.id}/retry",
        data={"csrf_token": csrf_token(client, page), "next": f"{page}#message-{message.id}"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{page}#message-{message.id}")
    [row] = outbox_rows(db)
    assert (row.status, row.attempts, row.last_error_code) == ("pending", 0, None)
    db.session.refresh(message)
    assert message.status == "queued" and message.error_code is None
    event = db.session.scalar(
        db.select(CaseEvent).where(
            CaseEvent.case_id == reported_case.id, CaseEvent.kind == "message_retried"
        )
    )
    assert event is not None and event.actor_id == supervisor.id
    html = client.get(page).get_data(as_text=True)
    assert "waiting to be sent" in html and "retried a message" in html

    assert dispatch().sent == 1
    assert [m["body"] for m in twilio_fake.sent] == ["Try me again"]

    # Not given up any more: a second retry (a stale page, a double click) changes nothing.
    again = client.post(
        f"/admin/outbox/{row.id}/retry",
        data={"csrf_token": csrf_token(client, page)},
        follow_redirects=True,
    )
    assert "nothing to retry" in again.get_data(as_text=True)
    assert outbox_rows(db)[0].status == "sent"
    assert len(twilio_fake.creates()) == 2


def test_an_admin_retries_a_notice_from_the_outbox_page(
    app, db, login_as, make_user, make_case, smtp_server
):
    client, _ = login_as("admin")
    officer = make_user("officer")
    notify_users([officer], "assigned", key="test:assigned", case=make_case())
    officer.is_enabled = False  # the resolver refuses: given up at once
    db.session.commit()
    assert dispatch().dead == 1
    [row] = outbox_rows(db)
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "given up</strong>: the recipient&#39;s account is disabled" in html
    officer.is_enabled = True
    db.session.commit()
    response = client.post(
        f"/admin/outbox/{row.id}/retry",
        data={"csrf_token": csrf_token(client, "/admin/outbox")},
        follow_redirects=True,
    )
    assert "sent again within a minute" in response.get_data(as_text=True)
    assert dispatch().sent == 1
    assert [m.rcpt_tos for m in smtp_server.messages] == [[officer.email]]


def test_retrying_an_unknown_row_is_404(app, login_as):
    client, _ = login_as("supervisor")
    token = csrf_token(client, "/admin/outbox")
    assert client.post("/admin/outbox/999/retry", data={"csrf_token": token}).status_code == 404


def test_the_outbox_page_counts_by_state(app, db, login_as, reported_case, twilio_fake):
    client, supervisor = login_as("supervisor")
    for n in range(3):
        _message(db, reported_case, supervisor, f"Message {n}")
    twilio_fake.fail_next(1, status=500)
    dispatch()
    _message(db, reported_case, supervisor, "Still waiting")
    html = client.get("/admin/outbox").get_data(as_text=True)
    counts = {
        key: html.split(f'class="count-{key}"')[1].split("<td>")[1].split("</td>")[0]
        for key in ("waiting", "failed", "given_up", "sent", "captured")
    }
    assert counts == {"waiting": "1", "failed": "1", "given_up": "0", "sent": "2", "captured": "0"}
    assert "Twilio had a problem on its side" in html
    assert "reporter of " + reported_case.reference in html


def test_a_message_to_a_reporter_who_opted_out_is_not_retried_and_says_why(
    app, db, login_as, reported_case, twilio_fake
):
    client, supervisor = login_as("supervisor")
    _, row = _message(db, reported_case, supervisor, "Before STOP")
    reported_case.reporter.opted_out_dt = clock.now()  # STOP arrived after it was queued
    db.session.commit()
    assert dispatch().dead == 1
    page = f"/cases/{reported_case.reference}"
    response = client.post(
        f"/admin/outbox/{row.id}/retry",
        data={"csrf_token": csrf_token(client, page), "next": page},
        follow_redirects=True,
    )
    assert "cannot be sent again yet" in response.get_data(as_text=True)
    assert outbox_rows(db)[0].status == "dead" and twilio_fake.creates() == []


def test_an_admin_may_not_retry_a_message_on_a_restricted_case(
    app, db, login_as, reported_case, twilio_fake
):
    _, supervisor = login_as("supervisor")
    twilio_fake.fail_next(1, status=400, code=21211)
    _, row = _message(db, reported_case, supervisor, "Tutakupigia simu")
    assert dispatch().dead == 1
    reported_case.category = "SA-SGBV"
    db.session.commit()
    client, _ = login_as("admin")
    response = client.post(
        f"/admin/outbox/{row.id}/retry",
        data={"csrf_token": csrf_token(client, "/admin/outbox")},
    )
    assert response.status_code == 403
    assert outbox_rows(db)[0].status == "dead"


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "/\t/evil.example", "/\\evil.example", "https://evil.example/x"],
)
def test_retry_never_redirects_off_the_site(app, db, login_as, reported_case, target):
    client, supervisor = login_as("supervisor")
    _, row = _message(db, reported_case, supervisor, "Hello")
    response = client.post(
        f"/admin/outbox/{row.id}/retry",
        data={"csrf_token": csrf_token(client, "/admin/outbox"), "next": target},
    )
    assert response.status_code == 303
    assert "evil.example" not in response.headers["Location"]
