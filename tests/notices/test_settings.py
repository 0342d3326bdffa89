"""Each user's notification settings page: time zone, digest hour, quiet hours, phone, and
which kinds come by email and by SMS; what it saves is what `User.notice_channels` reads."""

from __future__ import annotations

import re

import pytest

from casework.auth.models import User
from casework.extensions import db as _db
from tests.cases.test_views import form_fields

URL = "/notifications/settings"


def fresh(user: User) -> User:
    _db.session.expire_all()
    return _db.session.get(User, user.id)


def checkboxes(html: str, name: str) -> dict[str, bool]:
    """``{kind: checked}`` for the enabled checkboxes named ``name``."""
    found = {}
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and "disabled" not in tag:
            value = re.search(r'value="([^"]*)"', tag).group(1)
            found[value] = " checked" in tag
    return found


def post_settings(client, **changes):
    """Load the page, keep what it shows, change ``changes`` (lists for the checkboxes)."""
    html = client.get(URL).get_data(as_text=True)
    data: dict[str, object] = dict(form_fields(html, URL))
    data.pop("email_notices", None)
    data.pop("sms_notices", None)
    for name in ("email_notices", "sms_notices"):
        data[name] = [kind for kind, on in checkboxes(html, name).items() if on]
    data.update(changes)
    return client.post(URL, data=data)


def test_the_page_shows_the_role_defaults_and_no_sms_without_a_phone(login_as):
    client, _ = login_as("officer")
    response = client.get(URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    email = checkboxes(html, "email_notices")
    assert email["assigned"] is True and email["deadline"] is True
    assert "level1_alert" not in email  # an officer's role gets no Level 1 alerts
    assert checkboxes(html, "sms_notices") == {}  # no phone: SMS offered once there is one
    assert "SMS needs a mobile phone number" in html
    assert form_fields(html, URL)["digest_hour"] == "7"  # shown as 07:00
    assert ">07:00</option>" in html


def test_settings_saved_through_the_form_are_what_notice_channels_reads(login_as):
    client, user = login_as("officer", phone="+243810000001")
    response = post_settings(
        client,
        timezone="Africa/Kigali",
        digest_hour="6",
        quiet_from="21",
        quiet_until="6",
        email_notices=["deadline", "case_status", "action_assigned"],  # no longer "assigned"
        sms_notices=["assigned", "deadline"],
    )
    assert response.status_code == 302
    assert "Your notification settings are saved." in client.get(URL).get_data(as_text=True)
    user = fresh(user)
    assert (user.timezone, user.digest_hour) == ("Africa/Kigali", 6)
    assert (user.quiet_from, user.quiet_until) == (21, 6)
    assert user.notice_channels("assigned") == {"sms"}
    assert user.notice_channels("deadline") == {"email", "sms"}
    assert user.notice_channels("action_reminder") == set()
    # Shown again as saved.
    html = client.get(URL).get_data(as_text=True)
    assert checkboxes(html, "email_notices")["assigned"] is False
    assert checkboxes(html, "sms_notices")["assigned"] is True


def test_choosing_exactly_the_role_defaults_keeps_following_them(login_as):
    client, user = login_as("officer", phone="+243810000001", email_notices=["deadline"])
    defaults_email = ["assigned", "action_assigned", "case_status", "deadline"]
    defaults_email += ["action_reminder", "age_limit", "digest"]
    response = post_settings(client, email_notices=defaults_email, sms_notices=["deadline"])
    assert response.status_code == 302
    user = fresh(user)
    assert user.email_notices is None and user.sms_notices is None


def test_a_supervisor_cannot_switch_level_1_alerts_off(login_as):
    client, user = login_as("supervisor", phone="+243810000002")
    html = client.get(URL).get_data(as_text=True)
    assert "level1_alert" not in checkboxes(html, "email_notices")  # shown, but disabled
    assert "Always sent by email and SMS" in html
    assert post_settings(client, email_notices=[], sms_notices=[]).status_code == 302
    user = fresh(user)
    assert user.notice_channels("level1_alert") == {"email", "sms"}
    assert user.notice_channels("downgrade_approval") == set()
    # A hand-made post cannot sneak the urgent kind into a list either.
    response = post_settings(client, email_notices=["level1_alert"])
    assert response.status_code == 422


def test_a_malformed_form_is_shown_again_with_messages_and_nothing_lost(login_as):
    client, user = login_as("officer")
    response = post_settings(
        client,
        timezone="Africa/Bujumbura",
        phone="0812 not a phone",
        quiet_from="22",
        quiet_until="",
        email_notices=["deadline"],
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nothing was saved" in html
    assert "That is not a valid phone number" in html
    assert "Give both ends of your quiet hours" in html
    fields = form_fields(html, URL)
    assert fields["timezone"] == "Africa/Bujumbura" and fields["phone"] == "0812 not a phone"
    assert fields["quiet_from"] == "22"
    assert checkboxes(html, "email_notices") == {
        "assigned": False,
        "action_assigned": False,
        "case_status": False,
        "deadline": True,
        "action_reminder": False,
        "age_limit": False,
        "digest": False,
    }
    user = fresh(user)
    assert user.timezone == "UTC" and user.quiet_from is None and user.email_notices is None


def test_quiet_hours_must_not_start_and_end_at_the_same_hour(login_as):
    client, _ = login_as("officer", phone="+243810000001")
    response = post_settings(client, quiet_from="6", quiet_until="6")
    assert response.status_code == 422
    assert "Quiet hours must end at another hour" in response.get_data(as_text=True)


def test_the_phone_is_stored_in_international_form_and_sms_is_then_offered(login_as):
    client, user = login_as("officer")
    response = post_settings(client, phone="+243 812 345 678")
    assert response.status_code == 302
    html = client.get(URL).get_data(as_text=True)
    assert "You can now choose which notices also come by SMS." in html
    assert fresh(user).phone == "+243812345678"
    assert checkboxes(html, "sms_notices")["deadline"] is True  # the officer's default
    assert post_settings(client, phone="").status_code == 302
    assert fresh(user).phone is None


def test_no_quiet_hours_clears_them(login_as):
    client, user = login_as("officer", phone="+243810000001", quiet_from=22, quiet_until=5)
    assert post_settings(client, quiet_from="", quiet_until="").status_code == 302
    user = fresh(user)
    assert user.quiet_from is None and user.quiet_until is None


def test_a_viewer_has_a_time_zone_and_a_phone_but_no_kinds_to_choose(login_as):
    client, user = login_as("viewer")
    html = client.get(URL).get_data(as_text=True)
    assert "Your role receives no notices." in html and 'name="digest_hour"' not in html
    assert post_settings(client, timezone="Africa/Kampala").status_code == 302
    assert fresh(user).timezone == "Africa/Kampala"


def test_an_unknown_time_zone_is_refused(login_as):
    client, _ = login_as("officer")
    response = post_settings(client, timezone="Mars/Olympus_Mons")
    assert response.status_code == 422


@pytest.mark.parametrize("url", [URL, "/notifications", "/contacts"])
def test_the_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_settings_form_needs_its_csrf_token(login_as):
    client, user = login_as("officer")
    response = client.post(URL, data={"timezone": "Africa/Kigali", "digest_hour": "7"})
    assert response.status_code == 400
    assert fresh(user).timezone == "UTC"
