"""``casework committees ...``: committees and their members for operators (the UI is
/committees).

Whoever runs a command on the server is trusted like an admin: the change is recorded on
the admin log as made from the command line, or as the admin named with ``--as EMAIL``
(who must be an enabled admin account).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select

from casework.auth.cli import fail, find_user
from casework.auth.models import User
from casework.committees import operations
from casework.committees.models import SCOPES, Committee
from casework.errors import CaseworkError
from casework.extensions import db
from workflows.committees import SECTORS


def _as_option(command: Callable) -> Callable:
    return click.option(
        "--as",
        "as_email",
        default=None,
        metavar="EMAIL",
        help="The admin account to record the change under (default: the command line).",
    )(command)


def _actor(email: str | None) -> User | None:
    """The admin named by --as, or None: the command line, as the admin log records it."""
    if not email:
        return None
    user = find_user(email)
    if user is None or not user.is_active or user.role != "admin":
        fail(f"{email} is not an enabled admin account; --as takes an admin's email.")
    return user


def _committee(name: str) -> Committee:
    committee = db.session.scalar(
        select(Committee).where(func.lower(Committee.name) == name.strip().lower())
    )
    if committee is None:
        names = db.session.scalars(select(Committee.name).order_by(Committee.name)).all()
        fail(
            f"There is no committee named {name!r}. "
            + ("Existing committees: " + "; ".join(names) + "." if names else "There are none yet.")
        )
    return committee


def _member(email: str) -> User:
    user = find_user(email)
    if user is None:
        fail(f"There is no user with the email {email}. Create one with 'casework users create'.")
    return user


def _run(action: Callable[[], Any], done: str) -> None:
    """Run an operation, commit, say ``done``; a refusal rolls back and exits 1."""
    try:
        action()
    except CaseworkError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(done)


def _scope_options(command: Callable) -> Callable:
    options = [
        click.option(
            "--scope",
            type=click.Choice(SCOPES),
            default=None,
            help="local (territories) or provincial (a province).",
        ),
        click.option(
            "--country", default=None, metavar="CC", help="Two-letter country code: CD, RW, BI, UG."
        ),
        click.option("--province", default=None),
        click.option(
            "--territory",
            "territories",
            multiple=True,
            metavar="NAME",
            help="A territory (district) a local committee covers; repeat for several.",
        ),
        click.option(
            "--time-zone",
            default=None,
            metavar="ZONE",
            help="IANA name, e.g. Africa/Lubumbashi: meeting times are shown in it.",
        ),
        click.option(
            "--language",
            type=click.Choice(operations.LANGUAGES),
            default=None,
            help="The language of its minutes.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def committees() -> None:
    """Committees: their scope, rules and members."""


@committees.command("list")
@with_appcontext
def committees_list() -> None:
    """Print every committee: what it covers, its rules, chair and members by sector."""
    rows = db.session.scalars(select(Committee).order_by(Committee.name)).all()
    if not rows:
        click.echo("No committees yet. Create one with 'casework committees create'.")
        return
    for c in rows:
        covers = c.province if c.scope == "provincial" else ", ".join(c.territory_list)
        counts = Counter(m.sector for m in c.memberships)
        members = ", ".join(f"{s} {counts.get(s, 0)}" for s in SECTORS)
        each = " and one of each sector" if c.quorum_each_sector else ""
        chair = c.chair.email if c.chair else "no chair"
        click.echo(
            f"{c.id:>4}  {c.name} · {c.scope}: {covers or '-'} ({c.country or '-'}) · "
            f"{c.time_zone} · {c.language} · chair: {chair} · members: {members} · "
            f"quorum >{c.quorum_percent}%{each}, majority >{c.majority_percent}%"
        )


@committees.command("create")
@click.argument("name")
@_scope_options
@_as_option
@with_appcontext
def committees_create(
    name: str,
    scope: str | None,
    country: str | None,
    province: str | None,
    territories: tuple[str, ...],
    time_zone: str | None,
    language: str | None,
    as_email: str | None,
) -> None:
    """Create a committee NAME covering --territory (local) or --province (provincial)."""
    actor = _actor(as_email)
    values = {
        "name": name,
        "scope": scope or "local",
        "country": country or "",
        "province": province or "",
        "territories": list(territories),
        "time_zone": time_zone,
        "language": language,
    }
    _run(
        lambda: operations.create_committee(actor=actor, **values),
        f"Created committee {name.strip()}.",
    )


@committees.command("update")
@click.argument("name")
@click.option("--name", "new_name", default=None, help="Rename the committee.")
@_scope_options
@click.option(
    "--quorum-percent",
    type=int,
    default=None,
    help="More than this share of the members must take part (default 50).",
)
@click.option(
    "--majority-percent",
    type=int,
    default=None,
    help="More than this share of the votes cast adopts a proposal (default 50).",
)
@click.option(
    "--each-sector/--any-sector",
    default=None,
    help="Whether the quorum needs a member of each sector.",
)
@_as_option
@with_appcontext
def committees_update(
    name: str,
    new_name: str | None,
    scope: str | None,
    country: str | None,
    province: str | None,
    territories: tuple[str, ...],
    time_zone: str | None,
    language: str | None,
    quorum_percent: int | None,
    majority_percent: int | None,
    each_sector: bool | None,
    as_email: str | None,
) -> None:
    """Change committee NAME: only the options given change (--territory replaces the list)."""
    actor = _actor(as_email)
    committee = _committee(name)
    given = {
        "name": new_name,
        "scope": scope,
        "country": country,
        "province": province,
        "territories": list(territories) or None,
        "time_zone": time_zone,
        "language": language,
        "quorum_percent": quorum_percent,
        "majority_percent": majority_percent,
        "quorum_each_sector": each_sector,
    }
    values: dict[str, Any] = {
        "name": committee.name,
        "scope": committee.scope,
        "country": committee.country or "",
        "province": committee.province or "",
        "territories": committee.territory_list,
        "time_zone": committee.time_zone,
        "language": committee.language,
        "quorum_percent": committee.quorum_percent,
        "majority_percent": committee.majority_percent,
        "quorum_each_sector": committee.quorum_each_sector,
    } | {key: value for key, value in given.items() if value is not None}
    _run(
        lambda: operations.update_committee(committee, actor=actor, **values),
        f"Updated committee {values['name'].strip()}.",
    )


@committees.command("add-member")
@click.argument("name")
@click.argument("email")
@click.option(
    "--sector",
    type=click.Choice(SECTORS),
    required=True,
    help="The stakeholder group the member sits for.",
)
@_as_option
@with_appcontext
def committees_add_member(name: str, email: str, sector: str, as_email: str | None) -> None:
    """Make EMAIL's user a member of committee NAME (or change the sector they sit for)."""
    actor = _actor(as_email)
    committee, user = _committee(name), _member(email)
    _run(
        lambda: operations.add_member(committee, user, sector=sector, actor=actor),
        f"{user.email} sits on {committee.name} for {sector}.",
    )


@committees.command("remove-member")
@click.argument("name")
@click.argument("email")
@_as_option
@with_appcontext
def committees_remove_member(name: str, email: str, as_email: str | None) -> None:
    """Remove EMAIL's user from committee NAME (and from its chair)."""
    actor = _actor(as_email)
    committee, user = _committee(name), _member(email)
    if user.id not in committee.member_ids():
        fail(f"{user.email} is not a member of {committee.name}.")
    _run(
        lambda: operations.remove_member(committee, user, actor=actor),
        f"{user.email} is no longer a member of {committee.name}.",
    )


@committees.command("set-chair")
@click.argument("name")
@click.argument("email")
@_as_option
@with_appcontext
def committees_set_chair(name: str, email: str, as_email: str | None) -> None:
    """Make EMAIL's user, a member, the chair of committee NAME."""
    actor = _actor(as_email)
    committee, user = _committee(name), _member(email)
    _run(
        lambda: operations.set_chair(committee, user, actor=actor),
        f"{user.email} chairs {committee.name}.",
    )
