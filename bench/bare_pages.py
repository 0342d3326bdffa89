"""The scale benchmark's yardstick: a bare Flask app that runs the same SQL as Casework's
pages with the raw driver (psycopg 3, one connection per worker) and returns the rows as
JSON; no ORM, no templates, no login, no permission check beyond what the SQL holds.

The statements are not written here: `bench.scale` runs each Casework page once in-process,
records the statements it sends (with their parameters, as the driver received them) and
keeps the page's main query (see `bench.scale.main_statements`); this app reads them from
the pickle ``BENCH_BARE_QUERIES`` names. So the two sides run the same SQL, whatever the
queries are on the day.

``GET /q/<name>?v=<n>`` runs variant n (e.g. one case reference of several) of page <name>.
"""

from __future__ import annotations

import json
import os
import pickle
from datetime import date, datetime
from decimal import Decimal

import psycopg
from flask import Flask, Response, abort, request

app = Flask(__name__)

with open(os.environ["BENCH_BARE_QUERIES"], "rb") as f:
    QUERIES: dict[str, list[list[tuple[str, dict]]]] = pickle.load(f)  # noqa: S301  (written by bench.scale, this run)

_connection: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    """This worker's connection, opened on first use (after gunicorn forked the worker)."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg.connect(os.environ["BENCH_DATABASE_URL"], autocommit=True)
    return _connection


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


@app.get("/q/<name>")
def run(name: str):
    variants = QUERIES.get(name)
    if not variants:
        abort(404)
    statements = variants[request.args.get("v", 0, type=int) % len(variants)]
    results = []
    with connection().cursor() as cur:
        for statement, params in statements:
            cur.execute(statement, params)
            names = [c.name for c in cur.description or ()]
            results.append([dict(zip(names, row, strict=True)) for row in cur.fetchall()])
    return Response(json.dumps(results, default=_plain), mimetype="application/json")


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
