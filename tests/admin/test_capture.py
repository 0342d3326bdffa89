"""Development without a mail server or a Twilio account: messages are captured, nothing
leaves the machine, and the "Sent mail and SMS" page shows what would have been sent."""

from __future__ import annotations

import pytest

from casework.notices.operations import notify_users
from notifications.outbox import dispatch
from tests.admin.conftest import PHONE, outbox_rows
from tests.conftest import csrf_token
from tests.fakes.smtp import SMTPServer


@pytest.fixture
def app_config(app_config):
    app_config.update(CASEWORK_ENV="development", TWILIO_ACCOUNT_SID="", MAIL_SERVER="")
    return app_config


@pytest.fixture
def smtp_listening(app):
    """A real SMTP server on the port Flask-Mail would use, to prove nothing reaches it."""
    with SMTPServer() as server:
        app.config["MAIL_PORT"] = server.port
        yield server


def test_sms_and_email_are_captured_and_shown_never_sent(
    app, db, login_as, make_user, reported_case, twilio_fake, smtp_listening
):
    client, _ = login_as("supervisor", name="Neema Supervisor")
    officer = make_user(
        "officer", name="Amani Officer", phone="+243810000077", sms_notices=["assigned"]
    )
    page = f"/cases/{reported_case.reference}"
    response = client.post(
        f"{page}/messages",
        data={"csrf_token": csrf_token(client, page), "body": "Tunafuatilia ripoti yako."},
        follow_redirects=True,
    )
    assert "captured, not sent" in response.get_data(as_text=True)
    notify_users([officer], "assigned", key="test:assigned", case=reported_case)
    db.session.commit()

    report = dispatch()
    assert report.sent == report.claimed == 3  # the reporter's SMS, the officer's email and SMS
    assert twilio_fake.requests == [] and smtp_listening.messages == []
    rows = outbox_rows(db)
    assert {(r.status, r.provider_status) for r in rows} == {("sent", "captured")}

    html = client.get("/admin/captured").get_data(as_text=True)
    assert "Sent mail and SMS" in html and "/admin/captured" in html  # the page and its link
    assert f"reporter of {reported_case.reference}" in html
    assert "Tunafuatilia ripoti yako." in html  # what was "sent" to the reporter
    assert PHONE not in html and PHONE[-3:] + "<" not in html  # never the reporter's number
    assert "Amani Officer" in html and officer.email in html  # the email's recipient
    assert "+243 ••• ••• 077" in html and "+243810000077" not in html  # the SMS's, masked
    email = next(r for r in rows if r.channel == "email")
    assert email.subject in html

    case_html = client.get(page).get_data(as_text=True)
    assert "captured (development: not sent)" in case_html
    assert "queued" not in case_html.lower()


def test_the_captured_page_is_newest_first_and_paginated(app, db, login_as, monkeypatch):
    from casework.admin import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    from notifications.outbox import enqueue

    for n in range(5):
        enqueue("email", "someone@example.org", f"Body {n}", subject=f"Subject {n}")
    db.session.commit()
    dispatch()
    client, _ = login_as("admin")
    first = client.get("/admin/captured").get_data(as_text=True)
    assert "Subject 4" in first and "Subject 3" in first and "Subject 2" not in first
    assert first.index("Subject 4") < first.index("Subject 3")
    older = [r.id for r in outbox_rows(db)][3]
    assert f"/admin/captured?before={older}" in first
    second = client.get(f"/admin/captured?before={older}").get_data(as_text=True)
    assert "Subject 2" in second and "Subject 1" in second and "Subject 3" not in second
    third = client.get(f"/admin/captured?before={outbox_rows(db)[1].id}").get_data(as_text=True)
    assert "Subject 0" in third and 'class="pager"' not in third


@pytest.mark.parametrize("role", ["officer", "committee", "viewer"])
def test_only_admins_and_supervisors_see_the_pages(app, login_as, role):
    client, _ = login_as(role)
    assert client.get("/admin/captured").status_code == 403
    assert client.get("/admin/outbox").status_code == 403
    assert "/admin/" not in client.get("/", follow_redirects=True).get_data(as_text=True)


def test_anonymous_users_are_sent_to_the_login_page(app, client):
    assert client.get("/admin/outbox").status_code == 302


def test_the_link_shows_only_while_capture_is_on(app, login_as):
    client, _ = login_as("supervisor")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/admin/outbox"' in html and 'href="/admin/captured"' in html
    app.config.update(TWILIO_ACCOUNT_SID="AC" + "1" * 32, MAIL_SERVER="127.0.0.1")
    html = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/admin/outbox"' in html and 'href="/admin/captured"' not in html


def test_the_simulator_thread_shows_what_casework_sent_about_its_cases(app, db, login_as):
    from casework.intake import simulator
    from casework.messages.models import Message

    client, _ = login_as("officer")
    number = simulator.NUMBERS[0][0]
    token = csrf_token(client, "/simulator")
    response = client.post(
        "/simulator",
        data={"csrf_token": token, "number": number, "channel": "sms",
              "body": "Watoto wanachimba kwa shimo ya Nyabibwe"},
    )  # fmt: skip
    assert response.status_code in (302, 303)
    inbound = db.session.scalar(db.select(Message).where(Message.direction == "in"))
    assert inbound is not None and inbound.case_id is not None
    supervisor_client, _ = login_as("supervisor")
    page = f"/cases/{inbound.case.reference}"
    supervisor_client.post(
        f"{page}/messages",
        data={"csrf_token": csrf_token(supervisor_client, page), "body": "Afisa atakutembelea."},
    )
    db.session.commit()
    dispatch()
    html = client.get(f"/simulator?number={number}").get_data(as_text=True)
    assert "Afisa atakutembelea." in html
    assert "captured (development: not sent)" in html


def test_an_admin_does_not_read_notices_about_a_restricted_case(
    app, db, login_as, make_user, reported_case
):
    officer = make_user("officer", name="Amani Officer")
    reported_case.category = "SA-SGBV"
    reported_case.assignee = officer
    db.session.commit()
    notify_users([officer], "assigned", key="test:restricted", case=reported_case)
    db.session.commit()
    dispatch()
    client, _ = login_as("admin")
    html = client.get("/admin/captured").get_data(as_text=True)
    assert "Amani Officer" in html  # the row is listed...
    assert f"/cases/{reported_case.reference}" not in html  # ...its text is not
