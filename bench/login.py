"""``python -m bench.login``: what a failed login costs, in time and in a worker's memory.

1. Timing. POST /login through the app's test client (the form, its CSRF token, the
   throttle, the password check) for a known email with a wrong password, an unknown
   email, a disabled account and the right password, interleaved round by round; median
   and 90th percentile in ms. A login that tells nothing costs the same for the first three.
2. Memory through the form. Failed logins from one client address, each with a different
   email (issue 9: 40,000 of them grew each worker by 21 MB). The process's resident set
   (VmRSS) is read after a warm-up and after the run.
3. Memory of the throttle's storage alone (``--storage``; the current tree only): failures
   from as many different addresses, the worst case for per-address keys, counted straight
   on the throttle (no password hash, which would take hours), traced with tracemalloc,
   with ``memory://`` and, if it answers, Redis. With the real windows every counter is
   still live at the end (the peak); ``--window 3`` shortens them, so counters expire during
   the run (what a steady rate holds) and it reads the memory again once the window passed.

Run it on another tree (e.g. an older commit exported with ``git archive``) by copying this
file into its ``bench/`` and running ``python -m bench.login`` from there.
"""

from __future__ import annotations

import argparse
import gc
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

DATA_KEY = "kT3e5hW0Vt0O3mHn1z1n3nB6Tq8mQy0b3w3y3c6vX0A="
PASSWORD = "correct horse battery staple"  # noqa: S105  (the bench's own test users)
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def make_app(database: Path, **settings):
    from casework import create_app
    from casework.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "bench-secret",
            "CASEWORK_DATA_KEY": DATA_KEY,
            "CASEWORK_FILES_URL": str(database.parent / "files"),
            **settings,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def seed_users(app) -> None:
    from casework.auth.models import User
    from casework.extensions import db

    with app.app_context():
        for email, enabled in (("known@example.org", True), ("disabled@example.org", False)):
            user = User(email=email, name=email, role="officer", is_enabled=enabled)
            user.set_password(PASSWORD)
            db.session.add(user)
        db.session.commit()


class Browser:
    """One client address posting the login form with the CSRF token its page gave."""

    def __init__(self, app, address: str):
        self.client = app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = address
        html = self.client.get("/login").get_data(as_text=True)
        match = _CSRF.search(html)
        if match is None:
            raise SystemExit("no CSRF token on /login")
        self.token = match.group(1)

    def login(self, email: str, password: str) -> int:
        data = {"email": email, "password": password, "csrf_token": self.token}
        response = self.client.post("/login", data=data)
        if response.status_code == 302:  # log out again, so the next login is a login
            self.client.delete_cookie("session")
        return response.status_code


def timing(app, rounds: int) -> None:
    cases = [
        ("known email, wrong password", "known@example.org", "not the password"),
        ("unknown email", "nobody@example.org", "not the password"),
        ("disabled account", "disabled@example.org", PASSWORD),
        ("right password", "known@example.org", PASSWORD),
    ]
    times: dict[str, list[float]] = {name: [] for name, _, _ in cases}
    statuses: dict[str, set[int]] = {name: set() for name, _, _ in cases}
    # No app context held around the requests: each pushes its own, with its own `g`.
    for n in range(rounds + 2):
        for index, (name, email, password) in enumerate(cases):
            # A fresh address each time: the throttle must not answer instead of the check.
            browser = Browser(app, f"10.{n}.{index}.9")
            started = time.perf_counter()
            status = browser.login(email, password)
            elapsed = (time.perf_counter() - started) * 1000
            if n >= 2:  # the first two rounds warm up caches
                times[name].append(elapsed)
                statuses[name].add(status)
    print(f"\n1. POST /login, {rounds} rounds interleaved (ms)")
    print(f"{'case':<30} {'status':>8} {'median':>8} {'p90':>8}")
    for name, values in times.items():
        values.sort()
        p90 = values[int(len(values) * 0.9) - 1]
        status = ",".join(str(s) for s in sorted(statuses[name]))
        print(f"{name:<30} {status:>8} {statistics.median(values):8.1f} {p90:8.1f}")


