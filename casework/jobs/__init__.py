"""Scheduled jobs: deadline and action reminders, reporter feedback, the age limit, digests,
and the committees' written votes and meeting reminders.

Each job is a function (a module's ``sweep(batch=...)``; `committees` holds two) that
takes the time from `casework.clock`, commits its own batches and returns a short summary
(counts) for the job's run record. `init_app` registers them with
`notifications.register_job` under stable ids; ``casework scheduler`` runs them,
``casework jobs run NAME`` runs one now.
"""

from __future__ import annotations

from flask import Flask

import notifications

# id -> (function by text reference, trigger, trigger arguments); times are UTC.
JOBS: dict[str, tuple[str, str, dict[str, int | str]]] = {
    "deadlines": ("casework.jobs.deadlines:sweep", "interval", {"minutes": 5}),
    # Media sent by MMS or WhatsApp, fetched from Twilio onto their case (retries inside).
    "media-fetch": ("casework.jobs.media:sweep", "interval", {"minutes": 2}),
    # Hourly: each owner is reminded from 08:00 their time, whatever their time zone.
    "action-reminders": ("casework.jobs.actions:sweep", "cron", {"minute": 10}),
    # Daily, at 08:00 UTC: 09:00-11:00 across the region, a decent hour for an SMS.
    "reporter-feedback": ("casework.jobs.feedback:sweep", "cron", {"hour": 8, "minute": 0}),
    "age-limit": ("casework.jobs.age:sweep", "cron", {"hour": 5, "minute": 30}),
    # On the hour: each user's digest goes at their own local digest hour.
    "digests": ("casework.jobs.digests:sweep", "cron", {"minute": 0}),
    # Committees: urgent written votes close at their deadline; meetings are reminded the
    # day before (hourly, so each reminder goes within the hour of its mark).
    "written-votes": ("casework.jobs.committees:close_written_votes", "interval", {"minutes": 5}),
    "meeting-reminders": ("casework.jobs.committees:remind_meetings", "cron", {"minute": 20}),
    # Daily: reporters' contact details erased once the retention period ends.
    "reporter-retention": ("casework.jobs.retention:sweep", "cron", {"hour": 2, "minute": 40}),
    # SMS kept in the intake spool while the database was away, filed once it answers.
    "intake-spool": ("casework.jobs.spool:sweep", "interval", {"minutes": 1}),
}


def init_app(app: Flask) -> None:
    for job_id, (func, trigger, args) in JOBS.items():
        notifications.register_job(job_id, func, trigger, app=app, **args)
