"""``casework users create`` and ``casework tokens create|revoke``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casework.auth.models import ApiToken, User
from casework.committees.models import Committee
from tests.conftest import login

PASSWORD = "four unrelated words here"


def _user(db, email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _create(runner, *args: str, password: str = PASSWORD):
    return runner.invoke(args=["users", "create", *args], input=password + "\n")


def test_create_reads_the_password_from_stdin_and_can_log_in(app, db, runner):
    result = _create(
        runner, "Amani.Bahati@Example.org", "--role", "officer", "--name", "Amani Bahati",
        "--phone", "+243 812 345 678", "--language", "fr",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    assert "Created officer amani.bahati@example.org" in result.output
    user = _user(db, "amani.bahati@example.org")
    assert user is not None
    assert (user.role, user.name, user.phone, user.language) == (
        "officer",
        "Amani Bahati",
        "+243812345678",
        "fr",
    )
    assert user.check_password(PASSWORD)
    assert PASSWORD not in user.password_hash
    assert login(app.test_client(), "amani.bahati@example.org", PASSWORD).status_code == 302


def test_prompts_twice_when_stdin_is_a_terminal(db, runner, monkeypatch):
    monkeypatch.setattr("casework.auth.cli._stdin_is_terminal", lambda: True)
    result = runner.invoke(
        args=["users", "create", "grace@example.org", "--role", "supervisor"],
        input=f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert _user(db, "grace@example.org").check_password(PASSWORD)


def test_unknown_role_is_refused(db, runner):
    result = _create(runner, "x@example.org", "--role", "superuser")
    assert result.exit_code == 2
    assert "superuser" in result.output and "officer" in result.output
    assert _user(db, "x@example.org") is None


def test_duplicate_email_is_refused_whatever_its_case(db, runner, make_user):
    make_user("officer", email="patient@example.org")
    result = _create(runner, "Patient@Example.org", "--role", "viewer")
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_short_password_is_refused(db, runner):
    result = _create(runner, "short@example.org", "--role", "viewer", password="tooshort")
    assert result.exit_code == 1
    assert "at least 12" in result.output
    assert _user(db, "short@example.org") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-email", "--role", "viewer"], "not a valid email address"),
        (["p@example.org", "--role", "viewer", "--phone", "12345"], "not a phone number"),
        (["p@example.org", "--role", "viewer", "--phone", "+243 123"], "not a valid phone"),
    ],
)
def test_bad_email_or_phone_is_refused(db, runner, args, message):
    result = _create(runner, *args)
    assert result.exit_code == 1
    assert message in result.output


def test_committee_membership(db, runner, make_committee):
    make_committee("Comité local de suivi de Masisi")
    result = _create(
        runner, "mapendo@example.org", "--role", "committee",
        "--committee", "comité local de suivi de masisi", "--sector", "government",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    user = _user(db, "mapendo@example.org")
    [membership] = user.memberships
    assert membership.committee.name == "Comité local de suivi de Masisi"
    assert membership.sector == "government"


def test_unknown_committee_is_refused_with_the_existing_ones_listed(db, runner, make_committee):
    make_committee("Comité local de suivi de Masisi")
    result = _create(runner, "c@example.org", "--role", "committee", "--committee", "Masisy")
    assert result.exit_code == 1
    assert "Comité local de suivi de Masisi" in result.output
    assert "--create-committee" in result.output
    assert _user(db, "c@example.org") is None


def test_create_committee_flag_makes_the_committee(db, runner):
    result = _create(
        runner, "c@example.org", "--role", "committee",
        "--committee", "Comité provincial du Sud-Kivu", "--create-committee",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    committee = db.session.scalar(select(Committee))
    assert committee.name == "Comité provincial du Sud-Kivu"
    assert [m.user.email for m in committee.memberships] == ["c@example.org"]


def test_committee_role_without_committee_gets_a_note(db, runner):
    result = _create(runner, "lonely@example.org", "--role", "committee")
    assert result.exit_code == 0
    assert "in none yet" in result.output


# ---------------------------------------------------------------- tokens


def test_token_authenticates_the_api_and_is_stored_hashed(db, runner, client, make_user):
    user = make_user("supervisor")
    result = runner.invoke(args=["tokens", "create", user.email])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert len(token) >= 43 and " " not in token

    stored = db.session.scalar(select(ApiToken))
    assert stored.token_hash == ApiToken.hash(token)
    assert stored.user_id == user.id

    ok = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    assert ok.json["items"] == []
    wrong = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}x"})
    assert wrong.status_code == 401
    assert client.get("/api/v1/cases").status_code == 401


def test_each_token_is_new(runner, make_user):
    user = make_user("viewer")
    first = runner.invoke(args=["tokens", "create", user.email]).stdout.strip()
    second = runner.invoke(args=["tokens", "create", user.email]).stdout.strip()
    assert first != second


def test_token_for_unknown_email_fails(runner):
    result = runner.invoke(args=["tokens", "create", "nobody@example.org"])
    assert result.exit_code == 1
    assert "no user" in result.output


def test_revoke_stops_every_token_of_the_user(db, runner, client, make_user):
    user, other = make_user("officer"), make_user("officer")
    tokens = [runner.invoke(args=["tokens", "create", user.email]).stdout.strip() for _ in "ab"]
    kept = runner.invoke(args=["tokens", "create", other.email]).stdout.strip()

    result = runner.invoke(args=["tokens", "revoke", user.email.upper()])
    assert result.exit_code == 0, result.output
    assert "Revoked 2 token(s)" in result.output
    for token in tokens:
        response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
    response = client.get("/api/v1/cases", headers={"Authorization": f"Bearer {kept}"})
    assert response.status_code == 200
    assert runner.invoke(args=["tokens", "revoke", "nobody@example.org"]).exit_code == 1
