"""Two-factor login in the browser: the login's second step, the user's own security page
(set up, recovery codes), and the rule that a role named in ``CASEWORK_2FA_ROLES`` sets up
a second factor before anything else.

After the right password an enrolled user is not logged in yet: the session holds a
pending login (their id, a random nonce, when it started, where to go next), valid for
ten minutes. Wrong codes are counted server-side (the login throttle's storage,
``CASEWORK_RATELIMIT_STORAGE_URI``), per pending login, so replaying
an older cookie does not reset its count, and per account, so entering the password
again and again does not buy more guesses.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, RateLimiter
from markupsafe import Markup
from werkzeug.wrappers import Response

from casework import clock
from casework.auth import twofactor
from casework.auth.models import User
from casework.auth.sessions import start_session
from casework.auth.twofactor_forms import ButtonForm, CodeForm, LoginCodeForm
from casework.errors import CaseworkError
from casework.extensions import db
from casework.security import is_public_endpoint, public, safe_next
from casework.views import home_url

bp = Blueprint("twofactor", __name__)
log = logging.getLogger(__name__)

PENDING = "_2fa_pending"
PENDING_SECONDS = 10 * 60
PER_LOGIN: RateLimitItem = parse("5 per 10 minutes")  # wrong codes ending a pending login
PER_ACCOUNT: RateLimitItem = parse("20 per hour")  # wrong codes, all of an account's tries

# What a user who must set up a second factor may still reach.
WHILE_ENROLLING = frozenset(
    {
        "twofactor.security",
        "twofactor.enrol",
        "twofactor.confirm",
        "auth.logout",
        "auth.set_language",
    }
)


# ---------------------------------------------------------------- after the password


def finish_password_step(user: User, next_target: str | None) -> Response:
    """What follows the right password: the code page for an enrolled user (a pending
    login, not logged in yet), else the login itself; a user who must set up a second
    factor lands on the security page. ``next_target`` is checked (`safe_next`) where it
    is used, once the user is known."""
    if twofactor.is_enrolled(user):
        session.clear()  # nothing from before survives, pending or not
        session[PENDING] = {
            "uid": user.id,
            "nonce": secrets.token_urlsafe(16),
            "at": int(clock.now().timestamp()),
            "next": next_target if isinstance(next_target, str) else None,
        }
        return redirect(url_for("twofactor.login_code"))
    complete_login(user)
    if twofactor.must_enrol(user) and not user.must_change_password:
        return redirect(url_for("twofactor.security"))  # (a temporary password goes first)
    return redirect(safe_next(next_target, home_url(user)))


def complete_login(user: User) -> None:
    """Log ``user`` in: a fresh session, a server-side session row, committed."""
    session.clear()  # a fresh session: nothing from before login survives it
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME
    start_session(user)
    login_user(user)
    user.last_login_dt = clock.now()
    db.session.commit()


class _Counter:
    """Wrong codes, counted in the login throttle's storage (``RATELIMIT_STORAGE_URI``:
    memory:// per process, or Redis shared by every worker); this process's memory when
    that storage cannot be reached, rather than refusing every code or counting none."""

    def __init__(self, uri: str, options: dict[str, Any], prefix: str):
        self.shared = FixedWindowRateLimiter(storage_from_string(uri, **options))
        self.local = FixedWindowRateLimiter(MemoryStorage())
        self.prefix = prefix

    def _run(self, operation: Callable[[RateLimiter], bool]) -> bool:
        try:
            return operation(self.shared)
        except StorageError:
            log.warning("second-factor counter storage unreachable: counting in this process")
            return operation(self.local)

    def allows(self, item: RateLimitItem, *ids: str) -> bool:
        return self._run(lambda limiter: limiter.test(item, self.prefix, "2fa", *ids))

    def count(self, item: RateLimitItem, *ids: str) -> None:
        self._run(lambda limiter: limiter.hit(item, self.prefix, "2fa", *ids))


def _counter() -> _Counter:
    counter = current_app.extensions.get("casework_2fa_counter")
    if counter is None:
        options = dict(current_app.config.get("RATELIMIT_STORAGE_OPTIONS") or {})
        options.setdefault("wrap_exceptions", True)
        counter = _Counter(
            current_app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
            options,
            prefix=current_app.config.get("RATELIMIT_KEY_PREFIX") or "casework",
        )
        current_app.extensions["casework_2fa_counter"] = counter
    return counter


def _pending() -> tuple[dict[str, Any], User] | None:
    """The pending login and its user, if it is still good."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    started = pending.get("at")
    if not isinstance(started, int) or clock.now().timestamp() - started > PENDING_SECONDS:
        return None
    uid = pending.get("uid")
    user = db.session.get(User, uid) if isinstance(uid, int) else None
    if user is None or not user.is_active or not twofactor.is_enrolled(user):
        return None
    return pending, user


