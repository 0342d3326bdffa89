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
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.util import ref_to_obj
from flask import Flask
from sqlalchemy import delete, func, select, update

from notifications import get_state

log = logging.getLogger(__name__)

DISPATCH_JOB_ID = "notifications.outbox.dispatch"
DISPATCH_INTERVAL_SECONDS = 30  # NOTIFICATIONS_DISPATCH_INTERVAL overrides
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 60}
RUNS_KEPT_FOR = timedelta(days=14)  # job run history, per job

_app: Flask | None = None  # the app this process's scheduler serves (set by build_scheduler)


def run_in_app(func_ref: str, job_id: str | None = None) -> None:
    """The one callable the scheduler stores: run ``func_ref`` in a fresh app context,
    recorded as a run of ``job_id`` (see `run_recorded`)."""
    if _app is None:
        raise RuntimeError("the scheduler's app is not set; build it with build_scheduler(app)")
    with _app.app_context():
        run_recorded(job_id or func_ref, func_ref)


def run_recorded(job_id: str, func_ref: str) -> Any:
    """Run ``func_ref`` (in the current app context) as one recorded run of ``job_id``.

    The run's row is committed before the job starts and finished after it, each in its
    own short transaction, so ``casework jobs list`` sees a run in progress and a job's own
    rollback never loses its record. A failure is recorded as ``failed`` with the
    exception's type only (its message may carry data from the rows it was working on),
    then re-raised for the scheduler's log. Returns the job's summary.
    """
    from casework.extensions import db
    from notifications.models import JobRun

    job_id = job_id[:50]
    started = get_state().now()
    run = JobRun(job=job_id, started_dt=started, result="running", detail="")
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    try:
        summary = ref_to_obj(func_ref)()
    except Exception as exc:
        db.session.rollback()
        _finish(job_id, run_id, "failed", f"{type(exc).__module__}.{type(exc).__qualname__}")
        log.exception("job %s failed", job_id)
        raise
    _finish(job_id, run_id, "ok", describe(summary))
    return summary


def _finish(job_id: str, run_id: int, result: str, detail: str) -> None:
    from casework.extensions import db
    from notifications.models import JobRun

    now = get_state().now()
    db.session.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(finished_dt=now, result=result, detail=detail[:500])
    )
    # Keep a few weeks of history per job (the dispatcher alone runs 2,880 times a day).
    db.session.execute(
        delete(JobRun).where(JobRun.job == job_id, JobRun.started_dt < now - RUNS_KEPT_FOR)
    )
    db.session.commit()


def describe(summary: Any) -> str:
    """A job's summary as one line: ``{"warned": 2, "breached": 1}`` -> ``warned 2, breached 1``."""
    if summary is None:
        return ""
    if isinstance(summary, dict):
        return ", ".join(f"{key} {value}" for key, value in summary.items())
    return str(summary)


def last_runs() -> dict[str, Any]:
    """The latest run of each job, by job id."""
    from casework.extensions import db
    from notifications.models import JobRun

    latest = (
        select(JobRun.job, func.max(JobRun.started_dt).label("started"))
        .group_by(JobRun.job)
        .subquery()
    )
    rows = db.session.scalars(
        select(JobRun)
        .join(latest, (JobRun.job == latest.c.job) & (JobRun.started_dt == latest.c.started))
        .order_by(JobRun.id)
    )
    return {run.job: run for run in rows}


def dispatch_due() -> dict[str, int]:
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
    return {
        "sent": report.sent,
        "to retry": report.retry,
        "given up": report.dead,
        "skipped": report.skipped,
    }


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
        kwargs={"job_id": DISPATCH_JOB_ID},
        id=DISPATCH_JOB_ID,
        name="outbox dispatch",
        replace_existing=True,
    )
    for job in get_state(app).jobs.values():
        scheduler.add_job(
            "notifications.scheduler:run_in_app",
            trigger=job.trigger,
            args=[job.func],
            kwargs={"job_id": job.id},
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
