"""``casework users disable|enable|set-role|reset-password|list``: each on the admin log,
as the command line or as the admin named by ``--as``."""

from __future__ import annotations

import re

from sqlalchemy import select

from casework.admin.log import verify_admin_log
from casework.admin.models import AdminLogEntry
from casework.auth.models import ApiToken, User
from tests.conftest import TEST_PASSWORD, csrf_token, login

NEW_PASSWORD = "lantern gravel orchid seventy"


def _log(db) -> list[AdminLogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AdminLogEntry).order_by(AdminLogEntry.seq)))


def _user(db, email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _users(runner, *args: str):
    return runner.invoke(args=["users", *args])


def test_disable_ends_sessions_and_tokens_and_is_logged_as_the_command_line(
    app, db, runner, login_as, make_user
):
    user = make_user("officer", email="leaving@example.org")
    browser, _ = login_as(user=user)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash("k" * 43)))
    db.session.commit()

    result = _users(runner, "disable", "Leaving@Example.org")

    assert result.exit_code == 0, result.output
    assert "Disabled leaving@example.org" in result.output
    assert browser.get("/cases").status_code == 302
    headers = {"Authorization": "Bearer " + "k" * 43}
    assert app.test_client().get("/api/v1/cases", headers=headers).status_code == 401
    (entry,) = _log(db)
    assert (entry.action, entry.actor_id, entry.actor_label) == (
        "user.disable",
        None,
        "command line",
    )
    assert entry.after["tokens_revoked"] == 1 and entry.after["sessions_ended"] == 1

    again = _users(runner, "disable", "leaving@example.org")
    assert again.exit_code == 0 and "already disabled" in again.output
    assert len(_log(db)) == 1  # nothing changed, nothing recorded


def test_enable_lets_them_log_in_again(app, db, runner, make_user):
    make_user("officer", email="back@example.org", is_enabled=False)
    result = _users(runner, "enable", "back@example.org")
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), "back@example.org").status_code == 302
    assert [e.action for e in _log(db)] == ["user.enable"]


def test_set_role_as_a_named_admin_ends_their_sessions(db, runner, login_as, make_user):
    admin = make_user("admin", email="chief@example.org")
    user = make_user("officer", email="promoted@example.org")
    browser, _ = login_as(user=user)

    result = _users(runner, "set-role", "promoted@example.org", "SUPERVISOR", "--as", admin.email)

    assert result.exit_code == 0, result.output
    assert _user(db, "promoted@example.org").role == "supervisor"
    assert browser.get("/cases").status_code == 302
    (entry,) = _log(db)
    assert (entry.action, entry.actor_label) == ("user.role", "chief@example.org")
    assert (entry.before, entry.after["role"]) == ({"role": "officer"}, "supervisor")
    assert verify_admin_log()[1] is None


def test_as_must_name_an_enabled_admin(db, runner, make_user):
    make_user("officer", email="target@example.org")
    make_user("supervisor", email="boss@example.org")
    result = _users(runner, "disable", "target@example.org", "--as", "boss@example.org")
    assert result.exit_code == 1
    assert "boss@example.org is not an enabled admin account" in result.output
    assert _user(db, "target@example.org").is_enabled
    assert _log(db) == []


def test_an_unknown_email_or_role_is_refused(db, runner, make_user):
    result = _users(runner, "enable", "nobody@example.org")
    assert result.exit_code == 1 and "There is no user with the email" in result.output
    make_user("officer", email="someone@example.org")
    result = _users(runner, "set-role", "someone@example.org", "superuser")
    assert result.exit_code == 2 and "superuser" in result.output


def test_the_last_enabled_admin_is_never_disabled_or_demoted(db, runner, make_user):
    make_user("admin", email="only@example.org")
    make_user("admin", email="former@example.org", is_enabled=False)

    for args in (("disable", "only@example.org"), ("set-role", "only@example.org", "viewer")):
        result = _users(runner, *args)
        assert result.exit_code == 1
        assert "only@example.org is the only enabled admin" in result.output
    user = _user(db, "only@example.org")
    assert (user.role, user.is_enabled) == ("admin", True)
    assert _log(db) == []


def test_reset_password_prints_a_one_time_link_that_works_once(app, db, runner, make_user):
    user = make_user("officer", email="forgot@example.org")

    result = _users(runner, "reset-password", "forgot@example.org")

    assert result.exit_code == 0, result.output
    match = re.search(r"(https?://\S+)?(/password/reset/\S+)", result.stdout)
    assert match, result.output
    path = match.group(2)
    assert login(app.test_client(), user.email, TEST_PASSWORD).status_code == 302  # still
    (entry,) = _log(db)
    assert (entry.action, entry.after["method"]) == ("user.password_reset", "link")
    assert path.rsplit("/", 1)[1] not in str(entry.after)

    person = app.test_client()
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    response = person.post(path, data={**data, "csrf_token": csrf_token(person, path)})
    assert response.status_code == 303
    assert login(app.test_client(), user.email, NEW_PASSWORD).status_code == 302
    assert app.test_client().get(path).status_code == 400


def test_reset_password_temporary_prints_a_password_that_must_be_changed(
    app, db, runner, login_as, make_user
):
    user = make_user("officer", email="temp@example.org")
    browser, _ = login_as(user=user)

    result = _users(runner, "reset-password", "temp@example.org", "--temporary")

    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]
    assert len(password) >= 12
    assert browser.get("/cases").status_code == 302
    user = _user(db, "temp@example.org")
    assert user.must_change_password and user.check_password(password)
    client = app.test_client()
    assert login(client, user.email, password).status_code == 302
    assert client.get("/cases").headers["Location"].endswith("/account/password")
    assert password not in str(_log(db)[0].after)


def test_reset_password_refuses_a_disabled_account(db, runner, make_user):
    make_user("officer", email="off@example.org", is_enabled=False)
    result = _users(runner, "reset-password", "off@example.org", "--temporary")
    assert result.exit_code == 1
    assert "enable the account before resetting its password" in result.output
    assert _log(db) == []


def test_create_is_on_the_admin_log_and_list_shows_every_account(db, runner):
    result = runner.invoke(
        args=["users", "create", "new@example.org", "--role", "viewer", "--phone", "+243812345678"],
        input="four unrelated words here\n",
    )
    assert result.exit_code == 0, result.output
    (entry,) = _log(db)
    assert (entry.action, entry.actor_label, entry.target_label) == (
        "user.create",
        "command line",
        "new@example.org",
    )
    assert entry.after["role"] == "viewer" and entry.after["has_phone"] is True
    assert "812345678" not in str(entry.after)

    listed = _users(runner, "list")
    assert listed.exit_code == 0
    assert "new@example.org  viewer  enabled" in listed.output
