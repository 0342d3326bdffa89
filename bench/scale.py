"""The scale benchmark: Casework's pages on 1,000,000 cases, each against a bare endpoint.

1. A fresh PostgreSQL database (``casework_scale_<cases>``, next to the one
   ``--postgres-url`` names), upgraded with ``casework db upgrade``, then filled in SQL
   (`bench.scale_data`): 2,000 sites, five years of cases (most closed, some open, some
   overdue), three events and one or two messages a case, a few published; ANALYZE.
2. A supervisor (with two-factor login, as in production), 20 officers, a read API token
   (``casework tokens create``).
3. Each page is rendered once in-process while its SQL is recorded; its main query goes to
   the bare app (`bench.bare_pages`), which runs it with psycopg and returns JSON.
4. Casework and the bare app under gunicorn (2 sync workers, 127.0.0.1); the supervisor
   logs in through the forms (password, then the app's code); each path is driven by the
   closed-loop load generator (`bench.load`, 16 connections) for ``--duration`` seconds
   after ``--warmup``: Casework, then its bare counterpart.
5. An export of every case: ``/cases/export.csv`` once (the gunicorn workers' peak RSS,
   VmHWM), and ``casework export cases`` in a child (its peak RSS, as `bench.export`).

Targets (issue 8): every page and API call p99 < 300 ms at 16 connections and >= 0.3 x its
bare counterpart's throughput; the dashboard under 500 ms; exporting every case with
worker memory under 200 MB. Missed targets are printed; the exit status is non-zero only
on errors (an answer other than the expected 2xx/3xx, a failed step).

    .venv/bin/python -m bench.scale [--cases 1000000] [--keep] [--reuse]
"""

from __future__ import annotations

import argparse
import http.client
import os
import pickle
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pyotp
import requests
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from bench import load, scale_data
from bench.export import _export as cli_export
from bench.intake import DATA_KEY, ROOT, Server, start_gunicorn
from bench.login import _CSRF

SUPERVISOR = "supervisor@example.org"
PASSWORD = "bench scale supervisor password"  # noqa: S105  (the bench's own test user)
P99_MS = 300.0
DASHBOARD_MS = 500.0
RATIO = 0.3
EXPORT_MB = 200.0
REFERENCES = 40  # case pages: this many different cases, in turn


@dataclass
class Path_:
    name: str
    url: str  # the first (or only) URL; variants: URLs taken in turn (the case pages)
    pick: str  # which statements are the page's main query (see main_statements)
    ok: frozenset[int] = frozenset({200})
    limit_ms: float = P99_MS
    variants: tuple[str, ...] = ()
    bearer: bool = False
    single: bool = False  # also measured with one connection (a target for one reader)


def database_urls(server_url: str, name: str) -> tuple[str, str]:
    """(SQLAlchemy URL, libpq URL) of database ``name`` on ``server_url``'s server."""
    if name == "casework_ci":
        raise SystemExit("refusing to touch casework_ci")
    url = make_url(server_url.replace("postgres://", "postgresql://", 1)).set(database=name)
    alchemy = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return alchemy, url.set(drivername="postgresql").render_as_string(hide_password=False)


def create_database(server_url: str, name: str, reuse: bool) -> bool:
    """Create ``name`` afresh (or keep it with ``reuse`` when it holds cases): True when it
    needs filling."""
    admin = create_engine(
        make_url(server_url.replace("postgres://", "postgresql://", 1)).set(
            drivername="postgresql+psycopg"
        ),
        isolation_level="AUTOCOMMIT",
    )
    try:
        with admin.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if exists and reuse:
                _, raw = database_urls(server_url, name)
                with psycopg.connect(raw) as db:
                    try:
                        row = db.execute("SELECT count(*) FROM cases").fetchone()
                    except psycopg.Error:
                        row = (0,)
                if row and row[0]:
                    return False
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return True


def drop_database(server_url: str, name: str) -> None:
    if name == "casework_ci":
        return
    admin = create_engine(
        make_url(server_url.replace("postgres://", "postgresql://", 1)).set(
            drivername="postgresql+psycopg"
        ),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def casework_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CASEWORK_ENV": "development",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-secret",
        "CASEWORK_DATA_KEY": DATA_KEY,
        # As in production: supervisors log in with a second factor.
        "CASEWORK_2FA_ROLES": "admin,supervisor",
    }


