"""The committee brief of a restricted case, written on the case page by a supervisor."""

from __future__ import annotations

import pytest

from tests.cases.test_views import case_url, events, fresh, has_form, submit, text_of
from tests.conftest import csrf_token

BRIEF = (
    "A woman working at the Rubaya washing site reports an assault by two armed men near "
    "the site's checkpoint. The committee is asked whether trade from the site continues "
    "while the security forces at the checkpoint are replaced."
)


@pytest.fixture
def restricted(make_case, make_site, make_committee, make_user):
    """A verified SA-SGBV case at Rubaya, and a committee covering it."""
    committee = make_committee()
    make_user("committee", committee=committee)
    case = make_case(
        status="verified",
        category="SA-SGBV",
        level=1,
        site=make_site(),
        description="Mama Neema, 0991112233, was assaulted at the checkpoint.",
    )
    return case, committee


def test_a_supervisor_sees_the_brief_form_with_its_hint(login_as, restricted):
    case, _ = restricted
    client, _ = login_as("supervisor")
    html = text_of(client.get(case_url(case)))
    assert has_form(html, f"{case_url(case)}/brief")
    assert "Committee brief" in html
    assert "Nothing that identifies the survivor or the reporter" in html


def test_a_supervisor_writes_the_brief_and_it_is_on_the_record(login_as, restricted):
    case, _ = restricted
    client, supervisor = login_as("supervisor")
    url = case_url(case)
    response = submit(client, url, f"{url}/brief", brief=BRIEF)
    assert response.status_code == 302
    assert fresh(case).committee_brief == BRIEF
    [event] = events(case, "committee_brief")
    assert event.actor_id == supervisor.id and event.data["brief"] == BRIEF
    html = text_of(client.get(url))
    assert "The committee brief is saved" in html
    assert "wrote the committee brief" in html


def test_an_empty_brief_is_refused_with_what_to_write(login_as, restricted):
    case, _ = restricted
    client, _ = login_as("supervisor")
    url = case_url(case)
    response = submit(client, url, f"{url}/brief", brief="  ")
    assert response.status_code == 422
    assert "Write what happened, where, and what is asked of the committee." in text_of(response)
    assert fresh(case).committee_brief == ""


def test_the_assigned_officer_may_not_write_the_brief(db, login_as, restricted):
    case, _ = restricted
    client, officer = login_as("officer")
    case.assignee_id = officer.id  # the only officer who may open the restricted case
    db.session.commit()
    url = case_url(case)
    assert not has_form(text_of(client.get(url)), f"{url}/brief")
    fields = {"brief": BRIEF, "version": str(fresh(case).version),
              "csrf_token": csrf_token(client, url)}  # fmt: skip
    assert client.post(f"{url}/brief", data=fields).status_code == 403
    assert fresh(case).committee_brief == ""


def test_escalation_waits_for_the_brief_and_goes_once_it_is_written(login_as, restricted):
    case, committee = restricted
    client, _ = login_as("supervisor")
    url = case_url(case)
    html = text_of(client.get(url))
    assert "Write the committee brief first" in html  # shown under the button, before a click
    refused = submit(client, url, f"{url}/transitions/escalate", committee_id=str(committee.id))
    assert refused.status_code == 422
    assert "Write the committee brief first" in text_of(refused)
    assert fresh(case).status == "verified"

    assert submit(client, url, f"{url}/brief", brief=BRIEF).status_code == 302
    assert "Write the committee brief first" not in text_of(client.get(url))
    done = submit(client, url, f"{url}/transitions/escalate", committee_id=str(committee.id))
    assert done.status_code == 302
    case = fresh(case)
    assert case.status == "escalated" and case.committee_id == committee.id


def test_a_case_that_is_not_restricted_has_no_brief_form(login_as, make_case):
    client, _ = login_as("supervisor")
    case = make_case(status="verified", category="SEC", level=1)
    html = text_of(client.get(case_url(case)))
    assert not has_form(html, f"{case_url(case)}/brief")
    assert "Committee brief" not in html
