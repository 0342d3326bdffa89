"""``casework sites ...``: the mine site registry."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from casework.extensions import db
from casework.sites.importer import COLUMNS, SiteFileError, read_file
from casework.sites.operations import import_site_rows


@click.group()
def sites() -> None:
    """The mine site registry."""


@sites.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def sites_import(file: Path) -> None:
    """Import or update mine sites from a CSV file.

    Columns: code,name,country,province,territory,minerals,latitude,longitude (minerals
    ';'-separated). A site whose code exists is updated. Rows with errors are reported
    with their line numbers and skipped; the others are kept. Exits 1 when the file cannot
    be read or holds no valid row. The import is on the admin log (counts and codes), as
    made from the command line.
    """
    try:
        rows = read_file(file)
    except SiteFileError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(1) from None
    if not rows:
        click.echo(
            f"Error: {file} has a header but no sites. Columns: {','.join(COLUMNS)}", err=True
        )
        raise SystemExit(1)

    with click.progressbar(length=len(rows), label=f"Importing {len(rows)} sites") as bar:
        result = import_site_rows(rows, actor=None, source=file.name, on_row=lambda: bar.update(1))
    for error in result.rejected:
        click.echo(f"  {error}", err=True)
    if result.accepted == 0:
        db.session.rollback()
        click.echo(
            f"Error: no valid row in {file}; nothing imported. " + result.summary(), err=True
        )
        raise SystemExit(1)
    db.session.commit()
    click.echo(result.summary())
