"""Scheduled jobs: deadline and action reminders, reporter feedback, the age limit, digests.

Each job is a module with a ``sweep(batch=...)`` that takes the time from
`casework.clock`, commits its own batches and returns a short summary (counts) for the
job's run record. `init_app` registers them with `notifications.register_job` under stable
ids; ``casework scheduler`` runs them, ``casework jobs run NAME`` runs one now.
"""

from __future__ import annotations

from flask import Flask

import notifications

# id -> (function by text reference, trigger, trigger arguments); times are UTC.
JOBS: dict[str, tuple[str, str, dict[str, int | str]]] = {
    "deadlines": ("casework.jobs.deadlines:sweep", "interval", {"minutes": 5}),
    # Hourly: each owner is reminded from 08:00 their time, whatever their time zone.
    "action-reminders": ("casework.jobs.actions:sweep", "cron", {"minute": 10}),
}


def init_app(app: Flask) -> None:
    for job_id, (func, trigger, args) in JOBS.items():
        notifications.register_job(job_id, func, trigger, app=app, **args)