def memory_through_the_form(app, requests: int) -> None:
    warm = Browser(app, "10.200.0.1")
    for n in range(500):  # templates, the form, the database: cached before measuring
        warm.login(f"warm{n}@example.org", "guess")
    gc.collect()
    before = rss_mb()
    browser = Browser(app, "10.200.0.2")
    counts: dict[int, int] = {}
    started = time.perf_counter()
    for n in range(requests):
        status = browser.login(f"user{n}@example.org", "guess")
        counts[status] = counts.get(status, 0) + 1
    seconds = time.perf_counter() - started
    gc.collect()
    after = rss_mb()
    answers = ", ".join(f"{count} x {status}" for status, count in sorted(counts.items()))
    print(f"\n2. {requests} failed logins, one address, a different email each ({seconds:.0f} s)")
    print(f"answers: {answers}")
    print(f"VmRSS {before:.1f} MB -> {after:.1f} MB: {after - before:+.2f} MB")


def storage_alone(database: Path, failures: int, window: int, only: str | None) -> None:
    import socket

    from limits import parse

    from casework.auth import throttle

    if window:  # counters expire during the run: what the storage holds at a steady rate
        throttle.PER_ACCOUNT = parse(f"5 per {window} seconds")
        throttle.PER_ADDRESS = parse(f"50 per {window} seconds")
        windows = f"windows shortened to {window} s"
    else:  # the real windows (5 and 15 minutes): every counter is still live at the end
        windows = "the real windows"
    print(
        f"\n3. The throttle's storage alone: {failures} failures, each from its own address "
        f"({windows}), bytes traced by tracemalloc"
    )
    uris = [only] if only else ["memory://", "redis://127.0.0.1:6379/0"]
    if any(uri.startswith("redis") for uri in uris):
        try:
            socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        except OSError:
            print("(Redis not running on 127.0.0.1:6379: memory:// only)")
            uris = [uri for uri in uris if not uri.startswith("redis")]
    for uri in uris:
        app = make_app(
            database, RATELIMIT_STORAGE_URI=uri, RATELIMIT_KEY_PREFIX=f"bench-{time.time_ns()}"
        )

        def fail(address: str, email: str, app=app) -> None:
            environ = {"REMOTE_ADDR": address}
            with app.test_request_context("/login", method="POST", environ_base=environ):
                app.extensions["casework_login_throttle"].count_failure(email)

        fail("10.250.0.1", "warm@example.org")  # connections and scripts made before tracing
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        for n in range(failures):
            fail(f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}", f"user{n}@example.org")
        seconds = time.perf_counter() - started
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
        line = (
            f"{uri:<26} held at the end ({seconds:.0f} s) {held / 2**20:7.2f} MB "
            f"({held / failures:5.0f} bytes per failure)"
        )
        if window:
            time.sleep(window + 1)
            fail("10.250.0.2", "after@example.org")  # a write lets memory:// drop what expired
            time.sleep(0.2)
            gc.collect()
            later = tracemalloc.get_traced_memory()[0] - base
            line += f"; once the window passed {later / 2**20:6.2f} MB"
        tracemalloc.stop()
        print(line)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timing rounds")
    parser.add_argument("--requests", type=int, default=40_000, help="failed logins (part 2)")
    parser.add_argument("--storage", type=int, default=40_000, help="failures (part 3; 0: skip)")
    parser.add_argument("--window", type=int, default=0, help="part 3: seconds (0: real)")
    parser.add_argument("--uri", help="part 3: this storage only (memory:// or redis://...)")
    parser.add_argument("--skip", choices=["timing", "form"], action="append", default=[])
    args = parser.parse_args(argv)
    import casework

    print(f"casework from {Path(casework.__file__).parent}")
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        app = make_app(database)
        seed_users(app)
        if "timing" not in args.skip:
            timing(app, args.rounds)
        if "form" not in args.skip:
            memory_through_the_form(app, args.requests)
        if args.storage:
            try:
                import casework.auth.throttle
            except ImportError:
                print("\n3. skipped: this tree has no casework.auth.throttle")
            else:
                storage_alone(database, args.storage, args.window, args.uri)
    return 0


if __name__ == "__main__":
    sys.exit(main())
