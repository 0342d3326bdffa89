"""``casework users reset-second-factor EMAIL`` and the two-factor keys in
``casework reporters rotate-key``."""

from __future__ import annotations

import pyotp
from cryptography.fernet import Fernet
from sqlalchemy import select

from casework import clock
from casework.admin.models import AdminLogEntry
from casework.auth import twofactor
from casework.auth.models import RecoveryCode, User
from casework.extensions import db
from tests.conftest import TEST_DATA_KEY


def _enrolled(app, make_user, role: str = "supervisor") -> tuple[User, str]:
    user = make_user(role)
    with app.test_request_context():
        secret = twofactor.begin_enrolment(user, actor=user)
        twofactor.confirm_enrolment(user, pyotp.TOTP(secret).at(clock.now()), actor=user)
        db.session.commit()
    return user, secret


def test_the_command_line_resets_a_second_factor_on_the_admin_log(
    app, runner, make_user, frozen_now
):
    user, _ = _enrolled(app, make_user)
    result = runner.invoke(args=["users", "reset-second-factor", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert f"Reset the second factor of {user.email}" in result.output
    db.session.expire_all()
    assert not twofactor.is_enrolled(db.session.get(User, user.id))
    assert db.session.scalar(select(RecoveryCode)) is None
    entry = db.session.scalar(select(AdminLogEntry))
    assert (entry.action, entry.actor_label) == ("user.second_factor_reset", "command line")


def test_the_reset_is_recorded_as_the_admin_named_by_as(app, runner, make_user, frozen_now):
    user, _ = _enrolled(app, make_user)
    admin = make_user("admin")
    result = runner.invoke(args=["users", "reset-second-factor", user.email, "--as", admin.email])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(AdminLogEntry)).actor_id == admin.id


def test_resetting_nothing_or_nobody_says_so_and_exits_1(runner, make_user):
    user = make_user("officer")
    result = runner.invoke(args=["users", "reset-second-factor", user.email])
    assert result.exit_code == 1
    assert "has no second factor to reset" in result.output
    result = runner.invoke(args=["users", "reset-second-factor", "nobody@example.org"])
    assert result.exit_code == 1 and "There is no user" in result.output
    assert db.session.scalar(select(AdminLogEntry)) is None


def test_rotate_key_moves_two_factor_keys_to_the_newest_key(app, runner, make_user, frozen_now):
    user, secret = _enrolled(app, make_user)
    before = db.session.get(User, user.id).totp_secret
    new_key = Fernet.generate_key().decode()
    app.config["CASEWORK_DATA_KEY"] = f"{new_key},{TEST_DATA_KEY}"
    result = runner.invoke(args=["reporters", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted 1 two-factor key(s)" in result.output

    app.config["CASEWORK_DATA_KEY"] = new_key  # the old key is gone: codes still work
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    assert fresh.totp_secret != before
    code = pyotp.TOTP(secret).at(clock.now(), counter_offset=1)
    with app.test_request_context():
        assert twofactor.verify(fresh, code) == "code"


def test_rotate_key_without_the_key_of_a_two_factor_secret_changes_nothing(
    app, runner, make_user, frozen_now
):
    user, _ = _enrolled(app, make_user)
    before = db.session.get(User, user.id).totp_secret
    app.config["CASEWORK_DATA_KEY"] = Fernet.generate_key().decode()
    result = runner.invoke(args=["reporters", "rotate-key"])
    assert result.exit_code == 1
    assert f"user {user.id}'s two-factor key does not decrypt" in result.output
    assert "Nothing was changed" in result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == before
