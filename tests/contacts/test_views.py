"""Stakeholder contacts in the UI: supervisors and administrators add, edit and deactivate
them; everybody else gets 403; a phone number is never shown, nor logged, in clear."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from casework.contacts.models import Contact
from tests.cases.test_views import form_fields
from tests.conftest import csrf_token

PHONE = "+243 971 112 233"
E164 = "+243971112233"


def contact_named(db, name: str) -> Contact:
    db.session.expire_all()
    return db.session.scalar(select(Contact).where(Contact.name == name))


def new_contact(client, **changes):
    html = client.get("/contacts/new").get_data(as_text=True)
    data = form_fields(html, "/contacts/new")
    data.update(
        {
            "name": "Jean Bosco Habimana",
            "organisation": "Coopérative COMIKA",
            "sector": "industry",
            "email": "",
            "phone": PHONE,
            "language": "fr",
            "timezone": "Africa/Kinshasa",
        }
    )
    data.update(changes)
    return client.post("/contacts/new", data=data)


def assert_no_clear_phone(text: str) -> None:
    for form in (E164, PHONE, "971112233", "971 112 233"):
        assert form not in text


def test_a_supervisor_adds_a_contact_whose_phone_is_encrypted_and_shown_masked(
    db, login_as, caplog
):
    caplog.set_level(logging.DEBUG)
    client, _ = login_as("supervisor")
    response = new_contact(client)
    assert response.status_code == 302
    contact = contact_named(db, "Jean Bosco Habimana")
    assert contact.phone == E164 and contact.phone_encrypted and E164 not in contact.phone_encrypted
    assert contact.is_active and contact.sector == "industry" and contact.email is None
    listing = client.get("/contacts").get_data(as_text=True)
    assert "Jean Bosco Habimana (Coopérative COMIKA) is added to the contacts." in listing
    assert contact.phone_masked in listing
    assert_no_clear_phone(listing)
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert (
        contact.phone_masked in page and form_fields(page, f"/contacts/{contact.id}")["phone"] == ""
    )
    assert_no_clear_phone(page)
    assert_no_clear_phone("\n".join(r.getMessage() for r in caplog.records))


def test_an_administrator_manages_contacts_too(db, login_as):
    client, _ = login_as("admin")
    assert client.get("/contacts").status_code == 200
    assert new_contact(client, phone="", email="dd@mining.example").status_code == 302


@pytest.mark.parametrize("role", ["officer", "committee", "viewer"])
def test_other_roles_get_403(db, login_as, role):
    client, _ = login_as(role)
    contact = Contact(name="X", sector="government", email="x@example.org")
    db.session.add(contact)
    db.session.commit()
    token = csrf_token(client, "/cases")
    assert client.get("/contacts").status_code == 403
    assert client.get("/contacts/new").status_code == 403
    assert client.get(f"/contacts/{contact.id}").status_code == 403
    assert client.post("/contacts/new", data={"csrf_token": token, "name": "Y"}).status_code == 403
    response = client.post(
        f"/contacts/{contact.id}/active", data={"csrf_token": token, "active": "0"}
    )
    assert response.status_code == 403
    assert contact_named(db, "X").is_active
    assert contact_named(db, "Y") is None


def test_a_contact_needs_an_email_or_a_phone(db, login_as):
    client, _ = login_as("supervisor")
    response = new_contact(client, phone="", email="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Give an email address or a phone number" in html
    assert form_fields(html, "/contacts/new")["name"] == "Jean Bosco Habimana"  # kept
    assert contact_named(db, "Jean Bosco Habimana") is None


def test_a_malformed_phone_or_email_is_refused_with_a_sentence(db, login_as):
    client, _ = login_as("supervisor")
    response = new_contact(client, phone="0812", email="not-an-address")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "That is not a valid phone number" in html
    assert "Write the email address as name@example.org." in html
    assert contact_named(db, "Jean Bosco Habimana") is None


def test_editing_keeps_the_number_on_file_unless_replaced_or_removed(db, login_as):
    client, _ = login_as("supervisor")
    new_contact(client)
    contact = contact_named(db, "Jean Bosco Habimana")
    url = f"/contacts/{contact.id}"
    data = form_fields(client.get(url).get_data(as_text=True), url)
    data.update(email="JB@Comika.Example", language="sw")
    assert client.post(url, data=data).status_code == 302
    contact = contact_named(db, "Jean Bosco Habimana")
    assert contact.phone == E164 and contact.email == "jb@comika.example"
    assert contact.language == "sw"

    data = form_fields(client.get(url).get_data(as_text=True), url)
    data.update(phone="+250 788 123 456")
    assert client.post(url, data=data).status_code == 302
    assert contact_named(db, "Jean Bosco Habimana").phone == "+250788123456"

    data = form_fields(client.get(url).get_data(as_text=True), url)
    data.update(remove_phone="y")
    assert client.post(url, data=data).status_code == 302
    contact = contact_named(db, "Jean Bosco Habimana")
    assert contact.phone is None and contact.phone_masked is None


def test_removing_the_only_way_to_reach_a_contact_is_refused(db, login_as):
    client, _ = login_as("supervisor")
    new_contact(client)
    contact = contact_named(db, "Jean Bosco Habimana")
    url = f"/contacts/{contact.id}"
    data = form_fields(client.get(url).get_data(as_text=True), url)
    data.update(remove_phone="y")
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Give an email address or a phone number" in response.get_data(as_text=True)
    assert contact_named(db, "Jean Bosco Habimana").phone == E164


def test_deactivating_and_reactivating(db, login_as):
    client, _ = login_as("supervisor")
    new_contact(client)
    contact = contact_named(db, "Jean Bosco Habimana")
    token = csrf_token(client, "/contacts")
    url = f"/contacts/{contact.id}/active"
    assert client.post(url, data={"csrf_token": token, "active": "0"}).status_code == 302
    assert not contact_named(db, "Jean Bosco Habimana").is_active
    html = client.get("/contacts").get_data(as_text=True)
    assert "is deactivated: nothing more is sent to them." in html and "Reactivate" in html
    assert client.post(url, data={"csrf_token": token, "active": "1"}).status_code == 302
    assert contact_named(db, "Jean Bosco Habimana").is_active


def test_an_unknown_contact_is_404(login_as):
    client, _ = login_as("supervisor")
    assert client.get("/contacts/424242").status_code == 404
