"""Meetings in the browser: scheduling, the meeting page with its agenda, attendance and
votes, and the chair's posts that run it (routes on the committees blueprint). Members'
own votes, written votes and the minutes are in `vote_views`.

Thin, like the cases views: load and check access, call an operation, commit once, flash,
redirect. Errors re-show the meeting page with the posted form as typed: a stale meeting
version answers 409, an operation's refusal 422 (its sentence shown), a permission
refusal 403. Only the committee's members, supervisors and admins see a meeting; only
its chair or a supervisor runs it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from casework import clock
from casework.cases.models import Case
from casework.cases.permissions import can_view
from casework.committees import meetings, record, votes
from casework.committees.meeting_forms import (
    AddItemForm,
    AttendanceForm,
    CloseItemForm,
    GuestForm,
    MeetingActionForm,
    PostponeForm,
    ProposalForm,
    RecordVoteForm,
    RecusalForm,
    ScheduleForm,
    VoteForm,
)
from casework.committees.models import AgendaItem, Committee, Meeting
from casework.committees.operations import StaleMeeting, can_run, verdict_text
from casework.committees.record import result_text
from casework.committees.views import bp, load_committee
from casework.committees.workspace import reads
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from casework.timezones import local_when, zone
from workflows.committees import CHOICES, SECTOR_LABELS, SECTORS, WAITS_FOR

# ------------------------------------------------------------------ words for codes


def labels() -> dict[str, dict[str, str]]:
    """Words for the meetings' codes, in the language being rendered (the minutes force
    the committee's)."""
    return {
        "meeting_kind_labels": {"meeting": _("Meeting"), "written": _("Urgent written vote")},
        "meeting_status_labels": {
            "open": _("open"),
            "closed": _("closed"),
            "cancelled": _("cancelled"),
        },
        "item_reason_labels": {"decision": _("Decision"), "review": _("Progress review")},
        "item_status_labels": {
            "open": _("open"),
            "adopted": _("adopted"),
            "not_adopted": _("not adopted"),
            "postponed": _("postponed"),
            "lapsed": _("lapsed"),
        },
    }


# ------------------------------------------------------------------ loading and checking


def load_meeting(committee_id: int, meeting_id: int) -> tuple[Committee, Meeting]:
    """The committee and its meeting for the current user: 404, then 403."""
    meeting = db.session.get(Meeting, meeting_id, options=record.MEETING_LOADS)
    if meeting is None or meeting.committee_id != committee_id:
        abort(404)
    return load_committee(committee_id), meeting


def load_item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.meeting_id != meeting.id:
        abort(404)
    return item


def meeting_url(meeting: Meeting, anchor: str | None = None) -> str:
    return url_for(
        "committees.meeting",
        committee_id=meeting.committee_id,
        meeting_id=meeting.id,
        _anchor=anchor,
    )


def case_link(committee: Committee, case: Case) -> str:
    """The case page for those who may read it; otherwise its committee brief."""
    if can_view(current_user, case):
        return url_for("cases.detail", reference=case.reference)
    return url_for("committees.case_brief", committee_id=committee.id, reference=case.reference)


# ------------------------------------------------------------------ the page and its forms

Bound = tuple[str, int | None, Any]  # (form name, agenda item id or None, posted form)


def _member_label(committee: Committee, user_id: int) -> str:
    membership = next(m for m in committee.memberships if m.user_id == user_id)
    return f"{membership.user.display_name} ({_(SECTOR_LABELS[membership.sector])})"


def _page_forms(committee: Committee, meeting: Meeting) -> dict[str, Any]:
    """The chair's forms about the whole meeting, at its current version."""
    if not (meeting.is_open and can_run(current_user, committee)):
        return {}
    version = {"version": str(meeting.version)}
    forms: dict[str, Any] = {}
    if not any(item.votes or not item.is_open for item in meeting.items):
        forms["cancel"] = MeetingActionForm(formdata=None, data=version)
    if meeting.is_written:
        return forms
    forms["close"] = MeetingActionForm(formdata=None, data=version)
    forms["add_item"] = AddItemForm(formdata=None, data=version)
    forms["attendance"] = AttendanceForm(
        formdata=None, data={**version, "present": [str(i) for i in meetings.present_ids(meeting)]}
    )
    forms["guest"] = GuestForm(formdata=None, data=version)
    forms["remove_guest"] = MeetingActionForm(formdata=None, data=version)
    return forms


