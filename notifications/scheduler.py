"""The scheduler process: ``casework scheduler`` runs it in the foreground.

APScheduler 3 has no locking between processes, so this is its own process, started once:
never at import, never in a web worker. Jobs are added by text reference with stable ids,
and each run gets a fresh app context. The jobs are idempotent anyway (the outbox claims
rows with SKIP LOCKED; reminders carry dedupe keys), so an accidental second scheduler
wastes work but sends nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
import signal

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.util import ref_to_obj
from flask import Flask

from notifications import get_state

log = logging.getLogger(__name__)

DISPATCH_JOB_ID = "notifications.outbox.dispatch"
DISPATCH_INTERVAL_SECONDS = 30  # NOTIFICATIONS_DISPATCH_INTERVAL overrides
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}

_app: Flask | None = None  # the app this process's scheduler serves (set by build_scheduler)


def run_in_app(func_ref: str) -> None:
    """The one callable the scheduler stores: run ``func_ref`` in a fresh app context."""
    if _app is None:
        raise RuntimeError("the scheduler's app is not set; build it with build_scheduler(app)")
    with _app.app_context():
        ref_to_obj(func_ref)()


def dispatch_due() -> None:
    from notifications.outbox import drain

    report = drain()
    if report.claimed:
        log.info(
            "outbox: %s sent, %s to retry, %s dead, %s skipped",
            report.sent,
            report.retry,
            report.dead,
            report.skipped,
        )


def build_scheduler(app: Flask, *, background: bool = False) -> BaseScheduler:
    """A scheduler (blocking unless ``background``) with the dispatch job and every job the
    app registered with `notifications.register_job`. Not started."""
    global _app
    _app = app
    cls = BackgroundScheduler if background else BlockingScheduler
    scheduler = cls(timezone="UTC", job_defaults=dict(JOB_DEFAULTS))
    interval = int(app.config.get("NOTIFICATIONS_DISPATCH_INTERVAL") or DISPATCH_INTERVAL_SECONDS)
    scheduler.add_job(
        "notifications.scheduler:run_in_app",
        trigger="interval",
        seconds=interval,
        args=["notifications.scheduler:dispatch_due"],
        id=DISPATCH_JOB_ID,
        name="outbox dispatch",
        replace_existing=True,
    )
    for job in get_state(app).jobs.values():
        scheduler.add_job(
            "notifications.scheduler:run_in_app",
            trigger=job.trigger,
            args=[job.func],
            id=job.id,
            name=job.id,
            replace_existing=True,
            **job.trigger_args,
        )
    return scheduler


def run_scheduler(scheduler: BaseScheduler) -> None:
    def stop(signum, frame):  # let a running job finish its current message, then exit
        log.info("scheduler: stopping on signal %s", signum)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    for job in scheduler.get_jobs():
        log.info("scheduler: job %s (%s)", job.id, job.trigger)
    with contextlib.suppress(KeyboardInterrupt, SystemExit):
        scheduler.start()