def _back_to_login(message: str) -> Response:
    session.pop(PENDING, None)
    flash(message, "error")
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@public
def login_code():
    if current_user.is_authenticated:
        return redirect(home_url(current_user))
    found = _pending()
    if found is None:
        if PENDING in session:
            return _back_to_login(_("Your login timed out. Enter your email and password again."))
        return redirect(url_for("auth.login"))
    pending, user = found
    form = LoginCodeForm()
    status = 200
    if form.validate_on_submit():
        counter, account, attempt = _counter(), str(user.id), str(pending["nonce"])
        if not counter.allows(PER_ACCOUNT, "account", account):
            log.info("second factor refused: too many wrong codes for the account")
            return _back_to_login(
                _("Too many wrong codes for this account. Wait an hour, then log in again.")
            )
        method = twofactor.verify(user, form.code.data)
        if method is not None:
            next_url = safe_next(pending.get("next"), home_url(user))
            left = twofactor.recovery_codes_left(user) if method == "recovery_code" else None
            complete_login(user)
            if left is not None:
                _flash_codes_left(left)
            return redirect(next_url)
        db.session.rollback()
        log.info("second factor refused")
        counter.count(PER_ACCOUNT, "account", account)
        counter.count(PER_LOGIN, "login", attempt)
        if not counter.allows(PER_LOGIN, "login", attempt):
            return _back_to_login(
                _("Too many wrong codes. Enter your email and password again to start over.")
            )
        form.code.errors.append(
            _("That code is not right, or was used already. Enter the code your app shows now.")
        )
        status = 422
    elif request.method == "POST":
        status = 422
    return render_template("auth/login_code.html", form=form), status


def _flash_codes_left(left: int) -> None:
    if left == 0:
        flash(
            _("You used your last recovery code. Make new ones on the Account security page now."),
            "error",
        )
    else:
        flash(
            ngettext(
                "You logged in with a recovery code. %(num)s is left: if you lost your "
                "phone, ask an administrator to reset your second factor.",
                "You logged in with a recovery code. %(num)s are left: if you lost your "
                "phone, ask an administrator to reset your second factor.",
                left,
            ),
            "info",
        )


# ---------------------------------------------------------------- the security page


