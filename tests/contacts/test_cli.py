"""``casework contacts list|add`` and ``casework users create --timezone``."""

from __future__ import annotations

from sqlalchemy import select

from casework.auth.models import User
from casework.contacts.models import Contact

PASSWORD = "four unrelated words here"


def test_users_create_takes_a_time_zone(db, runner):
    result = runner.invoke(
        args=["users", "create", "neema@example.org", "--role", "officer",
              "--timezone", "Africa/Lubumbashi"],
        input=PASSWORD + "\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.email == "neema@example.org"))
    assert user.timezone == "Africa/Lubumbashi"


def test_users_create_defaults_to_utc(db, runner):
    result = runner.invoke(
        args=["users", "create", "paul@example.org", "--role", "supervisor"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(User.timezone).where(User.email == "paul@example.org")) == "UTC"


def test_users_create_refuses_an_unknown_time_zone(db, runner):
    result = runner.invoke(
        args=["users", "create", "x@example.org", "--role", "officer", "--timezone", "Africa/Goma"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 1
    assert "'Africa/Goma' is not a time zone" in result.output
    assert db.session.scalar(select(User).where(User.email == "x@example.org")) is None


def test_contacts_add_then_list_shows_the_phone_masked(db, runner):
    result = runner.invoke(
        args=["contacts", "add", "Aline Uwase", "--sector", "government",
              "--organisation", "Division des mines", "--phone", "+250 788 123 456",
              "--language", "en", "--timezone", "Africa/Kigali"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    contact = db.session.scalar(select(Contact).where(Contact.name == "Aline Uwase"))
    assert contact.phone == "+250788123456" and contact.timezone == "Africa/Kigali"
    listing = runner.invoke(args=["contacts", "list"])
    assert listing.exit_code == 0
    assert "Aline Uwase (Division des mines)" in listing.output
    assert contact.phone_masked in listing.output and "788123456" not in listing.output


def test_contacts_add_needs_a_way_to_reach_them(db, runner):
    result = runner.invoke(args=["contacts", "add", "Nobody", "--sector", "industry"])
    assert result.exit_code == 1
    assert "Give an email address or a phone number" in result.output
    assert db.session.scalar(select(Contact)) is None
