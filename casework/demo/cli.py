"""``casework demo ...``: demo data for a laptop or a training session."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from casework.extensions import db


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing (exit 0) when the database already has users, so it can run every time.",
)
@click.option(
    "--seed",
    "seed_value",
    type=int,
    default=2026,
    show_default=True,
    help="Random seed: the same seed gives the same demo content.",
)
@with_appcontext
def demo_seed(if_empty: bool, seed_value: int) -> None:
    """Fill an empty database with demo sites, committees, users, contacts and 72 cases,
    then run each scheduled job once, as the scheduler would have by now.

    Every demo account's password is 'casework-demo-' followed by its role (e.g.
    casework-demo-officer); the logins are printed at the end. Demo only: never seed a
    database that real people use.
    """
    from casework.demo.seed import is_empty, seed

    if not is_empty():
        if if_empty:
            click.echo("The database already has users; demo seed skipped.")
            return
        click.echo(
            "Error: the database already has users; the demo only fills an empty database. "
            "Use a fresh database (e.g. remove instance/casework.db, then run "
            "'casework db upgrade'), or pass --if-empty to skip quietly.",
            err=True,
        )
        raise SystemExit(1)

    started = time.perf_counter()
    try:
        result = seed(seed_value)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    jobs = _run_jobs_once()
    elapsed = time.perf_counter() - started

    total = sum(result.cases.values())
    click.echo(
        f"Seeded {result.sites} sites, {result.committees} committees, {result.users} users, "
        f"{result.reporters} reporters and {total} cases in {elapsed:.1f} s."
    )
    click.echo("  by status: " + ", ".join(f"{k} {v}" for k, v in sorted(result.cases.items())))
    click.echo(
        "  closed as: " + ", ".join(f"{k} {v}" for k, v in sorted(result.resolutions.items()))
    )
    click.echo(f"  published: {result.published}; stakeholder contacts: {result.contacts}")
    click.echo("  jobs run once: " + "; ".join(f"{name} ({summary})" for name, summary in jobs))
    click.echo("")
    click.echo("Demo logins (demo only; every password is 'casework-demo-' + role):")
    width = max(len(email) for _, email, _, _ in result.logins)
    click.echo(f"  {'role':<11} {'email':<{width}}  {'password':<24} name")
    for role, email, name, password in result.logins:
        click.echo(f"  {role:<11} {email:<{width}}  {password:<24} {name}")
    click.echo(
        "  Other committee members (firstname.lastname@example.org) use casework-demo-committee."
    )


def _run_jobs_once() -> list[tuple[str, str]]:
    """Each scheduled job, now, recorded as a run: the demo opens with the reminders that
    are due (deadlines passed, actions due, cases near the age limit) already sent."""
    from casework.jobs import JOBS
    from notifications.scheduler import describe, run_recorded

    return [(job_id, describe(run_recorded(job_id, func))) for job_id, (func, _, _) in JOBS.items()]


@demo.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def demo_serve(host: str, port: int) -> None:
    """Serve the app for a demo, with the scheduler in the same process.

    Fine for one laptop; in production run gunicorn and `casework scheduler` separately.
    """
    from flask import current_app
    from sqlalchemy import select
    from werkzeug.serving import run_simple

    from casework.auth.models import User
    from casework.demo.seed import demo_password
    from notifications.scheduler import DISPATCH_JOB_ID, build_scheduler

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the real app
    users = db.session.scalars(select(User).order_by(User.role, User.id)).all()
    click.echo(f"Casework demo on http://{host}:{port}/ - logins (demo only):")
    seen: set[str] = set()
    for user in users:
        if user.role not in seen and user.check_password(demo_password(user.role)):
            seen.add(user.role)
            click.echo(f"  {user.role:<11} {user.email:<32} {demo_password(user.role)}")
    db.session.remove()
    scheduler = build_scheduler(app, background=True)
    scheduler.start()
    # Send (in development: capture) what the seed queued at once, not in 30 seconds.
    scheduler.modify_job(DISPATCH_JOB_ID, next_run_time=datetime.now(UTC))
    try:
        run_simple(host, port, app, use_reloader=False, threaded=True)
    finally:
        scheduler.shutdown(wait=False)
