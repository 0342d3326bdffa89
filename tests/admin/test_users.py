"""Users in the admin pages (/admin/users): the list, a new account with its password link
or temporary password, role changes, disabling and enabling, password resets and the
second factor reset; each on the admin log, and access that ends ending at once."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from casework import clock
from casework.admin.log import verify_admin_log
from casework.admin.models import AdminLogEntry
from casework.auth import twofactor
from casework.auth.models import ApiToken, User, UserSession
from notifications.models import OutboxMessage
from notifications.outbox import dispatch
from tests.conftest import TEST_PASSWORD, csrf_token, login

NEW_PASSWORD = "lantern gravel orchid seventy"


def _log(db, action: str | None = None) -> list[AdminLogEntry]:
    db.session.expire_all()
    query = select(AdminLogEntry).order_by(AdminLogEntry.seq)
    if action:
        query = query.where(AdminLogEntry.action == action)
    return list(db.session.scalars(query))


def _reset_emails(db, user: User) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.ref == f"password_reset:{user.id}")
            .order_by(OutboxMessage.id)
        )
    )


def _link_path(body: str) -> str:
    match = re.search(r"https?://[^/\s]+(/password/reset/\S+)", body)
    assert match, body
    return match.group(1)


def _post(client, url: str, page: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def _user(db, email: str) -> User:
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None
    return user


def _new_account(admin, email="neema.furaha@example.org", **fields):
    data = {
        "email": email,
        "name": "Neema Furaha",
        "role": "officer",
        "language": "sw",
        "timezone": "Africa/Lubumbashi",
        "phone": "",
        **fields,
    }
    return _post(admin, "/admin/users/new", "/admin/users/new", **data)


# ------------------------------------------------------------------ who may


@pytest.mark.parametrize("role", ["supervisor", "officer", "committee", "viewer"])
def test_only_admins_open_the_user_pages(login_as, make_user, role):
    target = make_user("officer")
    client, _ = login_as(role)
    for url in ("/admin/users", "/admin/users/new", f"/admin/users/{target.id}"):
        assert client.get(url).status_code == 403
    response = client.post(f"/admin/users/{target.id}/disable", data={})
    assert response.status_code in (400, 403)
    assert _user_enabled(target)


def _user_enabled(user: User) -> bool:
    from casework.extensions import db

    db.session.expire_all()
    return db.session.get(User, user.id).is_enabled


def test_an_admin_sees_every_account_with_its_role_and_state_and_a_header_link(login_as, make_user):
    make_user("officer", email="amani@example.org", name="Amani Bahati")
    make_user("viewer", email="gone@example.org", name="Former Viewer", is_enabled=False)
    admin, _ = login_as("admin")

    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/users"' in page  # the header's link
    assert "amani@example.org" in page and "Amani Bahati" in page
    assert "gone@example.org" in page and "disabled" in page

    only_disabled = admin.get("/admin/users?state=disabled").get_data(as_text=True)
    assert "gone@example.org" in only_disabled and "amani@example.org" not in only_disabled
    by_role = admin.get("/admin/users?role=viewer&q=former").get_data(as_text=True)
    assert "gone@example.org" in by_role and "amani@example.org" not in by_role


def test_search_treats_percent_and_underscore_literally(login_as, make_user):
    make_user("officer", email="a_b@example.org", name="Underscore")
    make_user("officer", email="axb@example.org", name="Letter")
    admin, _ = login_as("admin")
    page = admin.get("/admin/users?q=a_b").get_data(as_text=True)
    assert "a_b@example.org" in page and "axb@example.org" not in page
    assert "No account matches." in admin.get("/admin/users?q=%25").get_data(as_text=True)


def test_a_supervisor_gets_no_users_link(login_as):
    client, _ = login_as("supervisor")
    assert 'href="/admin/users"' not in client.get("/cases").get_data(as_text=True)


# ------------------------------------------------------------------ a new account


def test_a_new_account_gets_a_one_time_link_by_email_and_chooses_its_password(app, db, login_as):
    admin, admin_user = login_as("admin")

    response = _new_account(admin)
    assert response.status_code == 303
    user = _user(db, "neema.furaha@example.org")
    assert (user.role, user.language, user.is_enabled) == ("officer", "sw", True)
    assert not user.password_hash  # nobody chose a password for them
    assert "link to choose a password was emailed" in admin.get(
        response.headers["Location"]
    ).get_data(as_text=True)

    (email,) = _reset_emails(db, user)
    assert email.channel == "email" and email.recipient == f"user:{user.id}"
    assert NEW_PASSWORD not in email.body
    path = _link_path(email.body)

    created, reset = _log(db)
    assert (created.action, created.actor_label, created.target_label) == (
        "user.create",
        admin_user.email,
        user.email,
    )
    assert created.after["role"] == "officer" and "phone" not in created.after
    assert (reset.action, reset.after["method"]) == ("user.password_reset", "email")

    person = app.test_client()
    assert person.get(path).status_code == 200
    response = _post(person, path, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert login(person, user.email, NEW_PASSWORD).status_code == 302
    assert person.get("/cases").status_code == 200


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"email": "not-an-email"}, "Enter an email address such as name@example.org."),
        ({"email": "Taken@Example.org"}, "There is already an account with the email"),
        ({"phone": "12"}, "That is not a valid phone number"),
        ({"role": "superuser"}, "Not a valid choice"),
        ({"timezone": "Mars/Olympus"}, "Not a valid choice"),
    ],
)
def test_a_new_account_with_bad_input_is_shown_again_and_nothing_is_created(
    db, login_as, make_user, fields, problem
):
    make_user("viewer", email="taken@example.org")
    admin, _ = login_as("admin")
    before = db.session.scalar(select(db.func.count()).select_from(User))

    response = _new_account(admin, **({"email": "new@example.org"} | fields))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert problem in page
    assert 'value="Neema Furaha"' in page  # what was typed is kept
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(User)) == before
    assert _log(db, "user.create") == []


class TestWithoutMail:
    """Production without MAIL_SERVER: a temporary password, shown once to the admin."""

    @pytest.fixture
    def app_config(self):
        return {"CASEWORK_ENV": "production"}

    def test_a_new_account_gets_a_temporary_password_shown_once(self, app, db, login_as):
        admin, _ = login_as("admin")

        response = _new_account(admin)

        assert response.status_code == 200
        page = response.get_data(as_text=True)
        password = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)
        assert len(password) >= 12
        assert response.headers["Cache-Control"] == "no-store"
        assert password not in str(admin.get_cookie("session", domain="casework.test").value)
        user = _user(db, "neema.furaha@example.org")
        assert user.must_change_password and user.check_password(password)
        assert _reset_emails(db, user) == []
        (reset,) = _log(db, "user.password_reset")
        assert reset.after["method"] == "temporary"
        assert password not in str(reset.after)

    def test_an_admin_never_gets_a_supervisors_password(self, app, db, login_as, make_user):
        """Supervisors read SA-SGBV cases and admins may not: no temporary password for them
        from the admin pages, neither for a new account nor for an existing one."""
        admin, _ = login_as("admin")
        response = _new_account(admin, role="supervisor")
        assert response.status_code == 422
        assert "must never know a supervisor" in response.get_data(as_text=True)
        assert db.session.scalar(select(User).where(User.role == "supervisor")) is None
        supervisor = make_user("supervisor")
        url = f"/admin/users/{supervisor.id}"
        response = _post(admin, f"{url}/password", url, method="temporary")
        assert "must never know a supervisor" in response.get_data(as_text=True)
        db.session.refresh(supervisor)
        assert supervisor.check_password(TEST_PASSWORD) and not supervisor.must_change_password
        assert _log(db, "user.password_reset") == []

    def test_a_temporary_password_leads_to_choosing_a_new_one_before_anything_else(
        self, app, db, login_as, make_user
    ):
        user = make_user("officer")
        admin, _ = login_as("admin")
        old_session, _ = login_as(user=user)

        page = _post(admin, f"/admin/users/{user.id}/password", f"/admin/users/{user.id}").get_data(
            as_text=True
        )
        password = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)

        assert old_session.get("/cases").status_code == 302  # its sessions ended
        person = app.test_client()
        assert login(person, user.email, TEST_PASSWORD).status_code == 401  # old one gone
        assert login(person, user.email, password).status_code == 302
        for url in ("/cases", "/notifications"):
            response = person.get(url)
            assert response.status_code == 302
            assert response.headers["Location"].endswith("/account/password")
        assert person.get("/account/password").status_code == 200

        response = _post(
            person,
            "/account/password",
            "/account/password",
            current=password,
            password=NEW_PASSWORD,
            confirm=NEW_PASSWORD,
        )
        assert response.status_code == 303
        assert person.get("/cases").status_code == 200
        assert not _user(db, user.email).must_change_password


def test_the_outbox_pages_never_show_a_reset_link(db, login_as, make_user):
    user = make_user("officer")
    admin, _ = login_as("admin")
    _post(admin, f"/admin/users/{user.id}/password", f"/admin/users/{user.id}")
    (email,) = _reset_emails(db, user)
    dispatch()  # captured in development, like a sent message
    db.session.expire_all()
    assert db.session.get(OutboxMessage, email.id).status == "sent"
    supervisor, _ = login_as("supervisor")
    for client in (admin, supervisor):
        page = client.get("/admin/captured").get_data(as_text=True)
        assert "/password/reset/" not in page


# ------------------------------------------------------------------ role, disable, enable


def test_disabling_ends_the_users_sessions_and_tokens_at_once(app, db, login_as, make_user):
    user = make_user("officer")
    browser, _ = login_as(user=user)
    token = "t" * 43
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token)))
    db.session.commit()
    api = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/cases", headers=api).status_code == 200
    admin, admin_user = login_as("admin")

    response = _post(admin, f"/admin/users/{user.id}/disable", f"/admin/users/{user.id}")

    assert response.status_code == 303
    assert browser.get("/cases").status_code == 302  # the cookie is refused
    assert app.test_client().get("/api/v1/cases", headers=api).status_code == 401
    assert login(app.test_client(), user.email).status_code == 401
    (entry,) = _log(db, "user.disable")
    assert entry.actor_label == admin_user.email
    assert entry.before == {"is_enabled": True}
    assert entry.after == {"is_enabled": False, "sessions_ended": 1, "tokens_revoked": 1}
    assert db.session.scalar(select(ApiToken.is_revoked)) is True
    assert verify_admin_log()[1] is None


def test_a_disabled_users_page_says_their_open_cases_need_another_owner(
    db, login_as, make_user, make_case
):
    user = make_user("officer")
    make_case(status="verifying", assignee=user)
    make_case(status="closed", assignee=user)
    admin, _ = login_as("admin")
    _post(admin, f"/admin/users/{user.id}/disable", f"/admin/users/{user.id}")

    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)

    assert re.search(r"Open cases assigned</dt><dd>1 ", page)
    assert "a supervisor should reassign them" in page


def test_a_users_page_counts_their_live_tokens_only(db, login_as, make_user):
    from datetime import timedelta

    user = make_user("officer")
    now = clock.now()
    for name, expires in (("a", now + timedelta(days=5)), ("b", now - timedelta(days=1))):
        db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(name), expires_dt=expires))
    db.session.commit()
    admin, _ = login_as("admin")
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Live API tokens</dt><dd>1</dd>" in page

    _post(admin, f"/admin/users/{user.id}/disable", f"/admin/users/{user.id}")

    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Live API tokens</dt><dd>0</dd>" in page


def test_enabling_lets_them_log_in_again_but_old_tokens_stay_revoked(app, db, login_as, make_user):
    user = make_user("officer")
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash("u" * 43)))
    db.session.commit()
    admin, _ = login_as("admin")
    _post(admin, f"/admin/users/{user.id}/disable", f"/admin/users/{user.id}")

    response = _post(admin, f"/admin/users/{user.id}/enable", f"/admin/users/{user.id}")

    assert response.status_code == 303
    assert login(app.test_client(), user.email).status_code == 302
    headers = {"Authorization": "Bearer " + "u" * 43}
    assert app.test_client().get("/api/v1/cases", headers=headers).status_code == 401
    assert [e.action for e in _log(db)] == ["user.disable", "user.enable"]


def test_a_role_change_ends_their_sessions_and_is_logged_before_and_after(db, login_as, make_user):
    user = make_user("officer")
    browser, _ = login_as(user=user)
    admin, _ = login_as("admin")

    response = _post(
        admin, f"/admin/users/{user.id}/role", f"/admin/users/{user.id}", role="supervisor"
    )

    assert response.status_code == 303
    assert _user(db, user.email).role == "supervisor"
    assert browser.get("/cases").status_code == 302
    (entry,) = _log(db, "user.role")
    assert entry.before == {"role": "officer"}
    assert entry.after == {"role": "supervisor", "sessions_ended": 1}
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "role changed" in page


def test_an_admin_cannot_disable_or_demote_themselves(db, login_as, make_user):
    make_user("admin")  # not the last admin: the refusal is about oneself
    admin, me = login_as("admin")

    for action, data in (("disable", {}), ("role", {"role": "viewer"})):
        response = _post(admin, f"/admin/users/{me.id}/{action}", f"/admin/users/{me.id}", **data)
        assert response.status_code == 422
        assert "ask another admin" in response.get_data(as_text=True)
    response = _post(
        admin, f"/admin/users/{me.id}/password", f"/admin/users/{me.id}", method="temporary"
    )
    assert response.status_code == 422
    assert "from your password page" in response.get_data(as_text=True)
    me = _user(db, me.email)
    assert (me.role, me.is_enabled) == ("admin", True)
    assert _log(db) == []
    assert admin.get("/cases").status_code == 200


def test_a_second_admin_can_disable_the_first(db, login_as, make_user):
    other = make_user("admin")
    admin, _ = login_as("admin")
    response = _post(admin, f"/admin/users/{other.id}/disable", f"/admin/users/{other.id}")
    assert response.status_code == 303
    assert not _user(db, other.email).is_enabled


def test_a_members_page_names_their_committees_and_warns_when_the_role_no_longer_fits(
    db, login_as, make_user, make_committee
):
    committee = make_committee("Comité de suivi de Kalehe")
    member = make_user("committee", committee=committee)
    admin, _ = login_as("admin")
    assert "Kalehe" in admin.get(f"/admin/users/{member.id}").get_data(as_text=True)

    _post(admin, f"/admin/users/{member.id}/role", f"/admin/users/{member.id}", role="officer")

    page = admin.get(f"/admin/users/{member.id}").get_data(as_text=True)
    assert "Kalehe" in page and "cannot open these committees" in page


def test_an_unknown_user_is_404_and_a_forged_form_is_400(login_as):
    admin, me = login_as("admin")
    assert admin.get("/admin/users/999999").status_code == 404
    assert admin.get("/admin/users/99999999999").status_code == 404
    assert admin.post(f"/admin/users/{me.id}/enable", data={}).status_code == 400


# ------------------------------------------------------------------ reset links


def _emailed_link(db, admin, user) -> str:
    response = _post(admin, f"/admin/users/{user.id}/password", f"/admin/users/{user.id}")
    assert response.status_code == 303
    return _link_path(_reset_emails(db, user)[-1].body)


def test_a_reset_link_works_once(app, db, login_as, make_user):
    user = make_user("officer")
    admin, _ = login_as("admin")
    path = _emailed_link(db, admin, user)
    other_browser, _ = login_as(user=user)
    assert login(app.test_client(), user.email).status_code == 302  # the old one still works

    person = app.test_client()
    response = _post(person, path, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 303
    assert other_browser.get("/cases").status_code == 302  # its sessions ended

    again = app.test_client()
    response = again.get(path)
    assert response.status_code == 400
    assert "expired or was already used" in response.get_data(as_text=True)
    response = again.post(path, data={"password": "x" * 20, "confirm": "x" * 20})
    assert response.status_code == 400
    assert _user(db, user.email).check_password(NEW_PASSWORD)


def test_a_reset_link_expires_after_a_day(app, db, login_as, make_user, frozen_now):
    from datetime import timedelta

    user = make_user("officer")
    admin, _ = login_as("admin")
    path = _emailed_link(db, admin, user)

    clock.freeze(frozen_now + timedelta(hours=23, minutes=59))
    assert app.test_client().get(path).status_code == 200
    clock.freeze(frozen_now + timedelta(hours=24, minutes=1))
    assert app.test_client().get(path).status_code == 400


def test_a_forged_or_superseded_reset_link_fails(app, db, login_as, make_user):
    user = make_user("officer")
    admin, _ = login_as("admin")
    first = _emailed_link(db, admin, user)
    second = _emailed_link(db, admin, user)
    person = app.test_client()

    token = second.rsplit("/", 1)[1]
    forged = second[: -len(token)] + token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for path in (forged, "/password/reset/nonsense", "/password/reset/" + "a" * 500):
        assert person.get(path).status_code == 400

    _post(person, second, second, password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert person.get(first).status_code == 400  # the first died with the change


def test_a_reset_link_refuses_a_short_or_mismatched_password_and_stays_usable(
    app, db, login_as, make_user
):
    user = make_user("officer")
    admin, _ = login_as("admin")
    path = _emailed_link(db, admin, user)
    person = app.test_client()

    short = _post(person, path, path, password="short", confirm="short")
    assert short.status_code == 422 and "at least 12" in short.get_data(as_text=True)
    mismatch = _post(person, path, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD + "!")
    assert mismatch.status_code == 422
    assert "not the same" in mismatch.get_data(as_text=True)
    assert _post(person, path, path, password=NEW_PASSWORD, confirm=NEW_PASSWORD).status_code == 303


def test_a_disabled_account_gets_no_reset(db, login_as, make_user):
    user = make_user("officer", is_enabled=False)
    admin, _ = login_as("admin")
    response = _post(admin, f"/admin/users/{user.id}/password", f"/admin/users/{user.id}")
    assert response.status_code == 422
    assert "enable the account before" in response.get_data(as_text=True)
    assert _reset_emails(db, user) == []


# ------------------------------------------------------------------ one's own password


def test_changing_ones_own_password_ends_the_other_sessions_only(app, db, login_as, make_user):
    user = make_user("officer")
    here, _ = login_as(user=user)
    elsewhere, _ = login_as(user=user)

    response = _post(
        here,
        "/account/password",
        "/account/password",
        current=TEST_PASSWORD,
        password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )

    assert response.status_code == 303
    assert here.get("/cases").status_code == 200
    assert elsewhere.get("/cases").status_code == 302
    assert _user(db, user.email).check_password(NEW_PASSWORD)
    ended = db.session.scalars(select(UserSession.ended_reason)).all()
    assert sorted(ended, key=str) == sorted([None, "password_change"], key=str)


@pytest.mark.parametrize(
    ("current", "new", "confirm", "problem"),
    [
        ("wrong password here", NEW_PASSWORD, NEW_PASSWORD, "current password is not right"),
        (TEST_PASSWORD, "too short", "too short", "at least 12"),
        (TEST_PASSWORD, NEW_PASSWORD, "something else entirely", "not the same"),
        (TEST_PASSWORD, TEST_PASSWORD, TEST_PASSWORD, "different from the current one"),
    ],
)
def test_a_bad_password_change_is_refused_and_nothing_changes(
    db, login_as, make_user, current, new, confirm, problem
):
    user = make_user("officer")
    client, _ = login_as(user=user)
    response = _post(
        client,
        "/account/password",
        "/account/password",
        current=current,
        password=new,
        confirm=confirm,
    )
    assert response.status_code == 422
    assert problem in response.get_data(as_text=True)
    assert _user(db, user.email).check_password(TEST_PASSWORD)


# ------------------------------------------------------------------ second factor


def test_an_admin_resets_a_users_second_factor_from_their_page(app, db, login_as, make_user):
    user = make_user("supervisor")
    with app.test_request_context():  # as the user's own security page would
        secret = twofactor.begin_enrolment(user, actor=user)
        twofactor.confirm_enrolment(user, pyotp.TOTP(secret).now(), actor=user)
        db.session.commit()
    admin, _ = login_as("admin")
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Reset the second factor" in page

    response = _post(admin, f"/admin/users/{user.id}/second-factor", f"/admin/users/{user.id}")

    assert response.status_code == 303
    assert not twofactor.is_enrolled(_user(db, user.email))
    assert [e.action for e in _log(db, "user.second_factor_reset")] == ["user.second_factor_reset"]
    again = _post(admin, f"/admin/users/{user.id}/second-factor", f"/admin/users/{user.id}")
    assert again.status_code == 422


@pytest.mark.postgres
def test_two_admins_disabling_each_other_at_once_leave_one_enabled(app, db, make_user):
    import threading

    from casework.admin import users as accounts
    from casework.errors import InvalidInput

    first, second = make_user("admin"), make_user("admin")
    first_done = threading.Event()
    outcomes: dict[str, str] = {}

    def disable(target_id: int, actor_id: int, name: str, *, hold: bool) -> None:
        with app.app_context():
            target, actor = db.session.get(User, target_id), db.session.get(User, actor_id)
            try:
                accounts.disable_user(target, actor=actor)
            except InvalidInput:
                db.session.rollback()
                outcomes[name] = "refused"
                return
            finally:
                if hold:
                    first_done.set()
            if hold:
                threading.Event().wait(0.5)  # the other one is waiting on the lock meanwhile
            db.session.commit()
            outcomes[name] = "disabled"

    one = threading.Thread(target=disable, args=(second.id, first.id, "one"), kwargs={"hold": True})
    one.start()
    assert first_done.wait(10)
    two = threading.Thread(
        target=disable, args=(first.id, second.id, "two"), kwargs={"hold": False}
    )
    two.start()
    one.join(10)
    two.join(10)

    assert outcomes == {"one": "disabled", "two": "refused"}
    db.session.expire_all()
    assert [
        u.is_enabled for u in (db.session.get(User, first.id), db.session.get(User, second.id))
    ] == [True, False]
