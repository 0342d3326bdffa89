"""Login, logout and the user's own settings. Sessions are regenerated on login; failed
attempts are throttled."""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from casework import clock
from casework.auth.forms import ROLE_LABELS, LanguageForm, LoginForm, ui_languages
from casework.auth.models import User
from casework.auth.sessions import end_session, start_session
from casework.extensions import db
from casework.security import public, safe_next
from casework.views import home_url

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)

# Failed logins per (client address, email) in the last window, kept per app and process:
# behind several workers the effective limit is workers x MAX_FAILURES, still enough to stop
# password guessing without a shared store.
MAX_FAILURES = 5
WINDOW_SECONDS = 300


def _failures() -> dict[tuple[str, str], deque[float]]:
    return current_app.extensions.setdefault("casework_login_failures", defaultdict(deque))


def _throttled(key: tuple[str, str]) -> bool:
    attempts = _failures()[key]
    cutoff = time.monotonic() - WINDOW_SECONDS
    while attempts and attempts[0] < cutoff:
        attempts.popleft()
    return len(attempts) >= MAX_FAILURES


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
        key = (request.remote_addr or "", email)
        if _throttled(key):
            flash(_("Too many failed attempts. Wait a few minutes, then try again."), "error")
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(func.lower(User.email) == email))
        if user is None or not user.check_password(form.password.data) or not user.is_active:
            _failures()[key].append(time.monotonic())
            log.info("login refused")
            flash(_("That email and password do not match an active account."), "error")
            return render_template("auth/login.html", form=form), 401
        _failures().pop(key, None)
        session.clear()  # a fresh session: nothing from before login survives it
        session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
        start_session(user)
        login_user(user)
        user.last_login_dt = clock.now()
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
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
