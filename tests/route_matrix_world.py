"""The world the role x route matrix runs in: four cases (restricted, another committee's,
unpublished, closed), a meeting of committee A with an item, a guest, a file and an action
on each case, a contact, someone else's notice and an outbox row; the value each path
parameter takes in it; and how a response reads (ok, deny, login)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from casework import clock
from casework.auth.models import User
from casework.cases.models import Case
from casework.committees.models import Committee, CommitteeMembership
from casework.extensions import db

OBJECTS = ("restricted", "committee", "unpublished", "closed")
# "committee": a member of another committee (B); "member": a member of committee A, the
# committee case's own (not its chair).
ROLES = ("anonymous", "viewer", "officer", "supervisor", "admin", "committee", "member")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def marker(obj: str, what: str) -> str:
    """A word only the case ``obj``'s ``what`` (title, text) holds: a page showing it shows
    that case's report."""
    return f"Marker{what.title()}{obj.title()}Xq"


@dataclass
class World:
    cases: dict[str, Case]
    committee_a: Committee  # the committee case's; the matrix's committee member is not on it
    committee_b: Committee  # the matrix's committee member sits here
    member_a: User
    target: User  # a user other routes act on (a notice's owner, an account to manage)
    values: dict[str, int | str] = field(default_factory=dict)  # path parameter -> value
    per_case: dict[str, dict[str, int]] = field(default_factory=dict)  # param -> obj -> id


def build_world(make_user, make_site, make_committee, make_case) -> World:
    from casework.cases import operations as case_ops
    from casework.committees import meetings
    from casework.contacts.models import Contact
    from casework.evidence.operations import attach_file
    from casework.notices.models import Notice
    from notifications.outbox import enqueue

    site_a = make_site()
    make_site(code="CD-SK-NYA", name="Nyabibwe", province="Sud-Kivu", territory="Kalehe")
    committee_a = make_committee()
    committee_b = make_committee(
        "Comité local de suivi de Kalehe", province="Sud-Kivu", territories="Kalehe"
    )
    member_a = make_user("committee")
    db.session.add(CommitteeMembership(committee=committee_a, user=member_a, sector="government"))
    committee_a.chair = member_a
    db.session.commit()
    supervisor = make_user("supervisor", email="world-supervisor@example.org")
    target = make_user("officer", email="target@example.org")

    common = {"site": site_a, "level": 2, "location_text": "Rubaya, puits 3"}
    states = {
        "restricted": {"status": "verifying", "category": "SA-SGBV"},
        "committee": {"status": "escalated", "category": "SEC", "committee_id": committee_a.id},
        "unpublished": {"status": "verified", "category": "CHL"},
        "closed": {"status": "monitoring", "category": "BRB"},
    }
    cases = {
        name: make_case(title=marker(name, "title"), description=marker(name, "text"),
                        **common, **state)
        for name, state in states.items()
    }  # fmt: skip
    actions, files = {}, {}
    for name, case in cases.items():
        action = case_ops.add_action(
            case, description="Fence the pit", due_date=date(2027, 1, 15), actor=supervisor
        )
        files[name] = attach_file(
            case, PDF, filename="rapport.pdf", source="field_visit", actor=supervisor
        ).id
        db.session.flush()
        actions[name] = action.id
    closed = cases["closed"]
    closed.status, closed.resolution = "closed", "resolved"
    closed.is_published, closed.public_summary = True, "Child labour at a pit, now resolved."
    db.session.commit()

    meeting = meetings.schedule_meeting(
        committee_a, starts_dt=clock.now() + timedelta(days=2), place="Goma", actor=member_a
    )
    item = next(i for i in meeting.items if i.case_id == cases["committee"].id)
    guest = meetings.add_guest(
        meeting, name="Jean Guest", organisation="ONG", sector="civil_society", actor=member_a
    )
    contact = Contact(name="Chef de colline", sector="civil_society", email="chef@example.org")
    db.session.add(contact)
    notice = Notice(
        user_id=target.id, case_id=cases["unpublished"].id, kind="assigned",
        title="Assigned", dedupe_key="matrix:notice",
    )  # fmt: skip
    db.session.add(notice)
    row = enqueue("email", "target@example.org", "Body", subject="Subject", ref="matrix")
    db.session.flush()
    assert row is not None
    row.status = "dead"
    db.session.commit()

    world = World(cases, committee_a, committee_b, member_a, target)
    world.values = {
        "name": "monitor",  # a transition officers, supervisors and committees may fire
        "committee_id": committee_a.id,
        "meeting_id": meeting.id,
        "item_id": item.id,
        "guest_id": guest.id,
        "contact_id": contact.id,
        "notice_id": notice.id,
        "row_id": row.id,
    }
    world.per_case = {"action_id": actions, "file_id": files}
    return world


def outcome(response, role: str) -> str:
    """How a response reads: ``login`` (sent to log in), ``deny`` (403, or 404 hiding what
    exists: every object the matrix names exists) or ``ok`` (anything else: done, or
    refused for the input's sake, 400/409/422, after the permission check)."""
    code = response.status_code
    if code == 401 or (code in (302, 303) and "/login" in response.location):
        return "login"
    if code in (403, 404):
        return "deny"
    return "ok"
