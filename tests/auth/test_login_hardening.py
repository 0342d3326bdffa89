"""A login that tells nothing (same answer and same work for unknown, disabled and known
emails), a throttle on failed logins only, with bounded keys and shared Redis storage, and
bearer tokens that authenticate the API and nothing else."""

from __future__ import annotations

import re
import secrets
import socket
import uuid

import pytest
from limits import parse

from casework import create_app
from casework.auth import credentials, throttle
from casework.auth.models import ApiToken
from casework.cases.models import CaseEvent
from casework.extensions import db
from tests.conftest import TEST_PASSWORD, csrf_token, login, test_config

REFUSED = "That email and password do not match an active account."
THROTTLED = "Too many failed attempts. Wait a few minutes, then try again."


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


def _page(response, email: str) -> str:
    """The page as a reader sees it, without what differs on every request (the CSRF
    token) or what the reader typed (the email, shown back in the form)."""
    html = response.get_data(as_text=True).replace(email, "EMAIL")
    return re.sub(r'name="csrf_token"[^>]*>', "", html)


# ---------------------------------------------------------------- the same answer


def test_an_unknown_a_disabled_and_a_known_email_get_the_same_answer(app, make_user):
    known = make_user("officer", email="known@example.org")
    make_user("officer", email="disabled@example.org", is_enabled=False)
    answers = {}
    for email, password in [
        ("nobody@example.org", "a guess at a password"),
        ("disabled@example.org", TEST_PASSWORD),  # the right password of a disabled account
        (known.email, "a guess at a password"),
    ]:
        response = login(app.test_client(), email, password)
        assert response.status_code == 401
        assert REFUSED in response.get_data(as_text=True)
        answers[email] = _page(response, email)
    assert len(set(answers.values())) == 1


def test_every_refused_login_checks_one_password_hash_made_like_a_real_one(
    app, make_user, monkeypatch
):
    known = make_user("officer", email="known@example.org")
    make_user("officer", email="disabled@example.org", is_enabled=False)
    without_password = make_user("officer", email="nopassword@example.org")
    without_password.password_hash = ""  # e.g. made by a command that set none
    db.session.commit()
    checked: list[str] = []
    real_check = credentials.check_password_hash

    def counting_check(stored: str, password: str) -> bool:
        checked.append(stored.split("$", 1)[0])  # the method and its cost, e.g. scrypt:32768:8:1
        return real_check(stored, password)

    monkeypatch.setattr(credentials, "check_password_hash", counting_check)
    for email, password in [
        ("nobody@example.org", "a guess at a password"),
        ("disabled@example.org", TEST_PASSWORD),
        ("nopassword@example.org", ""),
        (known.email, "a guess at a password"),
        (known.email, TEST_PASSWORD),
    ]:
        checked.clear()
        login(app.test_client(), email, password or "x")
        assert checked == [known.password_hash.split("$", 1)[0]], email


# ---------------------------------------------------------------- the throttle


def test_five_failures_for_one_email_refuse_even_the_right_password_for_a_while(app, make_user):
    user = make_user("officer")
    client = app.test_client()
    for _ in range(5):
        assert login(client, user.email, "wrong password").status_code == 401
    response = login(client, user.email)
    assert response.status_code == 429
    assert THROTTLED in response.get_data(as_text=True)
    assert 0 < int(response.headers["Retry-After"]) <= 300
    # Another address is not held back by this one's failures.
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.80"
    assert login(elsewhere, user.email).status_code == 302


