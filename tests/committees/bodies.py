"""A committee with members by sector, for the tests of votes and of the committees' jobs."""

from __future__ import annotations

from casework.auth.models import User
from casework.committees.models import Committee, CommitteeMembership
from casework.extensions import db


def committee_with(
    make_committee, make_user, *, chair: bool = True, name: str | None = None, **sectors: int
) -> tuple[Committee, list[User]]:
    """A committee whose members sit for ``sectors`` (default: one government, one industry,
    one civil society member), the first of them its chair; returns it and its members."""
    counts = sectors or {"government": 1, "industry": 1, "civil_society": 1}
    committee = make_committee(name) if name else make_committee()
    members = []
    for sector, count in counts.items():
        for _ in range(count):
            user = make_user("committee")
            db.session.add(CommitteeMembership(committee=committee, user=user, sector=sector))
            members.append(user)
    if chair and members:
        committee.chair = members[0]
    db.session.commit()
    db.session.refresh(committee)
    return committee, members