def _qr_svg(uri: str) -> Markup:
    """The QR code of ``uri`` as inline SVG, drawn here: no image service sees the secret."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=2, svgclass="qr", title=_("QR code for your authenticator app")
    )
    # segno's own SVG of a URI built here (its title is escaped by segno): no user markup.
    return Markup(svg)  # noqa: S704  # nosec B704


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _security_page(*, confirm_form=None, regenerate_form=None, off_form=None, status: int = 200):
    user = current_user._get_current_object()
    secret = twofactor.pending_secret(user)
    context: dict[str, Any] = {
        "enrolled": twofactor.is_enrolled(user),
        "required": twofactor.is_required(user),
        "codes_left": twofactor.recovery_codes_left(user) if twofactor.is_enrolled(user) else 0,
        "start_form": ButtonForm(),
        "confirm_form": confirm_form or CodeForm(),
        "regenerate_form": regenerate_form or CodeForm(),
        "off_form": off_form or CodeForm(),
        "manual_key": None,
    }
    if secret:
        context.update(
            manual_key=_grouped(secret),
            qr=_qr_svg(twofactor.provisioning_uri(user, secret)),
            account=user.email,
            issuer=twofactor.ISSUER,
        )
    return render_template("auth/security.html", **context), status


@bp.get("/account/security")
def security():
    return _security_page()


@bp.post("/account/security/enrol")
def enrol():
    form = ButtonForm()
    if not form.validate_on_submit():
        flash(_("The form expired. Try again."), "error")
        return redirect(url_for("twofactor.security"))
    try:
        twofactor.begin_enrolment(current_user, actor=current_user)
    except CaseworkError as exc:
        flash(str(exc), "error")
        return redirect(url_for("twofactor.security"))
    db.session.commit()
    return redirect(url_for("twofactor.security", _anchor="set-up"))


def _throttled_account() -> bool:
    return not _counter().allows(PER_ACCOUNT, "account", str(current_user.id))


def _count_wrong_code() -> None:
    _counter().count(PER_ACCOUNT, "account", str(current_user.id))


@bp.post("/account/security/confirm")
def confirm():
    form = CodeForm()
    if not form.validate_on_submit():
        return _security_page(confirm_form=form, status=422)
    if _throttled_account():
        form.code.errors.append(_("Too many wrong codes for this account. Wait an hour."))
        return _security_page(confirm_form=form, status=429)
    try:
        codes = twofactor.confirm_enrolment(current_user, form.code.data, actor=current_user)
    except twofactor.WrongCode as exc:
        db.session.rollback()
        _count_wrong_code()
        form.code.errors.append(str(exc))
        return _security_page(confirm_form=form, status=422)
    except CaseworkError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("twofactor.security"))
    db.session.commit()
    log.info("second factor set up")
    return _show_codes(codes, first=True)


def _refuse_without_app_code(form: CodeForm, slot: str):
    """The security page again (422, 429) unless ``form`` holds a current code from the
    app, not a recovery code: whoever holds only this browser session (or one recovery
    code) cannot mint ten more codes or turn the second factor off. None when it does."""
    if not form.validate_on_submit():
        return _security_page(**{slot: form}, status=422)
    if _throttled_account():
        form.code.errors.append(_("Too many wrong codes for this account. Wait an hour."))
        return _security_page(**{slot: form}, status=429)
    user = current_user._get_current_object()
    if twofactor.verify(user, form.code.data, allow_recovery=False) is None:
        db.session.rollback()
        _count_wrong_code()
        form.code.errors.append(
            _("That code is not right, or was used already. Enter the code your app shows now.")
        )
        return _security_page(**{slot: form}, status=422)
    return None


@bp.post("/account/security/recovery-codes")
def regenerate():
    form = CodeForm()
    if (refused := _refuse_without_app_code(form, "regenerate_form")) is not None:
        return refused
    user = current_user._get_current_object()
    codes = twofactor.regenerate_recovery_codes(user, actor=user)
    db.session.commit()
    return _show_codes(codes, first=False)


@bp.post("/account/security/off")
def turn_off():
    form = CodeForm()
    if (refused := _refuse_without_app_code(form, "off_form")) is not None:
        return refused
    user = current_user._get_current_object()
    twofactor.turn_off(user, actor=user)
    db.session.commit()
    flash(
        _(
            "Two-factor login is off and your recovery codes no longer work. Any other "
            "browser logged in as you is logged out."
        ),
        "info",
    )
    return redirect(url_for("twofactor.security"), 303)


def _show_codes(codes: list[str], *, first: bool):
    """The recovery codes, shown this once (the response is never cached)."""
    response = current_app.make_response(
        render_template("auth/recovery_codes.html", codes=codes, first=first)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- set it up first


@bp.before_app_request
def _set_up_second_factor_first():
    """A user whose role requires a second factor and who has none reaches only the
    security page (and logout) until it is set up."""
    endpoint = request.endpoint
    if is_public_endpoint(endpoint) or endpoint in WHILE_ENROLLING:
        return None
    if not current_user.is_authenticated or g.get("authenticated_by_token"):
        return None  # API tokens are their own credential, made by an operator
    if getattr(current_user, "must_change_password", False):
        return None  # a new password first (that page's own rule), then this
    if not twofactor.must_enrol(current_user):
        return None
    if request.path.startswith("/api/"):
        from casework.api.errors import problem

        return problem(
            403,
            "Second factor required",
            "Set up two-factor login at /account/security before using the API from a browser.",
        )
    return redirect(url_for("twofactor.security"))
