"""Shared fixtures: a real database (SQLite by default, PostgreSQL when
``CASEWORK_TEST_DATABASE_URL`` says so), the app, users, cases and logged-in clients.

Each test starts from empty tables; the schema is created once per run (per xdist worker).
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.engine import make_url

from casework import clock, create_app
from casework.extensions import db as _db
from tests.pg import fresh_postgres_database

TEST_DATA_KEY = "kT3e5hW0Vt0O3mHn1z1n3nB6Tq8mQy0b3w3y3c6vX0A="
TEST_PASSWORD = "correct horse battery staple"

# ---------------------------------------------------------------- no network but loopback

_real_connect = socket.socket.connect
_LOCAL = ("127.", "::1", "localhost")


def _guarded_connect(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0])
        if not host.startswith(_LOCAL):
            raise RuntimeError(f"a test tried to reach {host}: tests stay on this machine")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True)
def _no_external_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


# ---------------------------------------------------------------- the database


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and not is_postgres(
        os.environ.get("CASEWORK_TEST_DATABASE_URL", "")
    ):
        pytest.skip("PostgreSQL only: set CASEWORK_TEST_DATABASE_URL=postgresql://...")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres", "postgresql"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    base = os.environ.get("CASEWORK_TEST_DATABASE_URL", "")
    if not is_postgres(base):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'casework.db'}"
        return
    # Unique per run and per xdist worker: several runs may share the server at once.
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", str(os.getpid()))[:8]
    with fresh_postgres_database(base, f"{make_url(base).database}_{run}_{_worker()}") as url:
        yield url


def test_config(database_url: str, **extra) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "CASEWORK_DATA_KEY": TEST_DATA_KEY,
        "SERVER_NAME": "casework.test",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "test-auth-token",
        "TWILIO_FROM_NUMBER": "+15005550006",
        "MAIL_SUPPRESS_SEND": True,
        **extra,
    }


test_config.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def _schema(database_url):
    app = create_app(test_config(database_url))
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        _db.engine.dispose()
    return database_url


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change settings for its app."""
    return {}


class _Client(FlaskClient):
    """The test's app context stays pushed, so requests share its `g`; clear it per request
    as a real server would (Flask-Login caches the user there)."""

    def open(self, *args, **kwargs):
        from flask import g

        g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def app(_schema, app_config, tmp_path):
    # Evidence files go to the test's own folder, never the checkout's instance/.
    files = {
        "CASEWORK_FILES_URL": str(tmp_path / "files"),
        "CASEWORK_SPOOL_DIR": str(tmp_path / "spool"),
    }
    app = create_app(test_config(_schema, **{**files, **app_config}))
    app.test_client_class = _Client
    with app.app_context():
        yield app
        _db.session.remove()
        _truncate_all()
        _db.engine.dispose()


def _truncate_all() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def frozen_now():
    """Freeze Casework's clock at a fixed instant; tests may move it with `clock.freeze`."""
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    clock.freeze(at)
    yield at
    clock.freeze(None)


# ---------------------------------------------------------------- factories


@pytest.fixture
def make_user(db):
    from casework.auth.models import User
    from casework.committees.models import CommitteeMembership

    counter = iter(range(1, 10_000))

    def make(role: str = "officer", *, committee=None, **overrides) -> User:
        n = next(counter)
        user = User(
            email=overrides.pop("email", f"{role}{n}@example.org"),
            name=overrides.pop("name", f"{role.title()} {n}"),
            role=role,
            **overrides,
        )
        user.set_password(TEST_PASSWORD)
        db.session.add(user)
        if committee is not None:
            db.session.add(CommitteeMembership(committee=committee, user=user))
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_site(db):
    from casework.sites.models import Site

    def make(**overrides) -> Site:
        values = {
            "code": "CD-NK-RUB",
            "name": "Rubaya",
            "country": "CD",
            "province": "Nord-Kivu",
            "territory": "Masisi",
            "minerals": "coltan;cassiterite",
            "latitude": -1.566,
            "longitude": 28.883,
        }
        values.update(overrides)
        site = Site(**values)
        db.session.add(site)
        db.session.commit()
        return site

    return make


@pytest.fixture
def make_committee(db):
    from casework.committees.models import Committee

    def make(name: str = "Comité local de suivi de Masisi", **overrides) -> Committee:
        # By default it covers make_site()'s Rubaya (Masisi territory, Nord-Kivu, CD).
        values = {"scope": "local", "country": "CD", "province": "Nord-Kivu",
                  "territories": "Masisi"}  # fmt: skip
        committee = Committee(name=name, **{**values, **overrides})
        db.session.add(committee)
        db.session.commit()
        return committee

    return make


@pytest.fixture
def decide(db, make_user):
    """``decide(case, "suspend")``: the case's committee meets, every member is present and
    votes for the proposal, and it is adopted: the committee's decision, by the real rules."""
    from casework.committees import meetings, votes

    def run(case, outcome: str = "continue_with_mitigation", *, rationale: str = "Agreed."):
        committee = case.committee
        if not committee.memberships:
            make_user("committee", committee=committee)
            db.session.refresh(committee)
        chair = make_user("supervisor")
        meeting = meetings.schedule_meeting(
            committee, starts_dt=clock.now() + timedelta(minutes=10), place="Goma", actor=chair
        )
        item = next((i for i in meeting.items if i.case_id == case.id), None)
        item = item or meetings.add_item(meeting, case, actor=chair)
        meetings.set_proposal(item, outcome=outcome, rationale=rationale, actor=chair)
        meetings.record_attendance(meeting, member_ids=committee.member_ids(), actor=chair)
        for membership in committee.memberships:
            votes.cast_vote(item, membership.user, "for", actor=chair)
        votes.close_item(item, actor=chair)
        db.session.commit()
        return item.decision

    return run


@pytest.fixture
def make_case(db):
    """``make_case(status="verifying", level=1, ...)``: a case as operations would leave it."""
    from casework.cases.operations import create_case

    def make(**overrides):
        status = overrides.pop("status", "received")
        fields = {
            "description": "Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya "
            "Nyabibwe, hawaendi shule.",
            "channel": "sms",
        }
        fields.update(
            {
                k: overrides.pop(k)
                for k in list(overrides)
                if k
                in {
                    "description",
                    "channel",
                    "title",
                    "category",
                    "level",
                    "site",
                    "location_text",
                    "reporter",
                    "language",
                    "occurred_dt",
                }
            }
        )
        case = create_case(**fields)
        for key, value in overrides.items():
            setattr(case, key, value)
        case.status = status
        if status == "closed" and case.resolution is None:
            case.resolution = "resolved"
        db.session.commit()
        return case

    return make


# ---------------------------------------------------------------- logged-in clients

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def csrf_token(client, url: str = "/login") -> str:
    """The CSRF token a page hands the browser, read from its HTML as a browser would."""
    html = client.get(url).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no csrf_token on {url}"
    return match.group(1) or match.group(2)


def login(client, email: str, password: str = TEST_PASSWORD):
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.fixture
def login_as(app, make_user):
    """``client, user = login_as("officer")``: a fresh client logged in through the form."""

    def log_in(role: str = "officer", **user_fields):
        user = user_fields.pop("user", None) or make_user(role, **user_fields)
        client = app.test_client()
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, user

    return log_in


# ---------------------------------------------------------------- fakes of the outside world

from tests.fakes.fixtures import smtp_server, twilio_fake  # noqa: E402, F401
