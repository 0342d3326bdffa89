"""Two-factor login: setting it up on the security page, the login's second step with a
code or a recovery code, the roles that must have it, and an administrator's reset."""

from __future__ import annotations

import re
import socket
import uuid
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from casework import clock, create_app
from casework.admin.models import AdminLogEntry
from casework.auth import twofactor
from casework.auth.models import RecoveryCode, User, UserSession
from casework.config import ConfigError, load_settings
from casework.errors import PermissionDenied
from casework.extensions import db
from tests.conftest import TEST_PASSWORD, csrf_token, login, test_config

SECRET_ON_PAGE = re.compile(r'<code class="totp-secret ref">([A-Z2-7 ]+)</code>')
CODES_ON_PAGE = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


def _code(secret: str, *, steps_later: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now(), counter_offset=steps_later)


def enrol(client) -> tuple[str, list[str]]:
    """Set up two-factor login through the security page, as a user would: the secret
    read from the page, a code from it, the recovery codes shown."""
    token = csrf_token(client, "/account/security")
    response = client.post("/account/security/enrol", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get("/account/security").get_data(as_text=True)
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    response = client.post(
        "/account/security/confirm", data={"csrf_token": token, "code": _code(secret)}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = CODES_ON_PAGE.findall(response.get_data(as_text=True))
    return secret, codes


def password_step(client, email: str, next_url: str = ""):
    token = csrf_token(client, "/login")
    url = f"/login?next={next_url}" if next_url else "/login"
    return client.post(url, data={"email": email, "password": TEST_PASSWORD, "csrf_token": token})


def code_step(client, code: str):
    token = csrf_token(client, "/login/code")
    return client.post("/login/code", data={"code": code, "csrf_token": token})


@pytest.fixture
def enrolled(app, login_as, frozen_now):
    """An officer with two-factor login on, and a fresh (logged-out) client."""
    client, user = login_as("officer")
    secret, codes = enrol(client)
    clock.freeze(frozen_now + timedelta(seconds=30))  # the next code, not the one just used
    return app.test_client(), user, secret, codes


# ---------------------------------------------------------------- setting it up


def test_an_officer_sets_up_two_factor_login_with_a_qr_code_and_gets_ten_recovery_codes(
    login_as, frozen_now
):
    client, user = login_as("officer")
    page = client.get("/account/security").get_data(as_text=True)
    assert "Set up two-factor login" in page

    token = csrf_token(client, "/account/security")
    client.post("/account/security/enrol", data={"csrf_token": token})
    page = client.get("/account/security").get_data(as_text=True)
    assert re.search(r'<svg [^>]*class="qr"><title>', page) and "<path" in page  # inline
    secret = SECRET_ON_PAGE.search(page).group(1).replace(" ", "")
    assert twofactor.pending_secret(user) == secret

    response = client.post(
        "/account/security/confirm", data={"csrf_token": token, "code": _code(secret)}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    codes = CODES_ON_PAGE.findall(response.get_data(as_text=True))
    assert len(set(codes)) == 10
    assert twofactor.is_enrolled(db.session.get(User, user.id))
    page = client.get("/account/security").get_data(as_text=True)
    assert "10 recovery codes left." in page
    assert not CODES_ON_PAGE.search(page)  # shown once, never again


def test_the_secret_and_recovery_codes_are_not_stored_in_clear(enrolled):
    _, user, secret, codes = enrolled
    stored = db.session.get(User, user.id).totp_secret
    assert secret not in stored and secret.lower() not in stored
    hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(hashes) == 10
    plain = {c.replace("-", "") for c in codes}
    assert not plain & set(hashes) and all(h.startswith("pbkdf2:") for h in hashes)


def test_a_wrong_code_does_not_turn_two_factor_login_on(login_as, frozen_now):
    client, user = login_as("officer")
    token = csrf_token(client, "/account/security")
    client.post("/account/security/enrol", data={"csrf_token": token})
    secret = twofactor.pending_secret(user)
    wrong = "000000" if _code(secret) != "000000" else "111111"

    response = client.post("/account/security/confirm", data={"csrf_token": token, "code": wrong})
    assert response.status_code == 422
    assert "That code is not right" in response.get_data(as_text=True)
    assert not twofactor.is_enrolled(db.session.get(User, user.id))
    assert "totp-secret" in response.get_data(as_text=True)  # the same key, to try again


def test_turning_it_on_logs_out_the_users_other_browsers(app, login_as, make_user, frozen_now):
    user = make_user("officer")
    elsewhere, _ = login_as(user=user)
    here, _ = login_as(user=user)
    enrol(here)
    assert here.get("/cases").status_code == 200
    assert elsewhere.get("/cases").status_code == 302


# ---------------------------------------------------------------- the login's second step


def test_after_the_password_an_enrolled_user_is_not_logged_in_until_the_code(enrolled):
    client, user, secret, _ = enrolled
    sessions = select(func.count()).select_from(UserSession)
    before = db.session.scalar(sessions)
    response = password_step(client, user.email, next_url="/notifications")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/code")
    assert client.get("/cases").status_code == 302  # not logged in yet
    assert db.session.scalar(sessions) == before

    response = code_step(client, _code(secret))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/notifications")
    assert client.get("/cases").status_code == 200


def test_the_second_step_starts_a_fresh_session_and_refuses_an_open_redirect(enrolled):
    client, user, secret, _ = enrolled
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    password_step(client, user.email, next_url="//evil.example/x")
    with client.session_transaction() as session:
        assert "planted" not in session
    response = code_step(client, _code(secret))
    assert response.headers["Location"] == "/cases"
    with client.session_transaction() as session:
        assert "_2fa_pending" not in session


def test_a_wrong_code_is_refused_and_the_login_stays_pending(enrolled):
    client, user, secret, _ = enrolled
    password_step(client, user.email)
    wrong = "123456" if _code(secret) != "123456" else "654321"
    response = code_step(client, wrong)
    assert response.status_code == 422
    assert "That code is not right" in response.get_data(as_text=True)
    assert client.get("/cases").status_code == 302
    assert code_step(client, _code(secret)).status_code == 302
    assert client.get("/cases").status_code == 200


def test_five_wrong_codes_end_the_pending_login(enrolled):
    client, user, secret, _ = enrolled
    password_step(client, user.email)
    for _ in range(4):
        assert code_step(client, "000001").status_code == 422
    response = code_step(client, "000001")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    # Even the right code no longer helps: the password comes first again.
    assert code_step_without_page(client, _code(secret)).headers["Location"].endswith("/login")
    assert client.get("/cases").status_code == 302


def code_step_without_page(client, code: str):
    token = csrf_token(client, "/login")
    return client.post("/login/code", data={"code": code, "csrf_token": token})


def test_a_replayed_pending_login_cookie_does_not_earn_more_guesses(app, enrolled):
    client, user, _, _ = enrolled
    password_step(client, user.email)
    captured = client.get_cookie("session", domain="casework.test").value
    for _ in range(5):
        code_step(client, "000001")
    replay = app.test_client()
    replay.set_cookie("session", captured, domain="casework.test")
    response = code_step(replay, "000001")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


@pytest.fixture
def two_workers_on_redis(_schema, tmp_path):
    """Two app instances, as two workers would be, counting in one Redis."""
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # this test's keys only
        "CASEWORK_FILES_URL": str(tmp_path / "files"),
    }
    workers = [create_app(test_config(_schema, **settings)) for _ in range(2)]
    yield workers
    for worker in workers:
        with worker.app_context():
            db.engine.dispose()


def test_workers_sharing_redis_count_wrong_codes_together(enrolled, two_workers_on_redis):
    _, user, _, _ = enrolled
    first, second = two_workers_on_redis
    client = first.test_client()  # each request in its worker's own app context
    password_step(client, user.email)
    for _ in range(3):
        assert code_step(client, "000001").status_code == 422
    cookie = client.get_cookie("session", domain="casework.test").value
    client = second.test_client()
    client.set_cookie("session", cookie, domain="casework.test")
    assert code_step(client, "000001").status_code == 422
    response = code_step(client, "000001")  # the fifth, counted on both workers
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_wrong_codes_count_for_the_account_across_new_password_steps(enrolled):
    client, user, secret, _ = enrolled
    for _ in range(4):  # 4 x 5 = 20 wrong codes, each round starting with the password
        password_step(client, user.email)
        for _ in range(5):
            code_step(client, "000001")
    password_step(client, user.email)
    response = code_step(client, _code(secret))
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Too many wrong codes for this account" in client.get("/login").get_data(as_text=True)
    assert client.get("/cases").status_code == 302


def test_a_code_is_not_accepted_twice(app, enrolled):
    client, user, secret, _ = enrolled
    code = _code(secret)
    password_step(client, user.email)
    assert code_step(client, code).status_code == 302

    other = app.test_client()
    password_step(other, user.email)
    response = code_step(other, code)
    assert response.status_code == 422
    assert other.get("/cases").status_code == 302
    # Nor one from the step before the one used (valid_window=1 goes both ways).
    assert code_step(other, _code(secret, steps_later=-1)).status_code == 422
    assert code_step(other, _code(secret, steps_later=1)).status_code == 302


def test_two_logins_racing_with_the_same_code_cannot_both_pass(app, enrolled):
    """The code is taken by a compare-and-set on the stored value: a worker that read the
    secret before another worker accepted the code loses."""
    _, user, secret, _ = enrolled
    code = _code(secret)
    stale = db.session.get(User, user.id).totp_secret
    db.session.commit()
    with db.engine.begin() as other_worker:  # accepts the code first
        step = pyotp.TOTP(secret).timecode(clock.now())
        other_worker.execute(
            update(User).where(User.id == user.id).values(totp_secret=twofactor._pack(secret, step))
        )
    loaded_before = db.session.get(User, user.id)
    set_committed_value(loaded_before, "totp_secret", stale)  # as this worker had read it
    assert twofactor.verify(loaded_before, code) is None


def test_codes_a_step_either_side_of_now_pass_but_not_two(app, enrolled):
    client, user, secret, _ = enrolled
    password_step(client, user.email)
    assert code_step(client, _code(secret, steps_later=2)).status_code == 422
    assert code_step(client, _code(secret, steps_later=1)).status_code == 302


def test_a_recovery_code_logs_in_once_only(app, enrolled):
    client, user, _, codes = enrolled
    password_step(client, user.email)
    response = code_step(client, codes[0].upper().replace("-", " "))  # as typed, roughly
    assert response.status_code == 302
    page = client.get("/cases").get_data(as_text=True)
    assert "You logged in with a recovery code. 9 are left" in page

    other = app.test_client()
    password_step(other, user.email)
    assert code_step(other, codes[0]).status_code == 422
    assert code_step(other, codes[1]).status_code == 302
    used = db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_dt.isnot(None))).all()
    assert len(used) == 2