def test_unknown_emails_are_throttled_like_known_ones(app):
    client = app.test_client()
    codes = [login(client, "nobody@example.org", "guess").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


def test_only_failed_logins_count(app, make_user):
    user = make_user("officer")
    for _ in range(7):
        assert login(app.test_client(), user.email).status_code == 302
    client = app.test_client()
    assert login(client, user.email, "wrong password").status_code == 401


def test_a_right_password_clears_that_emails_failures(app, make_user):
    user = make_user("officer")
    client = app.test_client()
    for _ in range(4):
        login(client, user.email, "wrong password")
    assert login(client, user.email).status_code == 302
    client = app.test_client()
    codes = [login(client, user.email, "wrong password").status_code for _ in range(5)]
    assert codes == [401] * 5


def test_one_address_trying_many_emails_is_refused_once_past_the_address_limit(app, monkeypatch):
    monkeypatch.setattr(throttle, "PER_ADDRESS", parse("3 per 15 minutes"))
    client = app.test_client()
    codes = [login(client, f"user{n}@example.org", "guess").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "192.0.2.81"
    assert login(other, "user9@example.org", "guess").status_code == 401


def test_addresses_of_one_ipv6_network_count_together(app):
    codes = []
    for host in range(6):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{host + 1:x}"
        codes.append(login(client, "nobody@example.org", "guess").status_code)
    assert codes == [401] * 5 + [429]


def _behind_proxy(app, client_address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "127.0.0.1"  # every request comes from the proxy
    client.environ_base["HTTP_X_FORWARDED_FOR"] = client_address
    return client


@pytest.mark.parametrize("app_config", [{"CASEWORK_TRUSTED_PROXIES": 1}], indirect=True)
def test_behind_a_trusted_proxy_each_client_is_counted_by_its_forwarded_address(app, monkeypatch):
    monkeypatch.setattr(throttle, "PER_ADDRESS", parse("2 per 15 minutes"))
    first = _behind_proxy(app, "198.51.100.7")
    codes = [login(first, f"user{n}@example.org", "guess").status_code for n in range(3)]
    assert codes == [401, 401, 429]
    second = _behind_proxy(app, "198.51.100.8")
    assert login(second, "user0@example.org", "guess").status_code == 401


def test_an_untrusted_forwarded_address_is_ignored(app, monkeypatch):
    monkeypatch.setattr(throttle, "PER_ADDRESS", parse("2 per 15 minutes"))
    codes = [
        login(_behind_proxy(app, f"198.51.100.{n}"), f"user{n}@example.org", "guess").status_code
        for n in range(3)
    ]
    assert codes == [401, 401, 429]  # a client cannot pick a fresh address per attempt


def test_the_throttle_stores_fixed_length_keys_and_never_an_email(app):
    client = app.test_client()
    emails = ["short@example.org", "a-much-" + "longer-" * 30 + "address@example.org"]
    for email in emails:
        login(client, email, "guess")
    storage = throttle.throttle().rate_limiter.storage
    keys = list(storage.storage)
    assert len(keys) == 3  # the address, and the address with each email
    assert not any("example" in key for key in keys)
    assert len({len(k) for k in keys if "/account/" in k}) == 1


# ---------------------------------------------------------------- shared storage


@pytest.fixture
def shared_apps(_schema, tmp_path):
    """Two app instances, as two workers would be, both on one Redis."""
    if not _redis_up():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    settings = {
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # this test's keys only
        "CASEWORK_FILES_URL": str(tmp_path / "files"),
    }
    apps = [create_app(test_config(_schema, **settings)) for _ in range(2)]
    yield apps
    _dispose(apps)


def _dispose(apps) -> None:
    for each in apps:
        with each.app_context():
            db.engine.dispose()


def test_two_workers_sharing_redis_count_failures_together(app, shared_apps):
    first, second = shared_apps
    codes = []
    for n in range(6):
        worker = (first, second)[n % 2]  # alternate, as a load balancer would
        with worker.app_context():
            codes.append(login(worker.test_client(), "nobody@example.org", "guess").status_code)
    assert codes == [401] * 5 + [429]


def test_workers_counting_in_memory_count_apart(app, _schema, tmp_path):
    """The control for the test above: memory:// storage is per app (per process)."""
    workers = [
        create_app(test_config(_schema, CASEWORK_FILES_URL=str(tmp_path / "files")))
        for _ in range(2)
    ]
    codes = []
    for n in range(8):
        worker = workers[n % 2]
        with worker.app_context():
            codes.append(login(worker.test_client(), "nobody@example.org", "guess").status_code)
    _dispose(workers)
    assert codes == [401] * 8


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9/0"}], indirect=True
)
def test_logins_still_work_and_are_throttled_when_redis_is_unreachable(app, make_user, caplog):
    user = make_user("officer")
    assert login(app.test_client(), user.email).status_code == 302
    client = app.test_client()
    codes = [login(client, user.email, "wrong password").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert "counting in this process only" in caplog.text
    assert user.email not in caplog.text


# ---------------------------------------------------------------- tokens belong to the API


def test_a_bearer_token_and_an_anonymous_csrf_token_cannot_add_a_note(app, make_user, make_case):
    officer = make_user("officer")
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=officer, token_hash=ApiToken.hash(token)))
    db.session.commit()
    case = make_case()
    attacker = app.test_client()
    anonymous_csrf = csrf_token(attacker, "/login")
    response = attacker.post(
        f"/cases/{case.reference}/notes",
        data={"csrf_token": anonymous_csrf, "version": case.version, "text": "Forged note."},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 302
    assert response.location.startswith("/login")
    notes = db.session.scalars(
        db.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == "note")
    ).all()
    assert notes == []
    # The same token still reads the API.
    api = attacker.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200


def test_a_bearer_token_does_not_open_html_pages(app, make_user):
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=make_user("officer"), token_hash=ApiToken.hash(token)))
    db.session.commit()
    response = app.test_client().get("/cases", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 302
    assert response.location.startswith("/login")
