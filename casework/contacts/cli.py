"""``casework contacts list|add``: stakeholder contacts for operators (the UI is /contacts)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from casework.committees.models import SECTORS
from casework.contacts.operations import LANGUAGES, ContactDetails, all_contacts, create_contact
from casework.errors import InvalidInput
from casework.extensions import db


@click.group()
def contacts() -> None:
    """Stakeholder contacts: people told about cases who have no login."""


@contacts.command("list")
@with_appcontext
def contacts_list() -> None:
    """Print every contact, active ones first; phone numbers masked."""
    rows = all_contacts()
    if not rows:
        click.echo("No contacts yet. Add one with 'casework contacts add'.")
        return
    for c in rows:
        reach = ", ".join(x for x in (c.email, c.phone_masked) if x)
        state = "" if c.is_active else " [deactivated]"
        click.echo(
            f"{c.id:>5}  {c.display_name} · {c.sector} · {reach} · {c.language} · "
            f"{c.timezone}{state}"
        )


@contacts.command("add")
@click.argument("name")
@click.option("--sector", type=click.Choice(SECTORS), required=True)
@click.option("--organisation", default="", help="A cooperative, a mines division, a company...")
@click.option("--email", default=None)
@click.option("--phone", default=None, help="In international form (+E.164).")
@click.option("--language", type=click.Choice(LANGUAGES), default="fr", show_default=True)
@click.option("--timezone", default="Africa/Kinshasa", show_default=True, metavar="ZONE")
@with_appcontext
def contacts_add(
    name: str,
    sector: str,
    organisation: str,
    email: str | None,
    phone: str | None,
    language: str,
    timezone: str,
) -> None:
    """Add a contact NAME; give --email, --phone or both."""
    details = ContactDetails(
        name=name,
        sector=sector,
        organisation=organisation,
        email=email,
        language=language,
        timezone=timezone.strip(),
    )
    try:
        contact = create_contact(details, phone=phone, actor=None)
    except InvalidInput as exc:
        db.session.rollback()
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Added contact {contact.id}: {contact.display_name}.")
