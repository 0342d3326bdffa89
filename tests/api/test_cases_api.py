from __future__ import annotations

import secrets

import pytest

from casework.auth.models import ApiToken
from casework.cases import operations as ops
from casework.reporters.models import Reporter


@pytest.fixture
def bearer(db):
    def make(user) -> dict[str, str]:
        token = secrets.token_urlsafe(32)
        db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(token)))
        db.session.commit()
        return {"Authorization": f"Bearer {token}"}

    return make


def test_anonymous_gets_401_problem(client, make_case):
    case = make_case()
    for url in ("/api/v1/cases", f"/api/v1/cases/{case.reference}"):
        response = client.get(url)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.json["status"] == 401


def test_wrong_or_revoked_token_gets_401(client, db, make_user, bearer):
    headers = bearer(make_user("officer"))
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    assert client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"}).status_code == 401
    db.session.execute(db.update(ApiToken).values(is_revoked=True))
    db.session.commit()
    assert client.get("/api/v1/cases", headers=headers).status_code == 401


def test_viewer_cannot_read_an_unpublished_case(client, make_user, make_case, bearer):
    headers = bearer(make_user("viewer"))
    hidden = make_case(category="SEC", level=1)
    published = make_case(
        category="BRB",
        level=2,
        is_published=True,
        public_summary="Illegal tax at a checkpoint; mitigated.",
    )
    assert client.get(f"/api/v1/cases/{hidden.reference}", headers=headers).status_code == 403
    listed = client.get("/api/v1/cases", headers=headers).json["items"]
    assert [c["reference"] for c in listed] == [published.reference]
    detail = client.get(f"/api/v1/cases/{published.reference}", headers=headers).json
    assert detail["summary"] == "Illegal tax at a checkpoint; mitigated."
    assert "description" not in detail and "events" not in detail


def test_detail_has_events_and_messages_but_never_a_phone(client, db, make_user, make_case, bearer):
    from casework.messages.models import Message

    officer = make_user("officer")
    reporter = Reporter.for_phone("+243991112233")
    case = make_case(reporter=reporter, language="sw")
    db.session.add(
        Message(
            direction="in",
            channel="sms",
            case=case,
            reporter=reporter,
            body=case.description,
            provider_sid="SM" + "1" * 32,
        )
    )
    ops.add_note(case, "Called the cooperative", actor=officer)
    db.session.commit()
    response = client.get(f"/api/v1/cases/{case.reference}", headers=bearer(officer))
    data = response.json
    for field in (
        "reference",
        "status",
        "category",
        "level",
        "language",
        "channel",
        "description",
        "site",
        "assignee",
        "due_dt",
    ):
        assert field in data
    assert [e["kind"] for e in data["events"]] == ["created", "note"]
    assert data["messages"][0]["body"] == case.description
    assert "991112233" not in response.get_data(as_text=True)
    assert data["reporter"] == "on file"  # not their case: not even the masked number
    case.assignee = officer
    db.session.commit()
    data = client.get(f"/api/v1/cases/{case.reference}", headers=bearer(officer)).json
    assert data["reporter"] == "+243 ••• ••• 233"


def test_restricted_category_hidden_from_other_officers(client, make_user, make_case, bearer):
    mine = make_user("officer")
    case = make_case(category="SA-SGBV", level=1, assignee=mine)
    other = bearer(make_user("officer"))
    assert client.get(f"/api/v1/cases/{case.reference}", headers=other).status_code == 403
    assert client.get(f"/api/v1/cases/{case.reference}", headers=bearer(mine)).status_code == 200


def test_committee_sees_only_its_committee(client, make_user, make_case, make_committee, bearer):
    masisi, kalehe = make_committee("Masisi"), make_committee("Kalehe")
    member = bearer(make_user("committee", committee=masisi))
    ours = make_case(committee_id=masisi.id, status="escalated", level=2, category="BRB")
    make_case(committee_id=kalehe.id, status="escalated", level=2, category="BRB")
    make_case()
    items = client.get("/api/v1/cases", headers=member).json["items"]
    assert [c["reference"] for c in items] == [ours.reference]


def test_filters_and_keyset_pagination(client, make_user, make_case, make_site, bearer):
    headers = bearer(make_user("supervisor"))
    site = make_site()
    made = [
        make_case(
            level=1 + i % 3,
            category="OHS",
            site=site if i % 2 else None,
            description=f"Accident {i} puits",
        )
        for i in range(7)
    ]
    seen, cursor = [], None
    while True:
        url = "/api/v1/cases?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=headers).json
        seen += [c["reference"] for c in page["items"]]
        cursor = page["next"]
        if cursor == page["next"] and len(seen) == 3:
            make_case(description="arrives while paging")  # must not shift later pages
        if not cursor:
            break
    assert seen == [c.reference for c in reversed(made)]
    assert len(client.get("/api/v1/cases?level=1", headers=headers).json["items"]) == 3
    by_site = client.get(f"/api/v1/cases?site={site.code}", headers=headers).json["items"]
    assert len(by_site) == 3
    assert (
        client.get("/api/v1/cases?q=accident%204", headers=headers).json["items"][0]["reference"]
        == made[4].reference
    )
    assert client.get("/api/v1/cases?status=received&category=OHS", headers=headers).json["items"]


@pytest.mark.parametrize(
    "query", ["status=nope", "level=7", "category=XX", "cursor=garbage", "limit=0", "assignee=bob"]
)
def test_bad_filters_are_400_problems(client, make_user, bearer, query):
    response = client.get(f"/api/v1/cases?{query}", headers=bearer(make_user("officer")))
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"


def test_session_auth_works_too(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    assert client.get(f"/api/v1/cases/{case.reference}").json["reference"] == case.reference


def test_unknown_reference_is_404_problem(client, make_user, bearer):
    response = client.get("/api/v1/cases/CW-0000-0000", headers=bearer(make_user("officer")))
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_viewer_text_search_reads_only_the_public_summary(client, make_user, make_case, bearer):
    headers = bearer(make_user("viewer"))
    make_case(
        description="Secret witness name Amani at Rubaya",
        is_published=True,
        public_summary="Illegal taxation at a checkpoint.",
    )
    assert client.get("/api/v1/cases?q=Amani", headers=headers).json["items"] == []
    assert len(client.get("/api/v1/cases?q=checkpoint", headers=headers).json["items"]) == 1


def test_untriaged_report_suggested_as_sexual_violence_is_restricted(
    client, make_user, make_case, bearer
):
    """Intake only suggests SA-SGBV; until triage the suggestion restricts the case."""
    case = make_case(
        description="3 femmes violées hier près du puits de Kalimbi par hommes armés en tenue.",
        suggested_category="SA-SGBV",
    )
    other_officer, admin = bearer(make_user("officer")), bearer(make_user("admin"))
    for headers in (other_officer, admin):
        assert client.get(f"/api/v1/cases/{case.reference}", headers=headers).status_code == 403
        assert client.get("/api/v1/cases?q=viol", headers=headers).json["items"] == []
    supervisor = bearer(make_user("supervisor"))
    assert client.get(f"/api/v1/cases/{case.reference}", headers=supervisor).status_code == 200
