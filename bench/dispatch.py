"""Dispatch throughput: one dispatcher draining the outbox to the local fakes.

The real twilio client posts to the Twilio fake and Flask-Mail talks SMTP to aiosmtpd, both
on 127.0.0.1 in a process of their own (so they do not share the dispatcher's GIL). The
outbox holds ``--messages`` SMS and as many emails, all due; one dispatcher (`drain`, the
function `casework outbox dispatch` and the scheduler run) sends them, on SQLite and on
PostgreSQL. Prints messages/s per channel mix and checks every one arrived exactly once.

Target (issue 6): at least 100 messages/s per dispatcher.

    .venv/bin/python -m bench.dispatch [--messages 1000] [--databases sqlite,postgresql]
                                       [--threads N]   # senders per dispatcher
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet

from tests.pg import fresh_postgres_database

TARGET_PER_SECOND = 100


def _serve_fakes(ports, stop) -> None:  # pragma: no cover - runs in the child process
    from tests.fakes.smtp import SMTPServer
    from tests.fakes.twilio_fake import TwilioFake

    with TwilioFake() as twilio, SMTPServer() as smtp:
        ports.put((twilio.url, smtp.port))
        stop.wait()
        ports.put((len(twilio.sent), len(smtp.messages)))


@contextmanager
def fakes() -> Iterator[tuple[str, int, multiprocessing.Queue]]:
    """The Twilio fake and an SMTP server in a child process: (twilio url, smtp port)."""
    context = multiprocessing.get_context("spawn")
    ports, stop = context.Queue(), context.Event()
    child = context.Process(target=_serve_fakes, args=(ports, stop), daemon=True)
    child.start()
    twilio_url, smtp_port = ports.get(timeout=30)
    try:
        yield twilio_url, smtp_port, ports
    finally:
        stop.set()
        child.join(timeout=10)


@dataclass
class Result:
    database: str
    messages: int
    seconds: float
    sent: int
    failed: int

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds


def run(database_url: str, label: str, count: int, threads: int | None = None) -> Result:
    from casework import create_app
    from casework.extensions import db
    from notifications import enqueue, register_resolver
    from notifications.outbox import drain

    with fakes() as (twilio_url, smtp_port, ports):
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "SECRET_KEY": "bench",
                "CASEWORK_DATA_KEY": Fernet.generate_key().decode(),
                "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
                "TWILIO_AUTH_TOKEN": "bench-token",
                "TWILIO_FROM_NUMBER": "+15005550006",
                "TWILIO_API_BASE_URL": twilio_url,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": smtp_port,
                "MAIL_SUPPRESS_SEND": False,
                "NOTIFICATIONS_DISPATCH_THREADS": threads,
            }
        )
        with app.app_context():
            db.create_all()
            register_resolver(
                "bench", lambda n, channel: f"+2438100{int(n):05d}" if channel == "sms"
                else f"reader{n}@example.org"
            )  # fmt: skip
            for n in range(count):
                enqueue("sms", f"bench:{n}", f"Casework: case CW-BNCH-{n:04d} is assigned to you.")
                enqueue(
                    "email",
                    f"bench:{n}",
                    f"Case CW-BNCH-{n:04d} is assigned to you.\n",
                    subject=f"Case CW-BNCH-{n:04d} is assigned to you",
                    html=f"<p>Case CW-BNCH-{n:04d} is assigned to you.</p>",
                )
            db.session.commit()
            started = time.perf_counter()
            report = drain(batch=50, max_batches=10_000)
            seconds = time.perf_counter() - started
            db.session.remove()
            db.engine.dispose()
    received_sms, received_mail = ports.get(timeout=10)
    assert received_sms == count and received_mail == count, (received_sms, received_mail)
    return Result(label, 2 * count, seconds, report.sent, report.retry + report.dead)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000, help="SMS, and as many emails")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--threads", type=int, help="senders per dispatcher (default: the app's)")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("CASEWORK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
    )  # fmt: skip
    args = parser.parse_args(argv)
    results = []
    for name in args.databases.split(","):
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{Path(tmp) / 'dispatch.db'}"
                results.append(run(url, "sqlite", args.messages, args.threads))
        else:
            name = f"casework_bench_dispatch_{os.getpid()}"
            with fresh_postgres_database(args.postgres_url, name) as url:
                results.append(run(url, "postgresql", args.messages, args.threads))
    n = args.messages
    print(f"\nDispatch: one dispatcher, {n} SMS + {n} emails to local fakes")
    print(f"{'database':<12}{'messages':>10}{'seconds':>10}{'msg/s':>10}{'x target':>10}  failed")
    for r in results:
        print(
            f"{r.database:<12}{r.messages:>10}{r.seconds:>10.2f}{r.per_second:>10.1f}"
            f"{r.per_second / TARGET_PER_SECOND:>10.2f}  {r.failed}"
        )
    ok = all(r.per_second >= TARGET_PER_SECOND and r.failed == 0 for r in results)
    print(f"target >= {TARGET_PER_SECOND} msg/s per dispatcher: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
