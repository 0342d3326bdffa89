"""Triage with intake's suggestions: pre-filled, accepted in one click, and the level left
empty until someone chooses it."""

from __future__ import annotations

import pytest

from casework.extensions import db as _db
from tests.cases.test_views import case_url, events, form_fields, fresh, has_form, submit, text_of
from tests.conftest import csrf_token


@pytest.fixture
def suggested(make_case, make_site):
    """A fresh SMS report intake read as SEC, Level 1, at Kalimbi; nothing set yet."""
    site = make_site(code="CD-SK-KAL", name="Kalimbi", province="Sud-Kivu")
    case = make_case(suggested_category="SEC", suggested_level=1, suggested_site_id=site.id)
    return case


def test_the_level_is_empty_until_someone_chooses_it(login_as, suggested):
    client, _ = login_as("officer")
    url = case_url(suggested)
    html = text_of(client.get(url))
    assert form_fields(html, f"{url}/level")["level"] == ""
    assert '<option selected value="">choose a level...</option>' in html
    # Sent as it is, the form changes nothing and says what to do.
    response = submit(client, url, f"{url}/level")
    assert response.status_code == 422
    assert "Choose a level." in text_of(response)
    assert fresh(suggested).level is None


def test_the_details_form_is_prefilled_with_the_suggestions(login_as, suggested):
    client, _ = login_as("officer")
    url = case_url(suggested)
    fields = form_fields(text_of(client.get(url)), f"{url}/details")
    assert fields["category"] == "SEC" and fields["site_code"] == "CD-SK-KAL"
    # Saving it as shown accepts them; the level stays for someone to choose.
    assert submit(client, url, f"{url}/details").status_code == 302
    case = fresh(suggested)
    assert case.category == "SEC" and case.site.code == "CD-SK-KAL" and case.level is None


def test_one_click_accepts_every_suggestion_then_triage_can_be_confirmed(login_as, suggested):
    client, officer = login_as("officer")
    url = case_url(suggested)
    html = text_of(client.get(url))
    assert "Intake&#39;s suggestions" in html or "Intake's suggestions" in html
    assert "Security forces: illegal taxation, mining, abuse" in html and "Level 1" in html

    response = submit(client, url, f"{url}/suggestions")
    assert response.status_code == 302
    case = fresh(suggested)
    assert (case.category, case.level, case.site.code) == ("SEC", 1, "CD-SK-KAL")
    [details] = events(case, "details_changed")
    assert details.actor_id == officer.id
    assert details.data["changes"] == {"category": [None, "SEC"], "site": [None, "CD-SK-KAL"]}
    [level] = events(case, "level_changed")
    assert level.data["to"] == 1
    page = text_of(client.get(url))
    assert "suggestions are accepted" in page
    assert not has_form(page, f"{url}/suggestions")  # nothing left to accept

    assert submit(client, url, f"{url}/transitions/triage").status_code == 302
    assert fresh(suggested).status == "triaged"


def test_accepting_keeps_what_someone_already_chose(login_as, suggested):
    client, _ = login_as("officer")
    url = case_url(suggested)
    submit(client, url, f"{url}/details", category="TAX", site_code="")
    submit(client, url, f"{url}/suggestions")
    case = fresh(suggested)
    assert case.category == "TAX"  # theirs, not intake's
    assert case.level == 1 and case.site.code == "CD-SK-KAL"


def test_a_stale_accept_changes_nothing(login_as, suggested):
    client, _ = login_as("officer")
    url = case_url(suggested)
    fields = form_fields(text_of(client.get(url)), f"{url}/suggestions")
    submit(client, url, f"{url}/details", title="Changed meanwhile", category="", site_code="")
    response = client.post(f"{url}/suggestions", data=fields)
    assert response.status_code == 409
    assert "Someone else changed this case" in text_of(response)
    case = fresh(suggested)
    assert case.title == "Changed meanwhile"
    assert (case.category, case.level, case.site_id) == (None, None, None)


@pytest.mark.parametrize("role", ["committee", "admin", "viewer"])
def test_only_officers_and_supervisors_accept_suggestions(
    login_as, suggested, make_committee, role
):
    committee = make_committee()
    suggested.committee_id = committee.id
    _db.session.commit()
    extra = {"committee": committee} if role == "committee" else {}
    client, _ = login_as(role, **extra)
    url = case_url(suggested)
    assert not has_form(text_of(client.get(url)), f"{url}/suggestions")
    data = {"version": str(suggested.version), "csrf_token": csrf_token(client, url)}
    assert client.post(f"{url}/suggestions", data=data).status_code == 403
    assert fresh(suggested).level is None


def test_nothing_to_accept_without_suggestions(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    assert not has_form(text_of(client.get(case_url(case))), f"{case_url(case)}/suggestions")
