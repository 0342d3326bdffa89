"""``casework committees list|create|update|add-member|remove-member|set-chair``."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casework.committees.models import Committee

NAME = "Comité local de suivi de Masisi"


def committee(db, name: str = NAME) -> Committee | None:
    db.session.expire_all()
    return db.session.scalar(select(Committee).where(Committee.name == name))


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@example.org")


def create(runner, *extra: str):
    return runner.invoke(
        args=[
            "committees",
            "create",
            NAME,
            "--country",
            "CD",
            "--province",
            "Nord-Kivu",
            "--territory",
            "Masisi",
            "--territory",
            "Walikale",
            *extra,
        ],
    )


def test_create_then_list_shows_scope_rules_and_members(db, runner, admin):
    result = create(runner, "--time-zone", "Africa/Lubumbashi", "--language", "sw")
    assert result.exit_code == 0, result.output
    assert f"Created committee {NAME}." in result.output
    created = committee(db)
    assert created.territory_list == ["Masisi", "Walikale"]
    assert (created.time_zone, created.language, created.scope) == (
        "Africa/Lubumbashi",
        "sw",
        "local",
    )
    listing = runner.invoke(args=["committees", "list"])
    assert listing.exit_code == 0
    assert f"{NAME} · local: Masisi, Walikale (CD)" in listing.output
    assert "members: government 0, industry 0, civil_society 0" in listing.output
    assert "quorum >50% and one of each sector, majority >50%" in listing.output


def test_an_invalid_committee_exits_1_with_the_reason_and_creates_nothing(db, runner, admin):
    result = runner.invoke(args=["committees", "create", NAME, "--country", "CD"])
    assert result.exit_code == 1
    assert "A local committee covers territories (districts): give at least one." in result.output
    assert committee(db) is None


def test_without_as_the_command_line_acts_even_before_any_admin_account_exists(db, runner):
    result = create(runner)
    assert result.exit_code == 0, result.output
    assert committee(db) is not None


def test_acting_as_someone_who_is_not_an_admin_is_refused(db, runner, admin, make_user):
    supervisor = make_user("supervisor")
    result = create(runner, "--as", supervisor.email)
    assert result.exit_code == 1
    assert f"{supervisor.email} is not an enabled admin account" in result.output
    assert committee(db) is None
    assert create(runner, "--as", admin.email).exit_code == 0


def test_update_changes_only_the_options_given(db, runner, admin):
    create(runner, "--language", "sw")
    result = runner.invoke(
        args=[
            "committees",
            "update",
            NAME.upper(),
            "--territory",
            "Rutshuru",
            "--quorum-percent",
            "60",
            "--any-sector",
            "--majority-percent",
            "66",
        ],
    )
    assert result.exit_code == 0, result.output
    updated = committee(db)
    assert updated.territory_list == ["Rutshuru"]
    assert (updated.quorum_percent, updated.quorum_each_sector) == (60, False)
    assert updated.majority_percent == 66
    assert (updated.language, updated.province, updated.country) == ("sw", "Nord-Kivu", "CD")


def test_update_refuses_a_share_over_99(db, runner, admin):
    create(runner)
    result = runner.invoke(args=["committees", "update", NAME, "--majority-percent", "100"])
    assert result.exit_code == 1
    assert "A share is a percentage from 0 to 99" in result.output
    assert committee(db).majority_percent == 50


def test_members_are_added_by_sector_chaired_and_removed(db, runner, admin, make_user):
    create(runner)
    aline, jean = make_user("committee"), make_user("supervisor")
    for user, sector in ((aline, "government"), (jean, "industry")):
        result = runner.invoke(
            args=["committees", "add-member", NAME, user.email, "--sector", sector]
        )
        assert result.exit_code == 0, result.output
        assert f"{user.email} sits on {NAME} for {sector}." in result.output
    chaired = runner.invoke(args=["committees", "set-chair", NAME, aline.email])
    assert chaired.exit_code == 0, chaired.output
    found = committee(db)
    assert {m.user_id: m.sector for m in found.memberships} == {
        aline.id: "government",
        jean.id: "industry",
    }
    assert found.chair_id == aline.id
    removed = runner.invoke(args=["committees", "remove-member", NAME, aline.email])
    assert removed.exit_code == 0, removed.output
    found = committee(db)
    assert found.member_ids() == {jean.id} and found.chair_id is None


def test_an_officer_cannot_be_made_a_member(db, runner, admin, make_user):
    create(runner)
    officer = make_user("officer")
    result = runner.invoke(
        args=["committees", "add-member", NAME, officer.email, "--sector", "industry"]
    )
    assert result.exit_code == 1
    assert "Committee members have the committee role (or are supervisors)." in result.output
    assert committee(db).memberships == []


def test_the_chair_must_be_a_member(db, runner, admin, make_user):
    create(runner)
    outsider = make_user("committee")
    result = runner.invoke(args=["committees", "set-chair", NAME, outsider.email])
    assert result.exit_code == 1
    assert "The chair must be a member of the committee." in result.output


def test_an_unknown_committee_is_named_with_the_existing_ones(db, runner, admin, make_user):
    create(runner)
    result = runner.invoke(
        args=[
            "committees",
            "add-member",
            "Comité de Kalehe",
            make_user("committee").email,
            "--sector",
            "industry",
        ],
    )
    assert result.exit_code == 1
    assert f"There is no committee named 'Comité de Kalehe'. Existing committees: {NAME}." in (
        result.output
    )
