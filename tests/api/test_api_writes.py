"""Writing to a case through /api/v1: every write with good, stale, invalid and forbidden
input; tokens' scopes and expiry; a session cookie never writes."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest
from sqlalchemy import select

from casework import clock
from casework.auth.models import ApiToken
from casework.cases.models import Case, CaseEvent, MitigationAction
from tests.conftest import login


@pytest.fixture
def token(db):
    """``token(user, scopes="read write", expires_dt=None)`` -> the request's headers."""

    def make(user, scopes: str = "read write", expires_dt=None) -> dict[str, str]:
        raw = secrets.token_urlsafe(32)
        db.session.add(
            ApiToken(user=user, token_hash=ApiToken.hash(raw), scopes=scopes, expires_dt=expires_dt)
        )
        db.session.commit()
        return {"Authorization": f"Bearer {raw}"}

    return make


@pytest.fixture
def site(make_site):
    return make_site()


@pytest.fixture
def officer(make_user):
    return make_user("officer")


@pytest.fixture
def received(make_case, site):
    return make_case(category="SEC", level=2, site=site)


def post(client, case, path: str, headers, **body):
    return client.post(f"/api/v1/cases/{case.reference}/{path}", json=body, headers=headers)


def fresh(db, case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def kinds(db, case) -> list[str]:
    return list(
        db.session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)
        )
    )


