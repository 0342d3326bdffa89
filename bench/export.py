"""Exporting the queue: memory that stays flat from 100,000 to 1,000,000 cases.

Each run fills a fresh PostgreSQL database with cases (generate_series; every tenth without
a site, the rest spread over 200 sites), then runs `casework export cases` as a supervisor
in a child process, once as CSV and once as JSON Lines, writing to /dev/null. The child's
peak resident memory (ru_maxrss) and its time are printed for each size, with the ratio of
the largest to the smallest. The web download (`/cases/export.csv`) streams through the
same generator (casework/cases/exports.py).

Target (issue 8): exporting 1,000,000 cases with memory under 200 MB.

    .venv/bin/python -m bench.export [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from cryptography.fernet import Fernet
from sqlalchemy import text

from tests.pg import fresh_postgres_database

TARGET_MB = 200
SITES = 200

# Runs the export in a grandchild and prints its peak RSS (KiB) and wall time: a fresh
# process each time, so RUSAGE_CHILDREN is that one export's.
_MEASURE = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.perf_counter() - started)
"""


def _fill(stored: int) -> None:
    from casework.extensions import db

    db.session.execute(
        text(
            "INSERT INTO sites (code, name, country, province, territory, minerals) "
            "SELECT 'CD-BN-' || n, 'Bench site ' || n, 'CD', 'Sud-Kivu', 'Kalehe', 'coltan' "
            "FROM generate_series(1, :sites) AS n"
        ),
        {"sites": SITES},
    )
    db.session.execute(
        text(
            """
            INSERT INTO cases (reference, status, category, level, title, description,
                channel, location_text, site_id, reported_dt, is_published, public_summary,
                created_dt, updated_dt, version, event_count, last_event_hash,
                do_not_contact, age_stage, deadline_stage)
            SELECT 'CW-' || lpad(to_hex(n), 9, '0'), 'verifying', 'SEC', 1 + n % 3,
                'Bench case ' || n, 'Report text of bench case ' || n || ', with, commas',
                'sms', '', CASE WHEN n % 10 = 0 THEN NULL ELSE 1 + n % :sites END,
                now() - interval '1 minute' * n, false, '', now(), now(), 1, 0,
                repeat('0', 64), false, 0, 0
            FROM generate_series(1, :stored) AS n
            """
        ),
        {"stored": stored, "sites": SITES},
    )
    db.session.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases"))


def _export(url: str, fmt: str) -> tuple[float, float]:
    """(peak MB, seconds) of one `casework export cases` run."""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": "bench",
        "CASEWORK_DATA_KEY": Fernet.generate_key().decode(),
    }
    command = [
        os.path.join(os.path.dirname(sys.executable), "casework"),
        "export", "cases", "--as", "supervisor@example.org", "--format", fmt, "-o", os.devnull,
    ]  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.split()  # fmt: skip
    return int(out[0]) / 1024, float(out[1])


def run(server_url: str, stored: int) -> dict[str, tuple[float, float]]:
    from casework import create_app
    from casework.auth.models import User
    from casework.extensions import db

    name = f"casework_bench_export_{stored}_{os.getpid()}"
    with fresh_postgres_database(server_url, name) as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
        with app.app_context():
            db.create_all()
            db.session.add(User(email="supervisor@example.org", name="S", role="supervisor"))
            db.session.commit()
            started = time.perf_counter()
            _fill(stored)
            print(f"  {stored:>9,} cases stored in {time.perf_counter() - started:.1f} s")
            db.session.remove()
            db.engine.dispose()
        return {fmt: _export(url, fmt) for fmt in ("csv", "jsonl")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "CASEWORK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
    )
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    print("\nExport (casework export cases) on PostgreSQL: peak memory and time")
    results = [(stored, run(args.postgres_url, stored)) for stored in sizes]
    print(f"\n{'cases':>12}{'format':>8}{'peak MB':>10}{'seconds':>10}{'rows/s':>10}")
    for stored, by_format in results:
        for fmt, (mb, seconds) in by_format.items():
            print(f"{stored:>12,}{fmt:>8}{mb:>10.1f}{seconds:>10.1f}{stored / seconds:>10,.0f}")
    largest = max(mb for mb, _ in results[-1][1].values())
    smallest = max(mb for mb, _ in results[0][1].values())
    met = "met" if largest < TARGET_MB else "NOT met"
    print(
        f"peak memory at {results[-1][0]:,}: {largest:.1f} MB ({largest / smallest:.2f} x the "
        f"{results[0][0]:,} run); target under {TARGET_MB} MB: {met}"
    )
    return 0 if largest < TARGET_MB else 1


if __name__ == "__main__":
    raise SystemExit(main())
