"""The scale benchmark's data: a programme's years of cases, generated in SQL on PostgreSQL.

Run after ``casework db upgrade`` on a fresh database, so the rows fit whatever schema the
migrations give: every statement is one ``INSERT ... SELECT`` over ``generate_series``, and
columns that only some revisions have (the milestone times) are filled when they exist.
The event hash chain is not a real one (bench rows need not pass ``audit verify``).
"""

from __future__ import annotations

import random
import time

import psycopg

from bench.intake import site_rows

PROVINCES = ("Nord-Kivu", "Sud-Kivu", "Maniema", "Tanganyika", "Ituri", "Haut-Katanga",
             "Haut-Uele", "Lualaba")  # fmt: skip
# DOMAIN.md's example reports and a few more of the same kind: titles and descriptions.
SENTENCES = (
    "Bjr. Kwa barrière ya Mushaki, FARDC wanatoza 2000 FC kwa kila sac ya coltan inayotoka Rubaya.",
    "Watoto wa miaka 12-14 wanachimba ndani ya shimo kwa site ya Nyabibwe, hawaendi shule.",
    "3 femmes violées hier près du puits de Kalimbi par hommes armés en tenue. Aidez-nous svp.",
    "Police des mines ku pont ya Kalehe exige 20$ pour passer moto sans documents ya traçabilité.",
    "Éboulement leo saa 10 puits ya Kalimbi: watu 2 wamekufa, 3 wamejeruhiwa.",
    "Cahier ya coopérative haijajazwa tangu wiki 2, poids hailingani na tags.",
    "Armed men are taxing the diggers at the site every morning, 500 FC per person.",
    "Les négociants achètent la cassitérite sans étiquettes et la mélangent avec celle de Lemera.",
    "Maji ya kuosha madini yanaingia mto, samaki wamekufa na watu hawana maji safi.",
    "Deux familles se disputent le terrain du puits, la coopérative a fermé le chantier.",
)
# The rare word of the "rare word" search: in one case of RARE_EVERY (25 in 1,000,000).
RARE_WORD = "wolframite"
RARE_EVERY = 40_000
COMMON_WORD = "Kalimbi"  # in two sentences of ten: about a third of the cases
SUMMARY = ("Un rapport sur {site} a été vérifié; la coopérative a pris des mesures et le "
           "comité a suivi leur mise en oeuvre.")  # fmt: skip

OFFICERS = 20
# Statuses in workflow order: which milestones a case in each has passed.
OPEN_STATUSES = ("received", "triaged", "verifying", "verified", "escalated", "mitigation",
                 "monitoring")  # fmt: skip


def _sql_array(values) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def columns(conn: psycopg.Connection, table: str) -> set[str]:
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = %s",
        (table,),
    ).fetchall()
    return {r[0] for r in rows}


def _insert_sites(conn: psycopg.Connection, count: int) -> None:
    rng = random.Random(11)
    rows = site_rows(count)
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO sites (code, name, country, province, territory, minerals, version) "
            "VALUES (%s, %s, %s, %s, %s, %s, 1)",
            [(r["code"], r["name"], "CD", rng.choice(PROVINCES), "", r["minerals"]) for r in rows],
        )