def assert_problem(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == status
    return response.json


# ---------------------------------------------------------------- tokens and scopes


def test_a_write_without_a_token_is_401(client, received):
    response = post(client, received, "notes", {}, version=received.version, text="Hello")
    assert_problem(response, 401)


def test_a_logged_in_browser_cannot_write_through_the_api(login_as, db, received):
    browser, _user = login_as("supervisor")
    response = post(browser, received, "notes", {}, version=received.version, text="Forged")
    body = assert_problem(response, 401)
    assert "Bearer" in body["detail"]
    assert kinds(db, received) == ["created"]


def test_a_read_token_reads_but_gets_403_on_a_write(client, db, token, officer, received):
    headers = token(officer, scopes="read")
    assert client.get(f"/api/v1/cases/{received.reference}", headers=headers).status_code == 200
    response = post(client, received, "notes", headers, version=received.version, text="Hi")
    assert assert_problem(response, 403)["title"] == "Read-only token"
    assert kinds(db, received) == ["created"]


def test_an_expired_token_gets_401_and_one_before_expiry_works(
    client, token, officer, received, frozen_now
):
    headers = token(officer, expires_dt=frozen_now + timedelta(days=1))
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    clock.freeze(frozen_now + timedelta(days=1))
    assert_problem(client.get("/api/v1/cases", headers=headers), 401)
    response = post(client, received, "notes", headers, version=received.version, text="Late")
    assert_problem(response, 401)


def test_a_revoked_token_gets_401_on_a_write(client, db, token, officer, received):
    headers = token(officer)
    db.session.execute(db.update(ApiToken).values(is_revoked=True))
    db.session.commit()
    response = post(client, received, "notes", headers, version=received.version, text="Hi")
    assert_problem(response, 401)


def test_last_use_is_written_at_most_every_five_minutes(client, db, token, officer, frozen_now):
    headers = token(officer, scopes="read")
    client.get("/api/v1/cases", headers=headers)
    row = db.session.scalar(select(ApiToken))
    assert row.last_used_dt == frozen_now
    clock.freeze(frozen_now + timedelta(minutes=4))
    client.get("/api/v1/cases", headers=headers)
    db.session.refresh(row)
    assert row.last_used_dt == frozen_now
    clock.freeze(frozen_now + timedelta(minutes=5))
    client.get("/api/v1/cases", headers=headers)
    db.session.refresh(row)
    assert row.last_used_dt == frozen_now + timedelta(minutes=5)


# ---------------------------------------------------------------- suggestions


def test_the_case_gives_intakes_suggestions(client, db, token, officer, make_case, site):
    case = make_case(suggested_category="CHL", suggested_level=2, suggested_site_id=site.id)
    detail = client.get(f"/api/v1/cases/{case.reference}", headers=token(officer)).json
    assert detail["suggestions"] == {"category": "CHL", "level": 2, "site": "CD-NK-RUB"}
    assert detail["category"] is None and detail["level"] is None


# ---------------------------------------------------------------- transitions


def test_an_officer_triages_a_case_with_its_version(client, db, token, officer, received):
    response = post(
        client, received, "transitions/triage", token(officer), version=received.version
    )
    assert response.status_code == 200, response.json
    assert response.json["case"]["status"] == "triaged"
    assert response.json["case"]["version"] == fresh(db, received).version
    assert kinds(db, received)[-1] == "transition"


def test_a_stale_version_is_a_409_and_changes_nothing(client, db, token, officer, received):
    stale = received.version
    received.title = "Changed by someone else"
    db.session.commit()
    response = post(client, received, "transitions/triage", token(officer), version=stale)
    assert assert_problem(response, 409)["title"] == "Stale case"
    assert fresh(db, received).status == "received"


def test_a_transition_whose_guards_fail_is_422_with_the_reasons(
    client, db, token, officer, make_case
):
    case = make_case()  # no category, level or place
    response = post(client, case, "transitions/triage", token(officer), version=case.version)
    body = assert_problem(response, 422)
    assert len(body["errors"]) == 3 and all(e["field"] is None for e in body["errors"])


def test_a_transition_from_the_wrong_state_is_409_and_a_role_that_never_may_is_403(
    client, db, token, officer, make_case, site
):
    verified = make_case(status="verified", category="SEC", level=2, site=site)
    response = post(
        client, verified, "transitions/triage", token(officer), version=verified.version
    )
    assert_problem(response, 409)
    response = post(
        client,
        verified,
        "transitions/close",
        token(officer),
        version=verified.version,
        resolution="resolved",
    )
    assert_problem(response, 403)  # closing is a supervisor's step
    assert fresh(db, verified).status == "verified"


def test_closing_needs_a_resolution_and_takes_only_its_own_fields(
    client, db, token, make_user, make_case, site
):
    supervisor = make_user("supervisor")
    case = make_case(status="monitoring", category="ENV", level=3, site=site)
    headers = token(supervisor)
    body = assert_problem(
        post(client, case, "transitions/close", headers, version=case.version), 422
    )
    assert body["errors"][0]["message"].startswith("Choose a resolution")
    body = assert_problem(
        post(
            client,
            case,
            "transitions/close",
            headers,
            version=case.version,
            resolution="resolved",
            committee_id=3,
        ),
        422,
    )
    assert body["errors"] == [
        {"field": "committee_id", "message": "The close transition takes no committee_id."}
    ]
    body = assert_problem(
        post(client, case, "transitions/close", headers, version=case.version, resolution="nope"),
        422,
    )
    assert body["errors"][0]["field"] == "resolution"
    done = post(
        client, case, "transitions/close", headers, version=case.version, resolution="resolved"
    )
    assert done.status_code == 200, done.json
    assert done.json["case"]["resolution"] == "resolved"


def test_marking_a_duplicate_names_the_original(client, db, token, officer, make_case):
    original, copy = make_case(), make_case()
    headers = token(officer)
    body = assert_problem(
        post(
            client,
            copy,
            "transitions/mark_duplicate",
            headers,
            version=copy.version,
            duplicate_of="CW-0000-0000",
        ),
        422,
    )
    assert body["errors"][0]["field"] == "duplicate_of"
    response = post(
        client,
        copy,
        "transitions/mark_duplicate",
        headers,
        version=copy.version,
        duplicate_of=original.reference.lower(),
    )
    assert response.status_code == 200, response.json
    assert fresh(db, copy).duplicate_of_id == original.id


def test_an_unknown_transition_or_case_is_404(client, token, officer, received):
    headers = token(officer)
    assert_problem(
        post(client, received, "transitions/explode", headers, version=received.version), 404
    )
    response = client.post(
        "/api/v1/cases/CW-0000-0000/notes", json={"version": 1, "text": "x"}, headers=headers
    )
    assert_problem(response, 404)


# ---------------------------------------------------------------- notes and permissions


def test_a_note_goes_on_the_timeline(client, db, token, officer, received):
    response = post(client, received, "notes", token(officer), version=received.version,
                    text="Called the site's chief.")  # fmt: skip
    assert response.status_code == 200
    assert kinds(db, received)[-1] == "note"


def test_an_invalid_body_is_422_with_a_problem_per_field(client, db, token, officer, received):
    response = post(client, received, "notes", token(officer), text="", colour="blue")
    body = assert_problem(response, 422)
    assert {e["field"] for e in body["errors"]} == {"version", "text", "colour"}
    response = client.post(
        f"/api/v1/cases/{received.reference}/notes", data="version=1", headers=token(officer)
    )
    assert_problem(response, 422)
    assert kinds(db, received) == ["created"]


def test_viewers_and_admins_may_not_write_even_with_a_write_token(
    client, db, token, make_user, make_case
):
    published = make_case(status="closed", is_published=True, public_summary="Done.")
    for role in ("viewer", "admin"):
        response = post(client, published, "notes", token(make_user(role)),
                        version=published.version, text="Mine")  # fmt: skip
        assert_problem(response, 403)
    assert kinds(db, published) == ["created"]


# ---------------------------------------------------------------- assign, details, level


def test_assigning_is_a_supervisors_step_officers_may_take_one(
    client, db, token, officer, make_user, received
):
    supervisor = make_user("supervisor")
    other = make_user("officer", email="amani@example.org")
    response = post(client, received, "assign", token(officer), version=received.version,
                    assignee=other.email)  # fmt: skip
    assert_problem(response, 403)
    response = post(client, received, "assign", token(officer), version=received.version,
                    assignee=officer.email)  # fmt: skip
    assert response.json["case"]["assignee"] == officer.email
    version = response.json["case"]["version"]
    response = post(client, received, "assign", token(supervisor), version=version,
                    assignee="nobody@example.org")  # fmt: skip
    assert assert_problem(response, 422)["errors"][0]["field"] == "assignee"
    response = post(client, received, "assign", token(supervisor), version=version,
                    assignee="AMANI@example.org")  # fmt: skip
    assert response.json["case"]["assignee"] == "amani@example.org"
    response = post(client, received, "assign", token(supervisor), version=version, assignee=None)
    assert_problem(response, 409)  # the version of before the last assignment


def test_details_change_what_is_given(client, db, token, officer, received, make_site):
    make_site(code="CD-SK-KAL", name="Kalimbi", province="Sud-Kivu", territory="Kalehe")
    headers = token(officer)
    response = post(client, received, "details", headers, version=received.version,
                    site="cd-sk-kal", category="TAX", occurred_on="2026-10-30")  # fmt: skip
    assert response.status_code == 200, response.json
    case = fresh(db, received)
    assert (case.site.code, case.category, case.title) == ("CD-SK-KAL", "TAX", received.title)
    assert case.occurred_dt.date().isoformat() == "2026-10-30"
    response = post(client, received, "details", headers, version=case.version, site="XX-NONE")
    assert assert_problem(response, 422)["errors"][0]["field"] == "site"
    response = post(client, received, "details", headers, version=case.version,
                    occurred_on="yesterday")  # fmt: skip
    assert assert_problem(response, 422)["errors"][0]["field"] == "occurred_on"


def test_a_level_1_downgrade_waits_for_a_second_supervisor(
    client, db, token, make_user, make_case, site
):
    case = make_case(status="triaged", category="SEC", level=1, site=site)
    first, second = make_user("supervisor"), make_user("supervisor")
    body = assert_problem(
        post(client, case, "level", token(first), version=case.version, level=3), 422
    )
    assert "reason" in body["errors"][0]["message"]
    response = post(client, case, "level", token(first), version=case.version, level=3,
                    reason="A land dispute, not security forces.")  # fmt: skip
    assert response.json["case"]["pending_level"] == 3 and response.json["case"]["level"] == 1
    version = response.json["case"]["version"]
    assert_problem(post(client, case, "level/approve", token(first), version=version), 403)
    assert_problem(post(client, case, "level/approve", token(second), version=version - 1), 409)
    response = post(client, case, "level/approve", token(second), version=version)
    assert response.status_code == 200, response.json
    assert response.json["case"]["level"] == 3 and response.json["case"]["pending_level"] is None


def test_a_supervisor_refuses_a_downgrade_and_officers_may_not(
    client, db, token, officer, make_user, make_case, site
):
    case = make_case(status="triaged", category="SEC", level=1, site=site)
    first, second = make_user("supervisor"), make_user("supervisor")
    version = post(client, case, "level", token(first), version=case.version, level=2,
                   reason="Only a tax.").json["case"]["version"]  # fmt: skip
    assert_problem(post(client, case, "level/refuse", token(officer), version=version), 403)
    assert_problem(post(client, case, "level/refuse", token(second), version=version + 1), 409)
    response = post(client, case, "level/refuse", token(second), version=version,
                    reason="Soldiers were there.")  # fmt: skip
    assert response.json["case"]["level"] == 1 and response.json["case"]["pending_level"] is None
    assert kinds(db, case)[-1] == "level_downgrade_refused"
    assert_problem(
        post(client, case, "level/refuse", token(second), version=fresh(db, case).version), 422
    )  # fmt: skip  (nothing pending)


def test_a_level_must_be_1_2_or_3(client, token, officer, received):
    response = post(client, received, "level", token(officer), version=received.version, level=4)
    assert assert_problem(response, 422)["errors"][0]["field"] == "level"


# ---------------------------------------------------------------- corroborations, actions


def test_a_corroboration_is_recorded_and_needs_a_source(client, db, token, officer, make_case,
                                                        site):  # fmt: skip
    case = make_case(status="verifying", category="SEC", level=2, site=site)
    headers, before = token(officer), case.version
    assert_problem(post(client, case, "corroborations", headers, version=before,
                        source="   "), 422)  # fmt: skip
    response = post(client, case, "corroborations", headers, version=before,
                    source="Site visit", summary="Two witnesses confirm.")  # fmt: skip
    assert response.status_code == 200
    assert [c.source for c in fresh(db, case).corroborations] == ["Site visit"]
    assert_problem(post(client, case, "corroborations", headers, version=before,
                        source="Again"), 409)  # fmt: skip


def test_a_mitigation_action_is_added_and_marked_done(client, db, token, officer, make_user,
                                                      make_case, site):  # fmt: skip
    case = make_case(status="verified", category="ENV", level=3, site=site)
    viewer = make_user("viewer")
    headers = token(officer)
    response = post(client, case, "actions", headers, version=case.version,
                    description="Fence the pit.", owner=f"user:{viewer.id}",
                    due_date="2026-12-01")  # fmt: skip
    assert assert_problem(response, 422)["errors"][0]["field"] == "owner"
    response = post(client, case, "actions", headers, version=case.version,
                    description="Fence the pit.", owner=f"user:{officer.id}",
                    due_date="2026-12-01")  # fmt: skip
    assert response.status_code == 200, response.json
    action = response.json["action"]
    assert (action["owner"], action["due_date"], action["is_done"]) == (
        officer.display_name, "2026-12-01", False)  # fmt: skip
    version = response.json["case"]["version"]
    done_path = f"actions/{action['id']}/done"
    assert_problem(post(client, case, "actions/999999/done", headers, version=version), 404)
    assert_problem(post(client, case, done_path, headers, version=version - 1), 409)
    response = post(client, case, done_path, headers, version=version)
    assert response.status_code == 200 and response.json["action"]["is_done"] is True
    assert db.session.get(MitigationAction, action["id"]).is_done


def test_a_closed_case_takes_no_action(client, db, token, make_user, make_case):
    case = make_case(status="closed")
    supervisor = make_user("supervisor")
    response = post(client, case, "actions", token(supervisor),
                    version=case.version, description="Late.",
                    owner=f"user:{supervisor.id}", due_date="2026-12-01")  # fmt: skip
    body = assert_problem(response, 422)
    assert "closed" in body["errors"][0]["message"]
    assert fresh(db, case).actions == []


def test_the_browser_login_still_needs_csrf_for_the_case_page(app, db, officer, received):
    """The API's exemption from CSRF is its own: the case page's forms keep their check."""
    browser = app.test_client()
    login(browser, officer.email)
    response = browser.post(f"/cases/{received.reference}/notes", data={"text": "x"})
    assert response.status_code == 400


# ---------------------------------------------------------------- casework tokens create


def test_tokens_create_makes_a_read_token_for_90_days_by_default(
    runner, db, client, make_user, received, frozen_now
):
    user = make_user("officer", email="reader@example.org")
    result = runner.invoke(args=["tokens", "create", user.email])
    assert result.exit_code == 0, result.output
    row = db.session.scalar(select(ApiToken))
    assert (row.scopes, row.expires_dt) == ("read", frozen_now + timedelta(days=90))
    headers = {"Authorization": f"Bearer {result.stdout.strip()}"}
    response = post(client, received, "notes", headers, version=received.version, text="Hi")
    assert_problem(response, 403)


def test_tokens_create_with_write_scope_and_days_writes_until_it_expires(
    runner, db, client, make_user, received, frozen_now
):
    user = make_user("officer", email="writer@example.org")
    result = runner.invoke(args=["tokens", "create", user.email, "--scope", "write",
                                 "--days", "2"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "write API token" in result.stderr and "valid 2 days" in result.stderr
    headers = {"Authorization": f"Bearer {result.stdout.strip()}"}
    response = post(client, received, "notes", headers, version=received.version, text="Hi")
    assert response.status_code == 200
    clock.freeze(frozen_now + timedelta(days=2, seconds=1))
    version = fresh(db, received).version
    assert_problem(post(client, received, "notes", headers, version=version, text="Hi"), 401)
    bad = runner.invoke(args=["tokens", "create", user.email, "--scope", "admin"])
    assert bad.exit_code != 0
    assert runner.invoke(args=["tokens", "create", user.email, "--days", "0"]).exit_code != 0


def test_a_nul_character_in_a_body_is_a_422_not_a_database_error(client, db, token, officer,
                                                                  received):  # fmt: skip
    response = post(client, received, "notes", token(officer), version=received.version,
                    text="before\x00after")  # fmt: skip
    assert assert_problem(response, 422)["errors"][0]["field"] == "text"
    assert kinds(db, received) == ["created"]


def test_voting_is_a_write_a_read_token_gets_403(client, token, make_user):
    member = make_user("committee")
    response = client.post("/api/v1/agenda-items/1/votes", json={"choice": "for"},
                           headers=token(member, scopes="read"))  # fmt: skip
    assert assert_problem(response, 403)["title"] == "Read-only token"
