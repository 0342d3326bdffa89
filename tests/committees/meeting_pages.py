"""Helpers for the meeting pages' tests: a committee of three sectors with named members,
the cases before it, and the forms of a meeting page posted back as a browser would."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from casework.auth.models import User
from casework.committees.models import Committee, CommitteeMembership, Meeting
from casework.extensions import db
from tests.cases.test_views import form_fields

NAMES = {
    "government": "Gloire Mukendi",
    "industry": "Innocent Bahati",
    "civil_society": "Claudine Furaha",
}


def board(make_committee, make_user, **overrides) -> tuple[Committee, dict[str, User]]:
    """A committee with one member per sector (government, industry, civil society); the
    government member chairs it. Returns it and its members by sector."""
    committee = make_committee(**overrides)
    members = {}
    for sector, name in NAMES.items():
        user = make_user("committee", name=name)
        db.session.add(CommitteeMembership(committee=committee, user=user, sector=sector))
        members[sector] = user
    committee.chair = members["government"]
    db.session.commit()
    db.session.refresh(committee)
    return committee, members


def before(make_case, committee: Committee, **overrides):
    """A case escalated to ``committee``, awaiting its decision."""
    values = {"status": "escalated", "committee_id": committee.id, "level": 2,
              "category": "SEC", "title": "Taxe illégale à la barrière de Mushaki"}  # fmt: skip
    return make_case(**{**values, **overrides})


def meeting_url(meeting: Meeting) -> str:
    return f"/committees/{meeting.committee_id}/meetings/{meeting.id}"


def post_form(client, page_url: str, action: str, *, lists=None, **changes):
    """Load ``page_url``, fill the form posting to ``action`` (``lists``: multi-valued
    fields such as checkboxes) and send it."""
    html = client.get(page_url).get_data(as_text=True)
    data = MultiDict(form_fields(html, action))
    for key, value in changes.items():
        data[key] = value
    for key, values in (lists or {}).items():
        data.setlist(key, [str(v) for v in values])
    return client.post(action, data=data)
