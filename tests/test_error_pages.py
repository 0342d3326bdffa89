"""Error pages: in the app's layout and the user's language; problem+json under /api/;
never an exception's own text."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import Conflict

from casework.security import public

SECRET_WORDS = "relation reporters_phone_hash violates constraint"


def _in_layout(html: str) -> None:
    assert 'class="topbar"' in html and "<main" in html


def test_an_unknown_page_is_a_404_page_inside_the_layout(login_as):
    client, _ = login_as("officer")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    _in_layout(html)
    assert "Page not found" in html
    assert "The requested URL was not found on the server" not in html  # Werkzeug's words


def test_an_error_page_is_in_the_user_s_language(login_as):
    client, _ = login_as("officer", language="fr")
    html = client.get("/no/such/page").get_data(as_text=True)
    assert '<html lang="fr">' in html


def test_an_anonymous_visitor_gets_the_error_page_with_a_login_link(client):
    response = client.post("/login/nowhere")
    assert response.status_code in (400, 404)
    assert 'href="/login"' in response.get_data(as_text=True)


def test_a_wrong_method_is_a_405_page_that_keeps_the_allow_header(login_as):
    client, _ = login_as("officer")
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Not allowed here" in response.get_data(as_text=True)


def test_a_forbidden_page_is_a_403_page(login_as):
    client, _ = login_as("viewer")
    response = client.get("/contacts")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    _in_layout(html)
    assert "Not allowed" in html


def test_a_form_without_its_csrf_token_says_so_in_a_sentence(login_as, make_case):
    client, _ = login_as("officer")
    case = make_case()
    response = client.post(f"/cases/{case.reference}/notes", data={"body": "hello"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "This form has expired or did not come from Casework" in html
    assert "The CSRF token is missing" not in html


def test_an_api_error_stays_problem_json(login_as):
    client, _ = login_as("officer")
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 404


@pytest.fixture
def app_config():
    return {"PROPAGATE_EXCEPTIONS": False}  # as in production: a crash becomes a 500 page


def _add_route(app, path, view):
    app.add_url_rule(path, view.__name__, public(view))


def test_a_crash_is_a_500_page_that_never_shows_the_exception(app, client):
    def crash():
        raise RuntimeError(SECRET_WORDS)

    _add_route(app, "/crash-for-test", crash)
    _add_route(app, "/api/v1/crash-for-test", crash)
    response = client.get("/crash-for-test")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    _in_layout(html)
    assert "Something went wrong" in html and SECRET_WORDS not in html
    api = client.get("/api/v1/crash-for-test")
    assert api.status_code == 500 and api.content_type == "application/problem+json"
    assert SECRET_WORDS not in api.get_data(as_text=True)


def test_our_own_sentence_in_an_error_is_shown(app, client):
    def busy():
        raise Conflict("The meeting was closed by the chair a moment ago.")

    _add_route(app, "/conflict-for-test", busy)
    response = client.get("/conflict-for-test")
    assert response.status_code == 409
    assert "The meeting was closed by the chair a moment ago." in response.get_data(as_text=True)


@pytest.mark.parametrize("code", [400, 403, 404, 405, 409, 413, 429, 500])
def test_every_status_the_issue_names_has_its_own_page(app, client, code):
    from werkzeug.exceptions import default_exceptions

    def fail():
        raise default_exceptions[code]()

    fail.__name__ = f"fail_{code}"
    _add_route(app, f"/fail-{code}", fail)
    response = client.get(f"/fail-{code}")
    assert response.status_code == code
    html = response.get_data(as_text=True)
    _in_layout(html)
    heading = {413: "File too large"}.get(code, f"({code})")  # 413: the evidence page's words
    assert heading in html


def test_an_error_that_carries_its_own_response_keeps_it(app, client):
    from flask import Response, abort

    def teapot():
        abort(Response("I chose this answer.", status=418, mimetype="text/plain"))

    _add_route(app, "/own-response-for-test", teapot)
    response = client.get("/own-response-for-test")
    assert response.status_code == 418
    assert response.get_data(as_text=True) == "I chose this answer."
