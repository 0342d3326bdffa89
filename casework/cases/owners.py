"""Who a mitigation action can be given to, as the case page's owner list offers it.

An owner is a user who may see the case (officers and supervisors, and the members of the
case's committee) or an active stakeholder contact. The list's values are ``user:<id>``
and ``contact:<id>``; the form accepts only what it offered, so a posted value always
names somebody in the list.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from casework.auth.forms import ROLE_LABELS
from casework.auth.models import User
from casework.cases.models import Case
from casework.cases.permissions import can_view
from casework.committees.models import CommitteeMembership
from casework.contacts.models import Contact
from casework.contacts.operations import active_contacts
from casework.extensions import db

OWNER_ROLES = ("officer", "supervisor")


def owner_users(case: Case) -> list[User]:
    """Officers and supervisors, and the members of the case's committee, who may see it."""
    query = select(User).where(User.is_enabled.is_(True)).options(selectinload(User.memberships))
    if case.committee_id is not None:
        members = select(CommitteeMembership.user_id).where(
            CommitteeMembership.committee_id == case.committee_id
        )
        query = query.where(User.role.in_(OWNER_ROLES) | User.id.in_(members))
    else:
        query = query.where(User.role.in_(OWNER_ROLES))
    users = db.session.scalars(query.order_by(User.name, User.email))
    return [u for u in users if can_view(u, case)]


def owner_choices(case: Case) -> list[SelectChoice]:
    """The select's options: a blank, then people with a login, then contacts, grouped."""
    staff = _("People with a login")
    contacts = _("Stakeholder contacts")
    options = [SelectChoice("", _("choose..."))]
    for user in owner_users(case):
        role = ROLE_LABELS.get(user.role, user.role)
        options.append(
            SelectChoice(f"user:{user.id}", f"{user.display_name} ({role})", optgroup=staff)
        )
    for contact in active_contacts():
        options.append(
            SelectChoice(f"contact:{contact.id}", contact.display_name, optgroup=contacts)
        )
    return options


def resolve_owner(value: str | None) -> tuple[User | None, Contact | None]:
    """``user:<id>`` or ``contact:<id>`` (a value the list offered) -> the owner."""
    kind, _sep, ident = (value or "").partition(":")
    if not ident.isdigit():
        return None, None
    if kind == "user":
        return db.session.get(User, int(ident)), None
    if kind == "contact":
        return None, db.session.get(Contact, int(ident))
    return None, None
