"""Every write about committees: their make-up, meetings, agendas, votes and decisions.

Like `casework.cases.operations`: each takes the acting user as ``actor`` (None for a
scheduled job), raises domain errors, flushes and never commits. Whatever reaches a case
(an agenda's outcome, a decision with its votes, a brief and who read it) goes on the
case's hash-chained record through `record_event`.

Who may do what: admins manage committees and memberships (``actor=None`` is the command
line, trusted like an admin); every change to a committee's make-up is on the admin log
(`record_admin_change`). The chair of a committee, or a supervisor, runs its meetings and
opens written votes; members vote for themselves, and at
a meeting the chair may record a present member's vote (a show of hands in a room where
not everybody has a laptop).
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from casework import clock
from casework.admin.log import record_admin_change
from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.operations import record_event
from casework.cases.permissions import is_restricted
from casework.committees.models import (
    SCOPES,
    Committee,
    CommitteeMembership,
    Meeting,
)
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from casework.timezones import is_time_zone, local_when
from workflows.committees import (
    SECTOR_LABELS,
    SECTORS,
    Verdict,
)

LANGUAGES = ("en", "fr", "sw")


class StaleMeeting(InvalidInput):
    """Somebody else changed the meeting since the form was loaded."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "Someone else changed this meeting while you were editing it. "
                "Reload the page to see their changes, then try again."
            )
        )


def verdict_text(verdict: Verdict) -> str:
    """A rule's verdict as a sentence in the reader's language."""
    params = dict(verdict.params)
    if "sectors" in params:
        params["sectors"] = ", ".join(_(SECTOR_LABELS[s]) for s in params["sectors"])  # type: ignore[attr-defined]
    return _(verdict.reason, **params)


# ------------------------------------------------------------------ who may do what


def can_manage(user: User) -> bool:
    """Create committees, change their rules, members and chair."""
    return user.role == "admin"


def can_see_workspace(user: User, committee: Committee) -> bool:
    if user.role in {"supervisor", "admin"}:
        return True
    return user.role == "committee" and committee.id in user.committee_ids


def can_run(user: User, committee: Committee) -> bool:
    """Schedule and run meetings, edit the agenda, open written votes."""
    return user.role == "supervisor" or (
        committee.is_chaired_by(user) and committee.id in user.committee_ids
    )


def _require_manage(actor: User | None) -> None:
    if actor is not None and not can_manage(actor):
        raise PermissionDenied(_l("Only an admin manages committees."))


def require_run(committee: Committee, actor: User) -> None:
    if not can_run(actor, committee):
        raise PermissionDenied(_l("Only the committee's chair or a supervisor can do this."))