def test_a_pending_login_expires_after_ten_minutes(enrolled, frozen_now):
    client, user, secret, _ = enrolled
    password_step(client, user.email)
    clock.freeze(clock.now() + timedelta(minutes=11))
    response = code_step_without_page(client, _code(secret))
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert "Your login timed out" in client.get("/login").get_data(as_text=True)


def test_a_pending_login_of_an_account_disabled_meanwhile_goes_nowhere(enrolled):
    client, user, secret, _ = enrolled
    password_step(client, user.email)
    db.session.get(User, user.id).is_enabled = False
    db.session.commit()
    code_step_without_page(client, _code(secret))
    assert client.get("/cases").status_code == 302


def test_the_code_page_without_a_pending_login_sends_to_the_login(client):
    response = client.get("/login/code")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_a_user_without_a_second_factor_logs_in_with_the_password_alone(client, make_user):
    user = make_user("supervisor")
    response = login(client, user.email)
    assert response.status_code == 302
    assert client.get("/cases").status_code == 200


# ---------------------------------------------------------------- new recovery codes


def test_new_recovery_codes_need_a_current_code_and_void_the_old_ones(app, enrolled):
    client, user, secret, old = enrolled
    password_step(client, user.email)
    code_step(client, _code(secret))
    token = csrf_token(client, "/account/security")

    response = client.post(
        "/account/security/recovery-codes", data={"csrf_token": token, "code": old[0]}
    )
    assert response.status_code == 422  # a recovery code cannot mint ten more
    clock.freeze(clock.now() + timedelta(seconds=30))
    response = client.post(
        "/account/security/recovery-codes", data={"csrf_token": token, "code": _code(secret)}
    )
    assert response.status_code == 200
    new = CODES_ON_PAGE.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)

    other = app.test_client()
    password_step(other, user.email)
    assert code_step(other, old[1]).status_code == 422
    assert code_step(other, new[0]).status_code == 302


