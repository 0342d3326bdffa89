"""``casework jobs list`` and ``casework jobs run NAME``, through the CLI runner."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from casework.jobs import deadlines
from notifications.models import JobRun
from notifications.scheduler import DISPATCH_JOB_ID
from tests.jobs.conftest import START, notices

JOB_IDS = [
    "deadlines",
    "media-fetch",
    "action-reminders",
    "reporter-feedback",
    "age-limit",
    "digests",
    "written-votes",
    "meeting-reminders",
    "reporter-retention",
    "intake-spool",
]


def block(output: str, job_id: str) -> str:
    """The three lines ``jobs list`` prints about one job."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{job_id}  ("))
    return "\n".join(lines[start : start + 3])


def runs(db, job: str) -> list[JobRun]:
    db.session.expire_all()
    return list(db.session.scalars(select(JobRun).where(JobRun.job == job).order_by(JobRun.id)))


def test_jobs_list_prints_every_job_with_its_schedule_and_next_run(db, at, runner):
    at(START + timedelta(minutes=1))
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    for job_id in [DISPATCH_JOB_ID, *JOB_IDS]:
        assert f"{job_id}  (" in result.output
    out = result.output
    assert "deadlines  (every 5 minutes)" in out
    assert "digests  (hourly at :00)" in out
    assert "reporter-feedback  (daily at 08:00 UTC)" in out
    assert "last run: never" in out
    # At 09:01 UTC: the digests next run on the hour, the feedback tomorrow at 08:00.
    assert "next run: 2026-11-02 10:00:00 UTC" in block(out, "digests")
    assert "next run: 2026-11-03 08:00:00 UTC" in block(out, "reporter-feedback")
    assert "next run: 2026-11-02 09:06:00 UTC" in block(out, "deadlines")


def test_jobs_run_runs_a_job_now_records_it_and_list_shows_the_result(
    db, at, runner, make_user, make_case
):
    officer = make_user("officer")
    make_case(status="verifying", level=2, assignee=officer, due_dt=START - timedelta(hours=1))
    result = runner.invoke(args=["jobs", "run", "deadlines"])
    assert result.exit_code == 0, result.output
    assert "deadlines: ok. warned 0, breached 1, overdue 0" in result.output
    [run] = runs(db, "deadlines")
    assert run.result == "ok" and run.detail == "warned 0, breached 1, overdue 0"
    assert run.started_dt == START and run.finished_dt == START
    assert len(notices(db, "deadline")) == 1

    listed = block(runner.invoke(args=["jobs", "list"]).output, "deadlines")
    assert "last run: 2026-11-02 09:00:00 UTC, ok: warned 0, breached 1, overdue 0" in listed
    assert "next run: 2026-11-02 09:05:00 UTC" in listed


def test_a_failing_job_is_recorded_as_failed_and_exits_non_zero(db, at, runner, monkeypatch):
    def broken(batch: int = 100):
        raise RuntimeError("+243991234567 must never reach the record")

    monkeypatch.setattr(deadlines, "sweep", broken)
    result = runner.invoke(args=["jobs", "run", "deadlines"])
    assert result.exit_code == 1
    assert "deadlines failed (RuntimeError)" in result.output
    [run] = runs(db, "deadlines")
    assert run.result == "failed" and run.detail == "builtins.RuntimeError"
    assert "+243" not in result.output
    listed = runner.invoke(args=["jobs", "list"]).output
    assert "failed: builtins.RuntimeError" in listed


def test_an_unknown_job_is_an_error_that_names_the_jobs(db, runner):
    result = runner.invoke(args=["jobs", "run", "deadline"])
    assert result.exit_code == 2
    assert "there is no job 'deadline'" in result.output
    for job_id in JOB_IDS:
        assert job_id in result.output


def test_every_job_runs_through_the_cli_on_an_empty_database(db, at, runner):
    for job_id in JOB_IDS:
        result = runner.invoke(args=["jobs", "run", job_id])
        assert result.exit_code == 0, (job_id, result.output)
        assert [r.result for r in runs(db, job_id)] == ["ok"]


def test_old_runs_are_pruned(db, at, runner):
    db.session.add(
        JobRun(job="age-limit", started_dt=datetime(2026, 9, 1, tzinfo=UTC), result="ok")
    )
    db.session.commit()
    runner.invoke(args=["jobs", "run", "age-limit"])
    assert [r.started_dt for r in runs(db, "age-limit")] == [START]


def test_a_run_killed_long_ago_is_not_shown_as_running(db, at, runner):
    at(START)
    db.session.add(JobRun(job="deadlines", started_dt=START - timedelta(hours=3)))
    db.session.commit()
    result = runner.invoke(args=["jobs", "list"])
    assert result.exit_code == 0, result.output
    assert "did not finish" in result.output
