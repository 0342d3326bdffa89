"""Committees in the browser: the list, admin pages, the workspace (views.py); meetings,
agendas, votes and minutes (meeting_views.py); restricted cases' briefs (brief_views.py).

Thin, like every blueprint: load and check access, call an operation, commit once.
"""

from __future__ import annotations

from collections import Counter

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import Forbidden

from casework import clock
from casework.auth.forms import ROLE_LABELS
from casework.auth.models import User
from casework.cases.forms import choices
from casework.committees import operations
from casework.committees import workspace as read
from casework.committees.forms import AddMemberForm, CommitteeForm, RemoveMemberForm, SectorForm
from casework.committees.models import Committee, CommitteeMembership
from casework.errors import InvalidInput, PermissionDenied
from casework.extensions import db
from casework.timezones import local_when
from workflows.committees import CHOICE_LABELS, OUTCOME_LABELS, SECTOR_LABELS, WAITS_FOR

bp = Blueprint("committees", __name__, url_prefix="/committees")


@bp.app_context_processor
def _committee_labels():
    return {
        "committee_outcome_labels": OUTCOME_LABELS,
        "committee_sector_labels": SECTOR_LABELS,
        "vote_choice_labels": CHOICE_LABELS,
        "waits_for_labels": WAITS_FOR,
    }


# ------------------------------------------------------------------ shared by the routes


def load_committee(committee_id: int, *options) -> Committee:
    """The committee, if the current user may see its workspace: else 404 (none) or 403.
    Admins, who manage committees, see every workspace."""
    committee = db.session.get(Committee, committee_id, options=options)
    if committee is None:
        abort(404)
    if not operations.can_see_workspace(current_user, committee):
        abort(403)
    return committee


def _require_manage() -> None:
    if not operations.can_manage(current_user):
        abort(403)


@bp.errorhandler(PermissionDenied)
def _on_permission_denied(exc: PermissionDenied):
    db.session.rollback()
    return current_app.handle_http_exception(Forbidden(str(exc)))


# ------------------------------------------------------------------ the list


@bp.get("")
def index():
    """Admins and supervisors see every committee; a committee member, theirs."""
    user = current_user
    query = select(Committee).order_by(Committee.name)
    if user.role == "committee":
        query = query.where(Committee.id.in_(user.committee_ids))
    elif user.role not in {"admin", "supervisor"}:
        abort(403)
    committees = list(db.session.scalars(query))
    return render_template(
        "committees/list.html",
        committees=committees,
        by_sector={c.id: Counter(m.sector for m in c.memberships) for c in committees},
        can_manage=operations.can_manage(user),
    )


# ------------------------------------------------------------------ admin: make-up and rules


def _chair_choices(committee: Committee):
    members = sorted(committee.memberships, key=lambda m: m.user.display_name.lower())
    return choices(
        [("0", _("no chair yet")), *((str(m.user_id), m.user.display_name) for m in members)]
    )


