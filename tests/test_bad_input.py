"""Bad input gets a 4xx or is ignored, never a 500, and never Python's own words."""

from __future__ import annotations

import base64

import pytest

# "id:99999999999": a cursor of the right shape naming an id beyond PostgreSQL's integer.
HUGE_CURSOR = "aWQ6OTk5OTk5OTk5OTk"
HUGE = "99999999999"
PYTHON_WORDS = ("Traceback", "invalid literal", "codec", "padding", "base64", "out of range")


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_CURSORS = [HUGE_CURSOR, "!!!", "a", _b64("id:abc"), _b64("id:-4"), _b64("id:0"), "_-8"]


def _says_nothing_of_python(text: str) -> None:
    for words in PYTHON_WORDS:
        assert words not in text


def test_the_review_s_cursor_is_a_400_problem_on_the_api(login_as, make_case):
    client, _ = login_as("supervisor")
    make_case()
    response = client.get(f"/api/v1/cases?cursor={HUGE_CURSOR}")
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.json["detail"] == "The cursor is not valid; start again without one."


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_any_cursor_the_api_did_not_make_is_a_400_without_python_s_message(login_as, cursor):
    client, _ = login_as("officer")
    response = client.get("/api/v1/cases", query_string={"cursor": cursor})
    assert response.status_code == 400
    _says_nothing_of_python(response.get_data(as_text=True))


@pytest.mark.parametrize(
    "query",
    [
        {"assignee": HUGE},
        {"assignee": "0"},
        {"assignee": "٣"},  # a digit to str.isdigit(), not to the database
        {"limit": "10" * 12},
        {"limit": "-1"},
    ],
)
def test_out_of_range_api_filters_are_a_400(login_as, query):
    client, _ = login_as("supervisor")
    response = client.get("/api/v1/cases", query_string=query)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    _says_nothing_of_python(response.get_data(as_text=True))


@pytest.mark.parametrize("cursor", BAD_CURSORS)
def test_a_bad_cursor_on_the_queue_is_a_400_page(login_as, cursor):
    client, _ = login_as("officer")
    response = client.get("/cases", query_string={"cursor": cursor})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "That link to older cases is not valid" in html
    assert 'class="topbar"' in html  # inside the app's layout
    _says_nothing_of_python(html)


def test_an_out_of_range_assignee_filter_on_the_queue_is_ignored(login_as, make_case):
    client, _ = login_as("supervisor")
    case = make_case(title="Pit collapse at Rubaya")
    response = client.get("/cases", query_string={"assignee": HUGE, "level": HUGE})
    assert response.status_code == 200
    assert case.reference in response.get_data(as_text=True)


@pytest.mark.parametrize("cursor", [_b64(f"n:2026-11-02T09:00:00+00:00|{HUGE}"), "%%", "bjox"])
def test_a_bad_notifications_cursor_is_a_400(login_as, cursor):
    client, _ = login_as("officer")
    response = client.get("/notifications", query_string={"cursor": cursor})
    assert response.status_code == 400
    _says_nothing_of_python(response.get_data(as_text=True))


@pytest.mark.parametrize("page", ["/admin/outbox", "/admin/captured"])
@pytest.mark.parametrize("before", [HUGE, "-1", "x", "0"])
def test_an_out_of_range_page_anchor_shows_the_first_page(login_as, page, before):
    client, _ = login_as("admin")
    assert client.get(page, query_string={"before": before}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/cases/{ref}/files/" + HUGE,
        "/cases/{ref}/files/" + HUGE + "/preview",
        "/committees/" + HUGE,
        "/contacts/" + HUGE,
        "/committees/1/meetings/" + HUGE,
    ],
)
def test_ids_beyond_the_integer_columns_in_paths_are_404(login_as, make_case, path):
    client, _ = login_as("supervisor")
    case = make_case()
    assert client.get(path.format(ref=case.reference)).status_code == 404


def test_api_ids_beyond_the_integer_columns_are_404_problems(login_as):
    client, _ = login_as("supervisor")
    response = client.get(f"/api/v1/committees/{HUGE}")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("url", ["/cases?q={q}", "/api/v1/cases?q={q}"])
def test_search_never_reads_percent_or_underscore_as_wildcards(login_as, make_case, url):
    """Search is words (casework/cases/search.py): punctuation separates them, and no
    character typed is a wildcard."""
    client, _ = login_as("supervisor")
    percent = make_case(title="Taxe de 100% sur la cassitérite")
    plain = make_case(title="Taxe de 1000 francs sur la cassitérite")
    underscore = make_case(title="Puits P_3 effondré")
    other = make_case(title="Puits P23 effondré")
    alone = client.get(url.format(q="%25")).get_data(as_text=True)
    assert all(c.reference not in alone for c in (percent, plain, underscore, other))
    one = client.get(url.format(q="100%25 sur")).get_data(as_text=True)
    assert percent.reference in one and plain.reference in one  # "100" starts "1000"
    assert underscore.reference not in one
    two = client.get(url.format(q="P_3")).get_data(as_text=True)
    assert underscore.reference in two and other.reference not in two
    backslash = client.get(url.format(q="%5C")).get_data(as_text=True)  # "\" alone
    assert all(c.reference not in backslash for c in (percent, plain, underscore, other))


# Every query parameter a page or the API reads, each out of range or malformed at once.
HOSTILE_ARGS = {
    "cursor": HUGE_CURSOR,
    "before": HUGE,
    "after": HUGE,
    "limit": HUGE,
    "assignee": HUGE,
    "level": HUGE,
    "status": HUGE,
    "category": HUGE,
    "site": "%_",
    "q": "%_\\",
    "period": HUGE,
    "from": "99999-01-01",
    "to": "2026-13-45",
    "m": HUGE,
    "type": HUGE,
    "role": HUGE,
    "state": HUGE,
    "view": HUGE,
    "sort": HUGE,
    "lang": HUGE,
}
PATH_VALUES = {"reference": "CW-ZZZZ-ZZZZ", "name": "x" * 300, "token": "x", "key": HUGE,
               "fmt": "csv", "filename": "casework.css"}  # fmt: skip


@pytest.mark.parametrize("role", ["supervisor", "admin", "viewer"])
def test_no_get_route_answers_hostile_arguments_with_a_500(app, login_as, make_case, role):
    """Generated from the route list: integers in paths at the top of the integer range and
    every known query parameter out of range; each answer is below 500."""
    client, _ = login_as(role)
    make_case()
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        values = {
            arg: PATH_VALUES.get(arg, 2**31 - 1) for arg in rule.arguments
        }  # the largest id a route accepts: 404, never a database error
        built = rule.build(values, append_unknown=False)
        assert built is not None, rule.rule
        response = client.get(built[1], query_string=HOSTILE_ARGS)
        if response.status_code >= 500:
            failures.append(f"{built[1]}: {response.status_code}")
        response.close()
    assert not failures
