"""Closed by default: the public endpoint list is pinned here."""

from __future__ import annotations

import secrets

import pytest

from casework import create_app
from casework.auth.models import ApiToken
from casework.config import ConfigError
from casework.security import is_public_endpoint
from tests.conftest import csrf_token, login

PUBLIC = {
    "static",
    "auth.login",
    "twofactor.login_code",  # the login's second step: a pending login, not a logged-in one
    "passwords.reset",  # a one-time reset link's page: the signed link is the credential
    "core.healthz",
    "intake.sms_inbound",
    "intake.sms_status",
    "wellknown.security_txt",
    # The public transparency pages: published summaries and suppressed statistics only
    # (tests/public/test_public_pages.py greps them for anything unpublished).
    "public.index",
    "public.period_page",
    "public.statistics_json",
    "public.statistics_csv",
    "public.summaries_json",
    "public.summaries_csv",
    "public.feed",
}


def test_only_the_short_list_is_public(app):
    public = {
        rule.endpoint for rule in app.url_map.iter_rules() if is_public_endpoint(rule.endpoint)
    }
    assert public <= PUBLIC
    assert {"static", "auth.login", "core.healthz"} <= public


def test_every_other_get_endpoint_sends_anonymous_users_to_login(app, client):
    for rule in app.url_map.iter_rules():
        if is_public_endpoint(rule.endpoint) or "GET" not in rule.methods:
            continue
        url = rule.rule.replace("<reference>", "CW-AAAA-AAAA").replace("<name>", "x")
        url = url.replace("<int:", "<").replace("<id>", "1").replace("<action_id>", "1")
        if "<" in url:
            continue
        response = client.get(url)
        if url.startswith("/api/"):
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302, url
            assert response.location.startswith("/login"), url


def test_post_without_csrf_is_refused(login_as, make_case):
    client, _ = login_as("supervisor")
    case = make_case()
    response = client.post(f"/cases/{case.reference}/transitions/reject", data={"reason": "spam"})
    assert response.status_code == 400
    assert case.status == "received"


def test_login_regenerates_session_and_rejects_bad_password(app, make_user):
    user = make_user("officer")
    client = app.test_client()
    token = csrf_token(client)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    bad = client.post(
        "/login", data={"email": user.email, "password": "wrong", "csrf_token": token}
    )
    assert bad.status_code == 401
    assert login(client, user.email).status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_login_is_throttled_after_repeated_failures(app, make_user):
    user = make_user("officer")
    client = app.test_client()
    codes = [login(client, user.email, "wrong password").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    assert login(client, user.email).status_code == 429  # even the right one, for a while


def test_open_redirect_is_refused(app, make_user):
    user = make_user("officer")
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": user.email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert response.location == "/cases"


def test_bearer_token_sets_no_session_cookie(client, db, make_user):
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=make_user("officer"), token_hash=ApiToken.hash(token)))
    db.session.commit()
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert client.get("/api/v1/cases").status_code == 401


@pytest.mark.parametrize("missing", ["SECRET_KEY", "CASEWORK_DATA_KEY"])
def test_production_refuses_to_start_without_keys(monkeypatch, tmp_path, missing):
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("CASEWORK_DATA_KEY", "kT3e5hW0Vt0O3mHn1z1n3nB6Tq8mQy0b3w3y3c6vX0A=")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_development_generates_keys_in_the_instance_folder(monkeypatch, tmp_path):
    for name in ("CASEWORK_ENV", "SECRET_KEY", "CASEWORK_DATA_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    from casework.config import load_settings

    first = load_settings(str(tmp_path / "instance"))
    second = load_settings(str(tmp_path / "instance"))
    assert first["SECRET_KEY"] == second["SECRET_KEY"]
    assert first["CASEWORK_DATA_KEY"] == second["CASEWORK_DATA_KEY"]
    assert (tmp_path / "instance" / "data.key").stat().st_mode & 0o077 == 0


def test_a_login_expires_after_the_configured_working_day(app, make_user):
    user = make_user("officer")
    client = app.test_client()
    response = login(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "Expires=" in cookie
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 10 * 3600


@pytest.mark.parametrize(
    "path",
    [
        "/committees/99999999999",
        "/committees/1/meetings/99999999999999999999",
        "/api/v1/meetings/2147483648",
        "/contacts/99999999999/edit",
    ],
)
def test_ids_beyond_the_integer_columns_are_not_found(login_as, path):
    client, _ = login_as("supervisor")
    assert client.get(path).status_code == 404
