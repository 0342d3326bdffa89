"""``casework users reset-second-factor EMAIL``: for a user who lost their phone and their
recovery codes, or an administrator locked out with no other administrator to ask."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from casework.auth import twofactor
from casework.auth.cli import _account, _acting_admin, _as_option, _run


@click.command("reset-second-factor")
@click.argument("email")
@_as_option
@with_appcontext
def reset_second_factor_command(email: str, as_email: str | None) -> None:
    """Remove EMAIL's second factor and recovery codes and end their sessions (on the admin
    log). If their role requires one (CASEWORK_2FA_ROLES), they set up a new one at their
    next login."""
    actor = _acting_admin(as_email)
    user = _account(email)
    _run(lambda: twofactor.reset_second_factor(user, actor=actor))
    click.echo(f"Reset the second factor of {user.email}; their sessions ended.")
