"""The failed-login throttle, on Flask-Limiter's storage (``CASEWORK_RATELIMIT_STORAGE_URI``:
``memory://`` per process by default, ``redis://...`` so that every worker and host counts
together).

Only failed logins count, and two limits apply to each attempt:

- ``PER_ACCOUNT``: one client address trying one email (a mistyped password five times);
- ``PER_ADDRESS``: one client address trying any email. This one keeps memory bounded:
  a client spraying 40,000 different emails gets at most ``PER_ADDRESS.amount`` counters
  per window, after which its attempts are refused before anything new is stored.

Keys are fixed-length: the address (IPv6 by its /64, which one subscriber usually holds
whole) and an HMAC of the email under the app's secret key, so no email, however long, is
kept in the storage. Each counter expires with its window (fixed windows: one counter per
key, never a list of hits). When shared storage cannot be reached, the throttle counts in
this process rather than refusing every login or letting guesses through unthrottled.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import time
from dataclasses import dataclass, field

from flask import Flask, current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from casework.extensions import limiter

log = logging.getLogger(__name__)

PER_ACCOUNT = parse("5 per 5 minutes")
PER_ADDRESS = parse("50 per 15 minutes")

# Redis on another host that stops answering must not hold a login for long.
_REDIS_OPTIONS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}


@dataclass
class LoginThrottle:
    """One app's throttle: its own storage, even when several apps share the process
    (Flask-Limiter's extension object keeps only the storage of the latest ``init_app``)."""

    rate_limiter: RateLimiter
    prefix: str
    fallback: RateLimiter = field(default_factory=lambda: FixedWindowRateLimiter(MemoryStorage()))

    def _limits(self, email: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        address = client_address(request.remote_addr)
        account = email_digest(email)
        return [
            (PER_ADDRESS, (self.prefix, "login", "address", address)),
            (PER_ACCOUNT, (self.prefix, "login", "account", address, account)),
        ]

    def _run(self, operation):
        try:
            return operation(self.rate_limiter)
        except StorageError:
            log.warning("login throttle storage unreachable: counting in this process only")
            return operation(self.fallback)

    def retry_after(self, email: str) -> int:
        """Seconds until this client may try ``email`` again; 0 when it may now."""

        def check(rate_limiter: RateLimiter) -> int:
            wait = 0.0
            for item, ids in self._limits(email):
                if not rate_limiter.test(item, *ids):
                    reset = rate_limiter.get_window_stats(item, *ids).reset_time
                    wait = max(wait, reset - time.time(), 1.0)
            return int(wait + 0.999)

        return self._run(check)

    def count_failure(self, email: str) -> None:
        def hit(rate_limiter: RateLimiter) -> None:
            for item, ids in self._limits(email):
                rate_limiter.hit(item, *ids)

        self._run(hit)

    def forget_failures(self, email: str) -> None:
        """A right password clears that email's count for this address (not the address's)."""

        def clear(rate_limiter: RateLimiter) -> None:
            item, ids = self._limits(email)[1]
            rate_limiter.clear(item, *ids)

        self._run(clear)


def client_address(remote_addr: str | None) -> str:
    """The key for a client address: IPv4 as it is, IPv6 by its /64 network."""
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def email_digest(email: str) -> str:
    """A fixed-length key for an email that the storage cannot read back (keyed: a plain
    hash of a guessable email is one dictionary away from the email)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, email.encode(), hashlib.sha256).hexdigest()[:32]


def throttle() -> LoginThrottle:
    return current_app.extensions["casework_login_throttle"]


def init_app(app: Flask) -> None:
    uri = app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    options = app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {})
    options.setdefault("wrap_exceptions", True)  # storage failures as StorageError
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        for name, value in _REDIS_OPTIONS.items():
            options.setdefault(name, value)
    app.config.setdefault("RATELIMIT_STRATEGY", "fixed-window")
    limiter.init_app(app)
    app.extensions["casework_login_throttle"] = LoginThrottle(
        rate_limiter=limiter.limiter, prefix=app.config.get("RATELIMIT_KEY_PREFIX") or "casework"
    )