def _candidates(committee: Committee) -> list[User]:
    """Who may join: enabled users with the committee or supervisor role, not yet members."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.role.in_(("committee", "supervisor")),
                User.is_enabled.is_(True),
                User.id.not_in(committee.member_ids() or {0}),
            )
            .order_by(User.name, User.email)
        )
    )


def _add_member_form(committee: Committee, form: AddMemberForm | None = None) -> AddMemberForm:
    form = form or AddMemberForm(formdata=None)
    form.user_id.choices = choices(
        [
            ("", _("choose...")),
            *(
                (str(u.id), f"{u.display_name} ({ROLE_LABELS.get(u.role, u.role)})")
                for u in _candidates(committee)
            ),
        ]
    )
    return form


def _committee_form(committee: Committee | None, formdata=None) -> CommitteeForm:
    if committee is None:
        return CommitteeForm()
    form = CommitteeForm(
        formdata=formdata,
        data={
            "name": committee.name,
            "scope": committee.scope,
            "country": committee.country or "",
            "province": committee.province or "",
            "territories": "; ".join(committee.territory_list),
            "time_zone": committee.time_zone,
            "language": committee.language,
            "quorum_percent": committee.quorum_percent,
            "quorum_each_sector": committee.quorum_each_sector,
            "majority_percent": committee.majority_percent,
            "chair_id": str(committee.chair_id or 0),
        },
        current_zone=committee.time_zone,
    )
    form.chair_id.choices = _chair_choices(committee)
    return form


def _render_edit(
    committee: Committee | None,
    form: CommitteeForm,
    *,
    add_form: AddMemberForm | None = None,
    problems: list[str] | None = None,
    open_slot: str | None = None,
    status: int = 200,
):
    context: dict = {
        "committee": committee,
        "form": form,
        "problems": problems or [],
        "open_slot": open_slot,
    }
    if committee is not None:
        memberships = sorted(committee.memberships, key=lambda m: m.user.display_name.lower())
        context |= {
            "memberships": memberships,
            "sector_forms": {
                m.user_id: SectorForm(formdata=None, data={"sector": m.sector}) for m in memberships
            },
            "remove_form": RemoveMemberForm(formdata=None),
            "add_form": _add_member_form(committee, add_form),
        }
    return render_template("committees/edit.html", **context), status


@bp.route("/new", methods=["GET", "POST"])
def new():
    _require_manage()
    form = CommitteeForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            committee = operations.create_committee(actor=current_user, **form.values())
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(_("%(name)s is created: now add its members.", name=committee.name), "info")
            return redirect(url_for("committees.edit", committee_id=committee.id))
    status = 422 if form.is_submitted() else 200
    return _render_edit(None, form, problems=problems, open_slot="committee", status=status)


@bp.route("/<int:committee_id>/edit", methods=["GET", "POST"])
def edit(committee_id: int):
    _require_manage()
    committee = load_committee(committee_id)
    form = _committee_form(committee, formdata=None if request.method == "GET" else request.form)
    problems: list[str] = []
    if form.validate_on_submit():
        chair = db.session.get(User, int(form.chair_id.data or 0))
        try:
            operations.update_committee(committee, actor=current_user, **form.values())
            if committee.chair_id != (chair.id if chair else None):
                operations.set_chair(committee, chair, actor=current_user)
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(_("The changes to %(name)s are saved.", name=committee.name), "info")
            return redirect(url_for("committees.edit", committee_id=committee.id))
    status = 422 if form.is_submitted() else 200
    return _render_edit(committee, form, problems=problems, open_slot="committee", status=status)


@bp.post("/<int:committee_id>/members")
def add_member(committee_id: int):
    _require_manage()
    committee = load_committee(committee_id)
    form = _add_member_form(committee, AddMemberForm())
    problems: list[str] = []
    if form.validate():
        user = db.session.get(User, int(form.user_id.data))
        try:
            if user is None:
                raise InvalidInput(_("Choose the person to add."))
            operations.add_member(committee, user, sector=form.sector.data, actor=current_user)
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(
                _("%(who)s is a member of %(name)s.", who=user.display_name, name=committee.name),
                "info",
            )
            return redirect(url_for("committees.edit", committee_id=committee.id))
    return _render_edit(
        committee,
        _committee_form(committee),
        add_form=form,
        problems=problems,
        open_slot="add_member",
        status=422,
    )


def _get_membership(committee: Committee, user_id: int) -> CommitteeMembership:
    membership = next((m for m in committee.memberships if m.user_id == user_id), None)
    if membership is None:
        abort(404)
    return membership


@bp.post("/<int:committee_id>/members/<int:user_id>")
def change_member(committee_id: int, user_id: int):
    """Change the sector a member sits for."""
    _require_manage()
    committee = load_committee(committee_id)
    membership = _get_membership(committee, user_id)
    form = SectorForm()
    problems: list[str] = []
    if form.validate():
        try:
            operations.add_member(
                committee, membership.user, sector=form.sector.data, actor=current_user
            )
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
    else:
        problems += [str(e) for errors in form.errors.values() for e in errors]
    if problems:
        return _render_edit(committee, _committee_form(committee), problems=problems, status=422)
    db.session.commit()
    flash(
        _(
            "%(who)s sits for %(sector)s.",
            who=membership.user.display_name,
            sector=_(SECTOR_LABELS[form.sector.data]),
        ),
        "info",
    )
    return redirect(url_for("committees.edit", committee_id=committee.id))


@bp.post("/<int:committee_id>/members/<int:user_id>/remove")
def remove_member(committee_id: int, user_id: int):
    _require_manage()
    committee = load_committee(committee_id)
    membership = _get_membership(committee, user_id)
    if not RemoveMemberForm().validate():
        abort(400)
    who = membership.user.display_name
    operations.remove_member(committee, membership.user, actor=current_user)
    db.session.commit()
    flash(_("%(who)s is no longer a member of %(name)s.", who=who, name=committee.name), "info")
    return redirect(url_for("committees.edit", committee_id=committee.id))


# ------------------------------------------------------------------ the workspace


@bp.get("/<int:committee_id>")
def workspace(committee_id: int):
    committee = load_committee(committee_id, *read.COMMITTEE_LOADS)
    now = clock.now()
    return render_template(
        "committees/workspace.html",
        committee=committee,
        cases=read.cases(current_user, committee),
        actions=read.open_actions(current_user, committee, now.date()),
        meetings=read.meetings(current_user, committee),
        decisions=read.decisions(current_user, committee),
        can_manage=operations.can_manage(current_user),
        can_run=operations.can_run(current_user, committee),
        now=now,
        local_when=local_when,
    )


# The brief of a restricted case, and meetings, votes and minutes, on bp; last, since they
# import the above.
from casework.committees import brief_views, meeting_views  # noqa: E402, F401
