"""User accounts in the browser, for admins: the list, a new account, one account's page
(role, disable and enable, password reset, second factor reset). Thin: load, check the
role, call an operation from `casework.admin.users`, commit once."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.exceptions import Forbidden

from casework import clock
from casework.admin import users as operations
from casework.admin.models import AdminLogEntry
from casework.admin.user_forms import ButtonForm, NewUserForm, RoleForm
from casework.auth import twofactor
from casework.auth.forms import ROLE_LABELS
from casework.auth.models import ApiToken, User, UserSession
from casework.cases.models import Case
from casework.errors import CaseworkError, InvalidInput, PermissionDenied
from casework.extensions import db
from workflows import ROLES

bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")

HISTORY_SIZE = 20  # admin log entries shown on a user's page
ACTION_LABELS = {
    "user.create": _l("account created"),
    "user.role": _l("role changed"),
    "user.disable": _l("disabled (sessions ended, API tokens revoked)"),
    "user.enable": _l("enabled"),
    "user.password_reset:email": _l("password link emailed"),
    "user.password_reset:link": _l("password link given on the command line"),
    "user.password_reset:temporary": _l("temporary password given"),
    "user.second_factor_reset": _l("second factor reset"),
}


@bp.before_request
def _only_admins():
    # Logged-in users only (casework.security); of those, admins.
    if getattr(current_user, "role", None) != "admin":
        abort(403)


@bp.errorhandler(PermissionDenied)
def _on_permission_denied(exc: PermissionDenied):
    db.session.rollback()
    return current_app.handle_http_exception(Forbidden(str(exc)))


def _load(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


# ------------------------------------------------------------------ the list


@bp.get("")
def index():
    query = select(User).order_by(func.lower(User.name), User.email)
    role = request.args.get("role", "")
    if role in ROLES:
        query = query.where(User.role == role)
    state = request.args.get("state", "")
    if state in ("enabled", "disabled"):
        query = query.where(User.is_enabled.is_(state == "enabled"))
    q = request.args.get("q", "").strip()[:100]
    if q:
        query = query.where(
            or_(User.name.icontains(q, autoescape=True), User.email.icontains(q, autoescape=True))
        )
    return render_template(
        "admin/users.html",
        users=list(db.session.scalars(query)),
        roles=ROLES,
        role=role if role in ROLES else "",
        state=state if state in ("enabled", "disabled") else "",
        q=q,
    )


# ------------------------------------------------------------------ a new account


@bp.route("/new", methods=["GET", "POST"])
def new():
    form = NewUserForm()
    problems: list[str] = []
    if form.validate_on_submit():
        method: operations.ResetMethod = (
            "email" if operations.email_can_reach_users() else "temporary"
        )
        try:
            user = operations.create_user(
                email=form.email.data,
                role=form.role.data,
                name=form.name.data or "",
                phone=form.phone.data or None,
                language=form.language.data,
                timezone=form.timezone.data,
                actor=current_user,
            )
            started = operations.start_password_reset(
                user, actor=current_user, method=method, new_account=True
            )
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            return _after_reset(user, started, new_account=True)
    status = 422 if form.is_submitted() else 200
    return render_template("admin/users_new.html", form=form, problems=problems), status


def _after_reset(user: User, started: operations.ResetStarted, *, new_account: bool = False):
    """A temporary password is shown on this response only (never flashed: a flash
    travels in the session cookie); an emailed link is announced on the user's page."""
    if started.method == "temporary":
        return render_template(
            "admin/users_password.html",
            user=user,
            password=started.password,
            new_account=new_account,
        )
    if new_account:
        flash(
            _(
                "The account of %(email)s is created; a link to choose a password was emailed "
                "to them.",
                email=user.email,
            ),
            "info",
        )
    else:
        flash(
            _(
                "A one-time link to choose a new password was emailed to %(email)s.",
                email=user.email,
            ),
            "info",
        )
    return redirect(url_for(".detail", user_id=user.id), 303)


# ------------------------------------------------------------------ one account


