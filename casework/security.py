"""Closed by default: every endpoint needs a logged-in user unless its view is `@public`.

The public list is short and tested (tests/test_security.py): login, health, static files,
the Twilio webhooks. Everything else redirects to the login page (HTML) or answers 401
(``/api/``). Bearer tokens log the API user in for one request only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, current_app, g, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from casework import clock
from casework.extensions import db, login_manager

F = TypeVar("F", bound=Callable)


def safe_next(target: str | None, default: str) -> str:
    """``target`` if it is a path on this site, else ``default``: never an open redirect.

    Refuses ``//host``, backslashes (browsers read ``/\\host`` as ``//host``), control
    characters and whitespace (``/\t/host`` becomes ``//host``), and anything with a host.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and all(ch.isprintable() and not ch.isspace() for ch in target)
        and not urlsplit(target).netloc
    ):
        return target
    return default


def public(view: F) -> F:
    """Open this view to anonymous users. Use sparingly; tests pin the list."""
    view.is_public = True  # type: ignore[attr-defined]
    return view


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None:  # 404s and the like: let Flask answer them
        return True
    if endpoint == "static":
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


@login_manager.user_loader
def _load_user(user_id: str):
    from casework.auth.models import User
    from casework.auth.sessions import live_session

    user = db.session.get(User, int(user_id))
    if user is None or live_session(user.id) is None:
        return None  # the login ended server-side (logout, disabled, password changed...)
    return user


TOKEN_LAST_USED_EVERY = timedelta(minutes=5)


@login_manager.request_loader
def _load_user_from_token(req):
    # A token belongs to the API: on an HTML form it would pass for a login that CSRF
    # protection cannot tell from a browser's (anyone can fetch an anonymous CSRF token).
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    from casework.auth.models import ApiToken

    now = clock.now()
    token = db.session.scalar(
        db.select(ApiToken).where(
            ApiToken.token_hash == ApiToken.hash(header[7:].strip()),
            ApiToken.is_revoked.is_(False),
            ApiToken.expires_dt.is_(None) | (ApiToken.expires_dt > now),
        )
    )
    if token is None or not token.user.is_active:
        return None
    # Written at most every few minutes: a busy client must not turn every read into a write.
    if token.last_used_dt is None or now - token.last_used_dt >= TOKEN_LAST_USED_EVERY:
        token.last_used_dt = now
        db.session.commit()
    g.authenticated_by_token = True
    g.token_scopes = frozenset(token.scopes.split())
    return token.user


class _SessionInterface(SecureCookieSessionInterface):
    """No session cookie for token-authenticated API calls: a token logs in one request."""

    def save_session(self, app, session, response):
        if g.get("authenticated_by_token"):
            return None
        return super().save_session(app, session, response)


def _unauthorized():
    if request.path.startswith("/api/"):
        from casework.api.errors import problem

        return problem(
            401,
            "Authentication required",
            "Log in, or send an 'Authorization: Bearer <token>' header.",
        )
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


login_manager.unauthorized_handler(_unauthorized)


# No inline script anywhere (there is no script at all today): keep script-src 'self'.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"  # a year; outside development and testing


def install_security(app: Flask) -> None:
    from casework.auth import throttle
    from casework.wellknown import bp as wellknown_bp

    app.session_interface = _SessionInterface()
    if proxies := app.config.get("CASEWORK_TRUSTED_PROXIES", 0):
        # Only the client's address: URLs keep coming from CASEWORK_PUBLIC_URL.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies)  # type: ignore[method-assign]
    throttle.init_app(app)  # the failed-login throttle on Flask-Limiter's storage
    app.register_blueprint(wellknown_bp)  # /.well-known/security.txt
    https_only = app.config.get("CASEWORK_ENV", "development") not in {"development", "testing"}

    @app.before_request
    def _closed_by_default():
        if is_public_endpoint(request.endpoint):
            return None
        if not current_user.is_authenticated:
            return _unauthorized()
        return None

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if https_only:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if current_user and getattr(current_user, "is_authenticated", False):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
