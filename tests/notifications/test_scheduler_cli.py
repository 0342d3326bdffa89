"""``casework outbox dispatch``, ``casework outbox status`` and ``casework scheduler``."""

from __future__ import annotations

import threading

import notifications
from notifications import scheduler as scheduler_module
from notifications.models import OutboxMessage
from notifications.outbox import enqueue

ran_in: list[str] = []


def sample_job() -> None:
    """A job by text reference; records the database it saw (so: it had an app context)."""
    from casework.extensions import db

    ran_in.append(db.engine.dialect.name)


def test_dispatch_once_sends_what_is_due_and_exits(app, db, runner, phonebook, twilio_fake):
    for name in ("amani", "neema"):
        enqueue("sms", f"test:{name}", "Habari")
    db.session.commit()
    result = runner.invoke(args=["outbox", "dispatch", "--once"])
    assert result.exit_code == 0, result.output
    assert "2 due: 2 sent" in result.output
    assert sorted(m["to"] for m in twilio_fake.sent) == ["+243810000001", "+243810000002"]
    db.session.expire_all()
    assert set(db.session.scalars(db.select(OutboxMessage.status))) == {"sent"}

    again = runner.invoke(args=["outbox", "dispatch", "--once"])
    assert "0 due" in again.output and len(twilio_fake.sent) == 2


def test_outbox_status_counts_rows(app, db, runner, phonebook):
    enqueue("sms", "test:amani", "Habari")
    db.session.commit()
    result = runner.invoke(args=["outbox", "status"])
    assert result.exit_code == 0
    assert "pending  1" in result.output and "dead     0" in result.output


def test_the_scheduler_runs_dispatch_every_30_seconds_in_utc(app):
    notifications.register_job(
        "tests.sample", "tests.notifications.test_scheduler_cli:sample_job", minutes=5
    )
    scheduler = scheduler_module.build_scheduler(app)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert {scheduler_module.DISPATCH_JOB_ID, "tests.sample"} <= set(jobs)
    dispatch_job = jobs[scheduler_module.DISPATCH_JOB_ID]
    assert dispatch_job.func_ref == "notifications.scheduler:run_in_app"
    assert dispatch_job.args == ("notifications.scheduler:dispatch_due",)
    assert dispatch_job.trigger.interval.total_seconds() == 30
    assert str(scheduler.timezone) == "UTC"
    assert scheduler._job_defaults["coalesce"] is True
    assert scheduler._job_defaults["max_instances"] == 1
    assert not scheduler.running  # built, not started: that is `casework scheduler`'s job


def test_a_job_runs_in_its_own_app_context(app, db):
    scheduler_module.build_scheduler(app)
    ran_in.clear()
    # From a bare thread, as APScheduler's executor calls it: no app context there.
    worker = threading.Thread(
        target=scheduler_module.run_in_app,
        args=("tests.notifications.test_scheduler_cli:sample_job",),
    )
    worker.start()
    worker.join(10)
    assert ran_in == [db.engine.dialect.name]


def test_the_dispatch_job_sends(app, db, phonebook, twilio_fake):
    scheduler_module.build_scheduler(app)
    enqueue("sms", "test:amani", "Habari")
    db.session.commit()
    worker = threading.Thread(
        target=scheduler_module.run_in_app, args=("notifications.scheduler:dispatch_due",)
    )
    worker.start()
    worker.join(10)
    assert len(twilio_fake.sent) == 1


def test_casework_scheduler_starts_a_blocking_scheduler(app, runner, monkeypatch):
    started = []
    monkeypatch.setattr(scheduler_module, "run_scheduler", started.append)
    result = runner.invoke(args=["scheduler"])
    assert result.exit_code == 0, result.output
    assert scheduler_module.DISPATCH_JOB_ID in result.output
    [scheduler] = started
    assert type(scheduler).__name__ == "BlockingScheduler"


def test_creating_the_app_starts_no_scheduler(app):
    assert not [t for t in threading.enumerate() if "APScheduler" in t.name]