def test_a_user_turns_it_off_with_a_current_code_to_move_to_a_new_phone(
    login_as, make_user, frozen_now
):
    user = make_user("officer")
    client, _ = login_as(user=user)
    old_secret, _ = enrol(client)
    clock.freeze(frozen_now + timedelta(seconds=30))
    token = csrf_token(client, "/account/security")

    response = client.post("/account/security/off", data={"csrf_token": token, "code": "000001"})
    assert response.status_code == 422
    assert twofactor.is_enrolled(db.session.get(User, user.id))
    response = client.post(
        "/account/security/off", data={"csrf_token": token, "code": _code(old_secret)}
    )
    assert response.status_code == 303
    assert "Two-factor login is off" in client.get("/account/security").get_data(as_text=True)
    assert db.session.scalar(select(RecoveryCode)) is None

    new_secret, codes = enrol(client)  # the new phone
    assert new_secret != old_secret and len(codes) == 10


# ---------------------------------------------------------------- required roles


class TestWhenCasework2faRolesNamesAdminAndSupervisor:
    @pytest.fixture
    def app_config(self):
        return {"CASEWORK_2FA_ROLES": ("admin", "supervisor")}

    def test_a_supervisor_must_set_up_a_second_factor_before_anything_else(self, client, make_user):
        user = make_user("supervisor")
        response = login(client, user.email)
        assert response.headers["Location"].endswith("/account/security")
        for path in ("/cases", "/notifications", "/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response.headers["Location"].endswith("/account/security")
        page = client.get("/account/security").get_data(as_text=True)
        assert "Your role requires two-factor login" in page
        assert client.get("/api/v1/cases").status_code == 403

        enrol(client)
        assert client.get("/cases").status_code == 200

    def test_a_temporary_password_is_changed_first_then_the_second_factor_set_up(
        self, client, make_user
    ):
        user = make_user("supervisor", must_change_password=True)
        login(client, user.email)
        response = client.get("/cases")
        assert response.headers["Location"].endswith("/account/password")
        assert client.get("/account/security").status_code == 200  # no circle either way
        token = csrf_token(client, "/account/password")
        new_password = "a new password of my own"
        response = client.post(
            "/account/password",
            data={
                "csrf_token": token,
                "current": TEST_PASSWORD,
                "password": new_password,
                "confirm": new_password,
            },
        )
        assert response.status_code == 303
        response = client.get("/cases")
        assert response.headers["Location"].endswith("/account/security")
        enrol(client)
        assert client.get("/cases").status_code == 200

    def test_a_supervisor_who_turns_it_off_must_set_it_up_again(
        self, client, make_user, frozen_now
    ):
        user = make_user("supervisor")
        login(client, user.email)
        secret, _ = enrol(client)
        clock.freeze(frozen_now + timedelta(seconds=30))
        token = csrf_token(client, "/account/security")
        client.post("/account/security/off", data={"csrf_token": token, "code": _code(secret)})
        assert not twofactor.is_enrolled(db.session.get(User, user.id))
        assert client.get("/cases").headers["Location"].endswith("/account/security")

    def test_a_supervisor_who_must_set_up_may_still_log_out(self, client, make_user):
        user = make_user("supervisor")
        login(client, user.email)
        token = csrf_token(client, "/account/security")
        response = client.post("/logout", data={"csrf_token": token})
        assert response.status_code == 302 and response.headers["Location"].endswith("/login")

    def test_an_officer_is_not_asked_for_a_second_factor_when_the_roles_do_not_name_theirs(
        self, client, make_user
    ):
        user = make_user("officer")
        login(client, user.email)
        assert client.get("/cases").status_code == 200


def test_two_factor_roles_default_to_admin_and_supervisor_outside_development(
    monkeypatch, tmp_path
):
    monkeypatch.setenv("CASEWORK_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s" * 32)
    monkeypatch.setenv("CASEWORK_DATA_KEY", "kT3e5hW0Vt0O3mHn1z1n3nB6Tq8mQy0b3w3y3c6vX0A=")
    monkeypatch.delenv("CASEWORK_2FA_ROLES", raising=False)
    assert load_settings(str(tmp_path))["CASEWORK_2FA_ROLES"] == ("admin", "supervisor")
    monkeypatch.setenv("CASEWORK_2FA_ROLES", "admin, officer,")
    assert load_settings(str(tmp_path))["CASEWORK_2FA_ROLES"] == ("admin", "officer")
    monkeypatch.setenv("CASEWORK_2FA_ROLES", "")
    assert load_settings(str(tmp_path))["CASEWORK_2FA_ROLES"] == ()
    monkeypatch.setenv("CASEWORK_2FA_ROLES", "admin,boss")
    with pytest.raises(ConfigError, match="CASEWORK_2FA_ROLES names unknown roles boss"):
        load_settings(str(tmp_path))


def test_two_factor_roles_are_empty_in_development(monkeypatch, tmp_path):
    monkeypatch.setenv("CASEWORK_ENV", "development")
    monkeypatch.delenv("CASEWORK_2FA_ROLES", raising=False)
    assert load_settings(str(tmp_path))["CASEWORK_2FA_ROLES"] == ()


# ---------------------------------------------------------------- an administrator's reset


def test_an_admin_resets_a_users_second_factor_on_the_record_and_logs_them_out(
    app, login_as, make_user, enrolled
):
    client, user, secret, _ = enrolled
    password_step(client, user.email)
    code_step(client, _code(secret))
    assert client.get("/cases").status_code == 200
    admin_client, admin = login_as("admin")

    token = csrf_token(admin_client, f"/admin/users/{user.id}")
    response = admin_client.post(
        f"/admin/users/{user.id}/second-factor", data={"csrf_token": token}
    )
    assert response.status_code == 303

    assert client.get("/cases").status_code == 302  # their sessions ended
    fresh = db.session.get(User, user.id)
    assert fresh.totp_secret is None and fresh.totp_enabled_dt is None
    assert db.session.scalar(select(RecoveryCode)) is None
    entry = db.session.scalar(
        select(AdminLogEntry).where(AdminLogEntry.action == "user.second_factor_reset")
    )
    assert entry.actor_id == admin.id and entry.target_id == str(user.id)
    assert entry.before == {"second_factor": "on", "recovery_codes_left": 10}
    assert entry.after == {"second_factor": "off", "recovery_codes_left": 0}
    assert secret not in str(entry.before) + str(entry.after)

    # An officer's role does not require it: the password alone logs them in again.
    response = password_step(client, user.email)
    assert not response.headers["Location"].endswith("/login/code")
    assert client.get("/cases").status_code == 200


def test_nobody_resets_their_own_second_factor_or_somebody_elses_without_being_admin(
    app, make_user, frozen_now
):
    user = make_user("supervisor")
    with app.test_request_context():
        secret = twofactor.begin_enrolment(user, actor=user)
        twofactor.confirm_enrolment(user, _code(secret), actor=user)
        db.session.commit()
        with pytest.raises(PermissionDenied):
            twofactor.reset_second_factor(user, actor=user)
        with pytest.raises(PermissionDenied):
            twofactor.reset_second_factor(user, actor=make_user("supervisor"))
        twofactor.reset_second_factor(user, actor=None)  # the command line
        db.session.commit()
        with pytest.raises(twofactor.NotEnrolled):
            twofactor.reset_second_factor(user, actor=None)
    entry = db.session.scalar(select(AdminLogEntry))
    assert entry.actor_label == "command line"


def test_nobody_sets_up_a_second_factor_for_somebody_else(app, make_user):
    user, admin = make_user("officer"), make_user("admin")
    with app.test_request_context(), pytest.raises(PermissionDenied):
        twofactor.begin_enrolment(user, actor=admin)
