"""Members' own votes and recusals, urgent written votes opened from a case page, and a
meeting's minutes (routes on the committees blueprint, beside `meeting_views`).

A member votes for themselves only; voting again changes their vote (the operation
upserts one row per member and item). The minutes are rendered in the committee's
language, whoever prints them, because they are the committee's record.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from casework.cases.models import Case
from casework.cases.permissions import can_view, is_restricted
from casework.committees import meetings, votes
from casework.committees.meeting_forms import RecusalForm, VoteForm, WrittenVoteForm
from casework.committees.meeting_views import (
    Bound,
    attempt,
    invalid,
    load_committee,
    load_item,
    load_meeting,
    meeting_context,
    meeting_url,
)
from casework.committees.models import AgendaItem, Committee, Meeting
from casework.committees.operations import can_run, can_see_workspace
from casework.committees.views import bp
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from casework.timezones import local_when
from workflows.committees import BEFORE_COMMITTEE, CHOICE_LABELS, CHOICES

# ------------------------------------------------------------------ a member's own vote


def _member_item(committee_id: int, meeting_id: int, item_id: int):
    """Refused before any form is read: only the committee's members vote."""
    committee, meeting = load_meeting(committee_id, meeting_id)
    if current_user.id not in committee.member_ids():
        abort(403)
    return committee, meeting, load_item(meeting, item_id)


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/items/<int:item_id>/vote")
def vote(committee_id: int, meeting_id: int, item_id: int):
    committee, meeting, item = _member_item(committee_id, meeting_id, item_id)
    form = VoteForm()
    bound: Bound = ("vote", item.id, form)
    if not form.validate():
        return invalid(committee, meeting, bound)

    def change() -> str:
        cast = votes.cast_vote(item, current_user, form.choice.data, actor=current_user)
        return _("Your vote is recorded: %(choice)s.", choice=_(CHOICE_LABELS[cast.choice]))

    return attempt(committee, meeting, bound, change, anchor=f"item-{item.id}")


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/items/<int:item_id>/recuse")
def recuse(committee_id: int, meeting_id: int, item_id: int):
    committee, meeting, item = _member_item(committee_id, meeting_id, item_id)
    form = RecusalForm()
    bound: Bound = ("recuse", item.id, form)
    if not form.validate():
        return invalid(committee, meeting, bound)

    def change() -> str:
        votes.cast_vote(
            item, current_user, "recused", actor=current_user, reason=form.reason.data or ""
        )
        return _(
            "Your conflict of interest is recorded: you do not vote on %(reference)s.",
            reference=item.case.reference,
        )

    return attempt(committee, meeting, bound, change, anchor=f"item-{item.id}")


# ------------------------------------------------------------------ written votes


def _open_written_vote_on(case: Case) -> Meeting | None:
    return db.session.scalar(
        select(Meeting)
        .join(AgendaItem)
        .where(Meeting.kind == "written", Meeting.status == "open", AgendaItem.case_id == case.id)
    )


@bp.app_template_global("written_vote_for")
def written_vote_for(case: Case) -> dict[str, Any] | None:
    """For the case page: the open written vote on ``case``, or the form to open one, when
    the current user may (its committee's chair or a supervisor, a Level 1 case)."""
    committee = case.committee
    if committee is None or case.level != 1 or case.status not in BEFORE_COMMITTEE:
        return None
    if not can_run(current_user, committee):
        return None
    already = _open_written_vote_on(case)
    if already is not None:
        deadline = local_when(already.closes_dt, committee.time_zone)
        return {"meeting": already, "form": None, "deadline": deadline}
    form = WrittenVoteForm(formdata=None, data={"case": case.reference})
    return {"meeting": None, "form": form, "committee": committee}


@bp.app_template_global("sees_minutes_of")
def sees_minutes_of(committee: Committee | None) -> bool:
    return committee is not None and can_see_workspace(current_user, committee)


@bp.post("/<int:committee_id>/written-votes")
def open_written_vote(committee_id: int):
    committee = load_committee(committee_id)
    if not can_run(current_user, committee):
        abort(403)
    form = WrittenVoteForm()
    reference = (form.case.data or "").strip().upper()
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is None or case.committee_id != committee.id:
        abort(404)
    problems: list[str] = []
    if form.validate():
        try:
            meeting = votes.open_written_vote(
                case,
                outcome=form.outcome.data,
                rationale=form.rationale.data or "",
                hours=form.hours.data,
                actor=current_user,
            )
        except PermissionDenied as exc:
            db.session.rollback()
            abort(403, description=str(exc))
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(_("The written vote is open; the members are told."), "info")
            return redirect(meeting_url(meeting))
    from casework.cases.views import render_case  # the case page, with this form bound

    if not can_view(current_user, case):
        # A chair who reads only the committee brief opened it there: back to that page,
        # with what was wrong (its form is not re-shown as typed).
        for problem in problems or [e for field in form for e in field.errors]:
            flash(_("Check the written vote: %(problem)s", problem=problem), "error")
        return redirect(f"/committees/{committee.id}/cases/{case.reference}")
    return render_case(case, bound=("written_vote", form), status=422, problems=problems)


# ------------------------------------------------------------------ the minutes


def _counted(meeting: Meeting) -> set[int]:
    """Whose votes count (as `votes.counts` has it): members present at a meeting; any
    member in a written vote. A vote recorded for someone later marked absent is not."""
    members = meeting.committee.member_ids()
    return members if meeting.is_written else members & meetings.present_ids(meeting)


def _minutes_items(meeting: Meeting) -> list[dict[str, Any]]:
    """Each item as the minutes print it: a restricted case by its reference only."""
    rows = []
    counted = _counted(meeting)
    for item in meeting.items:
        names = {v.user_id: v.user.display_name for v in item.votes if v.user_id in counted}
        rows.append(
            {
                "item": item,
                "case": item.case,
                "restricted": is_restricted(item.case),
                "votes": {
                    c: sorted(
                        names[v.user_id] for v in item.votes if v.choice == c and v.user_id in names
                    )
                    for c in CHOICES
                },
                "recusals": [
                    (v.user.display_name, v.reason) for v in item.votes if v.choice == "recused"
                ],
                "actions": sorted(
                    item.case.actions, key=lambda a: (a.due_date is None, a.due_date, a.id)
                ),
            }
        )
    return rows


@bp.get("/<int:committee_id>/meetings/<int:meeting_id>/minutes")
def minutes(committee_id: int, meeting_id: int):
    committee, meeting = load_meeting(committee_id, meeting_id)
    voted = {v.user_id for item in meeting.items for v in item.votes if v.choice in CHOICES}
    with force_locale(committee.language):
        return render_template(
            "committees/minutes.html",
            committee=committee,
            meeting=meeting,
            items=_minutes_items(meeting),
            voted_ids=voted,
            **meeting_context(committee, meeting),
        )