def _render_detail(user: User, *, role_form: RoleForm | None = None, problems=(), status=200):
    now_live = (
        (UserSession.user_id == user.id)
        & UserSession.ended_dt.is_(None)
        & (UserSession.created_dt > clock.now() - current_app.permanent_session_lifetime)
    )
    open_cases = (
        db.session.scalar(
            select(func.count()).where(Case.assignee_id == user.id, Case.status != "closed")
        )
        or 0
    )
    history = list(
        db.session.scalars(
            select(AdminLogEntry)
            .where(AdminLogEntry.target_type == "user", AdminLogEntry.target_id == str(user.id))
            .order_by(AdminLogEntry.seq.desc())
            .limit(HISTORY_SIZE)
        )
    )
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form or RoleForm(formdata=None, data={"role": user.role}),
        button=ButtonForm(formdata=None),
        problems=list(problems),
        is_self=user.id == current_user.id,
        live_sessions=db.session.scalar(select(func.count()).where(now_live)) or 0,
        live_tokens=db.session.scalar(
            select(func.count()).where(
                ApiToken.user_id == user.id,
                ApiToken.is_revoked.is_(False),
                or_(ApiToken.expires_dt.is_(None), ApiToken.expires_dt > clock.now()),
            )
        )
        or 0,
        # Enrolled, or part-way through it: either way there is something to reset.
        second_factor=twofactor.is_enrolled(user) or user.totp_secret is not None,
        email_works=operations.email_can_reach_users(),
        history=history,
        open_cases=open_cases,
        action_labels=ACTION_LABELS,
    ), status


@bp.get("/<int:user_id>")
def detail(user_id: int):
    return _render_detail(_load(user_id))


def _button_or_400() -> None:
    if not ButtonForm().validate():
        abort(400)


@bp.post("/<int:user_id>/role")
def set_role(user_id: int):
    user = _load(user_id)
    form = RoleForm()
    if not form.validate():
        return _render_detail(
            user, role_form=form, problems=[_("Choose one of the roles offered.")], status=422
        )
    try:
        changed = operations.set_role(user, form.role.data, actor=current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_detail(_load(user_id), role_form=form, problems=[str(exc)], status=422)
    db.session.commit()
    if changed:
        flash(
            _(
                "%(email)s is now %(role)s; their sessions ended, so they log in again.",
                email=user.email,
                role=ROLE_LABELS.get(user.role, user.role),
            ),
            "info",
        )
    return redirect(url_for(".detail", user_id=user.id), 303)


@bp.post("/<int:user_id>/disable")
def disable(user_id: int):
    user = _load(user_id)
    _button_or_400()
    try:
        operations.disable_user(user, actor=current_user)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_detail(_load(user_id), problems=[str(exc)], status=422)
    db.session.commit()
    flash(
        _(
            "%(email)s is disabled: their sessions ended and their API tokens are revoked.",
            email=user.email,
        ),
        "info",
    )
    return redirect(url_for(".detail", user_id=user.id), 303)


@bp.post("/<int:user_id>/enable")
def enable(user_id: int):
    user = _load(user_id)
    _button_or_400()
    operations.enable_user(user, actor=current_user)
    db.session.commit()
    flash(_("%(email)s can log in again.", email=user.email), "info")
    return redirect(url_for(".detail", user_id=user.id), 303)


@bp.post("/<int:user_id>/password")
def reset_password(user_id: int):
    user = _load(user_id)
    _button_or_400()
    method: operations.ResetMethod = "email" if operations.email_can_reach_users() else "temporary"
    if request.form.get("method") == "temporary":  # the admin hands it over themselves
        method = "temporary"
    try:
        started = operations.start_password_reset(user, actor=current_user, method=method)
    except InvalidInput as exc:
        db.session.rollback()
        return _render_detail(_load(user_id), problems=[str(exc)], status=422)
    db.session.commit()
    return _after_reset(user, started)


@bp.post("/<int:user_id>/second-factor")
def reset_second_factor(user_id: int):
    user = _load(user_id)
    _button_or_400()
    try:
        twofactor.reset_second_factor(user, actor=current_user)
    except CaseworkError as exc:  # not enrolled, or their own: said on the page
        db.session.rollback()
        return _render_detail(_load(user_id), problems=[str(exc)], status=422)
    db.session.commit()
    flash(
        _(
            "The second factor of %(email)s is removed and their sessions ended; they can set "
            "up a new one after logging in.",
            email=user.email,
        ),
        "info",
    )
    return redirect(url_for(".detail", user_id=user.id), 303)
