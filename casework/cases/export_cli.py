"""``casework export cases``: the queue as CSV or JSON Lines, from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from casework.auth.cli import fail, find_user
from casework.cases import exports
from casework.cases.models import CATEGORIES
from casework.cases.queries import VIEWS, CaseFilters
from casework.extensions import db
from workflows import STATES


@click.group("export")
def export() -> None:
    """Export data."""


@export.command("cases")
@click.option(
    "--as",
    "as_email",
    required=True,
    metavar="EMAIL",
    help="The supervisor or admin exporting: the export holds what they may read "
    "and is on the admin log under their name.",
)
@click.option(
    "--format", "fmt", type=click.Choice(sorted(exports.FORMATS)), default="csv", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
@click.option("--status", type=click.Choice(STATES))
@click.option("--level", type=click.IntRange(1, 3))
@click.option("--category", type=click.Choice(sorted(CATEGORIES)))
@click.option("--site", metavar="SITE", help="A mine site's code, or (part of) its name.")
@click.option(
    "--view",
    type=click.Choice([v for v in VIEWS if v != "all"]),
    help="One of the queue's views, as the --as user sees it (default: every case).",
)
@click.option(
    "--q", "text", metavar="TEXT", help="Cases whose reference, title or report contains TEXT."
)
@with_appcontext
def export_cases(as_email, fmt, output, status, level, category, site, view, text) -> None:
    """Write every case matching the filters, oldest first; never a phone number."""
    user = find_user(as_email)
    if user is None or not user.is_active or not exports.may_export(user):
        fail(f"{as_email} is not an enabled supervisor or admin account.")
    filters = CaseFilters(
        status=status,
        level=level,
        category=category,
        site=site.strip() if site else None,
        q=text,
        view=view,
    )
    exports.start_export(filters, fmt, actor=user)
    db.session.commit()
    counted = [0]

    def counting():
        for record in exports.rows(filters, actor=user):
            counted[0] += 1
            yield record

    write = exports.as_csv if fmt == "csv" else exports.as_jsonl
    for chunk in write(counting()):
        output.write(chunk)
    output.flush()
    click.echo(f"{counted[0]} cases exported.", err=True)
    if output is not sys.stdout:
        output.close()
