"""`casework tokens create|revoke` are on the admin log: the token's id, never the token."""

from __future__ import annotations

import json

from sqlalchemy import select

from casework.admin.models import AdminLogEntry
from casework.auth.models import ApiToken


def log(db) -> list[AdminLogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AdminLogEntry).order_by(AdminLogEntry.seq)))


def test_creating_and_revoking_tokens_is_logged_without_the_token(db, runner, make_user):
    user = make_user("officer", email="officer@example.org")
    first = runner.invoke(args=["tokens", "create", user.email])
    second = runner.invoke(args=["tokens", "create", user.email])
    assert first.exit_code == 0 and second.exit_code == 0
    tokens = [first.stdout.strip(), second.stdout.strip()]
    revoked = runner.invoke(args=["tokens", "revoke", user.email])
    assert "Revoked 2 token(s) of officer@example.org." in revoked.output
    assert runner.invoke(args=["tokens", "revoke", user.email]).exit_code == 0  # none left

    ids = list(db.session.scalars(select(ApiToken.id).order_by(ApiToken.id)))
    created_1, created_2, revoke = log(db)
    assert [e.action for e in (created_1, created_2, revoke)] == [
        "token.create",
        "token.create",
        "token.revoke",
    ]
    assert (created_1.target_type, created_1.target_id) == ("user", str(user.id))
    assert created_1.actor_label == "command line"
    assert [created_1.after["token_id"], created_2.after["token_id"]] == ids
    assert created_1.after["scopes"] == "read" and created_1.after["expires_dt"]
    assert (revoke.before, revoke.after) == ({"live_tokens": ids}, {"live_tokens": []})
    stored = json.dumps([[e.before, e.after, e.target_label] for e in log(db)])
    for token in tokens:
        assert token not in stored and ApiToken.hash(token) not in stored


def test_a_disabled_account_gets_no_token_and_nothing_is_logged(db, runner, make_user):
    user = make_user("officer", is_enabled=False)
    result = runner.invoke(args=["tokens", "create", user.email])
    assert result.exit_code == 1
    assert "is disabled; a token for it would not work" in result.output
    assert log(db) == []
    assert db.session.scalar(select(ApiToken)) is None


def test_users_create_with_committees_logs_the_account_the_new_committee_and_memberships(
    db, runner, make_committee
):
    make_committee("Masisi")
    result = runner.invoke(
        args=[
            "users", "create", "mapendo@example.org", "--role", "committee",
            "--committee", "Masisi", "--committee", "Kalehe", "--create-committee",
            "--sector", "industry",
        ],
        input="four unrelated words here\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    entries = log(db)
    assert [(e.action, e.target_label) for e in entries] == [
        ("user.create", "mapendo@example.org"),
        ("committee.member_add", "Masisi"),
        ("committee.create", "Kalehe"),
        ("committee.member_add", "Kalehe"),
    ]
    assert {e.actor_label for e in entries} == {"command line"}
    assert entries[1].after == {"member": "mapendo@example.org", "sector": "industry"}
    assert "four unrelated words" not in json.dumps([[e.before, e.after] for e in entries])
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
