"""No sequential scan of cases, messages or case events on any page or API call (issue 8,
item 6), on PostgreSQL with enough generated rows for the planner to choose as at scale.

A module fixture fills the database with SQL (80,000 cases over 300 sites, their messages
and events, with a realistic spread of states, levels, categories, dates, assignees and
committees) and ANALYZEs it. Each test then requests one page or API call through the test
client as a given user; every SELECT the app issues is EXPLAINed, as it runs, on the same
connection with its own parameters, and the plan tree is walked for a Seq Scan of those
tables. A scan already understood (KNOWN_SCANS: the index it waits for) makes its page
xfail; any other fails it, naming the statement, its parameters and the plan.
CASEWORK_PLAN_EXTRA_SQL runs after the fill: to try an index before its migration.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select, text

from casework import clock, create_app
from casework.extensions import db as _db
from tests.conftest import TEST_PASSWORD, _Client, _truncate_all, login, test_config

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CASES = int(os.environ.get("CASEWORK_PLAN_CASES", "80000"))  # more: to look closer to scale
SITES = 300
COMMITTEES = 12
OFFICERS = 30
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WATCHED = frozenset({"cases", "messages", "case_events"})
# SQL run after the fill, to try an index before its migration exists (';'-separated).
EXTRA_SQL = os.environ.get("CASEWORK_PLAN_EXTRA_SQL", "")
RARE_WORD = "zebrafish"  # in a handful of reports
COMMON_WORD = "children"  # in about a third


# ---------------------------------------------------------------- the generated world

_FILL = [
    # Sites: 300 over four provinces; one is Kalimbi (the filter finds sites by name).
    """
    INSERT INTO sites (code, name, country, province, territory, minerals, version)
    SELECT 'CD-' || (ARRAY['NK','SK','MA','TA'])[1 + n % 4] || '-' || lpad(n::text, 4, '0'),
        CASE WHEN n = 7 THEN 'Kalimbi' ELSE 'Mine site ' || n END, 'CD',
        (ARRAY['Nord-Kivu','Sud-Kivu','Maniema','Tanganyika'])[1 + n % 4],
        (ARRAY['Masisi','Kalehe','Kabambare','Manono','Walikale','Shabunda'])[1 + n % 6],
        (ARRAY['coltan','cassiterite','wolframite','gold'])[1 + n % 4], 1
    FROM generate_series(1, :sites) AS n
    """,
    """
    INSERT INTO committees (name, scope, country, province, territories, time_zone, language,
        quorum_percent, quorum_each_sector, majority_percent)
    SELECT 'Committee ' || n, 'local', 'CD',
        (ARRAY['Nord-Kivu','Sud-Kivu','Maniema','Tanganyika'])[1 + n % 4],
        (ARRAY['Masisi','Kalehe','Kabambare','Manono','Walikale','Shabunda'])[1 + n % 6],
        'Africa/Lubumbashi', 'fr', 50, true, 50
    FROM generate_series(1, :committees) AS n
    """,
    # Officers the cases are assigned to (never logged in: no password).
    """
    INSERT INTO users (email, name, role, password_hash, is_enabled, language, created_dt,
        timezone, digest_hour, must_change_password)
    SELECT 'staff' || n || '@example.org', 'Staff ' || n, 'officer', '', true, 'en', :now,
        'UTC', 7, false
    FROM generate_series(1, :officers) AS n
    """,
    """
    INSERT INTO reporters (phone_hash, phone_encrypted, phone_masked, is_phone_valid, country,
        language, anonymity, created_dt)
    SELECT md5('r' || n) || md5('p' || n), 'not-a-real-ciphertext',
        '+243 *** *** ' || lpad((n % 1000)::text, 3, '0'), true, 'CD',
        (ARRAY['fr','sw','en'])[1 + n % 3], 'confidential', :now - interval '1 day' * (n % 900)
    FROM generate_series(1, :cases / 2) AS n
    """,
    # The cases: reported over ~4.5 years, newest first by n; old ones mostly closed. h is a
    # scrambled n (a bijection mod 2^32) spreading the other columns without random().
    """
    INSERT INTO cases (reference, status, category, level, title, description, language,
        channel, site_id, location_text, occurred_dt, reported_dt, reporter_id, assignee_id,
        committee_id, due_dt, resolution, closed_dt, suggested_category, suggested_level,
        suggested_site_id, pending_level, pending_level_by_id, pending_level_reason,
        is_published, do_not_contact, is_anonymous, escalated_dt, deadline_stage,
        age_limit_dt, age_stage, public_summary, committee_brief, created_dt, updated_dt,
        version, event_count, last_event_hash)
    SELECT
        'CW-' || substr(x, 1, 4) || '-' || substr(x, 5, 4), st, cat, lvl,
        initcap(w1) || coalesce(' at ' || site_name, ''),
        'Report ' || n || ': ' || w1 || ' ' || w2 || ' near the pit, '
            || CASE WHEN h % 3 = 0 THEN 'children ' ELSE '' END
            || CASE WHEN n % 16000 = 5 THEN 'zebrafish ' ELSE '' END
            || 'seen by the reporter.',
        (ARRAY['fr','sw','en'])[1 + h % 3],
        (ARRAY['sms','whatsapp','web','phone','field','email'])[1 + h % 6],
        site, coalesce('Near ' || site_name, ''), rep - interval '2 days', rep,
        CASE WHEN h % 5 <> 0 THEN 1 + (h / 5) % (:cases / 2) END,
        CASE WHEN st <> 'received' AND h % 10 <> 0 THEN 1 + h % :officers END,
        CASE WHEN st IN ('escalated','mitigation','monitoring')
            OR (st = 'closed' AND h % 5 = 1) THEN 1 + h % :committees END,
        CASE WHEN st <> 'closed' THEN rep + interval '1 day' * (1 + h % 40) END,
        CASE WHEN st = 'closed'
            THEN (ARRAY['resolved','unresolved','unsubstantiated','duplicate','rejected'])
                [1 + h % 5] END,
        CASE WHEN st = 'closed' THEN rep + interval '1 day' * (5 + h % 90) END,
        CASE WHEN st = 'received' THEN cat END,
        CASE WHEN st = 'received' THEN 1 + h % 3 END,
        CASE WHEN st = 'received' THEN site END,
        CASE WHEN lvl = 1 AND st <> 'closed' AND h % 50 = 3 THEN 2 END,
        CASE WHEN lvl = 1 AND st <> 'closed' AND h % 50 = 3 THEN 1 + h % :officers END,
        CASE WHEN lvl = 1 AND st <> 'closed' AND h % 50 = 3 THEN 'Not confirmed' END,
        st = 'closed' AND h % 3 = 0, false, false,
        CASE WHEN st IN ('escalated','mitigation','monitoring','closed')
            THEN rep + interval '3 days' END,
        0, CASE WHEN st <> 'closed' THEN rep + interval '180 days' END, 0,
        CASE WHEN st = 'closed' AND h % 3 = 0
            THEN 'Summary of ' || w1 || coalesce(' at ' || site_name, '') ELSE '' END,
        '', rep, rep, 1, 3, repeat('0', 64)
    FROM (
        SELECT n, h, x, rep, site, s.name AS site_name,
            (ARRAY['digging','taxes','soldiers','tags','trucks','water','fight','bribes',
                   'injury','smuggling','roadblock','school'])[1 + h % 12] AS w1,
            (ARRAY['mud','night','river','market','shaft','camp','depot'])[1 + h % 7] AS w2,
            CASE WHEN h % 100 < 3 THEN 'SA-SGBV'
                ELSE (ARRAY['SA-TOR','SA-FL','SA-WFCL','SA-WAR','NSAG','SEC','BRB','AML',
                            'TAX','CHL','OHS','ENV','LAND','TRC','SEC','TAX','CHL','ENV',
                            'OHS','TRC'])[1 + (h / 100) % 20] END AS cat,
            CASE WHEN n < 40 AND h % 4 = 0 THEN NULL
                 WHEN h % 10 = 0 THEN 1 WHEN h % 10 < 5 THEN 2 ELSE 3 END AS lvl,
            CASE WHEN n < 60 THEN 'received'
                 WHEN rep > :now - interval '180 days' AND h % 10 < 8
                    THEN (ARRAY['received','triaged','verifying','verified','escalated',
                                'mitigation','monitoring'])[1 + h % 7]
                 WHEN rep <= :now - interval '180 days' AND h % 20 = 0
                    THEN (ARRAY['verifying','mitigation','monitoring'])[1 + h % 3]
                 ELSE 'closed' END AS st
        FROM (
            SELECT n, h, upper(lpad(to_hex(h), 8, '0')) AS x,
                :now - interval '29 minutes' * n - interval '1 second' * (h % 600) AS rep,
                CASE WHEN h % 20 <> 0 THEN 1 + h % :sites END AS site
            FROM (SELECT n, (n::bigint * 2654435761) % 4294967296 AS h
                  FROM generate_series(1, :cases) AS n) AS base
        ) AS b
        LEFT JOIN sites AS s ON s.id = b.site
    ) AS c
    """,
    # Untriaged cases have no level (never Level 1 by default).
    "UPDATE cases SET level = NULL WHERE status = 'received' AND id % 2 = 0",
    # The milestones the dashboard measures, as far as each case went.
    """
    UPDATE cases SET
        triaged_dt = reported_dt + interval '1 hour' * (1 + id % 48),
        verification_started_dt = CASE WHEN status <> 'triaged' AND id % 7 <> 0
            THEN reported_dt + interval '1 hour' * (49 + id % 72) END,
        verified_dt = CASE WHEN status NOT IN ('triaged', 'verifying') AND id % 7 <> 0
            THEN reported_dt + interval '1 hour' * (121 + id % 200) END
    WHERE status <> 'received'
    """,
    # One or two messages per case that has a reporter.
    """
    INSERT INTO messages (direction, channel, provider_sid, case_id, reporter_id, body,
        language, media, status, is_flagged, created_dt)
    SELECT 'in', c.channel, 'SM' || md5(c.id || '-' || k), c.id, c.reporter_id,
        'Message ' || k || ' about ' || c.reference, c.language, '[]', 'received', false,
        c.reported_dt + interval '1 hour' * (k - 1)
    FROM cases AS c, generate_series(1, 2) AS k
    WHERE c.reporter_id IS NOT NULL AND (k = 1 OR c.id % 3 = 0)
    """,
    # Three events per case: created, a transition (triage) and a note.
    """
    INSERT INTO case_events (case_id, seq, kind, actor_id, created_dt, data, prev_hash, hash)
    SELECT c.id, k, (ARRAY['created','transition','note'])[k],
        CASE WHEN k > 1 THEN 1 + c.id % :officers END,
        c.reported_dt + interval '1 hour' * (k - 1) * (1 + c.id % 30),
        CASE k WHEN 1 THEN '{"channel": "sms"}'
               WHEN 2 THEN '{"transition": "triage", "from": "received", "to": "triaged"}'
               ELSE '{"text": "Called the reporter back."}' END::json,
        md5(c.id || '-' || (k - 1)) || md5('p' || c.id || '-' || (k - 1)),
        md5(c.id || '-' || k) || md5('p' || c.id || '-' || k)
    FROM cases AS c, generate_series(1, 3) AS k
    """,
]


@dataclass
class World:
    app: object
    clients: dict[str, _Client]
    users: dict[str, object]
    bearer: dict[str, dict[str, str]]
    case_ref: str  # an escalated case of the committee member's committee, with messages
    restricted_ref: str
    newest_cursor: str  # 20,000 rows down the supervisor's newest-first queue
    deadline_cursor: str
    plans: list[tuple[str, dict, list]] = field(default_factory=list)


def _explain_every_select(engine, plans: list):
    """EXPLAIN each SELECT right after it runs, on the same DBAPI connection (same
    transaction, same parameters), keeping (statement, parameters, plan); returns the
    listener, for event.remove."""

    def explain(conn, cursor, statement, parameters, context, executemany):
        if executemany or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return
        with cursor.connection.cursor() as other:
            other.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
            plan = other.fetchone()[0]
        plans.append((statement, parameters, plan if isinstance(plan, list) else json.loads(plan)))

    event.listen(engine, "after_cursor_execute", explain)
    return explain


@pytest.fixture(scope="module")
def world(_schema, tmp_path_factory) -> Iterator[World]:
    from casework.auth.models import ApiToken, User
    from casework.cases.models import Case
    from casework.cases.queries import encode_cursor
    from casework.committees.models import CommitteeMembership

    folder = tmp_path_factory.mktemp("plans")
    app = create_app(
        test_config(
            _schema,
            CASEWORK_FILES_URL=str(folder / "files"),
            CASEWORK_SPOOL_DIR=str(folder / "spool"),
        )
    )
    app.test_client_class = _Client
    clock.freeze(NOW)
    with app.app_context():
        try:
            values = {"cases": CASES, "sites": SITES, "committees": COMMITTEES,
                      "officers": OFFICERS, "now": NOW}  # fmt: skip
            for statement in _FILL:
                _db.session.execute(text(statement), values)
            users = {}
            for role in ("supervisor", "officer", "committee", "viewer", "admin"):
                user = User(email=f"plan-{role}@example.org", name=f"Plan {role}", role=role)
                user.set_password(TEST_PASSWORD)
                _db.session.add(user)
                users[role] = user
            _db.session.flush()
            _db.session.add(CommitteeMembership(committee_id=1, user_id=users["committee"].id))
            bearer = {}
            for role in ("supervisor", "officer", "viewer"):
                raw = secrets.token_urlsafe(32)
                _db.session.add(
                    ApiToken(user=users[role], token_hash=ApiToken.hash(raw), scopes="read")
                )
                bearer[role] = {"Authorization": f"Bearer {raw}"}
            _db.session.commit()
            for statement in filter(str.strip, EXTRA_SQL.split(";")):
                _db.session.execute(text(statement))
            _db.session.commit()
            with _db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))

            def nth(order, n: int) -> Case:
                return _db.session.scalar(select(Case).order_by(*order).offset(n).limit(1))

            case_ref = _db.session.scalar(
                select(Case.reference)
                .where(Case.committee_id == 1, Case.status == "escalated",
                       Case.category != "SA-SGBV", Case.reporter_id.is_not(None),
                       Case.id % 3 == 0)
                .order_by(Case.id)
                .limit(1)
            )  # fmt: skip
            restricted_ref = _db.session.scalar(
                select(Case.reference).where(Case.category == "SA-SGBV").order_by(Case.id).limit(1)
            )
            newest = nth((Case.reported_dt.desc(), Case.id.desc()), 20_000)
            deadline = nth((Case.due_dt.asc().nulls_last(), Case.id.asc()), 5_000)
            clients = {}
            for role, user in users.items():
                client = app.test_client()
                assert login(client, user.email).status_code == 302
                clients[role] = client
            yield World(
                app=app,
                clients=clients,
                users=users,
                bearer=bearer,
                case_ref=case_ref,
                restricted_ref=restricted_ref,
                newest_cursor=encode_cursor(newest, "newest"),
                deadline_cursor=encode_cursor(deadline, "deadline"),
            )
        finally:
            clock.freeze(None)
            _db.session.remove()
            _truncate_all()
            _db.engine.dispose()


# ---------------------------------------------------------------- the pages


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    url: str  # may name {ref}, {restricted}, {newest_cursor}, {deadline_cursor}, {assignee}
    api: bool = False


def _pages() -> list[Page]:
    pages = []
    for role in ("supervisor", "officer", "committee", "viewer"):
        views = ["open", "overdue", "closed", "all"] + (["waiting"] if role != "viewer" else [])
        for view in views:
            for sort in ("newest", "deadline"):
                if view == "closed" and sort == "deadline":
                    continue  # the closed view sorts newest first only
                pages.append(Page(f"queue {view} {sort}", role, f"/cases?view={view}&sort={sort}"))
        pages += [
            Page("queue deep page newest", role, "/cases?view=all&cursor={newest_cursor}"),
            Page("queue level 1", role, "/cases?level=1"),
            Page("queue category SA-TOR", role, "/cases?category=SA-TOR"),
            Page("queue site by name", role, "/cases?site=Kalimbi"),
            Page("queue site by code", role, "/cases?view=all&site=cd-nk-0008"),
        ]
        if role != "viewer":
            pages += [
                Page("queue deep page deadline", role,
                     "/cases?view=open&sort=deadline&cursor={deadline_cursor}"),
                Page("queue assigned to me", role, "/cases?assignee=me"),
                Page("queue assigned to nobody", role, "/cases?assignee=none"),
                Page("search common word", role, f"/cases?q={COMMON_WORD}"),
                Page("search rare word", role, f"/cases?q={RARE_WORD}"),
                Page("search reference", role, "/cases?q={ref}"),
                Page("search rare word in all", role, f"/cases?view=all&q={RARE_WORD}"),
            ]  # fmt: skip
    pages += [
        Page("queue assignee filter", "supervisor", "/cases?assignee={assignee}"),
        Page("queue rare filters", "supervisor",
             "/cases?view=all&level=1&category=SA-WAR&site=Kalimbi"),
        Page("case page", "supervisor", "/cases/{ref}"),
        Page("case page", "officer", "/cases/{ref}"),
        Page("case page", "committee", "/cases/{ref}"),
        Page("case page (restricted)", "supervisor", "/cases/{restricted}"),
        Page("dashboard", "supervisor", "/dashboard"),
        Page("dashboard", "admin", "/dashboard"),
        Page("dashboard", "committee", "/dashboard"),
        Page("api list", "supervisor", "/api/v1/cases?limit=50", api=True),
        Page("api list", "officer", "/api/v1/cases?limit=50", api=True),
        Page("api list", "viewer", "/api/v1/cases?limit=50", api=True),
        Page("api list deep page", "supervisor", "/api/v1/cases?cursor={newest_cursor}", api=True),
        Page("api list filtered", "supervisor",
             "/api/v1/cases?level=1&category=SA-TOR&site=CD-NK-0008", api=True),
        Page("api list rare word", "officer", f"/api/v1/cases?q={RARE_WORD}", api=True),
        Page("api detail", "supervisor", "/api/v1/cases/{ref}", api=True),
        Page("api detail", "officer", "/api/v1/cases/{ref}", api=True),
    ]  # fmt: skip
    return pages


PAGES = _pages()


# Scans found and understood, waiting for an index: (pattern of the statement, the index it
# needs). A page whose only scans match these is xfail; any other scan fails it. Empty since
# the queue and dashboard indexes (migration a32a360aff4b).
KNOWN_SCANS: list[tuple[re.Pattern[str], str]] = []


def _known(statement: str) -> str | None:
    return next((why for pattern, why in KNOWN_SCANS if pattern.search(statement)), None)


def _scans(node: dict, found: list[str]) -> list[str]:
    if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") in WATCHED:
        found.append(node["Relation Name"])
    for child in node.get("Plans", ()):
        _scans(child, found)
    return found


@pytest.mark.parametrize("page", PAGES, ids=[f"{p.name} as {p.role}" for p in PAGES])
def test_no_sequential_scan(world: World, page: Page):
    url = page.url.format(
        ref=world.case_ref,
        restricted=world.restricted_ref,
        newest_cursor=world.newest_cursor,
        deadline_cursor=world.deadline_cursor,
        assignee=world.users["officer"].id,
    )
    plans: list = []
    listener = _explain_every_select(_db.engine, plans)
    try:
        if page.api:  # a bearer token only, no cookie
            response = world.app.test_client().get(url, headers=world.bearer[page.role])
        else:
            response = world.clients[page.role].get(url, follow_redirects=True)
    finally:
        event.remove(_db.engine, "after_cursor_execute", listener)
    where = f"{page.name} as {page.role} ({url})"
    assert response.status_code == 200, f"{where}: {response.status_code}"
    if "q={ref}" in page.url:  # a typed reference goes straight to the case
        assert response.request.path == f"/cases/{world.case_ref}", where
    assert plans, f"{where}: no SELECT seen"
    problems, known = [], set()
    for statement, parameters, plan in plans:
        if not (scanned := _scans(plan[0]["Plan"], [])):
            continue
        if why := _known(statement):
            known.add(why)
        else:
            problems.append(
                f"Seq Scan on {', '.join(sorted(set(scanned)))} in:\n{statement}\n"
                f"parameters: {parameters!r}\nplan: {json.dumps(plan[0]['Plan'], indent=1)}"
            )
    assert not problems, f"{where}:\n\n" + "\n\n".join(problems)
    if known:
        pytest.xfail("; ".join(sorted(known)))
