"""The OpenAPI 3.1 document is generated from the routes' declarations, covers every
/api/v1 route, and is readable at /api/docs from the app alone."""

from __future__ import annotations

import re
import secrets

from openapi_spec_validator import validate

from casework.api.contract import api_routes, openapi_document
from casework.api.writes import NoteBody, TransitionBody
from casework.auth.models import ApiToken


def _token(db, user, scopes: str = "read") -> dict[str, str]:
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=ApiToken.hash(raw), scopes=scopes))
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_v1_route_is_in_the_document(app, db, client, make_user):
    document = client.get("/api/v1/openapi.json", headers=_token(db, make_user("viewer"))).json
    routes = {(_openapi_path(rule.rule), method.lower()) for rule, method, _ in api_routes(app)}
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    assert len(routes) >= 20
    assert routes == documented


def test_the_document_is_valid_openapi_3_1(app):
    document = openapi_document(app)
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_an_undeclared_route_is_left_out_so_the_coverage_test_catches_it(app):
    app.add_url_rule("/api/v1/undeclared", "undeclared_probe", lambda: {})
    paths = openapi_document(app)["paths"]
    assert "/api/v1/undeclared" not in paths
    assert any(rule.rule == "/api/v1/undeclared" for rule, _m, _v in api_routes(app))


def test_request_bodies_are_the_models_that_validate_them(app):
    document = openapi_document(app)
    schemas = document["components"]["schemas"]
    assert schemas["NoteBody"] == NoteBody.model_json_schema(mode="validation")
    note = document["paths"]["/api/v1/cases/{reference}/notes"]["post"]
    assert note["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NoteBody"
    }
    assert set(note["responses"]) == {"200", "401", "403", "404", "409", "422"}
    assert note["security"] == [{"bearer": ["write"]}]
    fire = document["paths"]["/api/v1/cases/{reference}/transitions/{name}"]["post"]
    name = next(p for p in fire["parameters"] if p["name"] == "name")
    assert "triage" in name["schema"]["enum"] and "reopen" in name["schema"]["enum"]
    assert set(schemas["TransitionBody"]["properties"]) == set(TransitionBody.model_fields)


def test_the_document_needs_a_login_like_the_rest_of_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"


def test_the_docs_page_renders_every_operation_without_script(app, login_as):
    browser, _user = login_as("officer")
    response = browser.get("/api/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script" not in html and "http://" not in html.split("<body", 1)[1].split("<pre", 1)[0]
    for path, ops in openapi_document(app)["paths"].items():
        for method in ops:
            assert f"{method.upper()} {path}" in html
    assert "Needs a write token." in html
    assert "<code>version</code>" in html


def test_the_docs_page_needs_a_login_as_the_rest_of_api(client):
    response = client.get("/api/docs")
    assert response.status_code == 401
    assert "Log in" in response.json["detail"]
