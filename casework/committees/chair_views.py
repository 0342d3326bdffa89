"""The chair's posts that run a meeting: the agenda (add, remove, the proposal), votes
recorded for present members, closing or postponing an item, attendance and guests,
closing or cancelling the meeting (routes on the committees blueprint).

Only the committee's chair or a supervisor, refused (403) before any form is read. The
forms that change the agenda or the attendance carry the meeting version: a stale one is
refused with 409 (`attempt`), so two chairs never overwrite each other's changes.
"""

from __future__ import annotations

from flask import abort
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth.models import User
from casework.cases.models import Case
from casework.committees import meetings, votes
from casework.committees.meeting_forms import (
    AddItemForm,
    AttendanceForm,
    CloseItemForm,
    GuestForm,
    MeetingActionForm,
    PostponeForm,
    ProposalForm,
    RecordVoteForm,
)
from casework.committees.meeting_views import (
    Bound,
    attempt,
    fill_choices,
    invalid,
    load_item,
    load_meeting,
    result_text,
)
from casework.committees.models import Attendance, Committee, Meeting
from casework.committees.operations import can_run, check_version, verdict_text
from casework.committees.views import bp
from casework.extensions import db
from workflows.committees import CHOICE_LABELS


def _runner(committee_id: int, meeting_id: int) -> tuple[Committee, Meeting]:
    """Refused before any form is read: only the chair or a supervisor runs a meeting."""
    committee, meeting = load_meeting(committee_id, meeting_id)
    if not can_run(current_user, committee):
        abort(403)
    return committee, meeting


# ------------------------------------------------------------------ agenda


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/items")
def add_item(committee_id: int, meeting_id: int):
    committee, found = _runner(committee_id, meeting_id)
    form = AddItemForm()
    fill_choices(committee, found, "add_item", form)
    bound: Bound = ("add_item", None, form)
    if not form.validate():
        return invalid(committee, found, bound)
    case = db.session.get(Case, int(form.case_id.data))
    if case is None:
        abort(404)

    def change() -> str:
        meetings.add_item(found, case, actor=current_user, expected_version=form.expected_version)
        return _("%(reference)s is on the agenda.", reference=case.reference)

    return attempt(committee, found, bound, change, anchor="agenda")


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/items/<int:item_id>/remove")
def remove_item(committee_id: int, meeting_id: int, item_id: int):
    committee, found = _runner(committee_id, meeting_id)
    item = load_item(found, item_id)
    form = MeetingActionForm()
    bound: Bound = ("remove", item.id, form)
    if not form.validate():
        return invalid(committee, found, bound)
    reference = item.case.reference

    def change() -> str:
        meetings.remove_item(item, actor=current_user, expected_version=form.expected_version)
        return _("%(reference)s is off the agenda.", reference=reference)

    return attempt(committee, found, bound, change, anchor="agenda")


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/items/<int:item_id>/proposal")
def set_proposal(committee_id: int, meeting_id: int, item_id: int):
    committee, found = _runner(committee_id, meeting_id)
    item = load_item(found, item_id)
    form = ProposalForm()
    bound: Bound = ("proposal", item.id, form)
    if not form.validate():
        return invalid(committee, found, bound)

    def change() -> str:
        meetings.set_proposal(
            item,
            outcome=form.outcome.data,
            rationale=form.rationale.data or "",
            actor=current_user,
            expected_version=form.expected_version,
        )
        return _("The proposal on %(reference)s is put to the vote.", reference=item.case.reference)

    return attempt(committee, found, bound, change, anchor=f"item-{item.id}")


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/items/<int:item_id>/record-vote")
def record_vote(committee_id: int, meeting_id: int, item_id: int):
    committee, found = _runner(committee_id, meeting_id)
    item = load_item(found, item_id)
    form = RecordVoteForm()
    fill_choices(committee, found, "record_vote", form)
    bound: Bound = ("record_vote", item.id, form)
    if not form.validate():
        return invalid(committee, found, bound)
    voter = db.session.get(User, int(form.voter_id.data))
    if voter is None:
        abort(404)

    def change() -> str:
        vote = votes.cast_vote(
            item, voter, form.choice.data, actor=current_user, reason=form.reason.data or ""
        )
        if vote.choice == "recused":
            return _("%(name)s is recused on this item.", name=voter.display_name)
        return _(
            "%(name)s's vote is recorded: %(choice)s.",
            name=voter.display_name,
            choice=_(CHOICE_LABELS[vote.choice]),
        )

    return attempt(committee, found, bound, change, anchor=f"item-{item.id}")


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/items/<int:item_id>/close")
def close_item(committee_id: int, meeting_id: int, item_id: int):
    committee, found = _runner(committee_id, meeting_id)
    item = load_item(found, item_id)
    form = CloseItemForm()
    bound: Bound = ("close", item.id, form)
    if not form.validate():
        return invalid(committee, found, bound)

    def change() -> str:
        votes.close_item(item, discussion=form.discussion.data or "", actor=current_user)
        if item.status == "adopted":
            return _(
                "%(result)s The decision is on case %(reference)s.",
                result=result_text(item),
                reference=item.case.reference,
            )
        return result_text(item)

    return attempt(committee, found, bound, change, anchor=f"item-{item.id}")


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/items/<int:item_id>/postpone")
def postpone_item(committee_id: int, meeting_id: int, item_id: int):
    committee, found = _runner(committee_id, meeting_id)
    item = load_item(found, item_id)
    form = PostponeForm()
    bound: Bound = ("postpone", item.id, form)
    if not form.validate():
        return invalid(committee, found, bound)

    def change() -> str:
        votes.postpone_item(item, actor=current_user)
        return _("%(reference)s is postponed to a later meeting.", reference=item.case.reference)

    return attempt(committee, found, bound, change, anchor=f"item-{item.id}")


