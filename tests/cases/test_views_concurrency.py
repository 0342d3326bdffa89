"""Stale edits: a form built from an older version of the case is never applied silently.

Two paths lead to the same answer (409, the page re-shown with the user's input and a
conflict message, nothing saved): the form's hidden ``version`` is behind the case
(`StaleCase`), or another request commits between this one's read and its write
(SQLAlchemy's version check raises `StaleDataError` at flush).
"""

from __future__ import annotations

from sqlalchemy import update

from casework.cases.models import Case
from casework.extensions import db as _db
from tests.cases.test_views import case_url, events, form_fields, fresh, submit, text_of

CONFLICT = "Someone else changed this case while you were editing it"


def snapshot(case) -> dict:
    case = fresh(case)
    return {
        "status": case.status,
        "title": case.title,
        "category": case.category,
        "level": case.level,
        "location_text": case.location_text,
        "assignee_id": case.assignee_id,
        "version": case.version,
        "events": [(e.seq, e.kind) for e in events(case)],
    }


def test_two_users_edit_the_same_case_one_wins_the_other_gets_409(login_as, make_case):
    alice, _ = login_as("officer", name="Alice")
    bob, _ = login_as("supervisor", name="Bob")
    case = make_case()
    url = case_url(case)
    # Both load the page, so both forms carry the same version.
    alice_form = form_fields(text_of(alice.get(url)), f"{url}/details")
    bob_form = form_fields(text_of(bob.get(url)), f"{url}/details")
    assert alice_form["version"] == bob_form["version"]

    first = alice.post(
        f"{url}/details", data={**alice_form, "title": "Barrier tax at Mushaki", "category": "SEC"}
    )
    assert first.status_code == 302
    after_alice = snapshot(case)

    second = bob.post(
        f"{url}/details",
        data={**bob_form, "title": "Bob's title", "location_text": "Pont de Kalehe"},
    )
    assert second.status_code == 409
    html = text_of(second)
    assert CONFLICT in html
    # Nothing of Bob's was saved.
    assert snapshot(case) == after_alice
    # Bob's input is kept, and the page shows the case as Alice left it.
    kept = form_fields(html, f"{url}/details")
    assert kept["title"] == "Bob's title"
    assert kept["location_text"] == "Pont de Kalehe"
    assert "Security forces: illegal taxation" in html
    # The re-shown form is at the current version: sending it again is Bob's choice.
    assert kept["version"] == str(after_alice["version"])
    assert bob.post(f"{url}/details", data=kept).status_code == 302
    assert fresh(case).location_text == "Pont de Kalehe"


def test_stale_transition_is_refused_and_the_case_is_unchanged(login_as, make_case):
    officer, _ = login_as("officer")
    supervisor, _ = login_as("supervisor")
    case = make_case(category="SEC", level=1, location_text="Mushaki")
    url = case_url(case)
    stale = form_fields(text_of(officer.get(url)), f"{url}/transitions/triage")
    # Meanwhile the supervisor rejects the case.
    assert (
        submit(supervisor, url, f"{url}/transitions/reject", reason="Out of scope").status_code
        == 302
    )
    before = snapshot(case)
    response = officer.post(f"{url}/transitions/triage", data=stale)
    assert response.status_code == 409
    assert CONFLICT in text_of(response)
    assert snapshot(case) == before
    assert before["status"] == "closed"


def test_stale_level_change_and_assignment(login_as, make_case, make_user):
    officer, _ = login_as("officer")
    supervisor, _ = login_as("supervisor")
    case = make_case()
    url = case_url(case)
    html = text_of(officer.get(url))
    level_form = form_fields(html, f"{url}/level")
    assign_form = form_fields(html, f"{url}/assign")
    assert submit(supervisor, url, f"{url}/notes", text="Looked at it").status_code == 302
    assert submit(supervisor, url, f"{url}/level", level="1").status_code == 302
    before = snapshot(case)
    response = officer.post(f"{url}/level", data={**level_form, "level": "3", "reason": "minor"})
    assert response.status_code == 409
    assert form_fields(text_of(response), f"{url}/level")["reason"] == "minor"
    response = officer.post(f"{url}/assign", data=assign_form)
    assert response.status_code == 409
    assert snapshot(case) == before


def test_a_note_is_appended_even_if_the_case_moved_on(login_as, make_case):
    """Appending overwrites nothing: a note written on an older page is still kept."""
    officer, _ = login_as("officer")
    supervisor, _ = login_as("supervisor")
    case = make_case()
    url = case_url(case)
    stale = form_fields(text_of(officer.get(url)), f"{url}/notes")
    submit(supervisor, url, f"{url}/level", level="2")
    response = officer.post(f"{url}/notes", data={**stale, "text": "Reporter called back"})
    assert response.status_code == 302
    assert [e.data["text"] for e in events(case, "note")] == ["Reporter called back"]


def test_concurrent_commit_between_read_and_write_is_a_409(login_as, make_case, monkeypatch, db):
    """Another worker commits after this request loaded the case but before it flushed:
    the version check in the UPDATE finds no row and SQLAlchemy raises StaleDataError."""
    from casework.cases import action_views

    client, _ = login_as("officer")
    case = make_case()
    url = case_url(case)
    real_get_case = action_views.get_case
    interfered = []

    def get_case_then_someone_else_commits(reference):
        loaded = real_get_case(reference)
        if not interfered:
            interfered.append(True)
            with _db.engine.begin() as other:  # another connection: another worker
                other.execute(
                    update(Case)
                    .where(Case.id == loaded.id)
                    .values(version=Case.version + 1, title="Changed elsewhere")
                )
        return loaded

    form = form_fields(text_of(client.get(url)), f"{url}/details")
    monkeypatch.setattr(action_views, "get_case", get_case_then_someone_else_commits)
    response = client.post(
        f"{url}/details", data={**form, "location_text": "Nyabibwe", "category": "CHL"}
    )
    assert response.status_code == 409
    html = text_of(response)
    assert CONFLICT in html
    kept = form_fields(html, f"{url}/details")
    assert kept["location_text"] == "Nyabibwe" and kept["category"] == "CHL"
    case = fresh(case)
    assert case.title == "Changed elsewhere"
    assert case.location_text == "" and case.category is None
    assert events(case, "details_changed") == []


def test_form_without_a_version_is_reshown(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    url = case_url(case)
    form = form_fields(text_of(client.get(url)), f"{url}/details")
    del form["version"]
    response = client.post(f"{url}/details", data={**form, "title": "New"})
    assert response.status_code == 422
    assert "missing the case version" in text_of(response)
    assert fresh(case).title != "New"
