"""Sessions end server-side: a session cookie copied before logout (or before the account
was disabled) is refused afterwards, not honoured for the rest of its lifetime."""

from __future__ import annotations

from casework.auth.models import UserSession
from casework.auth.sessions import end_all_sessions
from casework.extensions import db
from tests.conftest import csrf_token


def _cookie(client) -> str:
    return client.get_cookie("session", domain="casework.test").value


def test_a_cookie_captured_before_logout_is_refused_after_it(app, login_as):
    client, _ = login_as("officer")
    assert client.get("/cases").status_code == 200
    captured = _cookie(client)

    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/cases")})
    assert response.status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", captured, domain="casework.test")
    response = thief.get("/cases")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    row = db.session.scalar(db.select(UserSession))
    assert row.ended_reason == "logout" and row.ended_dt is not None


def test_logging_out_ends_only_that_session(app, login_as, make_user):
    user = make_user("officer")
    first, _ = login_as(user=user)
    second, _ = login_as(user=user)
    second.post("/logout", data={"csrf_token": csrf_token(second, "/cases")})
    assert first.get("/cases").status_code == 200
    assert second.get("/cases").status_code == 302


def test_ending_all_sessions_logs_every_browser_out(app, login_as, make_user):
    user = make_user("officer")
    first, _ = login_as(user=user)
    second, _ = login_as(user=user)
    with app.test_request_context():
        assert end_all_sessions(user, "disabled") == 2
        db.session.commit()
    for client in (first, second):
        assert client.get("/cases").status_code == 302