def _item_forms(committee: Committee, meeting: Meeting, item: AgendaItem) -> dict[str, Any]:
    """The forms the current user gets on one open item."""
    if not (meeting.is_open and item.is_open):
        return {}
    user = current_user
    forms: dict[str, Any] = {}
    version = {"version": str(meeting.version)}
    voted = any(v.choice in CHOICES for v in item.votes)
    if can_run(user, committee) and not meeting.is_written:
        if not item.votes:
            forms["remove"] = MeetingActionForm(formdata=None, data=version)
        if not voted:
            forms["proposal"] = ProposalForm(
                formdata=None,
                data={
                    **version,
                    "outcome": item.proposed_outcome or "",
                    "rationale": item.rationale,
                },
            )
        if item.proposed_outcome:
            forms["record_vote"] = RecordVoteForm(formdata=None)
            forms["close"] = CloseItemForm(formdata=None, data={"discussion": item.discussion})
        forms["postpone"] = PostponeForm(formdata=None)
    deadline_passed = meeting.is_written and clock.now() >= (meeting.closes_dt or clock.now())
    if user.id in committee.member_ids() and not deadline_passed:
        if item.proposed_outcome:
            forms["vote"] = VoteForm(formdata=None)
        own = next((v for v in item.votes if v.user_id == user.id), None)
        reason = own.reason if own is not None and own.choice == "recused" else ""
        forms["recuse"] = RecusalForm(formdata=None, data={"reason": reason})
    return forms


def fill_choices(committee: Committee, meeting: Meeting, name: str, form) -> None:
    if name == "add_item":
        on_agenda = {item.case_id for item in meeting.items}
        form.case_id.choices = [("", _("choose..."))] + [
            (str(case.id), _case_choice(committee, case))
            for case in meetings.cases_before(committee)
            if case.id not in on_agenda
        ]
    elif name == "attendance":
        members = sorted(committee.memberships, key=lambda m: (m.sector, m.user.display_name))
        form.present.choices = [
            (str(m.user_id), _member_label(committee, m.user_id)) for m in members
        ]
    elif name == "record_vote":
        present = sorted(meetings.present_ids(meeting) & committee.member_ids())
        form.voter_id.choices = [("", _("choose..."))] + [
            (str(i), _member_label(committee, i)) for i in present
        ]


def _case_choice(committee: Committee, case: Case) -> str:
    title = f" · {case.title}" if case.title and can_view(current_user, case) else ""
    return f"{case.reference}{title} ({_(WAITS_FOR[case.status])})"


def render_meeting(
    committee: Committee,
    meeting: Meeting,
    *,
    bound: Bound | None = None,
    status: int = 200,
    problems: list[str] | None = None,
    conflict: bool = False,
):
    """The meeting page; ``bound`` is a posted form to show again as the user typed it."""
    page_forms = _page_forms(committee, meeting)
    item_forms = {item.id: _item_forms(committee, meeting, item) for item in meeting.items}
    open_slot = None
    if bound is not None:
        name, item_id, form = bound
        if conflict and hasattr(form, "version"):
            form.version.data = str(meeting.version)
        if item_id is None:
            page_forms[name] = form
        elif item_id in item_forms:
            item_forms[item_id][name] = form
        open_slot = f"{name}-{item_id}" if item_id else name
    for name, form in page_forms.items():
        fill_choices(committee, meeting, name, form)
    for forms in item_forms.values():
        for name, form in forms.items():
            fill_choices(committee, meeting, name, form)
    if "add_item" in page_forms and len(page_forms["add_item"].case_id.choices) < 2:
        del page_forms["add_item"]  # nothing left to add
    return render_template(
        "committees/meeting.html",
        committee=committee,
        meeting=meeting,
        page_forms=page_forms,
        item_forms=item_forms,
        open_slot=open_slot,
        problems=problems or [],
        conflict=conflict,
        **meeting_context(committee, meeting),
    ), status


