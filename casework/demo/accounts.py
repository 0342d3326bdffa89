"""The demo's account administration: an officer who joined with the others and left the
programme today, disabled by the admin. /admin/users shows the disabled account and
/admin/log both changes, made through the same operations as the admin pages."""

from __future__ import annotations

from typing import Any

from casework.admin.users import create_user, disable_user

DEPARTED = "olivier.ndayishimiye@example.org"


def add_departing_officer(seeder: Any) -> None:
    """Created by the demo admin with the other accounts (no password: they never logged in)."""
    admin = seeder.users["admin@example.org"]
    user = create_user(
        email=DEPARTED,
        name="Olivier Ndayishimiye",
        role="officer",
        language="fr",
        timezone="Africa/Lubumbashi",
        actor=admin,
    )
    seeder.users[DEPARTED] = user
    seeder.result.users += 1


def disable_departed_officer(seeder: Any) -> None:
    """Disabled today: their sessions end and their API tokens are revoked (none, here)."""
    disable_user(seeder.users[DEPARTED], actor=seeder.users["admin@example.org"])