def casework_cli(url: str, *args: str) -> str:
    command = [os.path.join(os.path.dirname(sys.executable), "casework"), *args]
    done = subprocess.run(command, env=casework_env(url), capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"casework {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def make_app(url: str):
    from casework import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-secret",
            "CASEWORK_DATA_KEY": DATA_KEY,
            "CASEWORK_2FA_ROLES": ("admin", "supervisor"),
        }
    )


def make_users(app) -> tuple[int, int, str]:
    """The supervisor (two-factor set up, as its owner would) and the officers:
    (supervisor id, first officer id, TOTP secret)."""
    from flask_login import login_user

    from casework.auth import twofactor
    from casework.auth.models import User
    from casework.extensions import db

    with app.test_request_context("/"):
        supervisor = db.session.query(User).filter_by(email=SUPERVISOR).one_or_none()
        if supervisor is None:
            supervisor = User(email=SUPERVISOR, name="Bench Supervisor", role="supervisor")
            db.session.add(supervisor)
            officers = [
                User(email=f"officer{i}@example.org", name=f"Officer {i}", role="officer")
                for i in range(scale_data.OFFICERS)
            ]
            db.session.add_all(officers)
        supervisor.set_password(PASSWORD)
        supervisor.totp_secret = supervisor.totp_enabled_dt = None
        db.session.flush()
        login_user(supervisor)
        secret = twofactor.begin_enrolment(supervisor, actor=supervisor)
        # The code of the previous time step: the login's code (this step's) is then new.
        earlier = pyotp.TOTP(secret).at(time.time() - 30)
        twofactor.confirm_enrolment(supervisor, earlier, actor=supervisor)
        db.session.commit()
        first_officer = db.session.query(User.id).filter_by(email="officer0@example.org").scalar()
        ids = supervisor.id, first_officer
        db.session.remove()
    return ids[0], ids[1], secret


def login(base: str, secret: str) -> str:
    """Log the supervisor in as a browser would; the Cookie header of the session."""
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=30)
    form = {"email": SUPERVISOR, "password": PASSWORD, "csrf_token": _token(page.text)}
    step = browser.post(f"{base}/login", data=form, allow_redirects=False, timeout=30)
    if step.status_code != 302 or "/login/code" not in step.headers.get("Location", ""):
        raise RuntimeError(f"password step: {step.status_code} {step.headers.get('Location')}")
    page = browser.get(f"{base}/login/code", timeout=30)
    form = {"code": pyotp.TOTP(secret).now(), "csrf_token": _token(page.text)}
    done = browser.post(f"{base}/login/code", data=form, allow_redirects=False, timeout=30)
    if done.status_code != 302 or "/login" in done.headers.get("Location", ""):
        raise RuntimeError(f"code step: {done.status_code} {done.headers.get('Location')}")
    return "; ".join(f"{c.name}={c.value}" for c in browser.cookies)


def _token(html: str) -> str:
    match = _CSRF.search(html)
    if match is None:
        raise RuntimeError("no CSRF token on the login page")
    return match.group(1)


