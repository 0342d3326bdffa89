"""Choosing a password in the browser: a logged-in user's own change (``/account/password``)
and the page a one-time reset link opens (``/password/reset/<token>``, public).

A user given a temporary password (``must_change_password``) is sent to the change page
from every other page until they have chosen their own.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from casework.auth import passwords
from casework.auth.password_forms import ChangePasswordForm, NewPasswordForm
from casework.errors import InvalidInput
from casework.extensions import db
from casework.security import is_public_endpoint, public
from casework.views import home_url

bp = Blueprint("passwords", __name__)

# Pages a user who must change their password may still open: this one, logging out,
# the language switch, and setting up a second factor (casework/auth/twofactor_views.py),
# so that two "before anything else" steps never send each other round in a circle.
ALLOWED_WHILE_MUST_CHANGE = frozenset({"passwords.change", "auth.logout", "auth.set_language"})
SECOND_FACTOR_BLUEPRINTS = ("twofactor",)


def _page(template: str, status: int, **context):
    """A password page, never cached (a reset link's page names the account)."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.before_app_request
def _temporary_password_first():
    """Before anything else, a user logged in with a temporary password chooses their own."""
    endpoint = request.endpoint
    if endpoint in ALLOWED_WHILE_MUST_CHANGE or is_public_endpoint(endpoint):
        return None
    if (endpoint or "").split(".", 1)[0] in SECOND_FACTOR_BLUEPRINTS:
        return None
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if g.get("authenticated_by_token"):  # an API token is not a login with the password
        return None
    if request.path.startswith("/api/"):
        from casework.api.errors import problem

        return problem(
            403,
            "Password change required",
            "Choose a new password at /account/password before using the API from a browser.",
        )
    return redirect(url_for("passwords.change"))


@bp.route("/account/password", methods=["GET", "POST"])
def change():
    form = ChangePasswordForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            passwords.change_own_password(current_user, form.current.data, form.password.data)
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(
                _("Your password is changed. Any other browser logged in as you is logged out."),
                "info",
            )
            return redirect(home_url(current_user), 303)
    status = 422 if form.is_submitted() else 200
    return _page("auth/password_change.html", status, form=form, problems=problems)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset(token: str):
    """The page a reset link opens: choose a new password. The user then logs in as usual
    (with their second factor, if they have one): the link alone never logs anyone in."""
    try:
        user = passwords.user_for_token(token)
    except InvalidInput as exc:
        return _page("auth/password_reset.html", 400, form=None, problems=[str(exc)])
    form = NewPasswordForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            passwords.reset_with_token(token, form.password.data)
        except InvalidInput as exc:
            db.session.rollback()
            problems.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your new password is set. Log in with it."), "info")
            return redirect(url_for("auth.login"), 303)
    status = 422 if form.is_submitted() else 200
    return _page("auth/password_reset.html", status, form=form, problems=problems, user=user)
