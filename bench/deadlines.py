"""The ``deadlines`` sweep: 1,000 cases due among 10,000 stored, then among 1,000,000.

Each run fills a fresh PostgreSQL database with cases the way years of work leave them:
most closed (no deadline running), some open with deadlines days away, some long overdue
whose reminders have all gone out, and 1,000 whose deadline passed in the last hour and
whose assignee has not been told. One `casework.jobs.deadlines.sweep()` (what the
scheduler runs every 5 minutes) then tells those 1,000, each on its case's record. Prints
the sweep's time for both sizes, the ratio, and the plan of its selecting query.

Target (issue 6): the sweep among 1,000,000 within 2 x the sweep among 10,000.

    .venv/bin/python -m bench.deadlines [--sizes 10000,1000000] [--due 1000]
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime

from cryptography.fernet import Fernet
from sqlalchemy import select, text

from tests.pg import fresh_postgres_database

TARGET_RATIO = 2.0
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

# The cases not due, as shares of what is stored beyond the due ones.
CLOSED, OPEN_LATER, TOLD_LONG_AGO = 0.85, 0.10, 0.05


def _fill(stored: int, due: int) -> None:
    """Insert the cases with one INSERT ... SELECT per kind (generate_series)."""
    from casework.extensions import db

    rest = stored - due
    open_ = "'verifying', NULL, NULL, now_ + interval '150 days'"
    closed = "'closed', 'resolved', now_, NULL"
    kinds = [  # (how many, status/resolution/closed_dt/age_limit_dt, due_dt, deadline_stage)
        (due, open_, "now_ - interval '1 second' * (1 + n % 3000)", 0),
        (int(rest * OPEN_LATER), open_, "now_ + interval '1 hour' * (50 + n % 500)", 0),
        (int(rest * TOLD_LONG_AGO), open_, "now_ - interval '1 hour' * (30 + n % 2000)", 3),
    ]
    kinds.append((rest - sum(k[0] for k in kinds[1:]), closed, "NULL", 0))
    start = 0
    for count, state, due_dt, stage in kinds:
        # Only this module's constants are formatted into the statement.
        statement = f"""
            INSERT INTO cases (reference, status, resolution, closed_dt, age_limit_dt,
                due_dt, deadline_stage, level, title, description, channel, location_text,
                reported_dt, assignee_id, is_published, public_summary, created_dt,
                updated_dt, version, event_count, last_event_hash, do_not_contact,
                age_stage)
            SELECT 'CW-' || lpad(to_hex(n), 9, '0'), {state}, {due_dt}, {stage}, 2,
                'Bench case', 'Report text', 'sms', '', now_ - interval '20 days', 1, false,
                '', now_ - interval '20 days', now_, 1, 0, repeat('0', 64), false, 0
            FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n,
                (SELECT CAST(:now AS timestamptz) AS now_) AS t
        """  # noqa: S608
        db.session.execute(text(statement), {"first": start, "last": start + count - 1, "now": NOW})
        start += count
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases"))


def run(server_url: str, stored: int, due: int) -> tuple[float, dict, str]:
    from casework import clock, create_app
    from casework.auth.models import User
    from casework.cases.models import Case
    from casework.extensions import db
    from casework.jobs.deadlines import due_rows, sweep

    name = f"casework_bench_deadlines_{stored}_{os.getpid()}"
    with fresh_postgres_database(server_url, name) as url:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "CASEWORK_DATA_KEY": Fernet.generate_key().decode(),
                "SERVER_NAME": "casework.bench",
            }
        )
        with app.app_context():
            db.create_all()
            db.session.add_all(
                [
                    User(email="officer@example.org", name="Officer", role="officer"),
                    User(email="supervisor@example.org", name="Supervisor", role="supervisor"),
                ]
            )
            db.session.commit()
            started = time.perf_counter()
            _fill(stored, due)
            print(f"  {stored:>9,} cases stored in {time.perf_counter() - started:.1f} s")
            clock.freeze(NOW)
            try:
                query = (
                    select(Case.id)
                    .where(due_rows(NOW), Case.status != "closed")
                    .order_by(Case.due_dt, Case.id)
                    .limit(100)
                )
                compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
                plan = "\n".join(
                    row[0] for row in db.session.execute(text(f"EXPLAIN ANALYZE {compiled}")).all()
                )
                db.session.rollback()
                started = time.perf_counter()
                summary = sweep()
                seconds = time.perf_counter() - started
            finally:
                clock.freeze(None)
            db.session.remove()
            db.engine.dispose()
    return seconds, summary, plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CASEWORK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"\nDeadlines sweep on PostgreSQL: {args.due} cases due among each size")
    results = []
    for stored in sizes:
        seconds, summary, plan = run(args.postgres_url, stored, args.due)
        results.append((stored, seconds, summary))
        print(f"  sweep among {stored:,}: {seconds:.2f} s, {summary}")
        print("  plan of one batch's query:\n    " + plan.replace("\n", "\n    "))
    print(f"\n{'stored':>12}{'due':>8}{'sweep s':>10}{'ms/case':>10}{'ratio':>8}")
    base = results[0][1]
    for stored, seconds, _ in results:
        print(
            f"{stored:>12,}{args.due:>8}{seconds:>10.2f}{1000 * seconds / args.due:>10.2f}"
            f"{seconds / base:>8.2f}"
        )
    ratio = results[-1][1] / base
    met = "met" if ratio <= TARGET_RATIO else "NOT met"
    print(f"target: largest within {TARGET_RATIO} x the smallest: {ratio:.2f} x, {met}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
