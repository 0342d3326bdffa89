"""Members' own votes and recusals, urgent written votes opened from a case page, and a
meeting's minutes (routes on the committees blueprint, beside `meeting_views`).

A member votes for themselves only; voting again changes their vote (the operation
upserts one row per member and item). The minutes are rendered in the committee's
language, whoever prints them, because they are the committee's record.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from casework.cases.models import Case
from casework.cases.permissions import can_view, is_restricted
from casework.committees import record, votes
from casework.committees.meeting_forms import RecusalForm, VoteForm, WrittenVoteForm
from casework.committees.meeting_views import (
    Bound,
    attempt,
    invalid,
    load_item,
    load_meeting,
    meeting_context,
    meeting_url,
)
from casework.committees.models import AgendaItem, Committee, Meeting
from casework.committees.operations import can_run, can_see_workspace
from casework.committees.views import bp, load_committee
from casework.committees.workspace import reads
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from casework.timezones import local_when
from workflows.committees import BEFORE_COMMITTEE, CHOICE_LABELS, CHOICES, SECTORS

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
        return redirect(
            url_for("committees.case_brief", committee_id=committee.id, reference=case.reference)
        )
    return render_case(case, bound=("written_vote", form), status=422, problems=problems)


# ------------------------------------------------------------------ the minutes


def _minutes_items(meeting: Meeting) -> list[dict[str, Any]]:
    """Each item as the minutes print it: a restricted case by its reference only, and what
    the committee wrote about it (rationale, discussion, actions) only for its readers; a
    closed item as it was when it closed (`record`)."""
    rows = []
    for item in meeting.items:
        readable = reads(current_user, item.case)
        rows.append(
            {
                "item": item,
                "case": item.case,
                "restricted": is_restricted(item.case),
                "reads": readable,
                "votes": record.voters(item),
                "recusals": [
                    (v.user.display_name, v.reason) for v in item.votes if v.choice == "recused"
                ],
                "actions": sorted(
                    item.case.actions, key=lambda a: (a.due_date is None, a.due_date, a.id)
                )
                if readable
                else [],
            }
        )
    return rows


def _attendance(meeting: Meeting) -> dict[str, tuple[list[str], list[str]]]:
    """By sector, who took part and which of today's members did not. A meeting's
    attendance rows and a written vote's votes are kept as they were, so a member who has
    left since is still listed where they were (in the sector they sat for, for a meeting)."""
    sectors = {m.user_id: m.sector for m in meeting.committee.memberships}
    took_part: dict[str, list[tuple[int | None, str]]] = {s: [] for s in SECTORS}
    if meeting.is_written:
        for user_id, name in {
            v.user_id: v.user.display_name
            for item in meeting.items
            for v in item.votes
            if v.choice in CHOICES and v.user_id in sectors
        }.items():
            took_part[sectors[user_id]].append((user_id, name))
    else:
        for a in meeting.attendance:
            if a.user is not None:
                took_part[a.sector].append((a.user_id, a.user.display_name))
    there = {user_id for rows in took_part.values() for user_id, _name in rows}
    return {
        sector: (
            sorted(name for _id, name in took_part[sector]),
            sorted(
                m.user.display_name
                for m in meeting.committee.memberships
                if m.sector == sector and m.user_id not in there
            ),
        )
        for sector in SECTORS
    }


@bp.get("/<int:committee_id>/meetings/<int:meeting_id>/minutes")
def minutes(committee_id: int, meeting_id: int):
    committee, meeting = load_meeting(committee_id, meeting_id)
    with force_locale(committee.language):
        return render_template(
            "committees/minutes.html",
            committee=committee,
            meeting=meeting,
            items=_minutes_items(meeting),
            attendance=_attendance(meeting),
            **meeting_context(committee, meeting),
        )
