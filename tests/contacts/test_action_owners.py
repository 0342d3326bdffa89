"""A mitigation action's owner is picked from a list (users who may see the case, active
contacts); the owner is told at once; an owner stored as a name alone can be linked."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from sqlalchemy import select

from casework.cases import operations as ops
from casework.cases.models import CaseEvent, MitigationAction
from casework.contacts.models import Contact
from casework.notices.models import Notice
from notifications.models import OutboxMessage
from tests.cases.test_views import form_fields, submit


def make_contact(db, name="Jean Bosco", organisation="Coopérative COMIKA", **fields):
    phone = fields.pop("phone", None)
    contact = Contact(name=name, organisation=organisation, sector="industry", **fields)
    contact.set_phone(phone)
    db.session.add(contact)
    db.session.commit()
    return contact


def outbox_to(db, recipient: str) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient))
    )


def owner_options(html: str, action: str) -> dict[str, list[str]]:
    """``{optgroup label: [values]}`` of the owner select in the form posting to ``action``."""
    start = html.index(f'action="{action}"')
    select_html = html[start : html.index("</select>", start)]
    groups: dict[str, list[str]] = {}
    for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select_html, re.S):
        groups[label] = re.findall(r'value="([^"]*)"', body)
    return groups


def test_an_action_given_to_a_contact_queues_an_email_to_them(db, login_as, make_case, frozen_now):
    client, _ = login_as("officer")
    contact = make_contact(db, email="jb@comika.example", language="fr")
    case = make_case(status="verified", category="TRC", level=3, location_text="x")
    url = f"/cases/{case.reference}"
    response = submit(
        client, url, f"{url}/actions", description="Former le teneur de registres",
        owner=f"contact:{contact.id}", due_date="2026-12-15",
    )  # fmt: skip
    assert response.status_code == 302
    [action] = db.session.scalars(
        select(MitigationAction).where(MitigationAction.case_id == case.id)
    )
    assert (
        action.owner_contact_id == contact.id and action.owner == "Jean Bosco (Coopérative COMIKA)"
    )
    assert action.next_reminder_on == date(2026, 12, 12)  # three days before, in their zone
    [email] = outbox_to(db, f"contact:{contact.id}")
    assert email.channel == "email" and case.reference in email.subject
    assert case.description not in email.body


def test_an_action_given_to_a_user_tells_them_in_their_list(db, login_as, make_user, make_case):
    client, _ = login_as("supervisor")
    officer = make_user("officer", name="Neema Kahindo")
    case = make_case(status="verified", category="TRC", level=3, location_text="x")
    url = f"/cases/{case.reference}"
    response = submit(
        client, url, f"{url}/actions", description="Visit the site",
        owner=f"user:{officer.id}", due_date="2026-12-15",
    )  # fmt: skip
    assert response.status_code == 302
    notice = db.session.scalar(select(Notice).where(Notice.user_id == officer.id))
    assert notice is not None and notice.kind == "action_assigned"


def test_the_owner_list_offers_who_may_see_the_case_and_active_contacts(
    db, login_as, make_user, make_case, make_committee
):
    client, me = login_as("supervisor")
    committee, other_committee = make_committee("Masisi"), make_committee("Walikale")
    officer = make_user("officer")
    member = make_user("committee", committee=committee)
    outsider = make_user("committee", committee=other_committee)
    viewer = make_user("viewer")
    disabled = make_user("officer", is_enabled=False)
    active = make_contact(db, email="a@example.org")
    inactive = make_contact(db, name="Gone", email="g@example.org", is_active=False)
    case = make_case(status="escalated", category="TRC", level=3, location_text="x")
    case.committee_id = committee.id
    db.session.commit()
    url = f"/cases/{case.reference}"
    html = client.get(url).get_data(as_text=True)
    groups = owner_options(html, f"{url}/actions")
    assert set(groups) == {"People with a login", "Stakeholder contacts"}
    people = set(groups["People with a login"])
    assert {f"user:{u.id}" for u in (me, officer, member)} <= people
    assert not {f"user:{u.id}" for u in (outsider, viewer, disabled)} & people
    assert groups["Stakeholder contacts"] == [f"contact:{active.id}"]
    # A value the list did not offer is refused, and nothing is added.
    response = submit(
        client, url, f"{url}/actions", description="x", owner=f"contact:{inactive.id}",
        due_date="2026-12-15",
    )  # fmt: skip
    assert response.status_code == 422
    assert db.session.scalar(select(MitigationAction)) is None


def test_a_free_text_owner_is_linked_to_a_contact(db, login_as, make_user, make_case, frozen_now):
    client, officer = login_as("officer")
    contact = make_contact(db, phone="+243971112233")  # no email: told by SMS
    case = make_case(status="verified", category="TRC", level=3, location_text="x")
    action = ops.add_action(
        case, description="Train the record keeper", owner="COMIKA (Jean Bosco)",
        due_date=date(2026, 11, 3), actor=make_user("supervisor"),
    )  # fmt: skip
    db.session.commit()
    assert action.next_reminder_on is not None and not outbox_to(db, f"contact:{contact.id}")
    url = f"/cases/{case.reference}"
    link = f"{url}/actions/{action.id}/owner"
    html = client.get(url).get_data(as_text=True)
    assert "Link “COMIKA (Jean Bosco)” to a user or a contact" in html
    response = submit(client, url, link, owner=f"contact:{contact.id}")
    assert response.status_code == 302
    db.session.expire_all()
    action = db.session.get(MitigationAction, action.id)
    assert action.owner_contact_id == contact.id and action.owner == contact.display_name
    assert action.next_reminder_on == date(2026, 11, 3)  # due tomorrow: the day itself
    [event] = db.session.scalars(
        select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "action_owner_linked"
        )
    )
    assert event.actor_id == officer.id
    assert (
        event.data["from"] == "COMIKA (Jean Bosco)" and event.data["owner_contact_id"] == contact.id
    )
    page = client.get(url).get_data(as_text=True)
    assert (
        f"{officer.display_name} gave the mitigation action owned by “COMIKA (Jean Bosco)” to "
        "Jean Bosco (Coopérative COMIKA)." in page
    )
    assert f'action="{link}"' not in page  # linked once: no more form
    [sms] = outbox_to(db, f"contact:{contact.id}")
    assert sms.channel == "sms" and "971112233" not in sms.body
    # Linking again is refused with a sentence.
    token = form_fields(html, link)
    response = client.post(link, data={**token, "owner": f"contact:{contact.id}"})
    assert response.status_code == 422
    assert "This action's owner is already linked." in unescape(response.get_data(as_text=True))


def test_only_officers_and_supervisors_working_the_case_link_owners(
    db, login_as, make_user, make_case, make_committee
):
    committee = make_committee()
    client, _ = login_as("committee", committee=committee)
    contact = make_contact(db, email="a@example.org")
    case = make_case(status="escalated", category="TRC", level=3, location_text="x")
    case.committee_id = committee.id
    db.session.commit()
    action = ops.add_action(
        case, description="x", owner="Somebody", due_date=None, actor=make_user("supervisor")
    )
    db.session.commit()
    url = f"/cases/{case.reference}"
    html = client.get(url).get_data(as_text=True)
    link = f"{url}/actions/{action.id}/owner"
    assert f'action="{link}"' not in html
    from tests.conftest import csrf_token

    response = client.post(
        link,
        data={"csrf_token": csrf_token(client, url), "version": case.version,
              "owner": f"contact:{contact.id}"},
    )  # fmt: skip
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(MitigationAction, action.id).owner_contact_id is None