def samples(raw_url: str) -> tuple[list[str], str]:
    """Case references to open in turn, and a cursor 10,000 cases deep (newest first)."""
    from casework.cases.queries import encode_cursor

    with psycopg.connect(raw_url) as conn:
        step = max(1, conn.execute("SELECT max(id) FROM cases").fetchone()[0] // REFERENCES)
        refs = [
            r[0]
            for r in conn.execute(
                "SELECT reference FROM cases WHERE id %% %s = 1 ORDER BY id LIMIT %s",
                (step, REFERENCES),
            )
        ]
        deep = conn.execute(
            "SELECT reported_dt, id FROM cases ORDER BY reported_dt DESC, id DESC "
            "OFFSET 9999 LIMIT 1"
        ).fetchone()
    cursor = encode_cursor(SimpleNamespace(reported_dt=deep[0], id=deep[1]), "newest")
    return refs, cursor


def paths(refs: list[str], cursor: str) -> list[Path_]:
    q = urllib.parse.quote
    out = [
        Path_("queue, first page (open)", "/cases", "page"),
        Path_("queue, deep page (all)", f"/cases?view=all&cursor={q(cursor)}", "page"),
    ]
    for view in ("open", "overdue", "waiting", "closed", "all"):
        out.append(Path_(f"queue view {view}", f"/cases?view={view}", "page"))
    out += [
        Path_("queue open, by deadline", "/cases?view=open&sort=deadline", "page"),
        Path_(
            "case page",
            f"/cases/{refs[0]}",
            "case",
            variants=tuple(f"/cases/{r}" for r in refs),
        ),
        Path_("search common word", f"/cases?view=all&q={scale_data.COMMON_WORD}", "page"),
        Path_("search rare word", f"/cases?view=all&q={scale_data.RARE_WORD}", "page"),
        Path_(
            "search reference",
            f"/cases?view=all&q={refs[1]}",
            "reference",
            ok=frozenset({200, 302}),
        ),
        Path_("dashboard", "/dashboard", "all", limit_ms=DASHBOARD_MS, single=True),
        Path_("API list", "/api/v1/cases", "page", bearer=True),
    ]
    return out


# ---------------------------------------------------------------- the bare side's SQL

_TOUCHES_CASES = re.compile(r"\b(FROM|JOIN)\s+cases\b", re.IGNORECASE)


def main_statements(pick: str, statements: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """The page's main query among the statements it ran: for a list ("page"), the select
    of cases in its order; for the case page, the case by its reference (and for a typed
    reference, that lookup); for the dashboard ("all"), every query over cases (its
    figures)."""
    over_cases = [(s, p) for s, p in statements if _TOUCHES_CASES.search(s)]
    if pick == "all":
        return over_cases
    if pick in ("case", "reference"):
        chosen = [(s, p) for s, p in over_cases if "cases.reference =" in s]
    else:
        chosen = [
            (s, p)
            for s, p in over_cases
            if "ORDER BY" in s and s.lstrip().startswith("SELECT cases.")
        ]
    if not chosen:
        raise RuntimeError(f"no main query found among:\n{[s[:200] for s, _ in statements]}")
    return chosen[:1]


def capture(app, supervisor_id: int, path: str) -> list[tuple[str, object, float]]:
    """The SQL a page sends (rendered in-process for the supervisor): each statement, its
    parameters as the driver got them, and its time in seconds."""
    from flask_login import login_user

    from casework.auth.models import User
    from casework.extensions import db

    seen: list[tuple[str, object, float]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters, time.perf_counter() - conn.info["bench_started"]))

    with app.test_request_context(path, headers={"Accept": "text/html"}):
        user = db.session.get(User, supervisor_id)
        login_user(user)
        adapter = app.url_map.bind("localhost")
        endpoint, view_args = adapter.match(urllib.parse.urlsplit(path).path, method="GET")
        engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
        try:
            app.view_functions[endpoint](**view_args)
        finally:
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
            db.session.remove()
    return seen


def bare_queries(app, supervisor_id: int, page_paths: list[Path_]) -> tuple[dict, dict]:
    """The bare app's statements for each path, and what each path's page (its first URL)
    sent, timed. A page that raised in-process is reported and left out of both."""
    queries, seen = {}, {}
    for p in page_paths:
        try:
            variants = []
            for n, url in enumerate(p.variants or (p.url,)):
                statements = capture(app, supervisor_id, url)
                if n == 0:
                    seen[p.name] = statements
                variants.append(main_statements(p.pick, [(s, a) for s, a, _ in statements]))
            queries[p.name] = variants
        except Exception as error:  # report it and go on with the next page
            print(f"{p.name:<26} FAILED in-process: {type(error).__name__}: {error}")
    return queries, seen


def sql_seconds(statements: list[tuple[str, object, float]]) -> float:
    return sum(t for _, _, t in statements)


def sql_report(app, supervisor_id: int, page_paths: list[Path_], seen: dict, raw_url: str):
    """Each page's SQL, rendered in-process (again, warm, unless its SQL took a second or
    more): statements, their time, the slowest three, and the plan (EXPLAIN ANALYZE) of the
    slowest when it takes over 10 ms."""
    print("\nSQL per page (in-process, one request): statements, SQL ms, slowest")
    with psycopg.connect(raw_url, autocommit=True) as conn:
        for p in page_paths:
            statements = seen[p.name]
            if sql_seconds(statements) < 1:
                statements = capture(app, supervisor_id, p.url)
            total = sql_seconds(statements) * 1000
            print(f"{p.name:<26} {len(statements):>3} statements, {total:7.1f} ms SQL")
            ranked = sorted(statements, key=lambda s: -s[2])
            for statement, _, seconds in ranked[:3]:
                print(f"    {seconds * 1000:7.1f} ms  {' '.join(statement.split())[:110]}")
            statement, params, seconds = ranked[0]
            if seconds > 0.010:
                plan = conn.execute(f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", params)
                for (line,) in plan.fetchall()[:14]:
                    print(f"        | {line}")


# ---------------------------------------------------------------- measuring


def measure(
    port: int, urls: tuple[str, ...], headers, ok, args, seed: int, connections: int = 0
) -> load.Result:
    target = load.GetTarget("127.0.0.1", port, urls, tuple(headers.items()), ok)
    connections = connections or args.connections
    options = {"connections": connections, "processes": min(args.processes, connections)}
    if args.warmup:
        load.run(target, seconds=args.warmup, seed=seed, **options)
    return load.run(target, seconds=args.duration, seed=seed + 1, **options)


def worker_pids(server: Server) -> list[int]:
    master = server.process.pid
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(c) for c in children]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def web_export(server: Server, cookie: str) -> tuple[int, int, float, dict, dict]:
    """GET /cases/export.csv once: (status, lines, seconds, peak MB per worker before,
    after)."""
    before = {pid: peak_rss_mb(pid) for pid in worker_pids(server)}
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=600)
    conn.request("GET", "/cases/export.csv", headers={"Cookie": cookie})
    response = conn.getresponse()
    lines = 0
    while chunk := response.read(1 << 16):
        lines += chunk.count(b"\n")
    conn.close()
    seconds = time.perf_counter() - started
    after = {pid: peak_rss_mb(pid) for pid in worker_pids(server)}
    return response.status, lines, seconds, before, after


