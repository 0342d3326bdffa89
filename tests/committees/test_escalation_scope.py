"""The case page's escalation form offers only the committees whose scope covers the
case's site (the provincial one first for Level 1), and the escalation refuses others."""

from __future__ import annotations

import re

import pytest

from tests.cases.test_views import case_url, events, fresh, submit, text_of


def escalation_options(html: str) -> list[str]:
    """The committee names the escalation form offers, in order ("choose..." left out)."""
    form = re.search(r'<form[^>]*id="transition-escalate".*?</form>', html, re.S)
    assert form, "no escalation form"
    return [
        name
        for value, name in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', form[0])
        if value
    ]


@pytest.fixture
def committees(make_committee):
    return {
        "local": make_committee("Comité local de suivi de Masisi"),
        "provincial": make_committee(
            "Comité provincial du Nord-Kivu", scope="provincial", territories=""
        ),
        "rwanda": make_committee(
            "Comité de district de Rutsiro", country="RW", province="Western", territories="Rutsiro"
        ),
        "sud_kivu": make_committee(
            "Comité provincial du Sud-Kivu", scope="provincial", province="Sud-Kivu", territories=""
        ),
    }


def test_a_level_1_case_is_offered_its_provincial_committee_first_and_no_rwandan_one(
    db, login_as, make_case, make_site, committees
):
    case = make_case(status="verified", category="SEC", level=1, site=make_site())
    client, _ = login_as("supervisor")
    offered = escalation_options(text_of(client.get(case_url(case))))
    assert offered == ["Comité provincial du Nord-Kivu", "Comité local de suivi de Masisi"]


def test_a_level_2_case_is_offered_its_local_committee_first(
    db, login_as, make_case, make_site, committees
):
    case = make_case(status="verified", category="BRB", level=2, site=make_site())
    client, _ = login_as("supervisor")
    offered = escalation_options(text_of(client.get(case_url(case))))
    assert offered == ["Comité local de suivi de Masisi", "Comité provincial du Nord-Kivu"]


def test_when_no_committee_covers_the_site_the_form_says_so(
    db, login_as, make_case, make_site, make_committee
):
    make_committee(
        "Comité de district de Rutsiro", country="RW", province="Western", territories="Rutsiro"
    )
    case = make_case(status="verified", category="SEC", level=1, site=make_site())
    client, _ = login_as("supervisor")
    page = text_of(client.get(case_url(case)))
    assert escalation_options(page) == []
    assert (
        "No committee covers Rubaya (Masisi): an admin sets committees&#39; territories at "
        "/committees." in page
    )


def test_posting_a_committee_that_does_not_cover_the_site_is_refused_and_changes_nothing(
    db, login_as, make_case, make_site, committees
):
    case = make_case(status="verified", category="SEC", level=1, site=make_site())
    client, _ = login_as("supervisor")
    url = case_url(case)
    before = len(events(case))
    response = submit(
        client, url, f"{url}/transitions/escalate", committee_id=str(committees["rwanda"].id)
    )
    assert response.status_code == 422
    assert (
        "Comité de district de Rutsiro does not cover this case&#39;s site: choose a committee "
        "of its territory or province." in text_of(response)
    )
    case = fresh(case)
    assert case.status == "verified" and case.committee_id is None
    assert len(events(case)) == before


def test_posting_something_that_is_not_a_committee_is_refused_in_words(
    db, login_as, make_case, make_site, committees
):
    case = make_case(status="verified", category="SEC", level=1, site=make_site())
    client, _ = login_as("supervisor")
    url = case_url(case)
    response = submit(client, url, f"{url}/transitions/escalate", committee_id="1 OR 1=1")
    assert response.status_code == 422
    assert "Choose one of the committees offered." in text_of(response)
    assert fresh(case).status == "verified"


def test_a_covering_committee_is_accepted(db, login_as, make_case, make_site, committees):
    case = make_case(status="verified", category="SEC", level=1, site=make_site())
    client, _ = login_as("supervisor")
    url = case_url(case)
    response = submit(
        client, url, f"{url}/transitions/escalate", committee_id=str(committees["provincial"].id)
    )
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == "escalated" and case.committee_id == committees["provincial"].id