def check_version(meeting: Meeting, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != meeting.version:
        raise StaleMeeting()


# ------------------------------------------------------------------ committees


def _clean_committee(values: dict[str, Any]) -> dict[str, Any]:
    name = (values.get("name") or "").strip()
    if not name:
        raise InvalidInput(_l("Give the committee a name."))
    scope = values.get("scope") or "local"
    if scope not in SCOPES:
        raise InvalidInput(_l("A committee is local (a territory) or provincial (a province)."))
    country = (values.get("country") or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput(_l("Give the country as its two-letter code (CD, RW, BI, UG)."))
    province = (values.get("province") or "").strip()
    raw = values.get("territories") or ""
    territories = [t.strip() for t in (raw.split(";") if isinstance(raw, str) else raw)]
    territories = [t for t in territories if t]
    if scope == "provincial" and not province:
        raise InvalidInput(_l("Give the province the committee covers."))
    if scope == "local" and not territories:
        raise InvalidInput(
            _l("A local committee covers territories (districts): give at least one.")
        )
    time_zone = values.get("time_zone") or "Africa/Lubumbashi"
    if not is_time_zone(time_zone):
        raise InvalidInput(_l("%(zone)s is not a time zone.", zone=time_zone))
    language = values.get("language") or "fr"
    if language not in LANGUAGES:
        raise InvalidInput(_l("The committee's language is English, French or Swahili."))
    cleaned = {
        "name": name[:200],
        "scope": scope,
        "country": country,
        "province": province[:100],
        "territories": ";".join(territories if scope == "local" else [])[:500],
        "time_zone": time_zone,
        "language": language,
    }
    for key in ("quorum_percent", "majority_percent"):
        if values.get(key) is not None:
            percent = int(values[key])
            if not 0 <= percent <= 99:
                raise InvalidInput(
                    _l("A share is a percentage from 0 to 99 that must be exceeded.")
                )
            cleaned[key] = percent
    if values.get("quorum_each_sector") is not None:
        cleaned["quorum_each_sector"] = bool(values["quorum_each_sector"])
    return cleaned


def _unique_name(name: str, committee: Committee | None = None) -> None:
    same = select(Committee.id).where(func.lower(Committee.name) == name.lower())
    if committee is not None and committee.id is not None:
        same = same.where(Committee.id != committee.id)
    if db.session.scalar(same) is not None:
        raise InvalidInput(_l("Another committee already has that name."))


# What the admin log keeps of a committee: its scope and rules (never its members' details).
_LOGGED = (
    "name",
    "scope",
    "country",
    "province",
    "territories",
    "time_zone",
    "language",
    "quorum_percent",
    "majority_percent",
    "quorum_each_sector",
)


def _target(committee: Committee) -> tuple[str, int, str]:
    return ("committee", committee.id, committee.name)


def _logged(committee: Committee) -> dict[str, Any]:
    return {key: getattr(committee, key) for key in _LOGGED}


def create_committee(*, actor: User | None, **values: Any) -> Committee:
    _require_manage(actor)
    cleaned = _clean_committee(values)
    _unique_name(cleaned["name"])
    committee = Committee(**cleaned)
    db.session.add(committee)
    db.session.flush()
    record_admin_change(actor, "committee.create", _target(committee), after=_logged(committee))
    return committee


def update_committee(committee: Committee, *, actor: User | None, **values: Any) -> Committee:
    """Change a committee's scope and rules; on the admin log when anything changed."""
    _require_manage(actor)
    cleaned = _clean_committee(values)
    _unique_name(cleaned["name"], committee)
    before = _logged(committee)
    for key, value in cleaned.items():
        setattr(committee, key, value)
    db.session.flush()
    after = _logged(committee)
    changed = [key for key in _LOGGED if before[key] != after[key]]
    if changed:
        record_admin_change(
            actor,
            "committee.update",
            _target(committee),
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return committee


def add_member(
    committee: Committee, user: User, *, sector: str, actor: User | None
) -> CommitteeMembership:
    """Make ``user`` a member for ``sector``, or change the sector they sit for."""
    _require_manage(actor)
    if sector not in SECTORS:
        raise InvalidInput(_l("Choose the sector the member sits for."))
    if user.role not in {"committee", "supervisor"}:
        raise InvalidInput(_l("Committee members have the committee role (or are supervisors)."))
    membership = db.session.scalar(
        select(CommitteeMembership).where(
            CommitteeMembership.committee_id == committee.id,
            CommitteeMembership.user_id == user.id,
        )
    )
    if membership is None:
        membership = CommitteeMembership(committee=committee, user=user, sector=sector)
        db.session.add(membership)
        record_admin_change(
            actor,
            "committee.member_add",
            _target(committee),
            after={"member": user.email, "sector": sector},
        )
    elif membership.sector != sector:
        record_admin_change(
            actor,
            "committee.member_sector",
            _target(committee),
            before={"member": user.email, "sector": membership.sector},
            after={"member": user.email, "sector": sector},
        )
    membership.sector = sector
    db.session.flush()
    return membership


def remove_member(committee: Committee, user: User, *, actor: User | None) -> None:
    _require_manage(actor)
    membership = db.session.scalar(
        select(CommitteeMembership).where(
            CommitteeMembership.committee_id == committee.id,
            CommitteeMembership.user_id == user.id,
        )
    )
    if membership is None:
        return
    before: dict[str, Any] = {"member": user.email, "sector": membership.sector}
    if committee.chair_id == user.id:
        committee.chair_id = None
        before["chair"] = user.email
    committee.memberships.remove(membership)
    db.session.flush()
    record_admin_change(actor, "committee.member_remove", _target(committee), before=before)


def set_chair(committee: Committee, user: User | None, *, actor: User | None) -> Committee:
    _require_manage(actor)
    if user is not None and user.id not in committee.member_ids():
        raise InvalidInput(_l("The chair must be a member of the committee."))
    old = committee.chair
    committee.chair = user
    db.session.flush()
    if (old.id if old else None) != (user.id if user else None):
        record_admin_change(
            actor,
            "committee.chair",
            _target(committee),
            before={"chair": old.email if old else None},
            after={"chair": user.email if user else None},
        )
    return committee


# ------------------------------------------------------------------ briefs (restricted cases)


def can_read_brief(user: User, case: Case) -> bool:
    """A restricted case's committee members read its brief, never the case itself."""
    if user.role == "supervisor":
        return True
    return (
        user.role == "committee"
        and case.committee_id is not None
        and case.committee_id in user.committee_ids
    )


def write_brief(case: Case, text: str, *, actor: User) -> Case:
    if actor.role != "supervisor":
        raise PermissionDenied(_l("Only a supervisor writes the committee brief."))
    if not is_restricted(case):
        raise InvalidInput(_l("Only restricted cases have a committee brief."))
    if not text.strip():
        raise InvalidInput(_l("Write what happened, where, and what is asked of the committee."))
    case.committee_brief = text.strip()
    case.updated_dt = clock.now()
    record_event(case, "committee_brief", actor=actor, data={"brief": case.committee_brief})
    return case


def read_brief(case: Case, *, actor: User) -> Case:
    """Open a restricted case's brief: allowed to its committee's members, and recorded."""
    if not can_read_brief(actor, case) or not is_restricted(case):
        raise PermissionDenied(_l("You may not read this case."))
    record_event(case, "brief_viewed", actor=actor, data={})
    return case


# ------------------------------------------------------------------ telling members


def tell_members(meeting: Meeting, kind: str, *, key: str, actor: User | None) -> list[Any]:
    """Tell the committee's members about ``meeting``; the notices that were new."""
    from casework.notices.operations import notify_users, public_url

    committee = meeting.committee
    members = [m.user for m in committee.memberships]
    moment = meeting.closes_dt if meeting.is_written else meeting.starts_dt
    path = f"/committees/{committee.id}/meetings/{meeting.id}"
    return notify_users(members, kind, key=key, actor=actor, meeting=meeting,
                        committee=committee, when=local_when(moment, committee.time_zone),
                        url=public_url(path))  # fmt: skip