def fmt_result(r: load.Result) -> str:
    return f"{r.rate:>8.1f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--duration", type=float, default=5.0, help="seconds measured per path")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--processes", type=int, default=4, help="load generator processes")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--reuse", action="store_true", help="use the database of an earlier --keep run"
    )
    parser.add_argument("--only", help="run only the paths whose name contains this")
    parser.add_argument("--no-export", action="store_true", help="skip the export")
    parser.add_argument(
        "--max-single",
        type=float,
        default=5.0,
        help="seconds of SQL for one request above which a path is not put under load",
    )
    parser.add_argument(
        "--sql", action="store_true", help="print each page's SQL times and the slowest's plan"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a server to create the benchmark's own database on",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("SECRET_KEY", "bench-secret")
    os.environ.setdefault("CASEWORK_DATA_KEY", DATA_KEY)
    name = f"casework_scale_{args.cases}"
    url, raw_url = database_urls(args.postgres_url, name)
    print(
        f"\nScale benchmark: {args.cases:,} cases on PostgreSQL ({name}); gunicorn "
        f"{args.workers} sync workers per server, {args.connections} connections, "
        f"{args.duration:g} s per path after {args.warmup:g} s; {os.cpu_count()} CPUs shared "
        "with the load generator and the database"
    )
    errors = 0
    fill = create_database(args.postgres_url, name, args.reuse)
    try:
        started = time.perf_counter()
        casework_cli(url, "db", "upgrade")
        print(f"  db upgrade   {time.perf_counter() - started:6.1f} s")
        app = make_app(url)
        supervisor_id, first_officer, secret = make_users(app)
        if fill:
            scale_data.generate(
                raw_url,
                cases=args.cases,
                sites=args.sites,
                supervisor_id=supervisor_id,
                first_officer=first_officer,
            )
        token = casework_cli(url, "tokens", "create", SUPERVISOR, "--scope", "read",
                             "--days", "1").strip().splitlines()[-1]  # fmt: skip
        refs, cursor = samples(raw_url)
        page_paths = paths(refs, cursor)
        if args.only:
            page_paths = [p for p in page_paths if args.only in p.name]
        with tempfile.TemporaryDirectory(prefix="casework-scale-") as tmp:
            workdir = Path(tmp)
            queries_file = workdir / "queries.pickle"
            queries, seen = bare_queries(app, supervisor_id, page_paths)
            errors += len(page_paths) - len(queries)
            page_paths = [p for p in page_paths if p.name in queries]
            with queries_file.open("wb") as f:
                pickle.dump(queries, f)
            if args.sql:
                sql_report(app, supervisor_id, page_paths, seen, raw_url)
            from casework.extensions import db

            with app.app_context():
                db.engine.dispose()
            env = casework_env(url)
            bare_env = {**env, "BENCH_BARE_QUERIES": str(queries_file),
                        "BENCH_DATABASE_URL": raw_url}  # fmt: skip
            servers: list[Server] = []
            try:
                casework = start_gunicorn("casework", "casework:create_app()", env, workdir,
                                          args.workers)  # fmt: skip
                servers.append(casework)
                bare = start_gunicorn("bare", "bench.bare_pages:app", bare_env, workdir,
                                      args.workers)  # fmt: skip
                servers.append(bare)
                cookie = login(f"http://127.0.0.1:{casework.port}", secret)
                slow = {
                    name: sql_seconds(statements)
                    for name, statements in seen.items()
                    if sql_seconds(statements) > args.max_single
                }
                errors += run_paths(page_paths, casework, bare, cookie, token, args, slow)
                if not args.no_export:
                    errors += run_export(casework, cookie, url, args)
            finally:
                for server in servers:
                    server.stop()
    finally:
        if not args.keep:
            drop_database(args.postgres_url, name)
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    return 1 if errors else 0


def run_paths(page_paths: list[Path_], casework: Server, bare: Server, cookie: str, token: str,
              args, slow: dict[str, float]) -> int:  # fmt: skip
    """Each path under load, Casework then bare; not those whose one request's SQL took
    longer than ``--max-single`` in-process (16 of them would only queue for minutes, and
    their queries, still running in the database, would slow every path after them)."""
    header = ("path", "req/s", "p50 ms", "p99 ms", "bare r/s", "p50 ms", "p99 ms", "ratio")
    print("\n{:<26} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>6}  verdict".format(*header))
    errors = 0
    for i, p in enumerate(page_paths):
        if p.name in slow:
            print(f"{p.name:<26} not loaded: one request's SQL takes {slow[p.name]:.1f} s "
                  f"in-process (p99 OVER {p.limit_ms:g} ms)", flush=True)  # fmt: skip
            continue
        headers = {"Authorization": f"Bearer {token}"} if p.bearer else {"Cookie": cookie}
        urls = p.variants or (p.url,)
        mine = measure(casework.port, urls, headers, p.ok, args, seed=10 + i)
        variants = len(urls)
        bare_urls = tuple(f"/q/{urllib.parse.quote(p.name)}?v={v}" for v in range(variants))
        yard = measure(bare.port, bare_urls, {}, frozenset({200}), args, seed=100 + i)
        ratio = mine.rate / yard.rate if yard.rate else float("nan")
        verdict = [
            "p99 ok" if mine.p99_ms < p.limit_ms else f"p99 OVER {p.limit_ms:g} ms",
            "ratio ok" if ratio >= RATIO else f"ratio BELOW {RATIO}",
        ]
        if mine.errors or yard.errors:
            verdict.append(f"ERRORS {mine.statuses} / bare {yard.statuses}")
            errors += 1
        if p.single:
            one = measure(casework.port, urls, headers, p.ok, args, seed=200 + i, connections=1)
            verdict.append(f"1 connection: p50 {one.p50_ms:.0f} ms, p99 {one.p99_ms:.0f} ms "
                           f"({'ok' if one.p99_ms < p.limit_ms else 'OVER'})")  # fmt: skip
        print(f"{p.name:<26} {fmt_result(mine)} {fmt_result(yard)} {ratio:>6.2f}  "
              f"{', '.join(verdict)}", flush=True)  # fmt: skip
    return errors


def run_export(casework: Server, cookie: str, url: str, args) -> int:
    status, lines, seconds, before, after = web_export(casework, cookie)
    grown = max(after.values())
    workers = ", ".join(f"{before.get(pid, 0):.0f} -> {mb:.0f}" for pid, mb in after.items())
    print(
        f"\nexport /cases/export.csv: HTTP {status}, {lines - 1:,} cases in {seconds:.1f} s; "
        f"each worker's peak RSS (VmHWM) before -> after, MB: {workers} (target under "
        f"{EXPORT_MB:g} MB: {'met' if grown < EXPORT_MB else 'NOT met'})"
    )
    mb, cli_seconds = cli_export(url, "csv")
    print(
        f"casework export cases (CSV, child process): peak RSS {mb:.0f} MB in "
        f"{cli_seconds:.1f} s (target under {EXPORT_MB:g} MB: "
        f"{'met' if mb < EXPORT_MB else 'NOT met'})"
    )
    return 0 if status == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
