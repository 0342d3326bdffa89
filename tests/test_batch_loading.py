"""Related rows are loaded in batches (issue 8, item 6): the API list and the queue make the
same number of statements for a page of 5 cases as for a page of 50, each case with its
own reporter, committee, site, suggested site and assignee. And an API token's last use is
written at most every few minutes, not on every read."""

from __future__ import annotations

import secrets

import pytest

from casework.auth.models import ApiToken, User
from casework.reporters.models import Reporter
from tests.statements import statements


@pytest.fixture
def add_cases(db, make_case, make_site, make_committee):
    """``add_cases(n)``: n more cases, none sharing a related row with another."""
    made = iter(range(1, 1000))

    def add(n: int) -> None:
        for _ in range(n):
            i = next(made)
            site = make_site(code=f"CD-NK-{i:03d}", name=f"Site {i}")
            suggested = make_site(code=f"CD-SK-{i:03d}", name=f"Suggested {i}")
            case = make_case(
                status="verifying",
                category="SEC",
                level=2,
                site=site,
                reporter=Reporter.for_phone(f"+2439900{i:05d}"),
                assignee=User(email=f"officer{i}@example.org", name=f"Officer {i}", role="officer"),
                committee=make_committee(f"Committee {i}"),
                suggested_site_id=suggested.id,
                suggested_category="SEC",
            )
            assert case.reporter is not None

    return add


def _api_list(client, headers) -> int:
    response = client.get("/api/v1/cases?limit=50", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return len(response.json["items"])


def test_the_api_list_makes_as_many_statements_for_50_cases_as_for_5(
    client, db, make_user, add_cases, frozen_now
):
    supervisor = make_user("supervisor")
    raw = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=supervisor, token_hash=ApiToken.hash(raw), scopes="read"))
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    _api_list(client, headers)  # the token's first use is written; then not for 5 minutes

    add_cases(5)
    db.session.expire_all()
    with statements() as few:
        assert _api_list(client, headers) == 5
    add_cases(45)
    db.session.expire_all()
    with statements() as many:
        assert _api_list(client, headers) == 50

    assert len(many) == len(few), "\n\n".join(many)
    # Reading within five minutes of the last use writes nothing.
    assert not [s for s in many if not s.lstrip().upper().startswith("SELECT")], many


def test_the_queue_makes_as_many_statements_for_50_cases_as_for_5(
    login_as, db, add_cases, frozen_now
):
    browser, _supervisor = login_as("supervisor")
    add_cases(5)
    db.session.expire_all()
    with statements() as few:
        page = browser.get("/cases?view=all")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('class="ref"') == 5
    add_cases(45)
    db.session.expire_all()
    with statements() as many:
        page = browser.get("/cases?view=all")
    assert page.get_data(as_text=True).count('class="ref"') == 50

    assert len(many) == len(few), "\n\n".join(many)
