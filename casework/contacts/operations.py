"""Writing stakeholder contacts. Like every operation: the actor is explicit, nothing is
committed here, and errors are sentences (`InvalidInput`, `PermissionDenied`).

Contacts are never deleted: an action they own, or an email they were sent, keeps naming
them. Deactivating one stops everything queued or scheduled for them (the outbox refuses
to deliver to an inactive contact) and takes them out of the owner lists.

Log lines name the contact's id and the actor's, never a phone number or an address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from casework.auth.models import User
from casework.committees.models import SECTORS
from casework.contacts.models import Contact
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from casework.phones import INVALID_PHONE, normalise_phone
from casework.timezones import is_time_zone

log = logging.getLogger(__name__)

MANAGER_ROLES = frozenset({"supervisor", "admin"})
LANGUAGES = ("en", "fr", "sw")

# ``phone=KEEP`` in `update_contact`: leave the number on file as it is.
KEEP = object()


@dataclass
class ContactDetails:
    """What a form or a command gives for a contact; checked by `_clean`."""

    name: str
    sector: str
    organisation: str = ""
    email: str | None = None
    language: str = "fr"
    timezone: str = "Africa/Kinshasa"


def can_manage_contacts(user: User) -> bool:
    return user.is_authenticated and user.role in MANAGER_ROLES


def _require_manager(actor: User | None) -> None:
    """``actor`` None: an operator at the command line (``casework contacts add``)."""
    if actor is not None and not can_manage_contacts(actor):
        raise PermissionDenied(_l("Only supervisors and administrators manage contacts."))


def clean_email(raw: str | None) -> str | None:
    """An address as stored (normalised, lower case), None when empty; InvalidInput when
    it is not an address."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidInput(
            _l("%(email)s is not an email address; write it as name@example.org.", email=raw)
        ) from None


def clean_phone(raw: str | None) -> str | None:
    """A number in E.164, None when empty; InvalidInput (which does not repeat the number)
    when it is not one."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return normalise_phone(raw)
    except ValueError:
        raise InvalidInput(INVALID_PHONE) from None


def _who(actor: User | None) -> str:
    return f"user {actor.id}" if actor is not None else "the command line"


def _clean(details: ContactDetails) -> ContactDetails:
    name = details.name.strip()
    if not name:
        raise InvalidInput(_l("Give the contact's name."))
    if details.sector not in SECTORS:
        raise InvalidInput(_l("Choose the contact's sector."))
    if details.language not in LANGUAGES:
        raise InvalidInput(_l("Choose the language the contact reads."))
    if not is_time_zone(details.timezone):
        raise InvalidInput(
            _l(
                "%(zone)s is not a time zone; choose one such as Africa/Kinshasa.",
                zone=details.timezone or "''",
            )
        )
    return ContactDetails(
        name=name[:200],
        sector=details.sector,
        organisation=details.organisation.strip()[:200],
        email=clean_email(details.email),
        language=details.language,
        timezone=details.timezone,
    )


def _require_a_way_to_reach(contact: Contact) -> None:
    if not (contact.email or contact.phone_encrypted):
        raise InvalidInput(
            _l("Give an email address or a phone number: without either, nobody can tell them.")
        )


def create_contact(details: ContactDetails, *, phone: str | None, actor: User | None) -> Contact:
    """A new, active contact; ``phone`` as typed (checked and encrypted here)."""
    _require_manager(actor)
    clean = _clean(details)
    contact = Contact(
        name=clean.name,
        organisation=clean.organisation,
        sector=clean.sector,
        email=clean.email,
        language=clean.language,
        timezone=clean.timezone,
        is_active=True,
    )
    contact.set_phone(clean_phone(phone))
    _require_a_way_to_reach(contact)
    db.session.add(contact)
    db.session.flush()
    log.info("contact %s created by %s", contact.id, _who(actor))
    return contact


def update_contact(
    contact: Contact, details: ContactDetails, *, phone: object = KEEP, actor: User | None
) -> Contact:
    """Change a contact's details; ``phone``: KEEP the number on file, None to remove it,
    or a new number as typed."""
    _require_manager(actor)
    clean = _clean(details)
    contact.name = clean.name
    contact.organisation = clean.organisation
    contact.sector = clean.sector
    contact.email = clean.email
    contact.language = clean.language
    contact.timezone = clean.timezone
    if phone is not KEEP:
        contact.set_phone(clean_phone(phone if isinstance(phone, str) else None))
    _require_a_way_to_reach(contact)
    db.session.flush()
    log.info("contact %s changed by %s", contact.id, _who(actor))
    return contact


def set_contact_active(contact: Contact, active: bool, *, actor: User | None) -> Contact:
    """Deactivate (or bring back) a contact; nothing is sent to an inactive one."""
    _require_manager(actor)
    if contact.is_active != active:
        contact.is_active = active
        db.session.flush()
        log.info(
            "contact %s %s by %s",
            contact.id,
            "reactivated" if active else "deactivated",
            _who(actor),
        )
    return contact


def active_contacts() -> list[Contact]:
    """The contacts an action can be given to, by organisation then name."""
    return list(
        db.session.scalars(
            select(Contact)
            .where(Contact.is_active.is_(True))
            .order_by(Contact.organisation, Contact.name, Contact.id)
        )
    )


def all_contacts() -> list[Contact]:
    """Active ones first, then the deactivated, each by organisation and name."""
    return list(
        db.session.scalars(
            select(Contact).order_by(
                Contact.is_active.desc(), Contact.organisation, Contact.name, Contact.id
            )
        )
    )