# ------------------------------------------------------------------ the chair: attendance


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/attendance")
def record_attendance(committee_id: int, meeting_id: int):
    committee, found = _runner(committee_id, meeting_id)
    form = AttendanceForm()
    fill_choices(committee, found, "attendance", form)
    bound: Bound = ("attendance", None, form)
    if not form.validate():
        return invalid(committee, found, bound)

    def change() -> str:
        meetings.record_attendance(
            found,
            member_ids={int(i) for i in form.present.data or []},
            actor=current_user,
            expected_version=form.expected_version,
        )
        return _("The attendance is saved. %(quorum)s", quorum=verdict_text(
            votes.meeting_quorum(found)))  # fmt: skip

    return attempt(committee, found, bound, change, anchor="attendance")


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/guests")
def add_guest(committee_id: int, meeting_id: int):
    committee, found = _runner(committee_id, meeting_id)
    form = GuestForm()
    bound: Bound = ("guest", None, form)
    if not form.validate():
        return invalid(committee, found, bound)

    def change() -> str:
        check_version(found, form.expected_version)
        guest = meetings.add_guest(
            found,
            name=form.name.data or "",
            organisation=form.organisation.data or "",
            sector=form.sector.data,
            actor=current_user,
        )
        return _("%(name)s is on the attendance list as a guest.", name=guest.guest_name)

    return attempt(committee, found, bound, change, anchor="attendance")


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/guests/<int:guest_id>/remove")
def remove_guest(committee_id: int, meeting_id: int, guest_id: int):
    committee, found = _runner(committee_id, meeting_id)
    guest = db.session.get(Attendance, guest_id)
    if guest is None or guest.meeting_id != found.id:
        abort(404)
    form = MeetingActionForm()
    bound: Bound = ("remove_guest", None, form)
    if not form.validate():
        return invalid(committee, found, bound)
    name = guest.guest_name

    def change() -> str:
        check_version(found, form.expected_version)
        meetings.remove_guest(guest, actor=current_user)
        return _("%(name)s is off the attendance list.", name=name)

    return attempt(committee, found, bound, change, anchor="attendance")


# ------------------------------------------------------------------ the chair: the meeting


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/close")
def close_meeting(committee_id: int, meeting_id: int):
    committee, found = _runner(committee_id, meeting_id)
    form = MeetingActionForm()
    bound: Bound = ("close", None, form)
    if not form.validate():
        return invalid(committee, found, bound)

    def change() -> str:
        meetings.close_meeting(found, actor=current_user, expected_version=form.expected_version)
        return _("The meeting is closed; items not voted are postponed to the next one.")

    return attempt(committee, found, bound, change)


@bp.post("/<int:committee_id>/meetings/<int:meeting_id>/cancel")
def cancel_meeting(committee_id: int, meeting_id: int):
    committee, found = _runner(committee_id, meeting_id)
    form = MeetingActionForm()
    bound: Bound = ("cancel", None, form)
    if not form.validate():
        return invalid(committee, found, bound)

    def change() -> str:
        meetings.cancel_meeting(found, actor=current_user, expected_version=form.expected_version)
        return _("The meeting is cancelled.")

    return attempt(committee, found, bound, change)
