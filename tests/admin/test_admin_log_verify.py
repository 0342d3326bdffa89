"""The admin log is hash-chained: `casework audit verify` checks it with the case records
and names the first entry someone edited or removed behind the application's back."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from casework.admin.log import COMMAND_LINE, record_admin_change
from casework.admin.models import AdminLogEntry

NAME = "Comité local de suivi de Masisi"


def log_entries(db) -> list[AdminLogEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AdminLogEntry).order_by(AdminLogEntry.seq)))


@pytest.fixture
def three_entries(db, runner, make_user):
    """Three admin changes made the way an operator makes them: on the command line."""
    member = make_user("committee", email="aline@example.org")
    args = ["committees", "create", NAME, "--country", "CD", "--territory", "Masisi"]
    assert runner.invoke(args=args).exit_code == 0
    args = ["committees", "add-member", NAME, member.email, "--sector", "government"]
    assert runner.invoke(args=args).exit_code == 0
    args = ["committees", "update", NAME, "--quorum-percent", "60"]
    assert runner.invoke(args=args).exit_code == 0
    entries = log_entries(db)
    assert [e.action for e in entries] == [
        "committee.create",
        "committee.member_add",
        "committee.update",
    ]
    return entries


def verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_an_untouched_admin_log_passes_and_is_counted(db, runner, three_entries):
    result = verify(runner)
    assert result.exit_code == 0, result.output
    assert "3 admin log entries intact" in result.output


def test_an_entry_edited_in_the_database_fails_naming_it(db, runner, three_entries):
    db.session.execute(text("UPDATE admin_log SET actor_label = 'someone else' WHERE seq = 2"))
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "TAMPERED: admin log entry #2: its content does not match its hash" in result.output


def test_a_changed_before_or_after_fails_too(db, runner, three_entries):
    db.session.execute(
        text("UPDATE admin_log SET after = :after WHERE seq = 3"),
        {"after": '{"quorum_percent": 51}'},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "admin log entry #3" in result.output


def test_the_last_entry_deleted_fails_naming_it(db, runner, three_entries):
    db.session.execute(text("DELETE FROM admin_log WHERE seq = 3"))
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "TAMPERED: admin log entry #3: the log records 3 entries" in result.output


def test_an_entry_deleted_from_the_middle_fails_naming_the_gap(db, runner, three_entries):
    db.session.execute(text("DELETE FROM admin_log WHERE seq = 2"))
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "TAMPERED: admin log entry #3: sequence jumps from 1 to 3" in result.output


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_next_link(db, runner, three_entries):
    forged = three_entries[1]
    forged.after = {"member": "someone@example.org", "sector": "industry"}
    new_hash = forged.compute_hash()
    db.session.expire_all()
    db.session.execute(
        text("UPDATE admin_log SET after = :after, hash = :hash WHERE seq = 2"),
        {"after": '{"member": "someone@example.org", "sector": "industry"}', "hash": new_hash},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "admin log entry #3: prev_hash does not match the previous" in result.output


def test_the_application_itself_cannot_change_or_delete_an_entry(db, three_entries):
    entry = log_entries(db)[0]
    entry.actor_label = "someone else"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(log_entries(db)[0])
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()


def test_an_entry_names_the_command_line_or_the_admin_who_acted(db, make_user):
    admin = make_user("admin", email="root@example.org")
    record_admin_change(None, "site.update", ("site", 1, "Rubaya"), after={"name": "Rubaya"})
    record_admin_change(admin, "site.update", ("site", 1, "Rubaya"), after={"name": "Luwowo"})
    db.session.commit()
    first, second = log_entries(db)
    assert (first.actor_id, first.actor_label) == (None, COMMAND_LINE)
    assert (second.actor_id, second.actor_label) == (admin.id, "root@example.org")
    assert second.prev_hash == first.hash
