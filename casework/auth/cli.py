"""``casework users ...`` and ``casework tokens ...``: accounts and API tokens for operators."""

from __future__ import annotations

import sys
from typing import NoReturn

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext
from sqlalchemy import func, select

from casework.admin import users as accounts
from casework.admin.log import record_admin_change
from casework.admin.users import create_user
from casework.auth.models import User
from casework.committees.models import SECTORS, Committee, CommitteeMembership
from casework.errors import CaseworkError
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
    created: list[Committee] = []
    for committee_name in committees:
        committee = db.session.scalar(
            select(Committee).where(func.lower(Committee.name) == committee_name.strip().lower())
        )
        if committee is None and create_committee:
            committee = Committee(name=committee_name.strip(), scope="local")
            db.session.add(committee)
            created.append(committee)
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

    try:
        user = create_user(
            email=email,
            role=role,
            name=name,
            phone=phone,
            language=language,
            timezone=timezone,
            password=password,
            actor=None,  # the command line, on the admin log
        )
    except CaseworkError as exc:
        fail(str(exc))
    for committee in members_of:
        db.session.add(CommitteeMembership(committee=committee, user=user, sector=sector))
    db.session.flush()
    for committee in members_of:  # on the admin log, as the committees commands put them
        target = ("committee", committee.id, committee.name)
        if committee in created:
            after = {"name": committee.name, "scope": committee.scope}
            record_admin_change(None, "committee.create", target, after=after)
        after = {"member": user.email, "sector": sector}
        record_admin_change(None, "committee.member_add", target, after=after)
    db.session.commit()
    where = " (member of " + ", ".join(c.name for c in members_of) + ")" if members_of else ""
    click.echo(f"Created {user.role} {user.email}{where}.")
    if user.role == "committee" and not members_of:
        click.echo(
            "Note: a committee member sees only the cases of their committees; "
            "this user is in none yet.",
            err=True,
        )


def _as_option(command):
    return click.option(
        "--as",
        "as_email",
        default=None,
        metavar="ADMIN_EMAIL",
        help="Record the change as made by this admin (default: the command line).",
    )(command)


def _acting_admin(email: str | None) -> User | None:
    """The admin named by --as, or None: the admin log says "command line"."""
    if email is None:
        return None
    admin = find_user(email)
    if admin is None or not admin.is_active or admin.role != "admin":
        fail(f"{email} is not an enabled admin account; --as takes an admin's email.")
    return admin


def _account(email: str) -> User:
    user = find_user(email)
    if user is None:
        fail(f"There is no user with the email {email}. See them with 'casework users list'.")
    return user


def _run(change):
    """Run an operation and commit; a refusal rolls back and exits 1 with its sentence."""
    try:
        result = change()
    except CaseworkError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    return result


@users.command("list")
@with_appcontext
def users_list() -> None:
    """Print every account: email, role, state, name."""
    rows = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    if not rows:
        click.echo("No users yet. Create one with 'casework users create EMAIL --role admin'.")
    for user in rows:
        state = "enabled" if user.is_enabled else "disabled"
        click.echo(f"{user.email}  {user.role}  {state}  {user.name}")


@users.command("disable")
@click.argument("email")
@_as_option
@with_appcontext
def users_disable(email: str, as_email: str | None) -> None:
    """Disable EMAIL's account: their sessions end and their API tokens are revoked now."""
    actor = _acting_admin(as_email)
    user = _account(email)
    if not _run(lambda: accounts.disable_user(user, actor=actor)):
        click.echo(f"{user.email} is already disabled.")
        return
    click.echo(f"Disabled {user.email}: their sessions ended and their API tokens are revoked.")


@users.command("enable")
@click.argument("email")
@_as_option
@with_appcontext
def users_enable(email: str, as_email: str | None) -> None:
    """Enable EMAIL's account again (API tokens revoked earlier stay revoked)."""
    actor = _acting_admin(as_email)
    user = _account(email)
    if not _run(lambda: accounts.enable_user(user, actor=actor)):
        click.echo(f"{user.email} is already enabled.")
        return
    click.echo(f"Enabled {user.email}: they can log in again.")


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES, case_sensitive=False))
@_as_option
@with_appcontext
def users_set_role(email: str, role: str, as_email: str | None) -> None:
    """Give EMAIL's account the role ROLE; their sessions end (they log in again)."""
    actor = _acting_admin(as_email)
    user = _account(email)
    if not _run(lambda: accounts.set_role(user, role, actor=actor)):
        click.echo(f"{user.email} already has the role {user.role}.")
        return
    click.echo(f"{user.email} is now {user.role}; their sessions ended.")


@users.command("reset-password")
@click.argument("email")
@click.option(
    "--temporary",
    is_flag=True,
    help="Set a temporary password and print it, instead of a one-time link. The old "
    "password stops working at once; they must choose a new one at their next login.",
)
@_as_option
@with_appcontext
def users_reset_password(email: str, temporary: bool, as_email: str | None) -> None:
    """Print a one-time link for EMAIL to choose a new password (valid 24 hours; their
    current password works until it is used), or with --temporary a temporary password.

    Hand it over yourself, by a safe route: nothing is emailed. The link is a full URL when
    CASEWORK_PUBLIC_URL is set.
    """
    actor = _acting_admin(as_email)
    user = _account(email)
    method: accounts.ResetMethod = "temporary" if temporary else "link"
    started = _run(lambda: accounts.start_password_reset(user, actor=actor, method=method))
    if started.password is not None:
        click.echo(
            f"Temporary password for {user.email} (shown once; they must change it at their "
            "next login; their sessions ended):",
            err=True,
        )
        click.echo(started.password)
        return
    click.echo(f"One-time password link for {user.email} (valid 24 hours):", err=True)
    click.echo(started.link)
    if started.link and started.link.startswith("/"):
        click.echo(
            "Note: CASEWORK_PUBLIC_URL is not set, so this is only the path; put the address "
            "people open Casework at in front of it.",
            err=True,
        )


@click.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option(
    "--scope",
    type=click.Choice(["read", "write"]),
    default="read",
    show_default=True,
    help="read: GET only; write: also the POST endpoints (reading included).",
)
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Days until the token expires (then it gets 401).",
)
@with_appcontext
def tokens_create(email: str, scope: str, days: int) -> None:
    """Print a new API token for EMAIL's user. Only its hash is stored: copy it now.

    Use it as the header 'Authorization: Bearer <token>' on /api/v1/. On the admin log
    (its id, scope and expiry, never the token), as made from the command line.
    """
    from casework.auth.tokens import create_api_token
    from casework.errors import CaseworkError as Refused

    user = find_user(email)
    if user is None:
        fail(f"There is no user with the email {email}. Create one with 'casework users create'.")
    try:
        token = create_api_token(user, actor=None, scope=scope, days=days)
    except Refused as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(
        f"New {scope} API token for {user.email}, valid {days} days (shown once; store it now):",
        err=True,
    )
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
