"""Committees through the JSON API: their make-up, the cases before them, meetings with
their agendas and votes, decisions; and a member's own vote, with a bearer token.

The same permissions as the pages: a committee's data for whoever may see its workspace
(`can_see_workspace`), a case's contents for whoever may open it (`can_view`), and for a
restricted case its brief, decisions and actions only, to its committee's members
(`can_read_brief`); reading a brief is on the case's record, as on its page, so the list of
cases gives each brief's address and only ``/committees/<id>/cases/<reference>`` reads it.
What the committee wrote about a case (a proposal's rationale, the discussion) follows the
same rule: an admin sees a restricted case's reference, not those words.

Voting is the one write. It is exempt from CSRF, so it takes a bearer token and nothing
else: a browser's session cookie rides along on a forged cross-site request, an
``Authorization`` header does not.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import abort, request, url_for
from flask_login import current_user
from pydantic import BaseModel, Field
from sqlalchemy import select

from casework import clock
from casework.api.contract import MAX_ID, documented
from casework.api.errors import problem
from casework.api.schemas import Items, Thing, VoteOut
from casework.api.views import bp
from casework.cases.models import Case
from casework.cases.permissions import can_view, is_restricted, sees_full_case
from casework.committees import operations as committee_ops
from casework.committees.meetings import cases_before
from casework.committees.models import AgendaItem, Committee, Decision, Meeting, Vote
from casework.committees.record import MEETING_LOADS, counts
from casework.committees.votes import cast_vote, meeting_quorum, quorum_of
from casework.committees.workspace import preload, reads
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import csrf, db
from workflows.committees import CHOICES, FLAGGED_OUTCOMES, WAITS_FOR, Verdict

STAFF = frozenset({"supervisor", "admin"})


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _visible(committee: Committee | None, what: str = "committee") -> Committee:
    """``committee``, if the user may see its workspace: else 404 (none) or 403."""
    if committee is None:
        abort(404, f"No {what} has that id.")
    if not committee_ops.can_see_workspace(current_user, committee):
        abort(403, "You may not see this committee's work.")
    return committee


def _verdict(verdict: Verdict) -> dict[str, Any]:
    return {"holds": verdict.holds, "reason": committee_ops.verdict_text(verdict)}


# ------------------------------------------------------------------ committees


def _committee_summary(committee: Committee) -> dict[str, Any]:
    return {
        "id": committee.id,
        "name": committee.name,
        "scope": committee.scope,
        "country": committee.country,
        "province": committee.province,
        "territories": committee.territory_list,
        "time_zone": committee.time_zone,
        "language": committee.language,
    }


@bp.get("/committees")
@documented(
    "List the committees the user may see",
    tag="Committees",
    response=Items,
    errors=(401,),
)
def committees():
    query = select(Committee).order_by(Committee.name)
    if current_user.role not in STAFF:
        query = query.where(Committee.id.in_(current_user.committee_ids))
    visible = [
        c for c in db.session.scalars(query) if committee_ops.can_see_workspace(current_user, c)
    ]
    return {"items": [_committee_summary(c) for c in visible]}


@bp.get("/committees/<int:committee_id>")
@documented(
    "A committee: its rules, chair and members",
    tag="Committees",
    response=Thing,
)
def committee_detail(committee_id: int):
    committee = _visible(db.session.get(Committee, committee_id), "committee")
    staff = current_user.role in STAFF  # members read each other's names, not addresses

    def person(user) -> dict[str, Any]:
        return {"name": user.display_name, **({"email": user.email} if staff else {})}

    members = sorted(committee.memberships, key=lambda m: m.user.display_name.lower())
    return {
        **_committee_summary(committee),
        "rules": {
            "quorum_percent": committee.quorum_percent,
            "quorum_each_sector": committee.quorum_each_sector,
            "majority_percent": committee.majority_percent,
        },
        "chair": person(committee.chair) if committee.chair else None,
        "members": [
            {**person(m.user), "sector": m.sector, "is_chair": committee.is_chaired_by(m.user)}
            for m in members
        ],
    }


# ------------------------------------------------------------------ cases and decisions


def _decision(decision: Decision) -> dict[str, Any]:
    item = decision.agenda_item
    return {
        "outcome": decision.outcome,
        "decided_dt": _iso(decision.decided_dt),
        "committee": decision.committee.name if decision.committee else None,
        "is_voted": decision.is_voted,
        "meeting_id": item.meeting_id if item else None,
        "agenda_item_id": decision.agenda_item_id,
        "summary": decision.summary,
        "tally": decision.tally or {},
    }


def _case_before(committee: Committee, case: Case) -> dict[str, Any]:
    """A case on the committee's list: what it waits for and by when. A restricted case the
    reader may not open gives the address of its brief (reading it is on the case's
    record, so the list never does), nothing else."""
    data: dict[str, Any] = {
        "reference": case.reference,
        "status": case.status,
        "level": case.level,
        "waits_for": WAITS_FOR.get(case.status),
        "due_dt": _iso(case.due_dt),
        "decision": case.decision_outcome,
        "flagged": case.decision_outcome in FLAGGED_OUTCOMES,
        "is_restricted": is_restricted(case),
    }
    if can_view(current_user, case):
        data |= {"category": case.category, "site": case.site.code if case.site else None}
        if not is_restricted(case):  # a restricted case's title is often its report's words
            data["title"] = case.title
    elif committee_ops.can_read_brief(current_user, case) and is_restricted(case):
        data["brief_url"] = url_for(
            "api.committee_case", committee_id=committee.id, reference=case.reference
        )
    return data


@bp.get("/committees/<int:committee_id>/cases")
@documented(
    "The cases before a committee",
    tag="Committees",
    response=Items,
)
def committee_cases(committee_id: int):
    committee = _visible(db.session.get(Committee, committee_id), "committee")
    return {"items": [_case_before(committee, case) for case in preload(cases_before(committee))]}


def _action(action) -> dict[str, Any]:
    return {
        "description": action.description,
        "owner": action.owner,
        "due_date": action.due_date.isoformat() if action.due_date else None,
        "is_done": action.is_done,
    }


@bp.get("/committees/<int:committee_id>/cases/<reference>")
@documented(
    "A case before a committee: its brief (restricted cases), decisions and actions",
    tag="Committees",
    response=Thing,
)
def committee_case(committee_id: int, reference: str):
    """One case before the committee as its page gives it: a restricted case's brief (the
    reading goes on its record), its decisions and its mitigation actions."""
    committee = _visible(db.session.get(Committee, committee_id), "committee")
    case = db.session.scalar(select(Case).where(Case.reference == reference.strip().upper()))
    if case is None or case.committee_id != committee.id:
        return problem(404, "Not found", "This committee has no case with that reference.")
    data: dict[str, Any] = {"reference": case.reference, "status": case.status,
                            "level": case.level, "is_restricted": is_restricted(case)}  # fmt: skip
    if can_view(current_user, case):
        data["case_url"] = url_for("api.case_detail", reference=case.reference)
    else:
        try:  # refuses whoever may not read the brief; records the reading
            committee_ops.read_brief(case, actor=current_user)
        except PermissionDenied as exc:
            db.session.rollback()
            return problem(403, "Forbidden", str(exc))
        data["brief"] = case.committee_brief
    data |= {
        "decisions": [_decision(d) for d in case.decisions],
        "actions": [_action(a) for a in case.actions],
    }
    db.session.commit()  # the brief read, on the case's record
    return data


@bp.get("/cases/<reference>/decisions")
@documented(
    "A case's committee decisions",
    tag="Committees",
    response=Items,
)
def case_decisions(reference: str):
    case = db.session.scalar(select(Case).where(Case.reference == reference.upper()))
    if case is None:
        return problem(404, "Not found", "No case has that reference.")
    may_read = sees_full_case(current_user, case) or (
        is_restricted(case) and committee_ops.can_read_brief(current_user, case)
    )
    if not may_read:
        return problem(403, "Forbidden", "You may not read this case.")
    return {"reference": case.reference, "items": [_decision(d) for d in case.decisions]}


# ------------------------------------------------------------------ meetings


def _meeting_summary(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.id,
        "committee_id": meeting.committee_id,
        "kind": meeting.kind,
        "status": meeting.status,
        "starts_dt": _iso(meeting.starts_dt),
        "closes_dt": _iso(meeting.closes_dt),
        "closed_dt": _iso(meeting.closed_dt),
        "place": meeting.place,
        "link": meeting.link,
        "items": len(meeting.items),
    }


@bp.get("/committees/<int:committee_id>/meetings")
@documented(
    "A committee's meetings",
    tag="Committees",
    response=Items,
)
def committee_meetings(committee_id: int):
    committee = _visible(db.session.get(Committee, committee_id), "committee")
    meetings = db.session.scalars(
        select(Meeting)
        .where(Meeting.committee_id == committee.id)
        .order_by(Meeting.starts_dt.desc(), Meeting.id.desc())
    )
    return {"items": [_meeting_summary(m) for m in meetings]}


def _counts(item: AgendaItem) -> dict[str, int]:
    """The votes that count (members taking part), and the recusals."""
    tally = counts(item)  # a closed item's as recorded, not recounted from today's members
    recused = sum(1 for v in item.votes if v.choice == "recused")
    return {**{choice: tally[choice] for choice in CHOICES}, "recused": recused}


def _item(item: AgendaItem) -> dict[str, Any]:
    readable = reads(current_user, item.case)
    return {
        "id": item.id,
        "position": item.position,
        "case": {
            "reference": item.case.reference,
            "status": item.case.status,
            "level": item.case.level,
            "is_restricted": is_restricted(item.case),
        },
        "reason": item.reason,
        "proposed_outcome": item.proposed_outcome,
        # None for a reader of neither the case nor its brief (an admin, a restricted case)
        "rationale": item.rationale if readable else None,
        "discussion": item.discussion if readable else None,
        "status": item.status,
        "result": item.result,
        "quorum": _verdict(quorum_of(item)) if item.is_open else None,  # closed: see result
        "counts": _counts(item),
        "votes": [
            {"member": v.user.display_name, "choice": v.choice}
            for v in item.votes
            if v.choice != "recused"
        ],
        "recusals": [
            {"member": v.user.display_name, "reason": v.reason}
            for v in item.votes
            if v.choice == "recused"
        ],
    }


@bp.get("/meetings/<int:meeting_id>")
@documented(
    "A meeting: attendance, quorum, agenda items and votes",
    tag="Committees",
    response=Thing,
)
def meeting_detail(meeting_id: int):
    meeting = db.session.get(Meeting, meeting_id, options=MEETING_LOADS)
    if meeting is None:
        abort(404, "No meeting has that id.")
    _visible(meeting.committee, "committee")
    members = [a for a in meeting.attendance if not a.is_guest]
    by_sector: dict[str, int] = {}
    for row in members:
        by_sector[row.sector] = by_sector.get(row.sector, 0) + 1
    return {
        **_meeting_summary(meeting),
        "committee": meeting.committee.name,
        # A closed meeting is not counted again from today's members: see its attendance.
        "quorum": _verdict(meeting_quorum(meeting))
        if meeting.is_open and not meeting.is_written
        else None,
        "attendance": {
            "by_sector": by_sector,
            "members": [
                {"name": a.user.display_name if a.user else "", "sector": a.sector} for a in members
            ],
            "guests": [
                {"name": a.guest_name, "organisation": a.guest_organisation, "sector": a.sector}
                for a in meeting.attendance
                if a.is_guest
            ],
        },
        "items": [_item(item) for item in meeting.items],
    }


# ------------------------------------------------------------------ voting


def _vote(vote: Vote, item: AgendaItem) -> dict[str, Any]:
    return {
        "agenda_item_id": item.id,
        "member": vote.user.display_name,
        "choice": vote.choice,
        "reason": vote.reason,
        "cast_dt": _iso(vote.cast_dt),
        "counts": _counts(item),
    }


def _not_open_for(item: AgendaItem, choice: str) -> bool:
    """Whether the item takes no vote now: closed, past its deadline, or no proposal yet."""
    meeting = item.meeting
    past_deadline = meeting.closes_dt is not None and clock.now() >= meeting.closes_dt
    return (
        not meeting.is_open
        or not item.is_open
        or (meeting.is_written and past_deadline)
        or (item.proposed_outcome is None and choice != "recused")
    )


class VoteBody(BaseModel):
    """Voting again changes the vote; a recusal needs the reason."""

    choice: Literal["for", "against", "abstain", "recused"]
    reason: str = Field("", max_length=5000)


@csrf.exempt  # a bearer token only (checked first): nothing a forged form can send
@bp.post("/agenda-items/<int:item_id>/votes")
@documented(
    "Cast (or change) the member's own vote on an agenda item",
    tag="Committees",
    body=VoteBody,
    response=VoteOut,
    status=201,
    errors=(400, 401, 403, 404, 409, 422),
    needs_write=True,
)
def cast_own_vote(item_id: int):
    """The member's own vote on an agenda item: ``{"choice": "for"|"against"|"abstain"|
    "recused", "reason": "..."}`` (a recusal needs the reason). Voting again changes it."""
    from casework.api.writes import refuse_without_write_token  # it imports the views

    refused = refuse_without_write_token()
    if refused is not None:
        return refused
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "Bad request", 'Send a JSON object: {"choice": "for"}.')
    item = db.session.get(AgendaItem, item_id) if item_id <= MAX_ID else None
    if item is None:
        return problem(404, "Not found", "No agenda item has that id.")
    choice, reason = body.get("choice"), body.get("reason") or ""
    if not isinstance(choice, str) or not isinstance(reason, str):
        return problem(422, "Invalid vote", "choice and reason are strings.")
    already = db.session.scalar(
        select(Vote.id).where(Vote.agenda_item_id == item.id, Vote.user_id == current_user.id)
    )
    try:
        vote = cast_vote(item, current_user, choice, actor=current_user, reason=reason)
    except PermissionDenied as exc:
        db.session.rollback()
        return problem(403, "Forbidden", str(exc))
    except InvalidInput as exc:
        db.session.rollback()
        item = db.session.get(AgendaItem, item_id)
        if item is not None and _not_open_for(item, choice):
            return problem(409, "Vote closed", str(exc))
        return problem(422, "Invalid vote", str(exc))
    result = _vote(vote, vote.item)
    db.session.commit()
    return result, 200 if already else 201
