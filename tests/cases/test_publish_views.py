"""Publishing a case's redacted summary from the case page, and withdrawing it, through
the HTTP path: a supervisor's step on a closed or long-running case; viewers (member
companies, auditors) then read the summary, never the report."""

from __future__ import annotations

from datetime import timedelta

from casework import clock
from tests.cases.test_views import (
    case_url,
    events,
    form_fields,
    fresh,
    has_form,
    submit,
    text_of,
)
from tests.conftest import csrf_token

REPORT = "SECRET report: Mzee Kabila takes 2000 FC per sack at the Mushaki barrier."
SUMMARY = "Illegal taxation at a checkpoint near Rubaya; stopped after mediation."
CONFLICT = "Someone else changed this case while you were editing it"


def publish_url(case) -> str:
    return f"{case_url(case)}/publish"


def unpublish_url(case) -> str:
    return f"{case_url(case)}/unpublish"


def viewer_sees(viewer, case) -> bool:
    """Whether the case reaches a viewer anywhere: queue, case page, API."""
    listed = case.reference in text_of(viewer.get("/cases"))
    page = viewer.get(case_url(case)).status_code
    api = viewer.get(f"/api/v1/cases/{case.reference}").status_code
    assert {page, api} <= {200, 403} and (page == 200) == (api == 200) == listed
    return listed


def test_supervisor_publishes_a_closed_case_and_viewers_read_the_summary(login_as, make_case):
    supervisor, _ = login_as("supervisor")
    viewer, _ = login_as("viewer")
    case = make_case(status="closed", category="SEC", level=1, description=REPORT)
    url = case_url(case)
    assert not viewer_sees(viewer, case)

    html = text_of(supervisor.get(url))
    assert "Publish a public summary" in html
    assert "Name no person and give no phone number" in html
    assert "Member companies and auditors read this text" in html
    assert form_fields(html, publish_url(case))["summary"] == ""
    assert not has_form(html, unpublish_url(case))

    response = submit(supervisor, url, publish_url(case), summary=SUMMARY)
    assert response.status_code == 302, text_of(response)
    case = fresh(case)
    assert case.is_published and case.public_summary == SUMMARY
    assert [e.data["summary"] for e in events(case, "published")] == [SUMMARY]

    html = text_of(supervisor.get(url))
    assert 'class="status published"' in html
    assert SUMMARY in html
    assert "published a public summary" in html  # the timeline sentence
    assert has_form(html, unpublish_url(case))
    # The form stays, prefilled, to correct the summary.
    assert form_fields(html, publish_url(case))["summary"] == SUMMARY

    assert viewer_sees(viewer, case)
    page = text_of(viewer.get(url))
    assert SUMMARY in page and "SECRET" not in page and "Kabila" not in page
    api = viewer.get(f"/api/v1/cases/{case.reference}")
    assert api.status_code == 200
    assert api.json["summary"] == SUMMARY
    assert "description" not in api.json and "events" not in api.json
    assert "SECRET" not in text_of(api)


def test_a_long_running_open_case_may_be_published(login_as, make_case, frozen_now):
    case = make_case(status="mitigation", category="BRB", level=2)
    url = case_url(case)
    # Logged in on each day: a login lasts a working day, not months.
    clock.freeze(frozen_now + timedelta(days=89))
    supervisor, user = login_as("supervisor")
    assert not has_form(text_of(supervisor.get(url)), publish_url(case))
    clock.freeze(frozen_now + timedelta(days=91))
    supervisor, _ = login_as(user=user)
    response = submit(supervisor, url, publish_url(case), summary=SUMMARY)
    assert response.status_code == 302, text_of(response)
    assert fresh(case).is_published


def test_open_recent_case_offers_no_form_and_a_post_is_refused(login_as, make_case, frozen_now):
    case = make_case(status="verifying", category="SEC", level=1)
    url = case_url(case)
    clock.freeze(frozen_now + timedelta(days=10))
    supervisor, _ = login_as("supervisor")
    html = text_of(supervisor.get(url))
    assert not has_form(html, publish_url(case))
    assert "Publish a public summary" not in html
    response = supervisor.post(
        publish_url(case),
        data={
            "csrf_token": csrf_token(supervisor, url),
            "version": str(case.version),
            "summary": SUMMARY,
        },
    )
    assert response.status_code == 422
    assert "Only closed cases, or cases open for more than 90 days" in text_of(response)
    assert not fresh(case).is_published
    assert events(case, "published") == []


def test_officer_may_not_publish_or_withdraw(login_as, make_case):
    officer, _ = login_as("officer")
    closed = make_case(status="closed", category="BRB", level=2)
    published = make_case(status="closed", is_published=True, public_summary=SUMMARY)
    for case in (closed, published):
        html = text_of(officer.get(case_url(case)))
        assert not has_form(html, publish_url(case))
        assert not has_form(html, unpublish_url(case))
    token = csrf_token(officer, case_url(closed))
    for summary in (SUMMARY, ""):  # refused before the form is read: never a 422
        response = officer.post(
            publish_url(closed),
            data={"csrf_token": token, "version": str(closed.version), "summary": summary},
        )
        assert response.status_code == 403
    response = officer.post(
        unpublish_url(published),
        data={"csrf_token": token, "version": str(published.version), "reason": "Wrong"},
    )
    assert response.status_code == 403
    assert not fresh(closed).is_published and fresh(published).is_published
    assert events(closed, "published") == [] and events(published, "unpublished") == []


