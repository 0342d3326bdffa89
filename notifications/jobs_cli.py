"""``casework jobs list`` and ``casework jobs run NAME`` (registered by casework.cli).

``list`` shows what the scheduler would run (the outbox dispatch and every job the app
registered), when, and how the last run went; ``run`` runs one job now, in this process,
recorded like a scheduled run, so a site that prefers cron to ``casework scheduler`` can
call it from a crontab (it exits non-zero when the job failed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import click
from apscheduler.job import Job
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import current_app
from flask.cli import with_appcontext

from notifications import get_state
from notifications.models import JobRun
from notifications.scheduler import build_scheduler, describe, last_runs, run_recorded


def _jobs() -> dict[str, Job]:
    """The scheduler's jobs, by id, from a scheduler built but never started."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return {job.id: job for job in build_scheduler(app, background=True).get_jobs()}


def schedule_of(trigger: BaseTrigger) -> str:
    """``every 5 minutes``, ``hourly at :10``, ``daily at 08:00 UTC``."""
    if isinstance(trigger, IntervalTrigger):
        seconds = int(trigger.interval.total_seconds())
        if seconds % 3600 == 0:
            return f"every {seconds // 3600} hours" if seconds > 3600 else "every hour"
        if seconds % 60 == 0:
            return f"every {seconds // 60} minutes" if seconds > 60 else "every minute"
        return f"every {seconds} seconds"
    if isinstance(trigger, CronTrigger):
        fields = {f.name: str(f) for f in trigger.fields if not f.is_default}
        if set(fields) == {"minute"} and fields["minute"].isdigit():
            return f"hourly at :{int(fields['minute']):02}"
        if set(fields) == {"hour", "minute"} and all(v.isdigit() for v in fields.values()):
            return f"daily at {int(fields['hour']):02}:{int(fields['minute']):02} UTC"
    return str(trigger)


def next_run(trigger: BaseTrigger, last: JobRun | None, now: datetime) -> datetime | None:
    """When the job runs next: a cron job at its next mark; an interval job one interval
    after its last start (or after now, when it never ran), and now if that is past."""
    if isinstance(trigger, IntervalTrigger):
        base = last.started_dt if last is not None else now
        return max(base + trigger.interval, now)
    return trigger.get_next_fire_time(None, now)


# A run still "running" after this long was killed (or hangs): say so, not "running".
STALE_RUN = timedelta(hours=1)


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment else "-"


@click.group()
def jobs() -> None:
    """Scheduled jobs: what runs when, how the last runs went, and running one now."""


@jobs.command("list")
@with_appcontext
def list_jobs() -> None:
    """Each job with its schedule, last run, last result and next run."""
    runs = last_runs()
    now = get_state().now()
    for job_id, job in _jobs().items():
        last = runs.get(job_id)
        click.echo(f"{job_id}  ({schedule_of(job.trigger)})")
        if last is None:
            click.echo("  last run: never")
        else:
            outcome = last.result + (f": {last.detail}" if last.detail else "")
            if last.result == "running" and now - last.started_dt > STALE_RUN:
                outcome = "did not finish (its process stopped, or it is still stuck)"
            click.echo(f"  last run: {_when(last.started_dt)}, {outcome}")
        click.echo(f"  next run: {_when(next_run(job.trigger, last, now))}")


@jobs.command("run")
@click.argument("name")
@with_appcontext
def run_job(name: str) -> None:
    """Run the job NAME now, in this process; exit 1 if it fails."""
    found = _jobs()
    job = found.get(name)
    if job is None:
        raise click.BadParameter(
            f"there is no job {name!r}. The jobs are: {', '.join(found)}.", param_hint="NAME"
        )
    try:
        summary = run_recorded(name, job.args[0])
    except Exception as exc:  # recorded as failed; the type only (no data from the rows)
        click.echo(
            f"{name} failed ({type(exc).__name__}); the run is recorded as failed. "
            "Run it again once the cause is fixed: every job is safe to rerun.",
            err=True,
        )
        raise SystemExit(1) from None
    click.echo(f"{name}: ok. {describe(summary) or 'Nothing to do.'}")
