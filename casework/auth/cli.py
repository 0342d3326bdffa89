"""``casework users ...`` and ``casework tokens ...``: accounts and API tokens for operators."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext
from sqlalchemy import func, select

from casework.auth.models import User
from casework.committees.models import SECTORS, Committee, CommitteeMembership
from casework.extensions import db
from casework.phones import normalise_phone
from casework.timezones import is_time_zone
from workflows import ROLES
from workflows.notices import TIME_ZONES

MIN_PASSWORD_LENGTH = 12


def fail(message: str) -> NoReturn:
    """Say what went wrong on standard error and exit 1."""
    click.echo(f"Error: {message}", err=True)
    raise SystemExit(1)


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    """One line from standard input when it is piped, else a hidden prompt typed twice."""
    if not _stdin_is_terminal():
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(ROLES, case_sensitive=False),
    help="What the user does: " + ", ".join(ROLES) + ".",
)
@click.option("--name", default="", help="Full name, as colleagues know it.")
@click.option(
    "--committee",
    "committees",
    multiple=True,
    metavar="NAME",
    help="Make the user a member of this committee (repeat for several). The committee must "
    "exist unless --create-committee is given.",
)
@click.option(
    "--create-committee",
    is_flag=True,
    help="Create a --committee that does not exist yet (as a local committee).",
)
@click.option(
    "--sector",
    type=click.Choice(SECTORS),
    default="civil_society",
    show_default=True,
    help="The stakeholder group the user sits for on the committee.",
)
@click.option("--phone", default=None, help="Phone number in international form (+E.164).")
@click.option("--language", type=click.Choice(["en", "fr", "sw"]), default="en", show_default=True)
@click.option(
    "--timezone",
    default="UTC",
    show_default=True,
    metavar="ZONE",
    help="The user's time zone (IANA name, e.g. Africa/Kinshasa): their reminders and "
    "digest come at their local hours.",
)
@with_appcontext
def users_create(
    email: str,
    role: str,
    name: str,
    committees: tuple[str, ...],
    create_committee: bool,
    sector: str,
    phone: str | None,
    language: str,
    timezone: str,
) -> None:
    """Create a user account.

    The password is read from standard input when it is not a terminal (one line, e.g.
    'casework users create ... < password.txt'), otherwise it is asked for twice, hidden.
    It must be at least 12 characters long.

    A --committee name must match an existing committee, unless --create-committee is
    given: a typo should not silently create a second committee.
    """
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        fail(f"{email!r} is not a valid email address: {exc}")
    if find_user(email) is not None:
        fail(f"A user with the email {email} already exists.")
    if phone is not None:
        try:
            phone = normalise_phone(phone)
        except ValueError as exc:
            fail(str(exc))
    timezone = timezone.strip()
    if not is_time_zone(timezone):
        fail(
            f"{timezone!r} is not a time zone this machine knows; give an IANA name such as "
            + ", ".join(TIME_ZONES[:3])
            + "."
        )

    members_of: list[Committee] = []
    for committee_name in committees:
        committee = db.session.scalar(
            select(Committee).where(func.lower(Committee.name) == committee_name.strip().lower())
        )
        if committee is None and create_committee:
            committee = Committee(name=committee_name.strip(), scope="local")
            db.session.add(committee)
        elif committee is None:
            existing = db.session.scalars(select(Committee.name).order_by(Committee.name)).all()
            fail(
                f"There is no committee named {committee_name!r}. "
                + (
                    "Existing committees: " + "; ".join(existing) + ". "
                    if existing
                    else "There are no committees yet. "
                )
                + "Add --create-committee to create it."
            )
        members_of.append(committee)

    password = _read_password()
    if len(password) < MIN_PASSWORD_LENGTH:
        fail(
            f"The password is {len(password)} characters long; it must have at least "
            f"{MIN_PASSWORD_LENGTH}. A few unrelated words make a good one."
        )

    user = User(
        email=email,
        name=name.strip(),
        role=role.lower(),
        phone=phone,
        language=language,
        timezone=timezone,
    )
    user.set_password(password)
    db.session.add(user)
    for committee in members_of:
        db.session.add(CommitteeMembership(committee=committee, user=user, sector=sector))
    db.session.commit()
    where = " (member of " + ", ".join(c.name for c in members_of) + ")" if members_of else ""
    click.echo(f"Created {user.role} {user.email}{where}.")
    if user.role == "committee" and not members_of:
        click.echo(
            "Note: a committee member sees only the cases of their committees; "
            "this user is in none yet.",
            err=True,
        )


@click.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@with_appcontext
def tokens_create(email: str) -> None:
    """Print a new API token for EMAIL's user. Only its hash is stored: copy it now.

    Use it as the header 'Authorization: Bearer <token>' on /api/v1/. On the admin log
    (its id, never the token), as made from the command line.
    """
    from casework.auth.tokens import create_api_token
    from casework.errors import CaseworkError as Refused

    user = find_user(email)
    if user is None:
        fail(f"There is no user with the email {email}. Create one with 'casework users create'.")
    try:
        token = create_api_token(user, actor=None)
    except Refused as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(f"New API token for {user.email} (shown once; store it now):", err=True)
    click.echo(token)


@tokens.command("revoke")
@click.argument("email")
@with_appcontext
def tokens_revoke(email: str) -> None:
    """Revoke every API token of EMAIL's user (on the admin log, from the command line)."""
    from casework.auth.tokens import revoke_api_tokens

    user = find_user(email)
    if user is None:
        fail(f"There is no user with the email {email}.")
    count = revoke_api_tokens(user, actor=None)
    db.session.commit()
    click.echo(f"Revoked {count} token(s) of {user.email}.")