def test_summary_with_a_phone_number_is_reshown_and_nothing_is_published(login_as, make_case):
    supervisor, _ = login_as("supervisor")
    case = make_case(status="closed", category="SEC", level=1)
    url = case_url(case)
    leaky = "Fee stopped. Witness reachable on +243 991 234 567."
    response = submit(supervisor, url, publish_url(case), summary=leaky)
    assert response.status_code == 422
    html = text_of(response)
    assert "The public summary must not contain a phone number." in html
    assert form_fields(html, publish_url(case))["summary"] == leaky
    case = fresh(case)
    assert not case.is_published and case.public_summary == ""
    assert events(case, "published") == []


def test_empty_summary_is_reshown_with_a_message(login_as, make_case):
    supervisor, _ = login_as("supervisor")
    case = make_case(status="closed")
    response = submit(supervisor, case_url(case), publish_url(case), summary="   ")
    assert response.status_code == 422
    assert "Write the public summary first." in text_of(response)
    assert not fresh(case).is_published


def test_withdraw_needs_a_reason_and_hides_the_case_from_viewers(login_as, make_case):
    supervisor, _ = login_as("supervisor")
    viewer, _ = login_as("viewer")
    case = make_case(status="closed", category="SEC", level=1, description=REPORT)
    url = case_url(case)
    assert submit(supervisor, url, publish_url(case), summary=SUMMARY).status_code == 302
    assert viewer_sees(viewer, case)

    response = submit(supervisor, url, unpublish_url(case), reason="  ")
    assert response.status_code == 422
    assert "Say why the summary is withdrawn." in text_of(response)
    assert fresh(case).is_published and events(case, "unpublished") == []

    reason = "The summary names the cooperative before the inquiry ends."
    response = submit(supervisor, url, unpublish_url(case), reason=reason)
    assert response.status_code == 302, text_of(response)
    case = fresh(case)
    assert not case.is_published
    assert [e.data["reason"] for e in events(case, "unpublished")] == [reason]
    assert not viewer_sees(viewer, case)

    html = text_of(supervisor.get(url))
    assert 'class="status published"' not in html
    assert not has_form(html, unpublish_url(case))
    assert "withdrew the public summary" in html and reason in html
    # The text is kept: publishing again starts from it.
    assert form_fields(html, publish_url(case))["summary"] == SUMMARY


def test_withdrawing_an_unpublished_case_is_refused(login_as, make_case):
    supervisor, _ = login_as("supervisor")
    case = make_case(status="closed")
    response = supervisor.post(
        unpublish_url(case),
        data={
            "csrf_token": csrf_token(supervisor, case_url(case)),
            "version": str(case.version),
            "reason": "Just in case",
        },
    )
    assert response.status_code == 422
    assert "no published summary to withdraw" in text_of(response)
    assert events(case, "unpublished") == []


def test_missing_csrf_token_is_refused(login_as, make_case):
    supervisor, _ = login_as("supervisor")
    case = make_case(status="closed", is_published=True, public_summary=SUMMARY)
    url = case_url(case)
    html = text_of(supervisor.get(url))
    for action, change in (
        (publish_url(case), {"summary": "New"}),
        (unpublish_url(case), {"reason": "x"}),
    ):
        fields = form_fields(html, action)
        del fields["csrf_token"]
        assert supervisor.post(action, data={**fields, **change}).status_code == 400
    case = fresh(case)
    assert case.is_published and case.public_summary == SUMMARY
    assert [e.kind for e in events(case)] == ["created"]


def test_stale_publish_and_withdraw_are_409_and_change_nothing(login_as, make_case):
    alice, _ = login_as("supervisor", name="Alice")
    bob, _ = login_as("supervisor", name="Bob")
    case = make_case(status="closed", category="SEC", level=1)
    url = case_url(case)
    stale = form_fields(text_of(alice.get(url)), publish_url(case))
    assert submit(bob, url, f"{url}/notes", text="Mediation report attached").status_code == 302
    version = fresh(case).version

    response = alice.post(publish_url(case), data={**stale, "summary": SUMMARY})
    assert response.status_code == 409
    html = text_of(response)
    assert CONFLICT in html
    kept = form_fields(html, publish_url(case))
    assert kept["summary"] == SUMMARY and kept["version"] == str(version)
    case = fresh(case)
    assert not case.is_published and case.version == version

    # Sending the re-shown form again is a deliberate choice, and it goes through.
    assert alice.post(publish_url(case), data=kept).status_code == 302
    stale = form_fields(text_of(alice.get(url)), unpublish_url(case))
    assert submit(bob, url, f"{url}/notes", text="Cooperative disputes it").status_code == 302
    response = alice.post(unpublish_url(case), data={**stale, "reason": "Disputed"})
    assert response.status_code == 409
    assert fresh(case).is_published and events(case, "unpublished") == []