# One row of random draws per case, then the case from them. ``age`` is in days before
# now, denser toward now (a programme that grew); a case older than ~200 days is nearly
# always closed, a recent one often still open; open cases have a deadline from three weeks
# past (overdue) to two months ahead.
CASES_SQL = """
INSERT INTO cases (reference, status, category, level, title, description, language, channel,
    site_id, location_text, occurred_dt, reported_dt, reporter_id, assignee_id, due_dt,
    resolution, closed_dt, suggested_category, suggested_level, is_published, do_not_contact,
    is_anonymous, escalated_dt, deadline_stage, age_limit_dt, age_stage, public_summary,
    committee_brief, created_dt, updated_dt, version, event_count, last_event_hash
    {milestone_columns})
SELECT
    'CW-' || substr(h, 1, 4) || '-' || substr(h, 5, 4),
    status, CASE WHEN status = 'received' THEN NULL ELSE category END,
    CASE WHEN status = 'received' THEN NULL ELSE level END,
    left(s1, 80),
    s1 || ' ' || s2 || CASE WHEN n % {rare_every} = 17 THEN ' {rare_word} ' ELSE '' END,
    (ARRAY['fr', 'sw', 'en', 'fr'])[1 + n % 4], channel,
    CASE WHEN r_site < 0.1 THEN NULL ELSE 1 + floor(power(r_site, 2) * {sites})::int END,
    '', reported - interval '1 day', reported,
    CASE WHEN channel IN ('sms', 'whatsapp') THEN 1 + n % {reporters} END,
    CASE WHEN status = 'received' THEN NULL
         WHEN n % 25 = 0 THEN {supervisor_id}
         ELSE {first_officer} + n % {officers} END,
    CASE WHEN status = 'closed' THEN NULL
         WHEN status = 'monitoring' AND r_due < 0.3 THEN NULL
         ELSE now() + interval '1 day' * (r_due * 80 - 20) END,
    CASE WHEN status = 'closed' THEN resolution END,
    CASE WHEN status = 'closed'
         THEN least(reported + interval '1 day' * (3 + r_due * 120), now()) END,
    category, level, published, false, false,
    CASE WHEN status IN ('escalated', 'mitigation', 'monitoring')
           OR (status = 'closed' AND r_due < 0.15)
         THEN reported + interval '12 days' END,
    0, CASE WHEN status = 'closed' THEN NULL ELSE reported + interval '183 days' END, 0,
    CASE WHEN published THEN '{summary}' ELSE '' END, '',
    reported, reported + interval '2 days', 1, 3, repeat('0', 64)
    {milestone_values}
FROM (
    SELECT *,
        CASE WHEN r_status < least(0.97, age / 200.0) THEN 'closed'
             ELSE ({open_statuses})[1 + floor(r_open * 7)::int] END AS status,
        ({categories})[1 + floor(power(r_cat, 1.6) * {n_categories})::int] AS category,
        CASE WHEN r_cat < 0.12 THEN 1 WHEN r_cat < 0.55 THEN 2 ELSE 3 END AS level,
        (ARRAY['resolved', 'resolved', 'resolved', 'resolved', 'resolved', 'unresolved',
               'unsubstantiated', 'unsubstantiated', 'duplicate', 'rejected'])
            [1 + floor(r_open * 10)::int] AS resolution,
        (ARRAY['sms', 'sms', 'sms', 'sms', 'sms', 'sms', 'whatsapp', 'whatsapp', 'web',
               'phone', 'phone', 'field'])[1 + n % 12] AS channel,
        ({sentences})[1 + floor(r_text * {n_sentences})::int] AS s1,
        ({sentences})[1 + (n * 7) % {n_sentences}] AS s2,
        now() - interval '1 day' * age - interval '1 second' * (n % 86400) AS reported,
        lpad(upper(to_hex((n::bigint * 2654435761) % 4294967296)), 8, '0') AS h
    FROM (
        SELECT n, 1826 * (1 - sqrt(random())) AS age, random() AS r_status,
            random() AS r_open, random() AS r_cat, random() AS r_site, random() AS r_due,
            random() AS r_text, random() < 0.08 AS published
        FROM generate_series(1, {cases}) AS n
    ) AS draws
) AS g
"""

# The milestones a case has passed, from its status (and for closed cases, most of them).
MILESTONES = {
    "triaged_dt": (
        "CASE WHEN status <> 'received' THEN reported + interval '20 hours' END",
        ("triaged",),
    ),
    "verification_started_dt": (
        "CASE WHEN status NOT IN ('received', 'triaged') THEN reported + interval '3 days' END",
        (),
    ),
    "verified_dt": (
        "CASE WHEN status NOT IN ('received', 'triaged', 'verifying') AND r_due > 0.1 "
        "THEN reported + interval '9 days' END",
        (),
    ),
}


def _insert_cases(conn: psycopg.Connection, cases: int, sites: int, supervisor_id: int,
                  first_officer: int, reporters: int) -> list[str]:  # fmt: skip
    from casework.cases.models import CATEGORIES

    have = columns(conn, "cases")
    milestones = [name for name in MILESTONES if name in have]
    published = SUMMARY.format(site="le site").replace("'", "''")
    sql = CASES_SQL.format(
        milestone_columns="".join(f", {m}" for m in milestones),
        milestone_values="".join(f", {MILESTONES[m][0]}" for m in milestones),
        rare_every=RARE_EVERY,
        rare_word=RARE_WORD,
        sites=sites - 1,
        reporters=reporters,
        supervisor_id=supervisor_id,
        first_officer=first_officer,
        officers=OFFICERS,
        summary=published,
        open_statuses=_sql_array(OPEN_STATUSES),
        categories=_sql_array(CATEGORIES),
        n_categories=len(CATEGORIES) - 0.0001,
        sentences=_sql_array(SENTENCES),
        n_sentences=len(SENTENCES),
        cases=cases,
    )
    conn.execute(sql)
    return milestones


REPORTERS_SQL = """
INSERT INTO reporters (phone_hash, phone_encrypted, phone_masked, is_phone_valid, country,
    language, language_source, anonymity, created_dt)
SELECT md5('bench-reporter-' || n) || md5('salt' || n), 'bench-not-a-ciphertext',
    '+243 *** *** ' || lpad((n % 1000)::text, 3, '0'), true, 'CD',
    (ARRAY['fr', 'sw', 'en'])[1 + n % 3], 'detected', 'confidential',
    now() - interval '5 years'
FROM generate_series(1, {reporters}) AS n
"""

