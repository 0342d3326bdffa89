"""Login, logout and the user's own settings. Sessions are regenerated on login; failed
attempts are throttled."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from casework.auth.credentials import check_credentials
from casework.auth.forms import ROLE_LABELS, LanguageForm, LoginForm, ui_languages
from casework.auth.sessions import end_session
from casework.auth.throttle import throttle as login_throttle
from casework.auth.twofactor_views import finish_password_step
from casework.extensions import db
from casework.security import public, safe_next
from casework.views import home_url

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def _safe_next(target: str | None) -> str:
    return safe_next(target, home_url(current_user) if current_user.is_authenticated else "/")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # Failed logins only are counted (casework/auth/throttle.py), the same way whether
        # the email has an account or not; so is the password check (auth/credentials.py).
        if wait := login_throttle().retry_after(email):
            flash(_("Too many failed attempts. Wait a few minutes, then try again."), "error")
            page = render_template("auth/login.html", form=form)
            return page, 429, {"Retry-After": str(wait)}
        user = check_credentials(email, form.password.data)
        if user is None:
            login_throttle().count_failure(email)
            log.info("login refused")
            flash(_("That email and password do not match an active account."), "error")
            return render_template("auth/login.html", form=form), 401
        login_throttle().forget_failures(email)
        # The code from an enrolled user's app, or setting one up, comes next (twofactor_views).
        return finish_password_step(user, request.args.get("next"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    end_session("logout")
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/account/language")
def set_language():
    """Save the language the UI speaks to this user, then go back to the page they were on."""
    form = LanguageForm()
    if not form.validate():
        flash(_("Choose one of the languages offered."), "error")
        return redirect(_safe_next(form.next.data))
    current_user.language = form.language.data
    db.session.commit()
    with force_locale(form.language.data):  # confirm in the language just chosen
        flash(_("Language saved."), "info")
    return redirect(_safe_next(form.next.data))


@bp.app_context_processor
def _account_context():
    return {"role_labels": ROLE_LABELS, "ui_languages": ui_languages}
