"""``casework scheduler`` and ``casework outbox ...`` (registered by casework.cli)."""

from __future__ import annotations

import logging
import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from casework.extensions import db


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Run the scheduler (outbox dispatch, reminders) in the foreground. Run exactly one."""
    _log_to_stderr()
    from notifications.scheduler import build_scheduler, run_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = build_scheduler(app)
    jobs = ", ".join(job.id for job in scheduler.get_jobs())
    click.echo(f"Scheduler running (UTC), jobs: {jobs}. Stop it with Ctrl-C.")
    run_scheduler(scheduler)


def _log_to_stderr() -> None:
    """A long-running command says what it does (unless logging is configured already)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
        logging.getLogger("twilio").setLevel(logging.WARNING)  # request-by-request chatter


@click.group()
def outbox() -> None:
    """The outbox of emails and SMS waiting to be sent."""


def _echo(report) -> None:
    click.echo(
        f"{report.claimed} due: {report.sent} sent, {report.retry} to retry, "
        f"{report.dead} given up, {report.skipped} skipped."
    )


@outbox.command("dispatch")
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option("--batch", default=50, show_default=True, help="Messages claimed at a time.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between passes.")
@with_appcontext
def dispatch(once: bool, batch: int, interval: float) -> None:
    """Send due messages; without --once, keep going until interrupted."""
    from notifications.outbox import drain

    if once:
        _echo(drain(batch))
        return
    _log_to_stderr()
    click.echo("Dispatching; stop with Ctrl-C.")
    try:
        while True:
            report = drain(batch)
            if report.claimed:
                _echo(report)
            db.session.remove()
            time.sleep(interval)
    except KeyboardInterrupt:
        click.echo("Stopped.")


@outbox.command("status")
@with_appcontext
def status() -> None:
    """Count outbox messages by status."""
    from notifications.models import STATUSES, OutboxMessage

    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    for name in STATUSES:
        click.echo(f"{name:8} {counts.get(name, 0)}")