def meeting_context(committee: Committee, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page and the minutes show, in the language being rendered."""
    tz = committee.time_zone
    members = sorted(committee.memberships, key=lambda m: m.user.display_name)
    present = meetings.present_ids(meeting)
    return {
        "when": local_when(meeting.starts_dt, tz),
        "deadline": local_when(meeting.closes_dt, tz) if meeting.is_written else "",
        "closed_when": local_when(meeting.closed_dt, tz),
        "meeting_quorum": record.quorum_line(meeting),
        "item_quorum": {
            item.id: verdict_text(votes.quorum_of(item)) for item in meeting.items if item.is_open
        },
        "item_counts": {item.id: record.counts(item) for item in meeting.items},
        "item_result": {item.id: result_text(item) for item in meeting.items},
        "case_links": {item.id: case_link(committee, item.case) for item in meeting.items},
        "readable": {item.id: can_view(current_user, item.case) for item in meeting.items},
        # The proposal's rationale, the discussion and the actions: for readers of the case
        # or its brief (an admin reads neither of a restricted case).
        "reads": {item.id: reads(current_user, item.case) for item in meeting.items},
        "members_by_sector": {s: [m for m in members if m.sector == s] for s in SECTORS},
        "present_ids": present,
        "guests": [a for a in meeting.attendance if a.is_guest],
        "member_ids": committee.member_ids(),
        "sectors": SECTORS,
        "runs": can_run(current_user, committee),
        "now": clock.now(),
        **labels(),
    }


def attempt(
    committee: Committee,
    meeting: Meeting,
    bound: Bound,
    change: Callable[[], str],
    *,
    anchor: str | None = None,
):
    """Run ``change`` (an operation returning the message to flash), commit once and show
    the meeting again; or answer the domain error with the posted form re-shown."""
    try:
        message = change()
        db.session.flush()
    except (StaleMeeting, StaleDataError):
        db.session.rollback()
        return render_meeting(
            committee, meeting, bound=bound, status=409, problems=[str(StaleMeeting())],
            conflict=True,
        )  # fmt: skip
    except InvalidInput as exc:
        db.session.rollback()
        return render_meeting(committee, meeting, bound=bound, status=422, problems=[str(exc)])
    except PermissionDenied as exc:
        db.session.rollback()
        abort(403, description=str(exc))
    db.session.commit()
    flash(message, "info")
    return redirect(meeting_url(meeting, anchor))


def invalid(committee: Committee, meeting: Meeting, bound: Bound):
    return render_meeting(committee, meeting, bound=bound, status=422)


# ------------------------------------------------------------------ scheduling


@bp.route("/<int:committee_id>/meetings/new", methods=["GET", "POST"])
def new_meeting(committee_id: int):
    committee = load_committee(committee_id)
    if not can_run(current_user, committee):
        abort(403)
    form = ScheduleForm()
    problems: list[str] = []
    if form.validate_on_submit():
        local_start = datetime.combine(
            form.day.data, form.at.data, tzinfo=zone(committee.time_zone)
        )
        try:
            meeting = meetings.schedule_meeting(
                committee,
                starts_dt=local_start.astimezone(UTC),
                place=form.place.data or "",
                link=form.link.data or "",
                actor=current_user,
            )
        except PermissionDenied:
            db.session.rollback()
            abort(403)
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(
                ngettext(
                    "The meeting is scheduled and the members are invited. "
                    "%(num)s case is on the proposed agenda.",
                    "The meeting is scheduled and the members are invited. "
                    "%(num)s cases are on the proposed agenda.",
                    len(meeting.items),
                ),
                "info",
            )
            return redirect(meeting_url(meeting))
    status = 422 if form.is_submitted() else 200
    return render_template(
        "committees/meeting_new.html", committee=committee, form=form, problems=problems
    ), status


# ------------------------------------------------------------------ the meeting page


@bp.get("/<int:committee_id>/meetings/<int:meeting_id>")
def meeting(committee_id: int, meeting_id: int):
    committee, found = load_meeting(committee_id, meeting_id)
    return render_meeting(committee, found)


# The chair's posts, members' votes, written votes and the minutes; last, since they
# import the above.
from casework.committees import chair_views, vote_views  # noqa: E402, F401
