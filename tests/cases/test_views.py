"""The case page through the HTTP path a user takes: load the page, read the form it
hands out (CSRF token, case version, current values), post it back, check the record."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from casework.cases.models import Case, CaseEvent
from casework.extensions import db as _db

# ---------------------------------------------------------------- reading forms like a browser


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": {}}
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "checkbox"}:
            fields[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select, self._select_chosen = name, False
            fields[name] = ""
        elif tag == "option" and self._select:
            if "selected" in a or (not self._select_chosen and fields[self._select] == ""):
                fields[self._select] = a.get("value") or ""
                self._select_chosen = self._select_chosen or "selected" in a
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = ""

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._form is not None and self._textarea:
            value = self._form["fields"][self._textarea]
            # HTML drops one newline right after <textarea>, as browsers do.
            if value.startswith("\r\n"):
                value = value[2:]
            elif value.startswith("\n"):
                value = value[1:]
            self._form["fields"][self._textarea] = value
            self._textarea = None


def forms_in(html: str) -> list[dict]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def form_fields(html: str, action: str) -> dict[str, str]:
    """The fields (with their current values) of the form posting to ``action``."""
    for form in forms_in(html):
        if form["action"] == action:
            return dict(form["fields"])
    actions = [f["action"] for f in forms_in(html)]
    raise AssertionError(f"no form posts to {action}; the page has {actions}")


def has_form(html: str, action: str) -> bool:
    return any(f["action"] == action for f in forms_in(html))


def submit(client, page_url: str, action: str, **changes):
    """Load ``page_url``, fill the form posting to ``action`` and send it, as a browser would."""
    html = client.get(page_url).get_data(as_text=True)
    fields = form_fields(html, action)
    fields.update({k: v for k, v in changes.items()})
    return client.post(action, data=fields)


def case_url(case) -> str:
    return f"/cases/{case.reference}"


def events(case, kind: str | None = None) -> list[CaseEvent]:
    query = select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
    if kind:
        query = query.where(CaseEvent.kind == kind)
    return list(_db.session.scalars(query))


def fresh(case) -> Case:
    """The case as the database has it now (the test's session may hold an older copy)."""
    _db.session.expire_all()
    return _db.session.get(Case, case.id)


def text_of(response) -> str:
    return response.get_data(as_text=True)


# ---------------------------------------------------------------- access


def test_anonymous_users_are_sent_to_login(client, make_case):
    case = make_case()
    for url in ("/cases", case_url(case)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    # A POST with a valid token (from the login page) is still refused without a login.
    from tests.conftest import csrf_token

    token = csrf_token(client, "/login")
    response = client.post(f"{case_url(case)}/notes", data={"csrf_token": token, "text": "x"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert events(case, "note") == []


def test_missing_csrf_token_is_refused(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    fields = form_fields(text_of(client.get(case_url(case))), f"{case_url(case)}/notes")
    del fields["csrf_token"]
    response = client.post(f"{case_url(case)}/notes", data={**fields, "text": "Hello"})
    assert response.status_code == 400
    assert events(case, "note") == []


def test_unknown_case_is_404_and_other_committees_case_is_403(login_as, make_case, make_committee):
    mine, theirs = make_committee("Masisi"), make_committee("Kalehe")
    client, _ = login_as("committee", committee=mine)
    ours = make_case(status="escalated", committee_id=mine.id, level=1, category="SEC")
    other = make_case(status="escalated", committee_id=theirs.id, level=1, category="SEC")
    assert client.get("/cases/CW-0000-0000").status_code == 404
    assert client.get(case_url(ours)).status_code == 200
    assert client.get(case_url(other)).status_code == 403
    queue = text_of(client.get("/cases"))
    assert ours.reference in queue
    assert other.reference not in queue


def test_viewer_sees_only_the_published_summary(login_as, make_case):
    client, _ = login_as("viewer")
    published = make_case(
        status="closed",
        is_published=True,
        public_summary="Taxation at a checkpoint was stopped after mediation.",
        description="SECRET report text naming Mzee Kabila at the barrière",
    )
    unpublished = make_case()
    page = client.get(case_url(published))
    assert page.status_code == 200
    html = text_of(page)
    assert "Taxation at a checkpoint was stopped" in html
    assert "SECRET" not in html
    assert "Timeline" not in html
    assert client.get(case_url(unpublished)).status_code == 403
    queue = text_of(client.get("/cases"))
    assert published.reference in queue and unpublished.reference not in queue
    assert "SECRET" not in queue  # no titles (they quote the report) for viewers


def test_viewer_cannot_post_to_a_published_case(login_as, make_case):
    client, _ = login_as("viewer")
    case = make_case(status="closed", is_published=True, public_summary="Done.")
    from tests.conftest import csrf_token

    token = csrf_token(client, case_url(case))
    for path, data in (
        ("notes", {"text": "hi"}),
        ("transitions/reopen", {"reason": "why not"}),
        ("reveal-phone", {}),
        ("level", {"level": "1"}),
    ):
        response = client.post(
            f"{case_url(case)}/{path}", data={"csrf_token": token, "version": "1", **data}
        )
        assert response.status_code == 403, path
    assert [e.kind for e in events(case)] == ["created"]


# ---------------------------------------------------------------- the page itself


def test_case_page_shows_report_verbatim_and_reporter_masked(login_as, make_case, db):
    from casework.reporters.models import Reporter

    reporter = Reporter.for_phone("+243812345678")
    db.session.add(reporter)
    text = "Bjr.\n  Kwa barrière ya Mushaki,\tFARDC wanatoza 2000 FC <b>kwa</b> kila sac."
    case = make_case(description=text, language="sw", reporter=reporter)
    client, _ = login_as("supervisor")
    html = text_of(client.get(case_url(case)))
    assert (
        '<div class="report-text" lang="sw">Bjr.\n  Kwa barrière ya Mushaki,\tFARDC wanatoza '
        "2000 FC &lt;b&gt;kwa&lt;/b&gt; kila sac.</div>"
    ) in html
    assert "+243 ••• ••• 678" in html
    assert "812345678" not in html


def test_details_show_labels_and_intake_suggestions(login_as, make_case, make_site, db):
    site = make_site()
    case = make_case(category="SEC", level=1)
    case.suggested_site = site
    case.suggested_category = "NSAG"
    db.session.commit()
    client, _ = login_as("officer")
    html = text_of(client.get(case_url(case)))
    assert "Security forces: illegal taxation, mining, abuse" in html
    assert "Intake suggests NSAG" in html
    assert "Intake suggests CD-NK-RUB · Rubaya" in html


def test_only_the_transitions_the_role_may_fire_are_offered(login_as, make_case):
    case = make_case()
    officer, _ = login_as("officer")
    supervisor, _ = login_as("supervisor")
    url = case_url(case)
    officer_html = text_of(officer.get(url))
    assert has_form(officer_html, f"{url}/transitions/triage")
    assert has_form(officer_html, f"{url}/transitions/mark_duplicate")
    assert not has_form(officer_html, f"{url}/transitions/reject")
    assert not has_form(officer_html, f"{url}/transitions/close")
    supervisor_html = text_of(supervisor.get(url))
    assert has_form(supervisor_html, f"{url}/transitions/reject")
    # And the same check runs on POST: an officer cannot reject by posting anyway.
    from tests.conftest import csrf_token

    token = csrf_token(officer, url)
    response = officer.post(
        f"{url}/transitions/reject",
        data={"csrf_token": token, "version": str(case.version), "reason": "spam"},
    )
    assert response.status_code == 403
    assert fresh(case).status == "received"


def test_unknown_transition_is_404(login_as, make_case):
    client, _ = login_as("supervisor")
    case = make_case()
    from tests.conftest import csrf_token

    token = csrf_token(client, case_url(case))
    response = client.post(
        f"{case_url(case)}/transitions/explode", data={"csrf_token": token, "version": "1"}
    )
    assert response.status_code == 404


def test_timeline_reads_as_sentences(login_as, make_case):
    client, _ = login_as("officer", name="Amani Bahati")
    case = make_case()
    url = case_url(case)
    assert submit(client, url, f"{url}/assign").status_code == 302
    assert (
        submit(client, url, f"{url}/notes", text="Called the chef de site.\nNo answer.").status_code
        == 302
    )
    html = text_of(client.get(url))
    assert "The case was opened from a report received by SMS." in html
    assert "Amani Bahati took the case." in html
    assert "Amani Bahati added a note." in html
    assert "Called the chef de site.\nNo answer." in html
    assert "{&#39;" not in html and "{'" not in html  # no dict dumps


# ---------------------------------------------------------------- each form


def test_add_note(login_as, make_case):
    client, user = login_as("officer")
    case = make_case()
    url = case_url(case)
    response = submit(client, url, f"{url}/notes", text="Site visit planned for Tuesday.")
    assert response.status_code == 302
    [note] = events(case, "note")
    assert note.data == {"text": "Site visit planned for Tuesday."}
    assert note.actor_id == user.id


def test_empty_note_is_reshown_with_a_message(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    url = case_url(case)
    response = submit(client, url, f"{url}/notes", text="   ")
    assert response.status_code == 422
    assert "Write the note first." in text_of(response)
    assert events(case, "note") == []


def test_supervisor_assigns_an_officer(login_as, make_case, make_user):
    client, _ = login_as("supervisor")
    officer = make_user("officer", name="Grace Uwimana")
    case = make_case()
    url = case_url(case)
    response = submit(client, url, f"{url}/assign", assignee_id=str(officer.id))
    assert response.status_code == 302
    assert fresh(case).assignee_id == officer.id
    [event] = events(case, "assigned")
    assert event.data == {"from": None, "to": officer.id}
    assert "assigned the case to Grace Uwimana" in text_of(client.get(url))


def test_officer_takes_a_case_but_cannot_assign_others(login_as, make_case, make_user):
    client, officer = login_as("officer")
    colleague = make_user("officer")
    case = make_case()
    url = case_url(case)
    html = text_of(client.get(url))
    assert "Take this case" in html
    fields = form_fields(html, f"{url}/assign")
    response = client.post(f"{url}/assign", data={**fields, "assignee_id": str(colleague.id)})
    assert response.status_code == 403
    assert fresh(case).assignee_id is None
    assert submit(client, url, f"{url}/assign").status_code == 302
    assert fresh(case).assignee_id == officer.id
    assert "Take this case" not in text_of(client.get(url))


def test_committee_member_cannot_assign(login_as, make_case, make_committee):
    committee = make_committee()
    client, _ = login_as("committee", committee=committee)
    case = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC")
    url = case_url(case)
    html = text_of(client.get(url))
    assert not has_form(html, f"{url}/assign")
    from tests.conftest import csrf_token

    response = client.post(
        f"{url}/assign",
        data={"csrf_token": csrf_token(client, url), "version": "1", "assignee_id": "1"},
    )
    assert response.status_code == 403
    assert events(case, "assigned") == []


def test_edit_details(login_as, make_case, make_site):
    make_site()
    client, _ = login_as("officer")
    case = make_case()
    url = case_url(case)
    response = submit(
        client,
        url,
        f"{url}/details",
        title="Taxation at the Mushaki barrier",
        category="SEC",
        site_code="cd-nk-rub",
        location_text="Barrière de Mushaki",
        occurred_on="2026-10-30",
    )
    assert response.status_code == 302, text_of(response)
    case = fresh(case)
    assert case.category == "SEC"
    assert case.site.code == "CD-NK-RUB"
    assert case.location_text == "Barrière de Mushaki"
    assert case.occurred_dt.date() == date(2026, 10, 30)
    [event] = events(case, "details_changed")
    assert set(event.data["changes"]) == {
        "title",
        "category",
        "site",
        "location_text",
        "occurred_dt",
    }
    html = text_of(client.get(url))
    assert "changed the details" in html
    # Saving the unchanged form records nothing.
    assert submit(client, url, f"{url}/details").status_code == 302
    assert len(events(case, "details_changed")) == 1


def test_unknown_site_code_keeps_the_input(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    url = case_url(case)
    response = submit(
        client, url, f"{url}/details", site_code="CD-XX-NOPE", location_text="Près du pont"
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "No mine site has the code CD-XX-NOPE." in html
    fields = form_fields(html, f"{url}/details")
    assert fields["location_text"] == "Près du pont"
    assert fields["site_code"] == "CD-XX-NOPE"
    assert events(case, "details_changed") == []


def test_committee_member_cannot_edit_details(login_as, make_case, make_committee):
    committee = make_committee()
    client, _ = login_as("committee", committee=committee)
    case = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC")
    url = case_url(case)
    assert not has_form(text_of(client.get(url)), f"{url}/details")
    from tests.conftest import csrf_token

    response = client.post(
        f"{url}/details",
        data={"csrf_token": csrf_token(client, url), "version": "1", "title": "Hijacked"},
    )
    assert response.status_code == 403
    assert fresh(case).title != "Hijacked"


def test_change_level(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    url = case_url(case)
    response = submit(client, url, f"{url}/level", level="2", reason="Bribery, not violence")
    assert response.status_code == 302
    assert fresh(case).level == 2
    [event] = events(case, "level_changed")
    assert event.data["to"] == 2 and event.data["reason"] == "Bribery, not violence"


def test_level_1_downgrade_needs_a_second_supervisor(login_as, make_case, make_user):
    first, requester = login_as("supervisor", name="Claude Mugisho")
    second, _ = login_as("supervisor", name="Esther Furaha")
    case = make_case(level=1, category="SEC")
    url = case_url(case)

    # A Level 1 downgrade without a reason is refused, with the reason why.
    response = submit(first, url, f"{url}/level", level="2", reason="")
    assert response.status_code == 422
    assert "Give a reason for downgrading a Level 1 case." in text_of(response)

    response = submit(first, url, f"{url}/level", level="2", reason="Only a rumour of soldiers")
    assert response.status_code == 302
    case = fresh(case)
    assert case.level == 1 and case.pending_level == 2
    [requested] = events(case, "level_downgrade_requested")
    assert requested.actor_id == requester.id

    # The requester sees the request but no Approve button, and cannot approve by posting.
    first_html = text_of(first.get(url))
    assert "waiting for approval" in first_html
    assert not has_form(first_html, f"{url}/level/approve")
    from tests.conftest import csrf_token

    response = first.post(
        f"{url}/level/approve",
        data={"csrf_token": csrf_token(first, url), "version": str(case.version)},
    )
    assert response.status_code == 403
    assert fresh(case).level == 1

    # An officer cannot approve either.
    officer, _ = login_as("officer")
    assert not has_form(text_of(officer.get(url)), f"{url}/level/approve")
    response = officer.post(
        f"{url}/level/approve",
        data={"csrf_token": csrf_token(officer, url), "version": str(case.version)},
    )
    assert response.status_code == 403

    # A second supervisor sees Approve and Refuse, and approves.
    second_html = text_of(second.get(url))
    assert "Claude Mugisho asked to downgrade this case from Level 1 to Level 2." in second_html
    assert has_form(second_html, f"{url}/level/refuse")
    response = submit(second, url, f"{url}/level/approve")
    assert response.status_code == 302
    case = fresh(case)
    assert case.level == 2 and case.pending_level is None
    [changed] = events(case, "level_changed")
    assert changed.data["requested_by"] == requester.id
    assert (
        "Esther Furaha approved the downgrade to Level 2 asked for by Claude Mugisho."
        in text_of(second.get(url))
    )


def test_second_supervisor_can_refuse_a_downgrade(login_as, make_case):
    first, _ = login_as("supervisor")
    second, _ = login_as("supervisor")
    case = make_case(level=1, category="NSAG")
    url = case_url(case)
    submit(first, url, f"{url}/level", level="3", reason="Probably not armed")
    response = submit(second, url, f"{url}/level/refuse", reason="Two witnesses saw weapons")
    assert response.status_code == 302
    case = fresh(case)
    assert case.level == 1 and case.pending_level is None
    [refused] = events(case, "level_downgrade_refused")
    assert refused.data["reason"] == "Two witnesses saw weapons"


def test_record_corroboration(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case(status="verifying", category="SEC", level=1, location_text="Mushaki")
    url = case_url(case)
    response = submit(
        client, url, f"{url}/corroborations", source="Site visit", summary="Barrier seen."
    )
    assert response.status_code == 302
    assert fresh(case).corroboration_count == 1
    [event] = events(case, "corroboration")
    assert event.data == {"source": "Site visit", "summary": "Barrier seen."}
    response = submit(client, url, f"{url}/corroborations", source="")
    assert response.status_code == 422
    assert "Say what the source is." in text_of(response)


def test_add_action_and_mark_it_done(db, login_as, make_case):
    from casework.contacts.models import Contact

    client, _ = login_as("officer")
    contact = Contact(name="Jean Bosco", organisation="Coopérative COMIKA", sector="industry")
    contact.email = "jb@comika.example"
    db.session.add(contact)
    db.session.commit()
    case = make_case(status="verified", category="TRC", level=3, location_text="Coopérative")
    url = case_url(case)
    response = submit(
        client,
        url,
        f"{url}/actions",
        description="Train the cooperative's record keeper",
        owner=f"contact:{contact.id}",
        due_date="2026-12-15",
    )
    assert response.status_code == 302
    [action] = fresh(case).actions
    assert action.owner_contact_id == contact.id
    assert action.owner == "Jean Bosco (Coopérative COMIKA)"
    assert action.due_date == date(2026, 12, 15)
    [added] = events(case, "action_added")
    assert added.data["due_date"] == "2026-12-15"

    done_url = f"{url}/actions/{action.id}/done"
    assert submit(client, url, done_url).status_code == 302
    assert fresh(case).actions[0].is_done
    assert len(events(case, "action_done")) == 1
    assert "marked a mitigation action done: Train the cooperative" in text_of(client.get(url))


def test_action_needs_owner_and_due_date(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case(status="verified", category="TRC", level=3, location_text="x")
    url = case_url(case)
    response = submit(
        client, url, f"{url}/actions", description="Do something", owner="", due_date=""
    )
    assert response.status_code == 422
    html = text_of(response)
    assert "Choose who owns the action." in html and "Give a due date." in html
    assert form_fields(html, f"{url}/actions")["description"] == "Do something"
    assert fresh(case).actions == []


def test_action_of_another_case_is_404(login_as, make_case):
    client, officer = login_as("officer")
    case = make_case(status="verified", category="TRC", level=3, location_text="x")
    other = make_case(status="verified", category="TRC", level=3, location_text="y")
    url = case_url(other)
    owner = f"user:{officer.id}"
    submit(client, url, f"{url}/actions", description="A", owner=owner, due_date="2026-12-01")
    [action] = fresh(other).actions
    from tests.conftest import csrf_token

    response = client.post(
        f"{case_url(case)}/actions/{action.id}/done",
        data={"csrf_token": csrf_token(client, case_url(case)), "version": "1"},
    )
    assert response.status_code == 404


def test_one_member_can_no_longer_record_the_committees_decision(
    login_as, make_case, make_committee
):
    """A decision is the committee's vote (tests/committees), never one member's form entry."""
    committee = make_committee()
    client, _ = login_as("committee", committee=committee)
    case = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC")
    url = case_url(case)
    assert not has_form(text_of(client.get(url)), f"{url}/decisions")
    from tests.conftest import csrf_token

    response = client.post(
        f"{url}/decisions",
        data={"version": "1", "outcome": "suspend", "csrf_token": csrf_token(client, url)},
    )
    assert response.status_code in {404, 405}
    assert fresh(case).decisions == []


def test_supervisor_reveals_the_phone_number_once_and_it_is_audited(
    login_as, make_case, db, caplog
):
    from casework.reporters.models import Reporter

    reporter = Reporter.for_phone("+250788123456")
    db.session.add(reporter)
    case = make_case(reporter=reporter)
    client, supervisor = login_as("supervisor")
    url = case_url(case)
    assert "788123456" not in text_of(client.get(url))
    with caplog.at_level(logging.DEBUG):
        response = submit(client, url, f"{url}/reveal-phone")
    assert response.status_code == 200
    assert "+250788123456" in text_of(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert "788123456" not in caplog.text
    [event] = events(case, "phone_revealed")
    assert event.actor_id == supervisor.id and event.data == {}
    # Shown once: the next page load masks it again, and says who looked.
    html = text_of(client.get(url))
    assert "788123456" not in html
    assert "viewed the reporter's phone number" in html


def test_officer_cannot_reveal_the_phone_number(login_as, make_case, db):
    from casework.reporters.models import Reporter

    reporter = Reporter.for_phone("+250788123456")
    db.session.add(reporter)
    case = make_case(reporter=reporter)
    client, _ = login_as("officer")
    url = case_url(case)
    assert not has_form(text_of(client.get(url)), f"{url}/reveal-phone")
    from tests.conftest import csrf_token

    response = client.post(
        f"{url}/reveal-phone", data={"csrf_token": csrf_token(client, url), "version": "1"}
    )
    assert response.status_code == 403
    assert "788123456" not in text_of(response)
    assert events(case, "phone_revealed") == []


# ---------------------------------------------------------------- transitions


def test_guard_failures_are_sentences_and_nothing_is_lost(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    url = case_url(case)
    # The page says what is missing before the user tries...
    page = text_of(client.get(url))
    assert "Set a risk category before triage." in page
    # ...and again, as the reason for refusing, when they try anyway.
    response = submit(client, url, f"{url}/transitions/triage")
    assert response.status_code == 422
    html = text_of(response)
    assert "Set a risk category before triage." in html
    assert "Set a level (1, 2 or 3) before triage." in html
    assert "Set a mine site or describe the location before triage." in html
    assert fresh(case).status == "received"
    assert events(case, "transition") == []


def test_triage_after_details_are_set(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    url = case_url(case)
    submit(client, url, f"{url}/details", category="SEC", location_text="Mushaki")
    submit(client, url, f"{url}/level", level="1")
    response = submit(client, url, f"{url}/transitions/triage")
    assert response.status_code == 302
    assert fresh(case).status == "triaged"
    [event] = events(case, "transition")
    assert event.data == {"transition": "triage", "from": "received", "to": "triaged"}
    html = text_of(client.get(url))
    assert "is now triaged" in html
    assert "moved the case from received to triaged (Confirm triage)." in html


def test_close_needs_a_resolution(login_as, make_case):
    client, _ = login_as("supervisor")
    case = make_case(status="verified", category="TRC", level=3, location_text="x")
    url = case_url(case)
    html = text_of(client.get(url))
    fields = form_fields(html, f"{url}/transitions/close")
    assert "resolution" in fields  # the close form asks for it
    response = submit(client, url, f"{url}/transitions/close", resolution="", comment="Done")
    assert response.status_code == 422
    assert "Choose a resolution" in text_of(response)
    assert form_fields(text_of(response), f"{url}/transitions/close")["comment"] == "Done"
    response = submit(client, url, f"{url}/transitions/close", resolution="unresolved")
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == "closed" and case.resolution == "unresolved"


def test_reject_and_reopen_need_a_reason(login_as, make_case):
    client, _ = login_as("supervisor")
    case = make_case()
    url = case_url(case)
    response = submit(client, url, f"{url}/transitions/reject", reason="")
    assert response.status_code == 422
    assert fresh(case).status == "received"
    response = submit(client, url, f"{url}/transitions/reject", reason="About a shop, not a mine")
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == "closed" and case.resolution == "rejected"
    assert events(case, "transition")[-1].data["reason"] == "About a shop, not a mine"
    response = submit(client, url, f"{url}/transitions/reopen", reason="The shop buys coltan")
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == "triaged" and case.resolution is None


def test_escalate_to_a_chosen_committee(login_as, make_case, make_committee):
    committee = make_committee("Comité provincial du Nord-Kivu")
    client, _ = login_as("supervisor")
    case = make_case(status="verified", category="SEC", level=1, location_text="Mushaki")
    url = case_url(case)
    html = text_of(client.get(url))
    assert "Comité provincial du Nord-Kivu" in html
    response = submit(client, url, f"{url}/transitions/escalate", committee_id=str(committee.id))
    assert response.status_code == 302
    case = fresh(case)
    assert case.status == "escalated" and case.committee_id == committee.id
    assert "Committee: Comité provincial du Nord-Kivu." in text_of(client.get(url))


def test_mark_duplicate_looks_up_the_original(login_as, make_case):
    client, _ = login_as("officer")
    original = make_case()
    case = make_case()
    url = case_url(case)
    response = submit(client, url, f"{url}/transitions/mark_duplicate", duplicate_of="CW-ZZZZ-ZZZZ")
    assert response.status_code == 422
    html = text_of(response)
    assert "No case has the reference CW-ZZZZ-ZZZZ." in html
    assert form_fields(html, f"{url}/transitions/mark_duplicate")["duplicate_of"] == "CW-ZZZZ-ZZZZ"
    assert fresh(case).status == "received"

    response = submit(
        client, url, f"{url}/transitions/mark_duplicate", duplicate_of=original.reference.lower()
    )
    assert response.status_code == 302, text_of(response)
    case = fresh(case)
    assert case.status == "closed" and case.resolution == "duplicate"
    assert case.duplicate_of_id == original.id
    assert original.reference in text_of(client.get(url))


def test_transition_from_the_wrong_state_is_a_conflict(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case(status="triaged", category="SEC", level=1, location_text="x")
    url = case_url(case)
    from tests.conftest import csrf_token

    response = client.post(
        f"{url}/transitions/verify",
        data={"csrf_token": csrf_token(client, url), "version": str(case.version)},
    )
    assert response.status_code == 409
    assert fresh(case).status == "triaged"


# ---------------------------------------------------------------- new reports


def test_officer_opens_a_case_for_a_report_taken_by_phone(login_as, make_site):
    make_site()
    client, officer = login_as("officer")
    text = "Police des mines ku pont ya Kalehe exige 20$ pour passer moto.\nAidez-nous."
    response = submit(
        client,
        "/cases",
        "/cases/new",
        description=text,
        channel="phone",
        language="fr",
        category="BRB",
        level="2",
        site_code="CD-NK-RUB",
        location_text="Pont de Kalehe",
    )
    assert response.status_code == 302
    case = _db.session.scalar(select(Case).order_by(Case.id.desc()))
    assert response.headers["Location"] == f"/cases/{case.reference}"
    assert case.description == text
    assert (case.channel, case.language, case.category, case.level) == ("phone", "fr", "BRB", 2)
    assert case.site.code == "CD-NK-RUB"
    [created] = events(case)
    assert created.kind == "created" and created.actor_id == officer.id
    assert case.reference in text_of(client.get(response.headers["Location"]))


def test_new_report_without_text_is_reshown(login_as):
    client, _ = login_as("officer")
    response = submit(client, "/cases", "/cases/new", description="", location_text="Rubaya")
    assert response.status_code == 422
    html = text_of(response)
    assert "Type the report as the reporter gave it." in html
    assert form_fields(html, "/cases/new")["location_text"] == "Rubaya"
    assert _db.session.scalar(select(Case.id)) is None


@pytest.mark.parametrize("role", ["viewer", "committee", "admin"])
def test_only_officers_and_supervisors_open_cases(login_as, role):
    client, _ = login_as(role)
    assert not has_form(text_of(client.get("/cases")), "/cases/new")
    from tests.conftest import csrf_token

    response = client.post(
        "/cases/new",
        data={"csrf_token": csrf_token(client, "/cases"), "description": "x", "channel": "phone"},
    )
    assert response.status_code == 403
    assert _db.session.scalar(select(Case.id)) is None


# ---------------------------------------------------------------- the queue


def test_queue_filters(login_as, make_case, make_site, make_user):
    client, officer = login_as("officer")
    site = make_site()
    mine = make_case(title="Barrière de Mushaki", category="SEC", level=1, site=site)
    mine.assignee_id = officer.id
    unassigned = make_case(title="Cahier non rempli", category="TRC", level=3)
    closed = make_case(title="Accident au puits", category="OHS", level=2, status="closed")
    _db.session.commit()

    def refs(query: str) -> set[str]:
        html = text_of(client.get(f"/cases?{query}"))
        return {c.reference for c in (mine, unassigned, closed) if c.reference in html}

    assert refs("") == {mine.reference, unassigned.reference}  # open cases by default
    assert refs("view=all") == {mine.reference, unassigned.reference, closed.reference}
    assert refs("status=closed&view=all") == {closed.reference}
    assert refs("level=1") == {mine.reference}
    assert refs("category=TRC") == {unassigned.reference}
    assert refs("assignee=me") == {mine.reference}
    assert refs("assignee=none&view=all") == {unassigned.reference, closed.reference}
    assert refs("site=cd-nk-rub") == {mine.reference}
    assert refs("q=cahier") == {unassigned.reference}
    assert refs("level=nonsense&view=all") == {
        mine.reference,
        unassigned.reference,
        closed.reference,
    }
    # The filter form shows what is applied.
    fields = form_fields(text_of(client.get("/cases?status=closed&q=puits")), "/cases")
    assert fields["status"] == "closed" and fields["q"] == "puits"


def test_older_cases_link_keeps_the_filters(login_as, make_case, monkeypatch):
    from casework.cases import queue_views

    monkeypatch.setattr(queue_views, "QUEUE_PAGE_SIZE", 2)
    client, _ = login_as("officer")
    sec = [make_case(category="SEC", level=1, title=f"SEC {n}") for n in range(3)]
    make_case(category="TRC", level=3, title="TRC")
    html = text_of(client.get("/cases?category=SEC"))
    assert sec[2].reference in html and sec[1].reference in html
    assert sec[0].reference not in html
    import re

    [href] = re.findall(r'href="(/cases\?[^"]*cursor=[^"]*)"', html)
    href = href.replace("&amp;", "&")
    assert "category=SEC" in href
    older = text_of(client.get(href))
    assert sec[0].reference in older
    assert sec[1].reference not in older and "TRC" not in older.split("<tbody>")[1]
    assert client.get("/cases?cursor=garbage").status_code == 400


def test_overdue_cases_are_highlighted(login_as, make_case, frozen_now):
    client, _ = login_as("officer")
    late = make_case(title="Late one")
    late.due_dt = frozen_now - timedelta(hours=2)
    on_time = make_case(title="On time")
    on_time.due_dt = frozen_now + timedelta(days=2)
    _db.session.commit()
    html = text_of(client.get("/cases"))
    rows = {
        c.reference: row for row in html.split("<tr") for c in (late, on_time) if c.reference in row
    }
    assert "overdue" in rows[late.reference]
    assert "overdue" not in rows[on_time.reference]
    assert 'class="level level-' in html or "level-none" in html
    assert "overdue" in text_of(client.get(case_url(late)))


def test_page_says_what_a_transition_still_needs(login_as, make_case, make_committee):
    committee = make_committee()
    client, _ = login_as("supervisor")
    case = make_case(status="escalated", committee_id=committee.id, level=1, category="SEC")
    html = text_of(client.get(case_url(case)))
    assert "A Level 1 case needs a committee decision (a vote at a quorate meeting" in html
    assert "The committee has not decided yet: a decision is reached by a vote" in html


def test_timeline_speaks_of_messages_from_other_areas(login_as, make_case, db):
    """Events recorded by SMS intake and the outbox read as sentences too; a kind the page
    does not know yet still reads as words, never as a data dump."""
    from casework.cases.operations import record_event

    case = make_case()
    record_event(
        case,
        "message_in",
        actor=None,
        data={"channel": "sms", "text": "Na leo tena", "media": ["image/jpeg"]},
    )
    record_event(case, "message_out", actor=None, data={"text": "Asante. Ref CW-..."})
    record_event(case, "message_failed", actor=None, data={"error_code": "30003"})
    record_event(case, "reporter_opted_out", actor=None, data={"message_id": 1})
    record_event(case, "reminder_sent", actor=None, data={"due": "2026-11-03"})
    db.session.commit()
    client, _ = login_as("officer")
    html = text_of(client.get(case_url(case)))
    assert "The reporter sent a message by SMS." in html and "Na leo tena" in html
    assert "It has 1 attachment." in html
    assert "Casework replied to the reporter." in html
    assert "could not be delivered: the phone is switched off or out of reach." in html
    assert "asked for no more SMS (STOP)" in html
    assert "Casework: reminder sent." in html
    assert "{&#39;" not in html and "2026-11-03" not in html


def test_masked_number_only_for_supervisors_and_the_assigned_officer(login_as, make_case, db):
    from casework.reporters.models import Reporter

    case = make_case(reporter=Reporter.for_phone("+243991112233"))
    admin_client, _ = login_as("admin")
    page = admin_client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "233" not in page.split("Reporter")[1][:400]
    officer_client, officer = login_as("officer")
    case.assignee = officer
    db.session.commit()
    page = officer_client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "+243 ••• ••• 233" in page
