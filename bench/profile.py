"""``python -m bench.profile``: what one inbound SMS costs inside the process.

Signed webhook POSTs (the load generator's bodies and numbers) go through
``app.test_client()`` against a fresh database with the benchmark's site registry: no
network, no gunicorn, one process. Prints the mean wall time per message, the time spent
in the database's COMMIT, how many SQL statements a message takes, and (``--cprofile``)
the functions that cost most. ``--database postgresql`` profiles on a throwaway
PostgreSQL database, created next to the one ``--postgres-url`` names.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

from sqlalchemy import event
from twilio.request_validator import RequestValidator

from bench import intake, load

URL = "http://127.0.0.1:5000/sms/inbound"

# --phases: (module, function, label). Nested steps are timed inside their callers.
PHASES = (
    ("casework.intake.views", "_refuse_unsigned_or_oversized", "signature check and form"),
    ("casework.intake.views", "_receive", "processing and COMMIT"),
    ("casework.intake.operations", "_read", "  text analysis (no lock)"),
    ("casework.intake.classify", "suggest_site_id", "    fuzzy site match"),
    ("casework.intake.language", "detect", "    language detection"),
    ("casework.intake.classify", "suggest_category", "    category keywords"),
    ("casework.intake.operations", "_insert_ignoring_conflict", "  INSERT ON CONFLICT (+reporter)"),
    ("casework.intake.operations", "_reporter_for", "  reporter (lock, or insert)"),
    ("casework.intake.operations", "_is_flooded", "  flood count"),
    ("casework.intake.operations", "_open_case_to_follow", "  case to follow up"),
    ("casework.intake.operations", "create_case", "  create_case (flush, event)"),
    ("casework.intake.operations", "_reply", "  reply (flush, event)"),
    ("casework.intake.views", "twiml", "TwiML"),
)


def _requests(count: int, seed: int, numbers_in_pool: int) -> list[tuple[dict, str]]:
    rng = random.Random(seed)
    numbers = load._numbers(numbers_in_pool)
    validator = RequestValidator(intake.TOKEN)
    out = []
    for n in range(count):
        params = {
            "MessageSid": f"SM{seed:08x}{n:024x}",
            "AccountSid": "AC" + "0" * 32,
            "From": rng.choice(numbers),
            "To": "+15005550006",
            "Body": rng.choice(load.BODIES),
            "NumMedia": "0",
            "SmsStatus": "received",
            "ApiVersion": "2010-04-01",
        }
        out.append((params, validator.compute_signature(URL, params)))
    return out


def profile(url: str, args) -> None:
    os.environ.update(
        {
            "CASEWORK_ENV": "development",
            "SECRET_KEY": "bench-secret",
            "CASEWORK_DATA_KEY": intake.DATA_KEY,
            "TWILIO_AUTH_TOKEN": intake.TOKEN,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "CASEWORK_PUBLIC_URL": "http://127.0.0.1:5000",
        }
    )
    intake.prepare_database(url, args.sites)
    from casework import create_app
    from casework.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    client = app.test_client()
    statements: Counter[str] = Counter()
    commit_time = [0.0]

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        statements[" ".join(statement.split()[:4])] += 1

    # Time the DBAPI commit itself (the fsync): wrap the dialect's do_commit.
    dialect = engine.dialect
    original_do_commit = dialect.do_commit

    def timed_do_commit(dbapi_connection):
        started = time.perf_counter()
        try:
            return original_do_commit(dbapi_connection)
        finally:
            commit_time[0] += time.perf_counter() - started

    dialect.do_commit = timed_do_commit  # type: ignore[method-assign]

    def send(batch):
        times = []
        for params, signature in batch:
            started = time.perf_counter()
            response = client.post(
                "/sms/inbound", data=params, headers={"X-Twilio-Signature": signature}
            )
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)
        return times

    send(_requests(args.warmup, seed=1, numbers_in_pool=args.numbers))
    statements.clear()
    commit_time[0] = 0.0
    phases: Counter[str] = Counter()
    timers = ExitStack()
    if args.phases:
        for module, name, label in PHASES:
            timers.enter_context(_timed(module, name, label, phases))
    batch = _requests(args.messages, seed=2, numbers_in_pool=args.numbers)
    profiler = cProfile.Profile() if args.cprofile else None
    if profiler:
        profiler.enable()
    cpu_started = time.process_time()
    times = send(batch)
    cpu = time.process_time() - cpu_started
    if profiler:
        profiler.disable()
    timers.close()
    n = len(times)
    print(
        f"{url.split(':')[0]}: {n} messages, mean {1000 * statistics.fmean(times):.2f} ms, "
        f"median {1000 * statistics.median(times):.2f} ms, "
        f"of which COMMIT {1000 * commit_time[0] / n:.2f} ms "
        f"(the rest {1000 * (sum(times) - commit_time[0]) / n:.2f} ms), "
        f"CPU {1000 * cpu / n:.2f} ms; "
        f"{sum(statements.values()) / n:.1f} SQL statements per message"
    )
    for statement, count in statements.most_common():
        print(f"  {count / n:5.2f}  {statement}")
    if args.phases:
        print("ms per message, by step (steps a message does not take count as 0):")
        for _module, _name, label in PHASES:
            print(f"  {1000 * phases[label] / n:6.2f}  {label}")
        print(f"  {1000 * commit_time[0] / n:6.2f}    of which the DBAPI COMMIT")
    if profiler:
        stats = pstats.Stats(profiler).strip_dirs().sort_stats(args.sort)
        stats.print_stats(args.top)
    with app.app_context():
        db.engine.dispose()


def _timed(module: str, name: str, label: str, into: Counter[str]):
    """Patch ``module.name`` with a wrapper adding its wall time to ``into[label]``."""
    import importlib

    target = importlib.import_module(module)
    original = getattr(target, name)

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into[label] += time.perf_counter() - started

    return mock.patch.object(target, name, timed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument(
        "--numbers",
        type=int,
        default=2000,
        help="senders to pick from (the load generator's 2,000; fewer: more follow-ups)",
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--cprofile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--phases", action="store_true", help="time the intake's steps")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    if args.database == "sqlite":
        with tempfile.TemporaryDirectory(prefix="casework-profile-") as tmp:
            profile(f"sqlite:///{Path(tmp) / 'profile.db'}", args)
    else:
        with intake.fresh_postgres(args.postgres_url) as url:
            profile(url, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
