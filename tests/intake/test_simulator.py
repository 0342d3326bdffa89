"""The SMS simulator: officers text the real webhook from a fictitious number."""

from __future__ import annotations

import re

import pytest

from casework.cases.models import Case
from casework.messages.models import Message
from tests.conftest import csrf_token
from tests.intake.conftest import cases, messages

NUMBER = "+243990000001"
REPORT = "Watoto wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule."


def send(client, body, number=NUMBER, channel="sms"):
    token = csrf_token(client, "/simulator")
    return client.post(
        "/simulator",
        data={"csrf_token": token, "number": number, "channel": channel, "body": body},
    )


@pytest.mark.parametrize("role", ["officer", "supervisor"])
def test_the_simulator_end_to_end(login_as, db, role):
    client, _ = login_as(role)
    page = client.get("/simulator")
    assert page.status_code == 200
    assert 'name="csrf_token"' in page.get_data(as_text=True)

    response = send(client, REPORT)
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    [case] = cases(db)
    assert case.channel == "sms" and case.description == REPORT
    assert case.reporter.phone == NUMBER
    assert case.reference in html  # the reply, in the thread
    assert "Ripoti imepokelewa" in html
    assert "HTTP 200" in html  # what the webhook answered

    # The message went through the real webhook path, signature and all.
    [inbound, reply] = messages(db)
    assert inbound.provider_sid.startswith("SMSIM")
    assert reply.reply_to_id == inbound.id


def test_a_follow_up_and_a_status_request_show_in_the_thread(login_as, db):
    client, _ = login_as("officer")
    send(client, REPORT)
    [case] = cases(db)
    send(client, "Wako wengi sana leo")
    response = send(client, f"HALI {case.reference}")
    html = client.get(response.location).get_data(as_text=True)
    assert html.count('data-direction="in"') == 3
    assert html.count('data-direction="out"') == 3
    assert "imepokelewa, inachunguzwa" in html
    assert len(cases(db)) == 1


def test_whatsapp_from_the_simulator(login_as, db):
    client, _ = login_as("officer")
    send(client, REPORT, channel="whatsapp")
    [case] = cases(db)
    assert case.channel == "whatsapp"


@pytest.mark.parametrize("role", ["committee", "viewer", "admin"])
def test_other_roles_are_refused(login_as, role):
    client, _ = login_as(role)
    assert client.get("/simulator").status_code == 403
    assert client.post("/simulator", data={"body": "x"}).status_code in (400, 403)


def test_an_admin_read_only_on_cases_cannot_open_one_through_the_simulator(login_as, db):
    client, _ = login_as("admin")
    assert "SMS simulator" not in client.get("/cases").get_data(as_text=True)
    token = csrf_token(client, "/cases")
    response = client.post(
        "/simulator",
        data={"csrf_token": token, "number": NUMBER, "channel": "sms", "body": REPORT},
    )
    assert response.status_code == 403
    assert cases(db) == [] and messages(db) == []


def test_anonymous_users_are_sent_to_login(client):
    response = client.get("/simulator")
    assert response.status_code == 302
    assert response.location.startswith("/login")


def test_the_form_needs_its_csrf_token(login_as, db):
    client, _ = login_as("officer")
    response = client.post("/simulator", data={"number": NUMBER, "body": REPORT})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_only_fictitious_numbers_can_be_used(login_as, db):
    client, _ = login_as("officer")
    response = send(client, REPORT, number="+243812345678")
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0


def test_the_thread_shows_only_what_the_simulator_sent(login_as, sms, db):
    """Should a real person own a simulator number, their messages stay out of sight."""
    sms("Message réel d'un vrai téléphone: hommes armés à Rubaya", sender=NUMBER)
    client, _ = login_as("officer")
    html = client.get(f"/simulator?number={NUMBER}").get_data(as_text=True)
    assert "Message réel" not in html
    assert len(messages(db, Message.direction == "out")) == 1


def test_restricted_cases_stay_hidden_in_the_thread(login_as, db):
    client, _ = login_as("officer")
    send(client, "3 femmes violées hier près du puits de Kalimbi par hommes armés.")
    [case] = cases(db)
    case.category = "SA-SGBV"  # triaged as sexual violence: restricted
    db.session.commit()
    client.get(f"/simulator?number={NUMBER}")  # shows, once, the answer to what was just sent
    html = client.get(f"/simulator?number={NUMBER}").get_data(as_text=True)
    assert "violées" not in html
    assert case.reference not in html


def test_the_page_loads_nothing_from_elsewhere(login_as):
    client, _ = login_as("officer")
    html = client.get("/simulator").get_data(as_text=True)
    assert not re.search(r'(src|href)="(https?:)?//', html)


class TestWithoutToken:
    @pytest.fixture
    def app_config(self):
        return {"TWILIO_AUTH_TOKEN": ""}

    def test_the_simulator_names_the_missing_setting(self, login_as, db):
        client, _ = login_as("officer")
        assert "TWILIO_AUTH_TOKEN" in client.get("/simulator").get_data(as_text=True)
        response = send(client, REPORT)
        assert response.status_code == 409
        assert "TWILIO_AUTH_TOKEN" in response.get_data(as_text=True)
        assert db.session.scalar(db.select(db.func.count(Case.id))) == 0
