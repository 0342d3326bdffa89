"""Who an outbox row went to, as the admin pages show it, without revealing a reporter.

Recipients are references resolved at send time (``user:7``, ``contact:3``,
``reporter:42``). Users and contacts are shown by name with their email or their masked
number; a reporter only as "reporter of <case reference>", never by number. A message to
a reporter, or a notice, about a case the viewer may not open (restricted categories, for
admins) is shown without its text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.permissions import can_view
from casework.contacts.models import Contact
from casework.extensions import db
from casework.messages.models import Message
from casework.notices.models import Notice
from casework.reporters.models import mask_phone
from notifications.models import OutboxMessage


@dataclass(frozen=True)
class Shown:
    """A row's recipient in words, the case it concerns, and whether its text may be read."""

    who: str
    address: str | None = None
    case_reference: str | None = None
    body_visible: bool = True


def _ids(rows: Iterable[OutboxMessage], attr: str, prefix: str) -> set[int]:
    found = set()
    for row in rows:
        value = getattr(row, attr) or ""
        if value.startswith(prefix) and value[len(prefix) :].isdigit():
            found.add(int(value[len(prefix) :]))
    return found


def describe(rows: list[OutboxMessage], viewer) -> dict[int, Shown]:
    """``{row id: Shown}`` for a page of rows: a few queries, not one per row."""
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_(_ids(rows, "recipient", "user:")))
        )
    }
    contacts = {
        c.id: c
        for c in db.session.scalars(
            select(Contact).where(Contact.id.in_(_ids(rows, "recipient", "contact:")))
        )
    }
    messages = {
        m.id: m
        for m in db.session.scalars(
            select(Message).where(Message.id.in_(_ids(rows, "ref", "message:")))
        )
    }
    notices = {
        n.id: n
        for n in db.session.scalars(
            select(Notice).where(Notice.id.in_(_ids(rows, "ref", "notice:")))
        )
    }
    case_ids = {m.case_id for m in messages.values() if m.case_id}
    case_ids |= {cid for row in rows if (cid := _recipient_case_id(row)) is not None}
    case_ids |= {n.case_id for n in notices.values() if n.case_id}
    case_ids |= _ids(rows, "ref", "case:")
    cases = {c.id: c for c in db.session.scalars(select(Case).where(Case.id.in_(case_ids)))}
    shown: dict[int, Shown] = {}
    for row in rows:
        prefix, _, ident = row.recipient.partition(":")
        number = int(ident) if ident.isdigit() else None
        if "@" in row.recipient:
            shown[row.id] = Shown(row.recipient)
        elif prefix == "user" and number in users:
            user = users[number]
            address = user.email if row.channel == "email" else _masked(user.phone)
            shown[row.id] = Shown(user.name or user.email, address)
        elif prefix == "contact" and number in contacts:
            contact = contacts[number]
            address = contact.email if row.channel == "email" else contact.phone_masked
            shown[row.id] = Shown(contact.display_name, address)
        elif prefix == "reporter":
            shown[row.id] = _reporter(row, messages, cases, viewer)
        elif prefix in ("user", "contact"):
            shown[row.id] = Shown(str(_l("a deleted recipient")))
        else:
            shown[row.id] = Shown(row.recipient)
        if not _may_read(row, notices, cases, viewer):
            shown[row.id] = replace(shown[row.id], body_visible=False)
    return shown


def _may_read(row: OutboxMessage, notices, cases, viewer) -> bool:
    """A notice (or a contact's message) about a case the viewer may not open stays
    closed; so does a notice about no one case (a digest) for anyone but supervisors, and
    a password reset link for everyone."""
    ref = row.ref or ""
    prefix, _, ident = ref.partition(":")
    if prefix == "password_reset":  # a reset link: whoever reads it could take the account
        return False
    if not ident.isdigit():
        return True
    if prefix == "notice":
        notice = notices.get(int(ident))
        if notice is None:
            return True
        if notice.case_id is None:
            return viewer.role == "supervisor"
        case = cases.get(notice.case_id)
    elif prefix == "case":
        case = cases.get(int(ident))
    else:
        return True
    return case is None or can_view(viewer, case)


def _masked(phone: str | None) -> str | None:
    return mask_phone(phone) if phone else None


def _recipient_case_id(row: OutboxMessage) -> int | None:
    """``reporter:<id>:case:<case id>``: a message about a case names it in its recipient."""
    parts = row.recipient.split(":")
    if len(parts) == 4 and parts[0] == "reporter" and parts[2] == "case" and parts[3].isdigit():
        return int(parts[3])
    return None


def _reporter(row: OutboxMessage, messages, cases, viewer) -> Shown:
    case_id = _recipient_case_id(row)
    ref = row.ref or ""
    if case_id is None and ref.startswith("message:") and ref[8:].isdigit():
        message = messages.get(int(ref[8:]))
        case_id = message.case_id if message is not None else None
    case = cases.get(case_id) if case_id is not None else None
    if case is None:
        return Shown(str(_l("a reporter (no case)")))
    if not can_view(viewer, case):
        return Shown(str(_l("the reporter of a restricted case")), body_visible=False)
    return Shown(
        str(_l("reporter of %(reference)s", reference=case.reference)),
        case_reference=case.reference,
    )
