"""``age-limit``: warned at 5 months open, over the limit at 6; a supervisor's justified
extension from the case page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.cases.models import Case
from casework.jobs import age
from tests.conftest import csrf_token
from tests.jobs.conftest import events, notices

MINUTE = timedelta(minutes=1)
FIVE_MONTHS = datetime(2027, 4, 2, 9, 0, tzinfo=UTC)
SIX_MONTHS = datetime(2027, 5, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def officer(make_user):
    return make_user("officer")


@pytest.fixture
def boss(make_user):
    return make_user("supervisor", timezone="Africa/Kigali")


@pytest.fixture
def case(at, make_case, officer, boss):
    return make_case(status="mitigation", level=2, assignee=officer)


def test_a_case_is_warned_at_5_months_and_over_the_limit_at_6(db, at, case, officer, boss):
    assert case.age_limit_dt == SIX_MONTHS
    at(FIVE_MONTHS - MINUTE)
    assert age.sweep() == {"warned": 0, "over the limit": 0}
    at(FIVE_MONTHS + MINUTE)
    version = case.version
    assert age.sweep() == {"warned": 1, "over the limit": 0}
    assert sorted(n.user_id for n in notices(db, "age_limit")) == sorted([officer.id, boss.id])
    assert "in a month" in notices(db, "age_limit")[0].title
    assert len(events(db, case, "age_limit_warning")) == 1

    at(SIX_MONTHS - MINUTE)
    assert age.sweep() == {"warned": 0, "over the limit": 0}
    at(SIX_MONTHS + MINUTE)
    assert age.sweep() == {"warned": 0, "over the limit": 1}
    assert age.sweep() == {"warned": 0, "over the limit": 0}
    over = [n for n in notices(db, "age_limit") if "over the six-month limit" in n.title]
    assert sorted(n.user_id for n in over) == sorted([officer.id, boss.id])
    db.session.refresh(case)
    assert case.age_stage == 2 and case.version == version
    assert len(events(db, case, "age_limit_reached")) == 1


def test_a_case_found_past_its_limit_is_marked_and_told_once(db, at, case):
    at(SIX_MONTHS + timedelta(days=20))
    assert age.sweep() == {"warned": 0, "over the limit": 1}
    assert len(notices(db, "age_limit")) == 2  # the assignee and the supervisor, once each
    assert events(db, case, "age_limit_warning") == []


def test_closed_cases_do_not_age(db, at, make_case):
    make_case(status="closed", age_limit_dt=None)
    at(SIX_MONTHS + MINUTE)
    assert age.sweep() == {"warned": 0, "over the limit": 0}


# ---------------------------------------------------------------- the extension, by HTTP


def post_extension(client, case, **data):
    token = csrf_token(client, f"/cases/{case.reference}")
    return client.post(
        f"/cases/{case.reference}/age-limit",
        data={"csrf_token": token, "version": case.version, **data},
    )


def test_a_supervisor_extends_the_limit_with_a_reason_and_the_reminders_start_again(
    db, at, login_as, case, boss
):
    at(SIX_MONTHS + MINUTE)
    age.sweep()
    client, _ = login_as(user=boss)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Over the time limit" in page and "Extend the time limit" in page
    assert "over the time limit" in client.get("/cases").get_data(as_text=True)

    response = post_extension(
        client, case, until="2027-08-31", reason="The committee meets again in August."
    )
    assert response.status_code == 302
    db.session.refresh(case)
    # The end of 31 August in Kigali (UTC+2).
    assert case.age_limit_dt == datetime(2027, 8, 31, 22, 0, tzinfo=UTC)
    assert case.age_stage == 0
    [event] = events(db, case, "age_limit_extended")
    assert event.actor_id == boss.id and event.data["reason"].startswith("The committee")
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "extended the time limit" in page and "Extend the time limit" not in page

    at(datetime(2027, 7, 31, 22, 1, tzinfo=UTC))  # a month before the new limit
    assert age.sweep() == {"warned": 1, "over the limit": 0}


def test_an_officer_may_not_extend_the_limit(db, at, login_as, case, officer):
    at(SIX_MONTHS + MINUTE)
    client, _ = login_as(user=officer)
    page = client.get(f"/cases/{case.reference}").get_data(as_text=True)
    assert "Over the time limit" in page and "Extend the time limit" not in page
    response = post_extension(client, case, until="2027-08-31", reason="Please.")
    assert response.status_code == 403
    assert db.session.get(Case, case.id).age_limit_dt == SIX_MONTHS


def test_an_extension_without_a_reason_is_shown_again_with_a_message(db, at, login_as, case, boss):
    at(SIX_MONTHS + MINUTE)
    client, _ = login_as(user=boss)
    response = post_extension(client, case, until="2027-08-31", reason="  ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Say why this case needs more time" in page
    assert 'value="2027-08-31"' in page  # the input is kept
    db.session.expire_all()
    assert db.session.get(Case, case.id).age_limit_dt == SIX_MONTHS


def test_an_extension_to_a_past_date_is_refused_in_words(db, at, login_as, case, boss):
    at(SIX_MONTHS + MINUTE)
    client, _ = login_as(user=boss)
    response = post_extension(client, case, until="2027-05-01", reason="Waiting for the mine.")
    assert response.status_code == 422
    assert "must be a date in the future" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Case, case.id).age_limit_dt == SIX_MONTHS


def test_a_reopened_case_keeps_its_justified_extension(db, make_user, make_case):
    from casework import clock
    from casework.cases import operations

    supervisor = make_user("supervisor")
    case = make_case(status="verified", level=2)
    until = clock.now() + timedelta(days=400)
    operations.extend_age_limit(case, until=until, reason="Court case pending", actor=supervisor)
    operations.fire(case, "close", actor=supervisor, resolution="unsubstantiated")
    assert case.age_limit_dt is None
    operations.fire(case, "reopen", actor=supervisor, reason="New witness")
    db.session.commit()
    assert case.age_limit_dt == until
