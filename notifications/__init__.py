"""Getting messages to people reliably: a durable outbox, email through Flask-Mail, SMS
through Twilio, and the scheduler that runs the dispatcher.

This package uses only the shared extension objects (``db``, ``mail``) from
``casework.extensions`` and knows nothing about cases. The app plugs itself in at start:

- ``init_app(app, clock=...)``: the clock every timestamp here comes from;
- ``register_resolver("reporter", fn)``: turns a recipient reference such as
  ``reporter:42`` into an address for a channel at send time
  (``fn("42", "sms") -> "+243..."``), so phone numbers are never copied into the outbox;
  raise `Undeliverable` to refuse;
- ``register_hook("message", fn)``: called as ``fn(row, outcome)`` for rows whose ``ref``
  starts with ``message:`` when an attempt ends (outcome ``sent``, ``retry`` or ``dead``),
  in the dispatcher's transaction, so the app can update its own records;
- ``register_preparer("message", fn)``: called as ``fn(row)`` for rows whose ``ref`` starts
  with ``message:`` just before each attempt, in the dispatcher's transaction; it may
  change the row's ``channel``, ``template`` and ``body`` (a route that expired while the
  message waited), so what is sent is decided when it is sent;
- ``register_job(...)``: more jobs for ``casework scheduler`` (reminder sweeps, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app

from notifications.errors import DeliveryError, Undeliverable

if TYPE_CHECKING:
    from notifications.models import OutboxMessage

Resolver = Callable[[str, str], str]  # (ident, channel) -> address
Hook = Callable[["OutboxMessage", str], None]
Preparer = Callable[["OutboxMessage"], None]


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class JobSpec:
    id: str
    func: str  # "package.module:function", run inside an app context
    trigger: str
    trigger_args: dict[str, Any]


@dataclass
class NotificationsState:
    clock: Callable[[], datetime] = _utcnow
    resolvers: dict[str, Resolver] = field(default_factory=dict)
    hooks: dict[str, Hook] = field(default_factory=dict)
    preparers: dict[str, Preparer] = field(default_factory=dict)
    jobs: dict[str, JobSpec] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()


def init_app(app: Flask, *, clock: Callable[[], datetime] | None = None) -> NotificationsState:
    state = NotificationsState(clock=clock or _utcnow)
    app.extensions["notifications"] = state
    return state


def get_state(app: Flask | None = None) -> NotificationsState:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions.get("notifications")
    if state is None:
        state = init_app(app)
    return state


def register_resolver(prefix: str, resolver: Resolver, *, app: Flask | None = None) -> None:
    get_state(app).resolvers[prefix] = resolver


def register_hook(prefix: str, hook: Hook, *, app: Flask | None = None) -> None:
    get_state(app).hooks[prefix] = hook


def register_preparer(prefix: str, preparer: Preparer, *, app: Flask | None = None) -> None:
    get_state(app).preparers[prefix] = preparer


def register_job(
    job_id: str, func: str, trigger: str = "interval", *, app: Flask | None = None, **trigger_args
) -> None:
    """Add a job to the scheduler: ``func`` by text reference, run in an app context."""
    if ":" not in func:
        raise ValueError("jobs are given by text reference, 'package.module:function'")
    get_state(app).jobs[job_id] = JobSpec(job_id, func, trigger, trigger_args)


from notifications.outbox import dispatch, enqueue  # noqa: E402  (uses the names above)

__all__ = [
    "DeliveryError",
    "NotificationsState",
    "Undeliverable",
    "dispatch",
    "enqueue",
    "get_state",
    "init_app",
    "register_hook",
    "register_job",
    "register_preparer",
    "register_resolver",
]