# Three events a case: created, then triage and start of verification as far as it went
# (a note otherwise); data as `operations.fire` writes it, hashes that are only the right
# length.
EVENTS_SQL = """
INSERT INTO case_events (case_id, seq, kind, actor_id, created_dt, data, prev_hash, hash)
SELECT c.id, seq,
    CASE WHEN seq = 1 THEN 'created'
         WHEN seq = 2 AND c.status <> 'received' THEN 'transition'
         WHEN seq = 3 AND c.status NOT IN ('received', 'triaged') THEN 'transition'
         ELSE 'note' END,
    c.assignee_id,
    c.reported_dt + interval '20 hours' * (seq - 1) + interval '2 days' * (seq / 3),
    CASE WHEN seq = 1 THEN json_build_object('channel', c.channel)
         WHEN seq = 2 AND c.status <> 'received' THEN
             json_build_object('transition', 'triage', 'from', 'received', 'to', 'triaged')
         WHEN seq = 3 AND c.status NOT IN ('received', 'triaged') THEN
             json_build_object('transition', 'start_verification', 'from', 'triaged',
                               'to', 'verifying')
         ELSE json_build_object('text', 'Called the cooperative; waiting for the visit.') END,
    CASE WHEN seq = 1 THEN repeat('0', 64)
         ELSE md5(c.id || ':' || (seq - 1)) || md5(c.reference) END,
    md5(c.id || ':' || seq) || md5(c.reference)
FROM cases AS c CROSS JOIN generate_series(1, 3) AS seq
"""

# The report as it came in (SMS and WhatsApp cases), and an acknowledgement for most.
MESSAGES_SQL = """
INSERT INTO messages (direction, channel, provider_sid, case_id, reporter_id, body, language,
    media, status, is_flagged, created_dt, updated_dt)
SELECT m.direction, c.channel,
    CASE WHEN m.direction = 'in' THEN 'SM' || md5('in' || c.id) ELSE 'SM' || md5('out' || c.id) END,
    c.id, c.reporter_id,
    CASE WHEN m.direction = 'in' THEN c.description
         ELSE 'Merci. Votre rapport est enregistré: ' || c.reference || '.' END,
    c.language, '[]'::json, CASE WHEN m.direction = 'in' THEN 'received' ELSE 'delivered' END,
    false,
    c.reported_dt + CASE WHEN m.direction = 'in' THEN interval '0' ELSE interval '1 second' END,
    c.reported_dt
FROM cases AS c
CROSS JOIN (VALUES ('in'), ('out')) AS m(direction)
WHERE c.channel IN ('sms', 'whatsapp') AND (m.direction = 'in' OR c.id % 3 <> 0)
UNION ALL
SELECT 'out', 'sms', NULL, c.id, NULL, 'Case ' || c.reference || ' registered.', 'en', '[]'::json,
    'delivered', false, c.reported_dt + interval '1 minute', c.reported_dt
FROM cases AS c WHERE c.channel NOT IN ('sms', 'whatsapp')
"""


BULK_TABLES = ("cases", "case_events", "messages")


def _set_aside_indexes(conn: psycopg.Connection) -> list[str]:
    """Drop the plain indexes of the bulk tables (not those behind a primary key or a
    unique constraint): built once over a million rows, they take a fraction of the time
    that a million inserts into each would. Their definitions, to build them again."""
    rows = conn.execute(
        """
        SELECT i.indexname, i.indexdef FROM pg_indexes AS i
        WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
        """,
        (list(BULK_TABLES),),
    ).fetchall()
    for name, _ in rows:
        conn.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in rows]


def generate(url: str, *, cases: int, sites: int, supervisor_id: int, first_officer: int,
             log=print) -> dict[str, float]:  # fmt: skip
    """Fill the database at ``url`` (upgraded, with its users made): seconds per step. The
    schema's own indexes, no others: those of the bulk tables are built again at the end."""
    timings: dict[str, float] = {}
    reporters = max(1, cases // 5)
    with psycopg.connect(url, autocommit=False) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute("SET maintenance_work_mem = '256MB'")
        indexes = _set_aside_indexes(conn)
        conn.commit()
        for name, step in (
            ("sites", lambda: _insert_sites(conn, sites)),
            ("reporters", lambda: conn.execute(REPORTERS_SQL.format(reporters=reporters))),
            (
                "cases",
                lambda: _insert_cases(conn, cases, sites, supervisor_id, first_officer, reporters),
            ),
            ("case_events", lambda: conn.execute(EVENTS_SQL)),
            ("messages", lambda: conn.execute(MESSAGES_SQL)),
            ("indexes", lambda: [conn.execute(definition) for definition in indexes]),
        ):
            started = time.perf_counter()
            step()
            conn.commit()
            timings[name] = time.perf_counter() - started
            log(f"  {name:<12} {timings[name]:6.1f} s")
    with psycopg.connect(url, autocommit=True) as conn:
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
        log(f"  {'vacuum analyze':<12} {timings['vacuum analyze']:6.1f} s")
    return timings
