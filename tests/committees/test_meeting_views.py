"""A committee meeting through the pages its chair and members use: scheduling, the
agenda, attendance, votes and recusals, closing an item (with or without quorum), access,
and the printable minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from casework import clock
from casework.cases.operations import add_action
from casework.committees import meetings, votes
from casework.committees.models import AgendaItem, Decision, Meeting, Vote
from casework.extensions import db as _db
from tests.cases.test_views import case_url, form_fields, fresh, has_form, text_of
from tests.committees.meeting_pages import before, board, meeting_url, post_form


@pytest.fixture
def sitting(frozen_now, make_committee, make_user, make_case) -> SimpleNamespace:
    """A committee of three sectors (its government member chairs), two cases before it,
    and a meeting tomorrow whose proposed agenda has both, scheduled by a supervisor."""
    committee, members = board(make_committee, make_user)
    first = before(make_case, committee)
    second = before(make_case, committee, title="Enfants au puits de Kalimbi", category="CHL")
    supervisor = make_user("supervisor", name="Sifa Kahindo")
    meeting = meetings.schedule_meeting(
        committee, starts_dt=frozen_now + timedelta(minutes=10), place="Goma", actor=supervisor
    )
    _db.session.commit()
    return SimpleNamespace(
        committee=committee,
        members=members,
        chair=members["government"],
        meeting=meeting,
        url=meeting_url(meeting),
        first=first,
        second=second,
        supervisor=supervisor,
    )


def item_of(s: SimpleNamespace, case) -> AgendaItem:
    _db.session.expire_all()
    return next(i for i in _db.session.get(Meeting, s.meeting.id).items if i.case_id == case.id)


def ready(s: SimpleNamespace, case, present, outcome="continue_with_mitigation") -> AgendaItem:
    """The proposal stated and the members ``present`` marked present (by operations)."""
    item = item_of(s, case)
    meetings.set_proposal(item, outcome=outcome, rationale="Barrière à lever.", actor=s.chair)
    meetings.record_attendance(item.meeting, member_ids={u.id for u in present}, actor=s.chair)
    _db.session.commit()
    return item


def present_now(s: SimpleNamespace) -> set[int]:
    _db.session.expire_all()
    return meetings.present_ids(_db.session.get(Meeting, s.meeting.id))


# ---------------------------------------------------------------- scheduling


def test_a_supervisor_schedules_a_meeting_at_the_committees_local_time(
    frozen_now, login_as, make_committee, make_user, make_case
):
    committee, _ = board(make_committee, make_user)
    case = before(make_case, committee)
    client, _ = login_as("supervisor")
    page = f"/committees/{committee.id}/meetings/new"
    assert "Africa/Lubumbashi" in text_of(client.get(page))

    response = post_form(client, page, page, day="2026-11-10", at="10:00", place="Goma")

    assert response.status_code == 302
    meeting = _db.session.scalars(select(Meeting)).one()
    assert meeting.starts_dt == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)  # Lubumbashi: UTC+2
    assert [i.case_id for i in meeting.items] == [case.id]  # the agenda, proposed
    html = text_of(client.get(response.headers["Location"]))
    assert "2026-11-10 10:00 (Africa/Lubumbashi)" in html
    assert case.reference in html


def test_scheduling_in_the_past_is_refused_with_the_reason(
    frozen_now, login_as, make_committee, make_user
):
    committee, _ = board(make_committee, make_user)
    client, _ = login_as("supervisor")
    page = f"/committees/{committee.id}/meetings/new"

    response = post_form(client, page, page, day="2026-10-01", at="10:00", place="Goma")

    assert response.status_code == 422
    assert "A meeting is scheduled in the future." in text_of(response)
    assert _db.session.scalars(select(Meeting)).first() is None


def test_a_member_who_does_not_chair_may_not_schedule(login_as, make_committee, make_user):
    committee, members = board(make_committee, make_user)
    client, _ = login_as(user=members["industry"])

    assert client.get(f"/committees/{committee.id}/meetings/new").status_code == 403


# ---------------------------------------------------------------- access


def test_only_members_supervisors_and_admins_see_a_meeting(sitting, login_as, make_committee):
    other = make_committee(
        "Comité provincial du Sud-Kivu", scope="provincial", province="Sud-Kivu", territories=""
    )
    outsider, _ = login_as("committee", committee=other)
    officer, _ = login_as("officer")
    member, _ = login_as(user=sitting.members["industry"])
    admin, _ = login_as("admin")

    assert outsider.get(sitting.url).status_code == 403
    assert outsider.get(sitting.url + "/minutes").status_code == 403
    assert officer.get(sitting.url).status_code == 403
    assert member.get(sitting.url).status_code == 200
    assert admin.get(sitting.url).status_code == 200


def test_a_member_who_does_not_chair_cannot_post_the_chairs_forms(sitting, login_as):
    item = item_of(sitting, sitting.first)
    client, _ = login_as(user=sitting.members["industry"])
    html = text_of(client.get(sitting.url))
    assert not has_form(html, sitting.url + "/attendance")
    token = form_fields(html, sitting.url + f"/items/{item.id}/recuse")["csrf_token"]

    for path in ("/attendance", f"/items/{item.id}/proposal", f"/items/{item.id}/close"):
        response = client.post(sitting.url + path, data={"csrf_token": token, "version": "9"})
        assert response.status_code == 403, path


# ---------------------------------------------------------------- the agenda


def test_the_chair_removes_a_case_from_the_agenda_and_adds_it_back(sitting, login_as):
    client, _ = login_as(user=sitting.chair)
    item = item_of(sitting, sitting.second)

    removed = post_form(client, sitting.url, sitting.url + f"/items/{item.id}/remove")
    assert removed.status_code == 302
    assert [i.case_id for i in _db.session.get(Meeting, sitting.meeting.id).items] == [
        sitting.first.id
    ]

    added = post_form(client, sitting.url, sitting.url + "/items", case_id=str(sitting.second.id))
    assert added.status_code == 302
    assert f"{sitting.second.reference} is on the agenda." in text_of(client.get(sitting.url))
    _db.session.expire_all()
    assert {i.case_id for i in _db.session.get(Meeting, sitting.meeting.id).items} == {
        sitting.first.id,
        sitting.second.id,
    }


def test_the_chair_states_the_proposal_put_to_the_vote(sitting, login_as):
    client, _ = login_as(user=sitting.chair)
    item = item_of(sitting, sitting.first)

    response = post_form(
        client,
        sitting.url,
        sitting.url + f"/items/{item.id}/proposal",
        outcome="suspend",
        rationale="La taxe finance un groupe armé.",
    )

    assert response.status_code == 302
    item = item_of(sitting, sitting.first)
    assert (item.proposed_outcome, item.rationale) == ("suspend", "La taxe finance un groupe armé.")
    html = text_of(client.get(sitting.url))
    assert "Temporarily suspend" in html and "La taxe finance un groupe armé." in html


# ---------------------------------------------------------------- attendance


def test_the_chair_marks_attendance_and_the_page_shows_the_quorum(sitting, login_as):
    client, _ = login_as(user=sitting.chair)
    present = {sitting.members["government"].id, sitting.members["industry"].id}

    response = post_form(
        client, sitting.url, sitting.url + "/attendance", lists={"present": present}
    )

    assert response.status_code == 302
    assert present_now(sitting) == present
    assert "No quorum: no member for Civil society takes part" in text_of(client.get(sitting.url))


def test_a_guest_is_listed_with_organisation_and_sector(sitting, login_as):
    client, _ = login_as(user=sitting.chair)

    post_form(
        client,
        sitting.url,
        sitting.url + "/guests",
        name="Espoir Kasereka",
        organisation="Coopérative COMIMPA",
        sector="industry",
    )

    assert "Espoir Kasereka, Coopérative COMIMPA · Industry" in text_of(client.get(sitting.url))


def test_a_stale_attendance_form_is_refused_with_409(sitting, login_as):
    client, _ = login_as(user=sitting.chair)
    stale = form_fields(text_of(client.get(sitting.url)), sitting.url + "/attendance")
    # A minute later a supervisor adds a guest: the meeting's version moves on.
    clock.freeze(clock.now() + timedelta(minutes=1))
    meeting = _db.session.get(Meeting, sitting.meeting.id)
    meetings.add_guest(
        meeting, name="Espoir", organisation="", sector="industry", actor=sitting.supervisor
    )
    _db.session.commit()

    response = client.post(
        sitting.url + "/attendance",
        data={**stale, "present": [str(sitting.members["industry"].id)]},
    )

    assert response.status_code == 409
    assert "Someone else changed this meeting" in text_of(response)
    assert present_now(sitting) == set()


# ---------------------------------------------------------------- votes


def test_a_member_votes_and_sees_their_vote(sitting, login_as):
    item = ready(sitting, sitting.first, present=[])
    client, member = login_as(user=sitting.members["industry"])

    response = post_form(client, sitting.url, sitting.url + f"/items/{item.id}/vote", choice="for")

    assert response.status_code == 302
    html = text_of(client.get(sitting.url))
    assert "Your vote is recorded: For." in html
    assert "Your vote: For" in html
    assert member.id in present_now(sitting)  # voting at the meeting marks them present


def test_a_member_voting_twice_keeps_one_vote(sitting, login_as):
    item = ready(sitting, sitting.first, present=[])
    client, member = login_as(user=sitting.members["industry"])
    vote_url = sitting.url + f"/items/{item.id}/vote"

    post_form(client, sitting.url, vote_url, choice="for")
    post_form(client, sitting.url, vote_url, choice="against")

    rows = list(_db.session.scalars(select(Vote).where(Vote.user_id == member.id)))
    assert [(v.agenda_item_id, v.choice) for v in rows] == [(item.id, "against")]
    assert "Your vote: Against" in text_of(client.get(sitting.url))


def test_the_chair_records_a_present_members_vote(sitting, login_as):
    item = ready(sitting, sitting.first, present=sitting.members.values())
    client, chair = login_as(user=sitting.chair)
    voter = sitting.members["civil_society"]

    response = post_form(
        client,
        sitting.url,
        sitting.url + f"/items/{item.id}/record-vote",
        voter_id=str(voter.id),
        choice="abstain",
    )

    assert response.status_code == 302
    assert "Claudine Furaha&#39;s vote is recorded: Abstain." in text_of(client.get(sitting.url))
    vote = _db.session.scalars(select(Vote)).one()
    assert (vote.user_id, vote.choice, vote.recorded_by_id) == (voter.id, "abstain", chair.id)


def test_a_member_declares_a_conflict_of_interest_with_a_reason(sitting, login_as):
    item = ready(sitting, sitting.first, present=sitting.members.values())
    client, _ = login_as(user=sitting.members["industry"])
    recuse_url = sitting.url + f"/items/{item.id}/recuse"

    without = post_form(client, sitting.url, recuse_url, reason="")
    assert without.status_code == 422
    assert _db.session.scalars(select(Vote)).first() is None
    response = post_form(
        client, sitting.url, recuse_url, reason="Je suis actionnaire de la coopérative."
    )

    assert response.status_code == 302
    vote = _db.session.scalars(select(Vote)).one()
    assert (vote.choice, vote.reason) == ("recused", "Je suis actionnaire de la coopérative.")
    html = text_of(client.get(sitting.url))
    assert "You declared a conflict of interest: Je suis actionnaire de la coopérative." in html
    # Recused, they are out of the item's count: the two others who may vote make it.
    assert "Quorum: 2 of 2 members." in html


# ---------------------------------------------------------------- closing an item


def test_closing_with_quorum_puts_the_decision_on_the_case(sitting, login_as):
    item = ready(sitting, sitting.first, present=sitting.members.values())
    for member in sitting.members.values():
        votes.cast_vote(item, member, "for", actor=sitting.chair)
    _db.session.commit()
    client, _ = login_as(user=sitting.chair)

    response = post_form(
        client,
        sitting.url,
        sitting.url + f"/items/{item.id}/close",
        discussion="La coopérative lève la barrière sous 30 jours.",
    )

    assert response.status_code == 302
    assert "Adopted: 3 for, 0 against, 0 abstained." in text_of(client.get(sitting.url))
    case = fresh(sitting.first)
    assert [d.outcome for d in case.valid_decisions] == ["continue_with_mitigation"]
    case_page = text_of(client.get(case_url(case)))
    assert "Reached by a vote at a meeting." in case_page
    assert "For: 3 · Against: 0 · Abstain: 0" in case_page
    assert f"{sitting.url}/minutes" in case_page


def test_closing_without_quorum_is_refused_with_the_reason_in_words(sitting, login_as):
    present = [sitting.members["government"], sitting.members["industry"]]
    item = ready(sitting, sitting.first, present=present)
    for member in present:
        votes.cast_vote(item, member, "for", actor=sitting.chair)
    _db.session.commit()
    client, _ = login_as(user=sitting.chair)

    response = post_form(
        client,
        sitting.url,
        sitting.url + f"/items/{item.id}/close",
        discussion="Résumé des échanges.",
    )

    assert response.status_code == 422
    html = text_of(response)
    assert "No quorum: no member for Civil society takes part" in html
    assert "Résumé des échanges." in html  # the chair's summary is kept in the form
    assert _db.session.scalars(select(Decision)).first() is None
    assert item_of(sitting, sitting.first).is_open


def test_a_legacy_decision_is_marked_as_not_counting(
    login_as, make_committee, make_user, make_case
):
    committee, _ = board(make_committee, make_user)
    case = before(make_case, committee)
    legacy = Decision(case_id=case.id, committee_id=committee.id, outcome="suspend",
                      summary="Saisi par un membre.", decided_dt=clock.now())  # fmt: skip
    _db.session.add(legacy)
    _db.session.commit()
    client, _ = login_as("supervisor")

    html = text_of(client.get(case_url(case)))

    assert "Recorded before committee votes; does not count as a decision." in html


# ---------------------------------------------------------------- the minutes


def voted(s: SimpleNamespace) -> None:
    """Both items voted, a guest present; the industry member recused on the first."""
    industry, chair = s.members["industry"], s.chair
    first = ready(s, s.first, present=s.members.values())
    second = item_of(s, s.second)
    meetings.set_proposal(second, outcome="suspend", rationale="Enfants.", actor=chair)
    meetings.add_guest(
        first.meeting, name="Espoir Kasereka", organisation="COMIMPA", sector="industry",
        actor=chair,
    )  # fmt: skip
    votes.cast_vote(first, industry, "recused", actor=industry, reason="Actionnaire.")
    for member in (chair, s.members["civil_society"]):
        votes.cast_vote(first, member, "for", actor=chair)
        votes.cast_vote(second, member, "for", actor=chair)
    votes.cast_vote(second, industry, "against", actor=chair)
    _db.session.commit()


def test_minutes_show_attendance_by_sector_votes_recusals_and_actions(sitting, login_as):
    voted(sitting)
    add_action(
        fresh(sitting.first),
        description="Lever la barrière de Mushaki",
        due_date=date(2026, 12, 1),
        owner="Chef de poste FARDC",
        actor=sitting.supervisor,
    )
    sitting.committee.language = "en"
    _db.session.commit()
    client, _ = login_as("supervisor")

    html = text_of(client.get(sitting.url + "/minutes"))

    industry = html.split('<tr data-sector="industry">')[1].split("</tr>")[0]
    assert "Innocent Bahati" in industry and "Espoir Kasereka (COMIMPA)" in industry
    assert "Innocent Bahati: Actionnaire." in html
    assert "For (2): Claudine Furaha, Gloire Mukendi" in html
    assert "Against (1): Innocent Bahati" in html
    assert "Taxe illégale à la barrière de Mushaki" in html
    assert "Lever la barrière de Mushaki · Owner: Chef de poste FARDC · due 2026-12-01" in html


def test_minutes_are_in_the_committees_language(sitting, login_as):
    voted(sitting)
    sitting.committee.language = "fr"
    _db.session.commit()
    client, _ = login_as("supervisor")  # an English-speaking supervisor prints them

    html = text_of(client.get(sitting.url + "/minutes"))

    assert '<html lang="fr">' in html
    assert "Poursuivre le commerce en atténuant les risques" in html
    assert "Mesures d'atténuation" in html


def test_minutes_give_a_restricted_case_by_its_reference_only(
    frozen_now, login_as, make_committee, make_user, make_case
):
    committee, members = board(make_committee, make_user)
    restricted = before(
        make_case, committee, category="SA-SGBV", level=1, title="Violences au puits de Kalimbi"
    )
    meeting = meetings.schedule_meeting(
        committee,
        starts_dt=frozen_now + timedelta(minutes=10),
        place="Goma",
        actor=make_user("supervisor"),
    )
    _db.session.commit()
    client, _ = login_as(user=members["industry"])

    minutes = text_of(client.get(meeting_url(meeting) + "/minutes"))
    page = text_of(client.get(meeting_url(meeting)))

    assert restricted.reference in minutes and "Kalimbi" not in minutes
    assert "Kalimbi" not in page
    # A member reads the committee brief, never the restricted case itself.
    assert f'href="/committees/{committee.id}/cases/{restricted.reference}"' in page
