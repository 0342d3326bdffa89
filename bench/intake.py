"""The intake benchmark: Casework's ``POST /sms/inbound`` against a bare Flask endpoint.

Both are served the same way (gunicorn, 2 sync workers by default, on 127.0.0.1; ``--threads``
N > 1 serves both with gthread workers of N threads) and driven by the same
load generator (`bench.load`: 16 connections, signed webhook POSTs with distinct
MessageSids from 2,000 numbers). Casework runs on a fresh SQLite file and on a fresh
PostgreSQL database (created next to the one ``--postgres-url`` names, dropped afterwards),
with 2,000 sites in the registry for the fuzzy site match. Prints requests/s, p50/p99
latency and the ratio intake/bare, then checks what the database holds: every 200 must be a
stored message, none failed.

Targets (issue 3): intake >= 0.5 x the bare endpoint's throughput, p99 < 100 ms at 16
connections.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select

from bench import load
from tests.pg import fresh_postgres_database

ROOT = Path(__file__).resolve().parent.parent
# Throwaway secrets for the benchmark's own servers and databases.
TOKEN = secrets.token_hex(16)
DATA_KEY = Fernet.generate_key().decode()
REAL_SITES = ("Rubaya", "Ngungu", "Mushaki", "Bisie", "Nyabibwe", "Mont Kalimbi", "Kalehe",
              "Lemera", "Luwowo", "Rutongo", "Gatumba", "Kilembe", "Mugote")  # fmt: skip


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_options(workers: int, threads: int) -> list[str]:
    """gunicorn's options for ``workers`` processes: sync workers, or gthread workers with
    ``threads`` threads each when ``threads`` > 1."""
    if threads > 1:
        return ["--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads)]
    return ["--workers", str(workers), "--worker-class", "sync"]


def describe_workers(workers: int, threads: int) -> str:
    if threads > 1:
        return f"{workers} gthread workers x {threads} threads"
    return f"{workers} sync workers"


def start_gunicorn(
    name: str,
    app_spec: str,
    env: dict,
    workdir: Path,
    workers: int,
    port: int | None = None,
    threads: int = 1,
) -> Server:
    port = port or free_port()
    log = workdir / f"{name}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *worker_options(workers, threads),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60", app_spec],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    server = Server(name, port, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} did not start; see {log}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} did not answer /healthz within 60 s; see {log}")


def site_rows(count: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    syllables = ["ka", "li", "mbi", "ru", "ba", "ya", "nya", "bi", "bwe", "mu", "sha", "ki",
                 "ngu", "lu", "wo", "ge", "te", "ma", "si", "so", "ze", "to", "go"]  # fmt: skip
    names = list(REAL_SITES)
    seen = {n.lower() for n in names}
    while len(names) < count:
        name = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).title()
        if rng.random() < 0.15:
            name = f"{name} {rng.choice(syllables).title()}{rng.choice(syllables)}"
        if name.lower() not in seen:
            seen.add(name.lower())
            names.append(name)
    return [
        {"code": f"B-{i:05d}", "name": name, "country": rng.choice(["CD", "CD", "RW", "BI", "UG"]),
         "province": "", "territory": "", "minerals": "cassiterite"}
        for i, name in enumerate(names)
    ]  # fmt: skip


def prepare_database(url: str, sites: int) -> None:
    from casework import create_app
    from casework.extensions import db
    from casework.sites.models import Site

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.execute(insert(Site), site_rows(sites))
        db.session.commit()
        db.engine.dispose()


def database_counts(url: str) -> dict[str, int]:
    from casework import create_app
    from casework.cases.models import Case
    from casework.extensions import db
    from casework.messages.models import Message

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        counts = {
            "messages in": db.session.scalar(
                select(func.count()).select_from(Message).where(Message.direction == "in")
            ),
            "replies": db.session.scalar(
                select(func.count()).select_from(Message).where(Message.direction == "out")
            ),
            "cases": db.session.scalar(select(func.count()).select_from(Case)),
            "failed": db.session.scalar(
                select(func.count())
                .select_from(Message)
                .where(Message.flag_reason == "processing_failed")
            ),
        }
        db.engine.dispose()
    return counts


def fresh_postgres(server_url: str):
    return fresh_postgres_database(server_url, f"casework_bench_{os.getpid()}")


@contextlib.contextmanager
def fresh_sqlite(workdir: Path):
    yield f"sqlite:///{workdir / 'bench.db'}"


def measure(server: Server, args, seed: int) -> load.Result:
    target = load.Target(
        host="127.0.0.1",
        port=server.port,
        path="/sms/inbound",
        signed_url=f"http://127.0.0.1:{server.port}/sms/inbound",
        token=TOKEN,
    )
    options = {"connections": args.connections, "processes": args.processes}
    load.run(target, seconds=args.warmup, seed=seed, **options)
    return load.run(target, seconds=args.duration, seed=seed + 1, **options)


def row(database: str, endpoint: str, r: load.Result) -> str:
    return (f"{database:<11} {endpoint:<15} {r.rate:>9.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} "
            f"{r.errors:>7}")  # fmt: skip


def bench_database(kind: str, args, workdir: Path) -> tuple[load.Result, load.Result, dict]:
    maker = fresh_sqlite(workdir) if kind == "sqlite" else fresh_postgres(args.postgres_url)
    with maker as url:
        prepare_database(url, args.sites)
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "CASEWORK_ENV": "development",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-secret",
            "CASEWORK_DATA_KEY": DATA_KEY,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        }
        servers: list[Server] = []
        try:
            bare = start_gunicorn(
                f"bare-{kind}", "bench.bare:app", env, workdir, args.workers, threads=args.threads
            )
            servers.append(bare)
            # Signatures are checked over CASEWORK_PUBLIC_URL: it names the port up front.
            port = free_port()
            env["CASEWORK_PUBLIC_URL"] = f"http://127.0.0.1:{port}"
            intake = start_gunicorn(
                f"intake-{kind}",
                "casework:create_app()",
                env,
                workdir,
                args.workers,
                port,
                threads=args.threads,
            )
            servers.append(intake)
            bare_result = measure(bare, args, seed=10)
            intake_result = measure(intake, args, seed=20)
        finally:
            for server in servers:
                server.stop()
        counts = database_counts(url)
    return bare_result, intake_result, counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--processes", type=int, default=4, help="load generator processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per gunicorn worker: 1 = sync workers, more = gthread workers",
    )
    parser.add_argument("--sites", type=int, default=2000, help="sites in the registry")
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a server to create the benchmark's own database on",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    os.environ.setdefault("CASEWORK_DATA_KEY", DATA_KEY)
    print(
        f"Intake benchmark: gunicorn {describe_workers(args.workers, args.threads)} per server, "
        f"{args.connections} "
        f"connections from 127.0.0.1, {args.duration:g} s per run after {args.warmup:g} s of "
        f"warm-up, {args.sites} sites, {os.cpu_count()} CPUs shared with the load generator"
    )
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    header = ("database", "endpoint", "req/s", "p50 ms", "p99 ms", "errors")
    print("{:<11} {:<15} {:>9} {:>8} {:>8} {:>7}".format(*header))
    failures = 0
    with tempfile.TemporaryDirectory(prefix="casework-bench-") as tmp:
        for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
            if kind not in {"sqlite", "postgresql"}:
                parser.error(f"unknown database {kind!r}")
            try:
                bare, intake, counts = bench_database(kind, args, Path(tmp))
            except Exception as error:  # report and go on with the next database
                print(f"{kind:<11} failed: {error}")
                failures += 1
                continue
            print(row(kind, "bare Flask", bare))
            print(row(kind, "/sms/inbound", intake))
            ratio = intake.rate / bare.rate if bare.rate else float("nan")
            verdict = []
            verdict.append("ratio ok" if ratio >= 0.5 else "ratio BELOW the 0.5 target")
            verdict.append("p99 ok" if intake.p99_ms < 100 else "p99 OVER the 100 ms target")
            print(f"{kind:<11} {'ratio':<15} {ratio:>9.2f}   ({', '.join(verdict)})")
            print(
                f"{'':<11} stored: {counts['messages in']} messages in, {counts['replies']} "
                f"replies, {counts['cases']} cases, {counts['failed']} failed"
            )
            if counts["failed"] or intake.errors:
                failures += 1
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 1 if failures else 0
